"""One letters folder holds one letter run (QA 12g #1).

A second run into the same folder mixed old and new letters: a reprint with ``--clients``
replaced a team-day PDF with a one-page version, and after a re-plan the letters of
cancelled visits and the PDFs of team-days that no longer exist stayed beside the new ones.
Now each run is written into a fresh folder that replaces the earlier one only after the
letters are recorded; a run that would drop letters of the earlier run without replacing
it as a whole (``--clients``, or corrections into a folder of announcements) is refused,
and a folder holding anything a letter run did not write is never touched.

Each test works on a copy of the planned week's database, with a small plan of two
team-days (three visits each) stored beside the week's, so that few letters are typeset.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.letters import AUDIT_LETTER, LETTERS_MARKER

BEFORE = date(2026, 12, 1)  # a day before the planned week


@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, BEFORE.isoformat())


def _letters(plan_id: str, url: str, out: Path, *args: str):
    return CliRunner(env={clock.ENV: BEFORE.isoformat()}).invoke(
        app, ["letters", plan_id, "--db", url, "--out", str(out), *args])


@pytest.fixture
def small(planned_week, tmp_path):
    """``(url, plan, newer)``: a plan of two team-days with three visits each (stored in a
    copy of the week's database), and a newer version of it without the second team-day."""
    from hausbesuch.store import Store

    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "plan.db")
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    week = planned_week.result.plan
    routes = sorted(week.routes, key=lambda r: (r.day, r.team_id))[:2]
    assert len({(r.team_id, r.day) for r in routes}) == 2
    # a version of the week (its visits are the plan's line), so that a correction run for
    # ``newer`` finds the visits it gave up
    plan = replace(week, id="klein", version=week.version + 1, predecessor_id=week.id,
                   routes=[replace(r, stops=r.stops[:3]) for r in routes])
    newer = replace(plan, id="klein-v2", version=2, predecessor_id="klein",
                    routes=plan.routes[:1])
    with Store.open(url) as store:
        store.save_plan(plan)
    return url, plan, newer


def _bundle(route, suffix: str = "") -> str:
    return f"sammel_brief_{route.team_id}_{route.day.isoformat()}{suffix}.pdf"


def _pages(path: Path) -> int:
    return len(PdfReader(path).pages)


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _no_hidden_folders(parent: Path) -> None:
    assert not [p.name for p in parent.iterdir() if p.name.startswith(".") and p.is_dir()]


def _audited(url: str) -> int:
    from hausbesuch.store import Store

    with Store.open(url) as store:
        return len(store.audit_rows(action=AUDIT_LETTER))


@pytest.mark.parametrize("legacy", [False, True], ids=["marked", "written-before-the-marker"])
def test_a_new_version_replaces_the_letters_of_the_old_one(small, tmp_path, legacy):
    """After a re-plan, the letters of the visits it no longer holds and the PDF of the
    team-day it dropped leave the folder; the command names them. The visits it keeps
    have their letters: a run without --reprint writes none of them again and leaves the
    folder as it is, refused (their letters would be gone from it; QA 32b F2)."""
    from hausbesuch.store import Store

    url, plan, newer = small
    out = tmp_path / "briefe"
    res = _letters(plan.id, url, out)
    assert res.exit_code == 0, res.output
    kept, dropped = plan.routes
    assert _files(out) == {LETTERS_MARKER, "LIESMICH.txt", _bundle(kept), _bundle(dropped),
                           *(f"brief_{s.client_id}.pdf" for r in plan.routes for s in r.stops)}
    assert _pages(out / _bundle(dropped)) == 3
    if legacy:  # a folder of letters written before the marker existed
        (out / LETTERS_MARKER).unlink()
    with Store.open(url) as store:
        store.save_plan(newer)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    res = _letters(newer.id, url, out)
    assert res.exit_code == 2, res.output
    assert "Briefe eines früheren Laufs für Besuche, die schon einen Brief haben" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    res = _letters(newer.id, url, out, "--reprint")
    assert res.exit_code == 0, res.output
    assert _files(out) == {LETTERS_MARKER, "LIESMICH.txt", _bundle(kept),
                           *(f"brief_{s.client_id}.pdf" for s in kept.stops)}
    assert _pages(out / _bundle(kept)) == 3
    stale = sorted([*(f"brief_{s.client_id}.pdf" for s in dropped.stops), _bundle(dropped)])
    assert ("Der Ordner enthält nur diesen Lauf; vom früheren Lauf entfernt (nicht mehr "
            f"angekündigt oder nicht neu geschrieben): {', '.join(stale)}") in res.output
    marker = json.loads((out / LETTERS_MARKER).read_text(encoding="utf-8"))
    assert marker["plan_id"] == newer.id and marker["art"] == "brief" and not marker["auswahl"]
    assert sorted(marker["files"]) == sorted(_files(out) - {LETTERS_MARKER})
    assert (out.stat().st_mode & 0o777) == 0o700
    _no_hidden_folders(tmp_path)


def test_a_selection_never_clobbers_a_team_day_pdf(small, tmp_path):
    """Reprinting one letter into the folder of the whole run is refused (the team-day PDF
    would have lost its other letters) and changes nothing; into a folder of its own it
    gets a PDF named as a selection, never the team-day's name."""
    url, plan, _ = small
    out = tmp_path / "briefe"
    assert _letters(plan.id, url, out).exit_code == 0
    route = plan.routes[0]
    cid = route.stops[0].client_id
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    audited = _audited(url)
    res = _letters(plan.id, url, out, "--clients", cid, "--reprint")
    assert res.exit_code == 2
    assert "Briefe eines früheren Laufs, die dieser Lauf mit --clients nicht neu schreibt" \
        in res.output
    assert f"brief_{route.stops[1].client_id}.pdf" in res.output
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert _pages(out / _bundle(route)) == 3
    assert _audited(url) == audited  # nothing recorded for the refused run
    _no_hidden_folders(tmp_path)

    again = tmp_path / "nachdruck"
    res = _letters(plan.id, url, again, "--clients", cid, "--reprint")
    assert res.exit_code == 0, res.output
    assert "1 Brief und 1 Sammel-PDF (nur der Auswahl, je Team und Tag)" in res.output
    assert _files(again) == {LETTERS_MARKER, "LIESMICH.txt", f"brief_{cid}.pdf",
                             _bundle(route, "_auswahl")}
    # the same selection again, or a larger one, replaces it: no letter is dropped
    other = route.stops[1].client_id
    res = _letters(plan.id, url, again, "--clients", f"{cid},{other}", "--reprint")
    assert res.exit_code == 0, res.output
    assert _files(again) == {LETTERS_MARKER, "LIESMICH.txt", f"brief_{cid}.pdf",
                             f"brief_{other}.pdf", _bundle(route, "_auswahl")}
    assert _pages(again / _bundle(route, "_auswahl")) == 2
    assert _letters(plan.id, url, again, "--clients", other, "--reprint").exit_code == 2
    # a whole run replaces a selection
    res = _letters(plan.id, url, again, "--reprint")
    assert res.exit_code == 0, res.output
    assert _bundle(route) in _files(again) and _bundle(route, "_auswahl") not in _files(again)
    assert f"entfernt (nicht mehr angekündigt oder nicht neu geschrieben): " \
           f"{_bundle(route, '_auswahl')}" in res.output


def test_corrections_go_into_a_folder_of_their_own(small, tmp_path):
    from hausbesuch.store import Store

    url, plan, newer = small
    out = tmp_path / "briefe"
    assert _letters(plan.id, url, out).exit_code == 0
    with Store.open(url) as store:
        store.save_plan(newer)
    before = _files(out)
    res = _letters(newer.id, url, out, "--correction")
    assert res.exit_code == 2
    assert ("der Ordner enthält 6 Ankündigungsbriefe eines früheren Laufs; Korrekturbriefe "
            "gehören in einen eigenen Ordner") in res.output
    assert _files(out) == before
    korr = tmp_path / "korrektur"
    res = _letters(newer.id, url, korr, "--correction")
    assert res.exit_code == 0, res.output
    assert {p.name for p in korr.glob("korrektur_*.pdf")} == {
        f"korrektur_{s.client_id}.pdf" for s in plan.routes[1].stops}
    # and announcements do not go into the folder of corrections
    res = _letters(newer.id, url, korr)
    assert res.exit_code == 2 and "3 Korrekturbriefe eines früheren Laufs" in res.output
    # a correction is written once (its visit is called off then): a second correction
    # run into the same folder is refused instead of replacing it with an empty run
    before = _files(korr)
    res = _letters(newer.id, url, korr, "--correction")
    assert res.exit_code == 2, res.output
    assert "enthält Korrekturbriefe eines früheren Laufs" in res.output
    assert "dieser Lauf schreibt sie nicht neu" in " ".join(res.output.split())
    assert _files(korr) == before


@pytest.mark.parametrize(("old", "kind", "said"), [
    (["korrektur_K-1.pdf"], "brief", "der Ordner enthält 1 Korrekturbrief eines früheren Laufs; "
     "Ankündigungsbriefe gehören"),
    (["brief_K-1.pdf", "sammel_brief_team-1_2026-12-07.pdf"], "korrektur",
     "der Ordner enthält 1 Ankündigungsbrief eines früheren Laufs; Korrekturbriefe gehören"),
    (["brief_K-1.pdf", "brief_K-2.pdf"], "korrektur",
     "der Ordner enthält 2 Ankündigungsbriefe eines früheren Laufs"),
])
def test_the_refusal_counts_letters_in_german(tmp_path, old, kind, said):
    """QA 24 F5: "der Ordner enthält 1 Korrekturbriefe": one letter in the singular."""
    from hausbesuch.letters import LetterError, check_replace

    with pytest.raises(LetterError) as err:
        check_replace(tmp_path, old, kind=kind, letters=[f"{kind}_K-9.pdf"], selection=False)
    assert said in str(err.value), str(err.value)


@pytest.mark.parametrize("foreign", ["notiz.txt", "brief_von_hand.pdf", "unterordner/"])
def test_a_folder_with_files_no_letter_run_wrote_is_left_alone(small, tmp_path, foreign):
    url, plan, _ = small
    out = tmp_path / "briefe"
    assert _letters(plan.id, url, out).exit_code == 0
    (out / foreign).mkdir() if foreign.endswith("/") else (out / foreign).write_text("x")
    before = _files(out)
    res = _letters(plan.id, url, out)
    assert res.exit_code == 2
    assert ("im Ordner liegen Dateien, die kein Brieflauf von hausbesuch geschrieben hat "
            f"({foreign.rstrip('/')}). Sie werden nicht gelöscht") in res.output
    assert _files(out) == before
    mine = tmp_path / "eigener"
    mine.mkdir()
    (mine / "notiz.txt").write_text("x")
    assert _letters(plan.id, url, mine).exit_code == 2
    assert _files(mine) == {"notiz.txt"}
    _no_hidden_folders(tmp_path)


def test_a_run_that_fails_leaves_the_earlier_run_as_it_was(small, tmp_path, monkeypatch):
    """Recording fails: nothing is recorded, and the folder keeps the earlier run's
    letters (before, the failed run had overwritten them and then deleted its own)."""
    import hausbesuch.letters as letters_mod
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    url, plan, _ = small
    out = tmp_path / "briefe"
    assert _letters(plan.id, url, out).exit_code == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    def refuse(*_args, **_kwargs):  # noqa: ANN002, ANN003, ANN202
        raise RuntimeError("database gone")

    monkeypatch.setattr(letters_mod, "bind_announcements", refuse)
    with Store.open(url) as store, pytest.raises(RuntimeError, match="database gone"):
        letters_mod.run_letters(store, plan, load_profile("bad-hersfeld"), out, actor="test",
                                reprint=True)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    _no_hidden_folders(tmp_path)


def test_the_hidden_folder_of_a_killed_run_is_removed(small, tmp_path):
    url, plan, _ = small
    killed = tmp_path / ".briefe.neu-abc123"
    killed.mkdir()
    (killed / "brief_X.pdf").write_bytes(b"%PDF")
    (killed / LETTERS_MARKER).write_text(json.dumps({"pid": 2**22 + 12345, "files": None}))
    running = tmp_path / ".briefe.neu-def456"  # a run that is still writing
    running.mkdir()
    (running / LETTERS_MARKER).write_text(json.dumps({"pid": os.getppid(), "files": None}))
    other = tmp_path / ".briefe.neu-xyz"  # not ours: no marker
    other.mkdir()
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    cut = tmp_path / f".briefe.neu-{gone.pid}-ghi789"  # killed while writing its marker
    cut.mkdir()
    (cut / LETTERS_MARKER).write_text('{"pid": ')
    busy = tmp_path / ".briefe.neu-jkl345"  # a marker being written just now: kept
    busy.mkdir()
    (busy / LETTERS_MARKER).write_text('{"pid": ')
    early = tmp_path / f".briefe.neu-{gone.pid}-jkl012"  # killed before its marker
    early.mkdir()
    assert _letters(plan.id, url, tmp_path / "briefe").exit_code == 0
    assert not killed.exists() and running.exists() and other.exists()
    assert not cut.exists() and not early.exists() and busy.exists()


def test_a_run_that_writes_nothing_makes_no_folder(small, tmp_path):
    """QA 24 T1, QA 27: a correction run with nothing to correct created a folder holding
    only LIESMICH.txt and the marker (labelled as social data, holding none) and said
    "0 Korrekturbriefe". Now it makes no folder and says that no correction is needed; an
    announcement run whose visits all lie in the past makes none either."""
    url, plan, _ = small
    assert _letters(plan.id, url, tmp_path / "briefe").exit_code == 0
    korr = tmp_path / "korrektur"
    res = _letters(plan.id, url, korr, "--correction")  # the plan keeps every promise
    assert res.exit_code == 0, res.output
    assert not korr.exists()
    assert ("Keine Korrekturbriefe nötig: kein angekündigter Besuch, den der Plan nicht mehr "
            "hält; kein Ordner angelegt") in " ".join(res.output.split())
    assert "0 Korrekturbriefe" not in res.output
    # every visit lies before today: nothing written, no folder, each visit named
    later = plan.start + timedelta(days=plan.days + 7)
    late_dir = tmp_path / "spaet"
    res = CliRunner(env={clock.ENV: later.isoformat()}).invoke(
        app, ["letters", plan.id, "--db", url, "--out", str(late_dir)])
    assert res.exit_code == 0, res.output
    assert "Keine Briefe geschrieben; kein Ordner angelegt" in res.output
    assert "liegt vor heute" in res.output
    assert not late_dir.exists()
    _no_hidden_folders(tmp_path)


def test_a_letters_folder_named_after_a_client_is_refused(planned_week, tmp_path):
    """QA 33b F3: ``--out nachdruck-hoffmann`` for a reprint of one client was accepted,
    and its absolute path went into the append-only audit log under the case id. A folder
    whose name holds a word of the name of a client of the plan is refused (as ``export``
    and ``disclose`` refuse such paths), before anything is written or recorded; with
    ``--clients``, a folder above named after one of them too."""
    import shutil

    from hausbesuch.store import Store

    shutil.copyfile(planned_week.db_url.removeprefix("sqlite:///"), tmp_path / "plan.db")
    url = f"sqlite:///{tmp_path / 'plan.db'}"
    plan = planned_week.result.plan
    stop = plan.routes[0].stops[0]
    surname = "Hoffmann"  # the client's name as the client table holds it now
    from tests.test_letters_details import _set_names

    _set_names(url, {stop.client_id: f"Sabine {surname}"})
    with Store.open(url) as store:
        before = len(store.audit_rows())
    for out, args in ((tmp_path / f"nachdruck-{surname.lower()}", ("--clients", stop.client_id)),
                      (tmp_path / f"Briefe {surname}", ()),
                      (tmp_path / surname / "briefe", ("--clients", stop.client_id))):
        res = CliRunner(env={clock.ENV: "2026-12-01"}).invoke(
            app, ["letters", planned_week.plan_id, "--db", url, "--out", str(out), *args])
        assert res.exit_code == 2, res.output
        said = " ".join(res.output.split())
        assert ("--out: Der Ordner der Briefe enthält einen Namen aus dem Plan (eine Kundin "
                "oder ein Kunde).") in said, said
        assert surname not in said.replace(str(out), "")
        assert not out.exists()
    with Store.open(url) as store:
        assert len(store.audit_rows()) == before  # nothing recorded
    # a folder without a name is fine
    res = CliRunner(env={clock.ENV: "2026-12-01"}).invoke(
        app, ["letters", planned_week.plan_id, "--db", url, "--out",
              str(tmp_path / f"nachdruck-{stop.client_id}"), "--clients", stop.client_id])
    assert res.exit_code == 0, res.output
