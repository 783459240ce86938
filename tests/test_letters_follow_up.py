"""Follow-up announcements: a client who is no stranger is not greeted as one.

A client whose earlier announced visit was called off (a case visit with ``announced_at``
and status ``entfallen``), or who was met at a visit (outcome ``angetroffen``,
``verweigert`` or ``termin_vereinbart``), gets the profile's ``folge_betreff`` and
``folge_text`` („Neuer Termin: …“), not the first text („wir möchten Sie gern persönlich
kennenlernen“). ``{angekuendigt_am}`` in the follow-up texts is the date of the earlier
letter; a follow-up for a case without one (met at the door) takes the built-in follow-up
texts instead, named by case id, and the run's other letters are written as usual.

Each test writes into its own copy of the planned week's SQLite database, through the
command; the letters are read back with pypdf.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch import clock
from hausbesuch.caseids import id_key
from tests import test_letters_details as details

TODAY = details.BEFORE  # the Tuesday before the planned week: every letter in time
WEDNESDAY = date(2026, 12, 9)
FIRST_WORDS = "wir möchten Sie gern persönlich kennenlernen"
FOLLOW_WORDS = "wir haben einen neuen Termin für einen Hausbesuch bei Ihnen geplant"
PROFILE = Path(__file__).resolve().parents[1] / "hausbesuch" / "profiles" / "bad-hersfeld.toml"


@pytest.fixture(autouse=True)
def _today(monkeypatch):
    monkeypatch.setenv(clock.ENV, TODAY.isoformat())


# the letters tests' copy of the planned week, the command run on a day (by default
# TODAY, their day before the week), a PDF's text and the command's output on one line
db = details.db
_letters = details._letters
_text = details._text
_flat = details._flat


def _three(planned_week) -> tuple[str, str, str]:
    """Three clients the plan visits on Wednesday: one with a visit called off, one met at
    the door, one new."""
    return _four(planned_week)[:3]


def _four(planned_week) -> tuple[str, str, str, str]:
    """As :func:`_three`, and a fourth: announced and visited before, nobody opened."""
    plan = planned_week.result.plan
    ids = [s.client_id for r in plan.routes if r.day == WEDNESDAY for s in r.stops]
    assert len(ids) >= 4
    return ids[0], ids[1], ids[2], ids[3]


def _tried(url: str, outcomes: dict[str, str]) -> None:
    """An unannounced try of each client on 25.11.2026 with the given outcome."""
    from hausbesuch.store import OutcomeRow, Store

    with Store.open(url) as store, store.session() as s:
        for cid, result in outcomes.items():
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=cid, day=date(2026, 11, 25),
                             time_min=9 * 60, result=result, recorded_by="test",
                             recorded_at=datetime(2026, 11, 25, 12), source="csv"))


def _history(url: str, *, called_off: str | None = None, met: str | None = None,
             not_home: str | None = None) -> None:
    """An earlier plan's visit of ``called_off``, announced by a letter of 20.11.2026 and
    called off; an outcome ``angetroffen`` of ``met`` on 23.11.2026 (without a letter); a
    visit of ``not_home`` announced by a letter of 20.11.2026 and made on 25.11.2026,
    ``nicht_angetroffen``."""
    from hausbesuch.store import CaseVisitRow, OutcomeRow, Store

    with Store.open(url) as store, store.session() as s:
        for n, (cid, status) in enumerate(((called_off, "entfallen"),
                                           (not_home, "erledigt")), start=1):
            if not cid:
                continue
            s.add(CaseVisitRow(
                visit_id=f"frueher-{n}", city="Bad Hersfeld", client_id=cid, try_no=1,
                plan_id="frueherer-plan", team_id="team-1", day=date(2026, 11, 25),
                start_at=datetime(2026, 11, 25, 10, 15), end_at=datetime(2026, 11, 25, 11),
                status=status, pinned=False, announced_at=datetime(2026, 11, 20, 9, 0),
                promised_start=datetime(2026, 11, 25, 10), promised_end=datetime(2026, 11, 25, 12),
                created_at=datetime(2026, 11, 18, 9), updated_at=datetime(2026, 11, 23, 9)))
        if not_home:
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=not_home, day=date(2026, 11, 25),
                             time_min=10 * 60 + 15, result="nicht_angetroffen",
                             recorded_by="test", recorded_at=datetime(2026, 11, 25, 12),
                             source="csv", visit_id="frueher-2"))
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
    off, met, new, tried = _four(planned_week)
    _history(db, called_off=off, met=met, not_home=tried)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{off},{met},{new},{tried}")
    assert res.exit_code == 0, res.output
    first = _text(out / f"brief_{new}.pdf")
    assert FIRST_WORDS in first and "Neuer Termin" not in first
    assert "Ihr Hausbesuch am Mittwoch, 09.12.2026" in first
    for cid in (off, met, tried):  # (tried: a revisit after nobody opened)
        letter = _text(out / f"brief_{cid}.pdf")
        assert "Neuer Termin: Ihr Hausbesuch am Mittwoch, 09.12.2026" in letter, cid
        assert FOLLOW_WORDS in letter and "am Mittwoch, 9. Dezember 2026, zwischen" in letter
        assert "kennenlernen" not in letter
        assert "Passt Ihnen der Termin nicht?" in letter  # how to reschedule, as always
    said = _flat(res.output)
    assert ("3 Briefe mit dem Folgetext ([brief] folge_betreff und folge_text: schon ein "
            "Brief zu einem anderen Besuch, eine Nachricht an der Tür oder schon Kontakt): "
            + ", ".join(sorted((off, met, tried), key=id_key))) in said
    names = {c.name for c in planned_week.result.plan.clients if c.name}
    assert not [n for n in names if n in res.output]
    # the team-day's bundle carries the same texts
    bundle = _text(next(out.glob("sammel_brief_*_2026-12-09_auswahl.pdf")))
    assert bundle.count("Neuer Termin: Ihr Hausbesuch") == 3 and bundle.count(FIRST_WORDS) == 1
    # printed again (another folder): the same visit keeps its follow-up text
    again = _letters(planned_week.plan_id, db, tmp_path / "nachdruck", "--clients", off,
                     "--reprint")
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


#: follow-up texts of a profile that name the earlier letter's date in both
DATED = ('folge_betreff = "Neuer Termin (Schreiben vom {angekuendigt_am}): {datum}"\n'
         'folge_text = """mit unserem Schreiben vom {angekuendigt_am} hatten wir Ihnen einen '
         'Besuch angekündigt. Neu: **{datum}**."""\n')


def test_a_follow_up_without_an_earlier_letter_takes_the_built_in_text_and_stops_no_other(
        planned_week, db, tmp_path):
    """The follow-up texts use ``{angekuendigt_am}``; a client met at the door has no
    earlier letter: that one letter takes the built-in follow-up texts (no empty date, not
    the greeting of someone not yet met), the run is not refused, the other follow-ups name the date, and the command says so by case id."""
    off, met, new, tried = _four(planned_week)
    _history(db, called_off=off, met=met, not_home=tried)
    profile = _profile(tmp_path, DATED)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{off},{met},{new},{tried}",
                   "--city", str(profile))
    assert res.exit_code == 0, res.output
    for cid in (off, tried):  # an earlier letter of 20.11.2026: the follow-up, dated
        letter = _text(out / f"brief_{cid}.pdf")
        assert "Neuer Termin (Schreiben vom 20.11.2026): 09.12.2026" in letter, cid
        assert "mit unserem Schreiben vom 20.11.2026 hatten wir Ihnen einen Besuch" in letter
        assert "kennenlernen" not in letter
    # met at the door, no earlier letter: the built-in follow-up (a new appointment, no
    # date of a letter), not the greeting of someone not yet met, nothing printed empty
    letter = _text(out / f"brief_{met}.pdf")
    assert "Neuer Termin: Ihr Hausbesuch am Mittwoch, 09.12.2026" in letter
    assert "wir haben einen neuen Termin für einen Hausbesuch bei Ihnen geplant" in letter
    assert "am Mittwoch, 9. Dezember 2026, zwischen" in letter
    assert "Schreiben vom" not in letter and FIRST_WORDS not in letter
    letter = _text(out / f"brief_{new}.pdf")  # never met, never written to: the first text
    assert "Ihr Hausbesuch am Mittwoch, 09.12.2026" in letter
    assert FIRST_WORDS in letter and "am Mittwoch, 9. Dezember 2026, zwischen" in letter
    assert "Schreiben vom" not in letter and "Neuer Termin" not in letter
    said = _flat(res.output)
    assert ("2 Briefe mit dem Folgetext ([brief] folge_betreff und folge_text: schon ein "
            "Brief zu einem anderen Besuch, eine Nachricht an der Tür oder schon Kontakt): "
            + ", ".join(sorted((off, tried), key=id_key))) in said
    assert (f"1 Brief mit dem eingebauten Folgetext (ohne Datum eines früheren Briefs) "
            f"statt des eigenen: {met}. Grund: [brief] folge_betreff und folge_text nutzen den "
            "Platzhalter {angekuendigt_am} (Datum des früheren Briefs), aber dieser Fall hat "
            "keinen früheren Brief (nur einen Besuch ohne Brief); der Platzhalter bliebe leer. "
            "Ohne {angekuendigt_am} dort bekäme auch dieser Fall den eigenen Folgetext.") \
        in said
    assert new not in said.split("statt des eigenen:")[1]
    names = {c.name for c in planned_week.result.plan.clients if c.name}
    assert not [n for n in names if n in res.output]
    bundle = _text(next(out.glob("sammel_brief_*_2026-12-09_auswahl.pdf")))
    assert bundle.count("Schreiben vom 20.11.2026): 09.12.2026") == 2
    assert bundle.count(FIRST_WORDS) == 1 and "Schreiben vom )" not in bundle
    assert bundle.count("wir haben einen neuen Termin für einen Hausbesuch") == 1
    # every letter is recorded as announced, the met client's too
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(db) as store, store.session() as s:
        announced = set(s.scalars(select(CaseVisitRow.client_id).where(
            CaseVisitRow.plan_id == planned_week.plan_id,
            CaseVisitRow.announced_at.is_not(None))))
    assert {off, met, new, tried} <= announced
    # printed again: the met client's visit keeps the built-in text, and says so again
    again = _letters(planned_week.plan_id, db, tmp_path / "nachdruck", "--clients", met,
                     "--city", str(profile), "--reprint")
    assert again.exit_code == 0, again.output
    assert "wir haben einen neuen Termin" in _text(tmp_path / "nachdruck" / f"brief_{met}.pdf")
    assert f"statt des eigenen: {met}." in _flat(again.output)


def test_a_wrong_placeholder_in_the_follow_up_text_is_refused_in_german(
        planned_week, db, tmp_path):
    profile = _profile(tmp_path, 'folge_text = "Neuer Termin am {datm}."\n')
    res = _letters(planned_week.plan_id, db, tmp_path / "briefe", "--city", str(profile))
    assert res.exit_code == 2, res.output
    said = _flat(res.output)
    assert "brief.folge_text" in said and "unbekannte Platzhalter {datm}" in said
    assert "erlaubt: {name}" in said
    assert not (tmp_path / "briefe").exists()


def test_a_note_left_at_the_door_makes_the_next_letter_a_follow_up(planned_week, db, tmp_path):
    """An unannounced try with a note left at the door (``nachricht_hinterlassen``): the
    client knows of us, and the letter of the revisit is no first greeting; a try where
    nobody opened and nothing was left (``nicht_angetroffen``) leaves the first text."""
    noted, missed, _new = _three(planned_week)
    _tried(db, {noted: "nachricht_hinterlassen", missed: "nicht_angetroffen"})
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{noted},{missed}")
    assert res.exit_code == 0, res.output
    letter = _text(out / f"brief_{noted}.pdf")
    assert "Neuer Termin: Ihr Hausbesuch am Mittwoch, 09.12.2026" in letter
    assert FOLLOW_WORDS in letter and FIRST_WORDS not in letter
    letter = _text(out / f"brief_{missed}.pdf")
    assert FIRST_WORDS in letter and "Neuer Termin" not in letter
    said = _flat(res.output)
    assert ("1 Brief mit dem Folgetext ([brief] folge_betreff und folge_text: schon ein "
            "Brief zu einem anderen Besuch, eine Nachricht an der Tür oder schon Kontakt): "
            f"{noted}") in said
    # with follow-up texts naming the earlier letter's date there is none to name: the
    # built-in follow-up, said by case id
    res = _letters(planned_week.plan_id, db, tmp_path / "datiert", "--clients", noted,
                   "--city", str(_profile(tmp_path, DATED)), "--reprint")
    assert res.exit_code == 0, res.output
    letter = _text(tmp_path / "datiert" / f"brief_{noted}.pdf")
    assert FOLLOW_WORDS in letter and "Schreiben vom" not in letter
    assert f"statt des eigenen: {noted}. Grund:" in _flat(res.output)
    assert "(nur einen Besuch ohne Brief)" in _flat(res.output)
