"""The command line speaks German: every command's --help and the usage errors."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import COMMAND_MODULES, app

runner = CliRunner()
ENGLISH = ("Show this message", "Usage:", "Options", "Arguments", "Commands", "[required]",
           "Missing ", "Invalid value", "No such", "[OPTIONS]", "[default:")


def _commands() -> list[str]:
    import typer.main

    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_every_command_module_is_registered():
    names = _commands()
    assert len(names) >= len(COMMAND_MODULES)
    for must in ("import", "addresses", "address", "outcomes", "plans", "show", "replan", "plan"):
        assert must in names


@pytest.mark.parametrize("command", [None, *_commands()])
def test_help_is_german(command):
    args = [command, "--help"] if command else ["--help"]
    res = runner.invoke(app, args, terminal_width=200)
    assert res.exit_code == 0, res.output
    for word in ENGLISH:
        assert word not in res.output, (command, word)
    assert "Aufruf:" in res.output and "Diese Hilfe zeigen" in res.output


@pytest.mark.parametrize("args, german", [
    (["show"], "Argument 'PLAN' fehlt."),
    (["plan", "--days", "x"], "Ungültiger Wert für '--days': ganze Zahl erwartet"),
    (["plann"], "Unbekannter Befehl 'plann'"),
    (["plan", "--gibtsnicht"], "Unbekannte Option"),
    (["plan", "--bogus"], "(Mögliche Optionen: "),
    (["address", "K-1", "--set-address", "Nirgendwo", "5"],
     "Unerwartete zusätzliche Angaben (5); Angaben mit Leerzeichen"),
    (["plan", "--start", "2026-13-01"], "--start: kein gültiges Datum: „2026-13-01“\n"),
])
def test_usage_errors_are_german(args, german):
    res = runner.invoke(app, args, terminal_width=200)
    assert res.exit_code == 2
    assert german in res.output, res.output
    for word in ENGLISH:
        assert word not in res.output, word
