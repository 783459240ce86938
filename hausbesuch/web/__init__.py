"""The web app (FastAPI): see :mod:`hausbesuch.web.app`."""
