"""The OR-Tools visit solver on small hand-made problems whose optimum is known by reasoning.

Most problems live on a line: location i sits at ``pos[i]`` and travel time is the
distance ``|pos[i] - pos[j]|`` (seconds), the depot is location 0 at position 0.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from routing import UNREACHABLE, Break, Pin, Problem, Shift, Team, TimeWindow, Visit, at
from routing.check import check
from routing.solve import solve

TL = 2.0  # seconds per solve: the problems are tiny


def line(pos: list[int]) -> np.ndarray:
    p = np.array(pos)
    return np.abs(p[:, None] - p[None, :])


def team(tid: str, shift=(0, 10_000), days=(0,), **kw) -> Team:
    brk = kw.pop("breaks", ())
    return Team(
        id=tid,
        shifts=tuple(Shift(d, TimeWindow(*shift), tuple(brk)) for d in days),
        start=kw.pop("start", 0),
        end=kw.pop("end", 0),
        **kw,
    )


def run(problem: Problem, **kw):
    sol = solve(problem, time_limit=kw.pop("time_limit", TL), seed=kw.pop("seed", 1), **kw)
    assert check(problem, sol) == []
    return sol


def test_tsp_on_a_line_goes_out_and_back():
    """Three visits at 10, 20, 30 and one team: the optimum travels 60 s."""
    m = line([0, 10, 20, 30])
    p = Problem(
        [Visit(str(i), i) for i in (1, 2, 3)], [team("A")], 1, {"car": m}
    )
    sol = run(p)
    assert sol.unassigned == ()
    assert sol.travel == 60


def test_time_windows_force_the_order():
    """B (at 20) must start by 30, A (at 10) not before 100: B first, then back to A."""
    m = line([0, 10, 20])
    a = Visit("A", 1, time_windows=(TimeWindow(100, 110),))
    b = Visit("B", 2, time_windows=(TimeWindow(0, 30),))
    sol = run(Problem([a, b], [team("T")], 1, {"car": m}))
    (r,) = sol.routes
    assert r.visits == ("B", "A")
    assert sol.travel == 40
    steps = {s.visit: s for s in r.steps if s.kind == "job"}
    assert steps["B"].service_start <= 30
    assert 100 <= steps["A"].service_start <= 110


def test_several_time_windows_per_visit():
    """A visit with windows [5, 6] and [200, 300] is reached at 10: it waits for 200."""
    m = line([0, 10])
    v = Visit("V", 1, time_windows=(TimeWindow(5, 6), TimeWindow(200, 300)))
    sol = run(Problem([v], [team("T")], 1, {"car": m}))
    (s,) = [s for s in sol.routes[0].steps if s.kind == "job"]
    assert s.service_start == 200


def test_service_and_shift_end_limit_the_day():
    """Shift 0-100, service 40 each, visits at 5: only two fit (5+40+40+5 = 90)."""
    m = line([0, 5, 5, 5])
    vs = [Visit(str(i), i, service=40) for i in (1, 2, 3)]
    sol = run(Problem(vs, [team("T", shift=(0, 100))], 1, {"car": m}))
    assert len(sol.served) == 2
    assert [u.code for u in sol.unassigned] == ["days_full"]


def test_skills_are_respected():
    """The Turkish-speaking visit goes to team B (far away), although A is next door."""
    m = line([0, 5, -7, 100])
    vs = [Visit("tr", 1, skills=frozenset({"türkisch"})), Visit("x", 2)]
    teams = [team("A"), team("B", start=3, end=3, skills=frozenset({"türkisch"}))]
    sol = run(Problem(vs, teams, 1, {"car": m}))
    assert sol.route_of("tr").team == "B"
    assert sol.route_of("x").team == "A"


def test_breaks_are_taken_inside_their_window_and_not_during_a_visit():
    """Lunch of 30 inside [100, 160]; services of 50 from 0: the break fits between visits."""
    m = line([0, 1, 2, 3, 4])
    vs = [Visit(str(i), i, service=50) for i in (1, 2, 3, 4)]
    brk = Break(TimeWindow(100, 160), 30)
    sol = run(Problem(vs, [team("T", shift=(0, 400), breaks=(brk,))], 1, {"car": m}))
    assert sol.unassigned == ()
    (r,) = sol.routes
    (b,) = [s for s in r.steps if s.kind == "break"]
    assert b.service_start >= 100 and b.service_start + 30 <= 160
    for s in r.steps:
        if s.kind == "job":
            assert s.service_start + 50 <= b.service_start or s.service_start >= b.service_start + 30


def test_break_can_make_a_visit_impossible():
    """A window [100, 110] for a visit 5 away while lunch blocks 95-135: left out with reason."""
    m = line([0, 5])
    v = Visit("V", 1, service=10, time_windows=(TimeWindow(100, 110),))
    brk = Break(TimeWindow(95, 135), 40)
    sol = run(Problem([v], [team("T", shift=(0, 300), breaks=(brk,))], 1, {"car": m}))
    assert [u.code for u in sol.unassigned] == ["time_window"]


def test_max_visits_per_day():
    m = line([0, 1, 2, 3])
    vs = [Visit(str(i), i, priority=10 * i) for i in (1, 2, 3)]
    sol = run(Problem(vs, [team("T", max_visits=2)], 1, {"car": m}))
    assert sorted(sol.served) == ["2", "3"]
    (u,) = sol.unassigned
    assert (u.visit, u.code) == ("1", "days_full")


def test_pins_are_kept_even_when_costly():
    """Pinned to team B, day 1, position 2: kept although A on day 0 is cheaper."""
    m = line([0, 10, 20, 30])
    vs = [
        Visit("p", 1, pin=Pin(team="B", day=1, position=2)),
        Visit("q", 2),
        Visit("r", 3),
    ]
    teams = [team("A", days=(0, 1)), team("B", days=(0, 1))]
    sol = run(Problem(vs, teams, 2, {"car": m}))
    r = sol.route_of("p")
    assert (r.team, r.day) == ("B", 1)
    assert r.visits.index("p") == 1
    assert sol.unassigned == ()


def test_day_ranges_are_respected():
    m = line([0, 10, 20])
    vs = [Visit("early", 1, latest_day=0), Visit("late", 2, earliest_day=2)]
    sol = run(Problem(vs, [team("A", days=(0, 1, 2))], 3, {"car": m}))
    assert sol.route_of("early").day == 0
    assert sol.route_of("late").day == 2


def test_weekday_window_with_absolute_times():
    """'Tuesday 10-12' is the absolute window [at(1, 10), at(1, 12)]."""
    m = line([0, 600])
    v = Visit("di", 1, service=1800, time_windows=(TimeWindow(at(1, 10), at(1, 12)),))
    teams = [
        Team("A", tuple(Shift(d, TimeWindow(at(d, 8), at(d, 16))) for d in range(5)), 0, 0)
    ]
    sol = run(Problem([v], teams, 5, {"car": m}))
    (r,) = sol.routes
    assert r.day == 1
    (s,) = [s for s in r.steps if s.kind == "job"]
    assert at(1, 10) <= s.service_start <= at(1, 12)


def test_over_full_week_leaves_the_lowest_priorities_out_with_reasons():
    """One team, 2 days, room for 3 one-hour visits a day; 10 visits of priority 0..90."""
    n = 10
    m = line([0] + [5] * n)
    vs = [Visit(f"v{i}", i + 1, service=3600, priority=10 * i) for i in range(n)]
    t = team("A", shift=(0, 3 * 3600 + 100), days=(0, 1))
    sol = run(Problem(vs, [t], 2, {"car": m}))
    assert sorted(sol.served) == sorted(f"v{i}" for i in range(4, 10))
    assert sorted(u.visit for u in sol.unassigned) == [f"v{i}" for i in range(4)]
    for u in sol.unassigned:
        assert u.code == "days_full"
        assert "voll" in u.reason and "Priorität" in u.reason


def test_a_visit_limit_of_zero_is_the_reason_not_the_shift():
    """max_visits 0 (VROOM's max_tasks: 0) on every shift: the limit is named, not the time."""
    m = line([0, 100, 200])
    vs = [Visit("a", 1, service=1800), Visit("b", 2, service=1800)]
    sol = run(Problem(vs, [team("A", shift=(28_800, 57_600), max_visits=0)], 1, {"car": m}))
    assert {u.visit: u.code for u in sol.unassigned} == {"a": "max_visits", "b": "max_visits"}
    assert all("Höchstzahl der Besuche 0" in u.reason for u in sol.unassigned)
    # a second team without the limit takes them; one with room for one leaves one "days_full"
    sol = run(Problem(vs, [team("A", shift=(28_800, 57_600), max_visits=0),
                           team("B", shift=(28_800, 57_600), max_visits=1)], 1, {"car": m}))
    assert len(sol.served) == 1
    assert [u.code for u in sol.unassigned] == ["days_full"]


def test_reasons_are_derived_from_the_constraints():
    m = line([0, 10, 20, 30, 40, 50]).astype(np.int64)
    m[0, 3] = m[3, 0] = UNREACHABLE  # location 3 cut off from the depot
    vs = [
        Visit("ok", 1),
        Visit("skill", 2, skills=frozenset({"arabisch"})),
        Visit("cut", 3),
        Visit("late", 4, time_windows=(TimeWindow(20_000, 21_000),)),
        Visit("noday", 5, earliest_day=1),
        Visit("pin", 1, pin=Pin(team="A", day=1)),
    ]
    teams = [team("A", shift=(0, 10_000), days=(0,))]
    sol = run(Problem(vs, teams, 2, {"car": m}))
    codes = {u.visit: u.code for u in sol.unassigned}
    assert codes == {
        "skill": "skill",
        "cut": "unreachable",
        "late": "time_window",
        "noday": "no_shift",
        "pin": "pin",
    }
    assert sol.served == ("ok",)
    for u in sol.unassigned:
        assert u.reason and u.reason[0].isupper()  # a German sentence
    reasons = {u.visit: u.reason for u in sol.unassigned}
    assert "(Tag 2)" in reasons["noday"] and "Tag 2" in reasons["pin"]
    # the application names the days (dates) instead of their numbers
    named = run(Problem(vs, teams, 2, {"car": m}, day_names=("Mo 07.12.2026", "Di 08.12.2026")))
    reasons = {u.visit: u.reason for u in named.unassigned}
    assert reasons["noday"] == "Im erlaubten Zeitraum (Di 08.12.2026) hat kein Team eine Schicht."
    # skills are named only when the visit needs one
    noday = next(v for v in vs if v.id == "noday")
    skilled = run(Problem([replace(noday, skills=frozenset({"tr"}))],
                          [team("A", shift=(0, 10_000), days=(0,), skills=frozenset({"tr"}))], 2,
                          {"car": m}, day_names=("Mo 07.12.2026", "Di 08.12.2026")))
    assert skilled.unassigned[0].reason == ("Im erlaubten Zeitraum (Di 08.12.2026) hat kein "
                                            "Team mit den nötigen Fähigkeiten eine Schicht.")
    assert "Di 08.12.2026" in reasons["pin"] and "Tag 2" not in reasons["pin"]


def test_always_a_plan_even_when_nothing_fits():
    m = line([0, 10])
    v = Visit("V", 1, service=50_000)
    sol = run(Problem([v], [team("T", shift=(0, 1000))], 1, {"car": m}))
    assert sol.routes == ()
    assert [u.code for u in sol.unassigned] == ["time_window"]


def test_open_routes_without_end():
    """No end location: the route stops at its last visit (VROOM semantics)."""
    m = line([0, 10, 20])
    t = Team("T", (Shift(0, TimeWindow(0, 1000)),), start=0, end=None)
    sol = run(Problem([Visit("a", 1), Visit("b", 2)], [t], 1, {"car": m}))
    assert sol.travel == 20


def test_mode_specific_matrices():
    """A walking team and a driving team use their own matrices."""
    walk = line([0, 100, 200])
    drive = line([0, 10, 20])
    vs = [Visit("a", 1), Visit("b", 2)]
    teams = [team("W", mode="walk"), team("D", mode="drive")]
    sol = run(Problem(vs, teams, 1, {"walk": walk, "drive": drive}))
    assert {sol.route_of("a").team, sol.route_of("b").team} == {"D"}
    assert sol.travel == 40


def test_balance_spreads_visits_across_team_days():
    m = line([0, 1, 2, 3, 4])
    vs = [Visit(str(i), i) for i in (1, 2, 3, 4)]
    teams = [team("A"), team("B")]
    unbalanced = run(Problem(vs, teams, 1, {"car": m}))
    assert sorted(len(r.visits) for r in unbalanced.routes) == [4]
    balanced = run(Problem(vs, teams, 1, {"car": m}, balance=100))
    assert sorted(len(r.visits) for r in balanced.routes) == [2, 2]


def test_same_seed_same_plan():
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 3000, (41, 2))
    m = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    vs = [
        Visit(f"v{i}", i, service=900, priority=int(rng.integers(0, 100)),
              time_windows=(TimeWindow(at(0, 9), at(0, 12)),) if i % 4 == 0 else ())
        for i in range(1, 41)
    ]
    teams = [team(t, shift=(at(0, 8), at(0, 13)), breaks=(Break(TimeWindow(at(0, 11), at(0, 13)), 1800),))
             for t in "AB"]
    p = Problem(vs, teams, 1, {"car": m})
    # a generous time cap: the fixed work budget (60 accepted OR-Tools moves, then 16,000
    # ruin-and-recreate iterations) ends the search
    a = solve(p, time_limit=10, seed=3, work_per_second=30)
    b = solve(p, time_limit=10, seed=3, work_per_second=30)
    assert a.stats["deterministic"] and b.stats["deterministic"]
    assert [r.steps for r in a.routes] == [r.steps for r in b.routes]
    assert a.unassigned == b.unassigned
    assert check(p, a) == []


def test_progress_reports_improving_objectives_and_threads_work():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 2000, (31, 2))
    m = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    p = Problem([Visit(f"v{i}", i, service=600) for i in range(1, 31)],
                [team(t, shift=(0, 20_000)) for t in "AB"], 1, {"car": m})
    seen: list[tuple[float, int]] = []
    sol = solve(p, time_limit=2, threads=2, progress=lambda t, o: seen.append((t, o)))
    assert check(p, sol) == []
    assert seen and all(b[1] < a[1] for a, b in zip(seen, seen[1:], strict=False))
    assert len(sol.stats["workers"]) == 2
    assert sol.objective <= seen[-1][1]


@pytest.mark.parametrize("name", ["C101", "R101"])
def test_solomon_instances_are_feasible_and_time_limit_respected(solomon_dir, name):
    import time

    from routing.solomon import euclidean_length, load

    inst, p = load(solomon_dir / f"{name}.txt")
    t0 = time.monotonic()
    sol = solve(p, time_limit=3)
    elapsed = time.monotonic() - t0
    assert elapsed < 3 + 1.5  # generous: shared, loaded machine
    assert check(p, sol) == []
    assert sol.unassigned == ()
    assert 800 < euclidean_length(inst, sol) < 1.15 * {"C101": 828.94, "R101": 1642.88}[name]


def test_capacity_splits_the_visits():
    """Capacity 2 per team (VROOM delivery amounts): four visits of 1 need both teams."""
    m = line([0, 1, 2, 3, 4])
    vs = [Visit(str(i), i, amount=(1,)) for i in (1, 2, 3, 4)]
    teams = [team(t, capacity=(2,)) for t in "AB"]
    sol = run(Problem(vs, teams, 1, {"car": m}))
    assert sol.unassigned == ()
    assert sorted(len(r.visits) for r in sol.routes) == [2, 2]
    assert sol.travel == 2 * 2 + 2 * 4  # nearest pair and farthest pair, out and back


def test_lunch_is_not_put_before_a_free_morning():
    """Two visits without windows and one from 14:00; lunch 12:00-13:30. Taking lunch first
    returns as early as taking it later, but makes the team wait until noon: the final
    timing starts the visits in the morning (seen in a re-plan: a team-day started at 11:55)."""
    from routing.schedule import schedule

    h = 3600
    m = line([0, 60, 120, 180])
    a, b = Visit("A", 1, service=1800), Visit("B", 2, service=1800)
    c = Visit("C", 3, service=1800, time_windows=(TimeWindow(14 * h, 15 * h),))
    brk = Break(TimeWindow(12 * h, 13 * h + 1800), 1800)
    p = Problem([a, b, c], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m})
    (veh,) = p.vehicles()
    lunch_first = schedule(p, veh, [a, b, c], [0])
    starts = [s.service_start for s in lunch_first.steps if s.kind == "job"]
    assert starts[0] >= 12 * h + 1800  # what a search may hand over: feasible, but idle
    for timed in (schedule(p, veh, [a, b, c]), schedule(p, veh, [a, b, c], [0], search=True)):
        assert timed.steps[-1].arrival == lunch_first.steps[-1].arrival
        assert [s.service_start for s in timed.steps if s.kind == "job"][:2] == [8 * h + 60,
                                                                                 8 * h + 1920]
    sol = run(p)
    first = min(s.service_start for s in sol.routes[0].steps if s.kind == "job")
    assert first < 9 * h



def test_a_morning_route_takes_no_lunch_break_after_its_return():
    """QA 22 F4: one visit at 08:30-08:58, 15 minutes from the office; lunch 30 min
    starting 12:00-13:00. The team is back at 09:13, before the break window opens: the
    break is not part of the route (before: a break step 12:00-12:30 and the return at
    12:30). The VROOM output agrees: no break step, the end's arrival is the return."""
    from routing.schedule import schedule
    from routing.vroom_json import solution_to_json

    h = 3600
    m = line([0, 900])
    v = Visit("V", 1, service=28 * 60, time_windows=(TimeWindow(8 * h + 1800, 9 * h),))
    brk = Break(TimeWindow(12 * h, 13 * h + 1800), 1800)
    p = Problem([v], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m})
    back = 8 * h + 58 * 60 + 900
    sol = run(p)
    (r,) = sol.routes
    assert [s.kind for s in r.steps] == ["start", "job", "end"]
    assert r.steps[1].service_start == 8 * h + 1800
    assert r.steps[-1].arrival == back
    (veh,) = p.vehicles()
    for gaps in (None, [1], [0]):  # every timing: the best one takes no break
        timed = schedule(p, veh, [v], gaps, search=gaps == [0])
        assert timed.steps[-1].arrival == back, gaps
    out = solution_to_json(p, sol)
    (ro,) = out["routes"]
    assert [s["type"] for s in ro["steps"]] == ["start", "job", "end"]
    assert ro["steps"][-1]["arrival"] == back
    assert ro["service"] == out["summary"]["service"] == 28 * 60
    assert ro["waiting_time"] == 0


def test_a_route_back_after_the_break_window_opens_keeps_its_break():
    """The rule's other side: the last visit ends 11:50 and the way back takes 15 minutes;
    the team cannot be back before 12:00, so it takes its break on the way (back 12:35),
    as before. A route with visits before and after lunch keeps its break between them."""
    h = 3600
    m = line([0, 900, 1000])
    v = Visit("V", 1, service=1200, time_windows=(TimeWindow(11 * h + 1800, 11 * h + 1800),))
    brk = Break(TimeWindow(12 * h, 13 * h + 1800), 1800)
    p = Problem([v], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m})
    (r,) = run(p).routes
    assert [s.kind for s in r.steps] == ["start", "job", "break", "end"]
    assert r.steps[-1].arrival == 12 * h + 300 + 1800
    w = Visit("W", 2, service=1200, time_windows=(TimeWindow(14 * h, 14 * h),))
    p2 = Problem([v, w], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m})
    (r2,) = run(p2).routes
    assert [s.kind for s in r2.steps] == ["start", "job", "break", "job", "end"]


@pytest.mark.parametrize("span_cost", [0, 1])
def test_an_afternoon_route_leaves_after_its_lunch_break_not_for_it(span_cost):
    """The mirror of QA 22 F4 (found on a Lauf week planned on a Friday): the team's only
    visit of the day has the window 14:00-16:00 and lies 6 minutes from the office; lunch
    30 min starting 12:00-13:00. The team had its lunch at the office and leaves at 13:54
    (before: it left at 13:00, took the break on the route and waited 24 minutes at the
    door). The checker allows the break to be left out (the route leaves at or after its
    latest start); the VROOM output agrees: no break step, no waiting."""
    from routing.schedule import schedule
    from routing.vroom_json import solution_to_json

    h = 3600
    m = line([0, 360])
    v = Visit("V", 1, service=45 * 60, time_windows=(TimeWindow(14 * h, 16 * h),))
    brk = Break(TimeWindow(12 * h, 13 * h + 1800), 1800)
    p = Problem([v], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m},
                span_cost=span_cost)
    sol = run(p)
    (r,) = sol.routes
    assert [s.kind for s in r.steps] == ["start", "job", "end"]
    assert r.steps[0].service_start == 14 * h - 360
    assert r.steps[1].arrival == r.steps[1].service_start == 14 * h
    (veh,) = p.vehicles()
    for gaps, search in ((None, False), ([0], False), ([0], True)):
        timed = schedule(p, veh, [v], gaps, search=search)
        assert timed.steps[0].service_start == 14 * h - 360, (gaps, search)
        assert [s.kind for s in timed.steps] == ["start", "job", "end"]
    out = solution_to_json(p, sol)
    (ro,) = out["routes"]
    assert [s["type"] for s in ro["steps"]] == ["start", "job", "end"]
    assert ro["waiting_time"] == 0
    # a visit that can start before the break's latest start keeps the break on the route
    early = Visit("E", 1, service=45 * 60, time_windows=(TimeWindow(12 * h, 16 * h),))
    p2 = Problem([early], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1,
                 {"car": m}, span_cost=span_cost)
    (r2,) = run(p2).routes
    assert "break" in [s.kind for s in r2.steps]


def test_the_checker_accepts_a_break_left_out_only_before_its_window():
    """The checker's rule: a break may be missing from a route that is back by the time its
    window opens, and from no other route of this one's kind (one that leaves its start
    before the break's latest start and stays nowhere at its end place between: see
    test_routing_replan for those)."""
    from routing.check import check
    from routing.model import Route, Solution, Step

    h = 3600
    m = line([0, 900])
    v = Visit("V", 1, service=1800)
    brk = Break(TimeWindow(12 * h, 13 * h), 1800)
    p = Problem([v], [team("T", shift=(8 * h, 16 * h), breaks=(brk,))], 1, {"car": m})

    def route(job_at: int) -> Solution:
        end = job_at + 1800 + 900
        steps = (Step("start", job_at - 900, job_at - 900, 0, 0), Step("job", job_at, job_at,
                 1800, 1, "V"), Step("end", end, end, 0, 0))
        return Solution((Route(0, "T", 0, steps, 1800, 0),), ())

    assert check(p, route(8 * h + 900)) == []
    assert check(p, route(12 * h - 2700)) == []  # back at 12:00 sharp
    assert any("break 0 taken 0 times" in e for e in check(p, route(12 * h - 2600)))

FRESH_PROCESS_SOLVE = """
import json, numpy as np
from routing import Pin, Problem, Shift, Team, TimeWindow, Visit, at
from routing.solve import solve
d = np.array([[0, 600, 900, 1200], [600, 0, 1500, 1500], [900, 1500, 0, 1500],
              [1200, 1500, 1500, 0]])
teams = [Team("A", (Shift(0, TimeWindow(at(0, 8), at(0, 12))),), start=0, end=0)]
visits = [Visit("X", 1, 3600, time_windows=(TimeWindow(at(0, 9), at(0, 9, 10)),), priority=100),
          Visit("Y", 3, 3600, pin=Pin(window=TimeWindow(at(0, 9), at(0, 9, 10)))),
          Visit("Z", 2, 600, priority=5)]
sol = solve(Problem(visits, teams, 1, {"car": d}), time_limit=1, seed=1)
print(json.dumps([[u.visit, u.code] for u in sol.unassigned]))
"""


def test_the_first_solve_of_a_process_explains_its_unassigned_visits():
    """Loading the compiled improvement phase is not counted against the time limit: the
    first solve in a new process (no routing.prepare) still has the time to say why a
    visit stays out (before, under load it said "not_checked")."""
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, "-c", FRESH_PROCESS_SOLVE], capture_output=True,
                         text=True, env=env, cwd=root, timeout=300, check=True).stdout
    # (QA 20c S3: the pinned Y holds X's window, so X reads time_window, naming Y)
    assert json.loads(out.strip().splitlines()[-1]) == [["X", "time_window"]]
