"""What the team needs at the door, on every view of a really planned day (QA 28).

F6: the client's language (the reason a team with that skill got the client) and the
announcement letter of the list (``Angekündigt ab``) appear on the route page, the print
sheet, the route map's popups and the field worker's page, in the same words („Sprache:
Türkisch“, „Brief vom Fr, 27.11.2026“), and no name appears with them.
F11: the print sheet has a line for the time of the visit, which ``hausbesuch outcomes``
reads from its column „Uhrzeit“.
F13: a visit at an agreed appointment says so in one line („Vereinbarter Termin 10:00 Uhr
(am Mo, 07.12.2026 an der Tür vereinbart)“), not twice, and is a „Folgebesuch“, not a „2.
Versuch“; a visit after a failed try is the „2. Versuch“.
F16: „Navigation starten“ labels its target with the stop's number („Stopp 1“), not the
case id; the phone says which app to set for ``geo:`` links.

Everything through the command line as the QA did it: ``hausbesuch demo`` (its list has
languages no default team speaks and letter dates; its teams speak them), outcomes of the
Monday read by ``hausbesuch outcomes`` and the rest of the week planned by ``hausbesuch
plan``. The phone page is served over real HTTP from that database.
"""

from __future__ import annotations

import csv
import html
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from urllib.parse import unquote

import httpx
import pytest
from typer.testing import CliRunner

from tests.cli_helpers import write_outcomes

MONDAY = date(2026, 12, 7)
CITY = ["--city", "bad-hersfeld"]


@dataclass
class Week:
    base: Path
    db: str
    first: Path  # the Monday's files (demo)
    second: Path  # Wednesday to Friday's files, after the Monday's outcomes
    clients: Path
    names: list[str]
    agreed: str  # the case id that agreed an appointment on Monday
    missed: str  # the case id not met on Monday
    first_plan: object  # the stored plans (hausbesuch.plandata.Plan)
    second_plan: object


def _cli(*args: str, today: date) -> str:
    from hausbesuch import clock
    from hausbesuch.cli import app

    r = CliRunner().invoke(app, list(args), catch_exceptions=False,
                           env={clock.ENV: today.isoformat(), "HAUSBESUCH_USER": "test"})
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path) -> Week:
    from hausbesuch.store import Store

    base = tmp_path_factory.mktemp("tuer")
    db = str(base / "fall.sqlite")
    first, second = base / "montag", base / "rest"
    _cli("demo", *CITY, "--clients", "15", "--start", MONDAY.isoformat(), "--days", "1",
         "--out", str(first), "--db", db, "--time-limit", "5", today=MONDAY)
    clients = first / "eingabe" / "kunden.csv"
    with open(clients, encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    plain = {r["Kundennummer"] for r in rows if not r["Sprache"] and not r["Angekündigt ab"]}
    route = max(plan.routes, key=lambda r: len(r.stops))
    agreed, missed = [s for s in route.stops if s.client_id in plain][:2]
    results = base / "ergebnisse.csv"
    write_outcomes(results, MONDAY, [(agreed, "Termin vereinbart", "10.12.2026 10:00"),
                                     (missed, "nicht angetroffen", "")])
    out = _cli("outcomes", str(results), *CITY, "--db", db, today=MONDAY)
    assert "2 erfasst" in out, out
    _cli("plan", *CITY, "--teams", str(first / "eingabe" / "teams.toml"), "--db", db,
         "--start", "2026-12-09", "--days", "3", "--out", str(second), "--time-limit", "5",
         today=date(2026, 12, 8))
    with Store.open(db) as store:
        later = store.latest_plan("Bad Hersfeld")
    assert later.id != plan.id
    return Week(base, db, first, second, clients, [r["Name"] for r in rows if r["Name"]],
                agreed.client_id, missed.client_id, plan, later)


GEO = re.compile(r'geo:(-?\d+\.\d+),(-?\d+\.\d+)\?q=(-?\d+\.\d+),(-?\d+\.\d+)(?:\(([^)"]*)\))?')
DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")


def _expected(week: Week) -> dict[str, list[str]]:
    """By Kundennummer, the facts each stop must show, read from the list as written (an
    independent reading: the cell as it is, the date with its weekday)."""
    from datetime import datetime

    out: dict[str, list[str]] = {}
    with open(week.clients, encoding="utf-8-sig") as fh:
        for row in csv.DictReader(fh, delimiter=";"):
            facts = []
            if row["Sprache"].strip():
                facts.append(f"Sprache: {row['Sprache'].strip()}")
            if row["Angekündigt ab"].strip():
                d = datetime.strptime(row["Angekündigt ab"].strip(), "%d.%m.%Y").date()
                facts.append(f"Brief vom {DAYS[d.weekday()]}, {d:%d.%m.%Y}")
            out.setdefault(row["Kundennummer"], facts)
    return out


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _facts_in(text: str) -> list[str]:
    return re.findall(r"Sprache: [A-ZÄÖÜ][a-zäöüß]+|Brief vom [A-Z][a-z], \d\d\.\d\d\.\d{4}",
                      text)


def _views(folder: Path, route) -> dict[str, dict[str, str]]:  # noqa: ANN001
    """Per view (route page, sheet, map), the text each live stop of ``route`` shows, by
    case id."""
    page = (folder / "routen" / f"{route.slug}.html").read_text(encoding="utf-8")
    sheet = (folder / "druck" / f"{route.slug}.html").read_text(encoding="utf-8")
    karte = (folder / "karten" / f"{route.slug}.html").read_text(encoding="utf-8")
    rows = re.findall(r'<tr class="stopp">(.*?)</tr>', sheet, re.S)
    popups = re.findall(r'<div class="hb-popup">(.*?)</div>', karte)
    live = [(s, n) for s, n in zip(route.stops, route.numbers, strict=True) if not s.off]
    assert len(rows) == len(live)
    out: dict[str, dict[str, str]] = {"routen": {}, "druck": {}, "karten": {}}
    for (s, nr), row in zip(live, rows, strict=True):
        item = page.split(f'id="stopp-{s.position}"', 1)[1].split("</li>", 1)[0]
        out["routen"][s.client_id] = _text(item)
        # the sheet's row without its outcome boxes (one of them is „Termin vereinbart“)
        assert s.client_id in row
        out["druck"][s.client_id] = _text(re.sub(r'<td class="ergebnis">.*?</td>', "", row,
                                                 flags=re.S))
        # the map's popup of the stop (Folium puts it in a script)
        popup = next(p for p in popups if f"<b>{nr}. {s.client_id}</b>" in p)
        out["karten"][s.client_id] = _text(popup)
    return out


def test_language_and_letter_on_route_page_sheet_and_map(week: Week) -> None:
    expected = _expected(week)
    seen = set()
    for folder, plan in ((week.first, week.first_plan), (week.second, week.second_plan)):
        for route in plan.routes:
            for kind, stops in _views(folder, route).items():
                for cid, text in stops.items():
                    assert _facts_in(text) == expected[cid], (kind, route.slug, cid, text)
                    seen.update(f.split()[0] for f in expected[cid])
            for kind in ("routen", "druck", "karten"):
                text = (folder / kind / f"{route.slug}.html").read_text(encoding="utf-8")
                for name in week.names:
                    assert name not in text, (kind, name)
    assert seen == {"Sprache:", "Brief"}, seen  # both kinds were planned and checked


def test_the_stored_plans_show_each_stop_its_own_facts(week: Week, tmp_path: Path) -> None:
    """``show`` writes the files from the store, every team-day of a plan at once: each
    stop reads back its own client's facts. The store keyed them by the stop's number in
    its route, so the stops numbered alike in different routes all showed the facts of
    one of them (another client's language, letter, tries or appointment)."""
    expected = _expected(week)
    seen = set()
    plan = week.second_plan  # (no outcomes on its days: every stop is shown as planned)
    folder = tmp_path / "gezeigt"
    _cli("show", plan.id, "--out", str(folder), "--db", week.db, today=MONDAY)
    assert len(plan.routes) > 1  # stops of different routes share their numbers
    for route in plan.routes:
        for kind, stops in _views(folder, route).items():
            for cid, text in stops.items():
                assert _facts_in(text) == expected[cid], (kind, route.slug, cid, text)
                seen.update(f.split()[0] for f in expected[cid])
                if cid == week.agreed:
                    seen.add("agreed")
                    assert _agreed_line() in text, (kind, text)
                elif cid == week.missed:
                    seen.add("missed")
                    assert "2. Versuch" in text, (kind, text)
                else:
                    assert "Vereinbarter Termin" not in text, (kind, cid, text)
                    assert "Versuch" not in text and "Folgebesuch" not in text, \
                        (kind, cid, text)
    assert seen == {"Sprache:", "Brief", "agreed", "missed"}, seen


def test_the_sheet_has_a_line_for_the_visit_time_read_as_uhrzeit(week: Week) -> None:
    sheets = sorted((week.first / "druck").glob("*.html"))
    assert sheets
    for sheet in sheets:
        page = sheet.read_text(encoding="utf-8")
        cells = re.findall(r'<td class="ergebnis">(.*?)</td>', page, re.S)
        assert cells
        for cell in cells:
            assert _text(cell).startswith("besucht um Uhr angetroffen"), _text(cell)
            assert '<span class="besucht">besucht um <span class="blank clock"></span> Uhr' \
                in cell
        # where the time goes when the sheet is typed in for ``hausbesuch outcomes``
        assert "„besucht um“ in die Spalte „Uhrzeit“" in _text(page)


def _agreed_line() -> str:
    return f"Vereinbarter Termin 10:00 Uhr (am Mo, {MONDAY:%d.%m.%Y} an der Tür vereinbart)"


def test_an_agreed_appointment_is_one_line_and_a_follow_up_visit(week: Week) -> None:
    found = set()
    for route in week.second_plan.routes:
        for kind, stops in _views(week.second, route).items():
            for cid, text in stops.items():
                if cid == week.agreed:
                    found.add((kind, "agreed"))
                    assert _agreed_line() in text, (kind, text)
                    assert "Termin vereinbart" not in text, (kind, text)
                    assert "Folgebesuch" in text and "Versuch" not in text, (kind, text)
                elif cid == week.missed:
                    found.add((kind, "missed"))
                    assert "2. Versuch" in text and "Folgebesuch" not in text, (kind, text)
                else:
                    assert "Versuch" not in text and "Folgebesuch" not in text, (kind, text)
    assert {k for k, what in found if what == "agreed"} == {"routen", "druck", "karten"}
    assert {k for k, what in found if what == "missed"} == {"routen", "druck", "karten"}


def test_navigation_links_are_labelled_with_the_stop_number(week: Week) -> None:
    for route in week.first_plan.routes:
        live = [(s, n) for s, n in zip(route.stops, route.numbers, strict=True) if not s.off]
        for kind in ("routen", "karten"):
            text = (week.first / kind / f"{route.slug}.html").read_text(encoding="utf-8")
            found = GEO.findall(html.unescape(text))
            assert len(found) == len(live), (kind, route.slug)
            for (lat, lon, _, _, label), (s, n) in zip(found, live, strict=True):
                assert (float(lat), float(lon)) == (round(s.lat, 6), round(s.lon, 6))
                assert unquote(label) == f"Stopp {n}", (kind, label)
            assert not any(s.client_id in g for s, _ in live
                           for g in re.findall(r'geo:[^"\s<]*', text))


def test_the_phone_page_shows_the_same_and_labels_by_stop(week: Week, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    """The stored plans over real HTTP: the phone shows the facts of the files (the plan's
    snapshot of the list and the outcomes, read back by the store), the appointment in one
    line, labels each ``geo:`` link with its stop number and asks for an offline app."""
    from tests.web_fixtures import bare_app, lasting_link, links_open, live_server

    expected = _expected(week)
    app = bare_app(tmp_path, f"sqlite:///{week.db}")
    store = app.state.web.store
    pages = []
    with live_server(app) as server:
        for plan in (week.first_plan, week.second_plan):
            for route in plan.routes:
                links_open(monkeypatch, route.day)  # (a link opens from the day before)
                token, _ = lasting_link(store, plan.id, route.team_id, route.day)
                pages.append((plan, route, httpx.get(f"{server.url}/w/{token}/").text))
    seen = set()
    for plan, route, page in pages:
        for s, nr in zip(route.stops, route.numbers, strict=True):
            item = page.split(f'id="stopp-{s.client_id}"', 1)[1].split("</li>", 1)[0]
            text = _text(item.split('<form', 1)[0])  # without the outcome buttons
            assert _facts_in(text) == expected[s.client_id], (s.client_id, text)
            seen.update(f.split()[0] for f in expected[s.client_id])
            (_, _, _, _, label), = GEO.findall(html.unescape(item))
            assert unquote(label) == f"Stopp {nr}"
            if plan is week.second_plan and s.client_id == week.agreed:
                seen.add("agreed")
                assert _agreed_line() in text and "Termin vereinbart" not in text, text
                assert "Folgebesuch" in text and "Versuch" not in text, text
            if plan is week.second_plan and s.client_id == week.missed:
                seen.add("missed")
                assert "2. Versuch" in text, text
        assert "Navigation öffnet die Karten-App des Telefons; bitte eine Offline-App wie " \
               "OsmAnd oder Organic Maps als Standard einstellen." in _text(page)
        for name in week.names:
            assert name not in page
    assert seen == {"Sprache:", "Brief", "agreed", "missed"}, seen


def test_a_window_naming_the_letter_says_its_day_as_the_facts_and_is_not_repeated() -> None:
    """The window a letter promised names the letter's day with its weekday, in the words
    of the list's letter date at the door („Brief vom Fr, 27.11.2026“; it said „Brief vom
    27.11.2026“ beside it), and that date is then not said again. A window stored in the
    old words (a stop a re-plan kept, with the window its pages showed) is read as naming
    the letter too. A letter of another day is the visit's own and the list's date is not
    said beside it either; a window without a letter leaves the list's."""
    from datetime import datetime

    from hausbesuch.plandata import PlannedStop, announced_text, appointment_text

    letter = date(2026, 11, 27)
    at = datetime(2026, 12, 7, 8, 0)
    window = announced_text(at, at.replace(hour=10), datetime(2026, 11, 27, 9, 30))
    assert window == "angekündigt: 08:00–10:00 Uhr (Brief vom Fr, 27.11.2026)"
    stop = PlannedStop(client_id="K-1", position=1, arrival=at, start=at,
                       end=at.replace(minute=45), lon=9.7, lat=50.87, address="Weg 1",
                       district="", sprache=("Türkisch",), angekuendigt_ab=letter)
    assert stop.facts == ("Sprache: Türkisch", "Brief vom Fr, 27.11.2026")
    for shown in (window, "angekündigt: 08:00–10:00 Uhr (Brief vom 27.11.2026)"):
        assert replace(stop, window_text=shown).facts == ("Sprache: Türkisch",), shown
    # a letter of another day is the visit's own: the list's earlier one is not named
    # beside it (QA 36 #5: „(Brief vom Di, 01.12.2026) … Brief vom Fr, 27.11.2026“)
    other = announced_text(at, at.replace(hour=10), datetime(2026, 12, 1, 9, 0))
    for shown in (other, "angekündigt: 08:00–10:00 Uhr (Brief vom 01.12.2026)"):
        assert replace(stop, window_text=shown).facts == ("Sprache: Türkisch",), shown
    # a window without a letter (the client's own, an appointment) leaves the list's
    for shown in ("Di 10-12", appointment_text(at)):
        assert replace(stop, window_text=shown).facts == (
            "Sprache: Türkisch", "Brief vom Fr, 27.11.2026"), shown
