"""The casework store through the commands: corrections that survive re-import, pins from
the list and from appointments kept by ``plan`` and ``replan``, ``replan --from`` leaving
earlier visits untouched, ``show`` writing the plan's files again (SQLite and PostgreSQL),
and bad arguments that exit with code 2 and change nothing.
"""

from __future__ import annotations

import csv
import filecmp
import io
import json
import os
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.fields import format_day, format_moment
from tests.cli_helpers import ClockedCli, city_db
from tests.pg import pg_url, schema_url
from tests.planning_fixtures import real_addresses

pytestmark = pytest.mark.slow

START = date(2026, 12, 7)
MOMENT = datetime(2026, 12, 8, 11, 30)
#: the planned days lie ahead: the commands run as on a day after them (outcomes after
#: today are refused)
cli = ClockedCli(START + timedelta(days=14))
runner, invoke, ok = cli.runner, cli.invoke, cli.ok
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Zeitfenster", "Team", "Datum", "Uhrzeit", "lat", "lon", "Aktenzeichen"]
#: pins from the list: id -> (team, day, time)
PINS = {"P001": ("team-2", "08.12.2026", "14:00"), "P002": ("team-1", "09.12.2026", ""),
        "P003": ("", "10.12.2026", "10:15")}


def write_list(path: Path, addrs, *, moved: dict[str, str] | None = None) -> None:
    moved = moved or {}
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            cid = f"P{i:03d}"
            team, day, time = PINS.get(cid, ("", "", ""))
            lat = lon = ""
            if cid == "P004":  # a point given in the list
                lat, lon = "50,8702", "9,7089"
            if cid == "P005":  # latitude and longitude swapped: outside the extract
                lat, lon = "9.7089", "50.8702"
            w.writerow([cid, f"Geheim {cid}", moved.get(cid, street), hn, pc, town or "Bad Hersfeld",
                        "01.03.2025", "", team, day, time, lat, lon, "AZ-7"])


@pytest.fixture(scope="module")
def base(tmp_path_factory, bad_hersfeld_pbf):
    from geodata.geocode import load_index

    d = tmp_path_factory.mktemp("casework")
    addrs = random.Random(5).sample(real_addresses(load_index(bad_hersfeld_pbf)), 60)
    write_list(d / "kunden.csv", addrs)
    return d, addrs


_common = city_db


@pytest.fixture(scope="module")
def planned(base):
    d, _ = base
    db = str(d / "store.sqlite")
    out = ok("import", str(d / "kunden.csv"), *_common(db))
    assert "59 neu" in out and "1 abgelehnt" in out
    assert "Zeile 7 (P005), Breite:" in out and "außerhalb des Kartenausschnitts" in out
    assert "Aktenzeichen" in out  # an unknown column is named, not silently dropped
    ok("plan", *_common(db), "--start", START.isoformat(), "--days", "5", "--out",
       str(d / "v1"), "--time-limit", "4", "--threads", "1")
    from hausbesuch.store import Store

    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    # as planned, before any test changed it (some tests replan this database itself)
    import shutil

    shutil.copy(db, _pristine(db))
    return db, plan


def agree_appointment(plan, db: str, tmp_path: Path):  # noqa: ANN001, ANN201
    """At the plan's first visit (not pinned) „Termin vereinbart“ for Thursday 10:30 is
    recorded (``outcomes``): (that stop, the appointment, the moment after the visit a
    re-plan starts from)."""
    first = min((s for r in plan.routes for s in r.stops if s.client_id not in PINS),
                key=lambda s: s.start)
    when = datetime.combine(START + timedelta(days=3), datetime.min.time()).replace(
        hour=10, minute=30)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin\n"
                    f"{first.client_id};{first.start:%d.%m.%Y};{first.start:%H:%M};"
                    f"Termin vereinbart;{when:%d.%m.%Y %H:%M}\n", encoding="utf-8")
    code, out = invoke("outcomes", str(rows), *_common(db))
    assert code == 0 and "1 erfasst" in out, out
    return first, when, first.end.replace(second=0, microsecond=0) + timedelta(minutes=5)


def _pristine(db: str) -> str:
    return f"{db}.wie-geplant"


def _stops(plan):
    return {s.client_id: (r.team_id, r.day, s) for r in plan.routes for s in r.stops}


def _add_open_case(db: str, base, tmp_path: Path, cid: str = "NEU-1") -> str:  # noqa: ANN001
    """Import one open case more (at the first address of the module's list) into ``db``:
    a plan of a later week has a case to plan while every other case has its visit ahead
    (else it is nothing to plan, review 30)."""
    _, addrs = base
    street, hn, pc, town = addrs[0]
    path = tmp_path / f"{cid}.csv"
    path.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort\n"
                    f"{cid};{street};{hn};{pc};{town or 'Bad Hersfeld'}\n", encoding="utf-8")
    ok("import", str(path), *_common(db))
    return cid


def test_pins_from_the_list_are_kept_by_plan(planned):
    _, plan = planned
    stops = _stops(plan)
    team, day, s = stops["P001"]
    assert (team, day, s.start) == ("team-2", date(2026, 12, 8), datetime(2026, 12, 8, 14, 0))
    assert stops["P002"][:2] == ("team-1", date(2026, 12, 9))
    assert stops["P003"][1] == date(2026, 12, 10)
    assert stops["P003"][2].start == datetime(2026, 12, 10, 10, 15)


def test_planning_a_span_that_a_plan_covers_warns(planned, tmp_path):
    """The clients of the first plan are not planned again, and the coordinator is told
    that the teams may now be booked twice (re-plan instead)."""
    db, plan = planned
    out = ok("plan", *_common(db), "--start", START.isoformat(), "--days", "2", "--out",
             str(tmp_path / "noch"), "--time-limit", "2", "--threads", "1")
    assert f"in Plan {plan.id} eingeplant" in out and "doppelt verplant" in out
    assert f"„Neu planen“ auf seiner Seite im Web, „replan {plan.id} --from …“" in out
    # QA 27 F7: the usual reason for a second plan of the week is named
    assert "Änderungen an einem Plan (etwa eine danach korrigierte Adresse) besser als " \
           "neue Version dieses Plans" in " ".join(out.split())
    from hausbesuch.store import Store

    with Store.open(db) as store:
        again = store.latest_plan("Bad Hersfeld")
    first = {s.client_id for r in plan.routes for s in r.stops if r.day < date(2026, 12, 9)}
    assert not first & {s.client_id for r in again.routes for s in r.stops}


def test_given_coordinate_is_used(planned):
    _, plan = planned
    geo = {g.client_id: g for g in plan.geocodes}
    assert geo["P004"].quality == "given"
    assert (round(geo["P004"].lat, 4), round(geo["P004"].lon, 4)) == (50.8702, 9.7089)


def test_replan_from_a_moment_without_a_team(planned, tmp_path, bad_hersfeld_pbf):
    from hausbesuch.store import Store

    db, old = planned
    # an outcome recorded for a visit after the moment stays where it was
    later = sorted((s for r in old.routes for s in r.stops if s.start > MOMENT
                    and s.client_id not in PINS), key=lambda s: s.start)[0]
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis\n"
                    f"{later.client_id};{later.start:%d.%m.%Y};nicht angetroffen\n",
                    encoding="utf-8")
    assert "1 erfasst" in ok("outcomes", str(rows), *_common(db))
    with Store.open(db) as store:
        audit_before = len(store.audit_rows())
    out = ok("replan", old.id, "--from", "2026-12-08 11:30", "--without-team", "team-1",
             "--out", str(tmp_path / "v2"), "--time-limit", "4", *_common(db))
    assert "Neue Version 2" in out
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
        assert len(store.audit_rows()) > audit_before
        assert store.plan_version(new.id) == (2, old.id)
    old_stops, new_stops = _stops(old), _stops(new)
    # every visit before the moment is untouched: same team, day, times, visit id
    for cid, (team, day, s) in old_stops.items():
        if s.start < MOMENT or cid == later.client_id:
            assert cid in new_stops, cid
            t2, d2, s2 = new_stops[cid]
            assert (t2, d2, s2.start, s2.end, s2.visit_id) == (team, day, s.start, s.end,
                                                              s.visit_id)
    # the removed team does nothing more that day
    for cid, (team, day, s) in new_stops.items():
        if team == "team-1" and day == MOMENT.date() and cid != later.client_id:
            assert s.start < MOMENT, cid
        if s.start >= MOMENT and cid in old_stops and cid != later.client_id:
            assert s.visit_id == old_stops[cid][2].visit_id  # stable ids across versions
    # minimal disruption: the visits of later days mostly keep their team-day (before the
    # re-plan moved them too, 5 to 10 of about 30 stayed; now all on two seeds tried)
    later_days = {cid: (team, day) for cid, (team, day, _) in old_stops.items()
                  if day > MOMENT.date()}
    stayed = sum(new_stops.get(cid, (None, None))[:2] == td for cid, td in later_days.items())
    assert later_days and stayed >= 0.8 * len(later_days), (stayed, len(later_days))
    # pins are kept (P001 is pinned to team-2 on the 8th at 14:00)
    assert new_stops["P001"][0] == "team-2"
    assert new_stops["P001"][2].start == datetime(2026, 12, 8, 14, 0)
    assert new_stops["P002"][:2] == ("team-1", date(2026, 12, 9))
    # nothing is lost: every client of the old plan is planned or unassigned with a reason
    unassigned = {u.client_id: u for u in new.unassigned}
    for cid in set(old_stops) | {u.client_id for u in old.unassigned}:
        assert cid in new_stops or (cid in unassigned and unassigned[cid].reason), cid
    # every route's figures are those of the visits it holds (the part kept of team-1's
    # day too: before, it kept the figures of its whole old route)
    for r in new.routes:
        _figures_match(r)
    gone = next(r for r in new.routes if (r.team_id, r.day) == ("team-1", MOMENT.date()))
    whole = next(r for r in old.routes if (r.team_id, r.day) == ("team-1", MOMENT.date()))
    assert len(gone.stops) < len(whole.stops) and gone.service_s < whole.service_s
    assert gone.travel_s < whole.travel_s and gone.distance_m < whole.distance_m
    # the removed team's way back: from its last kept visit to its end point, by the
    # street matrix the solver uses (QA 19d #1: before, it "returned" at the minute its
    # last visit ended), in the store and on the page, the sheet and the GPX
    from geodata.matrix import travel_matrix
    from geodata.network import load_network

    last = gone.stops[-1]
    tm = travel_matrix(load_network(bad_hersfeld_pbf, gone.mode), [last.lon], [last.lat],
                       targets=([gone.end_lonlat[0]], [gone.end_lonlat[1]]))
    leg = int(tm.durations[0, 0])
    assert leg > 0
    leave = max(last.end, gone.lunch[1]) if gone.lunch else last.end
    assert gone.return_ == leave + timedelta(seconds=leg) > last.end
    assert not gone.ends_open and len(gone.legs) == len(gone.stops) + 1
    assert gone.end_lonlat == whole.end_lonlat
    back = f"{gone.return_:%H:%M} Uhr"
    page = (tmp_path / "v2" / "routen" / f"{gone.slug}.html").read_text(encoding="utf-8")
    assert back in page and f"{last.end:%H:%M} Uhr</li>" not in page
    gpx = (tmp_path / "v2" / "gpx" / f"{gone.slug}.gpx").read_text(encoding="utf-8")
    assert f"Rückkehr {gone.return_:%H:%M}" in gpx
    # plan.json holds the whole version: the solver's routes of the rest of the span and
    # the routes (or first visits) kept from the predecessor, each visit exactly once
    data = json.loads((tmp_path / "v2" / "plan.json").read_text(encoding="utf-8"))
    note = data["hausbesuch"]["neuplanung"]
    assert note["vorgaenger"] == old.id and note["ab"] == "2026-12-08T11:30"
    solved = [st["description"] for r in data["routes"] for st in r["steps"]
              if st["type"] == "job"]
    taken = [st["description"] for r in note["uebernommene_touren"] for st in r["steps"]]
    assert sorted(solved + taken) == sorted(new_stops)
    day0 = datetime.combine(new.start, datetime.min.time())
    for r in note["uebernommene_touren"]:
        for st in r["steps"]:
            t, d, s = new_stops[st["description"]]
            assert (t, (d - new.start).days) == (r["team"], r["day"])
            assert st["arrival"] == (s.arrival - day0).total_seconds()
            assert s.start < MOMENT or st["description"] == later.client_id
    # the old version cannot be re-planned again
    code, msg = invoke("replan", old.id, "--from", "2026-12-08 12:00", *_common(db))
    assert code == 2 and "bereits durch Plan" in msg


def _figures_match(r) -> None:  # noqa: ANN001
    """A route's visit and waiting time agree with its stops' times, and its travel fits in
    the gaps between leaving one place and arriving at the next (and the way back)."""
    service = sum((s.end - s.start).total_seconds() for s in r.stops)
    waiting = sum((s.start - s.arrival).total_seconds() for s in r.stops)
    ends = [r.depart] + [s.end for s in r.stops]
    gaps = sum((s.arrival - e).total_seconds() for s, e in zip(r.stops, ends, strict=False))
    gaps += (r.return_ - r.stops[-1].end).total_seconds() if r.stops else 0
    if r.lunch is not None:
        gaps -= (r.lunch[1] - r.lunch[0]).total_seconds()
    assert r.service_s == service, (r.team_id, r.day, r.service_s, service)
    assert abs(r.waiting_s - waiting) <= 60, (r.team_id, r.day, r.waiting_s, waiting)
    # (a route may also stand idle between places, e.g. around its lunch break)
    assert r.travel_s <= gaps + 60 * (len(r.stops) + 1), (r.team_id, r.day, r.travel_s, gaps)


def test_replan_plans_around_a_recorded_visit_of_a_later_day(planned, tmp_path):
    """A visit of a later day with an outcome already recorded stays at its time, and the
    rest of its team-day is planned again around it (the team-day is not closed)."""
    import shutil

    from hausbesuch.store import Store

    db, _ = planned
    copy = str(tmp_path / "kopie.sqlite")
    shutil.copy(db, copy)
    with Store.open(copy) as store:
        old = store.latest_plan("Bad Hersfeld")
    route = next(r for r in sorted(old.routes, key=lambda r: (r.day, r.team_id))
                 if r.day > MOMENT.date() and len(r.stops) >= 3
                 and r.stops[1].client_id not in PINS)
    mid = route.stops[1]
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{mid.client_id};{mid.start:%d.%m.%Y};{mid.start:%H:%M};nicht angetroffen\n",
                    encoding="utf-8")
    assert "1 erfasst" in ok("outcomes", str(rows), *_common(copy))
    ok("replan", old.id, "--from", f"{MOMENT:%Y-%m-%d %H:%M}", "--out", str(tmp_path / "neu"),
       "--time-limit", "3", *_common(copy))
    with Store.open(copy) as store:
        new = store.latest_plan("Bad Hersfeld")
    same = next(r for r in new.routes if (r.team_id, r.day) == (route.team_id, route.day))
    at = {s.client_id: s for s in same.stops}
    assert mid.client_id in at
    assert (at[mid.client_id].start, at[mid.client_id].end, at[mid.client_id].visit_id) == (
        mid.start, mid.end, mid.visit_id)
    assert len(same.stops) >= 3  # the team-day keeps its capacity for other visits
    for a, b in zip(same.stops, same.stops[1:], strict=False):
        assert a.end <= b.arrival <= b.start
    # nothing is lost
    new_stops, unassigned = _stops(new), {u.client_id: u for u in new.unassigned}
    for cid in set(_stops(old)) | {u.client_id for u in old.unassigned}:
        assert cid in new_stops or (cid in unassigned and unassigned[cid].reason), cid


def test_corrections_survive_reimport_until_the_source_changes(base, tmp_path):
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    d, addrs = base
    db = str(tmp_path / "fix.sqlite")
    ok("import", str(d / "kunden.csv"), *_common(db))
    # typed in small letters: the message carries the stored spelling
    assert ok("address", "p010", "--set-point", "50.8690,9.7050", *_common(db)).startswith(
        "Gespeichert: P010 liegt jetzt bei 50.869000, 9.705000")
    ok("address", "P011", "--set-address", f"{addrs[12][0]} {addrs[12][1]}, Bad Hersfeld",
       *_common(db))
    assert "0 neu" in ok("import", str(d / "kunden.csv"), *_common(db))  # the same list again
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        states = {s.client.id: s.client for s in cw.states()}
        loc = cw.locate([states["P010"], states["P011"]])
    assert loc["P010"].source == "korrektur_punkt" and loc["P010"].lat == 50.869
    assert loc["P011"].source == "korrektur_adresse"
    # the source address of P010 changes: the fix no longer applies, the coordinator is asked
    write_list(tmp_path / "neu.csv", addrs, moved={"P010": addrs[20][0]})
    out = ok("import", str(tmp_path / "neu.csv"), *_common(db))
    assert "1 aktualisiert" in out and "1 Adresskorrektur gilt nicht mehr" in out
    assert "1 Adresse zu prüfen" in out
    listed = ok("addresses", *_common(db))
    assert "P010" in listed and "Adresse in der Quelle geändert" in listed
    assert listed.startswith("1 Adresse zu prüfen:")
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        c = next(s.client for s in cw.states() if s.client.id == "P010")
        assert cw.locate([c])["P010"].source == "geokodiert"


def test_a_fix_set_aside_whose_new_address_is_found_offers_it_to_confirm(base, tmp_path):
    """QA 11e #3: when the list's address changes after a fix and the new address is
    found to its house number, ``addresses`` says so, naming the match (before: „(exakt)
    … nicht gefunden“ and no suggestion), and offers it as suggestion 1: taking it
    confirms the address and the case is no longer listed."""
    _, addrs = base
    street, hn, pc, town = addrs[20]
    head = "Kundennummer;Straße;Hausnummer;PLZ;Ort\n"
    db = str(tmp_path / "neu-gefunden.sqlite")
    (tmp_path / "a.csv").write_text(head + "S-1;Gibtesnichtweg;3;36251;Bad Hersfeld\n",
                                    encoding="utf-8")
    (tmp_path / "b.csv").write_text(head + f"S-1;{street};{hn};{pc};{town or 'Bad Hersfeld'}\n",
                                    encoding="utf-8")
    ok("import", str(tmp_path / "a.csv"), *_common(db))
    ok("address", "S-1", "--set-point", "50.8690,9.7050", *_common(db))
    assert "1 Adresskorrektur gilt nicht mehr" in ok("import", str(tmp_path / "b.csv"),
                                                     *_common(db))
    listed = ok("addresses", *_common(db))
    lines = listed.splitlines()
    entry = next(x for x in lines if x.startswith("S-1: "))
    match = re.search(r"die neue Adresse wurde gefunden als „([^“]+)“; Vorschlag 1 "
                      r"bestätigt sie$", entry)
    assert match and "(exakt)" in entry and "nicht gefunden" not in entry, listed
    assert entry.startswith("S-1: ") and "Adresse in der Quelle geändert, frühere Korrektur " \
        "gilt nicht mehr; die neue Adresse" in entry, entry
    assert lines[lines.index(entry) + 1] == f"    Vorschlag 1: {match[1]}", listed
    out = ok("address", "S-1", "--suggestion", "1", *_common(db))
    assert out.startswith("Gespeichert: S-1 liegt jetzt bei") and match[1] in out, out
    assert ok("addresses", *_common(db)).startswith(
        "Alle Adressen offener Fälle in Bad Hersfeld sind gefunden")


def test_the_import_counts_the_addresses_that_addresses_lists(base, tmp_path):
    """QA 11e #8: the import's count of addresses to check is the number of entries
    `addresses` lists right after it, a case in Klärung included (before: "1 offener Fall
    mit ungeklärter Adresse", then 2 entries)."""
    _, addrs = base
    head = "Kundennummer;Straße;Hausnummer;PLZ;Ort\n"
    rows = "".join(f"Z-{i};{street};{hn};{pc};{town or 'Bad Hersfeld'}\n"
                   for i, (street, hn, pc, town) in enumerate(addrs[:3]))
    (tmp_path / "z.csv").write_text(head + rows + "Z-9;Gibtesnichtweg;3;36251;Bad Hersfeld\n",
                                    encoding="utf-8")
    db = str(tmp_path / "zaehlen.sqlite")
    assert "1 Adresse zu prüfen (" in ok("import", str(tmp_path / "z.csv"), *_common(db))
    ok("status", "Z-1", "--set", "in_klaerung", "--reason", "Post kam zurück", *_common(db))
    out = ok("import", str(tmp_path / "z.csv"), *_common(db))
    assert ("2 Adressen zu prüfen (nicht, nur straßengenau oder unsicher gefunden, Korrektur "
            "nicht mehr gültig oder Fall in Klärung): hausbesuch addresses zeigt sie mit "
            "Vorschlägen.") in out, out
    listed = ok("addresses", *_common(db))
    assert listed.startswith("2 Adressen zu prüfen:"), listed
    assert "\nZ-1: " in listed and "\nZ-9: " in listed, listed


def test_an_id_that_lost_its_leading_zeros_is_not_a_second_case(base, tmp_path):
    """A list saved again by a spreadsheet writes "1" for "000001" (or "42" for the
    formatted "BG000042"): the row is refused naming both ids, not imported as a second
    case of the same person; an id copied from a report with its protective "'" is the
    id again (import, status, outcomes)."""
    _, addrs = base
    db = str(tmp_path / "ids.sqlite")

    def write(path, ids, places=addrs):
        with open(path, "w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(["Kundennummer", "Straße", "Hausnummer", "Ort"])
            for cid, (street, hn, _pc, _town) in zip(ids, places, strict=False):
                w.writerow([cid, street, hn, "Bad Hersfeld"])
        return str(path)

    assert "3 neu" in ok("import", write(tmp_path / "a.csv", ["000001", "BG000042", "77"]),
                         *_common(db))
    # (the second "5" at the first one's door: a duplicate row; at another door neither
    # row would be taken, see test_clients)
    code, out = invoke("import", write(tmp_path / "b.csv", ["1", "42", "'000001", "0077",
                                                           "5", "005", "5"],
                                       [*addrs[:6], addrs[4]]), *_common(db))
    assert code == 0, out
    assert "Kundennummer „1“ gleicht „000001“ bis auf führende Nullen" in out
    assert "„42“ gleicht „BG000042“" in out and "„0077“ gleicht „77“" in out
    assert "„005“ gleicht „5“" in out  # two spellings in one list: the first is kept
    assert "nicht in dieser Liste" not in out  # 000001, BG000042, 77: in it, spelt otherwise
    # "'000001" is 000001 (updated: another address in this list), not a new case
    # (the second "5" is a duplicate row: refused, and the first "5" stays)
    assert "1 neu, 1 aktualisiert, 0 unverändert, 5 abgelehnt" in out, out
    assert "000001" in ok("status", "'000001", *_common(db))
    # commands and outcome files point to the stored spelling
    code, out = invoke("status", "1", *_common(db))
    assert code == 2 and "Gemeint „000001“? Die Nummer gleicht ihr bis auf führende Nullen" \
        in out, out
    code, out = invoke("audit", "--kundennummer", "42", *_common(db))
    assert code == 2 and "Gemeint „BG000042“?" in out, out


def test_import_names_open_cases_the_list_no_longer_holds(base, tmp_path):
    """A case closed in case management drops out of the export but stays open here and
    would be visited: the import says which open cases the list does not hold."""
    d, _ = base
    db = str(tmp_path / "absent.sqlite")
    ok("import", str(d / "kunden.csv"), *_common(db))
    ok("status", "P002", "--set", "abgeschlossen", *_common(db))
    lines = (d / "kunden.csv").read_text(encoding="utf-8-sig").splitlines()
    short = tmp_path / "kurz.csv"
    short.write_text("\n".join(lines[:1] + [ln for ln in lines[1:]
                                             if not ln.startswith(("P001;", "P002;", "P003;"))]),
                     encoding="utf-8")
    out = ok("import", str(short), *_common(db))
    assert ("2 offene Fälle der Datenbank stehen nicht in dieser Liste (P001, P003) und "
            "bleiben offen und eingeplant") in out, out
    assert "hausbesuch status KUNDENNUMMER --set abgeschlossen" in out
    assert "nicht in dieser Liste" not in ok("import", str(d / "kunden.csv"), *_common(db))


def test_an_address_found_in_doubt_is_listed_until_confirmed(base, tmp_path):
    """Found, but with a postcode of another town (or a street name that only resembles
    one): planned, and listed by ``addresses`` with the match as suggestion 1 until a
    coordinator takes it; a plain address is not listed."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    _, addrs = base
    db = str(tmp_path / "doubt.sqlite")
    write_list(tmp_path / "k.csv", [("Am Markt", "5", "36289", "Bad Hersfeld"),
                                    ("Brietenstraße", "5", "36251", "Bad Hersfeld"), addrs[1]])
    ok("import", str(tmp_path / "k.csv"), *_common(db))
    listed = ok("addresses", *_common(db))
    assert listed.startswith("2 Adressen zu prüfen:"), listed
    assert "P000" in listed
    assert "gefunden als „Am Markt 5, 36251 Bad Hersfeld“, bitte prüfen: PLZ 36289" in listed
    assert "Vorschlag 1: Am Markt 5, 36251 Bad Hersfeld" in listed
    assert "„Brietenstraße“ ≈ „Breitenstraße“" in listed and "P002" not in listed
    out = ok("address", "P000", "--suggestion", "1", *_common(db))
    assert "Gespeichert: P000" in out
    listed = ok("addresses", *_common(db))
    assert listed.startswith("1 Adresse zu prüfen:") and "P000" not in listed
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        loc = cw.locate([s.client for s in cw.states()])
    assert loc["P000"].source == "korrektur_adresse" and loc["P000"].plannable
    assert loc["P001"].doubt and loc["P001"].plannable and not loc["P002"].doubt


@pytest.mark.parametrize("args, needle", [
    (["show", "20991231-000000-nope", "--out", "{tmp}/x"], "Kein gespeicherter Plan"),
    (["replan", "20991231-000000-nope", "--from", "2026-12-08 11:30"], "Kein gespeicherter Plan"),
    (["replan", "{plan}", "--from", "08.12.2026"], "--from:"),
    (["replan", "{plan}", "--from", "2027-03-01 10:00"], "liegt nicht im Zeitraum"),
    (["replan", "{plan}", "--from", "2026-12-08 11:30", "--without-team", "x"], "--without-team"),
    (["address", "P020", "--set-point", "48.1,11.5"], "außerhalb des Kartenausschnitts"),
    (["address", "P020", "--set-point", "abc"], "--set-point"),
    (["address", "NIEMAND", "--set-point", "50.8690,9.7050"], "nicht bekannt"),
    (["address", "P020"], "Genau eine Korrektur"),
    (["status", "P020", "--set", "vielleicht"], "--set:"),
    (["status", "NIE-0001"], "„NIE-0001“ ist in Bad Hersfeld nicht bekannt (andere Stadt"),
    (["plan", "--start", "2026-12-26", "--days", "2", "--out", "{tmp}/y"], "keinen Arbeitstag"),
])
def test_bad_arguments_exit_2_and_change_nothing(planned, tmp_path, args, needle):
    from hausbesuch.store import Store

    db, plan = planned
    with Store.open(db) as store:
        before = (store.audit_rows(), [p.id for p in store.list_plans()])
    args = [a.replace("{tmp}", str(tmp_path)).replace("{plan}", plan.id) for a in args]
    res = runner.invoke(app, [*args, *_common(db)])
    assert res.exit_code == 2, res.output
    assert needle in res.output
    assert "Traceback" not in res.output
    with Store.open(db) as store:
        assert (store.audit_rows(), [p.id for p in store.list_plans()]) == before
    assert not (tmp_path / "x").exists() and not (tmp_path / "y").exists()


def _same_tree(a: Path, b: Path) -> None:
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert fa == fb
    stamp = re.compile(rb"\d{2}\.\d{2}\.\d{4},? \d{2}:\d{2}(:\d{2})?|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
    for rel in fa:
        if filecmp.cmp(a / rel, b / rel, shallow=False):
            continue
        # only the creation time may differ
        assert stamp.sub(b"T", (a / rel).read_bytes()) == stamp.sub(b"T", (b / rel).read_bytes()), rel


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_show_writes_the_files_of_the_plan_run_again(base, tmp_path, backend, request):
    d, _ = base
    if backend == "sqlite":
        db = str(tmp_path / "show.sqlite")
    else:
        url = pg_url()
        schema = f"t_show_{os.getpid()}"
        db = schema_url(url, schema, request)
    ok("plan", str(d / "kunden.csv"), *_common(db), "--start", START.isoformat(), "--days", "3",
       "--out", str(tmp_path / "plan"), "--time-limit", "3", "--threads", "1")
    plans = ok("plans", *_common(db))
    plan_id = re.search(r"^(\d{8}-\d{6}-[0-9a-f]{6}) ", plans, re.M)[1]
    # visits beside cases: a case visited and then left out counts in both (QA 37 #8)
    assert "| Besuche | Fälle nicht eingeplant | abgelehnt |" in plans.splitlines()[0]
    # (city from the plan) on the plan's first day: on a later day the files also name the
    # visits of days gone by without an outcome (QA 36 #4), which the plan run did not
    ClockedCli(START).ok("show", plan_id, "--out", str(tmp_path / "shown"), "--db", db)
    _same_tree(tmp_path / "plan", tmp_path / "shown")


def test_bad_outcome_rows_name_row_and_field(planned, tmp_path):
    """Each bad cell of an outcomes file rejects its row with the row number, the field
    and a German reason; the good row is recorded."""
    import shutil

    src, plan = planned
    db = str(tmp_path / "ergebnisse.sqlite")
    shutil.copy(src, db)
    stops = [(s.client_id, r.day) for r in plan.routes for s in r.stops]
    (c1, _), (c2, _), (c3, _), (c4, _), (good, day) = stops[:5]
    when = day.strftime("%d.%m.%Y")
    path = tmp_path / "ergebnisse.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin"])
        w.writerow([c1, "31.02.2026", "", "angetroffen", ""])
        w.writerow([c2, when, "25:70", "angetroffen", ""])
        w.writerow([c3, when, "10:00", "vielleicht", ""])
        w.writerow([c4, when, "10:00", "termin_vereinbart", "irgendwann"])
        w.writerow(["", when, "10:00", "angetroffen", ""])
        # an unquoted ";" in a note: one field more than the header, read shifted before
        w.writerow([stops[5][0], when, "10:00", "angetroffen", "", "Hund", "bellt"])
        w.writerow([good, when, "10:00", "nicht_angetroffen", ""])
    out = ok("outcomes", str(path), *_common(db))
    assert "7 Zeilen" in out and "1 erfasst" in out and "6 abgelehnt" in out, out
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("Zeile")]
    assert [line.split(",")[0] for line in lines] == [
        f"Zeile 2 ({c1})", f"Zeile 3 ({c2})", f"Zeile 4 ({c3})", f"Zeile 5 ({c4})", "Zeile 6",
        f"Zeile 7 ({stops[5][0]})"]
    assert "Datum: " in lines[0] and "Uhrzeit: " in lines[1] and "Termin: " in lines[3]
    assert "vielleicht" in lines[2] and "Kundennummer fehlt" in lines[4]
    assert "Zeile 7 hat 7 Felder, die Kopfzeile 5" in lines[5] and "Hund" not in lines[5]


def test_a_weekday_in_an_outcome_file_must_fit_its_date(planned, tmp_path):
    """A weekday before the Datum or the Termin is read and checked: a wrong one rejects
    the row naming both (it was stripped unread, and a Termin with a weekday was „kein
    Zeitpunkt“: QA 15a F7)."""
    import shutil

    from hausbesuch.fields import WEEKDAYS_DE
    from hausbesuch.store import Store

    src, plan = planned
    db = str(tmp_path / "wochentag.sqlite")
    shutil.copy(src, db)
    early = [(s.client_id, r.day) for r in plan.routes for s in r.stops
             if r.day <= START + timedelta(days=1) and s.client_id not in PINS]
    (c1, d1), (c2, d2), (c3, d3) = early[:3]
    when = START + timedelta(days=3)  # Thursday 10.12.2026

    def typed(d: date, wrong: bool = False) -> str:
        return f"{WEEKDAYS_DE[(d.weekday() + 1) % 7 if wrong else d.weekday()]}, {d:%d.%m.%Y}"

    path = tmp_path / "ergebnisse.csv"
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin"])
        w.writerow([c1, typed(d1, wrong=True), "", "nicht angetroffen", ""])
        w.writerow([c2, typed(d2), "10:00", "Termin vereinbart", f"{typed(when)} 10:30"])
        w.writerow([c3, typed(d3), "10:00", "Termin vereinbart",
                    f"{typed(when, wrong=True)} 10:30"])
    code, out = invoke("outcomes", str(path), *_common(db))
    assert "1 erfasst" in out and "2 abgelehnt" in out, out
    lines = [line.strip() for line in out.splitlines() if line.strip().startswith("Zeile")]
    wrong_day = WEEKDAYS_DE[(d1.weekday() + 1) % 7]
    long_names = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")
    assert lines == [
        f"Zeile 2 ({c1}), Datum: „{wrong_day}“ passt nicht zu {d1:%d.%m.%Y} "
        f"({long_names[d1.weekday()]})",
        f"Zeile 4 ({c3}), Termin: „Fr“ passt nicht zu 10.12.2026 (Donnerstag)"], out
    with Store.open(db) as store:
        assert not store.audit_rows(client_id=c1, action="ergebnis_erfasst")
        assert not store.audit_rows(client_id=c3, action="ergebnis_erfasst")
        assert store.audit_rows(client_id=c2, action="ergebnis_erfasst")
    assert "Termin vereinbart für Do, 10.12.2026, 10:30 Uhr" in ok("status", c2, *_common(db))


def test_an_outcome_after_today_is_refused_until_the_visit_day(planned, tmp_path):
    """A row whose day lies after today is rejected naming row and field; on the visit's
    day the same file is recorded."""
    import shutil

    from hausbesuch.store import Store

    src, plan = planned
    db = str(tmp_path / "zukunft.sqlite")
    shutil.copy(src, db)
    cid, day = next((s.client_id, r.day) for r in plan.routes for s in r.stops)
    path = tmp_path / "ergebnisse.csv"
    path.write_text(f"Kundennummer;Datum;Ergebnis\n{cid};{day:%d.%m.%Y};angetroffen\n",
                    encoding="utf-8")
    before = day - timedelta(days=1)
    res = runner.invoke(app, ["outcomes", str(path), *_common(db)],
                        env={clock.ENV: before.isoformat()}, catch_exceptions=False)
    assert res.exit_code == 2, res.output  # nothing recorded, a row rejected
    assert "0 erfasst" in res.output and "1 abgelehnt" in res.output, res.output
    line = next(x.strip() for x in res.output.splitlines() if x.strip().startswith("Zeile"))
    assert line.startswith(f"Zeile 2 ({cid}), Datum: {format_day(day)} liegt in "
                           f"der Zukunft (heute ist {format_day(before)})"), line
    with Store.open(db) as store:
        assert not store.audit_rows(client_id=cid, action="ergebnis_erfasst")
    res = runner.invoke(app, ["outcomes", str(path), *_common(db)],
                        env={clock.ENV: day.isoformat()}, catch_exceptions=False)
    assert "1 erfasst" in res.output and "0 abgelehnt" in res.output, res.output


def test_a_bad_day_taken_as_today_is_named(planned, tmp_path):
    import shutil

    src, plan = planned
    db = str(tmp_path / "heute.sqlite")
    shutil.copy(src, db)
    cid, day = next((s.client_id, r.day) for r in plan.routes for s in r.stops)
    path = tmp_path / "ergebnisse.csv"
    path.write_text(f"Kundennummer;Datum;Ergebnis\n{cid};{day:%d.%m.%Y};angetroffen\n",
                    encoding="utf-8")
    res = runner.invoke(app, ["outcomes", str(path), *_common(db)],
                        env={clock.ENV: "15.01.2027"})
    assert res.exit_code == 2, res.output
    assert "HAUSBESUCH_HEUTE='15.01.2027' ist kein Datum (erwartet JJJJ-MM-TT" in res.output


def test_an_appointment_agreed_during_the_week_is_planned_by_the_replan(planned, tmp_path):
    """A visit on the first day ends with 'Termin vereinbart' for a later day of the same
    plan: the re-plan plans that appointment at its time as a visit of its own (the first
    visit stays as it was); nothing is lost."""
    import shutil

    from hausbesuch.store import Store

    db, _ = planned
    copy = str(tmp_path / "termin.sqlite")
    shutil.copy(db, copy)
    with Store.open(copy) as store:
        old = store.latest_plan("Bad Hersfeld")
    first, when, moment = agree_appointment(old, copy, tmp_path)
    out = ok("replan", old.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out",
             str(tmp_path / "neu"), "--time-limit", "6", *_common(copy))
    with Store.open(copy) as store:
        new = store.latest_plan("Bad Hersfeld")
    visits = sorted(((r.team_id, s) for r in new.routes for s in r.stops
                     if s.client_id == first.client_id), key=lambda x: x[1].start)
    assert [s.start for _, s in visits] == [first.start, when], (visits, out)
    assert visits[0][1].visit_id == first.visit_id
    assert visits[1][1].visit_id and visits[1][1].visit_id != first.visit_id
    # the pages show the agreed time as the visit's window (not the client's 'ganztägig')
    assert visits[1][1].window_text == "Termin vereinbart: 10:30 Uhr"
    page = (tmp_path / "neu" / "routen").glob("*.html")
    # in one line saying when it was agreed, a follow-up visit, not a try (QA 28 F13)
    from hausbesuch.fields import format_day

    line = (f"Vereinbarter Termin 10:30 Uhr (am {format_day(first.start.date())} an der Tür "
            "vereinbart) · Bezirk: ")
    texts = [p.read_text(encoding="utf-8") for p in page]
    item = next(t for t in texts if line in t)
    item = item[item.index(line):].split("</li>", 1)[0]
    assert "Folgebesuch" in item and "Versuch" not in item, item
    assert "Termin vereinbart" not in item, item
    assert first.client_id not in {u.client_id for u in new.unassigned}
    with Store.open(copy) as store:
        from hausbesuch.store import CaseVisitRow

        with store.session() as s:
            from sqlalchemy import select

            states = sorted((v.day, v.status) for v in s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.client_id == first.client_id)))
    assert (first.start.date(), "erledigt") in states and (when.date(), "geplant") in states
    # QA 15a F2: no announcement letter for the appointment (the client agreed the time at
    # the door; the letter greeted them as not yet met, with a window around it), nor for
    # the visit made; the pages keep „Termin vereinbart“
    res = runner.invoke(app, ["letters", new.id, "--clients", first.client_id, "--out",
                              str(tmp_path / "briefe"), "--db", copy],
                        env={clock.ENV: first.start.date().isoformat()})  # on the visit's day
    out = res.output
    assert (f"Kein Brief für {first.client_id}: Termin am {format_day(when)}, 10:30 Uhr beim "
            "Besuch vereinbart: kein Ankündigungsbrief") in out, out
    assert not list((tmp_path / "briefe").glob("brief_*.pdf")), out
    with Store.open(copy) as store:
        assert not store.audit_rows(client_id=first.client_id, action="brief_erstellt")
        again = store.load_plan(new.id)
    (kept,) = [s for r in again.routes for s in r.stops if s.visit_id == visits[1][1].visit_id]
    assert kept.window_text == "Termin vereinbart: 10:30 Uhr"
    # a letter an earlier version wrote for it: the pages show the agreed time and the
    # window promised
    with Store.open(copy) as store, store.session() as s:
        row = s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.visit_id == kept.visit_id)).one()
        row.promised_start, row.promised_end = when - timedelta(hours=1), when + timedelta(hours=1)
        row.announced_at = datetime(2026, 12, 8, 9, 0)
    with Store.open(copy) as store:
        again = store.load_plan(new.id)
    (kept,) = [s for r in again.routes for s in r.stops if s.visit_id == visits[1][1].visit_id]
    assert kept.window_text == ("Termin vereinbart: 10:30 Uhr; angekündigt: 09:30–11:30 Uhr "
                                "(Brief vom Di, 08.12.2026)"), kept.window_text


def _record(db: str, stop, result: str, today: date, tmp_path: Path) -> None:  # noqa: ANN001
    """``result`` for ``stop`` at its planned time, recorded with ``outcomes`` on ``today``."""
    rows = tmp_path / f"erg-{stop.client_id}.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{stop.client_id};{stop.start:%d.%m.%Y};{stop.start:%H:%M};{result}\n",
                    encoding="utf-8")
    code, out = ClockedCli(today).invoke("outcomes", str(rows), *_common(db))
    assert code == 0 and "1 erfasst" in out, out


def _half(at: datetime) -> tuple[int, str]:
    from hausbesuch.casework.rules import half_of_day

    return at.weekday(), half_of_day(at.hour * 60 + at.minute)


def test_a_failed_try_is_revisited_by_the_replan(planned, base, tmp_path):
    """QA 31: Monday's visit ends „nicht angetroffen“, „Neu planen“ on Tuesday: the new
    version plans the revisit as a visit of its own (a new case visit, „2. Versuch“) on a
    day the rules allow (from Wednesday, two working days later; not on the weekday and
    half-day of the try); the failed stop stays as it was, with its outcome. Before, the
    re-plan planned no revisit and listed the case nowhere until the next week's plan. A
    case whose failed try was its last allowed one gets none (it is in Klärung), and the
    next week's plan does not book the revisited case again."""
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, OutcomeRow, Store

    db, plan, stops = _copy_of(planned, tmp_path, "wieder.sqlite")
    tue = START + timedelta(days=1)
    monday = sorted((s for s in stops if s.start.date() == START), key=lambda s: s.start)
    failed, last_try = monday[0], monday[1]
    # the second case had two failed tries in earlier weeks: Monday's is its last allowed
    with Store.open(db) as store, store.session() as s:
        for k in (14, 7):
            s.add(OutcomeRow(city="Bad Hersfeld", client_id=last_try.client_id,
                             day=START - timedelta(days=k), time_min=10 * 60,
                             result="nicht_angetroffen", recorded_by="test",
                             recorded_at=datetime.combine(START - timedelta(days=k),
                                                          datetime.min.time()),
                             source="datei"))
    # Monday's visit was announced by letter
    code, said = ClockedCli(START).invoke("letters", plan.id, "--clients", failed.client_id,
                                          "--out", str(tmp_path / "briefe1"), "--db", db)
    assert code == 0 and "1 Brief" in said, said
    _record(db, failed, "Nicht angetroffen", tue, tmp_path)
    _record(db, last_try, "Nicht angetroffen", tue, tmp_path)
    out = ClockedCli(tue).ok("replan", plan.id, "--from", f"{tue:%Y-%m-%d} 07:00", "--out",
                             str(tmp_path / "neu"), "--time-limit", "4", "--threads", "1",
                             *_common(db))
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
    visits = sorted((s for r in new.routes for s in r.stops
                     if s.client_id == failed.client_id), key=lambda s: s.start)
    assert len(visits) == 2, (visits, [u for u in new.unassigned
                                       if u.client_id == failed.client_id], out)
    kept, again = visits
    assert (kept.visit_id, kept.start) == (failed.visit_id, failed.start)
    assert again.visit_id and again.visit_id != failed.visit_id
    assert START + timedelta(days=2) <= again.start.date() <= START + timedelta(days=4)
    assert _half(again.start) != _half(failed.start), again
    assert again.try_label == "2. Versuch"
    assert failed.client_id not in {u.client_id for u in new.unassigned}
    # the version's notes name it (stored: ``show`` and the web's plan page say it too)
    from hausbesuch.fields import format_day

    said_revisit = (f"Wiederholungsbesuch eingeplant (letzter Versuch ohne Kontakt): "
                    f"{failed.client_id} am {format_day(again.start.date())}.")
    assert said_revisit in new.warnings, new.warnings
    assert f"Hinweis: {said_revisit}" in out, out
    with Store.open(db) as store, store.session() as s:
        rows = {v.visit_id: (v.status, v.day, v.try_no) for v in s.scalars(
            select(CaseVisitRow).where(CaseVisitRow.client_id == failed.client_id))}
    assert rows == {failed.visit_id: ("erledigt", START, 1),
                    again.visit_id: ("geplant", again.start.date(), 2)}, rows
    # the first letter announced the failed try, not the revisit: the revisit gets a
    # letter of its own (the follow-up text), and no correction letter is due
    code, said = ClockedCli(tue).invoke("letters", new.id, "--clients", failed.client_id,
                                        "--out", str(tmp_path / "briefe2"), "--db", db)
    assert code == 0 and "Folgetext" in said and failed.client_id in said, said
    with Store.open(db) as store, store.session() as s:
        row = s.get(CaseVisitRow, again.visit_id)
        assert row.announced_at is not None
        assert row.promised_start <= again.start <= row.promised_end
    code, said = ClockedCli(tue).invoke("letters", new.id, "--correction", "--out",
                                        str(tmp_path / "korrektur"), "--db", db)
    assert code == 0 and "Keine Korrekturbriefe nötig" in said, said
    # the pages of the version (as ``show`` writes them) show the revisit as a second try
    ok("show", new.id, "--out", str(tmp_path / "gezeigt"), *_common(db))
    (route,) = [r for r in new.routes if again in r.stops]
    for folder in ("neu", "gezeigt"):
        page = (tmp_path / folder / "routen" / f"{route.team_id}_{route.day}.html").read_text(
            encoding="utf-8")
        item = page[page.index(f'<span class="cid">{failed.client_id}</span>'):]
        item = item.split("</li>", 1)[0]
        assert "· 2. Versuch</div>" in item, item
    # the last allowed try: in Klärung, no revisit, its stop as it was
    code, status = invoke("status", last_try.client_id, *_common(db))
    assert "in Klärung" in status or "in_klaerung" in status, status
    assert [s.visit_id for r in new.routes for s in r.stops
            if s.client_id == last_try.client_id] == [last_try.visit_id]
    # the next week's plan, made on Tuesday, leaves the revisited case to this one
    _add_open_case(db, base, tmp_path)  # (so that the week has a case to plan)
    ClockedCli(tue).ok("plan", *_common(db), "--start", (START + timedelta(days=7)).isoformat(),
                       "--days", "5", "--out", str(tmp_path / "w51"), "--time-limit", "2",
                       "--threads", "1")
    with Store.open(db) as store:
        nxt = store.latest_plan("Bad Hersfeld")
    assert nxt.start == START + timedelta(days=7)
    assert failed.client_id not in {s.client_id for r in nxt.routes for s in r.stops} | {
        u.client_id for u in nxt.unassigned}


def test_a_failed_try_the_next_weeks_plan_holds_is_left_to_it(planned, base, tmp_path):
    """Review 31: Monday's visit fails, the next week's plan (made on Tuesday) takes the
    case up, then the week is re-planned on Wednesday: the re-plan leaves the case to that
    plan, without a revisit of its own and without listing it as not planned (it listed
    it „Bereits in Plan … eingeplant“, and report.csv said „nicht_eingeplant“)."""
    db, plan, stops = _copy_of(planned, tmp_path, "naechste.sqlite")
    tue, wed = START + timedelta(days=1), START + timedelta(days=2)
    failed = min((s for s in stops if s.start.date() == START), key=lambda s: s.start)
    _record(db, failed, "Nicht angetroffen", tue, tmp_path)
    ClockedCli(tue).ok("plan", *_common(db), "--start", (START + timedelta(days=7)).isoformat(),
                       "--days", "5", "--out", str(tmp_path / "w51"), "--time-limit", "2",
                       "--threads", "1")
    from hausbesuch.store import Store

    with Store.open(db) as store:
        later = store.latest_plan("Bad Hersfeld")
    assert [s for r in later.routes for s in r.stops if s.client_id == failed.client_id]
    ClockedCli(wed).ok("replan", plan.id, "--from", f"{wed:%Y-%m-%d} 07:00", "--out",
                       str(tmp_path / "neu"), "--time-limit", "2", "--threads", "1",
                       *_common(db))
    with Store.open(db) as store:
        (new,) = [store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")
                  if p.version == 2]
    assert [s.visit_id for r in new.routes for s in r.stops
            if s.client_id == failed.client_id] == [failed.visit_id]
    assert failed.client_id not in {u.client_id for u in new.unassigned}, new.unassigned
    rows = [r for r in csv.DictReader(io.StringIO(
        (tmp_path / "neu" / "report.csv").read_text(encoding="utf-8-sig")), delimiter=";")
        if r["id"] == failed.client_id]
    assert [r["status"] for r in rows] == ["geplant"], rows


def test_a_failed_try_with_no_day_left_is_listed_for_the_next_plan(planned, tmp_path):
    """QA 31: Thursday's visit ends „nicht angetroffen“; its revisit may come on Monday at
    the earliest, after the plan's days. The re-plan on Friday lists it under „Nicht
    eingeplant“ saying so (before: nowhere), and the next week's plan takes it up on a day
    the rules allow."""
    from hausbesuch.store import Store

    db, plan, stops = _copy_of(planned, tmp_path, "spaet.sqlite")
    thu, fri = START + timedelta(days=3), START + timedelta(days=4)
    failed = min((s for s in stops if s.start.date() == thu), key=lambda s: s.start)
    _record(db, failed, "Nicht angetroffen", fri, tmp_path)
    out = ClockedCli(fri).ok("replan", plan.id, "--from", f"{fri:%Y-%m-%d} 07:00", "--out",
                             str(tmp_path / "neu"), "--time-limit", "2", "--threads", "1",
                             *_common(db))
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
    assert [s.visit_id for r in new.routes for s in r.stops
            if s.client_id == failed.client_id] == [failed.visit_id]
    (u,) = [u for u in new.unassigned if u.client_id == failed.client_id] or [None]
    assert u is not None, out
    assert u.reason == ("Wiederholungsbesuch frühestens Mo, 14.12.2026 – nach diesem Plan "
                        "(bis Fr, 11.12.2026); kommt in den nächsten Plan."), u.reason
    assert u.tries_before == 1
    ClockedCli(fri).ok("plan", *_common(db), "--start", (START + timedelta(days=7)).isoformat(),
                       "--days", "5", "--out", str(tmp_path / "w51"), "--time-limit", "2",
                       "--threads", "1")
    with Store.open(db) as store:
        nxt = store.latest_plan("Bad Hersfeld")
    (again,) = [s for r in nxt.routes for s in r.stops if s.client_id == failed.client_id]
    assert again.start.date() >= START + timedelta(days=7)
    assert _half(again.start) != _half(failed.start), again
    assert again.try_label == "2. Versuch"
    # the week re-planned once more: the revisit is the next plan's now, the case is not
    # listed again („Bereits in Plan …“, QA 31b: it came from the version's own list)
    ClockedCli(fri).ok("replan", new.id, "--from", f"{fri:%Y-%m-%d} 12:00", "--out",
                       str(tmp_path / "neu2"), "--time-limit", "2", "--threads", "1",
                       *_common(db))
    with Store.open(db) as store:
        (v3,) = [store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")
                 if p.version == 3]
    assert failed.client_id not in {u.client_id for u in v3.unassigned}, v3.unassigned
    assert [s.visit_id for r in v3.routes for s in r.stops
            if s.client_id == failed.client_id] == [failed.visit_id]
    rows = [r for r in csv.DictReader(io.StringIO(
        (tmp_path / "neu2" / "report.csv").read_text(encoding="utf-8-sig")), delimiter=";")
        if r["id"] == failed.client_id]
    assert [r["status"] for r in rows] == ["geplant"], rows


def test_a_pin_whose_day_passed_no_longer_blocks_the_client(planned, tmp_path):
    """A pin to a day before the planned span (set in the list, on the web, or an
    appointment nobody recorded) has passed: the client is planned freely, with a note."""
    import shutil

    from hausbesuch.store import ClientRow, Store

    db, _ = planned
    copy = str(tmp_path / "verstrichen.sqlite")
    shutil.copy(db, copy)
    with Store.open(copy) as store, store.session() as s:
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": "P002"})
        assert row.pin_day == date(2026, 12, 9)
        row.pin_source = "web"
    nxt = START + timedelta(days=7)
    out = ok("plan", *_common(copy), "--start", nxt.isoformat(), "--days", "5", "--out",
             str(tmp_path / "naechste"), "--time-limit", "2", "--threads", "1")
    assert ("Hinweis: Festgelegter Tag verstrichen, ohne Besuch oder ohne erfasstes Ergebnis; daher frei eingeplant: "
            "P001 (laut Liste Di, 08.12.2026), P002 (im Web festgelegt Mi, 09.12.2026), P003 "
            "(laut Liste Do, 10.12.2026).") in out, out
    with Store.open(copy) as store:
        plan = store.latest_plan("Bad Hersfeld")
    stops = _stops(plan)
    assert {"P001", "P002", "P003"} <= set(stops), [
        (u.client_id, u.reason) for u in plan.unassigned]
    assert all(nxt <= stops[c][1] for c in ("P001", "P002", "P003"))


def test_a_corrected_address_is_the_one_the_field_and_the_letter_get(base, tmp_path):
    """A list address with a postcode outside the extract (a typing error), fixed by a
    suggestion: route page, plan data and letter carry the corrected address (street,
    postcode and town), not the list's. (A town outside the extract gets no suggestion:
    QA 44a F3, tests/test_address_reading44.py.)"""
    from hausbesuch.store import Store

    d, addrs = base
    street, hn = addrs[30][0], addrs[30][1]
    path = tmp_path / "liste.csv"
    path.write_text("Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit\n"
                    f"K-1;Test, Anna;{street};{hn};36521;;01.03.2025\n", encoding="utf-8")
    db = str(tmp_path / "korrektur.sqlite")
    ok("import", str(path), *_common(db))
    out = ok("address", "K-1", "--suggestion", "1", *_common(db))
    assert "36251 Bad Hersfeld" in out, out
    ok("plan", *_common(db), "--start", START.isoformat(), "--days", "1", "--out",
       str(tmp_path / "plan"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    stop = next(s for r in plan.routes for s in r.stops if s.client_id == "K-1")
    assert "36251 Bad Hersfeld" in stop.address and "36521" not in stop.address, stop.address
    page = next((tmp_path / "plan").rglob("*.html")).read_text(encoding="utf-8")
    assert "36521" not in "".join(p.read_text(encoding="utf-8")
                                   for p in (tmp_path / "plan").rglob("*.html")), page[:200]
    res = runner.invoke(app, ["letters", plan.id, "--out", str(tmp_path / "briefe"), "--db", db],
                        env={clock.ENV: (START - timedelta(days=3)).isoformat()})  # ahead
    assert res.exit_code == 0, res.output
    text = PdfReader(next((tmp_path / "briefe").glob("brief_*.pdf"))).pages[0].extract_text()
    assert "36251 Bad Hersfeld" in text and "36521" not in text, text


def test_an_appointment_the_teams_cannot_keep_is_refused(planned, tmp_path):
    """'Termin vereinbart' on a Sunday, a public holiday, outside the teams' hours or in a
    mistyped year is rejected naming row and field Termin; a good one is recorded."""
    import shutil

    src, plan = planned
    db = str(tmp_path / "termine.sqlite")
    shutil.copy(src, db)
    stops = [(s.client_id, r.day) for r in plan.routes for s in r.stops
             if s.client_id not in PINS][:7]
    when = ["13.12.2026 10:00", "25.12.2026 10:00", "15.12.2026 22:00", "15.12.2099 10:00",
            "15.12.2026 08:00", "15.12.2026 10:00", "22.12.2026 10:00"]
    path = tmp_path / "ergebnisse.csv"
    path.write_text("Kundennummer;Datum;Ergebnis;Termin\n" + "".join(
        f"{cid};{day:%d.%m.%Y};Termin vereinbart;{w}\n"
        for (cid, day), w in zip(stops, when, strict=True)), encoding="utf-8")
    out = ok("outcomes", str(path), *_common(db))  # (today is 21.12.2026)
    assert "2 erfasst" in out and "5 abgelehnt" in out, out
    # QA 15a F6: a sheet that came late sets an appointment already gone: said at once
    assert (f"Hinweis: Zeile 7 ({stops[5][0]}): der vereinbarte Termin am Di, 15.12.2026, "
            "10:00 Uhr ist schon vorbei; bitte mit der Kundin oder dem Kunden einen neuen "
            "Termin vereinbaren") in out, out
    assert "Zeile 8 (" not in out, out  # the appointment of the 22nd lies ahead
    lines = [x.strip() for x in out.splitlines() if x.strip().startswith("Zeile")]
    # each names the field once (it read „Termin: Termin So 13.12.2026 …“)
    assert [x.split(", ", 1)[1].split(" ", 1)[0] for x in lines] == ["Termin"] * 5, lines
    assert "Termin: Termin" not in out, out
    # the moment as the pages write it: weekday, comma, „Uhr“ (QA 28 F19)
    assert ", Termin So, 13.12.2026, 10:00 Uhr: kein Arbeitstag (Wochenende)" in lines[0]
    assert "kein Arbeitstag (Feiertag: Erster Weihnachtstag)" in lines[1]
    assert "22:00 Uhr liegt außerhalb der Arbeitszeit der Teams (08:00–16:00 Uhr)" in lines[2]
    assert "(Jahr vertippt?)" in lines[3]
    # at the start of the shift the teams only set out: no door can be reached then
    assert "08:00 Uhr ist der Schichtbeginn der Teams (08:00 Uhr)" in lines[4]


def test_an_appointment_whose_visit_ends_after_the_shift_is_recorded_with_a_hint(planned,
                                                                                  tmp_path):
    """QA 26 F7, review 37 #5: „Termin vereinbart“ at 15:50 with a 45-minute visit ends
    after the shift (16:00): recorded (what was agreed with the client), but the next plan
    could not hold it and nothing said so at entry. A „Hinweis“ names the end with the
    way back from that door (stored with the stop: the phone's numbers) and the latest
    start; a visit that fits gets none."""
    import shutil

    from hausbesuch.config import load_profile

    src, plan = planned
    db = str(tmp_path / "spaet.sqlite")
    shutil.copy(src, db)
    (a, day_a, way_a), (b, day_b, _) = [(s.client_id, r.day, s.way_back_s)
                                        for r in plan.routes for s in r.stops
                                        if s.client_id not in PINS][:2]
    path = tmp_path / "ergebnisse.csv"
    path.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"{a};{day_a:%d.%m.%Y};Termin vereinbart;22.12.2026 15:50\n"
                    f"{b};{day_b:%d.%m.%Y};Termin vereinbart;22.12.2026 10:00\n",
                    encoding="utf-8")
    out = ok("outcomes", str(path), *_common(db))  # (today is 21.12.2026)
    assert "2 erfasst" in out, out
    flat = " ".join(out.split())
    minutes = load_profile("bad-hersfeld").workday.visit_minutes  # (no Besuchsdauer column)
    assert way_a is not None
    back = -(-way_a // 60)
    end, latest = 15 * 60 + 50 + minutes + back, 16 * 60 - minutes - back
    assert (f"Hinweis: Zeile 2 ({a}): der vereinbarte Termin am Di, 22.12.2026, 15:50 Uhr ist "
            f"erfasst, aber der Besuch ({minutes} Min.) und der Rückweg ({back} Min.) enden "
            f"erst um {end // 60:02d}:{end % 60:02d} Uhr, nach Schichtende 16:00 Uhr: so kann "
            "ihn keine Planung aufnehmen.") in flat, out
    # one latest time, as the phone's refusal gives it (QA 28 F19: „Beginn spätestens
    # 15:00 Uhr, mit dem Rückweg früher“ left it open)
    assert (f"einen früheren Termin vereinbaren, spätestens {latest // 60:02d}:"
            f"{latest % 60:02d} Uhr.") in flat, out
    assert f"Zeile 3 ({b})" not in out, out


def test_a_client_with_a_visit_still_ahead_is_not_planned_again(planned, base, tmp_path):
    """Planning the week after a plan whose visits still lie ahead leaves those clients
    out (named in a 'Hinweis'); once their day has passed without an outcome, they are
    planned again and the coordinator is told to record the outcomes first, in the words
    of ``show``'s note on visits without an outcome (one rule, one wording: the visits by
    team-day, at most 20 case ids)."""
    import shutil

    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, Store

    src, first = planned
    nxt = START + timedelta(days=7)
    for today, kept_out in ((START - timedelta(days=1), True), (nxt, False)):
        db = str(tmp_path / f"{today}.sqlite")
        shutil.copy(src, db)  # (other tests of this module may have re-planned it)
        _add_open_case(db, base, tmp_path)  # (so that the week has a case to plan)
        with Store.open(db) as store, store.session() as s:
            before = list(s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.status == "geplant", CaseVisitRow.day < nxt)))
        planned_before = {v.client_id for v in before}
        assert planned_before
        res = runner.invoke(app, ["plan", *_common(db), "--start", nxt.isoformat(), "--days",
                                  "5", "--out", str(tmp_path / f"plan-{today}"),
                                  "--time-limit", "2", "--threads", "1"],
                            env={clock.ENV: today.isoformat()}, catch_exceptions=False)
        assert res.exit_code == 0, res.output
        with Store.open(db) as store:
            plan = store.latest_plan("Bad Hersfeld")
        again = {s.client_id for r in plan.routes for s in r.stops} | {
            u.client_id for u in plan.unassigned}
        if kept_out:
            assert not again & planned_before, again & planned_before
            # (another test of this module may have added a plan over the first days)
            found = re.search(r"\d+ Fälle haben in Plan \S+ schon einen geplanten "
                              r"Besuch vor diesem Zeitraum \(([^)]*)\)", res.output)
            assert found, res.output
            # the cases are named with their day (at most ten of them)
            named = set(re.findall(r"(\S+) am \w\w, \d\d\.\d\d\.\d{4}", found[1]))
            assert named and named <= planned_before, (named, planned_before)
        else:
            assert planned_before <= again
            said = " ".join(res.output.split())
            note = re.search(
                r"Hinweis: (\d+) Besuche an vergangenen Tagen ohne Ergebnis: (.*?)"
                r"(?: … und (\d+) weitere)?\. (?:Hat das Team|Haben die Teams) berichtet\? "
                r"Ergebnis nachtragen \(hausbesuch outcomes LISTE\), am besten vor dem "
                r"Planen; dieser Plan plant die Fälle erneut ein\.",
                said)
            assert note, said
            assert int(note[1]) == len(before) > 20
            assert int(note[3]) == len(before) - 20
            first = sorted(before, key=lambda v: (v.day, v.team_id, v.start_at))[0]
            assert note[2].startswith(f"{format_day(first.day)}, Team {first.team_id}: "
                                      f"{first.client_id}"), note[2]
            named = [cid for group in note[2].split("; ")
                     for cid in group.split(": ", 1)[1].split(", ")]
            assert len(named) == 20 and set(named) <= planned_before, named


def test_a_week_planned_before_a_week_already_planned_books_nobody_twice(planned, base,
                                                                          tmp_path):
    """The week after is planned first, then the week before it: the clients with a visit
    in the later plan are not planned again; a 'Hinweis' names them ('nach diesem
    Zeitraum')."""
    import shutil

    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, Store

    src, first = planned
    db = str(tmp_path / "vorher.sqlite")
    shutil.copy(src, db)
    _add_open_case(db, base, tmp_path)  # (so that the week has a case to plan)
    with Store.open(db) as store, store.session() as s:
        later = set(s.scalars(select(CaseVisitRow.client_id).where(
            CaseVisitRow.status == "geplant", CaseVisitRow.day >= START)))
    assert later
    before = START - timedelta(days=7)
    res = runner.invoke(app, ["plan", *_common(db), "--start", before.isoformat(), "--days",
                              "5", "--out", str(tmp_path / "vorher"), "--time-limit", "2",
                              "--threads", "1"],
                        env={clock.ENV: (before - timedelta(days=3)).isoformat()},
                        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    assert plan.start == before
    booked = {s.client_id for r in plan.routes for s in r.stops}
    assert not booked & later, booked & later
    found = re.search(r"\d+ Fälle haben in Plan \S+ schon einen geplanten Besuch nach "
                      r"diesem Zeitraum \(([^)]*)\)", res.output)
    assert found, res.output
    named = re.findall(r"(\S+) am \w\w, \d\d\.\d\d\.\d{4}", found[1])  # with the weekday
    assert named and set(named) <= later, found[1]


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_plans_made_at_the_same_time_book_nobody_twice(base, tmp_path, backend, request,
                                                           monkeypatch):
    """Two coordinators plan two weeks at the same moment (two jobs, each with its own
    connection): the plans are made one after the other, and no client is in both. (When
    the first one booked every client, the second has nothing to plan and names it.)"""
    import threading

    from hausbesuch.config import load_profile
    from hausbesuch.errors import UserError
    from hausbesuch.planning import PlanOptions
    from hausbesuch.planning.workflow import plan_span
    from hausbesuch.store import Store

    d, _ = base
    if backend == "sqlite":
        db = str(tmp_path / "zugleich.sqlite")
    else:
        db = schema_url(pg_url(), f"t_zugleich_{os.getpid()}", request)
    ok("import", str(d / "kunden.csv"), *_common(db))
    monkeypatch.setenv(clock.ENV, (START - timedelta(days=3)).isoformat())
    profile = load_profile("bad-hersfeld")
    results: dict[date, object] = {}
    errors: list[BaseException] = []

    def make(start: date) -> None:
        try:
            with Store.open(db) as store:
                results[start] = plan_span(store, profile, PlanOptions(
                    start=start, days=5, time_limit=2, threads=1), actor="test")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    weeks = [START, START + timedelta(days=7)]
    threads = [threading.Thread(target=make, args=(w,)) for w in weeks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # (review 30: no plan of 0 team-days) the second may find every client booked
    refused = [str(e) for e in errors if isinstance(e, UserError)]
    assert len(refused) == len(errors) <= 1, errors
    booked = [{s.client_id for r in res.plan.routes for s in r.stops}
              for res in results.values()]
    assert booked[0]  # (whichever came first got the clients)
    if refused:
        [made] = results.values()
        assert refused[0].startswith("Nichts zu planen: jeder offene Fall in Bad Hersfeld "
                                     "hat schon einen geplanten Besuch"), refused
        assert f"Plan {made.plan_id} (" in refused[0], refused
        return
    assert not booked[0] & booked[1], booked[0] & booked[1]
    hints = " ".join(w for res in results.values() for w in res.warnings)
    assert "schon einen geplanten Besuch" in hints


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_an_import_waits_for_another_import_of_the_city(base, tmp_path, backend, request):
    """Two imports of one city run one after the other: while another import's transaction
    holds the city, an import waits and then counts the clients that one stored as
    existing (before, on PostgreSQL both read the same clients and the second insert
    ended in a UniqueViolation traceback, its whole list lost)."""
    import threading

    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    d, _ = base
    if backend == "sqlite":
        db = str(tmp_path / "import.sqlite")
    else:
        db = schema_url(pg_url(), f"t_import_{os.getpid()}", request)
    profile = load_profile("bad-hersfeld")
    with Store.open(db) as store:
        Casework(store, profile, actor="test")  # the schema
    done: list[object] = []
    with Store.open(db) as holder, holder.session() as s:
        holder.one_at_a_time(s, profile.name, "import")  # another import, not yet committed

        def other() -> None:
            with Store.open(db) as store:
                done.append(Casework(store, profile, actor="test").import_clients(
                    d / "kunden.csv"))

        t = threading.Thread(target=other)
        t.start()
        t.join(3.0)
        assert not done, "the import did not wait"
    t.join(60)
    assert done and done[0].new, done
    with Store.open(db) as store:
        again = Casework(store, profile, actor="test").import_clients(d / "kunden.csv")
    assert again.new == []


def test_a_moved_client_with_a_new_address_is_listed_with_it(planned, tmp_path):
    """'verzogen' puts a case in Klärung; once the coordinator stores the new address, the
    address list shows that address and says how to go on (reopen the case)."""
    import shutil

    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    src, plan = planned
    db = str(tmp_path / "umzug.sqlite")
    shutil.copy(src, db)
    cid = next(s.client_id for r in plan.routes for s in r.stops if s.client_id not in PINS)
    new = next(s.address for r in plan.routes for s in r.stops if s.client_id != cid)
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        cw.set_status(cid, "in_klaerung", "verzogen am 07.12.2026")
        before = {p.client_id: p for p in cw.address_problems()}[cid]
        assert before.reason == "in Klärung: verzogen am 07.12.2026"
        cw.fix_address(cid, address=new)
        after = {p.client_id: p for p in cw.address_problems()}[cid]
    assert after.address != before.address and after.address.split(",")[0] in new
    assert after.reason == ("in Klärung: verzogen am 07.12.2026; Adresse korrigiert: ist der "
                            "Fall geklärt, den Status wieder auf „offen“ setzen")


def test_a_client_only_moved_in_the_list_is_unchanged(base, tmp_path):
    """Re-importing the list with one row removed: the rows after it only move up; they
    count as unchanged (no audit of a change), only the real change is 'aktualisiert'."""
    from hausbesuch.store import Store

    d, addrs = base
    db = str(tmp_path / "umsortiert.sqlite")
    ok("import", str(d / "kunden.csv"), *_common(db))
    lines = (d / "kunden.csv").read_text(encoding="utf-8-sig").splitlines()
    header, rows = lines[0], lines[1:]
    rows = [r for r in rows if not r.startswith("P020;")]  # removed: later rows move up
    rows = [r.replace("Geheim P030", "Geheim P030 neu") for r in rows]  # a real change
    (tmp_path / "neu.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    out = ok("import", str(tmp_path / "neu.csv"), *_common(db))
    assert "0 neu" in out and "1 aktualisiert" in out, out
    with Store.open(db) as store:
        changed = [r["client_id"] for r in store.audit_rows(action="klient_geaendert")]
    assert changed == ["P030"], changed


def test_a_list_whose_every_row_is_rejected_exits_2(tmp_path):
    """Nothing read in: the rows are listed with their reasons, the report is written and
    the command fails (exit 2), so that a script does not take the list for done."""
    path = tmp_path / "liste.csv"
    path.write_text("Kundennummer;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit\n"
                    "K-1;Am Markt;1;36251;Bad Hersfeld;31.02.2025\n"
                    "K-2;;;;;01.03.2025\n", encoding="utf-8")
    report = tmp_path / "bericht.csv"
    code, out = invoke("import", str(path), *_common(str(tmp_path / "f.sqlite")), "--report",
                       str(report))
    assert code == 2, out
    assert "0 neu" in out and "2 abgelehnt" in out and "Zeile 2 (K-1)" in out, out
    assert "Keine Zeile eingelesen: alle 2 Zeilen sind abgelehnt" in out, out
    assert report.exists()


def _copy_of(planned, tmp_path, name: str):  # noqa: ANN001, ANN202
    """A copy of the module's planned database for a test that changes it: its path, the
    plan, and the plan's stops that are not pinned."""
    import shutil

    src, plan = planned
    db = str(tmp_path / name)
    shutil.copy(_pristine(src), db)  # the plan as the fixture made it, whatever ran before
    return db, plan, [s for r in plan.routes for s in r.stops if s.client_id not in PINS]


def test_a_reimport_names_a_moved_client_with_a_visit_ahead(planned, base, tmp_path,
                                                            monkeypatch):
    """A re-import that changes the address of a client with a planned visit still to
    come says so and asks for a replan (before: only "1 aktualisiert", and the route page
    kept sending the team to the old address)."""
    copy, plan, stops = _copy_of(planned, tmp_path, "umzug2.sqlite")
    d, addrs = base
    st = next(s for s in sorted(stops, key=lambda s: s.start) if s.start.date() > START)
    other = next(a[0] for a in addrs if a[0] not in st.address)
    write_list(tmp_path / "neu.csv", addrs, moved={st.client_id: other})
    today = CliRunner(env={clock.ENV: START.isoformat()})
    res = today.invoke(app, ["import", str(tmp_path / "neu.csv"), *_common(copy)],
                       catch_exceptions=False)
    assert res.exit_code == 0, res.output
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(copy) as store, store.session() as s:
        v = s.get(CaseVisitRow, st.visit_id)  # as the newest version has it
        pid, at = v.plan_id, v.start_at
    assert (f"{st.client_id}: Adresse geändert, aber am {format_moment(at)} "
            f"noch an der alten Adresse eingeplant (Plan {pid}); "
            f"bitte neu planen (hausbesuch replan {pid} --from …).") in res.output, res.output
    assert res.output.count("Adresse geändert, aber") == 1  # the others did not move
    # QA 16a #6: the list put back to the address the plan visits needs no re-plan (the
    # hint compared with the previous row and said „noch an der alten Adresse“); the web's
    # report of an upload names „Neu planen“ instead of the command line
    back = today.invoke(app, ["import", str(d / "kunden.csv"), *_common(copy)],
                        catch_exceptions=False)
    assert back.exit_code == 0 and "1 aktualisiert" in back.output, back.output
    assert "Adresse geändert" not in back.output, back.output
    from hausbesuch.config import load_profile
    from hausbesuch.web.casework_api import import_clients

    # (on the plan's first day as the commands above: once the real date passes the
    # visit, there is nothing ahead to re-plan)
    monkeypatch.setenv(clock.ENV, START.isoformat())
    with Store.open(copy) as store:
        report = import_clients(store, load_profile("bad-hersfeld"), str(tmp_path / "neu.csv"),
                                "kora", name="neu.csv")
    monkeypatch.delenv(clock.ENV)
    assert report["updated"] == 1, report
    assert (f"{st.client_id}: Adresse geändert, aber am {format_moment(at)} "
            f"noch an der alten Adresse eingeplant (Plan {pid}): bitte Plan {pid} unter "
            "„Pläne“ öffnen und dort „Neu planen“.") in report["warnings"], report
    assert not [w for w in report["warnings"] if "hausbesuch replan" in w], report


def test_closing_a_case_with_a_visit_ahead_warns_and_the_replan_calls_it_off(planned, base,
                                                                            tmp_path):
    """QA 11e #5: ``status --set abgeschlossen`` for a case still on a route says so
    (naming the day, the time and the plan) and asks for a re-plan; the visit itself stays
    ``geplant`` (it is on the route the team holds). The next plan's note about visits
    before its span names only open cases, and a closed one apart; the re-plan calls the
    visit off (``entfallen``, audited) and lists the case with its status. While every
    open case has its visit ahead, the next week is nothing to plan (review 30: a plan of
    no team-day was stored), and the refusal names the closed case apart too."""
    from collections import Counter

    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, ClientRow, Store

    copy, _, _ = _copy_of(planned, tmp_path, "zu.sqlite")
    with Store.open(copy) as store, store.session() as s:
        # (other tests of this module add plans and versions to its database) open cases
        # with one visit still to do, two days or more after the first day
        ahead = list(s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.status == "geplant", CaseVisitRow.day >= START)))
        visits = Counter(v.client_id for v in ahead)
        still = set(s.scalars(select(ClientRow.client_id).where(ClientRow.status == "offen")))
        later = sorted((v for v in ahead if visits[v.client_id] == 1 and v.client_id in still
                        and v.client_id not in PINS and v.day > START + timedelta(days=1)),
                       key=lambda v: v.start_at)
        closed, still_open = later[0], later[1]
        pid, at = closed.plan_id, closed.start_at
    today = CliRunner(env={clock.ENV: START.isoformat()})

    def run(*args: str) -> str:
        res = today.invoke(app, [*args, *_common(copy)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    out = run("status", closed.client_id, "--set", "abgeschlossen", "--reason",
              "in Fallverwaltung abgeschlossen")
    says = (f"Hinweis: {closed.client_id} ist noch am {format_moment(at)} "
            f"eingeplant (Plan {pid}); das Telefon zeigt den Besuch als entfallen, ein schon "
            f"gedruckter Laufzettel nicht: bitte neu planen (hausbesuch replan {pid} --from …).")
    assert says in out, out
    assert says in run("status", closed.client_id)  # (shown again while it holds)
    assert "eingeplant" not in run("status", still_open.client_id)  # an open case: planned
    with Store.open(copy) as store, store.session() as s:
        assert s.get(CaseVisitRow, closed.visit_id).status == "geplant"

    nxt = START + timedelta(days=7)
    week2 = ["plan", "--start", nxt.isoformat(), "--days", "5", "--out",
             str(tmp_path / "woche2"), "--time-limit", "2", "--threads", "1"]
    res = today.invoke(app, [*week2, *_common(copy)], catch_exceptions=False)
    assert res.exit_code == 2, res.output
    text = " ".join(res.output.split())
    assert ("Nichts zu planen: jeder offene Fall in Bad Hersfeld hat schon einen geplanten "
            "Besuch, der noch aussteht; kein Plan gespeichert.") in text, text
    apart = re.search(rf"In Plan {pid} (?:ist|sind) noch \d+ Besuche? \D+ \(([^)]*)\); "
                      "bitte jenen Plan neu planen", text)
    assert apart and f"{closed.client_id} am {format_day(at.date())}" in apart[1], text
    assert text.count(f"{closed.client_id} am") == 1 and still_open.client_id not in text
    assert not (tmp_path / "woche2").exists()

    # a case imported since: the week is planned, its notes name the others
    _add_open_case(copy, base, tmp_path)
    out = run(*week2)
    before = re.findall(r"(?:Fall hat|Fälle haben) in Plan \S+ schon einen geplanten Besuch "
                        r"vor diesem Zeitraum \(([^)]*)\)", out)
    assert before, out
    named = {x for note in before
             for x in re.findall(r"(\S+) am \w\w, \d\d\.\d\d\.\d{4}", note)}
    assert named and closed.client_id not in named, out
    apart = re.search(rf"(?:1 Fall ist|\d+ Fälle sind) nicht mehr offen, aber in Plan {pid} "
                      r"noch eingeplant \(([^)]*)\); bitte jenen Plan neu planen", out)
    assert apart and f"{closed.client_id} am {format_day(at.date())}" in apart[1], out
    assert out.count(f"{closed.client_id} am") == 1, out

    out = run("replan", pid, "--from", f"{START.isoformat()} 06:00", "--out",
              str(tmp_path / "v-neu"), "--time-limit", "2")
    with Store.open(copy) as store:
        new = next(store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")
                   if store.plan_version(p.id)[1] == pid)
        gone = [r for r in store.audit_rows(action="besuch_entfallen")
                if r["client_id"] == closed.client_id]
        with store.session() as s:
            v = s.get(CaseVisitRow, closed.visit_id)
    assert "Neue Version" in out and closed.client_id not in _stops(new)
    listed = {u.client_id: u for u in new.unassigned}[closed.client_id]
    assert listed.code == "status_abgeschlossen"
    # the reason typed with the status stays with the case (free text, it may name a
    # person): the plan's outputs say only that the status was set by hand
    assert listed.reason == ("Status „abgeschlossen“: wird nicht geplant (von Hand gesetzt; "
                             "der Grund steht beim Fall)."), listed.reason
    assert "in Fallverwaltung" not in (tmp_path / "v-neu" / "report.csv").read_text(
        encoding="utf-8-sig")
    assert (v.status, v.plan_id) == ("entfallen", new.id) and gone, (v.status, gone)
    assert "eingeplant" not in run("status", closed.client_id)


def test_a_reimport_does_not_restore_a_list_pin_already_served(planned, base, tmp_path):
    """A list pin whose day had its visit (an outcome recorded) is not set again when the
    unchanged list is imported again, also not over the appointment agreed at it (before:
    'aktualisiert', the pin back, and the next plan said the pinned day had passed without
    a visit, or a replan left the appointment out)."""
    copy, plan, _ = _copy_of(planned, tmp_path, "pin2.sqlite")
    d, _ = base
    st = next(s for r in plan.routes for s in r.stops if s.client_id == "P002")
    st3 = next(s for r in plan.routes for s in r.stops if s.client_id == "P003")
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"P002;{st.start:%d.%m.%Y};nicht angetroffen;\n"
                    f"P003;{st3.start:%d.%m.%Y};Termin vereinbart;"
                    f"{st3.start + timedelta(days=1):%d.%m.%Y} 11:00\n", encoding="utf-8")
    assert "2 erfasst" in ok("outcomes", str(rows), *_common(copy))
    out = ok("import", str(d / "kunden.csv"), *_common(copy))
    assert "0 aktualisiert" in out or "aktualisiert" not in out, out
    assert "festgelegt laut Liste" not in ok("status", "P002", *_common(copy))
    # the appointment agreed at the pinned visit stands (the list's pin does not return)
    assert "festgelegt durch vereinbarten Termin" in ok("status", "P003", *_common(copy))
    assert "festgelegt laut Liste" in ok("status", "P001", *_common(copy))


def test_an_announced_visit_pinned_to_another_day_moves_and_the_letter_is_called_off(
        planned, tmp_path):
    """A visit announced by letter and then pinned to another day (the web's
    „Verschieben“) is planned where the coordinator put it, as a visit of its own; the
    announced visit is called off, the replan says so and asks for the correction letter,
    which the letters command then writes (before: the client was visited on neither day,
    "das Fenster passt nicht (mehr)")."""
    from hausbesuch.fields import format_day
    from hausbesuch.letters import AUDIT_CORRECTION
    from hausbesuch.store import AuditRow, CaseVisitRow, ClientRow, Store

    copy, _, _ = _copy_of(planned, tmp_path, "brief.sqlite")
    early = CliRunner(env={clock.ENV: (START - timedelta(days=3)).isoformat()})

    def run(*args: str) -> str:
        res = early.invoke(app, [*args, *_common(copy)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    with Store.open(copy) as store:
        plan = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                   key=lambda p: p.version)
    run("letters", plan.id, "--out", str(tmp_path / "briefe"))
    with Store.open(copy) as store, store.session() as s:
        v = next(v for v in s.query(CaseVisitRow).order_by(CaseVisitRow.visit_id)
                 if v.promised_start is not None and v.client_id not in PINS)
        cid, vid, promised = v.client_id, v.visit_id, (v.promised_start, v.promised_end)
        target = next(START + timedelta(days=k) for k in range(1, 5)
                      if START + timedelta(days=k) != v.day)
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": cid})
        row.pin_team, row.pin_day, row.pin_time_min, row.pin_source = (
            None, target, None, "web")
        for w in s.query(CaseVisitRow).filter(CaseVisitRow.visit_id != vid):
            # only this client's letter went out (else every visit is fixed, no room left)
            w.announced_at = w.promised_start = w.promised_end = None
    out = run("replan", plan.id, "--from", f"{START:%Y-%m-%d} 07:00", "--out",
              str(tmp_path / "neu"), "--time-limit", "4")
    assert (f"{cid}: angekündigt für {format_day(promised[0])}, {promised[0]:%H:%M}–"
            f"{promised[1]:%H:%M} Uhr; jetzt gilt: Festlegung im Web ({format_day(target)}). "
            "Der angekündigte Besuch entfällt") in out, out
    with Store.open(copy) as store:
        new = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                  key=lambda p: p.version)
        with store.session() as s:
            assert s.get(CaseVisitRow, vid).status == "entfallen"
    there = [(r.day, st.visit_id) for r in new.routes for st in r.stops if st.client_id == cid]
    assert len(there) == 1 and there[0][0] == target and there[0][1] != vid, there
    assert not [u for u in new.unassigned if u.client_id == cid]
    run("letters", new.id, "--correction", "--out", str(tmp_path / "korrektur"))
    with Store.open(copy) as store, store.session() as s:
        assert s.query(AuditRow).filter_by(action=AUDIT_CORRECTION, visit_id=vid).count() == 1


def test_a_contradicting_outcome_names_the_field_and_what_is_stored(planned, tmp_path):
    """A second row with another result for the same visit is refused naming Ergebnis and
    the result already stored (before: field Datum, and not which result)."""
    copy, _, stops = _copy_of(planned, tmp_path, "widerspruch.sqlite")
    st = stops[0]
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis\n"
                    f"{st.client_id};{st.start:%d.%m.%Y};nicht angetroffen\n"
                    f"{st.client_id};{st.start:%d.%m.%Y};angetroffen\n", encoding="utf-8")
    code, out = invoke("outcomes", str(rows), *_common(copy))
    assert "1 erfasst" in out and "1 abgelehnt" in out, out
    assert (f"Zeile 3 ({st.client_id}), Ergebnis: Für den Besuch von „{st.client_id}“ am "
            f"{format_day(st.start.date())} ist bereits ein Ergebnis erfasst: „nicht "
            "angetroffen“") in out


def test_a_plan_stored_before_the_casework_store_is_named(planned, tmp_path):
    """A plan stored by a version before the casework store (its visits without case
    visits, as migration 0002 left them) is named when a new plan covers its days (before:
    ignored without a word, and its clients planned a second time)."""
    from sqlalchemy import update

    from hausbesuch.store import CaseVisitRow, PlanRow, Store, VisitRow

    copy, _, _ = _copy_of(planned, tmp_path, "alt.sqlite")
    with Store.open(copy) as store, store.session() as s:
        s.execute(update(VisitRow).values(visit_id=None))
        s.query(CaseVisitRow).delete()
        replaced = {p.predecessor_id for p in s.query(PlanRow)}
        plans = sorted({v.plan_id for v in s.query(VisitRow)
                        if v.day < START + timedelta(days=2) and v.plan_id not in replaced})
    assert plans
    out = ok("plan", *_common(copy), "--start", START.isoformat(), "--days", "2", "--out",
             str(tmp_path / "neu"), "--time-limit", "2", "--threads", "1")
    for pid in plans:
        assert f"Plan {pid} stammt von einer älteren Programmversion und hat" in out, out
    assert "die die Fallverwaltung nicht kennt" in out


def test_a_case_reopened_after_verzogen_says_why_it_is_open(planned, tmp_path):
    """'verzogen' puts a case in Klärung; reopened by hand, `status` gives the reason the
    coordinator gave, not "verzogen am …" (the outcome no longer decides the status), and
    a case set aside by hand after a failed try gives that reason, not the try's."""
    db, _, stops = _copy_of(planned, tmp_path, "wieder.sqlite")
    moved, other = stops[:2]
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis\n"
                    f"{moved.client_id};{moved.start:%d.%m.%Y};verzogen\n"
                    f"{other.client_id};{other.start:%d.%m.%Y};nicht angetroffen\n",
                    encoding="utf-8")
    assert "2 erfasst" in ok("outcomes", str(rows), *_common(db))
    out = ok("status", moved.client_id, *_common(db))
    assert f"{moved.client_id}: in Klärung (Adresse prüfen); verzogen am" in out, out
    out = ok("status", moved.client_id, "--set", "offen", "--reason", "neue Anschrift belegt",
             *_common(db))
    assert out.splitlines()[0] == f"{moved.client_id}: offen (zu besuchen); neue Anschrift belegt"
    out = ok("status", other.client_id, *_common(db))
    assert out.startswith(f"{other.client_id}: offen (zu besuchen); 1. Versuch ohne Kontakt"), out
    out = ok("status", other.client_id, "--set", "in_klaerung", "--reason", "Betreuer fragen",
             *_common(db))
    assert f"{other.client_id}: in Klärung (Adresse prüfen); Betreuer fragen" in out, out


def _first_moment_second(plan):  # noqa: ANN001, ANN202
    """The plan's first unpinned visit, a moment 5 minutes after it, and a later visit of
    the first three days (for replans "from" that moment)."""
    stops = sorted((s for r in plan.routes for s in r.stops if s.client_id not in PINS),
                   key=lambda s: s.start)
    first = stops[0]
    moment = first.end.replace(second=0, microsecond=0) + timedelta(minutes=5)
    second = next(s for s in stops if s.start > moment
                  and s.start.date() < (START + timedelta(days=3)))
    return first, moment, second


def test_a_replan_takes_up_an_appointment_despite_an_overdue_visit_elsewhere(planned,
                                                                              tmp_path):
    """An overdue visit of the client in an older plan (before today, no outcome) does not
    keep the re-plan from planning the appointment agreed at this plan's visit; an
    appointment agreed at a visit recorded after the moment is planned as well, the
    recorded visit staying at its time (before: only named as not taken up)."""
    import shutil

    from hausbesuch.store import CaseVisitRow, Store

    db, _ = planned
    copy = str(tmp_path / "termin2.sqlite")
    shutil.copy(db, copy)
    with Store.open(copy) as store:
        old = store.latest_plan("Bad Hersfeld")
        first, moment, second = _first_moment_second(old)
        with store.session() as s:  # an older plan's visit, overdue and without an outcome
            t = datetime.combine(START - timedelta(days=7), datetime.min.time())
            s.add(CaseVisitRow(visit_id="alt-1", city="Bad Hersfeld", client_id=first.client_id,
                               try_no=1, plan_id="20261130-080000-alt000", team_id="team-1",
                               day=t.date(), start_at=t.replace(hour=9),
                               end_at=t.replace(hour=10), status="geplant", created_at=t,
                               updated_at=t))
    when = datetime.combine(START + timedelta(days=3), datetime.min.time()).replace(hour=10,
                                                                                    minute=30)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin\n" + "".join(
        f"{st.client_id};{st.start:%d.%m.%Y};{st.start:%H:%M};Termin vereinbart;"
        f"{when:%d.%m.%Y} {h}\n" for st, h in ((first, "10:30"), (second, "11:30"))),
        encoding="utf-8")
    code, out = invoke("outcomes", str(rows), *_common(copy))
    assert code == 0 and "2 erfasst" in out, out
    out = ok("replan", old.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out",
             str(tmp_path / "neu"), "--time-limit", "6", *_common(copy))
    with Store.open(copy) as store:
        new = store.latest_plan("Bad Hersfeld")
    for st, at in ((first, when), (second, when.replace(hour=11))):
        starts = sorted(s.start for r in new.routes for s in r.stops
                        if s.client_id == st.client_id)
        assert starts == [st.start, at], (starts, out)
    assert "nicht eingeplant:" not in out, out


def test_a_replan_of_a_replan_knows_the_visits_recorded_under_earlier_versions(planned,
                                                                                tmp_path):
    """A visit recorded while an earlier version was current stays recorded, at its time
    and with its visit id, in every later replan, also one from before it; the appointment
    agreed at it is planned with a visit of its own (before: from v2 on the recorded visit
    counted as "hat noch kein Ergebnis", was moved away and the appointment took its visit
    id, or the replan stopped with "die Kennung ist doppelt vergeben"); a replan from a
    moment just before a recorded visit keeps it (before: it was pinned to its exact
    minute and dropped as "nicht einplanbar" when the moment left too little time)."""
    from hausbesuch.store import CaseVisitRow, Store

    copy, _, _ = _copy_of(planned, tmp_path, "kette.sqlite")

    def newest():  # noqa: ANN202 - the newest version (plans may share a second)
        with Store.open(copy) as store:
            return max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                       key=lambda p: p.version)

    old = newest()
    first, moment, second = _first_moment_second(old)
    when = datetime.combine(START + timedelta(days=3), datetime.min.time()).replace(hour=11,
                                                                                    minute=30)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin\n"
                    f"{second.client_id};{second.start:%d.%m.%Y};{second.start:%H:%M};"
                    f"Termin vereinbart;{when:%d.%m.%Y %H:%M}\n", encoding="utf-8")
    assert "1 erfasst" in ok("outcomes", str(rows), *_common(copy))
    after = second.end.replace(second=0, microsecond=0) + timedelta(minutes=1)
    plan_id = old.id
    for k, at in enumerate((moment, after, moment, second.start - timedelta(minutes=1))):
        out = ok("replan", plan_id, "--from", f"{at:%Y-%m-%d %H:%M}", "--out",
                 str(tmp_path / f"v{k + 2}"), "--time-limit", "4", *_common(copy))
        assert "nicht eingeplant:" not in out and "kein Ergebnis" not in out, (k, out)
        new = newest()
        with Store.open(copy) as store, store.session() as s:
            rec = s.get(CaseVisitRow, second.visit_id)
            assert (rec.status, rec.start_at) == ("erledigt", second.start)
        visits = sorted((s.start, s.visit_id) for r in new.routes for s in r.stops
                        if s.client_id == second.client_id)
        assert [t for t, _ in visits] == [second.start, when], (k, visits, out)
        assert visits[0][1] == second.visit_id and visits[1][1] != second.visit_id
        assert not [u for u in new.unassigned if u.client_id == second.client_id]
        plan_id = new.id


def test_a_visit_done_before_its_planned_time_does_not_hold_up_the_team(planned, tmp_path):
    """The team did the last visit of its day early (recorded before the moment); a replan
    from the moment keeps that visit at the time it took place and plans the rest of the
    team-day from the moment on (not only after the visit's planned end, which left the
    day empty). It keeps its number and its place among the visits kept, and the
    re-plan's print sheet says it is done, with no boxes to fill (QA 28 F10: it took the
    number of the next stop, and its sheet asked for its outcome again)."""
    from hausbesuch.store import Store

    copy, _, _ = _copy_of(planned, tmp_path, "frueh.sqlite")
    with Store.open(copy) as store:
        old = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                  key=lambda p: p.version)
    route = max((r for r in old.routes if r.day == START and r.team_id == "team-1"),
                key=lambda r: len(r.stops))
    stops = [s for s in route.stops if s.client_id not in PINS]
    first, late = stops[0], stops[-1]
    moment = first.end.replace(second=0, microsecond=0) + timedelta(minutes=10)
    assert late.start > moment + timedelta(hours=2), (late.start, moment)
    done = moment - timedelta(minutes=5)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{late.client_id};{late.start:%d.%m.%Y};{done:%H:%M};nicht angetroffen\n",
                    encoding="utf-8")
    assert "1 erfasst" in ok("outcomes", str(rows), *_common(copy))
    ok("replan", old.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out",
       str(tmp_path / "neu"), "--time-limit", "4", *_common(copy))
    with Store.open(copy) as store:
        new = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                  key=lambda p: p.version)
    day = next(r for r in new.routes if (r.team_id, r.day) == ("team-1", START))
    kept = next(s for s in day.stops if s.client_id == late.client_id)
    assert kept.start == done and kept.visit_id == late.visit_id, kept
    between = [s for s in day.stops if moment <= s.start < late.start]
    assert len(between) >= 2, [(s.client_id, s.start) for s in day.stops]
    # it keeps its number (QA 28 F10: the morning's sheet and the phone agree); the visits
    # planned anew take the numbers left free, in their order
    before = dict(zip((s.client_id for s in route.stops), route.numbers, strict=True))
    held = {s.client_id for s in route.stops if s.start < moment} | {late.client_id}
    shown = [(s.client_id, s.position) for s in day.stops]
    assert all(nr == before[c] for c, nr in shown if c in held), shown
    taken = {before[c] for c in held}
    others = [nr for c, nr in shown if c not in held]
    assert others == [k for k in range(1, len(shown) + len(taken) + 1)
                      if k not in taken][:len(others)], shown
    # the visits kept stand in the order the team went, the one done early where it took
    # place (review 29: the map's line and a later re-plan read the list so); the visits
    # planned anew follow, in the order of their times, from the moment on
    kept_starts = [s.start for s in day.stops[:len(held)]]
    assert {s.client_id for s in day.stops[:len(held)]} == held, shown
    assert kept_starts == sorted(kept_starts), shown
    rest = [s.start for s in day.stops[len(held):]]
    assert rest == sorted(rest) and rest[0] >= moment, rest
    # the re-plan's print sheet says it is done and asks for no outcome again
    sheet = (tmp_path / "neu" / "druck" / f"{day.slug}.html").read_text(encoding="utf-8")
    row = next(r for r in re.findall(r'<tr class="stopp[^"]*">.*?</tr>', sheet, re.S)
               if f"<strong>{late.client_id}</strong>" in r)
    assert f"erledigt {done:%H:%M} Uhr" in row and "Nicht angetroffen" in row, row
    assert 'class="box"' not in row, row


def test_an_outcome_sent_again_with_other_details_is_refused_naming_the_field(planned,
                                                                             tmp_path):
    """The same file again changes nothing ("schon erfasst"); a row for the same visit and
    result that changes the appointment, the time or the note is refused with row and
    field (before, it counted as "schon erfasst" and the change was lost)."""
    copy, _, stops = _copy_of(planned, tmp_path, "korrektur.sqlite")
    a, b, c = stops[:3]
    first = tmp_path / "erg1.csv"
    first.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\n"
                     f"{a.client_id};{a.start:%d.%m.%Y};;Termin vereinbart;"
                     f"{a.start + timedelta(days=2):%d.%m.%Y} 10:00;\n"
                     f"{b.client_id};{b.start:%d.%m.%Y};{b.start:%H:%M};nicht angetroffen;;"
                     "Karte eingeworfen\n", encoding="utf-8")
    assert "2 erfasst" in ok("outcomes", str(first), *_common(copy))
    assert "0 erfasst, 2 schon erfasst, 0 abgelehnt" in ok("outcomes", str(first),
                                                           *_common(copy))
    second = tmp_path / "erg2.csv"
    second.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\n"
                      f"{a.client_id};{a.start:%d.%m.%Y};;Termin vereinbart;"
                      f"{a.start + timedelta(days=2):%d.%m.%Y} 11:30;\n"
                      f"{b.client_id};{b.start:%d.%m.%Y};15:45;nicht angetroffen;;\n"
                      f"{b.client_id};{b.start:%d.%m.%Y};;nicht angetroffen;;zweiter Versuch\n",
                      encoding="utf-8")
    code, out = invoke("outcomes", str(second), *_common(copy))
    assert "0 erfasst, 0 schon erfasst, 3 abgelehnt" in out, out
    assert f"Zeile 2 ({a.client_id}), Termin: Für den Besuch von „{a.client_id}“" in out, out
    assert "10:00 Uhr; der Termin" in out and "11:30 Uhr wird nicht übernommen" in out
    assert "unter „Besuch verschieben oder festlegen“ eintragen" in " ".join(out.split()), out
    assert f"Zeile 3 ({b.client_id}), Uhrzeit:" in out and "15:45 wird nicht" in out, out
    assert f"Zeile 4 ({b.client_id}), Notiz:" in out, out
    out = ok("status", a.client_id, *_common(copy))
    assert f"{a.start + timedelta(days=2):%d.%m.%Y}, 10:00 Uhr" in out, out
    # a typed time outside the teams' day is a typo, not the afternoon of the try
    third = tmp_path / "erg3.csv"
    third.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                     f"{c.client_id};{c.start:%d.%m.%Y};22:00;nicht angetroffen\n",
                     encoding="utf-8")
    code, out = invoke("outcomes", str(third), *_common(copy))
    assert code == 2 and (f"Zeile 2 ({c.client_id}), Uhrzeit 22:00 Uhr liegt außerhalb "
                          "der Arbeitszeit von „team-1“ (08:00–16:00 Uhr, eine Stunde "
                          "Spielraum)") in out, out


def test_an_outcome_row_saying_what_the_phone_sent_is_already_recorded(planned, tmp_path):
    """QA 11e #6: the paper sheet typed after the phone sent the same outcome: a row with
    the same visit, result and appointment, and the same note or none, counts as "schon
    erfasst" (before: "abgelehnt", „ist bereits ein Ergebnis erfasst“); a row that says
    something else (another result, another note, another time) stays rejected."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    copy, _, stops = _copy_of(planned, tmp_path, "handy.sqlite")
    a, b = stops[:2]
    termin = datetime.combine(b.start.date() + timedelta(days=7), datetime.min.time()) \
        + timedelta(hours=10, minutes=30)
    while termin.weekday() >= 5:
        termin += timedelta(days=1)
    with Store.open(copy) as store:  # as the phone page records them
        phone = Casework(store, load_profile("bad-hersfeld"), actor="link:abcd1234",
                         today=lambda: START + timedelta(days=14))
        phone.record_outcome(a.client_id, a.start.date(), "angetroffen",
                             time_min=a.start.hour * 60 + a.start.minute,
                             note="Tür geöffnet", source="web", idempotency_key="handy-1")
        phone.record_outcome(b.client_id, b.start.date(), "termin_vereinbart",
                             appointment=termin, source="web", idempotency_key="handy-2")
    sheet = tmp_path / "papier.csv"
    sheet.write_text(
        "Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\n"
        f"{a.client_id};{a.start:%d.%m.%Y};{a.start:%H:%M};angetroffen;;\n"
        f"{a.client_id};{a.start:%d.%m.%Y};;Angetroffen;;Tür geöffnet\n"
        f"{b.client_id};{b.start:%d.%m.%Y};;Termin vereinbart;{termin:%d.%m.%Y %H:%M};\n"
        f"{a.client_id};{a.start:%d.%m.%Y};;angetroffen;;Hund bellt\n"
        f"{a.client_id};{a.start:%d.%m.%Y};;verweigert;;\n"
        f"{b.client_id};{b.start:%d.%m.%Y};;Termin vereinbart;"
        f"{termin + timedelta(hours=1):%d.%m.%Y %H:%M};\n", encoding="utf-8")
    code, out = invoke("outcomes", str(sheet), *_common(copy))
    assert code == 0 and "0 erfasst, 3 schon erfasst, 3 abgelehnt" in out, out
    assert f"Zeile 5 ({a.client_id}), Notiz: Für den Besuch von „{a.client_id}“" in out, out
    assert (f"Zeile 6 ({a.client_id}), Ergebnis: Für den Besuch von „{a.client_id}“ am "
            f"{format_day(a.start.date())} ist bereits ein Ergebnis erfasst: „angetroffen“") \
        in out, out
    assert f"Zeile 7 ({b.client_id}), Termin:" in out, out
    for line in out.splitlines():
        assert not re.match(r"  Zeile [234] ", line), out


def test_a_bad_output_file_is_refused_before_any_work(base, tmp_path):
    """import --report and addresses --out name their own option and are checked before
    anything is read in or audited: a folder, or the list itself (it would be replaced by
    the report), exits 2 and changes nothing."""
    import shutil

    from hausbesuch.store import Store

    d, _ = base
    db = str(tmp_path / "ziel.sqlite")
    liste = tmp_path / "liste.csv"
    shutil.copy(d / "kunden.csv", liste)
    before = liste.read_bytes()
    code, out = invoke("import", str(liste), *_common(db), "--report", str(tmp_path))
    assert code == 2 and "--report" in out and "das ist ein Ordner" in out, out
    assert "--out" not in out and not Path(db).exists()
    code, out = invoke("import", str(liste), *_common(db), "--report", str(liste))
    assert code == 2 and "das ist die eingelesene Datei selbst" in out, out
    assert liste.read_bytes() == before and not Path(db).exists()
    ok("import", str(liste), *_common(db))
    with Store.open(db) as store:
        n = len(store.audit_rows())
    code, out = invoke("addresses", *_common(db), "--out", str(tmp_path))
    assert code == 2 and "z. B. adressen.csv" in out, out
    with Store.open(db) as store:
        assert len(store.audit_rows()) == n


def test_a_typed_time_is_checked_against_the_visits_own_team(planned, tmp_path):
    """The Uhrzeit of an outcome row lies in the shift of the team the visit was planned
    for, as the plan stored it (a plan made with --teams may work longer than the city's
    stored teams), widened by an hour at both ends as on the phone (QA 26 F3):
    17:30 is accepted for a team working until 17:00, refused for one
    working until 16:00."""
    import json as _json

    from sqlalchemy import select

    from hausbesuch.store import PlanRow, Store

    copy, plan, _ = _copy_of(planned, tmp_path, "zeit.sqlite")
    with Store.open(copy) as store, store.session() as s:
        # every version (other tests of this module may have re-planned the plan, and its
        # visits then belong to the newest one)
        for row in s.scalars(select(PlanRow)):
            params = _json.loads(row.params or "{}")
            for t in params.get("teams") or []:
                if t["id"] == "team-1":
                    t["shift_end_min"] = 17 * 60
            row.params = _json.dumps(params)
    stops = [(r.team_id, s) for r in plan.routes for s in r.stops if s.client_id not in PINS]
    late = next(s for t, s in stops if t == "team-1")
    other = next(s for t, s in stops if t == "team-2")
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{late.client_id};{late.start:%d.%m.%Y};17:30;nicht angetroffen\n"
                    f"{other.client_id};{other.start:%d.%m.%Y};17:30;nicht angetroffen\n",
                    encoding="utf-8")
    code, out = invoke("outcomes", str(rows), *_common(copy))
    assert "1 erfasst" in out and "1 abgelehnt" in out, out
    assert (f"Zeile 3 ({other.client_id}), Uhrzeit 17:30 Uhr liegt außerhalb der "
            "Arbeitszeit von „team-2“ (08:00–16:00 Uhr, eine Stunde Spielraum)") in out, out


def test_a_replan_reports_what_it_knows_now_of_fixed_and_moved_addresses(base, tmp_path):
    """A client rejected by the first plan (street not found, pinned to Wednesday 10:00)
    whose address is fixed before the re-plan is planned by the re-plan: report and plan
    hold it as planned, not as the old rejection; a planned client given a new address is
    reported at its new point. A list pin of the re-plan's own day whose time has passed
    says so (before: the revisit rules' reason), and one pinned to a team the re-plan takes
    out says that (before: "arbeitet nicht")."""
    d, addrs = base
    db = str(tmp_path / "fix.sqlite")
    real = [a for a in addrs[:8]]
    path = tmp_path / "liste.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Team", "Datum",
                    "Uhrzeit"])
        for i, (street, hn, pc, town) in enumerate(real):  # F3 on Thursday
            w.writerow([f"F{i}", street, hn, pc, town or "Bad Hersfeld", "",
                        "10.12.2026" if i == 3 else "", ""])
        w.writerow(["F-X", "Gibtsnichtstraße", "3", "36251", "Bad Hersfeld", "team-1",
                    "09.12.2026", "10:00"])
        w.writerow(["F-P", *real[0][:2], real[0][2], real[0][3] or "Bad Hersfeld", "team-1",
                    "08.12.2026", "07:00"])  # before the shift: never planned
        w.writerow(["F-Q", *real[2][:2], real[2][2], real[2][3] or "Bad Hersfeld", "team-2",
                    "08.12.2026", "14:00"])  # its team is taken out by the re-plan
    env = {clock.ENV: (START - timedelta(days=3)).isoformat()}
    res = runner.invoke(app, ["import", str(path), *_common(db)], env=env)
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["plan", *_common(db), "--start", START.isoformat(), "--days",
                              "5", "--out", str(tmp_path / "v1"), "--time-limit", "2",
                              "--threads", "1"], env=env)
    assert res.exit_code == 0, res.output
    from hausbesuch.store import Store

    with Store.open(db) as store:
        v1 = store.latest_plan("Bad Hersfeld")
    assert [r.id for r in v1.rejected] == ["F-X"]
    moved = next(s for r in v1.routes for s in r.stops if s.client_id == "F3")
    new_street = addrs[20][0]
    env = {clock.ENV: (START + timedelta(days=1)).isoformat()}
    for cid, (street, hn, pc, town) in (("F-X", real[1]), (moved.client_id, addrs[20])):
        res = runner.invoke(app, ["address", cid, "--set-address",
                                  f"{street} {hn}, {pc} {town or 'Bad Hersfeld'}",
                                  *_common(db)], env=env)
        assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["replan", v1.id, "--from", f"{START + timedelta(days=1)} 11:30",
                              "--without-team", "team-2", "--out", str(tmp_path / "v2"),
                              "--time-limit", "3", *_common(db)], env=env)
    assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld")
    assert v2.version == 2 and v2.rejected == []
    stops = {s.client_id: (r.team_id, s) for r in v2.routes for s in r.stops}
    assert stops["F-X"][0] == "team-1" and stops["F-X"][1].start == datetime(2026, 12, 9, 10)
    with open(tmp_path / "v2" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert rows["F-X"]["status"] == "geplant", rows["F-X"]
    assert "0 abgelehnt" in res.output
    geo = {g.client_id: g for g in v2.geocodes}
    cid = moved.client_id
    assert (geo[cid].lon, geo[cid].lat) != (moved.lon, moved.lat)
    assert new_street in {c.id: c for c in v2.clients}[cid].address
    assert rows[cid]["stadtteil"] == geo[cid].district
    assert rows["F-P"]["status"] == "nicht_eingeplant"
    assert rows["F-Q"]["status"] == "nicht_eingeplant"
    assert rows["F-Q"]["grund"] == (
        "Festlegung laut Liste (Team team-2, Di, 08.12.2026, 14:00 Uhr): Team „team-2“ ist am "
        "Di, 08.12.2026 ab 11:30 Uhr für den Rest des Tages abgemeldet (Neuplanung). Bitte "
        "die Festlegung aufheben, ein anderes Team (team-1) oder einen anderen Tag "
        "festlegen, oder Team team-2 beim Neu planen wieder einplanen (im Web „Team wieder "
        "einplanen“, sonst hausbesuch replan … --with-team team-2)."), rows["F-Q"]
    assert rows["F-P"]["grund"] == ("Datum laut Liste (Di, 08.12.2026, 07:00 Uhr) liegt vor "
                                    "der Neuplanung ab Di, 08.12.2026, 11:30 Uhr."), rows["F-P"]


def test_a_replan_takes_up_fixed_rejections_and_never_visits_an_old_door(base, tmp_path):
    """The re-plan looks again at every client the old plan rejected for its address: one
    fixed since (no pin) is planned. A planned client whose list address changed to one
    not found is rejected with the new address, not visited at the old address's point."""
    from hausbesuch.store import Store

    _, addrs = base
    db = str(tmp_path / "tuer.sqlite")
    real = addrs[30:36]

    def write(changed: bool) -> Path:
        path = tmp_path / ("neu.csv" if changed else "liste.csv")
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Datum"])
            for i, (street, hn, pc, town) in enumerate(real):
                if changed and i == 4:
                    street, hn = "Gibtsnichtweg", "7"
                w.writerow([f"T{i}", street, hn, pc, town or "Bad Hersfeld",
                            "10.12.2026" if i == 4 else ""])  # T4 on Thursday
            w.writerow(["T-Y", "Gibtsnichtstraße", "3", "36251", "Bad Hersfeld", ""])
        return path

    env = {clock.ENV: (START - timedelta(days=3)).isoformat()}
    for args in (["import", str(write(False))],
                 ["plan", "--start", START.isoformat(), "--days", "5", "--out",
                  str(tmp_path / "v1"), "--time-limit", "2", "--threads", "1"]):
        res = runner.invoke(app, [*args, *_common(db)], env=env)
        assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        v1 = store.latest_plan("Bad Hersfeld")
    assert [r.id for r in v1.rejected] == ["T-Y"]
    old_door = next(s for r in v1.routes for s in r.stops if s.client_id == "T4")
    env = {clock.ENV: (START + timedelta(days=1)).isoformat()}
    street, hn, pc, town = addrs[40]
    for args in (["address", "T-Y", "--set-address", f"{street} {hn}, {pc} {town or 'Bad Hersfeld'}"],
                 ["import", str(write(True))],
                 ["replan", v1.id, "--from", f"{START + timedelta(days=1)} 11:30", "--out",
                  str(tmp_path / "v2"), "--time-limit", "3"]):
        res = runner.invoke(app, [*args, *_common(db)], env=env)
        assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld")
    stops = {s.client_id: s for r in v2.routes for s in r.stops}
    assert "T-Y" in stops and "T-Y" not in {r.id for r in v2.rejected}
    assert "T4" not in stops, (stops["T4"].lon, stops["T4"].lat, old_door.lon, old_door.lat)
    rejected = {r.id: r for r in v2.rejected}
    assert "Gibtsnichtweg 7" in rejected["T4"].reason, rejected
    with open(tmp_path / "v2" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        row = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}["T4"]
    assert row["status"] == "abgelehnt" and row["geo_qualitaet"] != "exakt", row
    assert "T4" not in {u.client_id for u in v2.unassigned}  # listed once


def test_an_appointment_earlier_today_is_past() -> None:
    """Review 15 L6: a sheet typed at 15:00 for an appointment at 10:00 the same day is
    late too (not only one of an earlier day)."""
    from hausbesuch.casework.service import _past

    now = clock.now()
    assert _past(now - timedelta(minutes=1), now.date())
    assert not _past(now + timedelta(minutes=1), (now + timedelta(minutes=1)).date())
    assert _past(now.replace(hour=10) - timedelta(days=1), now.date())


def test_an_outcome_sent_while_a_replan_runs_is_not_lost(planned, tmp_path, monkeypatch):
    """QA 16a #1: a phone sends „Termin vereinbart“ for a visit before the moment while the
    re-plan computes (it had read the store before): the version it stored lacked the
    appointment, and nothing said so. Now the re-plan finds the change before storing and
    computes again from the store as it is: the appointment is planned."""
    from datetime import time

    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.planning import replan
    from hausbesuch.store import Store

    db, plan, stops = _copy_of(planned, tmp_path, "race.sqlite")
    monkeypatch.setenv(clock.ENV, (START + timedelta(days=14)).isoformat())
    first = min(stops, key=lambda s: s.start)
    when = datetime.combine(START + timedelta(days=3), time(10, 30))
    moment = first.end.replace(second=0, microsecond=0) + timedelta(minutes=5)
    profile = load_profile("bad-hersfeld")
    stages: list[str] = []

    def progress(message: str, _fraction: float) -> None:
        stages.append(message)
        if message == "Touren optimieren" and stages.count(message) == 1:
            with Store.open(db) as phone:  # the phone's request: another connection
                Casework(phone, profile, actor="link:abcdef").record_outcome(
                    first.client_id, first.start.date(), "termin_vereinbart",
                    time_min=first.start.hour * 60 + first.start.minute, appointment=when,
                    source="web", visit_id=first.visit_id)

    with Store.open(db) as store:
        result = replan(store, plan.id, profile, moment=moment, actor="cli:test",
                        time_limit=3, progress=progress)
    assert any(m.startswith(f"Während der Planung geändert ({first.client_id})")
               for m in stages), stages
    # QA 16c #8: a line that stays (the progress line is gone when the command ends)
    assert ("Neu berechnet, weil während der Planung geändert wurde: "
            f"{first.client_id}.") in result.plan.warnings
    visits = sorted((s for r in result.plan.routes for s in r.stops
                     if s.client_id == first.client_id), key=lambda s: s.start)
    assert [s.start for s in visits] == [first.start, when]
    with Store.open(db) as store:
        assert [p.id for p in store.list_plans("Bad Hersfeld")].count(result.plan.id) == 1
        assert len(store.list_plans("Bad Hersfeld")) == 2  # one new version, not two
        # stored with the plan, as every note: ``show``, the web's plan view and its ZIP
        # say it too (it was added after the plan was stored, review 31)
        assert store.load_plan(result.plan.id).warnings == result.plan.warnings
        # ... and of that version only: a quiet re-plan of it was not computed again
        quiet = replan(store, result.plan.id, profile, moment=moment + timedelta(hours=1),
                       actor="cli:test", time_limit=2)
        assert not [w for w in store.load_plan(quiet.plan.id).warnings
                    if w.startswith("Neu berechnet")], quiet.plan.warnings


def test_a_plan_that_keeps_changing_is_not_stored(planned, tmp_path, monkeypatch):
    """A case of the plan changes during every attempt: after the last one nothing is
    stored and the German message names the case and what changed."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.planning import replan
    from hausbesuch.planning.workflow import PLAN_ATTEMPTS, PlanOutdated
    from hausbesuch.store import Store

    db, plan, stops = _copy_of(planned, tmp_path, "busy.sqlite")
    monkeypatch.setenv(clock.ENV, (START + timedelta(days=14)).isoformat())
    target = max(stops, key=lambda s: s.start)
    profile = load_profile("bad-hersfeld")
    turns = iter(["in_klaerung", "offen"] * PLAN_ATTEMPTS)

    def progress(message: str, _fraction: float) -> None:
        if message == "Touren optimieren":
            with Store.open(db) as other:
                Casework(other, profile, actor="cli:kollegin").set_status(
                    target.client_id, next(turns), reason="Rückfrage")

    moment = datetime.combine(START, datetime.min.time()).replace(hour=8)
    with Store.open(db) as store, pytest.raises(PlanOutdated) as exc:
        replan(store, plan.id, profile, moment=moment, actor="cli:test", time_limit=1,
               progress=progress)
    assert (f"Während der Planung wurden Fälle ({target.client_id}) geändert (Status "
            f"geändert); der Plan wurde {PLAN_ATTEMPTS}-mal neu berechnet") in str(exc.value)
    with Store.open(db) as store:
        assert [p.id for p in store.list_plans("Bad Hersfeld")] == [plan.id]


def test_an_import_while_a_plan_is_computed_is_not_planned_at_the_old_address(
        planned, base, tmp_path, monkeypatch):
    """QA 16a #2: a list imported while a plan of the next week was computed changed a
    client's address; the stored plan kept the client at the old one and the import named
    no plan (the plan was not stored yet). Now the plan is computed again with the new
    address."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.planning import plan_span
    from hausbesuch.planning.options import PlanOptions
    from hausbesuch.store import Store

    db, plan, stops = _copy_of(planned, tmp_path, "umzug-waehrend.sqlite")
    d, addrs = base
    monkeypatch.setenv(clock.ENV, (START + timedelta(days=4)).isoformat())
    profile = load_profile("bad-hersfeld")
    with Store.open(db) as store:
        open_ids = sorted(st.client.id for st in Casework(store, profile, actor="t").states()
                          if st.status == "offen")
    cid = open_ids[-1]
    idx = int(cid[1:])
    other = next(a for a in addrs if a[0] != addrs[idx][0])
    write_list(tmp_path / "neu.csv", addrs, moved={cid: other[0]})
    stages: list[str] = []

    def progress(message: str, _fraction: float) -> None:
        stages.append(message)
        if message == "Touren optimieren" and stages.count(message) == 1:
            with Store.open(db) as other_store:  # a coordinator's upload meanwhile
                Casework(other_store, profile, actor="kora").import_clients(
                    tmp_path / "neu.csv")

    options = PlanOptions(start=START + timedelta(days=7), days=5, time_limit=2, threads=1)
    with Store.open(db) as store:
        result = plan_span(store, profile, options, actor="cli:test", progress=progress)
    assert any(m.startswith(f"Während der Planung geändert ({cid})") for m in stages), stages
    (client,) = [c for c in result.plan.clients if c.id == cid]
    assert client.street == other[0], client


def test_an_appointment_on_a_day_of_a_stored_later_plan_names_that_plan(planned, tmp_path):
    """QA 16a #4: „Termin vereinbart“ for a day of the week after, planned already, is in
    no route until that plan is re-planned: ``outcomes`` and ``status`` name the plan
    and how to re-plan it; an appointment no stored plan covers gets no hint, and once the
    newest version holds the visit at its time, the hint is gone (an older version that
    lacks it does not count)."""

    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, Store

    db, _, _ = _copy_of(planned, tmp_path, "spaeter.sqlite")
    tuesday = CliRunner(env={clock.ENV: "2026-12-09"})  # the day after the visits

    def run(*args: str) -> str:
        res = tuesday.invoke(app, [*args, *_common(db)], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        return res.output

    with Store.open(db) as store, store.session() as s:
        (a, b, c) = [v.client_id for v in s.scalars(
            select(CaseVisitRow).where(CaseVisitRow.status == "geplant",
                                       CaseVisitRow.day == date(2026, 12, 8),
                                       CaseVisitRow.client_id.not_in(list(PINS)))
            .order_by(CaseVisitRow.start_at)).all()[:3]]
    run("plan", "--start", "2026-12-14", "--days", "5", "--out", str(tmp_path / "w51"),
        "--time-limit", "3", "--threads", "1")
    with Store.open(db) as store:
        week = store.latest_plan("Bad Hersfeld")
    assert (week.start, week.days) == (date(2026, 12, 14), 5)
    at_a = datetime(2026, 12, 17, 10, 30)
    assert not [st for r in week.routes for st in r.stops
                if st.client_id == a and st.start == at_a]
    rows = tmp_path / "ergebnisse.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"{a};08.12.2026;Termin vereinbart;17.12.2026 10:30\n"
                    f"{b};08.12.2026;Termin vereinbart;22.12.2026 10:30\n", encoding="utf-8")
    out = run("outcomes", str(rows))
    hint = (f"Termin am Do, 17.12.2026, 10:30 Uhr fällt in den gespeicherten Plan {week.id} "
            "(Mo, 14.12.2026 bis Fr, 18.12.2026), der ihn nicht enthält: bitte diesen Plan "
            "neu planen "
            f"(hausbesuch replan {week.id} --from …).")
    assert "2 erfasst" in out and f"Hinweis: Zeile 2 ({a}): {hint}" in out, out
    assert "Zeile 3" not in out, out  # 22.12.: no stored plan covers it
    assert f"Hinweis: {a}: {hint}" in run("status", a)
    # the re-plan of that week plans the appointment at its time: no hint any more
    run("replan", week.id, "--from", "2026-12-14 00:00", "--out", str(tmp_path / "w51b"),
        "--time-limit", "4")
    with Store.open(db) as store:
        newest = store.latest_plan("Bad Hersfeld")
        assert store.plan_version(newest.id) == (2, week.id)
    assert [st.start for r in newest.routes for st in r.stops if st.client_id == a] == [at_a]
    assert "fällt in den gespeicherten Plan" not in run("status", a)
    # a later appointment in that week: the newest version is named, never the one it
    # replaced
    rows.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"{c};08.12.2026;Termin vereinbart;16.12.2026 11:00\n", encoding="utf-8")
    out = run("outcomes", str(rows))
    assert (f"Hinweis: Zeile 2 ({c}): Termin am Mi, 16.12.2026, 11:00 Uhr fällt in den gespeicherten "
            f"Plan {newest.id} (Mo, 14.12.2026 bis Fr, 18.12.2026)") in out, out
    assert week.id not in out, out


def _first_visit_noted(planned, tmp_path, name: str, note: str, reason: str):  # noqa: ANN001, ANN202
    """A copy of the module's database whose first visit has an outcome with ``note``
    („nicht angetroffen“) and whose case is then set „in Klärung“ with ``reason``: the
    database, the plan and that stop."""
    db, plan, stops = _copy_of(planned, tmp_path, name)
    st = min(stops, key=lambda s: s.start)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Notiz\n"
                    f"{st.client_id};{st.start:%d.%m.%Y};{st.start:%H:%M};nicht angetroffen;"
                    f"{note}\n", encoding="utf-8")
    ok("outcomes", str(rows), *_common(db))
    ok("status", st.client_id, "--set", "in_klaerung", "--reason", reason, *_common(db))
    return db, plan, st


def test_disclose_writes_everything_stored_about_a_case(planned, tmp_path):
    """QA 16b #3 (Art. 15 GDPR): a client asks what is stored. ``disclose`` writes a text
    with the case's data, its status history with reasons, visits, outcomes with notes,
    the points found, and how often it was viewed or changed (no staff names); the file
    is the owner's only and writing it is audited with the file's path."""
    import stat

    db, plan, st = _first_visit_noted(planned, tmp_path, "auskunft.sqlite",
                                      "Nachbarin sagt: tagsüber in der Reha",
                                      "Briefkasten leer")
    out = tmp_path / "auskunft.txt"
    res = runner.invoke(app, ["disclose", st.client_id.lower(), "--out", str(out),
                              *_common(db)], env={"HAUSBESUCH_USER": "kora"})
    assert res.exit_code == 0, res.output
    assert f"Auskunft zu {st.client_id} geschrieben: {out.resolve()}" in res.output
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    text = out.read_text(encoding="utf-8")
    assert text.startswith("Auskunft über gespeicherte Daten (Art. 15 DSGVO, § 83 SGB X)\n"
                           f"Fall {st.client_id}, Bad Hersfeld; Stand ")
    assert f"Name: Geheim {st.client_id}" in text
    assert f"Anschrift: {st.address}" in text
    assert "Statusverlauf" in text and "in Klärung" in text and "Grund: Briefkasten leer" in text
    assert (f"{st.start:%d.%m.%Y %H:%M}–{st.end:%H:%M} Uhr, Team ") in text
    assert (f"{st.start:%d.%m.%Y} {st.start:%H:%M} Uhr: nicht angetroffen; Notiz: Nachbarin "
            "sagt: tagsüber in der Reha") in text
    assert f"Plan {plan.id} ({plan.start:%d.%m.%Y}): {st.lat:.6f}, {st.lon:.6f}" in text
    assert "× Besuchsergebnis erfasst" in text
    assert "kora" not in text and "cli:" not in text  # staff names stay in the log
    from hausbesuch.store import Store

    with Store.open(db) as store:
        (row,) = store.audit_rows(action="auskunft_erteilt")
    assert row["client_id"] == st.client_id and row["actor"] == "cli:kora"
    assert row["details"] == {"datei": str(out.resolve())}
    code, msg = invoke("disclose", "X-404", "--out", str(tmp_path / "x.txt"), *_common(db))
    assert code == 2 and "X-404" in msg and not (tmp_path / "x.txt").exists()
    # review 16 #4: what the stored plans keep of the case (as the list said then) and why
    # a plan did not plan a case are stored data too
    from sqlalchemy import update

    from hausbesuch.store import ClientRow

    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == st.client_id)
                  .values(name="Neuer Name", notiz=None))
    ok("disclose", st.client_id, "--out", str(tmp_path / "auskunft2.txt"), *_common(db))
    text = (tmp_path / "auskunft2.txt").read_text(encoding="utf-8")
    assert "Name: Neuer Name" in text
    assert f"Plan {plan.id} ({plan.start:%d.%m.%Y}): Name: Geheim {st.client_id}" in text
    if plan.unassigned:
        u = plan.unassigned[0]
        ok("disclose", u.client_id, "--out", str(tmp_path / "auskunft3.txt"), *_common(db))
        assert f"Plan {plan.id} ({plan.start:%d.%m.%Y}): {u.reason}" in (
            tmp_path / "auskunft3.txt").read_text(encoding="utf-8")
    code, msg = invoke("disclose", st.client_id, "--out", str(tmp_path), *_common(db))
    assert code == 2 and "das ist ein Ordner" in msg
    # closing 22: a row of the city's last import rejected under the case's id (any
    # spelling) is stored data of the case too
    bad = tmp_path / "liste-zwei.csv"
    bad.write_text("Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit\n"
                   f"{st.client_id.lower()};Geheim;{st.address};;;;31.02.2026\n",
                   encoding="utf-8")
    invoke("import", str(bad), *_common(db))
    ok("disclose", st.client_id, "--out", str(tmp_path / "auskunft4.txt"), *_common(db))
    text = (tmp_path / "auskunft4.txt").read_text(encoding="utf-8")
    part = text.split("Abgelehnte Zeilen der zuletzt eingelesenen Kundenliste\n")[1]
    assert re.search(r"^Liste vom \d\d\.\d\d\.\d{4} \d\d:\d\d, Zeile 2 "
                     r"\(Kontaktabbruch seit\): .*31\.02\.2026", part, re.M), part


def test_control_characters_stored_by_an_older_version_are_shown_not_sent(planned, tmp_path):
    """QA 25 (web F1): a status reason, a note or an address that holds a NUL or an escape
    sequence (stored by an older version, whose web filter let a form with a capitalised
    Content-Type pass) is printed by ``status`` and written by
    ``disclose`` with the control characters as ``\\u…``: nothing reaches the terminal that
    it would execute (``ESC [2J`` clears the screen, an OSC sets the window title)."""
    from sqlalchemy import update

    from hausbesuch.store import OutcomeRow, StatusHistoryRow, Store

    db, _plan, st = _first_visit_noted(planned, tmp_path, "steuer.sqlite", "Notiz", "Grund")
    with Store.open(db) as store, store.session() as s:
        s.execute(update(StatusHistoryRow).where(StatusHistoryRow.client_id == st.client_id)
                  .values(reason="A\x00B\x1b[2J\x1b]0;titel\x07C"))
        s.execute(update(OutcomeRow).where(OutcomeRow.client_id == st.client_id)
                  .values(note="Klingel\x1b[31m rot"))
    out = ok("status", st.client_id, *_common(db))
    assert "\x1b" not in out and "\x00" not in out and "\x07" not in out, repr(out)
    assert "A\\u0000B\\u001b[2J\\u001b]0;titel\\u0007C" in out, out
    target = tmp_path / "auskunft.txt"
    ok("disclose", st.client_id, "--out", str(target), *_common(db))
    text = target.read_text(encoding="utf-8")
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text, repr(text)
    assert "A\\u0000B\\u001b[2J\\u001b]0;titel\\u0007C" in text, text
    assert "Klingel\\u001b[31m rot" in text, text
    assert "\n" in text  # the lines of the file stay lines


def test_disclose_refuses_a_file_name_that_names_the_case(planned, tmp_path):
    """QA 19a #6: the audit row of a disclosure keeps the file's path, and the audit log
    outlives the case's erasure: „Auskunft Jan Hoffmann Elisabeth-Selbert-Strasse 7.txt“
    kept the client's name and street. Such a path is refused before anything is written;
    a file named by the case id is written."""
    from sqlalchemy import update

    from hausbesuch.store import ClientRow, Store

    db, _plan, stops = _copy_of(planned, tmp_path, "auskunft-name.sqlite")
    cid = stops[0].client_id
    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == cid).values(
            name="Hoffmann, Jan", street="Elisabeth-Selbert-Straße", housenumber="7",
            address="Elisabeth-Selbert-Straße 7, 36251 Bad Hersfeld"))
    folder = tmp_path / "auskuenfte"
    folder.mkdir()
    for name, what in [("Auskunft Jan Hoffmann Elisabeth-Selbert-Strasse 7.txt", "einen Namen"),
                       ("auskunft_hoffmann.txt", "einen Namen"),
                       ("AuskunftJAN.txt", "einen Namen"),
                       ("Auskunft Selbert 7.txt", "die Straße"),
                       ("hoffmann/auskunft.txt", "einen Namen")]:
        target = folder / name
        target.parent.mkdir(exist_ok=True)
        code, msg = invoke("disclose", cid, "--out", str(target), *_common(db))
        assert code == 2, (name, msg)
        assert f"enthält {what} aus dem Fall {cid}" in msg, (name, msg)
        assert f"z. B. auskunft-{cid}.txt" in msg
        assert ("Ein Ordner im Pfad" in msg) == ("/" in name)
        assert not target.exists()
    with Store.open(db) as store:
        assert store.audit_rows(action="auskunft_erteilt") == []
    # words that only look alike are no match: a longer word, another client's street
    for name in (f"auskunft-{cid}.txt", "Auskunft Janssen Hoffmannsthal.txt",
                 "auskunft-bahnhofstrasse.txt"):
        ok("disclose", cid, "--out", str(folder / name), *_common(db))
        assert (folder / name).exists()
    with Store.open(db) as store:
        rows = store.audit_rows(action="auskunft_erteilt")
    assert len(rows) == 3


def test_rectify_replaces_or_clears_an_outcome_note_and_a_status_reason(planned, tmp_path):
    """QA 16b #3 (Art. 16 GDPR): a note from the field or a typed reason is wrong (or
    should never have been written). ``rectify`` replaces or clears it; the audit row
    names field and day, never the text."""
    import json

    from sqlalchemy import select

    from hausbesuch.store import ClientRow, OutcomeRow, StatusHistoryRow, Store

    db, plan, st = _first_visit_noted(planned, tmp_path, "berichtigung.sqlite",
                                      "Nachbarin Frau Klatschwerk sagt krank",
                                      "liegt im Klinikum")
    day = f"{st.start:%d.%m.%Y}"

    def stamp() -> str:  # what the case page's correction form carries (QA 38 F1)
        from hausbesuch.casework.service import outcome_stamp

        with Store.open(db) as store, store.session() as s:
            o = s.scalars(select(OutcomeRow).where(OutcomeRow.client_id == st.client_id)).one()
            return outcome_stamp(s, o.city, o)

    before = stamp()
    res = runner.invoke(app, ["rectify", st.client_id, "--outcome", day, "--text", "-",
                              *_common(db)], input="Nachbarin: niemand da\n")
    assert res.exit_code == 0, res.output
    # a page loaded before the rectified note is stale (review 38 R2)
    assert stamp() != before
    assert f"Notiz des Ergebnisses von {st.client_id} am {format_moment(st.start)} " \
        "berichtigt." in res.output
    with Store.open(db) as store, store.session() as s:
        changed = s.scalars(select(StatusHistoryRow).where(
            StatusHistoryRow.client_id == st.client_id,
            StatusHistoryRow.status == "in_klaerung")).one().changed_at
    code, msg = invoke("rectify", st.client_id, "--status-change", f"{changed:%d.%m.%Y}",
                       "--clear", *_common(db))  # the import's and this one, same minute
    assert code == 2 and f"Statusänderung von {st.client_id} am {format_day(changed.date())}: 2 " \
        "gespeichert (" in msg and "in_klaerung" in msg, msg
    out = ok("rectify", st.client_id, "--status-change", f"{changed:%d.%m.%Y} in_klaerung",
             "--clear", *_common(db))
    assert f"Grund der Statusänderung von {st.client_id} am {format_moment(changed)} " \
        "gelöscht." in out
    with Store.open(db) as store, store.session() as s:
        note = s.scalars(select(OutcomeRow.note).where(
            OutcomeRow.client_id == st.client_id)).one()
        reasons = list(s.scalars(select(StatusHistoryRow.reason).where(
            StatusHistoryRow.client_id == st.client_id)))
        current = s.scalars(select(ClientRow.status_reason).where(
            ClientRow.client_id == st.client_id)).one()
    with Store.open(db) as store:
        audit = store.audit_rows(client_id=st.client_id, action="berichtigt")
    assert note == "Nachbarin: niemand da"
    assert "liegt im Klinikum" not in reasons and "berichtigt: Grund gelöscht" in reasons
    assert current == "berichtigt: Grund gelöscht"
    assert [r["details"] for r in audit] == [
        {"feld": "ergebnisnotiz", "tag": st.start.date().isoformat(), "geleert": False},
        {"feld": "statusgrund", "tag": changed.date().isoformat(), "geleert": True}]
    assert "Klatschwerk" not in json.dumps(audit, default=str)
    assert "niemand da" not in json.dumps(audit, default=str)
    # nothing on that day, or neither text nor --clear: refused in German
    code, msg = invoke("rectify", st.client_id, "--outcome", "01.01.2027", "--clear",
                       *_common(db))
    assert code == 2 and f"Kein Ergebnis von {st.client_id} am Fr, 01.01.2027 gespeichert" in msg
    code, msg = invoke("rectify", st.client_id, "--outcome", day, *_common(db))
    assert code == 2 and "Entweder --text TEXT" in msg
    res = runner.invoke(app, ["rectify", st.client_id, "--outcome", day, "--text", "-",
                              *_common(db)], input="\n")
    assert res.exit_code == 2 and "--text: aus der Standardeingabe kam nichts" in res.output
    # QA 16c #1: an erased case takes no new text (purge --closed-days would not erase it
    # again); clearing is allowed
    ok("status", st.client_id, "--set", "abgeschlossen", *_common(db))
    ok("purge", st.client_id, "--yes", *_common(db))
    code, msg = invoke("rectify", st.client_id, "--outcome", day, "--text", "Herr X",
                       *_common(db))
    assert code == 2 and "ein neuer Text wird nicht gespeichert; nur Leeren ist möglich (das Feld leer lassen, auf der Befehlszeile --clear)" in msg, msg
    ok("rectify", st.client_id, "--outcome", day, "--clear", *_common(db))
    # QA 16c #6: the disclosure of an erased case says so, and its point is a rounded one
    ok("disclose", st.client_id, "--out", str(tmp_path / "nach.txt"), *_common(db))
    after = (tmp_path / "nach.txt").read_text(encoding="utf-8")
    assert "Die personenbezogenen Daten des Falls wurden am " in after, after
    assert "(bei der Löschung auf etwa 1 km gerundet)" in after


def test_an_address_or_a_reason_can_be_given_on_standard_input(planned, tmp_path):
    """QA 16b #8: `--set-address "…"` and `--reason "…"` put an address or a typed reason
    into the command line (``ps``, the shell's history); „-“ reads it from standard input."""
    from hausbesuch.store import Store

    db, plan, stops = _copy_of(planned, tmp_path, "stdin.sqlite")
    st = max(stops, key=lambda s: s.start)
    res = runner.invoke(app, ["status", st.client_id, "--set", "in_klaerung", "--reason", "-",
                              *_common(db)], input="Nachbar sagt: im Krankenhaus\n")
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["address", st.client_id, "--set-address", "-", *_common(db)],
                        input=f"{st.address}\n")
    assert res.exit_code == 0, res.output
    with Store.open(db) as store, store.session() as s:
        from sqlalchemy import select

        from hausbesuch.store import AddressFixRow, ClientRow

        row = s.scalars(select(ClientRow).where(ClientRow.client_id == st.client_id)).one()
        fix = s.scalars(select(AddressFixRow).where(
            AddressFixRow.client_id == st.client_id)).one()
    assert row.status_reason == "Nachbar sagt: im Krankenhaus"
    assert fix.address == st.address


def test_a_replan_drops_the_notes_its_plan_made_of_the_store_then(planned, tmp_path):
    """QA 16c #9: a replan repeated its predecessor's „… Besuche vor heute ohne erfasstes
    Ergebnis (…)“ (and the like), out of date by then; it keeps the notes it does not
    describe the store by (a note of the profile) and makes its own again."""
    import json

    from sqlalchemy import update

    from hausbesuch.store import PlanRow, Store

    db, plan, stops = _copy_of(planned, tmp_path, "notizen.sqlite")
    stale = ["3 Besuche vor heute ohne erfasstes Ergebnis (P010 am 01.12.2026 …); diese Fälle "
             "werden erneut eingeplant. Ergebnisse besser zuerst erfassen.",
             "2 Besuche an vergangenen Tagen ohne Ergebnis: Di, 01.12.2026, Team team-1: "
             "P010, P011. Hat das Team berichtet? Ergebnis nachtragen; bis dahin sind die "
             "Fälle hier erneut eingeplant.",
             "2 Fälle haben in Plan X-1 schon einen geplanten Besuch vor diesem Zeitraum "
             "(P011 am 04.12.2026) und werden hier nicht eingeplant."]
    with Store.open(db) as store, store.session() as s:
        params = json.loads(s.get(PlanRow, plan.id).params)
        params["warnings"] = [*params.get("warnings", []), *stale]
        s.execute(update(PlanRow).where(PlanRow.id == plan.id)
                  .values(params=json.dumps(params)))
    moment = datetime.combine(START, datetime.min.time()).replace(hour=8)
    ok("replan", plan.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out",
       str(tmp_path / "neu"), "--time-limit", "2", *_common(db))
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
    assert new.predecessor_id == plan.id
    assert not [w for w in new.warnings if w in stale], new.warnings


def _replan_newest(db: str, out_dir: Path, plan_id: str, at: datetime, *args: str,
                   today: date | None = None) -> tuple[str, Any]:
    """``hausbesuch replan`` through the CLI (solver 1 s; run on ``today``, by default the
    module's day after the plan): its output and the newest version of the city's plans."""
    from hausbesuch.store import Store

    run = ok if today is None else ClockedCli(today).ok
    out = run("replan", plan_id, "--from", f"{at:%Y-%m-%d %H:%M}", *args, "--out",
              str(out_dir), "--time-limit", "1", *_common(db))
    with Store.open(db) as store:
        new = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                  key=lambda p: p.version)
    return out, new


def _starts(plan: Any, team: str, d: date) -> list[datetime]:
    """The visit starts of a team-day of ``plan``."""
    return [s.start for r in plan.routes if (r.team_id, r.day) == (team, d) for s in r.stops]


def test_a_second_replan_of_the_day_keeps_the_team_taken_out_before(planned, tmp_path):
    """QA 20a #1: team-1 goes home at 09:00 (replan without it), at 09:30 team-2 too; the
    second replan gave team-1 new visits after 09:00. Now it stays out for the rest of the
    day, its kept visits as they were, and the output and the plan's notes say so; also
    through a version stored before the set of teams out was (the chain of the day's
    replans is followed). The next day it works again."""
    import json

    from sqlalchemy import update

    from hausbesuch.store import PlanRow, Store

    db, v1, _ = _copy_of(planned, tmp_path, "zweimal.sqlite")
    day = START + timedelta(days=1)
    at9, at930 = (datetime.combine(day, datetime.min.time()).replace(hour=9, minute=m)
                  for m in (0, 30))
    # each team has begun its day's first visit when it goes home (the plan in force then
    # decides when that is: the first visit may lie an hour's walk away, and the first
    # replan may start team-2's day later)
    first = {r.team_id: min(s.start for s in r.stops) for r in v1.routes if r.day == day}
    at9 = max(at9, first["team-1"] + timedelta(minutes=1))

    def replan(plan_id: str, at: datetime, *teams: str, name: str):  # noqa: ANN202
        args = [a for t in teams for a in ("--without-team", t)]
        return _replan_newest(db, tmp_path / name, plan_id, at, *args)

    def route(plan, team: str, d: date = day):  # noqa: ANN001, ANN202
        return next((r for r in plan.routes if (r.team_id, r.day) == (team, d)), None)

    note = (f"Team team-1 bleibt für den Rest des Di, 08.12.2026 abgemeldet (seit {at9:%H:%M} "
            "Uhr, Neuplanung Version 2).")
    _, v2 = replan(v1.id, at9, "team-1", name="v2")
    assert v2.version == 2 and note not in v2.warnings
    at930 = max(at930, at9 + timedelta(minutes=30),
                min(_starts(v2, "team-2", day)) + timedelta(minutes=1))
    out, v3 = replan(v2.id, at930, "team-2", name="v3")
    assert f"Hinweis: {note}" in out and note in v3.warnings
    assert sorted(v3.params["without_teams"]) == ["team-1", "team-2"]
    # team-1 does no visit after 09:00 that day; what it did before stays as it was
    kept2, kept3 = route(v2, "team-1"), route(v3, "team-1")
    assert kept3 is not None and kept2 is not None
    assert all(s.start < at9 for s in kept3.stops), [s.start for s in kept3.stops]
    assert ([(s.client_id, s.start, s.end) for s in kept3.stops]
            == [(s.client_id, s.start, s.end) for s in kept2.stops])
    assert kept3.return_ == kept2.return_
    assert all(s.start < at930 for s in route(v3, "team-2").stops)
    # a version stored before the set was: the chain of the day's replans is read
    with Store.open(db) as store, store.session() as s:
        params = json.loads(s.get(PlanRow, v3.id).params)
        params.pop("removed_teams")
        params["without_teams"] = ["team-2"]
        params["warnings"] = [w for w in params["warnings"] if w != note]
        s.execute(update(PlanRow).where(PlanRow.id == v3.id)
                  .values(params=json.dumps(params)))
    out, v4 = replan(v3.id, at930 + timedelta(minutes=30), name="v4")
    assert f"Hinweis: {note}" in out and "Team team-2 bleibt für den Rest des Di, 08.12.2026 " \
        f"abgemeldet (seit {at930:%H:%M} Uhr, Neuplanung Version 3)." in out
    assert all(s.start < at9 for s in route(v4, "team-1").stops)
    assert all(s.start < at930 for s in route(v4, "team-2").stops)
    # the next day team-1 works again, and no note says otherwise
    out, v5 = replan(v4.id, at9 + timedelta(days=1), name="v5")
    assert "bleibt für den Rest" not in out and not v5.params["without_teams"]
    assert route(v5, "team-1", day + timedelta(days=1)).stops
    assert route(v5, "team-1", day) is not None


def test_a_replan_from_an_earlier_day_keeps_a_team_taken_out_for_a_later_day(planned,
                                                                             tmp_path):
    """Review 20 #1: team-1 was taken out on Wednesday from 11:30 (replan from then); a
    replan from Tuesday 10:00 (as the web's „Neu planen“ does from now) gave it Wednesday
    afternoon visits again and stored no removal. Now it works that Wednesday only until
    11:30, the output and the plan's notes say so, and the new version carries the removal
    on; a replan from Thursday drops it (history)."""

    db, v1, _ = _copy_of(planned, tmp_path, "spaeter.sqlite")
    tue, wed = START + timedelta(days=1), START + timedelta(days=2)
    gone = datetime.combine(wed, datetime.min.time()).replace(hour=11, minute=30)

    def replan(plan_id: str, at: datetime, *teams: str, name: str):  # noqa: ANN202
        args = [a for t in teams for a in ("--without-team", t)]
        return _replan_newest(db, tmp_path / name, plan_id, at, *args)

    starts = _starts

    assert any(t >= gone for t in starts(v1, "team-1", wed))  # (else the test shows nothing)
    note = ("Team team-1 bleibt für den Rest des Mi, 09.12.2026 abgemeldet (seit 11:30 Uhr, "
            "Neuplanung Version 2).")
    _, v2 = replan(v1.id, gone, "team-1", name="v2")
    assert all(t < gone for t in starts(v2, "team-1", wed))
    out, v3 = replan(v2.id, datetime.combine(tue, datetime.min.time()).replace(hour=10),
                     name="v3")
    assert all(t < gone for t in starts(v3, "team-1", wed)), starts(v3, "team-1", wed)
    assert f"Hinweis: {note}" in out and note in v3.warnings
    assert v3.params["without_teams"] == ["team-1"]
    assert v3.params["removed_teams"] == [{"team": "team-1", "ab": "2026-12-09T11:30",
                                           "version": 2}]
    # Wednesday from 11:30 stays without team-1 through a further replan from Tuesday
    out, v4 = replan(v3.id, datetime.combine(tue, datetime.min.time()).replace(hour=12),
                     name="v4")
    assert all(t < gone for t in starts(v4, "team-1", wed)) and f"Hinweis: {note}" in out
    # a replan from Thursday: Wednesday is history, no note, nothing carried
    out, v5 = replan(v4.id, gone.replace(hour=9) + timedelta(days=1), name="v5")
    assert "bleibt für den Rest" not in out and not [w for w in v5.warnings if "bleibt" in w]
    assert v5.params["removed_teams"] == [] and v5.params["without_teams"] == []
    assert starts(v5, "team-1", wed) == starts(v4, "team-1", wed)


def test_a_team_taken_out_is_brought_back_with_with_team(planned, tmp_path):
    """Review 20b: a removal is carried by every later re-plan, so one made by mistake (or
    a team that came back) needs a way back: ``--with-team`` plans it again from the
    moment on the moment's day, says so, and later re-plans no longer carry that removal;
    a removal of a later day stays (review 20c #2). Brought back at 13:10, late in its
    lunch window, the team has no break left (review 20c #1: the model refused the break).
    A team that is not taken out that day, or named with both options, is refused."""
    db, v1, _ = _copy_of(planned, tmp_path, "zurueck.sqlite")
    tue, wed = START + timedelta(days=1), START + timedelta(days=2)
    gone = datetime.combine(wed, datetime.min.time()).replace(hour=11, minute=30)
    thu10 = gone.replace(hour=10, minute=0) + timedelta(days=1)
    tue10 = datetime.combine(tue, datetime.min.time()).replace(hour=10)

    def run(plan_id: str, at: datetime, *args: str, name: str):  # noqa: ANN202
        return _replan_newest(db, tmp_path / name, plan_id, at, *args)

    def refused(plan_id: str, at: datetime, *args: str) -> str:
        code, msg = invoke("replan", plan_id, "--from", f"{at:%Y-%m-%d %H:%M}", *args,
                           "--out", str(tmp_path / "nein"), *_common(db))
        assert code == 2, msg
        return msg

    _, v2 = run(v1.id, gone, "--without-team", "team-1", name="v2")
    # taken out for Thursday too, in advance (a re-plan from a later moment)
    _, v3 = run(v2.id, thu10, "--without-team", "team-1", name="v3")
    assert "--with-team: Team „team-2“ ist am Mi, 09.12.2026 in Plan " in refused(
        v3.id, gone.replace(hour=13), "--with-team", "team-2")
    assert "bitte nur eines angeben" in refused(
        v3.id, gone.replace(hour=13), "--with-team", "team-1", "--without-team", "team-1")
    assert "ist am Di, 08.12.2026 in Plan" in refused(v3.id, tue10, "--with-team", "team-1")
    back = gone.replace(hour=13, minute=10)
    out, v4 = run(v3.id, back, "--with-team", "team-1", name="v4")
    assert "Team team-1 ist ab Mi, 09.12.2026 13:10 Uhr wieder eingeplant" in out, out
    thursday = ("Team team-1 bleibt für den Rest des Do, 10.12.2026 abgemeldet (seit 10:00 "
                "Uhr, Neuplanung Version 3).")
    assert f"Hinweis: {thursday}" in out and "Mi, 09.12.2026 abgemeldet" not in out
    assert v4.params["removed_teams"] == [{"team": "team-1", "ab": "2026-12-10T10:00",
                                           "version": 3}]
    assert all(t < thu10 for t in _starts(v4, "team-1", thu10.date()))
    # the next re-plan of Wednesday does not take the removal from version 2 again
    out, v5 = run(v4.id, back.replace(hour=14), name="v5")
    assert "Mi, 09.12.2026 abgemeldet" not in out and f"Hinweis: {thursday}" in out
    assert not [w for w in v5.warnings if "wieder eingeplant" in w]  # (said once)


def test_a_team_brought_back_gets_the_visits_its_removal_left_open(planned, tmp_path):
    """QA (re-plan, open): a team brought back (``--with-team``) was said to get nothing
    although open visits fit its remaining time. On Friday (the plan's last day: nothing
    can move to a later day) both teams go home at 09:30, so their visits after then are
    planned nowhere; brought back at 10:30, team-1 takes up as many of them as its rest of
    the day holds (serving more visits comes before the minimal change), from where its
    kept visits left it; what stays open stays for want of time. A team out all day and
    brought back takes up what the other team could not serve; it may stay idle when
    nothing is open (a visit moves only to serve more or save enough travel). The
    re-plans run on that Friday: a re-plan plans none of the visits its plan left open into
    a day already over (closing notes 31)."""
    fri = START + timedelta(days=4)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(fri, datetime.min.time()).replace(hour=hour, minute=minute)

    def friday(plan: Any, team: str) -> list[tuple[str, datetime]]:
        return [(s.client_id, s.start) for r in plan.routes if (r.team_id, r.day) == (
            team, fri) for s in r.stops]

    db, v1, _ = _copy_of(planned, tmp_path, "wieder.sqlite")
    late = {c for team in ("team-1", "team-2") for c, t in friday(v1, team) if t >= at(9, 30)}
    assert len(late) >= 3  # (else the test shows nothing)
    _, v2 = _replan_newest(db, tmp_path / "v2", v1.id, at(9, 30), "--without-team", "team-1",
                           "--without-team", "team-2", today=fri)
    assert {u.client_id for u in v2.unassigned} == late
    out, v3 = _replan_newest(db, tmp_path / "v3", v2.id, at(10, 30), "--with-team", "team-1",
                             today=fri)
    assert "Team team-1 ist ab Fr, 11.12.2026 10:30 Uhr wieder eingeplant" in out, out
    again = friday(v3, "team-1")
    got = {c for c, t in again if t >= at(10, 30)}
    # it takes up the open visits (both teams' afternoons in its one: as many as fit), and
    # what stays open is open for want of time, not kept from it by the minimal change
    assert got <= late and len(got) >= min(len(late), 4), again
    left = {u.client_id: u for u in v3.unassigned}
    assert set(left) == late - got, (left, got)
    assert all(u.code == "days_full" for u in left.values()), \
        [(u.client_id, u.code, u.reason) for u in left.values()]
    assert [x for x in again if x[1] < at(9, 30)] == [x for x in friday(v1, "team-1")
                                                      if x[1] < at(9, 30)]
    # out all day, its visits served by team-2 as far as they fit: brought back, it takes
    # up what stayed open (as many as fit), and nothing else is left open
    db, v1, _ = _copy_of(planned, tmp_path, "wieder2.sqlite")
    _, v2 = _replan_newest(db, tmp_path / "w2", v1.id, at(0), "--without-team", "team-1",
                           today=fri)
    assert not friday(v2, "team-1")
    still = {u.client_id for u in v2.unassigned}
    _, v3 = _replan_newest(db, tmp_path / "w3", v2.id, at(10, 30), "--with-team", "team-1",
                           today=fri)
    left = {u.client_id for u in v3.unassigned}
    assert left <= still and (not still or len(left) < len(still)), (still, left)
    assert all(u.code == "days_full" for u in v3.unassigned), v3.unassigned


def test_the_replan_that_takes_a_team_out_says_so_itself(planned, tmp_path):
    """QA 22 F1: the version that took a team out said nothing of it; only the versions
    after it said that the team stays out. Now the version itself says from when on that
    day the team is out and that its visits are planned anew or open (output and the
    plan's notes); the next re-plan says that it stays out (not the first note again), the
    one that brings it back says so, and neither note is left."""
    db, v1, _ = _copy_of(planned, tmp_path, "abmelden.sqlite")
    tue = START + timedelta(days=1)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(tue, datetime.min.time()).replace(hour=hour, minute=minute)

    taken = ("Team team-1 ist am Di, 08.12.2026 ab 09:00 Uhr für den Rest des Tages "
             "abgemeldet (diese Neuplanung, Version 2); seine Besuche ab dann sind neu "
             "verteilt oder offen.")
    stays = ("Team team-1 bleibt für den Rest des Di, 08.12.2026 abgemeldet (seit 09:00 Uhr, "
             "Neuplanung Version 2).")
    out, v2 = _replan_newest(db, tmp_path / "v2", v1.id, at(9), "--without-team", "team-1")
    assert v2.version == 2 and f"Hinweis: {taken}" in out, out
    assert taken in v2.warnings and stays not in v2.warnings, v2.warnings
    out, v3 = _replan_newest(db, tmp_path / "v3", v2.id, at(9, 30))
    assert f"Hinweis: {stays}" in out and taken not in out, out
    assert [w for w in v3.warnings if "team-1" in w] == [stays], v3.warnings
    out, v4 = _replan_newest(db, tmp_path / "v4", v3.id, at(10), "--with-team", "team-1")
    assert "Team team-1 ist ab Di, 08.12.2026 10:00 Uhr wieder eingeplant (vorher " \
        "abgemeldet)." in out, out
    assert taken not in out and stays not in out
    assert not [w for w in v4.warnings if "für den Rest" in w], v4.warnings


def test_an_agreed_time_outside_the_clients_window_is_planned_and_said(base, tmp_path):
    """A time pinned in the list outside the client's own ``Zeitfenster`` (10:00 with
    „Di 14-16“, often a typo) wins, as an agreed time does, but is no longer planned without
    a word: the report row and the plan's notes (index.html, the command's output) say so;
    a pinned time inside the window says nothing (QA 20a F4)."""
    _, addrs = base
    db = str(tmp_path / "window.sqlite")
    path = tmp_path / "liste.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Zeitfenster",
                    "Datum", "Uhrzeit"])
        for cid, (street, hn, pc, town), window, day, time in (
                ("W-OUT", addrs[0], "Di 14-16", "08.12.2026", "10:00"),
                ("W-IN", addrs[1], "Di 14-16", "08.12.2026", "14:00"),
                ("W-FREE", addrs[2], "Mi 9-12", "", "")):
            w.writerow([cid, street, hn, pc, town or "Bad Hersfeld", window, day, time])
    env = {clock.ENV: (START - timedelta(days=3)).isoformat()}
    res = runner.invoke(app, ["plan", str(path), *_common(db), "--start", START.isoformat(),
                              "--days", "5", "--out", str(tmp_path / "v1"), "--time-limit",
                              "1", "--threads", "1"], env=env)
    assert res.exit_code == 0, res.output
    with open(tmp_path / "v1" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    hint = "festgelegte Zeit 10:00 Uhr liegt außerhalb des Zeitfensters „Di 14-16“"
    out = rows["W-OUT"]
    assert (out["status"], out["datum"], out["beginn"]) == ("geplant", "2026-12-08", "10:00")
    assert f"Hinweis: {hint}" in out["grund"], out
    assert rows["W-IN"]["beginn"] == "14:00" and "Zeitfenster" not in rows["W-IN"]["grund"]
    assert rows["W-FREE"]["status"] == "geplant" and "Zeitfenster" not in rows["W-FREE"]["grund"]
    note = f"W-OUT ({out['team']}, Di, 08.12.2026): {hint}."
    assert f"Hinweis: {note}" in res.output
    index = (tmp_path / "v1" / "index.html").read_text(encoding="utf-8")
    assert note in index
    assert "W-IN (" not in res.output and "W-FREE (" not in res.output
    # read back from the store, the plan says the same (``show`` = the original ``plan``)
    from hausbesuch.store import Store

    with Store.open(db) as store:
        plan_id = store.latest_plan("Bad Hersfeld").id
    shown = runner.invoke(app, ["show", plan_id, "--out", str(tmp_path / "shown"), "--db", db],
                          env=env)
    assert shown.exit_code == 0, shown.output
    for name in ("report.csv", "index.html"):
        assert filecmp.cmp(tmp_path / "v1" / name, tmp_path / "shown" / name, shallow=False)


def test_a_team_brought_back_is_out_only_between_its_removal_and_its_return(planned,
                                                                             tmp_path):
    """Review 21: a return was remembered by its day only, so a re-plan from a moment
    before it (the web's „Neu planen“ from now, when the team's absence was entered in
    advance) forgot the absence: team-1, out on Tuesday from 10:00 to 11:00, got visits in
    that hour again. Now a return counts from its time: the team is out from its removal
    to its return, in from then on, and out again from a second removal."""
    db, v1, _ = _copy_of(planned, tmp_path, "pause.sqlite")
    tue = START + timedelta(days=1)

    def at(hour: int, d: date = tue) -> datetime:
        return datetime.combine(d, datetime.min.time()).replace(hour=hour)

    def run(plan_id: str, moment: datetime, *args: str, name: str):  # noqa: ANN202
        return _replan_newest(db, tmp_path / name, plan_id, moment, *args)

    def busy(plan: Any, start: datetime, end: datetime) -> list[datetime]:
        """The starts of team-1's Tuesday visits in [start, end) (a visit begun before a
        removal is done)."""
        return [s.start for r in plan.routes if (r.team_id, r.day) == ("team-1", tue)
                for s in r.stops if start <= s.start < end]

    assert busy(v1, at(10), at(11)) and busy(v1, at(14), at(20))  # (else nothing is shown)
    # (whether the team gets visits again after its return is the solver's choice: a
    # visit moves back only when that saves enough, so only the absences are asserted)
    _, v2 = run(v1.id, at(10), "--without-team", "team-1", name="v2")
    _, v3 = run(v2.id, at(11), "--with-team", "team-1", name="v3")
    assert not busy(v3, at(10), at(11))
    # from 12:00: in (its return lies before the moment)
    out, v4 = run(v3.id, at(12), name="v4")
    assert "team-1" not in " ".join(v4.params["without_teams"]) and "abgemeldet" not in out
    # from 08:00 (before the removal): visits until 10:00 stay, none from 10:00 to 11:00,
    # visits again from 11:00; the output says when it is out
    out, v5 = run(v4.id, at(8), name="v5")
    assert not busy(v5, at(10), at(11)), busy(v5, at(10), at(11))
    assert busy(v5, at(8), at(10)) == busy(v4, at(8), at(10))
    assert v5.params["removed_teams"] == [{"team": "team-1", "ab": "2026-12-08T10:00",
                                           "version": 2, "bis": "2026-12-08T11:00"}]
    assert "Team team-1 ist am Di, 08.12.2026 von 10:00 bis 11:00 Uhr abgemeldet" in out, out
    # from 10:30 (while it is out): nothing until its return at 11:00
    _, v5b = run(v5.id, at(10).replace(minute=30), name="v5b")
    assert not busy(v5b, at(10), at(11))
    # taken out again at 14:00: a re-plan from 15:00 keeps it out, one from 09:00 keeps
    # both absences
    _, v6 = run(v5b.id, at(14), "--without-team", "team-1", name="v6")
    out, v7 = run(v6.id, at(15), name="v7")
    assert not busy(v7, at(14), at(23)) and "seit 14:00 Uhr, Neuplanung Version 7" in out, out
    _, v8 = run(v7.id, at(9), name="v8")
    assert not busy(v8, at(10), at(11)) and not busy(v8, at(14), at(23))
    # from Monday (a day before): on Tuesday the team works until it first goes (its
    # return that day is planned by a re-plan from Tuesday)
    out, v9 = run(v8.id, at(12, START), name="v9")
    assert not busy(v9, at(10), at(23))
    assert "Team team-1 ist am Di, 08.12.2026 von 10:00 bis 11:00 Uhr abgemeldet" in out, out
    # the web's and the next re-plan's chain: a re-plan from Tuesday 11:30 brings it back
    _, v10 = run(v9.id, at(11).replace(minute=30), name="v10")
    assert not busy(v10, at(14), at(23))
    assert v10.params["removed_teams"] == [{"team": "team-1", "ab": "2026-12-08T14:00",
                                            "version": 7}]


def test_a_later_removal_called_off_says_so_and_span_notes_are_not_repeated(planned, tmp_path):
    """Review 21 #6: bringing back at 09:00 a team whose removal starts at 14:00 said
    „ist ab … 09:00 Uhr wieder eingeplant (vorher abgemeldet)“, though it was not out; now
    the note says that the removal is called off. And the note of a team out from 10:00 to
    11:00 is made again by every re-plan, not carried along as well (it stood twice)."""
    db, v1, _ = _copy_of(planned, tmp_path, "aufgehoben.sqlite")
    tue = START + timedelta(days=1)

    def at(hour: int, minute: int = 0) -> datetime:
        return datetime.combine(tue, datetime.min.time()).replace(hour=hour, minute=minute)

    _, v2 = _replan_newest(db, tmp_path / "v2", v1.id, at(14), "--without-team", "team-1")
    out, v3 = _replan_newest(db, tmp_path / "v3", v2.id, at(9), "--with-team", "team-1")
    assert "Die Abmeldung von Team team-1 ab 14:00 Uhr am Di, 08.12.2026 ist aufgehoben." in out
    assert "wieder eingeplant" not in out, out
    assert not v3.params["removed_teams"], v3.params["removed_teams"]
    # out from 10:00 to 11:00, then two more re-plans: the span's note once in each
    _, v4 = _replan_newest(db, tmp_path / "v4", v3.id, at(10), "--without-team", "team-1")
    _, v5 = _replan_newest(db, tmp_path / "v5", v4.id, at(11), "--with-team", "team-1")
    plan = v5
    for name, moment in (("v6", at(8)), ("v7", at(8, 30))):
        out, plan = _replan_newest(db, tmp_path / name, plan.id, moment)
        span = [w for w in plan.params["warnings"] if "von 10:00 bis 11:00 Uhr abgemeldet" in w]
        assert len(span) == 1, plan.params["warnings"]
        assert out.count("von 10:00 bis 11:00 Uhr abgemeldet") == 1, out


def test_a_replan_takes_up_open_cases_imported_since_but_none_another_plan_has(
        base, tmp_path):
    """QA 22 F9: cases imported after a week was planned never got into its re-plan (the
    same visits again, the new cases nowhere, no note), while a second plan of the week
    warned of double booking and pointed back to the re-plan. Now the re-plan takes up
    the open cases the plan does not know as `plan` would: N1 and N2 (imported since) are
    planned or listed with a reason and named in the version's note; N3 (planned by a
    second plan of those days) and N4 (closed) are not; the plan's own visits stay. Once
    the days are over, a re-plan takes up none."""
    import shutil

    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, Store

    _, addrs = base
    db = str(tmp_path / "neu.sqlite")
    real = addrs[20:30]

    def write(n_new: int) -> Path:
        path = tmp_path / f"liste-{n_new}.csv"
        with open(path, "w", encoding="utf-8-sig", newline="") as fh:
            w = csv.writer(fh, delimiter=";")
            w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"])
            rows = [(f"T{i}", a) for i, a in enumerate(real[:6])]
            rows += [(f"N{k}", real[5 + k]) for k in (3, 1, 2, 4)[:n_new]]
            for cid, (street, hn, pc, town) in rows:
                w.writerow([cid, street, hn, pc, town or "Bad Hersfeld"])
        return path

    before = {clock.ENV: (START - timedelta(days=3)).isoformat()}

    def run(*args: str, env: dict | None = None) -> str:
        res = runner.invoke(app, [*args, *_common(db)], env=env or before)
        assert res.exit_code == 0, res.output
        return res.output

    run("import", str(write(0)))
    run("plan", "--start", START.isoformat(), "--days", "5", "--out", str(tmp_path / "v1"),
        "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        v1 = store.latest_plan("Bad Hersfeld")
    assert {s.client_id for r in v1.routes for s in r.stops} == {f"T{i}" for i in range(6)}
    # N3 comes first and a second plan of the week's last day takes it
    run("import", str(write(1)))
    last = START + timedelta(days=4)
    run("plan", "--start", last.isoformat(), "--days", "1", "--out", str(tmp_path / "zwei"),
        "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        other = store.latest_plan("Bad Hersfeld")
    assert other.id != v1.id and "N3" in {s.client_id for r in other.routes for s in r.stops}
    # then N1, N2 and N4 (closed at once)
    run("import", str(write(4)))
    run("status", "N4", "--set", "abgeschlossen")
    shutil.copy(db, f"{db}.vorher")
    out = run("replan", v1.id, "--from", f"{START} 00:00", "--out", str(tmp_path / "v2"),
              "--time-limit", "3")
    with Store.open(db) as store:
        v2 = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                 key=lambda p: p.version)
        with store.session() as s:
            geplant = {(v.client_id, v.plan_id) for v in s.scalars(select(CaseVisitRow).where(
                CaseVisitRow.status == "geplant"))}
        audited = {a["client_id"] for a in store.audit_rows(action="besuch_geplant")
                   if a["plan_id"] == v2.id}
    assert v2.predecessor_id == v1.id
    stops = {s.client_id for r in v2.routes for s in r.stops}
    listed = {u.client_id: u.reason for u in v2.unassigned}
    assert {f"T{i}" for i in range(6)} <= stops  # the plan's own visits stay
    assert {"N1", "N2"} <= stops | set(listed), (stops, listed)
    note = ("2 offene Fälle seit dem Plan aufgenommen (N1, N2): eingeplant oder mit Grund "
            "als nicht eingeplant aufgeführt.")
    assert note in v2.warnings, v2.warnings
    assert note in out
    assert "aus der Liste" not in out, out  # (no list was given to the re-plan)
    assert "N3" not in stops and "N4" not in stops  # another plan's, and closed
    assert sum(cid == "N3" for cid, _ in geplant) == 1  # no double booking
    assert audited == {"N1", "N2"} & stops  # each new visit audited, as a re-plan does
    # the note is this version's: the next re-plan, with nothing new, does not carry it
    out = run("replan", v2.id, "--from", f"{START} 00:00", "--out", str(tmp_path / "v3"),
              "--time-limit", "2")
    with Store.open(db) as store:
        v3 = store.latest_plan("Bad Hersfeld")
    assert v3.predecessor_id == v2.id and not [w for w in v3.warnings if "aufgenommen" in w]
    # the week over: a re-plan takes up nobody
    shutil.copy(f"{db}.vorher", db)
    out = run("replan", v1.id, "--from", f"{START} 00:00", "--out", str(tmp_path / "spaet"),
              "--time-limit", "2", env={clock.ENV: (START + timedelta(days=10)).isoformat()})
    with Store.open(db) as store:
        late = max((store.load_plan(p.id) for p in store.list_plans("Bad Hersfeld")),
                   key=lambda p: p.version)
    assert late.predecessor_id == v1.id
    assert not {"N1", "N2"} & ({s.client_id for r in late.routes for s in r.stops}
                               | {u.client_id for u in late.unassigned})
    assert "aufgenommen" not in out


def test_an_excel_error_value_never_merges_two_people_into_one_case(tmp_path):
    """QA 24 #5: a German Excel export writes ``#NV`` where a lookup found nothing. The
    first list stored the case „#NV“ (Bernd, Am Markt 16); the next list's „#NV“ (Claudia,
    Klausstraße 12) overwrote it: „1 aktualisiert“, her name and address on his history.
    Now each such row is refused with its row and column, and no case „#NV“ exists."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db = str(tmp_path / "nv.sqlite")
    head = "Kundennummer;Name;Straße;Hausnummer;Ort\nK-1;Anna A;Ahornweg;1;Bad Hersfeld\n"
    (tmp_path / "woche1.csv").write_text(head + "#NV;Bernd B;Am Markt;16;Bad Hersfeld\n",
                                         encoding="utf-8")
    (tmp_path / "woche2.csv").write_text(head + "#NV;Claudia C;Klausstraße;12;Bad Hersfeld\n"
                                         "#WERT!;Dora D;Breitenstraße;3;Bad Hersfeld\n",
                                         encoding="utf-8")
    out = ok("import", str(tmp_path / "woche1.csv"), *_common(db))
    assert "1 neu, 0 aktualisiert, 0 unverändert, 1 abgelehnt" in out
    assert "Zeile 3, Kundennummer: „#NV“ in Spalte „Kundennummer“ ist ein Fehlerwert" in out
    out = ok("import", str(tmp_path / "woche2.csv"), *_common(db))
    assert "0 neu, 0 aktualisiert, 1 unverändert, 2 abgelehnt" in out
    assert "Zeile 4, Kundennummer: „#WERT!“ in Spalte „Kundennummer“" in out
    with Store.open(db) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="test")
        assert [s.client.id for s in cw.states()] == ["K-1"]


def test_a_replan_counts_the_visits_kept_against_the_teams_daily_limit(base, tmp_path):
    """A team with ``max_besuche = 4``: the visits a re-plan keeps before its moment, and
    those with an outcome after it, count against the day's limit (before, the re-plan
    gave the rest of the day the whole limit again: 3 kept visits plus up to 4 new)."""
    from hausbesuch.store import Store

    d, _ = base
    db = str(tmp_path / "limit.sqlite")
    teams = tmp_path / "teams.toml"
    teams.write_text('[defaults]\nmax_besuche = 4\n\n[[team]]\nid = "team-1"\n\n'
                     '[[team]]\nid = "team-2"\n', encoding="utf-8")
    ok("import", str(d / "kunden.csv"), *_common(db))
    ok("plan", *_common(db), "--start", START.isoformat(), "--days", "5", "--teams",
       str(teams), "--out", str(tmp_path / "v1"), "--time-limit", "4", "--threads", "1")
    with Store.open(db) as store:
        old = store.latest_plan("Bad Hersfeld")
    full = sorted((r for r in old.routes if len(r.stops) == 4), key=lambda r: (r.day, r.team_id))
    # the moment: just after the third visit of a full team-day began (three are kept)
    today = full[0]
    moment = today.stops[2].start + timedelta(minutes=1)
    # a full team-day after the moment's with outcomes of its first two visits (kept at
    # their times, the rest of that day planned again)
    later = next(r for r in full if r.day > today.day)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n" + "".join(
        f"{s.client_id};{s.start:%d.%m.%Y};{s.start:%H:%M};nicht angetroffen\n"
        for s in later.stops[:2]), encoding="utf-8")
    assert "2 erfasst" in ok("outcomes", str(rows), *_common(db))
    # QA 26 F8: a re-plan may be held to one search process and given a seed
    bad = CliRunner().invoke(app, ["replan", old.id, "--from", f"{moment:%Y-%m-%d %H:%M}",
                                   "--threads", "0", *_common(db)])
    assert bad.exit_code == 2 and "--threads: zwischen 1 und" in bad.output, bad.output
    ok("replan", old.id, "--from", f"{moment:%Y-%m-%d %H:%M}", "--out", str(tmp_path / "v2"),
       "--time-limit", "4", "--threads", "1", "--seed", "7", *_common(db))
    with Store.open(db) as store:
        new = store.latest_plan("Bad Hersfeld")
    assert new.version == 2
    assert (new.params["options"]["threads"], new.params["options"]["seed"]) == (1, 7)
    # more clients than the teams may visit: the limit, not the work, bounds the days
    assert len(new.unassigned) > 10
    per_day = {(r.team_id, r.day): [s.client_id for s in r.stops] for r in new.routes}
    kept = [s.client_id for s in today.stops[:3]]
    assert per_day[(today.team_id, today.day)][:3] == kept
    done = [s.client_id for s in later.stops[:2]]
    assert set(done) <= set(per_day[(later.team_id, later.day)])
    for key, ids in per_day.items():
        assert len(ids) <= 4, (key, ids)


def test_a_list_that_adds_the_clients_own_name_to_the_address_needs_no_replan(
        planned, base, tmp_path):
    """Review 25 #4: a stop keeps its address without the client's own name
    (``without_own_name``), so a list whose address for the client holds its name
    („Geheim Dudenstraße 5“ of a client „Geheim P012“) where the plan visits the same
    address without it was compared unlike with like and said „Adresse geändert, aber …
    noch an der alten Adresse eingeplant“: the address is compared without the name on
    both sides, no re-plan is asked for. A real move still is (see the test above)."""
    copy, plan, stops = _copy_of(planned, tmp_path, "eigenname.sqlite")
    d, addrs = base
    st = next(s for s in sorted(stops, key=lambda s: s.start) if s.start.date() > START)
    i = int(st.client_id[1:])
    street = addrs[i][0]
    assert street in st.address and "Geheim" not in st.address, st
    write_list(tmp_path / "name.csv", addrs, moved={st.client_id: f"Geheim {street}"})
    today = CliRunner(env={clock.ENV: START.isoformat()})
    res = today.invoke(app, ["import", str(tmp_path / "name.csv"), *_common(copy)],
                       catch_exceptions=False)
    assert res.exit_code == 0 and "1 aktualisiert" in res.output, res.output
    assert "Adresse geändert" not in res.output, res.output


def _serial(day: date) -> int:
    """Excel's date serial of ``day`` (1900 date system)."""
    return (day - date(1899, 12, 30)).days


def test_excel_serials_in_an_outcomes_file_are_read_with_a_note(planned, tmp_path):
    """QA 26 F6: a Datum formatted as a number (``46363``, a numeric cell or text in a
    CSV), an unformatted time (``0,4027778`` = 09:40) and an unformatted date-time in
    Termin were refused, while the client list reads date serials with a note. They are
    read as the list reads them, a note naming row and column; what stays ambiguous (a
    fraction that is no whole minute, a Termin serial without a time) is refused."""
    import shutil

    import openpyxl
    from sqlalchemy import select

    from hausbesuch.store import OutcomeRow, Store

    src, plan = planned
    stops = sorted((s for r in plan.routes for s in r.stops if s.client_id not in PINS),
                   key=lambda s: s.start)[:5]
    a, b, c, d, e = stops
    minute = {s.client_id: s.start.hour * 60 + s.start.minute for s in stops}
    appointment = datetime(2026, 12, 22, 10, 0)
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin"])
    ws.append([a.client_id, _serial(a.start.date()), minute[a.client_id] / 1440,
               "nicht angetroffen", None])  # numeric cells, formatted "Standard"
    ws.append([b.client_id, str(_serial(b.start.date())), None, "Termin vereinbart",
               _serial(appointment.date()) + 600 / 1440])  # text serial; date-time serial
    ws.append([c.client_id, _serial(c.start.date()), None, "Termin vereinbart",
               _serial(appointment.date())])  # a Termin without its time
    ws.append([d.client_id, _serial(d.start.date()), 0.123, "nicht angetroffen", None])
    ws.append([e.client_id, _serial(e.start.date()) + minute[e.client_id] / 1440, None,
               "angetroffen", None])  # a date-time serial in Datum: the visit's time
    path = tmp_path / "ergebnisse.xlsx"
    book.save(path)
    db = str(tmp_path / "serial.sqlite")
    shutil.copy(_pristine(src), db)
    out = ok("outcomes", str(path), *_common(db))
    assert "3 erfasst" in out and "2 abgelehnt" in out, out
    clock_a = f"{minute[a.client_id] // 60:02d}:{minute[a.client_id] % 60:02d}"
    assert (f"Zeile 2, Datum: {_serial(a.start.date())} als Excel-Datum gelesen "
            f"({a.start:%d.%m.%Y}); Zeile 3, Datum: {_serial(b.start.date())} als "
            f"Excel-Datum gelesen ({b.start:%d.%m.%Y})") in out, out
    assert f"Zeile 2, Uhrzeit: {str(minute[a.client_id] / 1440).replace('.', ',')} als " \
           f"Excel-Uhrzeit gelesen ({clock_a})" in out, out
    assert "Die Zelle ist als Zahl statt als Uhrzeit formatiert" in out, out
    assert "Zeile 3, Termin: " in out and "als Excel-Datum gelesen (22.12.2026 10:00)" in out
    assert (f"Zeile 4 ({c.client_id}), Termin: „{_serial(appointment.date())}“ als "
            "Excel-Datum wäre 22.12.2026: die Uhrzeit des Termins fehlt") in out, out
    assert (f"Zeile 5 ({d.client_id}), Uhrzeit: „0,123“ als Excel-Uhrzeit wäre "
            "02:57:07, keine volle Minute") in out, out
    assert "Zeile 6, Datum: " in out, out
    with Store.open(db) as store, store.session() as s:
        got = {o.client_id: (o.day, o.time_min, o.appointment_at)
               for o in s.scalars(select(OutcomeRow))}
    assert got == {
        a.client_id: (a.start.date(), minute[a.client_id], None),
        b.client_id: (b.start.date(), minute[b.client_id], appointment),
        e.client_id: (e.start.date(), minute[e.client_id], None)}, got

    # the same as text in a CSV export; a refused row names the serial it read
    csv_path = tmp_path / "ergebnisse.csv"
    csv_path.write_text(
        "Kundennummer;Datum;Uhrzeit;Ergebnis\n"
        f"{c.client_id};{_serial(c.start.date())};"
        f"{str(minute[c.client_id] / 1440).replace('.', ',')[:9]};nicht angetroffen\n"
        f"{d.client_id};{_serial(d.start.date()) + 1};;nicht angetroffen\n",
        encoding="utf-8")
    out = ok("outcomes", str(csv_path), *_common(db))
    assert "1 erfasst" in out and "1 abgelehnt" in out, out
    assert f"Zeile 2, Datum: {_serial(c.start.date())} als Excel-Datum gelesen" in out, out
    assert (f"„{_serial(d.start.date()) + 1}“ in Datum als Excel-Datum "
            f"{d.start.date() + timedelta(days=1):%d.%m.%Y} gelesen") in out, out
    with Store.open(db) as store, store.session() as s:
        o = s.scalar(select(OutcomeRow).where(OutcomeRow.client_id == c.client_id))
        assert (o.day, o.time_min) == (c.start.date(), minute[c.client_id])


def test_a_reprinted_sheet_names_the_appointment_agreed(planned, tmp_path):
    """QA 36 #11e: the print sheet of a visit already recorded as „Termin vereinbart“
    said „bereits erfasst“ without the appointment's day and time; it says them as the
    phone does („Termin am Do, 10.12.2026, 10:30 Uhr“)."""
    from hausbesuch.casework.stops import mark_done
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import team_day_sheet
    from hausbesuch.pages import RouteLinks
    from hausbesuch.store import Store

    copy, plan, _ = _copy_of(planned, tmp_path, "termin-druck.sqlite")
    first, when, _ = agree_appointment(plan, copy, tmp_path)
    with Store.open(copy) as store:
        shown = mark_done(store, store.load_plan(plan.id))
    route = next(r for r in shown.routes if any(s.client_id == first.client_id
                                                  for s in r.stops))
    sheet = team_day_sheet(shown, route, MapSettings(), links=RouteLinks())
    row = next(row for row in re.findall(r"<tr class=\"stopp[^\"]*\">.*?</tr>", sheet, re.S)
               if f"<strong>{first.client_id}</strong>" in row)
    text = " ".join(re.sub(r"<[^>]+>", " ", row).split())
    assert (f"Termin vereinbart, Termin am {format_moment(when)} bereits erfasst"
            in text), text


def test_plans_names_the_visits_made_among_a_plans_visits(planned, tmp_path):
    """QA 36 #9a: `plans` showed „Besuche 36“ for a version whose page said „29 geplant“;
    the visits with an outcome are named beside the number, as the plan's page counts
    them."""
    copy, plan, _ = _copy_of(planned, tmp_path, "plans-erledigt.sqlite")
    before = next(line for line in ok("plans", *_common(copy)).splitlines()
                  if line.startswith(plan.id))
    assert "mit Ergebnis" not in before, before
    agree_appointment(plan, copy, tmp_path)
    line = next(line for line in ok("plans", *_common(copy)).splitlines()
                if line.startswith(plan.id))
    visits = sum(len(r.stops) for r in plan.routes)
    assert f" | {visits}, davon 1 mit Ergebnis | " in line, line
