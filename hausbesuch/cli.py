"""The ``hausbesuch`` command line (typer). Each sub-command lives in ``hausbesuch.commands``."""

from __future__ import annotations

import importlib

import typer

from hausbesuch.commands._german import install as _german_cli

_german_cli()

app = typer.Typer(
    name="hausbesuch",
    help="Offline-Planung aufsuchender Hausbesuche für Jobcenter (§16k SGB II).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.callback()
def _root() -> None:
    """Offline-Planung aufsuchender Hausbesuche für Jobcenter (§16k SGB II)."""


#: Every sub-command module; each defines ``register(app)``.
COMMAND_MODULES = (
    "network",
    "districts",
    "geocode",
    "matrix",
    "solve",
    "plan",
    "casework",
    "demo",
    "letters",
    "export",
    "web",
    "audit",
    "absence",
    "teams",
    "backup",
)

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"hausbesuch.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command still being built
        if _exc.name != f"hausbesuch.commands.{_name}":
            raise
        continue
    _mod.register(app)


def main() -> None:  # pragma: no cover - entry point
    app()
