"""``python -m hausbesuch``."""

from hausbesuch.cli import app

app()
