"""Exceptions of the geodata package.

Every exception carries a German message meant for the user; the CLI prints it
without a traceback.
"""


class GeodataError(ValueError):
    """Base class: a problem the user can act on (message in German)."""


class ExtractError(GeodataError):
    """The OSM extract is missing, unreadable or not an OSM file."""


class EmptyAreaError(GeodataError):
    """The extract (or the requested area) holds no usable data for the request."""


class SettingsError(GeodataError):
    """An invalid setting, such as an unknown travel mode."""


class DownloadError(GeodataError):
    """Downloading OSM data for a place failed."""
