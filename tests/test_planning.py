"""The main job end to end on the real Bad Hersfeld extract (hausbesuch.planning).

The shared fixture ``planned_week`` (tests/planning_fixtures.py) plans a 200-row list with
10 bad rows once; the tests here check what a coordinator relies on: every row is
accounted for, exactly the bad rows are rejected with a reason naming the field, routes
respect shifts, lunch breaks, time windows and skills, names never leave the database,
and planning opens no outbound connection.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from hausbesuch.plandata import STATUS_PLANNED, STATUS_REJECTED, STATUS_UNASSIGNED
from tests.pg import pg_url
from tests.planning_fixtures import BAD_ROWS, SCRIPT_ROWS, START


def _report(week) -> list[dict[str, str]]:
    with open(week.out_dir / "report.csv", encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def test_report_accounts_for_every_row(planned_week):
    rows = _report(planned_week)
    assert [int(r["zeile"]) for r in rows] == list(range(2, 202))  # 200 rows, input order
    assert {r["status"] for r in rows} <= {STATUS_PLANNED, STATUS_UNASSIGNED, STATUS_REJECTED}
    assert all(r["status"] != STATUS_UNASSIGNED or r["grund"] for r in rows)


def test_exactly_the_bad_rows_are_rejected_with_reasons(planned_week):
    rows = {int(r["zeile"]) - 2: r for r in _report(planned_week)}
    rejected = {i for i, r in rows.items() if r["status"] == STATUS_REJECTED}
    assert rejected == set(BAD_ROWS)
    from hausbesuch.clients import FIELD_LABELS

    for i, (_kind, field) in BAD_ROWS.items():
        label = FIELD_LABELS[field]  # German field labels, not internal names, named once
        # („Adresse fehlt“, „Datum: …“; not „Adresse: Adresse fehlt“)
        assert re.match(rf"{re.escape(label)}\b", rows[i]["grund"]), rows[i]
        assert not rows[i]["grund"].startswith(f"{label}: {label}"), rows[i]
        assert len(rows[i]["grund"]) > len(label) + 10
    # an unknown street says so and offers suggestions where there are any
    assert "nicht gefunden" in rows[58]["grund"]
    # a note with markup is no reason to reject a client: planned (or unassigned), shown as text
    for i in SCRIPT_ROWS:
        assert rows[i]["status"] != STATUS_REJECTED
        assert "Notiz enthält HTML-/Skript-Code" in rows[i]["grund"]


def test_the_rest_is_planned_as_far_as_the_week_holds(planned_week):
    plan = planned_week.result.plan
    rows = _report(planned_week)
    planned = [r for r in rows if r["status"] == STATUS_PLANNED]
    unassigned = [r for r in rows if r["status"] == STATUS_UNASSIGNED]
    assert len(planned) + len(unassigned) == 192
    assert len(planned) >= 40  # two walking teams, five days
    assert len(plan.routes) == 10  # every team-day is used when the week is over-full
    codes = {u.code for u in plan.unassigned}
    assert codes, "an over-full week leaves visits unassigned, each with a reason code"
    # every reason is derived by checking: no visit is left out merely for lack of time
    assert "not_checked" not in codes
    assert "days_full" in codes
    # visits left out for lack of room are never higher priority than everything planned
    from hausbesuch.clients import client_priority

    by_id = {c.id: c for c in plan.clients}
    full = [u for u in plan.unassigned if u.code == "days_full"]
    if full:
        top_left_out = max(client_priority(by_id[u.client_id], START) for u in full)
        planned_prios = sorted(client_priority(by_id[s.client_id], START)
                               for r in plan.routes for s in r.stops)
        assert top_left_out <= planned_prios[-1]


def test_routes_respect_shift_lunch_windows_and_skills(planned_week):
    plan = planned_week.result.plan
    clients = {c.id: c for c in plan.clients}
    teams = {"team-1": set(), "team-2": set()}  # the profile's default teams speak German only
    for r in plan.routes:
        day0 = datetime(r.day.year, r.day.month, r.day.day)
        assert day0 + timedelta(hours=8) <= r.depart
        assert r.return_ <= day0 + timedelta(hours=16)
        assert r.lunch is not None
        a, b = r.lunch
        assert day0 + timedelta(hours=12) <= a and b <= day0 + timedelta(hours=13, minutes=30)
        assert b - a == timedelta(minutes=30)
        prev_end = r.depart
        for s in r.stops:
            assert prev_end <= s.arrival <= s.start < s.end
            assert not (a < s.end and s.start < b), "no visit during the lunch break"
            prev_end = s.end
            c = clients[s.client_id]
            assert set(c.sprache) <= teams[r.team_id]
            if c.angekuendigt_ab:
                assert r.day >= c.angekuendigt_ab
            if c.zeitfenster:
                wd = r.day.weekday()
                assert any(
                    wd in slot.weekdays
                    and day0 + timedelta(minutes=slot.start_min) <= s.start
                    and s.end <= day0 + timedelta(minutes=slot.end_min)
                    for slot in c.zeitfenster
                ), (s, c.zeitfenster)
        assert len(r.legs) == len(r.stops) + 1
        assert all(len(leg) >= 2 for leg in r.legs)
    # clients needing a language no default team speaks are unassigned with that reason
    lang = [u for u in plan.unassigned if clients[u.client_id].sprache]
    assert lang and all(u.code == "skill" for u in lang)
    # QA 18b #12: a language, not a „Fähigkeit“, and where to enter the teams' languages
    # (QA 36 #11b: the teams file or the city's teams, page and command, named)
    assert all("Kein Team spricht " in u.reason and "(Sprache in der Kundenliste); bitte die "
               "Teams" in u.reason and "„sprachen“" in u.reason and "neu planen" in u.reason
               and "Fähigkeit" not in u.reason and "ihrer Liste" not in u.reason
               for u in lang), [u.reason for u in lang]


def test_names_never_leave_the_database(planned_week):
    files = [p for p in planned_week.out_dir.rglob("*") if p.is_file()]
    assert len(files) > 30
    for p in files:
        assert not any(n in p.name for n in planned_week.names)
        if p.suffix in {".html", ".gpx", ".json", ".csv"}:
            text = p.read_text(encoding="utf-8-sig")
            leaked = [n for n in planned_week.names if n in text]
            assert not leaked, f"{p}: {leaked[:3]}"
    # ...but the database keeps them
    from hausbesuch.store import Store

    with Store.open(planned_week.db_url) as store:
        stored = {c.name for c in store.load_clients("Bad Hersfeld")}
    assert set(planned_week.names) & stored


def test_plan_json_is_vroom_output(planned_week):
    data = json.loads((planned_week.out_dir / "plan.json").read_text(encoding="utf-8"))
    assert data["code"] == 0
    assert data["summary"]["routes"] == len(data["routes"]) == 10
    # every unassigned client with the plan's reason: the solver's and those left out
    # before solving (QA 19d #3: before, plan.json listed only the solver's), each with a
    # job id of its own and the case id as description
    plan = planned_week.result.plan
    got = {u["description"]: u for u in data["unassigned"]}
    assert len(got) == len(data["unassigned"]) == len(plan.unassigned)
    assert data["summary"]["unassigned"] == len(plan.unassigned)
    for u in plan.unassigned:
        e = got[u.client_id]
        assert (e["type"], e["reason_code"], e["reason"]) == ("job", u.code, u.reason)
    job_ids = [s["id"] for r in data["routes"] for s in r["steps"] if s["type"] == "job"]
    all_ids = job_ids + [u["id"] for u in data["unassigned"]]
    assert len(set(all_ids)) == len(all_ids)
    for route in data["routes"]:
        kinds = [s["type"] for s in route["steps"]]
        assert kinds[0] == "start" and kinds[-1] == "end" and "job" in kinds
        assert all({"arrival", "service", "waiting_time"} <= s.keys() for s in route["steps"])
    assert all("reason" in u for u in data["unassigned"])


def test_stored_plan_reads_back_identically_from_sqlite(planned_week):
    from hausbesuch.store import Store

    with Store.open(planned_week.db_url) as store:
        back = store.load_plan(planned_week.plan_id)
    assert back == planned_week.result.plan


def test_stored_plan_reads_back_identically_from_postgresql(planned_week):
    url = pg_url()
    import uuid

    from sqlalchemy import create_engine, text

    from hausbesuch.store import Store

    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with Store.open(url, schema=schema) as store:
            plan_id = store.save_plan(planned_week.result.plan)
        with Store.open(url, schema=schema) as store:
            back = store.load_plan(plan_id)
        with Store.open(planned_week.db_url) as lite:
            from_sqlite = lite.load_plan(planned_week.plan_id)
        assert back == planned_week.result.plan == from_sqlite
    finally:
        eng = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1)
                            if url.startswith("postgresql://") else url)
        with eng.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()


def test_analysis_tables(planned_week):
    from hausbesuch.analysis import time_per_team_day, unassigned_reasons, visits_per_district

    plan = planned_week.result.plan
    per_d = visits_per_district(plan)
    assert per_d["geplant"].sum() == sum(len(r.stops) for r in plan.routes)
    assert per_d["nicht_eingeplant"].sum() == len(plan.unassigned)
    per_td = time_per_team_day(plan)
    assert len(per_td) == len(plan.routes)
    assert (per_td["fahrt_min"] > 0).all()
    assert (per_td["arbeitszeit_min"] <= 8 * 60).all()
    assert unassigned_reasons(plan)["anzahl"].sum() == len(plan.unassigned)


def test_planning_opens_no_outbound_connection(tmp_path, bad_hersfeld_pbf):
    """A second, smaller plan with warm caches, entirely under the network guard."""
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week, write_plan_files
    from tests.netguard import deny_network
    from tests.planning_fixtures import write_client_list

    profile = load_profile("bad-hersfeld")
    clients = tmp_path / "kunden.csv"
    write_client_list(clients, load_index(bad_hersfeld_pbf), seed=5)
    with deny_network() as attempts:
        result = plan_week(clients, profile=profile, osm=bad_hersfeld_pbf,
                           options=PlanOptions(start=START, days=2, time_limit=3, threads=1))
        write_plan_files(result, tmp_path / "out", profile)
        from hausbesuch.store import Store

        with Store.open(f"sqlite:///{tmp_path / 'p.db'}") as store:
            store.save_plan(result.plan)
    assert attempts == []
    assert len(result.report_rows) == 200


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "hausbesuch", *args], capture_output=True,
                          text=True, timeout=600, cwd=cwd)


def test_plan_command(tmp_path, planned_week):
    out = tmp_path / "out"
    res = _run("plan", str(planned_week.clients_csv), "--city", "bad-hersfeld", "--start",
               "07.12.2026", "--days", "1", "--out", str(out), "--db",
               f"sqlite:///{tmp_path / 'x.db'}", "--time-limit", "3", "--threads", "1")
    assert res.returncode == 0, res.stderr
    assert "200 Zeilen" in res.stdout and "abgelehnt" in res.stdout
    assert (out / "index.html").exists() and (out / "report.csv").exists()
    assert "Traceback" not in res.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "/nirgends/kunden.csv", "--city", "bad-hersfeld", "--start", "2026-12-07"],
         "nicht gefunden"),
        (["plan", "{clients}", "--city", "bad-hersfeld"], "--start fehlt"),
        (["plan", "{clients}", "--city", "bad-hersfeld", "--start", "31.02.2026"], "--start"),
        (["plan", "{clients}", "--city", "bad-hersfeld", "--start", "2026-12-07", "--mode", "ufo"],
         "Unbekannte Fortbewegungsart"),
        (["plan", "{clients}", "--city", "bad-hersfeld", "--start", "2026-12-07", "--teams",
          "{teams}"], "Team"),
    ],
)
def test_plan_command_errors(tmp_path, planned_week, args, message):
    """Usage errors: exit code 2, the message on stderr, no traceback. Run in this process
    (typer's runner, the same app): ``python -m hausbesuch plan`` as a process of its own
    is :func:`test_plan_command`'s (each process start cost 3-5 s of CPU)."""
    from tests.cli_helpers import run

    teams = tmp_path / "teams.toml"
    teams.write_text('[[team]]\nid = "a b c"\nschicht = "16:00-08:00"\n', encoding="utf-8")
    args = [a.format(clients=planned_week.clients_csv, teams=teams) for a in args]
    res = run(*args, "--out", str(tmp_path / "o"), "--db", f"sqlite:///{tmp_path / 'e.db'}")
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert isinstance(res.exception, SystemExit), res.exception  # no error escaped
    assert "Traceback" not in res.output


def test_a_window_that_the_rest_of_a_replanned_span_misses_names_that_rest():
    """A re-plan from Wednesday: a client who can only be seen on Tuesdays is told that no
    day from Wednesday on fits, not that the whole span (which holds a Tuesday) misses it."""
    from datetime import date

    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode, TimeSlot
    from hausbesuch.planning.builder import Span, make_candidate

    client = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld",
                    zeitfenster=(TimeSlot(frozenset({1}), 600, 720, "Di 10-12"),))
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    span = Span(date(2026, 12, 7), 5, WorkCalendar("HE"))
    profile = load_profile("bad-hersfeld")
    assert not hasattr(make_candidate(client, where, span=span, profile=profile), "reason")
    u = make_candidate(client, where, span=span, profile=profile,
                       not_before=datetime(2026, 12, 9, 11, 30))
    assert u.code == "window_outside_span"
    assert "liegt an keinem möglichen Tag (Mi, 09.12.2026 bis Fr, 11.12.2026)" in u.reason, \
        u.reason


def test_a_window_the_replans_moment_or_the_revisit_rule_took_names_that_cause():
    """QA 27 F8: a re-plan from Tuesday 08.12. 11:30 said of a client seen only on Tuesdays
    10–12 „liegt an keinem möglichen Tag (08.12.2026–11.12.2026)“, Tuesday being in it.
    After a failed try on a Tuesday morning the revisit rule is the cause (as the re-plan
    from 10:30 said); without one, the re-plan's moment is."""
    from datetime import date

    from hausbesuch.casework.rules import PastOutcome, WorkCalendar, directive
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode, TimeSlot
    from hausbesuch.planning.builder import Span, make_candidate

    client = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld",
                    zeitfenster=(TimeSlot(frozenset({1}), 600, 720, "Di 10-12"),))
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    span = Span(date(2026, 12, 7), 5, WorkCalendar("HE"))
    profile = load_profile("bad-hersfeld")
    moment = datetime(2026, 12, 8, 11, 30)
    tried = directive([PastOutcome(date(2026, 11, 24), "nicht_angetroffen", 10 * 60 + 10)],
                      calendar=WorkCalendar("HE"))
    for at in (moment, moment.replace(hour=10, minute=30)):
        u = make_candidate(client, where, span=span, profile=profile, directive=tried,
                           not_before=at)
        # (the rule forbids every Tuesday morning until a contact: for good, QA 38 F2)
        assert u.code == "revisit_rules_window", (at, u)
        assert u.reason.startswith("Das Zeitfenster „Di 10-12“ und die Regel für erneute "
                                   "Besuche"), u.reason
        assert "nicht erneut Dienstagvormittag" in u.reason, u.reason
    u = make_candidate(client, where, span=span, profile=profile, not_before=moment)
    assert (u.code, u.reason) == (
        "window_before_replan", "Das Zeitfenster „Di 10-12“ lässt am Di, 08.12.2026 nach der "
        "Neuplanung ab 11:30 Uhr keine Besuchszeit mehr und liegt an keinem weiteren "
        "möglichen Tag (Mi, 09.12.2026 bis Fr, 11.12.2026); der Fall bleibt offen für den "
        "nächsten Plan.")
    # a failed try on a Tuesday at 13:00: the rule took the starts from 11:01, the moment
    # the rest; both named
    late = directive([PastOutcome(date(2026, 11, 24), "nicht_angetroffen", 13 * 60)],
                     calendar=WorkCalendar("HE"))
    u = make_candidate(client, where, span=span, profile=profile, directive=late,
                       not_before=moment)
    assert u.code == "window_before_replan", u
    assert u.reason.startswith("Das Zeitfenster „Di 10-12“ lässt am Di, 08.12.2026 nach der "
                               "Neuplanung ab 11:30 Uhr keine Besuchszeit mehr und liegt an "
                               "keinem weiteren möglichen Tag (Mi, 09.12.2026 bis Fr, "
                               "11.12.2026); "
                               f"{late.reason}; "), u.reason


def test_the_days_a_window_misses_are_named_without_a_day_it_allows():
    """Review 27 #8: „liegt an keinem weiteren möglichen Tag (09.12.2026–11.12.2026)“ was
    printed from the first and the last day not allowed, a Thursday the window allowed
    in between. A range only where no allowed day lies in it; else the days one by one."""
    from datetime import date

    from hausbesuch.planning.builder import days_named

    tue, wed, thu, fri = (date(2026, 12, d) for d in (8, 9, 10, 11))
    assert days_named([wed, fri], [tue, thu]) == "Mi, 09.12.2026, Fr, 11.12.2026"
    assert days_named([wed, thu, fri], [tue]) == "Mi, 09.12.2026 bis Fr, 11.12.2026"
    assert days_named([fri], [tue, thu]) == "Fr, 11.12.2026"
    assert days_named([thu, wed], [tue, fri]) == "Mi, 09.12.2026 bis Do, 10.12.2026"


def test_a_holiday_in_the_span_is_named_in_the_notes_and_in_a_windows_reason():
    """QA 13a #7: a span over 6 January in Bavaria: the holiday got no tours but was named
    nowhere, and a client whose only window falls on it got a vague reason."""
    from datetime import date

    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode, TimeSlot
    from hausbesuch.planning.builder import Span, make_candidate
    from hausbesuch.planning.workflow import _holiday_notes

    span = Span(date(2027, 1, 4), 5, WorkCalendar("BY"))
    assert _holiday_notes(span) == [
        "Mi, 06.01.2027 (Heilige Drei Könige, Feiertag in BY): an dem Tag keine Touren."]
    assert _holiday_notes(Span(date(2027, 1, 4), 5, WorkCalendar("HE"))) == []
    assert _holiday_notes(Span(date(2026, 12, 21), 7, WorkCalendar("HE"))) == [
        "Fr, 25.12.2026 (Erster Weihnachtstag, Feiertag in HE): an dem Tag keine Touren.",
        # (a full working day on Heiligabend is said, with how to shorten it: QA 40 F1)
        "Do, 24.12.2026 (Heiligabend) ist laut Profil ein voller Arbeitstag. Endet die "
        "Arbeit früher: im Stadtprofil unter [casework] short_days = [\"24.12. bis "
        "12:00\"] eintragen (oder den Tag frei: local_holidays)."]
    wednesday = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld",
                       zeitfenster=(TimeSlot(frozenset({2}), 780, 900, "Mi 13-15"),))
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    u = make_candidate(wednesday, where, span=span, profile=load_profile("bad-hersfeld"))
    assert u.code == "window_outside_span"
    assert u.reason.endswith("; kein Arbeitstag: Mi, 06.01.2027 (Heilige Drei Könige, "
                             "Feiertag in BY)."), u.reason
    thursday = replace(wednesday, zeitfenster=(TimeSlot(frozenset({3}), 780, 780, "Do 13"),))
    u = make_candidate(thursday, where, span=span, profile=load_profile("bad-hersfeld"))
    assert u.code == "window_outside_span" and "Feiertag" not in u.reason, u.reason
    # review 13 #3: a holiday is named only when it is the cause. Hessen over Easter 2027
    # (Ostermontag 29.03., a working Monday 05.04.): "Mo 8-8:30" is shorter than the visit
    # (45 min), whatever the day; "Mo,Di 8-8:30" in a week with a working Tuesday too
    he = load_profile("bad-hersfeld")
    easter = Span(date(2027, 3, 29), 12, WorkCalendar("HE"))
    short = replace(wednesday, zeitfenster=(TimeSlot(frozenset({0}), 480, 510, "Mo 8-8:30"),))
    u = make_candidate(short, where, span=easter, profile=he)
    assert u.code == "window_outside_span"
    assert "kürzer als die Besuchsdauer (45 Min.)" in u.reason
    assert "Feiertag" not in u.reason and "kein Arbeitstag" not in u.reason, u.reason
    two = replace(short, zeitfenster=(TimeSlot(frozenset({0, 1}), 480, 510, "Mo,Di 8-8:30"),))
    u = make_candidate(two, where, span=Span(date(2027, 3, 29), 5, WorkCalendar("HE")),
                       profile=he)
    assert u.code == "window_outside_span" and "Feiertag" not in u.reason, u.reason
    # the same short window when Monday's only day is Easter Monday: still the length
    week = Span(date(2027, 3, 29), 5, WorkCalendar("HE"))
    u = make_candidate(short, where, span=week, profile=he)
    assert "Feiertag" not in u.reason, u.reason
    # a window that fits, on Easter Monday only: named; a re-plan from Tuesday leaves no
    # Monday, and the holiday before it is no longer named
    monday = replace(short, zeitfenster=(TimeSlot(frozenset({0}), 480, 600, "Mo 8-10"),))
    u = make_candidate(monday, where, span=week, profile=he)
    assert u.reason.endswith("; kein Arbeitstag: Mo, 29.03.2027 (Ostermontag, Feiertag in "
                             "HE)."), u.reason
    u = make_candidate(monday, where, span=week, profile=he,
                       not_before=datetime(2027, 3, 30, 7, 0))
    assert u.code == "window_outside_span" and "Feiertag" not in u.reason, u.reason
    # review 13b #4: the Monday window fits (on the holiday only), the Tuesday one is too
    # short: the holiday is a cause all the same
    mixed = replace(short, zeitfenster=(TimeSlot(frozenset({0}), 480, 600, "Mo 8-10"),
                                        TimeSlot(frozenset({1}), 480, 510, "Di 8-8:30")))
    u = make_candidate(mixed, where, span=week, profile=he)
    assert u.reason.endswith("; kein Arbeitstag: Mo, 29.03.2027 (Ostermontag, Feiertag in "
                             "HE)."), u.reason
    # a pin to the holiday names it
    u = make_candidate(short, where, span=week, profile=he, pin_day=date(2027, 3, 29))
    assert u.code == "pin_not_working_day"
    fix = ("am Mo, 29.03.2027 ist kein Arbeitstag (Ostermontag, Feiertag in HE). Bitte in "
           "der Kundenliste einen Arbeitstag eintragen (oder das Datum leeren) und sie erneut "
           "einlesen.")
    assert u.reason.endswith(fix), u.reason
    # QA 40 F2: the plans of the weeks after the holiday say so too (before: „liegt vor dem
    # Planungszeitraum und ist noch nicht vorbei: der Plan jenes Tages nimmt den Besuch
    # auf“, and no plan of that day could), while the holiday is still ahead
    later = Span(date(2027, 4, 5), 5, week.calendar)
    u = make_candidate(short, where, span=later, profile=he, pin_day=date(2027, 3, 29),
                       today=date(2027, 3, 26))
    assert (u.code, u.reason) == ("pin_not_working_day", f"Datum laut Liste {fix}"), u.reason
    # a working day before the span is still the plan of that day's
    u = make_candidate(short, where, span=later, profile=he, pin_day=date(2027, 3, 30),
                       today=date(2027, 3, 26))
    assert u.code == "pin_before_span", u.reason


def test_a_pin_to_a_day_before_the_replan_moment_says_so():
    """A list pin to Monday, re-planned from Wednesday: the reason names the pin and the
    moment, not "Kein Arbeitstag im Planungszeitraum" (the span has working days)."""
    from datetime import date

    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode
    from hausbesuch.planning.builder import Span, make_candidate

    client = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld")
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    span = Span(date(2026, 12, 7), 5, WorkCalendar("HE"))
    profile = load_profile("bad-hersfeld")
    u = make_candidate(client, where, span=span, profile=profile, pin_team="team-9",
                       pin_day=date(2026, 12, 7), not_before=datetime(2026, 12, 9, 11, 30))
    assert u.code == "pin_before_replan"
    # (the days with their weekday, as every message on a pin or appointment names them)
    assert u.reason == ("Datum laut Liste am Mo, 07.12.2026 liegt vor der Neuplanung ab "
                        "Mi, 09.12.2026, 11:30 Uhr."), u.reason
    late = make_candidate(client, where, span=span, profile=profile,
                          not_before=datetime(2026, 12, 12, 9, 0))
    assert late.code == "no_day_after_replan", late
    assert "nach dem Sa, 12.12.2026, 09:00 Uhr (Neuplanung)" in late.reason, late.reason


def test_an_announcement_or_revisit_day_names_the_real_conflict():
    """QA 24 F2: „Angekündigt erst ab 23.12.2026, nach dem Planungszeitraum (bis
    25.12.2026)“ for a client pinned to 22.12 (the pin lies before the announcement, inside
    the span), and „ab 25.12.2026, nach dem Planungszeitraum (bis 25.12.2026)“ for an
    announcement from the span's last day, a holiday. Each reason names its conflict."""
    from datetime import date

    from hausbesuch.casework.rules import Directive, WorkCalendar
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode
    from hausbesuch.planning.builder import Span, make_candidate

    client = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld",
                    angekuendigt_ab=date(2026, 12, 23))
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    span = Span(date(2026, 12, 21), 5, WorkCalendar("HE"))
    he = load_profile("bad-hersfeld")
    assert not hasattr(make_candidate(client, where, span=span, profile=he), "reason")
    u = make_candidate(client, where, span=span, profile=he, pin_day=date(2026, 12, 22))
    assert (u.code, u.reason) == (
        "pin_before_announced", "Datum laut Liste am Di, 22.12.2026 liegt vor dem Tag, ab dem "
                                "der Besuch angekündigt ist (Mi, 23.12.2026).")
    u = make_candidate(replace(client, angekuendigt_ab=date(2026, 12, 25)), where, span=span,
                       profile=he)
    assert (u.code, u.reason) == (
        "announced_no_working_day", "Angekündigt erst ab Fr, 25.12.2026; ab dann bleibt im "
        "Planungszeitraum (bis Fr, 25.12.2026) kein Arbeitstag: Fr, 25.12.2026 (Erster "
        "Weihnachtstag, Feiertag in HE).")
    u = make_candidate(replace(client, angekuendigt_ab=date(2026, 12, 25)), where,
                       span=Span(date(2026, 12, 21), 7, WorkCalendar("HE")), profile=he)
    assert u.reason.endswith("(bis So, 27.12.2026) kein Arbeitstag: Fr, 25.12.2026 (Erster "
                             "Weihnachtstag, Feiertag in HE), sonst Wochenende."), u.reason
    # after the span: as before
    u = make_candidate(replace(client, angekuendigt_ab=date(2026, 12, 28)), where, span=span,
                       profile=he)
    assert (u.code, u.reason) == (
        "announced_after_span", "Angekündigt erst ab Mo, 28.12.2026, nach dem "
                                "Planungszeitraum (bis Fr, 25.12.2026).")
    # the revisit day of a failed try: the same pattern
    plain = replace(client, angekuendigt_ab=None)
    d = Directive(status="offen", earliest=date(2026, 12, 23),
                  reason="1. Versuch ohne Kontakt am 18.12.2026 (Nicht angetroffen): "
                         "frühestens wieder am 23.12.2026")
    u = make_candidate(plain, where, span=span, profile=he, directive=d,
                       pin_day=date(2026, 12, 22))
    assert (u.code, u.reason) == (
        "pin_before_revisit", "Datum laut Liste am Di, 22.12.2026 liegt vor dem nächsten "
        f"möglichen Versuch ({d.reason}).")
    later = replace(d, earliest=date(2026, 12, 28), reason=d.reason.replace("23.12.", "28.12."))
    u = make_candidate(plain, where, span=span, profile=he, directive=later)
    assert (u.code, u.reason) == (
        "revisit_after_span", f"{later.reason}; das liegt nach dem Planungszeitraum "
                              "(bis Fr, 25.12.2026).")


def test_a_pin_before_the_span_binds_until_its_day_has_passed():
    """A pin (or appointment) before the span is 'verstrichen' only once its day is before
    today: then the client is planned freely; while it is still ahead the client is no
    visit of this span (else it got a second, unplanned visit after the appointment)."""
    from datetime import date

    from hausbesuch.casework.rules import WorkCalendar
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode
    from hausbesuch.planning.builder import Span, make_candidate, passed_pin

    client = Client(row=2, id="K1", address="Breitenstraße 1, 36251 Bad Hersfeld")
    where = Geocode("K1", 9.7068, 50.8681, "exact", 1.0, "Breitenstraße 1", "", "Innenstadt")
    span = Span(date(2026, 12, 14), 2, WorkCalendar("HE"))
    profile = load_profile("bad-hersfeld")
    pin = {"pin_team": "team-1", "pin_day": date(2026, 12, 11)}
    ahead = make_candidate(client, where, span=span, profile=profile, today=date(2026, 12, 8),
                           **pin)
    assert ahead.code == "pin_before_span"
    assert ahead.reason.startswith("Datum laut Liste am Fr, 11.12.2026 liegt vor dem "
                                   "Planungszeitraum"), ahead.reason
    assert passed_pin(span, None, date(2026, 12, 11), "liste", date(2026, 12, 8)) is None
    gone = make_candidate(client, where, span=span, profile=profile, today=date(2026, 12, 12),
                          **pin)
    assert not hasattr(gone, "reason") and gone.pin_day is None
    assert passed_pin(span, None, date(2026, 12, 11), "liste",
                      date(2026, 12, 12)) == "laut Liste Fr, 11.12.2026"


@pytest.mark.parametrize("hour", [14, 10])  # outside the window; inside it (was pinned)
def test_a_passed_appointment_plays_no_part_beside_a_letters_window(hour):
    """QA 27 F1: an appointment (27.11., 14:00) passed without being planned; the next
    week's plan placed the client freely (07.12., 08:01) and a letter promised 08:00–10:00.
    A re-plan kept the old appointment's time with the letter's day: the visit was dropped
    („das Fenster passt nicht (mehr)“) and a needless cancellation written, or, with the
    old time inside the window (10:00), pinned to exactly that time. The letter's window
    binds, the passed appointment does not."""
    from datetime import date

    from hausbesuch.casework.rules import PastOutcome, WorkCalendar, directive
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode
    from hausbesuch.planning.builder import Candidate, Span, make_candidate

    client = Client(row=2, id="F-01", address="Am Markt 20, 36251 Bad Hersfeld")
    where = Geocode("F-01", 9.7068, 50.8681, "exact", 1.0, "Am Markt 20", "", "Innenstadt")
    span = Span(date(2026, 12, 7), 5, WorkCalendar("HE"))
    profile = load_profile("bad-hersfeld")
    promise = (datetime(2026, 12, 7, 8, 0), datetime(2026, 12, 7, 10, 0))
    d = directive([PastOutcome(date(2026, 11, 23), "termin_vereinbart", 9 * 60,
                               datetime(2026, 11, 27, hour, 0))],
                  calendar=WorkCalendar("HE"))
    assert d.appointment is not None
    # as `replan` calls it (no today; its moment before the week's first visit)
    c = make_candidate(client, where, span=span, profile=profile, directive=d,
                       promise=promise, visit_id="v-brief",
                       not_before=datetime(2026, 12, 7, 7, 0))
    assert isinstance(c, Candidate), (hour, c)
    assert c.windows == ((8 * 3600, 10 * 3600),), (hour, c.windows)
    assert (c.earliest_day, c.latest_day, c.pin_day) == (0, 0, 0)
    assert c.promise == promise and c.visit_id == "v-brief" and c.moved_promise is None
    assert c.pin_note == "Angekündigter Besuch am Mo, 07.12.2026, 08:00–10:00 Uhr", c.pin_note
    assert "Termin" not in c.agreed, c.agreed


def test_the_planners_notes_write_an_appointment_with_its_weekday() -> None:
    """The reason of an appointment the plan could not place, and a replan's note on a pin
    it cannot take up, wrote the day without its weekday („Vereinbarter Termin am
    09.12.2026, 10:00 Uhr“), unlike the case page and every message on an appointment
    („Termin am Mi, 09.12.2026, 10:00 Uhr“: fields.format_moment). A replan still knows
    the notes of plans stored before, in the old words, as its own (it makes them anew)."""
    from datetime import date
    from types import SimpleNamespace

    from hausbesuch.casework.rules import PastOutcome, WorkCalendar, directive
    from hausbesuch.config import load_profile
    from hausbesuch.plandata import Client, Geocode
    from hausbesuch.planning.builder import Candidate, Span, make_candidate
    from hausbesuch.planning.workflow import _REMADE_NOTE, _moved_note, _pins_not_taken

    client = Client(row=2, id="F-01", address="Am Markt 20, 36251 Bad Hersfeld")
    where = Geocode("F-01", 9.7068, 50.8681, "exact", 1.0, "Am Markt 20", "", "Innenstadt")
    span = Span(date(2026, 12, 7), 5, WorkCalendar("HE"))
    d = directive([PastOutcome(date(2026, 12, 1), "termin_vereinbart", 9 * 60,
                               datetime(2026, 12, 9, 10, 0))], calendar=WorkCalendar("HE"))
    c = make_candidate(client, where, span=span, profile=load_profile("bad-hersfeld"),
                       directive=d, today=date(2026, 12, 4))
    assert isinstance(c, Candidate), c
    assert c.pin_note == "Vereinbarter Termin am Mi, 09.12.2026, 10:00 Uhr", c.pin_note
    # one still ahead, before the span: the plan of its days takes it
    ahead = directive([PastOutcome(date(2026, 12, 1), "termin_vereinbart", 9 * 60,
                                   datetime(2026, 12, 4, 10, 0))], calendar=WorkCalendar("HE"))
    u = make_candidate(client, where, span=span, profile=load_profile("bad-hersfeld"),
                       directive=ahead, today=date(2026, 12, 3))
    assert u.code == "pin_before_span", u
    assert u.reason.startswith("Vereinbarter Termin am Fr, 04.12.2026 liegt vor dem "
                               "Planungszeitraum"), u.reason
    # a pin a replan cannot take up: the appointment and the visits in the way
    pin = SimpleNamespace(pin_source="termin", pin_day=date(2026, 12, 9), pin_time_min=600)
    standing = SimpleNamespace(start=datetime(2026, 12, 8, 11, 15))
    other = SimpleNamespace(plan_id="P-2", day=date(2026, 12, 10))
    notes = [*_pins_not_taken({"F-01": pin}, {"F-01"}, {"F-01": standing}, {}),
             *_pins_not_taken({"F-01": pin}, {"F-01"}, {}, {"F-01": other})]
    assert notes == [
        "Vereinbarter Termin für F-01 am Mi, 09.12.2026, 10:00 Uhr nicht eingeplant: der "
        "Besuch am Di, 08.12.2026, 11:15 Uhr hat noch kein Ergebnis; erst das Ergebnis "
        "erfassen, dann neu planen.",
        "Vereinbarter Termin für F-01 am Mi, 09.12.2026, 10:00 Uhr nicht eingeplant: Plan "
        "P-2 hat am Do, 10.12.2026 einen Besuch geplant (zum Ändern: jenen Plan neu "
        "planen)."], notes
    moved = _moved_note(SimpleNamespace(
        id="F-01", pin_note=c.pin_note,
        moved_promise=(datetime(2026, 12, 7, 8, 0), datetime(2026, 12, 7, 10, 0))))
    assert moved.startswith("F-01: angekündigt für Mo, 07.12.2026, 08:00–10:00 Uhr; jetzt "
                            "gilt: Vereinbarter Termin am Mi, 09.12.2026, 10:00 Uhr. "), moved
    stored = ["Vereinbarter Termin für F-01 am 09.12.2026, 10:00 Uhr nicht eingeplant: der "
              "Besuch am 08.12.2026 um 11:15 Uhr hat noch kein Ergebnis; erst das Ergebnis "
              "erfassen, dann neu planen.",
              "F-01: angekündigt für 07.12.2026 08:00–10:00 Uhr; jetzt gilt: Vereinbarter "
              "Termin am 09.12.2026, 10:00 Uhr. Der angekündigte Besuch entfällt; bitte für "
              "diesen Plan einen Korrekturbrief schreiben (hausbesuch letters … "
              "--correction)."]
    for note in (*notes, moved, *stored):
        assert _REMADE_NOTE.match(note), note


def test_the_solver_stage_never_counts_past_its_limit() -> None:
    """QA 16a #8: the job page said „Touren optimieren (6 von 4 s)“ while the solver's last
    rounds ran past the limit."""
    from hausbesuch.planning.workflow import _solver_stage

    assert _solver_stage(0.2, 4) == "Touren optimieren (0 von 4 s)"
    assert _solver_stage(3.7, 4) == "Touren optimieren (3 von 4 s)"
    for late in (4.0, 5.2, 6.9):
        assert _solver_stage(late, 4) == "Touren optimieren (abschließen)"


def test_plan_json_lists_clients_left_out_before_solving(tmp_path, bad_hersfeld_pbf):
    """A client left out before the solver sees it (a pin on a day outside the span) is in
    plan.json's ``unassigned`` with the plan's reason code and words, like the solver's
    (QA 19d #3: before, only the solver's were there), and ``show`` writes the same file
    from the store."""
    import random

    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from tests.cli_helpers import ok
    from tests.planning_fixtures import real_addresses

    addrs = random.Random(4).sample(real_addresses(load_index(bad_hersfeld_pbf)), 4)
    with open(tmp_path / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit", "Datum"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"Q{i:03d}", f"N{i}", street, hn, pc, town or "Bad Hersfeld",
                        "01.02.2025", "21.12.2026" if i == 0 else ""])
    db = str(tmp_path / "p.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    ok("plan", str(tmp_path / "kunden.csv"), *common, "--start", "2026-12-14", "--days", "2",
       "--out", str(tmp_path / "out"), "--time-limit", "1", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    left = {u.client_id: u for u in plan.unassigned}
    assert left["Q000"].code == "pin_outside_span" and left["Q000"].reason
    data = json.loads((tmp_path / "out" / "plan.json").read_text(encoding="utf-8"))
    got = {u["description"]: u for u in data["unassigned"]}
    assert set(got) == set(left) and data["summary"]["unassigned"] == len(left)
    e = got["Q000"]
    assert (e["type"], e["reason_code"], e["reason"]) == ("job", "pin_outside_span",
                                                          left["Q000"].reason)
    assert isinstance(e["id"], int) and "location" not in e
    steps = [s["id"] for r in data["routes"] for s in r["steps"] if s["type"] == "job"]
    assert e["id"] not in steps
    ok("show", plan.id, *common, "--out", str(tmp_path / "again"))
    assert json.loads((tmp_path / "again" / "plan.json").read_text(encoding="utf-8")) == data


def test_plan_json_left_out_ids_never_name_another_case():
    """With decimal Kundennummern the solver's entries carry the case id as job id and no
    description; a client left out before solving keeps its own number as job id, and a
    counted id never is another case's number (review 19b #1: client 1002 was listed
    under id 1005, the Kundennummer of another left-out client)."""
    from types import SimpleNamespace as NS

    from hausbesuch.planning.workflow import complete_unassigned

    def left(cid):
        return NS(client_id=cid, code="pin_outside_span", reason="Termin außerhalb")

    sol = {"unassigned": [{"id": 1003, "type": "job", "reason_code": "x", "reason": "y"}],
           "routes": [{"steps": [{"type": "job", "id": 1001}, {"type": "job", "id": 1004}]}],
           "summary": {"unassigned": 1}}
    plan = NS(solution=sol, unassigned=[left("1002"), left("1003"), left("1005"),
                                        left("K-7"), left("0099")])
    complete_unassigned(plan, [1001, 1003, 1004])
    got = {e.get("description", str(e["id"])): e["id"] for e in sol["unassigned"]}
    assert got["1002"] == 1002 and got["1005"] == 1005 and got["1003"] == 1003
    # not decimal in VROOM's sense: a counted id that no case has as its number
    cases = {1001, 1002, 1003, 1004, 1005}
    assert got["K-7"] not in cases and got["0099"] not in cases
    assert len(set(got.values())) == len(got) == sol["summary"]["unassigned"] == 5


def test_a_day_with_one_morning_visit_shows_no_lunch_break(tmp_path, bad_hersfeld_pbf,
                                                          monkeypatch):
    """QA 22 F4: a day with one visit showed the lunch break 12:00–12:30 and the return at
    12:30 although the visit ended before nine. The team is back before the break window
    opens: the route page, the print sheet, the GPX and the plan data show no break, and
    the return is the real one (depart + travel + visit time)."""
    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.gpx import route_gpx
    from hausbesuch.maps import MapSettings
    from hausbesuch.pages import RouteLinks, print_sheet, route_page
    from hausbesuch.planning import PlanOptions, plan_week
    from tests.planning_fixtures import HEADER, real_addresses

    # planned on the Friday before its day: on the day itself a plan starts from the real
    # time of day (QA 40 F5), and the morning visit would follow the clock
    monkeypatch.setenv(clock.ENV, (START - timedelta(days=3)).isoformat())
    profile = load_profile("bad-hersfeld")
    street, hn, pc, city = real_addresses(load_index(bad_hersfeld_pbf))[0]
    clients = tmp_path / "kunden.csv"
    with clients.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(HEADER)
        w.writerow(["C0001", "Geheimname A", street, hn, pc, city or "Bad Hersfeld",
                    "01.02.2024", "", "", "", "30", ""])
    result = plan_week(clients, profile=profile, osm=bad_hersfeld_pbf,
                       options=PlanOptions(start=START, days=1, time_limit=3, threads=1))
    (r,) = result.plan.routes
    (stop,) = r.stops
    day0 = datetime(r.day.year, r.day.month, r.day.day)
    assert stop.end < day0 + timedelta(hours=10)
    assert r.lunch is None
    assert r.return_ < day0 + timedelta(hours=12)
    assert (r.return_ - r.depart).total_seconds() == r.travel_s + r.service_s + r.waiting_s
    assert r.return_ > stop.end
    links = RouteLinks(map="k.html", page="r.html", sheet="d.html", gpx="g.gpx",
                       index="i.html")
    back = f"{r.return_:%H:%M} Uhr"
    for html in (route_page(r, MapSettings(), links=links),
                 print_sheet(r, MapSettings(), links=links)):
        assert "Pause" not in html and 'class="pause"' not in html
        assert f"Rückkehr zum Start {back}" in html or f"Rückkehr {back}" in html
    assert f"Rückkehr {r.return_:%H:%M}" in route_gpx(r)
