"""The command line speaks German: every command's --help and the usage errors."""

from __future__ import annotations

from datetime import datetime

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
    (["plan", "--start", "2026-13-01"], "--start: kein gültiges Datum: „2026-13-01“ "
     "(erwartet z. B. 07.12.2026)\n"),
])
def test_usage_errors_are_german(args, german):
    res = runner.invoke(app, args, terminal_width=200)
    assert res.exit_code == 2
    assert german in res.output, res.output
    for word in ENGLISH:
        assert word not in res.output, word


def _command_groups() -> list[list[str]]:
    import typer.main

    root = typer.main.get_command(app)
    groups = [[]] + [[name] for name, cmd in root.commands.items()  # type: ignore[attr-defined]
                     if getattr(cmd, "commands", None)]
    return groups


@pytest.mark.parametrize("group", _command_groups(), ids=lambda g: " ".join(g) or "hausbesuch")
def test_command_lists_wrap_only_at_the_panel_edge(group):
    """A summary wrapped in the docstring showed as a ragged block in the list of commands
    (broken after "unsicher" in the middle of the line); a summary flows to the panel's edge."""
    res = runner.invoke(app, [*group, "--help"], terminal_width=120)
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    start = next(i for i, line in enumerate(lines) if "Befehle" in line)
    width = len(lines[start])  # the panel's own width (rich decides it)
    rows = []
    for line in lines[start + 1:]:
        if line.startswith("╰"):
            break
        rows.append(line.strip("│").rstrip())
    name_width = max(len(r) - len(r.lstrip()) + len(r.split()[0]) for r in rows
                     if r[1:2] != " ") + 1
    entries: list[list[str]] = []
    for row in rows:
        if row[:name_width].strip():
            entries.append([])
        entries[-1].append(row[name_width:].strip())
    room = width - 2 - name_width - 2
    for entry in entries:
        for text in entry[:-1]:  # every line but an entry's last is filled
            assert len(text) > room - 25, (group, entry)


def test_type_labels_are_german():
    """typer shows each option's Python type (<int>, <path>, <bool> for a flag)."""
    for command in ("plan", "purge", "outcomes", "link"):
        res = runner.invoke(app, [command, "--help"], terminal_width=200)
        for word in ("<int>", "<str>", "<bool>", "<path>", "<float>", "list["):
            assert word not in res.output, (command, word)
    res = runner.invoke(app, ["plan", "--help"], terminal_width=200)
    assert "ZAHL" in res.output and "PFAD" in res.output


def test_link_valid_until_reads_moments_as_the_other_options_do() -> None:
    """``link --valid-until`` had a parser of its own (three formats): „8.12.2026, 20 Uhr“
    or a weekday were refused, and its message showed a Python repr."""
    from hausbesuch.commands._common import parse_moment_option
    from hausbesuch.errors import UserError

    def _parse_moment(text: str) -> datetime:
        return parse_moment_option(text, "--valid-until")

    for typed in ("08.12.2026 20:00", "2026-12-08 20:00", "2026-12-08T20:00",
                  "8.12.2026, 20 Uhr", "Di, 08.12.2026 20:00"):
        assert _parse_moment(typed) == datetime(2026, 12, 8, 20, 0), typed
    with pytest.raises(UserError, match="--valid-until: „Mo“ passt nicht zu 08.12.2026"):
        _parse_moment("Mo, 08.12.2026 20:00")
    with pytest.raises(UserError, match="^--valid-until: kein Zeitpunkt: „morgen“"):
        _parse_moment("morgen")
