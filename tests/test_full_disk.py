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


def _audit_count(db: str) -> int:
    with Store.open(db) as store:
        return len(store.audit_rows())


def test_files_of_a_stored_plan_on_a_full_disk_are_one_german_line(
        planned_week, tmp_path: Path) -> None:
    """F3: ``show``, ``letters``, ``export`` (xlsx, gpkg) and ``disclose`` on a full disk:
    one German line naming the file or folder, nothing recorded or audited (the letters
    bind no window, the export and the disclosure are not logged), nothing left behind."""
    db = _copy_db(planned_week, tmp_path)
    full = tmp_path / "voll"
    full.mkdir()
    plan_id = planned_week.plan_id
    client = planned_week.result.plan.routes[0].stops[0].client_id
    cases = {
        "show": (["show", plan_id, "--out", str(full / "woche")],
                 f"--out {full / 'woche'}: der Ordner des Plans kann nicht geschrieben werden"),
        "letters": (["letters", plan_id, "--out", str(full / "briefe")],
                    f"--out {full / 'briefe'}: der Ordner der Briefe kann nicht geschrieben "
                    "werden"),
        "xlsx": (["export", plan_id, "--format", "xlsx", "--out", str(full / "p.xlsx")],
                 f"--out {full / 'p.xlsx'}: die Datei kann nicht geschrieben werden"),
        "gpkg": (["export", plan_id, "--format", "gpkg", "--out", str(full / "p.gpkg")],
                 f"--out {full / 'p.gpkg'}: die Datei kann nicht geschrieben werden"),
        "disclose": (["disclose", client, "--city", "bad-hersfeld", "--out",
                      str(full / "auskunft.txt")],
                     f"--out {full / 'auskunft.txt'}: die Datei kann nicht geschrieben werden"),
    }
    audited = _audit_count(db)
    for name, (args, start) in cases.items():
        done, left = run_with_full_disk(full, [*args, "--db", db],
                                        env={"HAUSBESUCH_HEUTE": "2026-12-01"})
        assert done.returncode == 2, (name, done.stderr)
        line = _one_german_line(done.stderr)
        assert line == (f"Fehler: {start} (Datenträger voll: Platz schaffen, dann den Befehl "
                        "wiederholen)."), (name, line)
        assert left == [], (name, left)
        assert _audit_count(db) == audited, name


def test_letters_into_a_read_only_folder_say_why_in_german(planned_week, tmp_path: Path) -> None:
    """F9: the cause of a folder that cannot be made in German, with what to do."""
    from tests.cli_helpers import run_with_read_only_folder

    db = _copy_db(planned_week, tmp_path)
    folder = tmp_path / "nurlesen"
    folder.mkdir()
    done = run_with_read_only_folder(folder, [
        "letters", planned_week.plan_id, "--db", db, "--out", str(folder / "briefe")],
        env={"HAUSBESUCH_HEUTE": "2026-12-01"})
    assert done.returncode == 2, done.stderr
    line = _one_german_line(done.stderr)
    assert "(schreibgeschützt: einen anderen Ordner angeben" in line \
        or "(keine Schreibrechte: die Rechte des Ordners prüfen" in line, line
    assert "Read-only" not in line and "Permission" not in line, line


def test_addresses_on_a_full_disk_audit_nothing_and_backup_leaves_no_journal(
        planned_week, tmp_path: Path) -> None:
    """F11: ``addresses --out`` that could not write its file audits no „angezeigt“ row;
    ``backup`` on a full disk leaves no hidden journal beside the target and says
    „Datenträger voll“."""
    db = _copy_db(planned_week, tmp_path)
    full = tmp_path / "voll"
    full.mkdir()
    audited = _audit_count(db)
    done, left = run_with_full_disk(full, [
        "addresses", "--city", "bad-hersfeld", "--db", db, "--out", str(full / "ad.csv")])
    assert done.returncode == 2, done.stderr
    assert "Datenträger voll: Platz schaffen" in _one_german_line(done.stderr)
    assert _audit_count(db) == audited
    assert left == []
    done, left = run_with_full_disk(full, ["backup", str(full / "sich.sqlite"), "--db", db])
    assert done.returncode == 2, done.stderr
    assert _one_german_line(done.stderr) == (
        f"Fehler: Ziel {full / 'sich.sqlite'}: die Sicherung kann nicht geschrieben werden "
        "(Datenträger voll: Platz schaffen, dann den Befehl wiederholen).")
    assert left == [], left
