"""QA 22 F7 through the planner on Lauf a.d. Pegnitz: a week with an appointment on Tuesday
10:30 ("Di 10:30-11:15" for a 45-minute visit) and a "Di 14-16" window among free visits
is planned by the app (its profile's ``[workday] span_cost``, default 1) without a long
idle wait at a door, every visit planned.

With the pure travel objective (``span_cost = 0`` in the profile) the same week waits long:
the setting, not luck, removes the wait.

Planned on the Friday before the week (``HAUSBESUCH_HEUTE``): the letters then reach the
clients on Tuesday, and one team's Tuesday holds only the "Di 14-16" visit. That team
left at 13:00, the lunch break's latest start, took its lunch on the route and waited 24
minutes at the door; now it has lunch at the office and leaves just in time
(``routing.schedule``: a route leaving after a break's latest start had it before).
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

START = date(2026, 12, 14)  # a Monday
N_CLIENTS = 17
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Zeitfenster"]


def _clients(path: Path, lauf_pbf: Path) -> None:
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.demo import real_addresses
    from hausbesuch.planning.builder import depot_lonlat

    index = load_index(lauf_pbf)
    near = depot_lonlat(load_profile("lauf"), index)
    addrs = sorted(real_addresses(index, near=near, at_least=200))[::11][:N_CLIENTS]
    windows = {0: "Di 10:30-11:15", 1: "Di 14-16"}  # 45-minute visits: start 10:30
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, city) in enumerate(addrs):
            w.writerow([f"W{i:03d}", f"Wartename {i:03d}", street, hn, pc, city or "Lauf",
                        "01.03.2025", windows.get(i, "")])


def _plan(clients: Path, profile, lauf_pbf: Path):  # noqa: ANN001, ANN202
    from hausbesuch.planning import PlanOptions, plan_week

    return plan_week(clients, profile=profile, osm=lauf_pbf,
                     options=PlanOptions(start=START, days=5, time_limit=4, seed=1,
                                         threads=1)).plan


def _waits(plan) -> list[float]:  # noqa: ANN001
    return [(s.start - s.arrival).total_seconds() / 60 for r in plan.routes for s in r.stops]


def test_the_app_plans_the_week_without_a_long_wait_at_a_door(tmp_path, lauf_pbf,
                                                              monkeypatch) -> None:
    from hausbesuch import clock
    from hausbesuch.config import load_profile

    # planned on the Friday before the week (a plan made on its Monday starts from the
    # real clock's time and warns of late letters: another week than the one compared)
    monkeypatch.setenv(clock.ENV, "2026-12-11")

    clients = tmp_path / "kunden.csv"
    _clients(clients, lauf_pbf)
    profile = load_profile("lauf")
    plan = _plan(clients, profile, lauf_pbf)
    served = sorted(s.client_id for r in plan.routes for s in r.stops)
    assert len(served) == N_CLIENTS
    # the app's plan: no wait of more than a few minutes anywhere (the team starts later
    # or the gap is filled)
    assert max(_waits(plan)) <= 5, [(r.team_id, r.day, s.client_id, s.arrival, s.start)
                                     for r in plan.routes for s in r.stops]
    assert profile.workday.span_cost == 1  # the app's default
    travel_only = _plan(clients, profile.model_copy(update={
        "workday": profile.workday.model_copy(update={"span_cost": 0})}), lauf_pbf)
    assert served == sorted(s.client_id for r in travel_only.routes for s in r.stops)
    # the travel objective alone waits long at the appointment's or the window's door
    assert max(_waits(travel_only)) >= 30
