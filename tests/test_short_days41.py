"""QA 40 F1: Heiligabend and Silvester, the half days of many offices.

Before, a coordinator could only give a whole day off (``local_holidays``, an absence), and
the plans gave 24.12. and 31.12. the fullest days of their weeks, until 16:00. Now the
profile's ``[casework] short_days`` end every team's work early on such a day (``"24.12.
bis 12:00"``): no visit and no way back after it, said in the plan's notes; without it, a
plan whose days hold 24.12. or 31.12. on a weekday says that they are full working days
and how to shorten them.

The real Bad Hersfeld extract and the planner as the command line and the web call it.
"""

from __future__ import annotations

import csv
import random
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.planning_fixtures import real_addresses

MONDAY = date(2026, 12, 21)
CITY = "Bad Hersfeld"


def _profile(tmp_path: Path, pbf: Path, short_days: str | None):  # noqa: ANN202
    """The shipped Bad Hersfeld profile with its extract's absolute path and, when given,
    ``short_days`` (a TOML array) under ``[casework]``."""
    from hausbesuch.config import PROFILE_DIR, load_profile

    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    text = text.replace('file = "osm/bad-hersfeld_2021-10-27.osm.pbf"', f'file = "{pbf}"')
    if short_days is not None:
        text = text.replace('land = "HE"\n', f'land = "HE"\nshort_days = {short_days}\n')
    path = tmp_path / "bh-kurz.toml"
    path.write_text(text, encoding="utf-8")
    return load_profile(path)


def _clients(path: Path, pbf: Path, n: int) -> list[str]:
    from geodata.geocode import load_index

    addrs = random.Random(41).sample(real_addresses(load_index(pbf)), n)
    ids = []
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            ids.append(f"H-{i:03d}")
            w.writerow([ids[-1], f"Kurzname {i:03d}", street, hn, pc, town or CITY])
    return ids


def _plan(clients: Path, profile, start: date, days: int):  # noqa: ANN001, ANN202
    from hausbesuch.planning import PlanOptions, plan_week

    return plan_week(clients, profile=profile, options=PlanOptions(
        start=start, days=days, time_limit=2, seed=1, threads=1))


def test_short_days_are_read_and_refused_with_the_entry(tmp_path: Path,
                                                        bad_hersfeld_pbf: Path) -> None:
    from hausbesuch.errors import ProfileError

    profile = _profile(tmp_path, bad_hersfeld_pbf,
                       '["24.12. bis 12:00 Heiligabend", "31.12.2026 bis 13:30"]')
    cal = profile.casework.calendar()
    eve = cal.short_day(date(2026, 12, 24))
    assert (eve.end_min, eve.name) == (12 * 60, "Heiligabend")
    assert cal.short_day(date(2027, 12, 24)).end_min == 12 * 60  # every year
    assert cal.short_day(date(2026, 12, 31)).end_min == 13 * 60 + 30
    assert cal.short_day(date(2027, 12, 31)) is None  # once
    assert cal.short_day(date(2026, 12, 23)) is None
    assert cal.short_day(date(2022, 12, 24)) is None  # a Saturday: no working day
    assert cal.is_working_day(date(2026, 12, 24))  # a short day is a working day
    # a date's own entry before the every-year one
    cal = _profile(tmp_path, bad_hersfeld_pbf,
                   '["24.12. bis 12:00", "24.12.2026 bis 13:00"]').casework.calendar()
    assert cal.short_day(date(2026, 12, 24)).end_min == 13 * 60
    assert cal.short_day(date(2027, 12, 24)).end_min == 12 * 60
    for bad in ('["24.12."]', '["24.12. bis 25:00"]', '["31.02. bis 12:00"]',
                '["24.12. bis 02:00"]'):
        with pytest.raises(ProfileError) as err:
            _profile(tmp_path, bad_hersfeld_pbf, bad)
        assert "kein verkürzter Arbeitstag" in str(err.value), str(err.value)
        assert "short_days" in str(err.value), str(err.value)
    # the same day twice, or a short day that is also a day off: which is meant?
    with pytest.raises(ProfileError, match="nennt denselben Tag wie „24.12. bis 12:00“"):
        _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00", "24.12. bis 13:00"]')
    with pytest.raises(ProfileError, match="steht auch unter local_holidays"):
        _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00"]\nlocal_holidays = ["24.12."]')


def test_a_short_day_ends_every_tour_on_time(tmp_path: Path, bad_hersfeld_pbf: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock

    monkeypatch.setenv(clock.ENV, "2026-12-18")  # (planned on the Friday before)
    clients = tmp_path / "kunden.csv"
    ids = _clients(clients, bad_hersfeld_pbf, 60)
    profile = _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')
    result = _plan(clients, profile, MONDAY, 4)
    plan = result.plan
    planned = {s.client_id for r in plan.routes for s in r.stops}
    assert planned | {u.client_id for u in plan.unassigned} == set(ids)  # nothing lost
    eve = [r for r in plan.routes if r.day == date(2026, 12, 24) and r.stops]
    assert eve, "the short day still has tours"
    noon = datetime(2026, 12, 24, 12, 0)
    for r in eve:
        assert r.stops[-1].end <= noon, (r.team_id, r.stops[-1].end)
        assert r.return_ <= noon, (r.team_id, r.return_)  # back by then
    # the other days keep their whole shift (60 cases fill them past noon)
    assert any(s.end > datetime.combine(r.day, datetime.min.time()).replace(hour=13)
               for r in plan.routes if r.day != date(2026, 12, 24) for s in r.stops)
    assert ("Do, 24.12.2026 (Heiligabend laut Profil): alle Touren enden um 12:00 Uhr."
            in plan.warnings), plan.warnings
    assert not [w for w in plan.warnings if "voller Arbeitstag" in w], plan.warnings
    # stored with the plan: every view of it ends the day there (the letters' windows)
    from hausbesuch.letters import team_day
    from hausbesuch.teams import plan_shift

    assert plan.params["short_days"] == {"2026-12-24": 720}
    route = eve[0]
    assert plan_shift(plan.params, route.team_id, date(2026, 12, 24)) == (480, 720)
    assert plan_shift(plan.params, route.team_id, date(2026, 12, 23)) == (480, 960)
    assert team_day(plan, route) == (datetime(2026, 12, 24, 8, 0), noon)


def test_without_short_days_the_plan_says_that_silvester_is_a_full_day(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.config import load_profile

    monkeypatch.setenv(clock.ENV, "2026-12-23")
    clients = tmp_path / "kunden.csv"
    _clients(clients, bad_hersfeld_pbf, 6)
    result = _plan(clients, load_profile("bad-hersfeld"), date(2026, 12, 28), 5)
    hint = ("Do, 31.12.2026 (Silvester) ist laut Profil ein voller Arbeitstag. Endet die "
            "Arbeit früher: im Stadtprofil unter [casework] short_days = [\"31.12. bis "
            "12:00\"] eintragen (oder den Tag frei: local_holidays).")
    assert hint in result.plan.warnings, result.plan.warnings
    assert not [w for w in result.plan.warnings if "Heiligabend" in w]


def test_an_appointment_after_a_short_days_end_is_refused(tmp_path: Path,
                                                          bad_hersfeld_pbf: Path) -> None:
    """The phone's „Termin vereinbart“ for a time whose visit ends after the short day's
    end is refused with the latest time that fits, as after a shift's end."""
    from hausbesuch.casework import Casework
    from hausbesuch.store import Store

    profile = _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')
    clients = tmp_path / "kunden.csv"
    [cid, *_] = _clients(clients, bad_hersfeld_pbf, 2)
    with Store.open(tmp_path / "s.sqlite") as store:
        cw = Casework(store, profile, actor="cli:test", today=lambda: date(2026, 12, 18))
        cw.import_clients(str(clients))
        why = cw.past_shift_refusal(cid, datetime(2026, 12, 24, 11, 30))
        assert why is not None and "Schichtende 12:00 Uhr" in why, why
        assert "spätestens 11:15 Uhr" in why, why  # 45 minutes' visit
        assert cw.past_shift_refusal(cid, datetime(2026, 12, 24, 11, 15)) is None
        assert cw.past_shift_refusal(cid, datetime(2026, 12, 23, 14, 0)) is None


def test_a_plan_made_after_a_short_days_end_has_no_tour_that_day(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A plan whose first day is today, a short day, made after its end (13:00 on 24.12.
    with work until 12:00): no tour today, and the note names the short day's end as the
    shift's (as a plan made after the shift's end does: QA 40 F5)."""
    from zoneinfo import ZoneInfo

    from tests.fake_clock import server_clock

    profile = _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')
    clients = tmp_path / "kunden.csv"
    _clients(clients, bad_hersfeld_pbf, 8)
    at = datetime(2026, 12, 24, 13, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    with server_clock(monkeypatch, at, zone="Etc/UTC"):
        result = _plan(clients, profile, date(2026, 12, 24), 5)
    assert not [r for r in result.plan.routes if r.day == date(2026, 12, 24) and r.stops]
    note = next(w for w in result.plan.warnings if w.startswith("Erster Tag ist heute"))
    assert "Schicht schon zu Ende, heute keine Tour: Team team-1, team-2." in note, note


def test_a_window_only_after_a_short_days_end_names_the_short_day(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """„Do 13-16“ in the week whose only Thursday is 24.12., worked until 12:00: not
    planned, and the reason names the short day (it read like a window that fits)."""
    from geodata.geocode import load_index
    from hausbesuch import clock

    monkeypatch.setenv(clock.ENV, "2026-12-18")
    profile = _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')
    (street, hn, pc, town), = random.Random(7).sample(
        real_addresses(load_index(bad_hersfeld_pbf)), 1)
    clients = tmp_path / "kunden.csv"
    clients.write_text("Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Zeitfenster\n"
                       f"H-100;Fenster Frau;{street};{hn};{pc};{town or CITY};Do 13-16\n",
                       encoding="utf-8")
    result = _plan(clients, profile, MONDAY, 5)
    (u,) = result.plan.unassigned
    assert u.client_id == "H-100"
    assert u.reason.endswith("; verkürzter Arbeitstag: Do, 24.12.2026 (Heiligabend laut "
                             "Profil) nur bis 12:00 Uhr."), u.reason


def test_a_short_day_that_is_never_a_working_day_is_refused(tmp_path: Path,
                                                            bad_hersfeld_pbf: Path) -> None:
    """QA 41 F7: a date on a weekend or a public holiday, or a day of every year that is a
    public holiday every year, was accepted and then ignored by every plan without a word."""
    from hausbesuch.errors import ProfileError

    for bad, words in (
            ('["26.12.2027 bis 12:00"]', "„26.12.2027 bis 12:00“: So, 26.12.2027 fällt auf "
                                         "ein Wochenende, kein Arbeitstag"),
            ('["25.12.2026 bis 12:00"]', "„25.12.2026 bis 12:00“: Fr, 25.12.2026 ist ein "
                                         "Feiertag in HE (Erster Weihnachtstag)"),
            ('["03.10. bis 12:00"]', "„03.10. bis 12:00“: der 03.10. ist jedes Jahr ein "
                                     "Feiertag in HE (Tag der Deutschen Einheit)")):
        with pytest.raises(ProfileError) as err:
            _profile(tmp_path, bad_hersfeld_pbf, bad)
        assert words in str(err.value) and "short_days" in str(err.value), str(err.value)
    # a day of every year that is a working day in some years (24.12.), a Land's holiday of
    # another Land (06.01. is one in Bayern, not in Hessen), a date on a working day: kept
    profile = _profile(tmp_path, bad_hersfeld_pbf,
                       '["24.12. bis 12:00", "06.01. bis 12:00", "23.12.2027 bis 13:30"]')
    assert profile.casework.calendar().short_day(date(2027, 1, 6)).end_min == 12 * 60


def test_a_team_that_begins_after_a_short_days_end_is_named(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 41 F7: a team whose shift begins at or after the short day's end has no tour that
    day; the plan's note on the short day names it (before, only the reasons of the
    visits left out said „kein Team eine Schicht“)."""
    from hausbesuch import clock
    from hausbesuch.teams import load_teams

    monkeypatch.setenv(clock.ENV, "2026-12-18")
    profile = _profile(tmp_path, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')
    teams_file = tmp_path / "teams.toml"
    teams_file.write_text('[[team]]\nid = "frueh"\nschicht = "8:00-16:00"\n\n'
                          '[[team]]\nid = "spaet"\nschicht = "12:00-19:00"\n'
                          'mittag = "15:00-16:00"\n', encoding="utf-8")
    teams = load_teams(teams_file, profile=profile)
    clients = tmp_path / "kunden.csv"
    _clients(clients, bad_hersfeld_pbf, 12)
    from hausbesuch.planning import PlanOptions, plan_week

    result = plan_week(clients, profile=profile, teams=teams, options=PlanOptions(
        start=date(2026, 12, 23), days=2, time_limit=1, seed=1, threads=1))
    plan = result.plan
    assert ("Do, 24.12.2026 (Heiligabend laut Profil): alle Touren enden um 12:00 Uhr. "
            "Team spaet beginnt erst um 12:00 Uhr: an dem Tag keine Tour."
            in plan.warnings), plan.warnings
    assert not [r for r in plan.routes if r.day == date(2026, 12, 24) and r.team_id == "spaet"
                and r.stops]
    assert {s.client_id for r in plan.routes for s in r.stops} | {
        u.client_id for u in plan.unassigned} == {f"H-{i:03d}" for i in range(12)}
