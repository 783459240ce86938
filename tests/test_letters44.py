"""Letters after QA 44b: pages, sender, correction reprints and reminders.

- F2: a letter longer than one page carries „Seite n von N“ on each page and the
  Kundennummer and date on every page after its first; the command (and ``LIESMICH.txt``)
  names the letters and the ``[brief]`` setting whose text is too long;
- F3: a profile without ``[brief] absender``/``anschrift`` writes no letter (before, the
  depot's name was printed as the sender);
- F10: ``--correction --reprint`` writes the corrections of the plan's line again, with
  their first date and content, audited as reprints; a correction run with nothing new
  names the corrections written before;
- F11: the announcement run names the announced visits still waiting for a correction;
- F9: LIESMICH.txt lists the addresses to check and the visits without a letter;
- F8: a line of ``[brief] unterschrift`` that would wrap is refused, naming the setting;
- F7: no line break inside the phone hours' ranges.

Each test writes into its own copy of the planned week's SQLite database (real plan, real
Typst PDFs read back with pypdf).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from hausbesuch import clock
from hausbesuch.caseids import id_key
from hausbesuch.fields import format_day
from hausbesuch.letters import AUDIT_CORRECTION
from tests import test_letters_details as details
from tests import test_letters_folder as folder

BEFORE = details.BEFORE
db = details.db
small = folder.small  # a plan of two team-days with three visits each, and a newer version
_letters = details._letters
_flat = details._flat

PROFILE = Path(__file__).resolve().parents[1] / "hausbesuch" / "profiles" / "bad-hersfeld.toml"


@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, BEFORE.isoformat())


def _profile(tmp_path: Path, name: str, edit) -> Path:
    """The shipped Bad Hersfeld profile as a file of its own (its extract found from
    there), its text changed by ``edit``."""
    from tests.conftest import BAD_HERSFELD_PBF

    text = PROFILE.read_text(encoding="utf-8")
    text = re.sub(r'(?m)^file = "osm/[^"]*"', f'file = "{BAD_HERSFELD_PBF}"', text)
    path = tmp_path / f"{name}.toml"
    path.write_text(edit(text), encoding="utf-8")
    return path


def _in_brief(extra: str):
    return lambda text: text.replace("[brief]\n", "[brief]\n" + extra, 1)


def _pages(path: Path) -> list[str]:
    return [_flat(p.extract_text()) for p in PdfReader(path).pages]


def _one_team_day(planned_week, n: int):
    """``n`` case ids of the first team-day of the week with that many visits, in route
    order."""
    plan = planned_week.result.plan
    route = next(r for r in sorted(plan.routes, key=lambda r: (r.day, r.team_id))
                 if len(r.stops) >= n)
    return [s.client_id for s in sorted(route.stops, key=lambda s: s.start)[:n]], route


LONG_TEXT = "\n\n".join(
    ["Wir besuchen Sie zu Hause, um Sie kennenzulernen und mit Ihnen über Ihre Lage zu "
     "sprechen. " * 6 + "**am {wochentag}, {datum_lang}, zwischen {von} und {bis} Uhr.**"]
    + ["Bitte halten Sie, wenn möglich, Ihre Unterlagen bereit; Sie erreichen uns unter "
       "{telefon} ({telefonzeiten}). " * 5] * 5)


def test_a_letter_over_one_page_is_numbered_and_each_later_page_names_the_case(
        planned_week, db, tmp_path):
    """QA 44b F2: a long ``[brief] text`` gave two-page letters without page numbers and
    with nothing on page 2 to tie it to the client: in a team-day's PDF a page 2 could go
    into the next client's envelope. Now every page says „Seite n von N“, page 2 carries
    the Kundennummer and the letter's date, and the command and LIESMICH.txt name the
    letters and ``[brief] text``."""
    ids, route = _one_team_day(planned_week, 3)
    long = _profile(tmp_path, "lang", _in_brief(f"text = '''{LONG_TEXT}'''\n"))
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ",".join(ids),
                   "--city", str(long))
    assert res.exit_code == 0, res.output
    for cid in ids:
        pages = _pages(out / f"brief_{cid}.pdf")
        assert len(pages) == 2, cid
        assert "Seite 1 von 2" in pages[0] and "Seite 2 von 2" in pages[1]
        assert pages[1].startswith(f"Kundennummer {cid} Datum 01.12.2026"), pages[1][:80]
    bundle = _pages(out / f"sammel_brief_{route.team_id}_{route.day.isoformat()}_auswahl.pdf")
    assert len(bundle) == 6
    for i, cid in enumerate(ids):  # pages counted per letter, each follow-on page its own
        assert "Seite 1 von 2" in bundle[2 * i] and cid in bundle[2 * i]
        assert bundle[2 * i + 1].startswith(f"Kundennummer {cid} Datum 01.12.2026")
        assert "Seite 2 von 2" in bundle[2 * i + 1]
    said = _flat(res.output)
    line = ("Achtung: 3 Briefe sind länger als eine Seite, der Text aus [brief] text ist zu "
            "lang: " + ", ".join(f"{cid} (2 Seiten)" for cid in sorted(ids)))
    assert line in said, said
    assert line in _flat((out / "LIESMICH.txt").read_text(encoding="utf-8"))

    # the shipped text fits one page: no page number, no head, nothing said
    out = tmp_path / "kurz"
    res = _letters(planned_week.plan_id, db, out, "--clients", ids[0], "--reprint")
    assert res.exit_code == 0, res.output
    (page,) = _pages(out / f"brief_{ids[0]}.pdf")
    assert "Seite" not in page and "länger als eine Seite" not in res.output


@pytest.mark.parametrize(("drop", "said"), [
    (("absender",), "[brief] absender fehlt"),
    (("anschrift",), "[brief] anschrift fehlt"),
    (("absender", "anschrift"), "[brief] absender und [brief] anschrift fehlen"),
])
def test_a_profile_without_sender_writes_no_letter(planned_week, db, tmp_path, drop, said):
    """QA 44b F3: without ``absender`` and ``anschrift`` the letters named the depot
    („Beispiel-Standort …“, an internal label) as the sender, silently. Now refused as a
    missing ``telefon`` is, naming the settings; nothing is written or recorded."""
    def edit(text: str) -> str:
        for key in drop:
            text, n = re.subn(rf"(?m)^{key} = .*\n", "", text)
            assert n == 1
        return text

    ids, _ = _one_team_day(planned_week, 1)
    prof = _profile(tmp_path, "ohne", edit)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ids[0], "--city", str(prof))
    assert res.exit_code == 2, res.output
    text = _flat(res.output)
    assert f"Profil ohne: {said}" in text, text
    assert "Standort" in text and "z. B. absender =" in text
    assert not out.exists()
    from hausbesuch.store import Store

    with Store.open(db) as store:
        assert not store.audit_rows(action="brief_erstellt")


def test_the_shipped_profiles_with_a_phone_have_a_sender():
    """The shipped profiles load, and those that write letters (a phone number given)
    pass the sender check; Kassel ships without a phone number and is refused for it."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import LetterError, check_sender

    for name in ("bad-hersfeld", "lauf"):
        check_sender(load_profile(name))
    with pytest.raises(LetterError, match=r"\[brief\] telefon fehlt"):
        check_sender(load_profile("kassel"))


def _corrections(url: str) -> list[dict]:
    from hausbesuch.store import Store

    with Store.open(url) as store:
        return store.audit_rows(action=AUDIT_CORRECTION)


def _visit_states(url: str) -> dict[str, tuple[str, object]]:
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(url) as store, store.session() as s:
        return {r.visit_id: (r.status, r.updated_at) for r in s.query(CaseVisitRow)}


def test_correction_letters_can_be_printed_again_and_are_named_when_written(small, tmp_path):
    """QA 44b F10: a correction folder lost before printing could not be written again
    („ein Korrekturbrief wird einmal geschrieben“), and a second correction run said
    „Keine Korrekturbriefe nötig“ without naming those written. Now a run with nothing new
    names them (case id, date of the correction), and ``--correction --reprint`` writes
    them again: the same letters with their first date, named as reprints (terminal and
    LIESMICH.txt), audited as reprints, no visit changed."""
    from hausbesuch.store import Store

    url, plan, newer = small
    assert _letters(plan.id, url, tmp_path / "briefe").exit_code == 0
    with Store.open(url) as store:
        store.save_plan(newer)
    korr = tmp_path / "korrektur"
    res = _letters(newer.id, url, korr, "--correction")
    assert res.exit_code == 0, res.output
    called_off = sorted(s.client_id for s in plan.routes[1].stops)
    first = {cid: details._text(korr / f"korrektur_{cid}.pdf") for cid in called_off}
    assert all("Datum 01.12.2026" in t for t in first.values())
    audits, states = len(_corrections(url)), _visit_states(url)
    assert audits == 3

    later = BEFORE.replace(day=2)
    res = _letters(newer.id, url, tmp_path / "k2", "--correction", today=later)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert "Keine Korrekturbriefe nötig" in said
    assert ("3 angekündigte Besuche haben schon einen Korrekturbrief (vom Di, 01.12.2026), "
            f"nicht noch einmal geschrieben: {', '.join(called_off)}") in said, said
    assert "Mit --correction --reprint noch einmal drucken" in said
    assert not (tmp_path / "k2").exists()

    again = tmp_path / "nachdruck"
    res = _letters(newer.id, url, again, "--correction", "--reprint", today=later)
    assert res.exit_code == 0, res.output
    said = _flat(res.output)
    assert {p.name for p in again.glob("korrektur_*.pdf")} == {
        f"korrektur_{cid}.pdf" for cid in called_off}
    for cid in called_off:  # the same letter: its date, its window, its text
        assert details._text(again / f"korrektur_{cid}.pdf") == first[cid]
    line = ("3 Briefe sind Nachdrucke der schon geschriebenen Briefe vom Di, 01.12.2026 "
            "(mit deren Datum; nur verschicken, wenn die ersten Briefe nicht verschickt "
            f"wurden): {', '.join(called_off)}")
    assert line in said, said
    assert line in _flat((again / "LIESMICH.txt").read_text(encoding="utf-8"))
    rows = _corrections(url)
    assert len(rows) == 6 and {r["client_id"] for r in rows[3:]} == set(called_off)
    for r in rows[3:]:
        assert r["details"]["nachdruck"] is True
        assert r["details"]["brief_vom"] == "2026-12-01"
    assert _visit_states(url) == states  # nothing called off again, nothing moved

    # the folder of the first run may be written again by a reprint, not by a plain run
    res = _letters(newer.id, url, korr, "--correction", today=later)
    assert res.exit_code == 2 and "mit --reprint" in _flat(res.output)
    res = _letters(newer.id, url, korr, "--correction", "--reprint", today=later)
    assert res.exit_code == 0, res.output
    assert {p.name for p in korr.glob("korrektur_*.pdf")} == {
        f"korrektur_{cid}.pdf" for cid in called_off}
    # a reprint is no new correction: still nothing new to correct, the first date named
    res = _letters(newer.id, url, tmp_path / "k3", "--correction", today=later)
    assert "(vom Di, 01.12.2026)" in _flat(res.output)
    # the client's Auskunft names the first letter's date, not a reprint's moment (nor the
    # moment the first was audited, when its date is another: an exercise day here)
    from hausbesuch.casework.disclosure import disclosure_text

    with Store.open(url) as store:
        told = disclosure_text(store, plan.city, called_off[0])
    said = [line for line in told.splitlines() if "abgesagt mit Brief vom" in line]
    assert len(said) == 1 and said[0].endswith("abgesagt mit Brief vom 01.12.2026"), told


def test_the_announcement_run_names_the_visits_still_waiting_for_a_correction(small, tmp_path):
    """QA 44b F11: after a re-plan (in the web, say) the announcement run of the new
    version said nothing about announced visits that it no longer holds: it names them
    (case id and day) with the ``--correction`` command, until their correction is
    written."""
    from hausbesuch.store import Store

    url, plan, newer = small
    assert _letters(plan.id, url, tmp_path / "briefe").exit_code == 0
    with Store.open(url) as store:
        store.save_plan(newer)
    res = _letters(newer.id, url, tmp_path / "neu")
    assert res.exit_code == 0, res.output
    dropped = plan.routes[1]
    due = ", ".join(f"{s.client_id} ({format_day(dropped.day)})"
                    for s in sorted(dropped.stops, key=lambda s: id_key(s.client_id)))
    said = _flat(res.output)
    assert ("Noch ohne Korrekturbrief: 3 angekündigte Besuche, die dieser Plan nicht mehr im "
            "angekündigten Zeitfenster hält oder deren Fall nicht mehr offen ist: "
            f"{due}. Bitte Korrekturbriefe schreiben: hausbesuch letters {newer.id} "
            "--correction") in said, said
    assert _letters(newer.id, url, tmp_path / "korrektur", "--correction").exit_code == 0
    res = _letters(newer.id, url, tmp_path / "neu2")
    assert res.exit_code == 0 and "Noch ohne Korrekturbrief" not in res.output


LONG_NAME = ("Maximiliane Alexandra Friederike Wilhelmine Gräfin von Hohenzollern-Sigmaringen "
             "zu Hechingen")


def test_liesmich_names_the_addresses_to_check_and_the_visits_without_a_letter(
        planned_week, db, tmp_path):
    """QA 44b F9: „Anschrift vor dem Versand prüfen …“ and „Kein Brief für …“ were only
    printed on the terminal; whoever prints and posts the folder later reads LIESMICH.txt.
    Now it lists them too, case ids and reasons only (no name)."""
    from sqlalchemy import update

    from hausbesuch.store import ClientRow, Store

    ids, _ = _one_team_day(planned_week, 3)
    wide, nameless, plain = ids
    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == wide).values(name=LONG_NAME))
        s.execute(update(ClientRow).where(ClientRow.client_id == nameless).values(name=""))
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ",".join(ids))
    assert res.exit_code == 0, res.output
    check = (f"{wide}: Anschrift vor dem Versand prüfen: der Name ist auch in 8 pt breiter "
             "als das Sichtfenster und wird umbrochen gedruckt: bitte in der Kundenliste "
             "kürzen")
    none = f"Kein Brief für {nameless}: kein Name gespeichert"
    said = _flat(res.output)
    assert check in said and none in said, said
    notice = _flat((out / "LIESMICH.txt").read_text(encoding="utf-8"))
    assert check in notice and none in notice, notice
    assert plain not in notice and "Hohenzollern" not in notice
    assert "Sozialdaten" in notice


def _lines(pdf: bytes) -> list[str]:
    """The text lines of a PDF's first page, each run of white space one space."""
    import io

    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert not re.search("[\u00a0\u2060\u200b]", text)  # the text reads as typed
    return [" ".join(line.split()) for line in text.splitlines()]


@pytest.mark.parametrize("more", ["", "1", "-12", " (Zentrale)", " 4711", "-0 / -1"])
def test_the_phone_hours_never_break_inside_a_time_range(more):
    """QA 44b F7: the shipped Lauf profile printed „… (Mo–Fr 8–“ / „12 Uhr). …“: the
    line broke after the dash of the phone hours. Now no line of the letter ends inside
    ``{telefonzeiten}`` (the phone number made longer or shorter moves the break)."""
    from datetime import date, datetime

    from hausbesuch.config import load_profile
    from hausbesuch.letters import Announcement, letter_content, render_letters

    base = load_profile("lauf")
    profile = base.model_copy(update={"brief": base.brief.model_copy(update={
        "telefon": base.brief.telefon.replace(" (Beispielnummer)", more + " (Beispielnummer)")})})
    day = date(2027, 1, 14)
    a = Announcement("L-1", "team-1", day, datetime(2027, 1, 14, 10),
                     (datetime(2027, 1, 14, 9), datetime(2027, 1, 14, 11)))
    body = letter_content(profile, a, name="Anna Beispiel",
                          address=["Am Markt 1", "91207 Lauf an der Pegnitz"],
                          letter_date=date(2027, 1, 5))
    pdf, _ = render_letters(profile, [body], title="Hausbesuch L-1")
    lines = _lines(pdf)
    text = " ".join(lines)
    assert "(Mo–Fr 8–12 Uhr)" in text, text
    assert "Telefonzeiten Mo–Fr 8–12 Uhr" in lines
    for line in lines:
        assert not re.search(r"(?:Mo|Fr|8)\s*–$|^–|^12 Uhr|^Uhr", line), lines


def test_a_signature_line_that_would_wrap_is_refused(planned_week, db, tmp_path):
    """QA 44b F8: a signature line of ~540 characters was printed wrapped over seven lines
    without a word, while a sender or return address too long is refused. Now refused
    the same way, naming ``[brief] unterschrift``; a signature of several short lines is
    printed as it is."""
    ids, _ = _one_team_day(planned_week, 1)
    words = ("Ihr Team der Aufsuchenden Beratung im Fachbereich Markt und Integration des "
             "Kommunalen Jobcenters, Sachgebiet Hausbesuche und Aufsuchende Arbeit")
    long = _profile(tmp_path, "lang", _in_brief(f'unterschrift = ["{words}"]\n'))
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ids[0], "--city", str(long))
    assert res.exit_code == 2, res.output
    said = _flat(res.output)
    assert "Profil lang: eine Zeile von [brief] unterschrift („Ihr Team der Aufsuchenden" \
        in said and "würde umbrochen gedruckt" in said, said
    assert not out.exists()

    lines = ["Ihr Team der Aufsuchenden Beratung", "Fachbereich Markt und Integration"]
    split = _profile(tmp_path, "zwei", _in_brief(
        "unterschrift = " + str(lines).replace("'", '"') + "\n"))
    res = _letters(planned_week.plan_id, db, out, "--clients", ids[0], "--city", str(split))
    assert res.exit_code == 0, res.output
    (page,) = _pages(out / f"brief_{ids[0]}.pdf")
    assert " ".join(lines) in page
