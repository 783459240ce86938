"""What the span can hold (hausbesuch.capacity): the bound, the pre-selection, memory, teams."""

from __future__ import annotations

from datetime import date

import pytest

from hausbesuch.capacity import (
    MIN_KEEP,
    check_matrix_memory,
    matrix_bytes,
    over_capacity_reason,
    preselect,
    team_warnings,
    visit_capacity,
)
from hausbesuch.errors import UserError
from hausbesuch.teams import TeamConfig

MONDAY = date(2026, 12, 7)
DEPOT = (9.7068, 50.8683)


def team(tid="a", shift=(8 * 60, 16 * 60), lunch=30, max_visits=None, weekdays=range(5)):
    return TeamConfig(id=tid, shift_start_min=shift[0], shift_end_min=shift[1],
                      lunch_window=(12 * 60, 13 * 60 + 30) if lunch else None, lunch_min=lunch,
                      max_visits_per_day=max_visits, weekdays=frozenset(weekdays))


def test_capacity_is_working_time_over_the_shortest_visits():
    teams = [team("a"), team("b")]
    # 450 working minutes per team-day, 10 team-days in a Mon-Fri week
    assert visit_capacity(teams, MONDAY, 5, [45] * 1000) == 10 * (450 // 45)
    # a weekend span has no team-days at all
    assert visit_capacity(teams, date(2026, 12, 12), 2, [45] * 10) == 0
    # max_besuche caps each day
    assert visit_capacity([team(max_visits=4)], MONDAY, 5, [30] * 1000) == 20
    # the bound uses the shortest visits first: 2 long ones cannot make room for more
    assert visit_capacity([team(lunch=0)], MONDAY, 1, [480, 480, 30, 30]) == 2
    assert visit_capacity(teams, MONDAY, 5, []) == 0


def test_capacity_leaves_out_team_days_without_a_shift():
    """An absent team-day or a public holiday adds nothing to the bound."""
    teams = [team("a"), team("b")]
    full = visit_capacity(teams, MONDAY, 5, [45] * 1000)
    # team b away on Tuesday and Wednesday, nobody works on Friday (a holiday)
    skip = {("b", 1), ("b", 2), ("a", 4), ("b", 4)}
    assert visit_capacity(teams, MONDAY, 5, [45] * 1000, skip=skip) == full * 6 // 10
    # a skipped day outside the team's weekdays changes nothing
    assert visit_capacity([team("a", weekdays=range(4))], MONDAY, 5, [45] * 1000,
                          skip={("a", 4)}) == 4 * (450 // 45)


def test_capacity_is_never_below_what_a_real_plan_achieves(planned_week):
    """The bound is safe: the real Bad Hersfeld week never plans more than it."""
    from hausbesuch.config import load_profile
    from hausbesuch.teams import teams_for_profile

    plan = planned_week.result.plan
    profile = load_profile("bad-hersfeld")
    services = [(c.besuchsdauer_min or profile.workday.visit_minutes) for c in plan.clients]
    bound = visit_capacity(teams_for_profile(profile), plan.start, plan.days, services)
    planned = sum(len(r.stops) for r in plan.routes)
    assert planned <= bound


def test_preselect_keeps_everything_within_the_limit():
    sel = preselect([10] * 50, [DEPOT] * 50, [DEPOT], capacity=40)
    assert sel.keep == tuple(range(50)) and sel.drop == ()


def test_preselect_takes_priority_then_nearness_then_input_order():
    n = MIN_KEEP + 100
    prio = [50] * n
    prio[-1] = 99  # the last row is the most urgent
    far = (DEPOT[0] + 0.05, DEPOT[1])
    lonlat = [far] * n
    lonlat[5] = DEPOT  # equal priority, nearest to the depot
    sel = preselect(prio, lonlat, [DEPOT], capacity=10, slack=2.0)
    assert len(sel.keep) == MIN_KEEP and len(sel.drop) == 100
    assert n - 1 in sel.keep and 5 in sel.keep
    assert set(sel.keep) | set(sel.drop) == set(range(n))
    assert sel.drop == tuple(range(MIN_KEEP - 2 + 1, n - 1))  # later rows of equal rank go
    assert "über der Wochenkapazität" in over_capacity_reason(sel, 5)


def test_matrix_memory_is_estimated_and_refused_in_german():
    assert matrix_bytes(1000, 2) == 2 * matrix_bytes(1000, 1)
    check_matrix_memory(2_000, 1)  # a few hundred MB: fine
    with pytest.raises(UserError, match="Zu viele Orte.*GB"):
        check_matrix_memory(50_000, 1)
    with pytest.raises(UserError):
        check_matrix_memory(100, 1, budget=1000)


def test_team_that_cannot_hold_a_visit_is_named():
    teams = [team("kurz", shift=(8 * 60, 8 * 60 + 20), lunch=0),
             team("knapp", shift=(8 * 60, 8 * 60 + 40), lunch=0),
             team("normal")]
    warnings = team_warnings(teams, default_visit_min=45, shortest_visit_min=30)
    assert len(warnings) == 2
    assert "„kurz“" in warnings[0] and "keinen einzigen Besuch" in warnings[0]
    assert "„knapp“" in warnings[1] and "nur kürzere Besuche" in warnings[1]
    # all visits of the list are long: a 50-minute shift can do none of them
    (w,) = team_warnings([team("x", shift=(8 * 60, 8 * 60 + 50), lunch=0)], 45, 60)
    assert "keinen einzigen Besuch" in w


def test_a_long_list_is_preselected_but_pinned_visits_are_kept(tmp_path, bad_hersfeld_pbf):
    """330 clients for one day of two teams: the pre-selection keeps 300 by priority,
    reports the rest as over the capacity, and never drops a visit pinned in the list."""
    import csv
    import random

    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week
    from tests.planning_fixtures import real_addresses

    rng = random.Random(4)
    addresses = rng.sample(real_addresses(load_index(bad_hersfeld_pbf)), 330)
    path = tmp_path / "k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit", "Team", "Datum"])
        for i, (street, hn, pc, town) in enumerate(addresses):
            since = "01.11.2026" if i == 329 else f"01.{1 + i % 12:02d}.{2020 + i % 5}"
            pin = ["team-1", "07.12.2026"] if i == 329 else ["", ""]
            w.writerow([f"P{i:03d}", street, hn, pc, town or "Bad Hersfeld", since, *pin])
    result = plan_week(path, profile=load_profile("bad-hersfeld"), osm=bad_hersfeld_pbf,
                       options=PlanOptions(start=MONDAY, days=1, time_limit=1, threads=1))
    over = [u for u in result.plan.unassigned if u.code == "over_capacity"]
    assert len(over) == 330 - MIN_KEEP - 1  # 300 free candidates kept, plus the pinned one
    assert "P329" not in {u.client_id for u in over}  # lowest priority, but pinned
    assert all("über der Wochenkapazität" in u.reason for u in over)
    assert any("über der Wochenkapazität" in w for w in result.plan.warnings)
    rows = {r["id"]: r for r in result.report_rows}
    assert len(rows) == 330 and rows[over[0].client_id]["status"] == "nicht_eingeplant"
