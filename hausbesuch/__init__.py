"""hausbesuch: offline planner for outreach home visits (Aufsuchende Beratung, §16k SGB II).

The application package: CLI, city profiles, storage, planning workflow, maps and
pages. It composes :mod:`geodata` (places) and :mod:`routing` (the visit-routing
problem).
"""

__version__ = "0.1.0"
