"""Running the command line in tests (typer's runner, the real app, no subprocess)."""

from __future__ import annotations

from typer.testing import CliRunner, Result

from hausbesuch.cli import app

runner = CliRunner()


def run(*args: str) -> Result:
    """Run ``hausbesuch ARGS``; the result with exit code and output."""
    return runner.invoke(app, list(args))


def ok(*args: str) -> str:
    """Run ``hausbesuch ARGS``, assert exit code 0 (the output in the message) and return
    the output."""
    res = runner.invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output
