"""The ``hausbesuch`` command line (typer). Each sub-command lives in ``hausbesuch.commands``."""

from __future__ import annotations

import importlib
import logging

import typer

from hausbesuch.commands._german import install as _german_cli

_german_cli()
# psycopg logs a second error met while ending a pipeline whose connection was lost
# („error ignored terminating <psycopg.Pipeline …>“); with no logging set up Python
# printed it on stderr before the command's German line (QA 45b F5). A log the operator
# sets up (the server's) still gets it.
logging.getLogger("psycopg").addHandler(logging.NullHandler())

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
    from hausbesuch.accountnames import check_actor_env
    from hausbesuch.errors import UserError

    try:  # before any command: its audit rows name this person
        check_actor_env()
    except UserError as exc:
        typer.echo(f"Fehler: {exc}", err=True)
        raise typer.Exit(code=2) from None


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
    "cleanup",
)

for _name in COMMAND_MODULES:
    try:
        _mod = importlib.import_module(f"hausbesuch.commands.{_name}")
    except ModuleNotFoundError as _exc:  # a command still being built
        if _exc.name != f"hausbesuch.commands.{_name}":
            raise
        continue
    _mod.register(app)


def _one_line_summaries(typer_app: typer.Typer) -> None:
    """Give every command a one-line summary for the command lists of ``--help``.

    Typer's rich help keeps the line breaks of a docstring's first paragraph in the
    list of commands, so a summary wrapped in the source showed as a ragged block in
    the middle of a sentence. The summary is that paragraph on one line; the
    command's own ``--help`` shows the whole text as before.
    """
    import inspect

    for info in typer_app.registered_commands:
        text = info.help or inspect.getdoc(info.callback) or ""
        if info.short_help is None and text:
            info.short_help = " ".join(text.split("\n\n")[0].split())
    for group in typer_app.registered_groups:
        if group.typer_instance is not None:
            _one_line_summaries(group.typer_instance)


_one_line_summaries(app)


def main() -> None:  # pragma: no cover - entry point
    app()
