"""QA 27 (letters and the field view): what the at-home texts say and where.

- F5: the district's figure beside a client's own tries was the client's own record
  („2 Versuche nachmittags ohne Erfolg; im Bezirk 12–14 Uhr 0 % angetroffen (2 Besuche bei
  1 Person)“). It is left out when the other people are fewer than two persons or five
  visits in the band (the city stands in, else nothing). (QA 27 made the figure count the
  other people only; QA 28 F12 made it the district's again, the same for every client of
  a page: see tests/test_athome_qa28.py.)
- F6: no chance on a stop called off or of a visit whose outcome the plan knew (a re-plan
  keeps the visits made: they were rated on their own outcome); „Kontakt“ for a contact
  that was not „angetroffen“; one format on the print sheet too.
- F9: a team a re-plan took out for the rest of a day: its route page and phone say so.

Model texts on hand-made records; the pages on a copy of the real planned Bad Hersfeld
week (tests/planning_fixtures.py), outcomes recorded and re-planned through the command
line.
"""

from __future__ import annotations

import dataclasses
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from hausbesuch.athome import (
    ContactModel,
    ContactRecord,
    VisitChance,
    VisitChances,
    visit_chances,
)
from hausbesuch.maps import MapSettings
from hausbesuch.pages import RouteLinks, print_sheet, route_page
from tests.cli_helpers import ClockedCli
from tests.test_maps import sample_plan

MONDAY = date(2026, 11, 23)


def rec(cid: str, district: str, minute: int, result: str, days: int = 0) -> ContactRecord:
    return ContactRecord(cid, district, MONDAY + timedelta(days=days), minute, result)


def _area(words: list[str]) -> str | None:
    return next((w for w in words if w.startswith(("im Bezirk", "in der Stadt"))), None)


# --------------------------------------------------------------------------- F5


def test_a_district_of_the_client_alone_shows_no_district_figure() -> None:
    """The audit's S-02: district „Hohe Luft“ holds S-02 (two failed tries 12–14 Uhr) and
    S-06 (two failed tries 14–16 Uhr). The district part told S-02's own tries again."""
    recs = [rec("S-02", "Hohe Luft", 12 * 60 + 30, "nicht_angetroffen", d) for d in (0, 7)]
    recs += [rec("S-06", "Hohe Luft", 15 * 60, "nicht_angetroffen", d) for d in (1, 8)]
    model = ContactModel.fit(recs)
    words = model.reasons("S-02", "Hohe Luft", 2, 2)
    assert words[0] == "2 Versuche nachmittags ohne Erfolg"
    assert _area(words) is None, words  # neither the district nor the city: only S-02
    assert not any("Besuche bei 1 Person" in w for w in words), words
    # the chance itself is the model's as before: the client's tries lower it
    assert model.chance("S-02", "Hohe Luft", 2, 2) < 0.5


def test_the_district_figure_is_shown_on_the_other_peoples_visits() -> None:
    """Client C failed four times 8–10 Uhr in a district where six others opened in five
    of six visits: the others are enough for a figure. Since QA 28 F12 it is the
    district's, C's tries counted (at most as two visits), the same as a client without
    tries sees: 62 % of 10 visits at 7 persons (QA 27: the others', 83 % of 6)."""
    recs = [rec("C", "Mitte", 9 * 60, "nicht_angetroffen", d) for d in range(4)]
    recs += [rec(f"N{k}", "Mitte", 9 * 60, "angetroffen" if k < 5 else "nicht_angetroffen", k)
             for k in range(6)]
    model = ContactModel.fit(recs)
    words = model.reasons("C", "Mitte", 0, 0)
    assert words[0] == "4 Versuche vormittags ohne Erfolg"
    assert _area(words) == "im Bezirk Mo–Sa 8–10 Uhr 62 % mit Kontakt (10 Besuche bei 7 " \
        "Personen)", words
    # somebody without tries of their own sees the same, C counted at most twice
    assert _area(model.reasons("NEU", "Mitte", 0, 0)) == _area(words)


def test_thin_district_evidence_gives_way_to_the_city() -> None:
    """Fewer than AREA_MIN_VISITS visits of others (or fewer than AREA_MIN_PEOPLE persons)
    in the district: the city's figure stands in; at the threshold the district's is
    shown (both with the client's own try since QA 28 F12)."""
    from hausbesuch.athome import AREA_MIN_PEOPLE, AREA_MIN_VISITS

    assert (AREA_MIN_PEOPLE, AREA_MIN_VISITS) == (2, 5)
    city = [rec(f"O{k}", "Ost", 9 * 60, "angetroffen" if k % 2 else "nicht_angetroffen", k)
            for k in range(8)]
    few = [rec(f"N{k}", "Mitte", 9 * 60, "angetroffen", k) for k in range(4)]
    own = [rec("C", "Mitte", 9 * 60, "nicht_angetroffen")]
    words = ContactModel.fit(city + few + own).reasons("C", "Mitte", 0, 0)
    assert _area(words) == "in der Stadt Mo–So 8–10 Uhr 62 % mit Kontakt (13 Besuche)", words
    five = few + [rec("N4", "Mitte", 9 * 60, "angetroffen", 4)]
    words = ContactModel.fit(city + five + own).reasons("C", "Mitte", 0, 0)
    assert _area(words) == "im Bezirk Mo–Fr 8–10 Uhr 83 % mit Kontakt (6 Besuche)", words
    # five visits of one other person: not the district's either
    one = [rec("N0", "Mitte", 9 * 60, "angetroffen", k) for k in range(5)]
    words = ContactModel.fit(city + one + own).reasons("C", "Mitte", 0, 0)
    assert _area(words).startswith("in der Stadt Mo–So 8–10 Uhr"), words


# --------------------------------------------------------------------------- F6


def test_a_contact_that_was_not_angetroffen_is_told_as_kontakt() -> None:
    """„1 Versuch vormittags, 1-mal angetroffen“ was said of a „Termin vereinbart“."""
    model = ContactModel.fit([rec("Q", "X", 9 * 60, "termin_vereinbart"),
                              rec("R", "X", 15 * 60, "verweigert")])
    assert model.reasons("Q", "X", 0)[0] == "1 Versuch vormittags, 1-mal Kontakt"
    assert model.reasons("R", "X", 3)[0] == "1 Versuch nachmittags, 1-mal Kontakt"
    assert not any("mal angetroffen" in w for c in ("Q", "R")
                   for w in model.reasons(c, "X", 0))


def test_the_area_figure_is_a_contact_share_and_says_so() -> None:
    """Review 27 #5: the district's figure counts refusals and appointments as contact, as
    the client's own „1-mal Kontakt“ does; it read „… 100 % angetroffen“ where nobody was
    „angetroffen“ at all."""
    recs = [rec(f"N{k}", "Mitte", 9 * 60, "verweigert" if k % 2 else "termin_vereinbart", k)
            for k in range(6)]
    words = ContactModel.fit(recs).reasons("NEU", "Mitte", 0, 0)
    assert _area(words) == "im Bezirk Mo–Sa 8–10 Uhr 100 % mit Kontakt (6 Besuche)", words
    assert not any("angetroffen" in w for w in words), words


def _route_second_off():
    plan = sample_plan()
    r = plan.routes[0]
    stops = list(r.stops)
    stops[1] = dataclasses.replace(stops[1], called_off=True)
    return dataclasses.replace(r, stops=tuple(stops))


def test_no_chance_for_a_called_off_stop_on_any_page() -> None:
    """The route page showed „Chance auf Kontakt: 32 % …“ right before „Besuch entfällt –
    nicht hingehen.“ (the print sheet did not). Neither the chances nor the pages give one
    now; the print sheet writes the chance as the other pages do."""
    route = _route_second_off()
    off = route.stops[1]
    recs = [rec(s.client_id, s.district, 9 * 60, "nicht_angetroffen") for s in route.stops]
    recs += [rec(f"N{k}", "Z", 10 * 60, "angetroffen", k) for k in range(8)]
    model = ContactModel.fit(recs)
    got = visit_chances(model, route.stops)
    assert got.of(off) is None and got.of(route.stops[0]) is not None
    gone = SimpleNamespace(client_id="G", district="Z", start=off.start, gone="Fall geschlossen")
    assert visit_chances(model, [gone]).of(gone) is None
    # a page given a chance for it all the same (a plan's chances made before the call-off)
    chances = VisitChances({(s.client_id, s.start): VisitChance(0.24, "ein Grund")
                            for s in route.stops})
    page = route_page(route, MapSettings(), links=RouteLinks(), chances=chances)
    item = page.split(f'id="stopp-{off.position}"', 1)[1].split("</li>", 1)[0]
    assert "Besuch entfällt – nicht hingehen." in item
    assert "Chance" not in item and "24 %" not in item, item
    assert page.count("Chance auf Kontakt: <strong>24 %</strong> · ein Grund") == \
        len(route.stops) - 1
    sheet = print_sheet(route, MapSettings(), links=RouteLinks(), chances=chances)
    assert sheet.count("Chance auf Kontakt: 24 % · ein Grund") == len(route.stops) - 1
    assert "Chance auf Kontakt 24 %:" not in sheet


# --------------------------------------------------------------------------- F9 (unit)


def test_team_out_note_reads_the_spans_of_the_version() -> None:
    from hausbesuch.pages import team_out_note

    params = {"teams_out_spans": [
        {"team": "team-1", "ab": "2026-12-11T10:00", "version": 3},
        {"team": "team-2", "ab": "2026-12-11T00:00", "version": 3},
        {"team": "team-3", "ab": "2026-12-11T10:00", "bis": "2026-12-11T12:00", "version": 2},
    ]}
    day = date(2026, 12, 11)
    assert team_out_note(params, "team-1", day) == (
        "Ab 10:00 Uhr abgemeldet: die weiteren Besuche des Tages übernimmt ein anderes Team "
        "oder sie bleiben offen.")
    assert team_out_note(params, "team-2", day) == "Den ganzen Tag abgemeldet."
    assert team_out_note(params, "team-3", day).startswith("Von 10:00 bis 12:00 Uhr abgemeldet")
    assert team_out_note(params, "team-1", day + timedelta(days=1)) == ""
    assert team_out_note(params, "team-4", day) == ""
    assert team_out_note({}, "team-1", day) == ""


# --------------------------------------------------------------------------- real week

START = date(2026, 12, 7)
MOMENT = datetime(2026, 12, 8, 11, 30)
cli = ClockedCli(START + timedelta(days=14))


@pytest.fixture(scope="module")
def replanned(planned_week, tmp_path_factory):
    """The real week with Monday's visits and team-1's first Tuesday visit recorded, then
    re-planned from Tue 11:30 without team-1: (db, v1, v2, folder of v2's files, the
    team-1 Tuesday stop done)."""
    from hausbesuch.store import Store

    base = tmp_path_factory.mktemp("qa27")
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), base / "p.db")
    db = f"sqlite:///{base / 'p.db'}"
    with Store.open(db) as store:
        v1 = store.load_plan(planned_week.plan_id)
    tue = next(r for r in v1.routes if r.team_id == "team-1" and r.day == MOMENT.date())
    done = tue.stops[0]
    assert done.start < MOMENT - timedelta(minutes=30)
    results = ("nicht_angetroffen", "angetroffen", "nachricht_hinterlassen")
    lines = ["Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz"]
    for r in v1.routes:
        if r.day == START:
            lines += [f"{s.client_id};{r.day.isoformat()};{s.start:%H:%M};{results[i % 3]};;"
                      for i, s in enumerate(r.stops)]
    lines.append(f"{done.client_id};{tue.day.isoformat()};{done.start:%H:%M};"
                 "nicht_angetroffen;;")
    (base / "erg.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    cli.ok("outcomes", str(base / "erg.csv"), "--city", "bad-hersfeld", "--db", db)
    out = cli.ok("replan", v1.id, "--from", f"{MOMENT:%Y-%m-%d %H:%M}", "--without-team",
                 "team-1", "--out", str(base / "v2"), "--time-limit", "1", "--city",
                 "bad-hersfeld", "--db", db)
    assert "Neue Version 2" in out
    with Store.open(db) as store:
        new = next(p.id for p in store.list_plans("Bad Hersfeld") if p.id != v1.id)
        v2 = store.load_plan(new)
    return db, v1, v2, base / "v2", done


def test_visits_with_an_outcome_the_plan_knew_show_no_chance(replanned):
    """F6: after the re-plan the visits made (Monday, team-1's first Tuesday stop) stay in
    the routes; their chance was rated on their own outcome („1 Versuch vormittags,
    1-mal angetroffen“ of the visit itself). Now they have none; the visits to come do."""
    from hausbesuch.athome import plan_chances
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db, _v1, v2, out, done = replanned
    with Store.open(db) as store:
        chances = plan_chances(store, load_profile("bad-hersfeld"), v2)
    stops = [(r, s) for r in v2.routes for s in r.stops]
    made = [s for r, s in stops if r.day == START] + [done]
    assert done in [s for _, s in stops]
    assert all(chances.of(s) is None for s in made)
    later = [s for r, s in stops if r.day > MOMENT.date() and not s.off]
    assert later and all(chances.of(s) is not None for s in later)
    page = (out / "routen" / f"team-1_{MOMENT.date().isoformat()}.html").read_text("utf-8")
    item = page.split(f'id="stopp-{done.position}"', 1)[1].split("</li>", 1)[0]
    assert done.client_id in item and "Chance auf Kontakt" not in item, item


def test_recorded_visits_reads_only_the_outcomes_of_the_stops_asked(replanned):
    """Review 27 #13: the pages' chances read every outcome of the city to tell a handful
    of stops apart. With the stops given only theirs are read, and they are the same."""
    from hausbesuch.athome import recorded_visits
    from hausbesuch.store import Store

    db, _v1, v2, _out, done = replanned
    tuesday = [s for r in v2.routes if r.team_id == "team-1" and r.day == MOMENT.date()
               for s in r.stops]
    assert done in tuesday
    with Store.open(db) as store:
        every = recorded_visits(store, "Bad Hersfeld", until=v2.created_at)
        mine = recorded_visits(store, "Bad Hersfeld", until=v2.created_at, stops=tuesday)
        none = recorded_visits(store, "Bad Hersfeld", until=v2.created_at, stops=[])
    assert len(every[0]) + len(every[1]) > 1  # Monday's outcomes are there too
    assert mine == ({s.visit_id for s in tuesday} & every[0],
                    {(c, d) for c, d in every[1] if c in {s.client_id for s in tuesday}})
    assert (done.visit_id in mine[0]) or ((done.client_id, MOMENT.date()) in mine[1])
    assert mine[0] <= {s.visit_id for s in tuesday}
    assert none == (set(), set())


def test_the_route_page_and_phone_of_a_team_taken_out_say_so(replanned, monkeypatch):
    """F9: team-1's Tuesday after the re-plan from 11:30 without it: its route page and
    its phone showed the stops left and „Rückkehr zum Start …“ without a word why."""
    from fastapi.testclient import TestClient

    from hausbesuch import clock
    from hausbesuch.web.links import link_path
    from tests.test_called_off import _worker_link

    db, v1, v2, out, _done = replanned
    says = ("Ab 11:30 Uhr abgemeldet: die weiteren Besuche des Tages übernimmt ein anderes "
            "Team oder sie bleiben offen.")
    day = MOMENT.date().isoformat()
    page = (out / "routen" / f"team-1_{day}.html").read_text("utf-8")
    assert f'<p class="teamout" id="abgemeldet">{says}</p>' in page
    sheet = (out / "druck" / f"team-1_{day}.html").read_text("utf-8")  # printed anew too
    assert f'<p class="teamout" id="abgemeldet">{says}</p>' in sheet
    for other in [*(out / "routen").glob("*.html"), *(out / "druck").glob("*.html")]:
        if other.name != f"team-1_{day}.html":
            assert "abgemeldet" not in other.read_text("utf-8"), other.name
    monkeypatch.setenv(clock.ENV, day)
    route = next(r for r in v2.routes if r.team_id == "team-1" and r.day == MOMENT.date())
    web, token = _worker_link(db, v2.id, route)
    with TestClient(web) as c:
        phone = c.get(link_path(token)).text
    assert f'id="abgemeldet"><strong>{says}</strong></p>' in phone
    other = next(r for r in v2.routes if r.team_id != "team-1" and r.day == MOMENT.date())
    web, token = _worker_link(db, v2.id, other)
    with TestClient(web) as c:
        assert 'id="abgemeldet"' not in c.get(link_path(token)).text


def test_a_plans_chances_follow_the_profile_it_was_made_with(replanned, tmp_path,
                                                            bad_hersfeld_pbf):
    """QA 42a F6: the web app showed a plan's chances by the profile the server runs with,
    so a plan made with „anzeigen“ had none on the web's plan view, print sheet and phone
    while its own files had them, and one made with „aus“ the other way round. Now every
    view asks the profile the plan was made with (when it loads and is of the plan's city):
    a version made with a copy of the profile set to „aus“ shows none under the shipped
    profile, the version before (made with the shipped one) shows them under the copy."""
    from hausbesuch.athome import plan_chances, stop_chances
    from hausbesuch.config import PROFILE_DIR, load_profile
    from hausbesuch.store import Store

    db, _v1, v2, _out, _done = replanned
    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    assert 'mode = "anzeigen"' in text
    off = tmp_path / "bh-aus.toml"
    off.write_text(text.replace('mode = "anzeigen"', 'mode = "aus"').replace(
        'file = "osm/bad-hersfeld_2021-10-27.osm.pbf"', f'file = "{bad_hersfeld_pbf}"'),
        encoding="utf-8")
    shipped = load_profile("bad-hersfeld")
    aus = load_profile(off)
    later = [s for r in v2.routes for s in r.stops if r.day > MOMENT.date() and not s.off]
    with Store.open(db) as store:
        assert all(plan_chances(store, aus, v2).of(s) is not None for s in later)
        phone = stop_chances(store, aus, v2.created_at, later,
                             plan_ref=store.plan_profile(v2.id))
        assert all(phone.of(s) is not None for s in later)
        # (without the plan's profile named, the served one decides, as before)
        assert all(stop_chances(store, aus, v2.created_at, later).of(s) is None
                   for s in later)
    from hausbesuch.athome import PARAMS_KEY, stored_settings

    # the plan stores its settings (review 42 #2): the profile file edited since to „aus“
    # changes nothing of what the plan shows
    assert v2.params[PARAMS_KEY] == stored_settings(shipped)
    edited = dataclasses.replace(v2, params={**v2.params, "profile": str(off)})
    with Store.open(db) as store:
        assert all(plan_chances(store, shipped, edited).of(s) is not None for s in later)
    # a version made with the „aus“ copy: no chance, under either profile
    made_off = dataclasses.replace(v2, params={**v2.params, "profile": str(off),
                                               PARAMS_KEY: stored_settings(aus)})
    with Store.open(db) as store:
        assert all(plan_chances(store, shipped, made_off).of(s) is None for s in later)
    # a plan of an older version (no stored settings): the profile it names, when it
    # loads and is of the plan's city, else the served one
    legacy = {k: v for k, v in v2.params.items() if k != PARAMS_KEY}
    old_off = dataclasses.replace(v2, params={**legacy, "profile": str(off)})
    gone = dataclasses.replace(v2, params={**legacy, "profile": str(tmp_path / "weg.toml")})
    lauf = dataclasses.replace(v2, params={**legacy, "profile": "lauf"})
    with Store.open(db) as store:
        assert all(plan_chances(store, shipped, old_off).of(s) is None for s in later)
        assert all(plan_chances(store, aus, gone).of(s) is None for s in later)
        assert all(plan_chances(store, aus, lauf).of(s) is None for s in later)


def test_the_shipped_profiles_value_a_contact_at_least_as_a_visits_time() -> None:
    """QA 42a F1: with 20 minutes of walking per expected contact, the last allowed try of
    a client went into a morning at 3 % beside afternoons at 57-70 % with team-days free:
    giving up 0.6 of a contact cost the planner 12 minutes. A try where nobody opens costs
    the pair the visit and the way; the default and every shipped profile now weigh a
    contact at least as much as one visit's time."""
    from hausbesuch.config import Reachability, available_profiles, load_profile

    assert Reachability().contact_minutes >= 45
    for slug in available_profiles():
        profile = load_profile(slug)
        assert profile.erreichbarkeit.contact_minutes >= profile.workday.visit_minutes, slug


def test_the_chance_is_in_report_csv_and_both_exports(replanned, tmp_path):
    """QA 42a F8: the estimated chance of contact was on the pages only; a coordinator
    sorting the week in a spreadsheet or QGIS („which last tries are below 10 %?“) could
    not. Now report.csv and the workbook's „Bericht“ have ``chance_kontakt``/„Chance auf
    Kontakt“ and its reason for each planned visit with an estimate, the team-day sheets
    too, and the GeoPackage's ``besuche`` a share (0–1) and the reason; the same figures
    as the pages."""
    import csv
    import io

    import geopandas as gpd
    from openpyxl import load_workbook

    from hausbesuch.athome import plan_chances
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db, _v1, v2, out, _done = replanned
    with Store.open(db) as store:
        chances = plan_chances(store, load_profile("bad-hersfeld"), v2)
    later = [s for r in v2.routes for s in r.stops if r.day > MOMENT.date() and not s.off]
    assert later
    text = (out / "report.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    by_stop = {(r["id"], r["beginn"]): r for r in rows if r["status"] == "geplant"}
    for s in later:
        row = by_stop[(s.client_id, f"{s.start:%H:%M}")]
        assert row["chance_kontakt"] == chances.of(s).percent, row
        assert row["chance_grund"] == chances.of(s).text, row
    assert all(not r["chance_kontakt"] for r in rows if r["status"] != "geplant")
    for fmt in ("xlsx", "gpkg"):
        cli.ok("export", v2.id, "--format", fmt, "--out", str(tmp_path / f"w.{fmt}"),
               "--db", db)
    wb = load_workbook(tmp_path / "w.xlsx")
    head = [c.value for c in wb["Bericht"][1]]
    assert head[-2:] == ["Chance auf Kontakt", "Chance: Grund"], head
    shown = [row[-2] for ws in wb.worksheets[2:] for row in ws.iter_rows(min_row=2,
                                                                         values_only=True)]
    assert {c.of(s).percent for c in [chances] for s in later} <= set(shown), shown
    gdf = gpd.read_file(tmp_path / "w.gpkg", layer="besuche")
    got = {(k, b.strftime("%H:%M")): v for k, b, v in zip(
        gdf["kundennummer"], gdf["beginn"], gdf["chance_kontakt"], strict=True)}
    for s in later:
        assert got[(s.client_id, f"{s.start:%H:%M}")] == pytest.approx(
            chances.of(s).chance, abs=1e-3)
