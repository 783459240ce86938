"""Details of the announcement letters found in exploratory testing of ``hausbesuch letters``:

- no letter (and no correction letter) for a visit whose day lies before today, and the
  letter's date is today as :func:`hausbesuch.clock.today` says (``HAUSBESUCH_HEUTE``);
- a name stored as "Nachname, Vorname" is written "Vorname Nachname";
- ``--clients`` compares case ids without regard to case;
- a client the plan visits twice gets one letter, for its last visit;
- and letters for the normal case are as before.

Each test writes into its own copy of the planned week's SQLite database (a letter run
records its announcements there); the PDFs are read back with pypdf.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.fields import format_day, format_moment
from hausbesuch.letters import (
    AUDIT_CORRECTION,
    AUDIT_LETTER,
    MONTHS,
    WEEKDAYS_LONG,
    announcements,
    letter_name,
    salutation_name,
)
from tests.cli_helpers import ClockedCli, city_db
from tests.web_fixtures import links_open

MM = 72 / 25.4
MONDAY = date(2026, 12, 7)  # the planned week's first day (tests/planning_fixtures.py)
BEFORE = date(2026, 12, 1)  # a day before the planned week


@pytest.fixture(autouse=True)
def _today_before_the_week(monkeypatch):
    """Every test says which day is today: by default one before the planned week (the
    tests do not depend on the machine's date)."""
    monkeypatch.setenv(clock.ENV, BEFORE.isoformat())


@pytest.fixture
def db(planned_week, tmp_path) -> str:
    """A fresh copy of the planned week's database."""
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "plan.db")
    return f"sqlite:///{tmp_path / 'plan.db'}"


def _letters(plan_id: str, url: str, out: Path, *args: str, today: date = BEFORE):
    return CliRunner(env={clock.ENV: today.isoformat()}).invoke(
        app, ["letters", plan_id, "--db", url, "--out", str(out), *args])


def _flat(text: str) -> str:
    """``text`` on one line, each run of white space one space (a command's output)."""
    return " ".join(text.split())


def _text(path: Path) -> str:
    return _flat("\n".join(p.extract_text() for p in PdfReader(path).pages))


def _announced_day(text: str) -> date:
    m = re.search(r"am (\w+), (\d+)\. (\w+) (\d{4}), zwischen \d\d:\d\d und \d\d:\d\d Uhr", text)
    assert m, text
    wd, d, mon, y = m.groups()
    day = date(int(y), MONTHS.index(mon) + 1, int(d))
    assert WEEKDAYS_LONG[day.weekday()] == wd
    return day


def _letter_date(text: str) -> str:
    m = re.search(r"Datum:? (\d\d\.\d\d\.\d{4})", text)
    assert m, text
    return m[1]


def _address_lines(path: Path) -> list[str]:
    """The text lines of page 1 inside the address zone of form B (x 20-105 mm,
    y 62.7-90 mm from the top)."""
    page = PdfReader(path).pages[0]
    height = float(page.mediabox.height)
    out = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) / MM
            y = (height - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5])) / MM
            if 20 <= x <= 105 and 62.7 < y < 90:
                out.append(text.strip())

    page.extract_text(visitor_text=visit)
    return out


def _set_names(url: str, names: dict[str, str]) -> None:
    from sqlalchemy import update

    from hausbesuch.store import ClientRow, Store

    with Store.open(url) as store, store.session() as s:
        for cid, name in names.items():
            s.execute(update(ClientRow).where(ClientRow.client_id == cid).values(name=name))


def _announced(url: str) -> dict[str, object]:
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(url) as store, store.session() as s:
        return {v.client_id: v for v in s.query(CaseVisitRow).filter(
            CaseVisitRow.announced_at.is_not(None))}


# --------------------------------------------------------------------------- past visits


def test_no_letter_for_a_visit_before_today(planned_week, db, tmp_path):
    """On Tuesday of the planned week: Monday's visits get no letter (each listed with the
    reason, nothing recorded); Tuesday's (today) and later ones do, dated Tuesday."""
    from hausbesuch.store import Store

    plan = planned_week.result.plan
    tuesday = MONDAY + timedelta(days=1)
    stops = {s.client_id: r for r in plan.routes for s in r.stops}
    past = {cid for cid, r in stops.items() if r.day < tuesday}
    ahead = set(stops) - past
    assert past and ahead and any(r.day == tuesday for r in stops.values())
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, today=tuesday)
    assert res.exit_code == 0, res.output
    got = {p.name.removeprefix("brief_").removesuffix(".pdf") for p in out.glob("brief_*.pdf")}
    assert got == ahead
    for cid in past:
        assert f"Kein Brief für {cid}: Besuch am Mo, 07.12.2026 liegt vor heute" in res.output
    assert res.output.count("liegt vor heute") == len(past)
    routes_ahead = [r for r in plan.routes if r.day >= tuesday]
    assert {p.name for p in out.glob("sammel_brief_*.pdf")} == {
        f"sammel_brief_{r.team_id}_{r.day.isoformat()}.pdf" for r in routes_ahead}
    assert f"{len(ahead)} Briefe und {len(routes_ahead)} Sammel-PDFs" in res.output
    for cid in list(ahead)[:5]:
        text = _text(out / f"brief_{cid}.pdf")
        assert _announced_day(text) == stops[cid].day >= tuesday
        assert _letter_date(text) == "08.12.2026"  # clock.today(), not the machine's date
    assert set(_announced(db)) == ahead
    with Store.open(db) as store:
        assert {r["client_id"] for r in store.audit_rows(action=AUDIT_LETTER)} == ahead


def test_no_letter_at_all_after_the_week(planned_week, db, tmp_path):
    """After the planned week, a letter for one client (case as typed) is refused with the
    reason; the command still ends normally and records nothing."""
    plan = planned_week.result.plan
    r = plan.routes[-1]
    cid = r.stops[0].client_id
    after = max(x.day for x in plan.routes) + timedelta(days=1)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", cid.lower(), today=after)
    assert res.exit_code == 0, res.output
    assert "Keine Briefe geschrieben; kein Ordner angelegt" in res.output
    assert f"Kein Brief für {cid}: Besuch am {format_day(r.day)} liegt vor heute" in res.output
    assert not out.exists()  # no folder holding only the social-data notice (QA 24 T1)
    assert not _announced(db)


def test_correction_letters_only_for_visits_not_yet_past(planned_week, db, tmp_path):
    """Two announced visits the plan no longer keeps in their windows, one on Monday and one
    on Wednesday; on Tuesday only Wednesday's gets a correction letter (dated Tuesday) and is
    called off; Monday's is listed as past and left as it was."""
    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    res = _letters(planned_week.plan_id, db, tmp_path / "briefe")
    assert res.exit_code == 0, res.output
    monday = next(r for r in plan.routes if r.day == MONDAY).stops[0].client_id
    wednesday = next(r for r in plan.routes
                     if r.day == MONDAY + timedelta(days=2)).stops[0].client_id
    # the promise moved off the planned start: the plan no longer keeps it
    with Store.open(db) as store, store.session() as s:
        for v in s.query(CaseVisitRow).filter(CaseVisitRow.client_id.in_([monday, wednesday])):
            v.promised_start = v.promised_start.replace(hour=5, minute=0)
            v.promised_end = v.promised_start.replace(hour=5, minute=30)
    out = tmp_path / "korrektur"
    res = _letters(planned_week.plan_id, db, out, "--correction", today=MONDAY + timedelta(days=1))
    assert res.exit_code == 0, res.output
    assert [p.name for p in out.glob("korrektur_*.pdf")] == [f"korrektur_{wednesday}.pdf"]
    assert "1 Korrekturbrief und 1 Sammel-PDF " in res.output
    assert f"Kein Brief für {monday}: Besuch am Mo, 07.12.2026 liegt vor heute" in res.output
    assert "Keine Korrekturbriefe nötig" not in res.output
    text = _text(out / f"korrektur_{wednesday}.pdf")
    assert _letter_date(text) == "08.12.2026"
    with Store.open(db) as store:
        with store.session() as s:
            rows = {v.client_id: v.status for v in s.query(CaseVisitRow).filter(
                CaseVisitRow.client_id.in_([monday, wednesday]))}
        corrected = [r["client_id"] for r in store.audit_rows(action=AUDIT_CORRECTION)]
    assert rows == {monday: "geplant", wednesday: "entfallen"}
    assert corrected == [wednesday]


def test_the_letter_date_is_todays_by_the_clock(planned_week, tmp_path, monkeypatch):
    """``write_letters`` without a date prints the day :func:`clock.today` gives."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import write_letters

    plan = planned_week.result.plan
    cid = plan.routes[0].stops[0].client_id
    monkeypatch.setenv(clock.ENV, "2026-11-30")
    items = [a for a in announcements(plan) if a.client_id == cid]
    run = write_letters(plan, items, load_profile("bad-hersfeld"), tmp_path)
    assert _letter_date(_text(run.letters[cid])) == "30.11.2026"


# --------------------------------------------------------------------------- names


@pytest.mark.parametrize(("stored", "written"), [
    ("Weiß, Anna", "Anna Weiß"),
    ("  Weiß ,  Anna  Maria ", "Anna Maria Weiß"),
    ("Öztürk-Weiß, Dr. Jürgen", "Dr. Jürgen Öztürk-Weiß"),
    ("Anna Weiß", "Anna Weiß"),  # no comma: as stored
    ("Müller, Hans, Jr.", "Müller, Hans, Jr."),  # two commas: as stored
    ("Weiß,", "Weiß"),  # one side empty: no dangling comma
    (", Anna", "Anna"),
    (",", ""),
    ("-", ""),  # an export's placeholder is no name (QA 19b #3)
    ("k. A.", ""),
    (" unbekannt ", ""),
    ("-, -", ""),
    ("Weiß, -", "Weiß"),  # a placeholder side is dropped like an empty one
    ("k. A., Anna", "Anna"),
    ("NN", ""),
    ("n. n., -", ""),
    ("Na, Young-Hee", "Young-Hee Na"),  # real surnames, no placeholders (review 19 #2)
    ("Keine, Anna", "Anna Keine"),
    ("Ohne, Peter", "Peter Ohne"),
    ("Na", "Na"),
    # an Anrede or title before the surname stays in front (QA 27 F3)
    ("Frau Öztürk-Çelik, Ayşe", "Frau Ayşe Öztürk-Çelik"),
    ("Herrn Dr. Müller, Hans", "Herrn Dr. Hans Müller"),
    ("z. Hd. Frau Demir, Ayşe", "z. Hd. Frau Ayşe Demir"),
    ("von Weizsäcker, Richard", "Richard von Weizsäcker"),  # a particle is no Anrede
    ("zu Guttenberg, Karl", "Karl zu Guttenberg"),
    ("Herr, Anna", "Anna Herr"),  # the surname Herr
    ("Frau Herr, Anna", "Frau Anna Herr"),
    ("An, Thi", "Thi An"),
    # nothing but an Anrede, a title or framing words is no name (QA 27 F2)
    ("Frau", ""),
    ("Herrn", ""),
    ("Familie", ""),
    ("Frau Dr.", ""),
    ("z. Hd. Frau", ""),
    ("Herr und Frau", ""),
    ("Herr & Frau", ""),
    ("Frau u. Herrn", ""),
    ("Herr Prof. Dr. med.", ""),
    ("Frau k. A.", ""),
    ("Frau, -", ""),
    ("-, Herrn", ""),
    ("Frau Herr", "Frau Herr"),  # a surname after the Anrede
    ("Herr Zu", "Herr Zu"),  # particles are surnames too
    ("Frau A.", "Frau A."),
    ("Eheleute Müller", "Eheleute Müller"),
])
def test_letter_name(stored, written):
    assert letter_name(stored) == written


@pytest.mark.parametrize(("written", "greeted"), [
    ("Herrn Dr. Max Mustermann", "Herr Dr. Max Mustermann"),
    ("Herr Max Mustermann", "Herr Max Mustermann"),
    ("Frau Ayşe Demir", "Frau Ayşe Demir"),
    ("Frau Müller", "Frau Müller"),  # was „Guten Tag Müller,“ (review 19 #1)
    ("Herrn Müller", "Herr Müller"),
    ("z. Hd. Herrn Meier", "Herr Meier"),
    ("zu Händen Frau Meier", "Frau Meier"),
    ("Familie Şahin", "Familie Şahin"),
    ("An Frau Demir", "Frau Demir"),
    ("An die Familie Şahin", "Familie Şahin"),
    ("An den Herrn Demir", "Herr Demir"),
    ("z. Hd. Frau Prof. Weiß", "Frau Prof. Weiß"),
    ("Herrn und Frau Müller", "Herr und Frau Müller"),
    ("Frau u. Herrn Müller", "Frau und Herr Müller"),
    ("An Nguyen", "An Nguyen"),  # An is a given name too
    ("Frauke Herrmann", "Frauke Herrmann"),
    ("Herrn", "Herr"),  # nothing but the word (no letter: letter_name) still nominative
    ("Frau Müller und Herrn Meier", "Frau Müller und Herr Meier"),  # QA 27 F2
    ("Herrn Dr. Hans Müller", "Herr Dr. Hans Müller"),
    ("Anna Meyer-Herrnhut", "Anna Meyer-Herrnhut"),
    ("Anna Weiß", "Anna Weiß"),
])
def test_salutation_name_keeps_the_anrede_without_framing(written, greeted):
    assert salutation_name(written) == greeted


def test_placeholder_and_anrede_names(planned_week, db, tmp_path):
    """A Name cell holding a placeholder ("-", "k. A.", "unbekannt") gets no letter, saying
    so, where it was greeted „Guten Tag -,“; a name stored with its Anrede keeps it in the
    address field and is greeted with it in the nominative (was „Guten Tag Herrn Dr. Max
    Mustermann,“; then „Guten Tag Dr. Max Mustermann,“) (QA 19b #3, #4; review 19 #1)."""
    stops = [s.client_id for s in planned_week.result.plan.routes[0].stops[:6]]
    names = dict(zip(stops, ["-", "k. A.", "unbekannt", "Herrn Dr. Max Mustermann",
                             "Frau Ayşe Demir", "Familie Şahin"], strict=True))
    _set_names(db, names)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ",".join(stops))
    assert res.exit_code == 0, res.output
    for cid, shown in zip(stops[:3], ["-", "k. A.", "unbekannt"], strict=True):
        assert not (out / f"brief_{cid}.pdf").exists()
        assert (f"Kein Brief für {cid}: Name ist ein Platzhalter („{shown}“), kein Name "
                "gespeichert") in " ".join(res.output.split()), res.output
    for cid, stored, greeted in zip(stops[3:], list(names.values())[3:],
                                    ["Herr Dr. Max Mustermann", "Frau Ayşe Demir",
                                     "Familie Şahin"],
                                    strict=True):
        path = out / f"brief_{cid}.pdf"
        text = _text(path)
        assert f"Guten Tag {greeted}," in text, text
        assert _address_lines(path)[0] == stored
    assert "Guten Tag Herrn" not in _text(out / f"brief_{stops[3]}.pdf")
    # write_letters itself (given the client list) says the same
    from hausbesuch.config import load_profile
    from hausbesuch.letters import write_letters

    plan = planned_week.result.plan
    client = next(c for c in plan.clients if c.id == stops[0])
    items = [a for a in announcements(plan) if a.client_id == stops[0]]
    run = write_letters(plan, items, load_profile("bad-hersfeld"), tmp_path / "direkt",
                        master={client.id: replace(client, name="k. A.")})
    assert not run.letters
    assert run.skipped == [(stops[0], "Name ist ein Platzhalter („k. A.“), kein Name "
                                      "gespeichert: bitte den Namen in der Kundenliste "
                                      "eintragen")]


def test_names_of_only_an_anrede_get_no_letter(planned_week, db, tmp_path):
    """A name that is only an Anrede, a title or framing words („Frau“, „Herrn“, „Familie“,
    „Frau Dr.“, „z. Hd. Frau“, „Herr und Frau“) gets no letter, saying why and naming the
    row, like an empty name or „k. A.“ (before: a letter with that word as the address
    line, greeting „Guten Tag Herrn,“, „Guten Tag Familie,“; QA 27 F2). An Anrede before
    the surname of „Nachname, Vorname“ stays in front (was „Ayşe Frau Öztürk-Çelik“, QA 27
    F3), and „Herrn“ is „Herr“ wherever the salutation holds it."""
    stops = [s.client_id for r in planned_week.result.plan.routes for s in r.stops][:9]
    empty = ["Frau", "Herrn", "Familie", "Frau Dr.", "z. Hd. Frau", "Herr und Frau"]
    names = dict(zip(stops, [*empty, "Frau Öztürk-Çelik, Ayşe", "Frau Müller und Herrn Meier",
                             "Herrn Dr. Müller, Hans"], strict=True))
    _set_names(db, names)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ",".join(stops))
    assert res.exit_code == 0, res.output
    said = " ".join(res.output.split())
    for cid in stops[:6]:
        assert not (out / f"brief_{cid}.pdf").exists(), cid
        assert (f"Kein Brief für {cid}: Name enthält nur eine Anrede oder einen Titel") in said
    assert "keinen Namen: bitte den Namen in der Kundenliste eintragen" in said
    # the stored Anrede of a client is not shown (the message's examples aside)
    assert not any(f"„{n}“" in said for n in empty[3:])
    for cid, address, greeted in zip(stops[6:], [
            "Frau Ayşe Öztürk-Çelik", "Frau Müller und Herrn Meier", "Herrn Dr. Hans Müller"], [
            "Frau Ayşe Öztürk-Çelik", "Frau Müller und Herr Meier", "Herr Dr. Hans Müller"],
            strict=True):
        path = out / f"brief_{cid}.pdf"
        text = _text(path)
        assert f"Guten Tag {greeted}," in text, text
        assert "Guten Tag Herrn" not in text
        assert _address_lines(path)[0] == address
    team_days = sorted(out.glob("sammel_brief_*.pdf"))
    assert team_days
    for path in team_days:
        assert not re.search(r"Guten Tag (?:Frau|Herrn|Familie|Frau Dr\.|Herr und Frau),",
                             _text(path))


def test_surname_first_names_are_turned_round(planned_week, db, tmp_path):
    """A name stored as "Nachname, Vorname" is written "Vorname Nachname" in the address
    field and the salutation; other names as stored; no name in the audit or the output."""
    from hausbesuch.store import Store

    stops = [s.client_id for s in planned_week.result.plan.routes[0].stops[:4]]
    names = dict(zip(stops, ["Weiß, Anna", "Müller, Hans, Jr.", "Jürgen Weiß-Öztürk",
                             "Yılmaz ,  Ayşe"], strict=True))
    _set_names(db, names)
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", ",".join(stops))
    assert res.exit_code == 0, res.output
    expected = dict(zip(stops, ["Anna Weiß", "Müller, Hans, Jr.", "Jürgen Weiß-Öztürk",
                                "Ayşe Yılmaz"], strict=True))
    for cid, written in expected.items():
        path = out / f"brief_{cid}.pdf"
        text = _text(path)
        assert f"Guten Tag {written}," in text, text
        assert _address_lines(path)[0] == written
    for cid in (stops[0], stops[3]):
        assert names[cid] not in _text(out / f"brief_{cid}.pdf")
    team_day = (out / f"sammel_brief_{planned_week.result.plan.routes[0].team_id}_2026-12-07"
                      "_auswahl.pdf")  # a selection's PDF, not the team-day's
    assert "Guten Tag Anna Weiß," in _text(team_day)
    with Store.open(db) as store:
        blob = repr(store.audit_rows(action=AUDIT_LETTER))
    shown = [*names.values(), *expected.values(), "Weiß", "Yılmaz"]
    assert not any(n in blob or n in res.output for n in shown)


# --------------------------------------------------------------------------- case ids


def test_clients_compared_without_regard_to_case(planned_week, db, tmp_path):
    """``--clients c0005`` writes the letter of C0005 (file, letter, audit and messages
    with the stored spelling); the same id twice in different case is one letter; an id
    the plan does not visit is named as typed."""
    from hausbesuch.store import Store

    plan = planned_week.result.plan
    a, b = plan.routes[0].stops[0].client_id, plan.routes[1].stops[0].client_id
    assert a != a.lower()
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{a.lower()},{b},{b.lower()}")
    assert res.exit_code == 0, res.output
    assert "2 Briefe" in res.output
    assert sorted(p.name for p in out.glob("brief_*.pdf")) == sorted(
        [f"brief_{a}.pdf", f"brief_{b}.pdf"])
    text = _text(out / f"brief_{a}.pdf")
    assert f"Kundennummer {a}" in text and a.lower() not in text
    with Store.open(db) as store:
        audited = sorted(r["client_id"] for r in store.audit_rows(action=AUDIT_LETTER))
    assert audited == sorted([a, b]) and sorted(_announced(db)) == sorted([a, b])
    res = _letters(planned_week.plan_id, db, tmp_path / "x", "--clients", f"{a.lower()},c9999")
    assert res.exit_code == 2 and "nicht im Plan eingeplant: c9999" in res.output, res.output
    assert a not in res.output.split("eingeplant:")[1]
    # a client of the plan that is not planned is named as stored
    left = next(u.client_id for u in plan.unassigned if u.client_id != u.client_id.lower())
    res = _letters(planned_week.plan_id, db, tmp_path / "y", "--clients", left.lower())
    assert res.exit_code == 2 and f"nicht im Plan eingeplant: {left}" in res.output


def test_announcements_match_ids_in_any_case(planned_week):
    plan = planned_week.result.plan
    cid = plan.routes[0].stops[0].client_id
    got = announcements(plan, clients=[cid.lower(), f" {cid.upper()} "])
    assert [x.client_id for x in got] == [cid]
    assert got == announcements(plan, clients=[cid])


def test_correction_clients_without_regard_to_case(planned_week, db, tmp_path):
    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    assert _letters(planned_week.plan_id, db, tmp_path / "briefe").exit_code == 0
    cids = [r.stops[0].client_id for r in plan.routes if r.day > MONDAY][:2]
    with Store.open(db) as store, store.session() as s:
        for v in s.query(CaseVisitRow).filter(CaseVisitRow.client_id.in_(cids)):
            v.promised_start = v.promised_start.replace(hour=5, minute=0)
            v.promised_end = v.promised_start.replace(hour=5, minute=30)
    out = tmp_path / "korrektur"
    res = _letters(planned_week.plan_id, db, out, "--correction", "--clients", cids[0].lower())
    assert res.exit_code == 0, res.output
    assert [p.name for p in out.glob("korrektur_*.pdf")] == [f"korrektur_{cids[0]}.pdf"]


# --------------------------------------------------------------------------- twice in a plan


@pytest.fixture
def twice(planned_week, tmp_path):
    """A plan (stored with its case visits) that visits one client twice: on Monday (the
    visit made: ``erledigt``) and, as agreed there, on Thursday at the end of a route."""
    from hausbesuch.planning import save_plan_and_visits
    from hausbesuch.store import CaseVisitRow, Store

    plan = planned_week.result.plan
    first = plan.routes[0]
    assert first.day == MONDAY
    cid = first.stops[0].client_id
    k, thursday = next((i, r) for i, r in enumerate(plan.routes)
                       if r.day == MONDAY + timedelta(days=3))
    last = thursday.stops[-1]
    start = last.end + timedelta(minutes=20)
    extra = replace(first.stops[0], position=len(thursday.stops) + 1,
                    arrival=start, start=start, end=start + timedelta(minutes=30),
                    visit_id="termin-donnerstag")
    routes = list(plan.routes)
    routes[k] = replace(thursday, stops=(*thursday.stops, extra),
                        return_=max(thursday.return_, extra.end + timedelta(minutes=20)))
    both = replace(plan, id="zweimal", routes=routes)
    url = f"sqlite:///{tmp_path / 'zweimal.db'}"
    with Store.open(url) as store:
        store.upsert_clients(plan.clients, plan.city)
        save_plan_and_visits(store, both, actor="test")
        with store.session() as s:
            s.get(CaseVisitRow, first.stops[0].visit_id).status = "erledigt"
    return url, both, cid, thursday.day, start


@pytest.mark.parametrize("today", [BEFORE, MONDAY, MONDAY + timedelta(days=1),
                                   MONDAY + timedelta(days=3)])
def test_a_client_visited_twice_gets_one_letter_for_its_last_visit(twice, tmp_path, today):
    """Before the week, on the day of the visit made and after it: one letter, for the
    appointment on Thursday (its case visit is the one announced); never one for Monday."""
    from hausbesuch.store import Store

    url, plan, cid, thursday, start = twice
    assert [a.day for a in announcements(plan, clients=[cid])] == [thursday]
    out = tmp_path / "briefe"
    res = _letters(plan.id, url, out, "--clients", cid.lower(), today=today)
    assert res.exit_code == 0, res.output
    assert [p.name for p in out.glob("brief_*.pdf")] == [f"brief_{cid}.pdf"]
    assert "Kein Brief" not in res.output
    text = _text(out / f"brief_{cid}.pdf")
    assert _announced_day(text) == thursday
    assert _letter_date(text) == f"{today:%d.%m.%Y}"
    with Store.open(url) as store:
        audit = store.audit_rows(action=AUDIT_LETTER, client_id=cid)
    assert [r["visit_id"] for r in audit] == ["termin-donnerstag"]
    assert [v.visit_id for v in _announced(url).values()] == ["termin-donnerstag"]


def test_a_client_visited_twice_gets_none_after_its_last_visit(twice, tmp_path):
    url, plan, cid, thursday, _ = twice
    out = tmp_path / "briefe"
    res = _letters(plan.id, url, out, "--clients", cid, today=thursday + timedelta(days=1))
    assert res.exit_code == 0, res.output
    assert not list(out.glob("brief_*.pdf"))
    assert res.output.count(f"Kein Brief für {cid}") == 1
    assert f"Kein Brief für {cid}: Besuch am {format_day(thursday)} liegt vor heute" in res.output


# --------------------------------------------------------------------------- normal letters


def test_normal_letters_unchanged(planned_week, db, tmp_path):
    """Before the week, with names without a comma: a letter per visit and a PDF per
    team-day, nothing skipped, the stored name in the address field and the salutation,
    dated today, announcing the planned day; the output as before."""
    plan = planned_week.result.plan
    stops = {s.client_id: r for r in plan.routes for s in r.stops}
    clients = {c.id: c for c in plan.clients}
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out)
    assert res.exit_code == 0, res.output
    assert res.output.splitlines()[0] == (
        f"{len(stops)} Briefe und {len(plan.routes)} Sammel-PDFs (je Team und Tag) in {out}")
    assert "Kein Brief" not in res.output and "Sozialdaten" in res.output
    assert len(list(out.glob("brief_*.pdf"))) == len(stops)
    assert len(list(out.glob("sammel_brief_*.pdf"))) == len(plan.routes)
    for cid in list(stops)[::10]:
        name = clients[cid].name
        assert "," not in name
        path = out / f"brief_{cid}.pdf"
        text = _text(path)
        assert f"Guten Tag {name}," in text
        assert _address_lines(path)[0] == name
        assert _announced_day(text) == stops[cid].day
        assert _letter_date(text) == "01.12.2026"
    assert set(_announced(db)) == set(stops)


# --------------------------------------------------------------------------- cases closed since


def _set_status(url: str, statuses: dict[str, str]) -> None:
    """Set case statuses as ``hausbesuch status --set`` does (through the case service)."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    with Store.open(url) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        for cid, status in statuses.items():
            assert cw.set_status(cid, status, "im Test")


def test_no_letter_for_a_case_no_longer_open(planned_week, db, tmp_path):
    """A case closed or put "in Klärung" after planning gets no announcement (each named
    with the reason), and nothing is recorded for it (QA 12g #5)."""
    route = planned_week.result.plan.routes[0]
    closed, unclear, fine = (s.client_id for s in route.stops[:3])
    _set_status(db, {closed: "abgeschlossen", unclear: "in_klaerung"})
    out = tmp_path / "briefe"
    res = _letters(planned_week.plan_id, db, out, "--clients", f"{closed},{unclear},{fine}")
    assert res.exit_code == 0, res.output
    assert [p.name for p in out.glob("brief_*.pdf")] == [f"brief_{fine}.pdf"]
    assert (f"Kein Brief für {closed}: Fall nicht mehr offen („abgeschlossen“): kein Besuch "
            "anzukündigen") in res.output
    assert (f"Kein Brief für {unclear}: Fall nicht mehr offen („in Klärung“): kein Besuch "
            "anzukündigen") in res.output
    assert set(_announced(db)) == {fine}


def test_an_announced_visit_of_a_case_closed_since_is_called_off(planned_week, db, tmp_path,
                                                                  monkeypatch):
    """Announced, then the case is closed (or put "in Klärung"): the next letter run does not
    announce it again but asks for the cancellation, and the correction run writes one ("Der
    angekündigte Besuch entfällt", no new date) although the plan still holds the visit,
    says that the route still holds it, and calls the visit off (QA 12g #5).

    An exercise (``HAUSBESUCH_HEUTE`` before the week) while the real clock stands after
    the week: whether a visit has begun is judged on the exercise's day, as every other
    check of the run (session 39: the real clock called the visits begun, and no
    cancellation was written once the real date passed the fixed week)."""
    from datetime import time

    from hausbesuch.store import CaseVisitRow, Store

    pid = planned_week.plan_id
    route = planned_week.result.plan.routes[0]
    closed, unclear, fine = (s.client_id for s in route.stops[:3])
    both = f"{closed},{unclear},{fine}"
    assert _letters(pid, db, tmp_path / "briefe", "--clients", both).exit_code == 0
    _set_status(db, {closed: "abgeschlossen", unclear: "in_klaerung"})
    res = _letters(pid, db, tmp_path / "nochmal", "--clients", both)
    assert res.exit_code == 0, res.output
    # (the open case's visit has its letter: named, not written again)
    assert not (tmp_path / "nochmal").exists()
    assert f"1 Besuch hat schon einen Brief (vom {format_day(BEFORE)}), nicht noch einmal " \
        f"geschrieben: {fine}" in _flat(res.output)
    assert (f"Kein Brief für {closed}: angekündigt, Fall inzwischen „abgeschlossen“: bitte "
            f"Absage (hausbesuch letters {pid} --correction)") in res.output
    assert f"Kein Brief für {unclear}: angekündigt, Fall inzwischen „in Klärung“" in res.output

    out = tmp_path / "korrektur"
    after = datetime.combine(route.day + timedelta(days=2), time(12, 0))
    with monkeypatch.context() as m:
        m.setattr(clock, "now", lambda: after)  # the real clock, past the week
        res = _letters(pid, db, out, "--correction")
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.glob("korrektur_*.pdf")) == sorted(
        [f"korrektur_{closed}.pdf", f"korrektur_{unclear}.pdf"])
    day = format_day(route.day)  # as every page names a day
    assert (f"{closed}: Absage, Fall inzwischen „abgeschlossen“; der Besuch steht noch in der "
            f"Route {route.team_id} am {day}: dort nicht mehr hingehen") in res.output
    assert f"{unclear}: Absage, Fall inzwischen „in Klärung“" in res.output
    text = _text(out / f"korrektur_{closed}.pdf")
    assert "Absage: Ihr Hausbesuch" in text and "Der angekündigte Besuch entfällt." in text
    assert "neuen Termin" not in text and "nicht einhalten" not in text
    assert _announced_day(text) == route.day
    with Store.open(db) as store:
        with store.session() as s:
            rows = {v.client_id: v.status for v in s.query(CaseVisitRow).filter(
                CaseVisitRow.client_id.in_([closed, unclear, fine]))}
        audit = {r["client_id"]: r["details"] for r in store.audit_rows(action=AUDIT_CORRECTION)}
    assert rows == {closed: "entfallen", unclear: "entfallen", fine: "geplant"}
    assert audit[closed]["fallstatus"] == "abgeschlossen" and set(audit) == {closed, unclear}
    res = _letters(pid, db, tmp_path / "k2", "--correction")
    assert res.exit_code == 0 and "Keine Korrekturbriefe nötig" in res.output

    # the pages written from the store say the visit is off (route, sheet, worker's page)
    with Store.open(db) as store:
        stops = {st.client_id: st for r in store.load_plan(pid).routes for st in r.stops}
    # called off on the letter's day: today as the project counts it (HAUSBESUCH_HEUTE in
    # an exercise), not the real clock's (QA 24 F6: "ENTFÄLLT seit 04.12.2026" under a
    # letter dated 23.03.2027)
    assert stops[closed].window_text == f"ENTFÄLLT seit {format_day(BEFORE)}", \
        stops[closed].window_text
    assert stops[closed].called_off_since == BEFORE
    assert "nicht hingehen" not in stops[closed].window_text  # the pages say it, once
    assert stops[fine].window_text.startswith("angekündigt: ")
    assert stops[closed].called_off and not stops[fine].called_off
    # the worker's day page: the called-off stop says so and has no outcome form
    from fastapi.testclient import TestClient

    from hausbesuch.web.app import create_app
    from hausbesuch.web.links import link_path
    from tests.web_fixtures import lasting_link

    web = create_app(db, cities=["bad-hersfeld"], run_jobs=False)
    with TestClient(web) as c:
        token, _ = lasting_link(web.state.web.store, pid, route.team_id, route.day, actor="t")
        links_open(None, route.day)  # it opens now (QA 28 F4)
        page = c.get(link_path(token))
    assert page.status_code == 200
    # (a called-off stop's id holds its position: the Kundennummer's is the live stop's)
    assert f'id="stopp-{closed}"' not in page.text
    item = page.text.split(f'data-kunde="{closed}"', 1)[1].split("</li>", 1)[0]
    assert "Besuch entfällt – nicht hingehen." in item and "outcome-form" not in item
    other = page.text.split(f'id="stopp-{fine}"', 1)[1].split("</li>", 1)[0]
    assert "outcome-form" in other
    # a re-plan from after the called-off visit's time does not keep it (before: kept as a
    # visit of the past, so "geplant" again, unaudited); the case is listed with its status
    moment = max(stops[closed].end, stops[unclear].end).replace(second=0, microsecond=0)
    res = CliRunner(env={clock.ENV: route.day.isoformat()}).invoke(app, [
        "replan", pid, "--from", f"{moment:%Y-%m-%d %H:%M}", "--db", db, "--out",
        str(tmp_path / "neu"), "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
        with store.session() as s:
            rows = {v.client_id: v.status for v in s.query(CaseVisitRow).filter(
                CaseVisitRow.client_id.in_([closed, unclear]))}
    assert new.id != pid and rows == {closed: "entfallen", unclear: "entfallen"}
    assert not {closed, unclear} & {st.client_id for r in new.routes for st in r.stops}
    listed = {u.client_id: u.code for u in new.unassigned}
    assert listed[closed] == "status_abgeschlossen" and listed[unclear] == "status_in_klaerung"


def test_no_cancellation_for_a_visit_that_has_begun(planned_week, db, tmp_path, monkeypatch):
    """A case closed on the visit's day after the visit's planned start (the team may have
    been at the door): the correction run writes no cancellation for it and says why, and
    the visit stays planned, so its outcome can still be recorded (review 12b #4)."""
    from zoneinfo import ZoneInfo

    from hausbesuch.store import CaseVisitRow, Store
    from tests.fake_clock import server_clock

    pid = planned_week.plan_id
    route = planned_week.result.plan.routes[0]
    first = route.stops[0]
    assert _letters(pid, db, tmp_path / "briefe", "--clients", first.client_id).exit_code == 0
    _set_status(db, {first.client_id: "erreicht"})
    later = (first.start + timedelta(minutes=30)).replace(tzinfo=ZoneInfo("Europe/Berlin"))
    with server_clock(monkeypatch, later):
        res = CliRunner().invoke(app, ["letters", pid, "--db", db, "--out",
                                       str(tmp_path / "korrektur"), "--correction"])
    assert res.exit_code == 0, res.output
    assert (f"Besuch am {format_moment(first.start)} hat schon begonnen: keine Absage mehr; "
            "bitte das Ergebnis erfassen") in " ".join(res.output.split())
    assert not list((tmp_path / "korrektur").glob("korrektur_*.pdf"))
    with Store.open(db) as store, store.session() as s:
        v = s.query(CaseVisitRow).filter(CaseVisitRow.client_id == first.client_id).one()
    assert v.status == "geplant"


def test_a_client_with_two_withdrawn_promises_gets_two_dated_corrections() -> None:
    """Two corrections for one client in one run (its visit moved twice) are two files
    named with the visit's day, not one file that stopped the whole run."""
    from hausbesuch.letters import Announcement, letter_file, twice_in

    w = (datetime(2026, 12, 8, 8), datetime(2026, 12, 8, 10))
    a = Announcement("K-1", "team-1", date(2026, 12, 8), w[0], w, announced_on=date(2026, 12, 1))
    b = Announcement("K-1", "team-1", date(2026, 12, 9), w[0], w, announced_on=date(2026, 12, 2))
    c = Announcement("K-2", "team-1", date(2026, 12, 8), w[0], w, announced_on=date(2026, 12, 1))
    twice = twice_in([a, b, c])
    assert twice == {"K-1"}
    assert [letter_file("korrektur", x, twice) for x in (a, b, c)] == [
        "korrektur_K-1_2026-12-08.pdf", "korrektur_K-1_2026-12-09.pdf", "korrektur_K-2.pdf"]


def test_a_correction_folder_is_never_written_over(tmp_path) -> None:
    """A correction run into a folder holding an earlier correction is refused even when it
    would write a file of the same name (the same client's promise broken again: the first,
    perhaps unprinted, letter would be lost; review 12b #1)."""
    from hausbesuch.letters import LetterError, check_replace

    with pytest.raises(LetterError, match="enthält Korrekturbriefe eines früheren Laufs"):
        check_replace(tmp_path, ["korrektur_K-1.pdf"], kind="korrektur",
                      letters=["korrektur_K-1.pdf"], selection=False)
    check_replace(tmp_path, ["brief_K-1.pdf"], kind="brief", letters=["brief_K-1.pdf"],
                  selection=False)  # announcements: a new run replaces the old one


def test_a_replan_does_not_book_twice_a_client_another_plan_holds(planned_week, db, tmp_path):
    """A case closed, its visit called off by a cancellation, opened again and planned by
    the next week's plan: a re-plan of this week does not give it a second visit; it is
    listed as planned in that other plan (review 12b #3)."""
    from hausbesuch.store import CaseVisitRow, Store

    pid = planned_week.plan_id
    route = planned_week.result.plan.routes[0]
    cid = route.stops[-1].client_id
    assert _letters(pid, db, tmp_path / "briefe", "--clients", cid).exit_code == 0
    _set_status(db, {cid: "abgeschlossen"})
    assert _letters(pid, db, tmp_path / "korrektur", "--correction").exit_code == 0
    _set_status(db, {cid: "offen"})
    start = planned_week.result.plan.start
    run = CliRunner(env={clock.ENV: BEFORE.isoformat()})
    res = run.invoke(app, ["plan", "--city", "bad-hersfeld", "--db", db, "--start",
                           (start + timedelta(days=7)).isoformat(),
                           "--days", "5", "--out", str(tmp_path / "naechste"),
                           "--time-limit", "2", "--threads", "1"])
    assert res.exit_code == 0, res.output
    with Store.open(db) as store, store.session() as s:
        ahead = s.query(CaseVisitRow).filter(CaseVisitRow.client_id == cid,
                                             CaseVisitRow.status == "geplant").one()
    assert ahead.plan_id != pid
    res = run.invoke(app, ["replan", pid, "--city", "bad-hersfeld", "--from",
                           f"{start.isoformat()} 06:00", "--db", db, "--out",
                           str(tmp_path / "neu"), "--time-limit", "2"])
    assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        new = next(store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")
                   if store.plan_version(p.id)[1] == pid)
        with store.session() as s:
            planned = s.query(CaseVisitRow).filter(CaseVisitRow.client_id == cid,
                                                   CaseVisitRow.status == "geplant").all()
    assert [v.visit_id for v in planned] == [ahead.visit_id]
    assert cid not in {st.client_id for r in new.routes for st in r.stops}
    listed = {u.client_id: u for u in new.unassigned}[cid]
    assert listed.code == "already_planned"
    # (the day with its weekday, as the pages write days: QA 31b)
    from hausbesuch.fields import format_day

    assert listed.reason == (f"Bereits in Plan {ahead.plan_id} am {format_day(ahead.day)} "
                             "eingeplant (zum Ändern: jenen Plan neu planen)."), listed.reason


def test_letters_without_city_use_the_profile_the_plan_was_made_with(planned_week, db, tmp_path):
    """QA 13a #1: a profile file of the Jobcenter's own with the city name of a shipped
    one: `letters PLAN` without --city took the shipped profile (its sample sender and
    phone number on real letters). The plan stores the profile it was made with, and
    letters, show and replan load that one, or refuse when it is gone."""
    import json

    from sqlalchemy import update

    from hausbesuch.config import PROFILE_DIR, load_profile, profile_ref
    from hausbesuch.store import PlanRow, Store

    pid = planned_week.plan_id
    with Store.open(db) as store:
        assert store.plan_profile(pid) == "bad-hersfeld"  # a shipped one: its short name
    own = tmp_path / "jc" / "mein-profil.toml"
    own.parent.mkdir()
    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    assert 'telefon = "06621 99999-0 (Beispielnummer)"' in text
    own.write_text(text.replace('telefon = "06621 99999-0 (Beispielnummer)"',
                                'telefon = "06621 4711-0"'), encoding="utf-8")
    ref = profile_ref(load_profile(own))
    assert Path(ref).is_absolute() and Path(ref) == own.resolve()
    with Store.open(db) as store, store.session() as s:
        params = json.loads(s.get(PlanRow, pid).params)
        s.execute(update(PlanRow).where(PlanRow.id == pid).values(
            params=json.dumps(dict(params, profile=ref))))
        s.commit()
    cid = planned_week.result.plan.routes[0].stops[0].client_id
    res = _letters(pid, db, tmp_path / "briefe", "--clients", cid)
    assert res.exit_code == 0, res.output
    text = _text(tmp_path / "briefe" / f"brief_{cid}.pdf")
    assert "06621 4711-0" in text and "Beispielnummer" not in text

    own.unlink()  # moved away: refused, naming the file, never the shipped profile instead
    res = _letters(pid, db, tmp_path / "briefe2", "--clients", cid)
    assert res.exit_code == 2
    out = " ".join(res.output.split())
    assert f"Der Plan wurde mit dem Profil {ref} gemacht" in out and "--city" in out
    assert not (tmp_path / "briefe2").exists()
    # --city names the profile to use all the same
    res = _letters(pid, db, tmp_path / "briefe3", "--clients", cid, "--city", "bad-hersfeld")
    assert res.exit_code == 0, res.output


def _return_line_rows(pdf: bytes) -> dict[int, str]:
    """The text of the return-address zone (x 20–105 mm, y 45–62.7 mm), by line (y in
    tenths of a millimetre)."""
    import io

    page = PdfReader(io.BytesIO(pdf)).pages[0]
    height = float(page.mediabox.height)
    rows: dict[int, str] = {}

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) / MM
            y = (height - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5])) / MM
            if 20 <= x <= 105 and 45 <= y < 62.7:
                key = round(y * 10)
                rows[key] = (rows.get(key, "") + " " + text.strip()).strip()

    page.extract_text(visitor_text=visit)
    return rows


def test_a_long_return_line_stays_on_one_line(planned_week):
    """QA 13a #10: "Jobcenter Nürnberger Land · Nürnberger Straße 37 · 91207 Lauf a.d.
    Pegnitz" took two lines above the recipient; DIN 5008 wants the return address on one:
    it is set smaller until it fits."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import letter_content, render_pdf

    base = load_profile("lauf")
    profile = base.model_copy(update={"brief": base.brief.model_copy(update={
        "absender": "Jobcenter Nürnberger Land",
        "anschrift": ["Nürnberger Straße 37", "91207 Lauf a.d. Pegnitz"],
        "telefon": "09123 1"})})
    a = announcements(planned_week.result.plan)[0]
    letter = letter_content(profile, a, name="Anna Beispiel",
                            address=["Am Markt 1", "91207 Lauf"], letter_date=BEFORE)
    rows = _return_line_rows(render_pdf(profile, [letter], title="t"))
    assert len(rows) == 1, rows
    (line,) = rows.values()
    assert "Jobcenter Nürnberger Land" in line and "91207 Lauf a.d. Pegnitz" in line, line


def _address_rows(path: Path) -> list[str]:
    """The lines of the recipient as printed (x 20-105 mm, y 62.7-90 mm), top to bottom:
    the text pieces of one baseline joined."""
    page = PdfReader(path).pages[0]
    height = float(page.mediabox.height)
    rows: dict[int, list[tuple[float, str]]] = {}

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) / MM
            y = (height - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5])) / MM
            if 20 <= x <= 105 and 62.7 < y < 90:
                rows.setdefault(round(y * 2), []).append((x, text.strip()))

    page.extract_text(visitor_text=visit)
    return [" ".join(t for _, t in sorted(rows[y])) for y in sorted(rows)]


def test_every_address_line_stays_whole_in_the_window(planned_week, tmp_path):
    """QA 24 F1: at 11 pt the address field wrapped "Klausstraße 34, Seitenflügel, Whg.
    12, 2. OG" / "rechts", so the line above "PLZ Ort" was a fragment, and a name broke as
    "Müller-" / "Lüdenscheidt". The recipient is set in the largest size at which every
    line stays whole (read back from the PDF line by line); a line too long even at 8 pt
    is printed wrapped, and the letter is named for a check before sending."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import write_letters
    from hausbesuch.plandata import Client

    plan = planned_week.result.plan
    care, long_name, too_long = [s.client_id for r in plan.routes for s in r.stops][:3]
    town = dict(postcode="36251", town="Bad Hersfeld")
    made = {
        care: Client(row=2, id=care, name="Sommer, Lea", street="Klausstraße",
                     housenumber="34", address="c/o Pflegeheim Sonnenschein Abteilung "
                     "Betreutes Wohnen Haus B, Klausstraße 34, Seitenflügel, Whg. 12, 2. OG "
                     "rechts, 36251 Bad Hersfeld", **town),
        long_name: Client(row=3, id=long_name, name="Müller-Lüdenscheidt, Hans-Joachim "
                          "Maximilian Friedrich", street="Breitenstraße", housenumber="23",
                          address="Breitenstraße 23, 36251 Bad Hersfeld", **town),
        too_long: Client(row=4, id=too_long, name="Dr. Maximilian Alexander Freiherr von "
                         "Übermannsdorf-Hohenlohe-Schillingsfürst", street="Breitenstraße",
                         housenumber="23", address="Breitenstraße 23, 36251 Bad Hersfeld",
                         **town),
    }
    # written as given (no geocoder's match): the lines are those of the test
    plan = replace(plan, clients=[made.get(x.id, x) for x in plan.clients],
                   geocodes=[g for g in plan.geocodes if g.client_id not in made])
    items = [a for a in announcements(plan) if a.client_id in made]
    run = write_letters(plan, items, load_profile("bad-hersfeld"), tmp_path, master=made)
    assert _address_rows(run.letters[care]) == [
        "Lea Sommer", "c/o Pflegeheim Sonnenschein Abteilung Betreutes Wohnen Haus B",
        "Klausstraße 34, Seitenflügel, Whg. 12, 2. OG rechts", "36251 Bad Hersfeld"]
    assert _address_rows(run.letters[long_name]) == [
        "Hans-Joachim Maximilian Friedrich Müller-Lüdenscheidt", "Breitenstraße 23",
        "36251 Bad Hersfeld"]
    # too long for one line even in 8 pt: printed (wrapped), named for a check
    rows = _address_rows(run.letters[too_long])
    assert rows[-2:] == ["Breitenstraße 23", "36251 Bad Hersfeld"] and len(rows) == 4, rows
    notes = dict(run.notes)
    assert set(notes) == {too_long}, run.notes
    assert notes[too_long] == (
        "Anschrift vor dem Versand prüfen: der Name ist auch in 8 pt breiter als das "
        "Sichtfenster und wird umbrochen gedruckt: bitte in der Kundenliste kürzen")
    assert "Übermannsdorf" not in notes[too_long]  # no name on the terminal


@pytest.mark.parametrize(
    ("wrapped", "what"),
    [((0,), "der Name ist"), ((2,), "eine Zeile der Anschrift ist"),
     ((0, 2), "Name und Anschrift sind"),
     # review 24 #8: two address lines were "eine Zeile der Anschrift ist"
     ((1, 2), "Zeilen der Anschrift sind"), ((1, 2, 3), "Zeilen der Anschrift sind")],
)
def test_the_wrap_note_counts_the_lines(wrapped, what):
    from hausbesuch.letters import RecipientFit, _wrap_words

    verb = "wird" if len(wrapped) == 1 else "werden"
    assert _wrap_words(RecipientFit(8.0, wrapped)) == (
        f"{what} auch in 8 pt breiter als das Sichtfenster und {verb} umbrochen gedruckt: "
        "bitte in der Kundenliste kürzen")


def test_two_address_lines_too_long_are_named_in_the_plural(planned_week, tmp_path):
    """Review 24 #8: a letter whose two address lines (not the name) wrap even in 8 pt was
    noted "eine Zeile der Anschrift ist …"; written through the template and read back."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import write_letters
    from hausbesuch.plandata import Client

    plan = planned_week.result.plan
    cid = plan.routes[0].stops[0].client_id
    made = {cid: Client(
        row=2, id=cid, name="Sommer, Lea", street="Klausstraße", housenumber="34",
        address="c/o Pflegeheim Sonnenschein Abteilung Betreutes Wohnen und Kurzzeitpflege "
        "Haus B Eingang Nord, Klausstraße 34, Seitenflügel, Hinterhaus, Whg. 12, 2. OG rechts "
        "hinten, Eingang Innenhof, 36251 Bad Hersfeld",
        postcode="36251", town="Bad Hersfeld")}
    plan = replace(plan, clients=[made.get(x.id, x) for x in plan.clients],
                   geocodes=[g for g in plan.geocodes if g.client_id not in made])
    items = [a for a in announcements(plan) if a.client_id in made]
    run = write_letters(plan, items, load_profile("bad-hersfeld"), tmp_path, master=made)
    assert dict(run.notes) == {cid: (
        "Anschrift vor dem Versand prüfen: Zeilen der Anschrift sind auch in 8 pt breiter "
        "als das Sichtfenster und werden umbrochen gedruckt: bitte in der Kundenliste "
        "kürzen")}


def _profile_with_sender(tmp_path: Path, name: str, brief: str) -> Path:
    """The Bad Hersfeld profile as a file of its own, with ``brief`` as its sender lines."""
    from tests.conftest import BAD_HERSFELD_PBF

    text = (Path(__file__).resolve().parents[1] / "hausbesuch" / "profiles"
            / "bad-hersfeld.toml").read_text(encoding="utf-8")
    text = re.sub(r'(?m)^file = "osm/[^"]*"', f'file = "{BAD_HERSFELD_PBF}"', text)
    text = re.sub(r'(?m)^absender = .*\n(?:abteilung = .*\n)?anschrift = .*\n', brief, text)
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _letterhead_rows(path: Path) -> list[str]:
    """The text lines of the letterhead (x >= 125 mm, y 20-45 mm), top to bottom."""
    page = PdfReader(path).pages[0]
    height = float(page.mediabox.height)
    rows: dict[int, list[tuple[float, str]]] = {}

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            x = (tm[4] * cm[0] + tm[5] * cm[2] + cm[4]) / MM
            y = (height - (tm[4] * cm[1] + tm[5] * cm[3] + cm[5])) / MM
            if x >= 124 and 20 <= y <= 45:
                rows.setdefault(round(y * 2), []).append((x, text.strip()))

    page.extract_text(visitor_text=visit)
    return [" ".join(t for _, t in sorted(rows[y])) for y in sorted(rows)]


def test_a_sender_too_long_is_refused_not_clipped(planned_week, db, tmp_path):
    """QA 24 F2: a two-line absender, an abteilung and a three-line anschrift took six lines
    of the letterhead's 22 mm; the last, "36251 Bad Hersfeld", was clipped without a word,
    and the return address wrapped at 6 pt. Now the letterhead is set smaller (down to
    8 pt) until it fits, and a return address that fits no size is refused in German,
    naming ``ruecksendeangabe`` (exit code 2, no letter, nothing recorded); with one the
    letter is written, its letterhead whole and the return address on one line."""
    pid = planned_week.plan_id
    cid = planned_week.result.plan.routes[0].stops[0].client_id
    sender = ('absender = "Kommunales Jobcenter Landkreis Hersfeld-Rotenburg"\n'
              'abteilung = "Aufsuchende Beratung"\n'
              'anschrift = ["Rathaus, Zimmer 12", "Am Markt 16", "36251 Bad Hersfeld"]\n')
    long = _profile_with_sender(tmp_path, "lang", sender)
    res = _letters(pid, db, tmp_path / "briefe", "--clients", cid, "--city", str(long))
    assert res.exit_code == 2, res.output
    said = " ".join(res.output.split())
    assert "passt auch in 6 pt nicht auf eine Zeile" in said, said
    assert "ruecksendeangabe" in said and "Profil lang" in said
    assert not (tmp_path / "briefe").exists() and not _announced(db)

    short = _profile_with_sender(tmp_path, "kurz", sender + (
        'ruecksendeangabe = "Jobcenter Hersfeld-Rotenburg · Am Markt 16 · 36251 Bad '
        'Hersfeld"\n'))
    res = _letters(pid, db, tmp_path / "briefe", "--clients", cid, "--city", str(short))
    assert res.exit_code == 0, res.output
    pdf = tmp_path / "briefe" / f"brief_{cid}.pdf"
    assert _letterhead_rows(pdf) == [
        "Kommunales Jobcenter Landkreis Hersfeld-Rotenburg", "Aufsuchende Beratung",
        "Rathaus, Zimmer 12", "Am Markt 16", "36251 Bad Hersfeld"]
    assert list(_return_line_rows(pdf.read_bytes()).values()) == [
        "Jobcenter Hersfeld-Rotenburg · Am Markt 16 · 36251 Bad Hersfeld"]


def test_a_letterhead_that_fits_in_no_size_is_refused(planned_week):
    """A sender of more lines than the letterhead holds even in 8 pt is refused, naming
    the settings, instead of printing a letterhead without postcode and town."""
    from hausbesuch.config import load_profile
    from hausbesuch.letters import LetterError, letter_content, render_pdf

    base = load_profile("bad-hersfeld")
    profile = base.model_copy(update={"brief": base.brief.model_copy(update={
        "anschrift": ["Rathaus", "Eingang B", "Zimmer 12", "Am Markt 16", "Postfach 12 34",
                      "36251 Bad Hersfeld"],
        "ruecksendeangabe": "Jobcenter · Am Markt 16 · 36251 Bad Hersfeld"})})
    a = announcements(planned_week.result.plan)[0]
    letter = letter_content(profile, a, name="Anna Beispiel",
                            address=["Am Markt 1", "36251 Bad Hersfeld"], letter_date=BEFORE)
    with pytest.raises(LetterError) as err:  # before: printed without its last lines
        render_pdf(profile, [letter], title="t")
    said = str(err.value)
    assert said.startswith("Profil bad-hersfeld: der Absender im Briefkopf (absender, "
                           "abteilung und anschrift in [brief], 8 Zeilen) passt auch in 8 pt "
                           "nicht"), said


# --------------------------------------------------------------------------- moved since the plan


def _list_addresses(osm: Path, near: tuple[float, float] | None = None
                    ) -> tuple[list[tuple[str, str, str, str]], list]:
    """The real addresses of the planned week's list, by row (as
    :func:`tests.planning_fixtures.write_client_list` drew them), and those of the extract
    (with ``near``: the 50 closest to that point, closest first)."""
    import random

    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    index = load_index(osm)
    drawn = random.Random(11).sample(real_addresses(index), 200)
    return drawn, real_addresses(index, near=near, at_least=50) if near else \
        real_addresses(index)


def _rows(path: Path) -> list[list[str]]:
    import csv

    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh, delimiter=";"))


def _write_rows(path: Path, rows: list[list[str]]) -> None:
    import csv

    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh, delimiter=";").writerows(rows)


def _new_version(url: str, pid: str) -> str:
    from hausbesuch.store import Store

    with Store.open(url) as store:
        return next(p.id for p in store.list_plans("Bad Hersfeld")
                    if store.plan_version(p.id)[1] == pid)


def test_no_letter_to_the_former_address(planned_week, db, tmp_path, bad_hersfeld_pbf):
    """QA 16a #2: a list imported after the plan with a new address for a client: the
    plan's letter would go to the former address (the plan's snapshot). The run refuses
    that letter, naming the case and the re-plan (no name, no address on the terminal),
    and writes the others; the re-plan's letter goes to the new address."""
    from hausbesuch.letters import moved_since

    plan = planned_week.result.plan
    pid = plan_id = planned_week.plan_id
    stops = {s.client_id: r for r in plan.routes for s in r.stops}
    # the client longest without contact (the most urgent: the full week's re-plan takes
    # it first) moves to a house nearby (another street)
    since = {c.id: c.kontakt_abbruch_seit or date.max for c in plan.clients}
    route = min(plan.routes, key=lambda r: min(since[s.client_id] for s in r.stops))
    first = min(route.stops, key=lambda s: since[s.client_id])
    moved = first.client_id
    drawn, every = _list_addresses(bad_hersfeld_pbf, near=(first.lon, first.lat))
    rows = _rows(planned_week.clients_csv)
    row = next(r for r in rows if r[0] == moved)
    old = drawn[int(moved[1:])]
    street, hn, pc, town = next(a for a in every if a not in drawn and a[0] != old[0]
                                and a[2] and a[3])
    row[2:6] = [street, hn, pc, town]
    # and its visit fixed to its team-day (the list's Team and Datum): the re-plan of the
    # full week, in its few seconds, surely visits the new address
    for r in rows:
        r += ["Team", "Datum"] if r is rows[0] else \
            [route.team_id, f"{route.day:%d.%m.%Y}"] if r is row else ["", ""]
    new_list = tmp_path / "kunden_neu.csv"
    _write_rows(new_list, rows)
    run = CliRunner(env={clock.ENV: BEFORE.isoformat()})
    res = run.invoke(app, ["import", str(new_list), "--city", "bad-hersfeld", "--db", db])
    assert res.exit_code == 0, res.output
    assert f"{moved}: Adresse geändert, aber am" in res.output  # the import's own hint
    assert ", 1 aktualisiert," in res.output

    # the letters of its team-day (a run for the whole full week would bind every visit
    # to its window, leaving the re-plan no room for the moved client's new visit)
    day = [s.client_id for s in route.stops]
    out = tmp_path / "briefe"
    res = _letters(pid, db, out, "--clients", ",".join(day))
    assert res.exit_code == 0, res.output
    assert (f"Kein Brief für {moved}: die Adresse hat sich seit dem Plan geändert "
            "(Kundenliste oder Adresskorrektur), der Brief ginge an die frühere Adresse: "
            f"bitte erst neu planen (hausbesuch replan {plan_id} --from …), dann die Briefe "
            "der neuen Version schreiben") in res.output
    assert res.output.count("Kein Brief") == 1  # every other client is where it was
    assert street not in res.output and old[0] not in res.output
    assert not any(n in res.output for n in planned_week.names)
    assert {p.name for p in out.glob("brief_*.pdf")} == {
        f"brief_{cid}.pdf" for cid in day if cid != moved}
    assert set(_announced(db)) == set(day) - {moved}  # nothing recorded for it
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    with Store.open(db) as store:
        assert moved_since(store, plan, load_profile("bad-hersfeld"), stops,
                           actor="test") == {moved}

    # re-planned: the new version visits the new address, and its letter goes there
    res = run.invoke(app, ["replan", pid, "--city", "bad-hersfeld", "--from",
                           f"{plan.start.isoformat()} 06:00", "--db", db, "--out",
                           str(tmp_path / "neu"), "--time-limit", "3"])
    assert res.exit_code == 0, res.output
    new = _new_version(db, pid)
    res = _letters(new, db, tmp_path / "briefe_neu", "--clients", moved)
    assert res.exit_code == 0, res.output
    assert "Kein Brief" not in res.output
    lines = _address_lines(tmp_path / "briefe_neu" / f"brief_{moved}.pdf")
    assert lines[1:] == [f"{street} {hn}", f"{pc} {town}"], lines


def test_an_address_fix_to_the_same_house_is_no_move(planned_week, db, tmp_path,
                                                     bad_hersfeld_pbf):
    """An address fix after the plan: one that names the same house (the OSM spelling of
    an address typed "…str.") leaves the letter as it was; one to another house refuses
    it like a new address in the list; a client without a change gets its letter."""
    plan = planned_week.result.plan
    pid = planned_week.plan_id
    drawn, every = _list_addresses(bad_hersfeld_pbf)
    exact = {g.client_id for g in plan.geocodes if g.quality == "exact"}
    typed = {r[0]: r[2] for r in _rows(planned_week.clients_csv)[1:]}
    ids = [s.client_id for r in plan.routes for s in r.stops if s.client_id in exact]
    # typed otherwise than OSM spells it: the fix's text differs from the list's
    same = next(c for c in ids if typed[c] != drawn[int(c[1:])][0])
    other, fine = [c for c in ids if c != same and typed[c] == drawn[int(c[1:])][0]][:2]
    street, hn, pc, town = drawn[int(same[1:])]
    a2 = next(a for a in every if a not in drawn and a[2] and a[3])
    run = CliRunner(env={clock.ENV: BEFORE.isoformat()})
    for cid, (st, h, p, t) in ((same, (street, hn, pc, town)), (other, a2)):
        res = run.invoke(app, ["address", cid, "--set-address", f"{st} {h}, {p} {t}",
                               "--city", "bad-hersfeld", "--db", db])
        assert res.exit_code == 0, res.output
    out = tmp_path / "briefe"
    res = _letters(pid, db, out, "--clients", f"{same},{other},{fine}")
    assert res.exit_code == 0, res.output
    assert f"Kein Brief für {other}: die Adresse hat sich seit dem Plan geändert" \
        in res.output
    assert res.output.count("Kein Brief") == 1, res.output
    assert {p.name for p in out.glob("brief_*.pdf")} == {f"brief_{same}.pdf",
                                                         f"brief_{fine}.pdf"}
    assert _address_lines(out / f"brief_{same}.pdf")[1] == f"{street} {hn}"


def test_a_correction_does_not_call_off_a_visit_done_meanwhile(tmp_path):
    """Review 18 #5: the letters run set each corrected visit „entfallen“ without looking;
    an outcome recorded for it in the meantime (the visit „erledigt“) was overwritten."""
    from types import SimpleNamespace

    from hausbesuch import letters as letters_mod
    from hausbesuch.letters import Announcement, record_corrections
    from hausbesuch.store import CaseVisitRow, Store

    day, now = date(2026, 12, 8), datetime(2026, 12, 3, 9, 0)
    start = datetime(2026, 12, 8, 9, 0)
    with Store.open(tmp_path / "s.sqlite") as store:
        with store.session() as s:
            for vid, status in (("V-done", "erledigt"), ("V-open", "geplant")):
                s.add(CaseVisitRow(visit_id=vid, city="Bad Hersfeld", client_id=vid[2:],
                                   try_no=1, plan_id=None, team_id="t", day=day,
                                   start_at=start, end_at=start, status=status,
                                   created_at=now, updated_at=now))
        plan = SimpleNamespace(id="p-1", city="Bad Hersfeld")
        items = [Announcement(vid[2:], "t", day, start, (start, start), visit_id=vid,
                              announced_on=date(2026, 12, 1)) for vid in ("V-done", "V-open")]
        # the letter for the visit done meanwhile is written already: the whole run is
        # refused (the caller discards its folder), nothing is called off or audited
        with pytest.raises(letters_mod.LetterError, match=r"für done ein Ergebnis erfasst: bitte die Korrekturbriefe noch einmal"), \
                store.session() as s:
            record_corrections(store, s, plan, items, actor="test", now=now)
        with store.session() as s:
            assert s.get(CaseVisitRow, "V-done").status == "erledigt"
            assert s.get(CaseVisitRow, "V-open").status == "geplant"
        assert store.audit_rows(action=letters_mod.AUDIT_CORRECTION) == []
        with store.session() as s:  # without it, the other one is called off
            record_corrections(store, s, plan, items[1:], actor="test", now=now)
        with store.session() as s:
            assert s.get(CaseVisitRow, "V-open").status == "entfallen"


def test_a_one_cell_address_placed_by_hand_gets_its_letter(tmp_path, bad_hersfeld_pbf):
    """QA: a list with the whole address in one cell (no PLZ/Ort columns), the address not
    in the map data and placed by hand (``address --set-point``), is planned; its letter
    was refused as „Anschrift ohne Postleitzahl und Ort“ when the cell had no comma
    before the postcode, the town first or a country after it. Now the letter takes
    postcode and town from the cell; only a cell without them is refused, naming what it
    lacks."""
    ok = ClockedCli(BEFORE).ok
    db = city_db(str(tmp_path / "s.sqlite"))
    (tmp_path / "k.csv").write_text(
        "Kundennummer;Name;Adresse;Kontaktabbruch seit\n"
        "B-1;Anna Weiß;Nirgendwoweg 5 36251 Bad Hersfeld;01.03.2025\n"
        "B-2;Ben Meier;Nirgendwoweg 7, 36251 Bad Hersfeld, Deutschland;01.03.2025\n"
        "B-3;Cem Şahin;36251 Bad Hersfeld, Nirgendwoweg 9;01.03.2025\n"
        "B-4;Dora Roth;Nirgendwoweg 11, Bad Hersfeld;01.03.2025\n", encoding="utf-8")
    ok("import", str(tmp_path / "k.csv"), *db)
    for cid in ("B-1", "B-2", "B-3", "B-4"):
        assert "Punkt von Hand gesetzt" in ok("address", cid, "--set-point", "50.8702,9.7089",
                                               *db)
    out = ok("plan", *db, "--start", MONDAY.isoformat(), "--days", "1", "--out",
             str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    assert "4 geplant" in out, out
    plan_id = re.search(r"Plan (\S+):", out)[1]
    out = ok("letters", plan_id, "--db", str(tmp_path / "s.sqlite"), "--out",
             str(tmp_path / "briefe"))
    assert "Kein Brief für B-4: Anschrift ohne Postleitzahl: bitte die Adresse ergänzen" \
        in out, out
    assert "Kein Brief für B-1" not in out and "Kein Brief für B-2" not in out \
        and "Kein Brief für B-3" not in out, out
    for cid, street in (("B-1", "Nirgendwoweg 5"), ("B-2", "Nirgendwoweg 7"),
                        ("B-3", "Nirgendwoweg 9")):
        text = _text(tmp_path / "briefe" / f"brief_{cid}.pdf")
        assert f"{street} 36251 Bad Hersfeld" in text and "Deutschland" not in text, text


@pytest.mark.slow
def test_an_announced_visit_of_a_client_whose_appointment_passed_stays_planned(
        tmp_path, bad_hersfeld_pbf):
    """QA 27 F1, through the commands: an appointment agreed for 27.11. 14:00 passed
    without being planned; the next week's plan placed the client freely and a letter
    announced it. A re-plan before the week (nothing changed) dropped the visit („das
    Fenster passt nicht (mehr)“) and `letters --correction` wrote an Absage. Now the visit
    stays in its promised window and there is nothing to correct."""
    from hausbesuch.store import Store

    def cli(today: date):  # noqa: ANN202
        runner = CliRunner(env={clock.ENV: today.isoformat()})

        def ok(*args: str) -> str:
            res = runner.invoke(app, list(args), catch_exceptions=False)
            assert res.exit_code == 0, res.output
            return res.output
        return ok

    url = f"sqlite:///{tmp_path / 's.sqlite'}"
    db = ["--city", "bad-hersfeld", "--db", str(tmp_path / "s.sqlite")]
    run = ["--time-limit", "1", "--threads", "1"]
    (tmp_path / "k.csv").write_text(
        "Kundennummer;Name;Straße;Hausnummer;PLZ;Ort\n"
        "F-01;Anna Beispiel;Breitenstraße;1;36251;Bad Hersfeld\n", encoding="utf-8")
    # planned on the Wednesday before: the letters arrive on Friday, so the visit may be on
    # Monday (planned on Friday, it would prefer the days after Tuesday, and the Friday the
    # appointment is agreed for)
    cli(date(2026, 11, 18))("import", str(tmp_path / "k.csv"), *db)
    cli(date(2026, 11, 18))("plan", *db, "--start", "2026-11-23", "--days", "5", "--out",
                            str(tmp_path / "w1"), *run)
    with Store.open(url) as store:
        first = store.latest_plan("Bad Hersfeld")
    visit = first.routes[0].stops[0]
    (tmp_path / "erg.csv").write_text(
        "Kundennummer;Datum;Uhrzeit;Ergebnis;Termin\n"
        f"F-01;{visit.start:%d.%m.%Y};{visit.start:%H:%M};termin_vereinbart;"
        "27.11.2026 14:00\n", encoding="utf-8")
    cli(date(2026, 11, 27))("outcomes", str(tmp_path / "erg.csv"), *db)
    out = cli(date(2026, 12, 4))("plan", *db, "--start", "2026-12-07", "--days", "5",
                                 "--out", str(tmp_path / "w2"), *run)
    assert "daher frei eingeplant: F-01 (Termin Fr, 27.11.2026)" in out, out
    plan_id = re.search(r"Plan (\S+):", out)[1]
    cli(date(2026, 12, 4))("letters", plan_id, "--db", url, "--out", str(tmp_path / "briefe"))
    out = cli(date(2026, 12, 7))("replan", plan_id, "--db", url, "--from", "2026-12-07 07:00",
                                 "--out", str(tmp_path / "w2b"), *run)
    new_id = re.search(r"^Plan (\S+):", out, re.MULTILINE)[1]
    with Store.open(url) as store:
        plan = store.load_plan(new_id)
    assert not plan.unassigned, plan.unassigned
    stop = next(s for r in plan.routes for s in r.stops if s.client_id == "F-01")
    window = re.match(r"angekündigt: (\d\d:\d\d)–(\d\d:\d\d) Uhr", stop.window_text)
    assert window, stop.window_text
    assert window[1] <= f"{stop.start:%H:%M}" <= window[2], (stop.start, stop.window_text)
    out = cli(date(2026, 12, 7))("letters", new_id, "--db", url, "--out",
                                 str(tmp_path / "korr"), "--correction")
    assert "Keine Korrekturbriefe nötig" in out, out
    assert not list((tmp_path / "korr").glob("korrektur_*.pdf"))
