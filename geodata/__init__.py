"""Places: OSM extracts, street networks, addresses, districts, travel-time matrices.

``geodata`` knows nothing of routing or of the application. User-facing error
messages are German (they reach coordinators verbatim); code and docs are English.
"""

from geodata.errors import GeodataError

__all__ = ["GeodataError"]
