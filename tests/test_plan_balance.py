"""The teams share a week's work (the profile's ``[workday] balance_minutes``, default 10).

QA saw every visit of a 29-client week on one team while the other stayed idle: with the
travel objective one team's routes are cheaper than opening the other's. Checked through
the planner on Lauf a.d. Pegnitz (real addresses, real bike network): two bike teams and
24 clients, which one team's week holds. With the app's default both teams get about half
of the visits, every client is still planned, and travel rises a little; with the setting
at 0 (travel only) the same week leaves a team idle: the setting, not luck, shares it.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

START = date(2026, 12, 7)  # a Monday
N_CLIENTS = 24
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit"]
TEAMS = "".join(f'[[teams]]\nid = "team-{k}"\nmitglieder = ["Team {k} A", "Team {k} B"]\n'
                f'modus = "bike"\n' for k in (1, 2))


def _week(tmp_path: Path, lauf_pbf: Path) -> tuple[Path, Path]:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = random.Random(1).sample(real_addresses(load_index(lauf_pbf)), N_CLIENTS)
    clients = tmp_path / "kunden.csv"
    with clients.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, city) in enumerate(addrs):
            w.writerow([f"B{i:03d}", f"Teilname {i:03d}", street, hn, pc, city or "Lauf",
                        "01.03.2025"])
    teams = tmp_path / "teams.toml"
    teams.write_text(TEAMS, encoding="utf-8")
    return clients, teams


@pytest.fixture(autouse=True)
def _planned_a_week_ahead(monkeypatch: pytest.MonkeyPatch) -> None:
    """The week is planned on the Monday before (the clock of ``hausbesuch.clock``): its
    letters arrive before it begins. Planned on the day it begins (the real date
    07.12.2026 once came), the visits preferred the days after the letters arrive
    (session 37) and the plan without the balance needed both teams on Thursday and
    Friday: the test depended on the day it ran."""
    from hausbesuch import clock

    monkeypatch.setenv(clock.ENV, "2026-11-30")


def _plan(clients: Path, teams: Path, profile, lauf_pbf: Path):  # noqa: ANN001, ANN202
    from hausbesuch.planning import PlanOptions, plan_week
    from hausbesuch.teams import load_teams

    return plan_week(clients, profile=profile, osm=lauf_pbf,
                     teams=load_teams(teams, profile=profile),
                     options=PlanOptions(start=START, days=5, time_limit=5, seed=1,
                                         threads=1)).plan


def _per_team(plan) -> dict[str, int]:  # noqa: ANN001
    count = {"team-1": 0, "team-2": 0}
    for r in plan.routes:
        count[r.team_id] += len(r.stops)
    return count


def test_two_teams_share_a_light_week(tmp_path, lauf_pbf) -> None:
    from hausbesuch.config import load_profile

    clients, teams = _week(tmp_path, lauf_pbf)
    profile = load_profile("lauf")
    assert profile.workday.balance_minutes == 10  # the app's default
    plan = _plan(clients, teams, profile, lauf_pbf)
    served = sorted(s.client_id for r in plan.routes for s in r.stops)
    assert len(served) == N_CLIENTS and not plan.unassigned
    count = _per_team(plan)
    # both teams work, each within 2 visits of half the week
    assert all(abs(n - N_CLIENTS // 2) <= 2 for n in count.values()), count

    travel_only = _plan(clients, teams, profile.model_copy(update={
        "workday": profile.workday.model_copy(update={"balance_minutes": 0})}), lauf_pbf)
    assert served == sorted(s.client_id for r in travel_only.routes for s in r.stops)
    assert min(_per_team(travel_only).values()) <= 2, _per_team(travel_only)  # a team idle
    travel = sum(r.travel_s for r in plan.routes)
    travel_before = sum(r.travel_s for r in travel_only.routes)
    assert travel <= 1.15 * travel_before, (travel, travel_before)


def test_the_balance_setting_is_checked() -> None:
    from pydantic import ValidationError

    from hausbesuch.config import Workday

    assert Workday(balance_minutes=0).balance_minutes == 0
    for bad in (-1, 61):
        with pytest.raises(ValidationError, match="balance_minutes"):
            Workday(balance_minutes=bad)
