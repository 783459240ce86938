"""Running the command line in tests (typer's runner, the real app, no subprocess)."""

from __future__ import annotations

from datetime import date, datetime

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


class ClockedCli:
    """The command line with its clock at ``today`` (``hausbesuch.clock``): ``runner`` for
    calls of its own, :meth:`invoke` and :meth:`ok` as :func:`run` and :func:`ok`."""

    def __init__(self, today: date | datetime) -> None:
        from hausbesuch import clock

        self.runner = CliRunner(env={clock.ENV: today.isoformat()})

    def invoke(self, *args: str) -> tuple[int, str]:
        """Run ``hausbesuch ARGS``: (exit code, output)."""
        res = self.runner.invoke(app, list(args), catch_exceptions=False)
        return res.exit_code, res.output

    def ok(self, *args: str) -> str:
        """Run ``hausbesuch ARGS``, assert exit code 0 and return the output."""
        code, out = self.invoke(*args)
        assert code == 0, out
        return out


def write_outcomes(path, day: date, rows) -> None:  # noqa: ANN001 - a Path; (stop, Ergebnis, Termin)
    """Write an outcomes file for ``hausbesuch outcomes`` as the office types it: one row
    per (planned stop, „Ergebnis“, „Termin“) on ``day`` at the stop's planned start."""
    import csv

    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin", "Notiz"])
        for stop, result, appointment in rows:
            w.writerow([stop.client_id, f"{day:%d.%m.%Y}", f"{stop.start:%H:%M}", result,
                        appointment, ""])


def city_db(db: str, city: str = "bad-hersfeld") -> list[str]:
    """The options naming the city profile and the database of a casework test."""
    return ["--city", city, "--db", db]


def run_with_read_only_folder(folder, args: list[str], env: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    """Run ``python -m hausbesuch ARGS`` in another process while ``folder`` cannot be
    written: its mode bits for a normal user; for root (who ignores them) a read-only bind
    mount of it in a mount namespace of the process's own (``unshare -m``; skipped where
    that is not allowed). The completed process."""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    cmd = [sys.executable, "-m", "hausbesuch", *args]
    if os.geteuid() != 0:
        os.chmod(folder, 0o500)
        try:
            return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
        finally:
            os.chmod(folder, 0o700)
    script = ('mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" "$1" && '
              'shift && exec "$@"')
    probe = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), "true"],
                           capture_output=True, text=True) if shutil.which("unshare") else None
    if probe is None or probe.returncode != 0:
        pytest.skip("root without a read-only mount (unshare -m) cannot make a folder "
                    "unwritable")
    return subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder), *cmd],
                          env=env, capture_output=True, text=True, timeout=600)


def run_with_full_disk(folder, args: list[str], env: dict[str, str] | None = None):  # noqa: ANN001, ANN201
    """Run ``python -m hausbesuch ARGS`` in another process while ``folder`` is a real full
    disk: a small tmpfs mounted on it in a mount namespace of the process's own (``unshare
    -m``, root only: CI runs as root; skipped elsewhere) and filled up by a file
    ``.voll``, so that a file written there meets ENOSPC (folders and empty files can
    still be made, as on a full disk). (The completed process, and the names left in
    ``folder`` after the run as the process saw them, ``.voll`` left out.)"""
    import os
    import shutil
    import subprocess
    import sys
    from pathlib import Path

    import pytest

    root = Path(__file__).resolve().parents[1]
    env = {**os.environ, "PYTHONPATH": str(root), **(env or {})}
    listing = Path(folder).parent / f".{Path(folder).name}.left"
    script = ('mount -t tmpfs -o size=64k,mode=0755 tmpfs "$1" || exit 99; '
              'cat /dev/zero > "$1/.voll" 2>/dev/null; dir=$1; out=$2; shift 2; "$@"; '
              'rc=$?; ls -A "$dir" > "$out"; exit $rc')
    if os.geteuid() != 0 or not shutil.which("unshare") or subprocess.run(
            ["unshare", "-m", "sh", "-c", script, "sh", str(folder), os.devnull, "true"],
            capture_output=True).returncode != 0:
        pytest.skip("a full disk needs a tmpfs in a mount namespace (root, unshare -m)")
    done = subprocess.run(["unshare", "-m", "sh", "-c", script, "sh", str(folder),
                           str(listing), sys.executable, "-m", "hausbesuch", *args],
                          env=env, capture_output=True, text=True, timeout=600)
    left = ([n for n in listing.read_text().split() if n != ".voll"] if listing.exists()
            else None)
    listing.unlink(missing_ok=True)
    return done, left


def teams_csv_round_trip(folder, toml: str, city: str = "bad-hersfeld"):  # noqa: ANN001, ANN201
    """The documented edit cycle of a city's teams on the command line: ``teams --set`` of
    ``toml``, ``teams --csv``, then ``teams --set`` of that CSV (database and files in
    ``folder``). (The CSV as written, the stored teams before and after the second
    ``--set``, the options naming city and database.)"""
    from hausbesuch import team_store
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    (folder / "teams.toml").write_text(toml, encoding="utf-8")
    common = city_db(str(folder / "t.sqlite"), city)
    ok("teams", "--set", str(folder / "teams.toml"), *common)
    ok("teams", "--csv", str(folder / "teams.csv"), *common)
    written = (folder / "teams.csv").read_text(encoding="utf-8-sig")
    profile = load_profile(city)
    with Store.open(folder / "t.sqlite") as store:
        before = team_store.stored_teams(store, profile)[0]
    ok("teams", "--set", str(folder / "teams.csv"), *common)
    with Store.open(folder / "t.sqlite") as store:
        after = team_store.stored_teams(store, profile)[0]
    return written, before, after, common
