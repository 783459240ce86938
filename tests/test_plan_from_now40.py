"""QA 40 F5: a new plan whose first day is today plans no visit before the moment it is
made. Before, a plan made at 07:28 (teams 06:30-14:30) had visits at 06:30, 06:32 and
07:16 on its first day, begun or done before the plan existed, without a word.

The server's clock is set (``tests.fake_clock.server_clock``: the real date is unknown to
a test); the real Bad Hersfeld extract, the planner as the command line and the web call
it (``plan_week``: one list on its own).
"""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from tests.fake_clock import server_clock

pytestmark = pytest.mark.slow

MONDAY = date(2026, 12, 14)
BERLIN = "Europe/Berlin"


def _clients(path: Path, pbf: Path, n: int = 12) -> list[str]:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = sorted(real_addresses(load_index(pbf)))[::37][:n]
    ids = []
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            ids.append(f"N{i:03d}")
            w.writerow([ids[-1], f"Jetztname {i:03d}", street, hn, pc, town or "Bad Hersfeld"])
    return ids


def _plan(clients: Path, pbf: Path):  # noqa: ANN202
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week

    return plan_week(clients, profile=load_profile("bad-hersfeld"), osm=pbf,
                     options=PlanOptions(start=MONDAY, days=2, time_limit=2, seed=1,
                                         threads=1))


def _at(hour: int, minute: int, second: int = 0) -> datetime:
    from zoneinfo import ZoneInfo

    return datetime(2026, 12, 14, hour, minute, second, tzinfo=ZoneInfo(BERLIN))


def _accounted(result, ids: list[str]) -> None:  # noqa: ANN001
    """Nothing lost: every row planned or not planned with a reason."""
    planned = {s.client_id for r in result.plan.routes for s in r.stops}
    left = {u.client_id for u in result.plan.unassigned}
    assert planned | left == set(ids), (planned, left)


def test_a_plan_made_during_its_first_day_starts_its_visits_from_now(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clients = tmp_path / "kunden.csv"
    ids = _clients(clients, bad_hersfeld_pbf)
    with server_clock(monkeypatch, _at(10, 7, 30), zone="Etc/UTC"):
        result = _plan(clients, bad_hersfeld_pbf)
    _accounted(result, ids)
    today = [r for r in result.plan.routes if r.day == MONDAY and r.stops]
    assert today, "the teams still have most of the day"
    for r in today:
        assert r.depart >= datetime(2026, 12, 14, 10, 8), (r.team_id, r.depart)
        assert all(s.arrival >= datetime(2026, 12, 14, 10, 8) for s in r.stops)
    note = ("Erster Tag ist heute (Mo, 14.12.2026): geplant ab jetzt, 10:08 Uhr; kein "
            "Besuch beginnt vor der Erstellung des Plans.")
    assert note in result.plan.warnings, result.plan.warnings


def test_after_the_shifts_end_the_first_day_has_no_tour_and_says_why(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clients = tmp_path / "kunden.csv"
    ids = _clients(clients, bad_hersfeld_pbf)
    with server_clock(monkeypatch, _at(17, 30), zone="Etc/UTC"):
        result = _plan(clients, bad_hersfeld_pbf)
    _accounted(result, ids)
    assert not [r for r in result.plan.routes if r.day == MONDAY and r.stops]
    assert [r for r in result.plan.routes if r.day == MONDAY + timedelta(days=1) and r.stops]
    note = next(w for w in result.plan.warnings if w.startswith("Erster Tag ist heute"))
    assert "Schicht schon zu Ende, heute keine Tour: Team team-1, team-2." in note, note


def test_an_exercise_day_and_a_later_first_day_are_planned_whole(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An exercise (``HAUSBESUCH_HEUTE``, the day a simulation replays) plans its first
    day whole at any hour, and so does a plan made the day before."""
    from hausbesuch import clock

    clients = tmp_path / "kunden.csv"
    _clients(clients, bad_hersfeld_pbf)
    monkeypatch.setenv(clock.ENV, MONDAY.isoformat())
    with server_clock(monkeypatch, _at(10, 7, 30), zone="Etc/UTC", exercise=True):
        result = _plan(clients, bad_hersfeld_pbf)
    first = [s.arrival for r in result.plan.routes if r.day == MONDAY for s in r.stops]
    assert first and min(first) < datetime(2026, 12, 14, 10, 8), first
    assert not [w for w in result.plan.warnings if w.startswith("Erster Tag ist heute")]
    monkeypatch.delenv(clock.ENV)
    with server_clock(monkeypatch, _at(10, 7, 30) - timedelta(days=1), zone="Etc/UTC"):
        result = _plan(clients, bad_hersfeld_pbf)
    first = [s.arrival for r in result.plan.routes if r.day == MONDAY for s in r.stops]
    assert first and min(first) < datetime(2026, 12, 14, 10, 8), first
