"""Files and folders that cannot be written (QA 45b F2, F3, F9, F11): a full disk (a real
tmpfs in a mount namespace of the command's own, :func:`tests.cli_helpers.run_with_full_disk`)
or a read-only folder ends a command with one German line naming the file or folder, the
cause and what to do (exit 2, no traceback), and says what is stored nevertheless."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from hausbesuch.store import Store
from tests.cli_helpers import run_with_full_disk

pytestmark = pytest.mark.slow  # commands run as processes


def _copy_db(week, tmp_path: Path) -> str:
    db = tmp_path / "fall.sqlite"
    shutil.copy(week.db_url.removeprefix("sqlite:///"), db)
    return f"sqlite:///{db}"


def _one_german_line(stderr: str) -> str:
    assert "Traceback" not in stderr and "Errno" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("Fehler:")]
    assert len(lines) == 1, stderr
    return lines[0]


def test_plan_on_a_full_disk_names_the_stored_plan_and_how_to_write_its_files(
        planned_week, tmp_path: Path) -> None:
    """F2: the plan is stored before its folder is written; the folder cannot be written:
    one line saying so, naming the plan and the ``show`` that writes its files."""
    db = _copy_db(planned_week, tmp_path)
    with Store.open(db) as store:
        before = {p.id for p in store.list_plans()}
    full = tmp_path / "voll"
    full.mkdir()
    done, left = run_with_full_disk(full, [
        "plan", "--city", "bad-hersfeld", "--db", db, "--start", "2026-12-14", "--days", "2",
        "--out", str(full / "woche"), "--time-limit", "1", "--threads", "1"])
    assert done.returncode == 2, done.stderr
    line = _one_german_line(done.stderr)
    with Store.open(db) as store:
        made = [p.id for p in store.list_plans() if p.id not in before]
    assert len(made) == 1  # stored
    assert (f"--out {full / 'woche'}: der Ordner des Plans kann nicht geschrieben werden "
            "(Datenträger voll: Platz schaffen)") in line, line
    assert (f"Der Plan {made[0]} ist gespeichert, seine Dateien nicht: danach schreibt "
            f"„hausbesuch show {made[0]} --out {full / 'woche'} --db {db}“ sie") in line, line
    assert left == []  # no hidden half-written folder
