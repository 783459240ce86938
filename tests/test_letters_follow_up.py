"""Follow-up announcements: a client who is no stranger is not greeted as one.

A client whose earlier announced visit was called off (a case visit with ``announced_at``
and status ``entfallen``), or who was met at a visit (outcome ``angetroffen``,
``verweigert`` or ``termin_vereinbart``), gets the profile's ``folge_betreff`` and
``folge_text`` („Neuer Termin: …“), not the first text („wir möchten Sie gern persönlich
kennenlernen“). ``{angekuendigt_am}`` in the follow-up texts is the date of the earlier
letter; a run that would print it empty is refused.

Each test writes into its own copy of the planned week's SQLite database, through the
command; the letters are read back with pypdf.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app

TODAY = date(2026, 12, 1)  # the Tuesday before the planned week: every letter in time
WEDNESDAY = date(2026, 12, 9)
FIRST_WORDS = "wir möchten Sie gern persönlich kennenlernen"
FOLLOW_WORDS = "wir haben einen neuen Termin für einen Hausbesuch bei Ihnen geplant"
PROFILE = Path(__file__).resolve().parents[1] / "hausbesuch" / "profiles" / "bad-hersfeld.toml"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv(clock.ENV, TODAY.isoformat())


@pytest.fixture
def db(planned_week, tmp_path) -> str:
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "plan.db")
    return f"sqlite:///{tmp_path / 'plan.db'}"


def _letters(plan_id: str, url: str, out: Path, *args: str):
    return CliRunner(env={clock.ENV: TODAY.isoformat()}).invoke(
        app, ["letters", plan_id, "--db", url, "--out", str(out), *args])


def _text(path: Path) -> str:
    return " ".join("\n".join(p.extract_text() for p in PdfReader(path).pages).split())


def _flat(text: str) -> str:
    return " ".join(text.split())


def _three(planned_week) -> tuple[str, str, str]:
    """Three clients the plan visits on Wednesday: one with a visit called off, one met at
    the door, one new."""
    plan = planned_week.result.plan
    ids = [s.client_id for r in plan.routes if r.day == WEDNESDAY for s in r.stops]
    assert len(ids) >= 3
    return ids[0], ids[1], ids[2]


def _history(url: str, *, called_off: str | None = None, met: str | None = None) -> None:
    """An earlier plan's visit of ``called_off``, announced by a letter of 20.11.2026 and
    called off; an outcome ``angetroffen`` of ``met`` on 23.11.2026 (without a letter)."""
    from hausbesuch.store import CaseVisitRow, OutcomeRow, Store

    with Store.open(url) as store, store.session() as s:
        if called_off:
            s.add(CaseVisitRow(
                visit_id="frueher-1", city="Bad Hersfeld", client_id=called_off, try_no=1,
                plan_id="frueherer-plan", team_id="team-1", day=date(2026, 11, 25),
                start_at=datetime(2026, 11, 25, 10, 15), end_at=datetime(2026, 11, 25, 11),
                status="entfallen", pinned=False, announced_at=datetime(2026, 11, 20, 9, 0),
                promised_start=datetime(2026, 11, 25, 10), promised_end=datetime(2026, 11, 25, 12),
                created_at=datetime(2026, 11, 18, 9), updated_at=datetime(2026, 11, 23, 9)))
        if met:
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=met, day=date(2026, 11, 23),
                             time_min=10 * 60, result="angetroffen", recorded_by="test",
                             recorded_at=datetime(2026, 11, 23, 12), source="csv"))


def _profile(tmp_path: Path, extra: str) -> Path:
    """The shipped Bad Hersfeld profile with ``extra`` lines in its ``[brief]``."""
    text = PROFILE.read_text(encoding="utf-8").replace("[brief]\n", "[brief]\n" + extra, 1)
    osm = "osm/bad-hersfeld_2021-10-27.osm.pbf"
    p = tmp_path / "profil.toml"
    p.write_text(text.replace(f'file = "{osm}"', f'file = "{PROFILE.parent / osm}"'),
                 encoding="utf-8")
    return p


def test_a_client_whose_announced_visit_was_called_off_gets_the_follow_up_text(
        planned_week, db, tmp_path):
    off, met, new = _three(planned_week)
    _history(db, called_off=off, met=met)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{off},{met},{new}")
    assert res.exit_code == 0, res.output
    first = _text(out / f"brief_{new}.pdf")
    assert FIRST_WORDS in first and "Neuer Termin" not in first
    assert "Ihr Hausbesuch am Mittwoch, 09.12.2026" in first
    for cid in (off, met):
        letter = _text(out / f"brief_{cid}.pdf")
        assert "Neuer Termin: Ihr Hausbesuch am Mittwoch, 09.12.2026" in letter, cid
        assert FOLLOW_WORDS in letter and "am Mittwoch, 9. Dezember 2026, zwischen" in letter
        assert "kennenlernen" not in letter
        assert "Passt Ihnen der Termin nicht?" in letter  # how to reschedule, as always
    said = _flat(res.output)
    assert ("2 Briefe mit dem Folgetext ([brief] folge_betreff und folge_text: früherer "
            "angekündigter Besuch abgesagt oder schon Kontakt): "
            + ", ".join(sorted((off, met)))) in said
    names = {c.name for c in planned_week.result.plan.clients if c.name}
    assert not [n for n in names if n in res.output]
    # the team-day's bundle carries the same texts
    bundle = _text(next(out.glob("sammel_brief_*_2026-12-09_auswahl.pdf")))
    assert bundle.count("Neuer Termin: Ihr Hausbesuch") == 2 and bundle.count(FIRST_WORDS) == 1
    # printed again (another folder): the same visit keeps its follow-up text
    again = _letters(planned_week.plan_id, db, tmp_path / "nachdruck", "--clients", off)
    assert again.exit_code == 0, again.output
    assert FOLLOW_WORDS in _text(tmp_path / "nachdruck" / f"brief_{off}.pdf")


def test_the_follow_up_text_names_the_date_of_the_earlier_letter(planned_week, db, tmp_path):
    off, met, _new = _three(planned_week)
    _history(db, called_off=off, met=met)
    profile = _profile(tmp_path, 'folge_text = """mit unserem Schreiben vom {angekuendigt_am} '
                                 'hatten wir Ihnen einen Besuch angekündigt. Neu: **{datum}**."""\n')
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", off, "--city", str(profile))
    assert res.exit_code == 0, res.output
    assert "mit unserem Schreiben vom 20.11.2026" in _text(out / f"brief_{off}.pdf")
    # a client met at the door has no earlier letter: the date would print empty
    refused = _letters(planned_week.plan_id, db, tmp_path / "briefe2", "--clients",
                       f"{off},{met}", "--city", str(profile))
    assert refused.exit_code == 2, refused.output
    said = _flat(refused.output)
    assert ("[brief] folge_text nutzt den Platzhalter {angekuendigt_am} (Datum des früheren "
            f"Briefs), aber {met} hat keinen früheren Brief") in said
    assert "Es wurde kein Brief geschrieben." in said and off not in said
    assert not (tmp_path / "briefe2").exists()


def test_a_wrong_placeholder_in_the_follow_up_text_is_refused_in_german(
        planned_week, db, tmp_path):
    profile = _profile(tmp_path, 'folge_text = "Neuer Termin am {datm}."\n')
    res = _letters(planned_week.plan_id, db, tmp_path / "briefe", "--city", str(profile))
    assert res.exit_code == 2, res.output
    said = _flat(res.output)
    assert "brief.folge_text" in said and "unbekannte Platzhalter {datm}" in said
    assert "erlaubt: {name}" in said
    assert not (tmp_path / "briefe").exists()
