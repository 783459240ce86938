"""Locks: pins to a team, a day, a time, a route position, and frozen route prefixes.

Pins that contradict each other or the model are reported per visit (code ``pin`` or
``pin_conflict`` and a German reason), never an exception and never "no solution".
Problems live on a line: travel time = distance between positions; depot at 0.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

import routing
from routing import Break, Pin, Problem, Shift, Team, TimeWindow, Visit, _lns
from routing.check import check
from routing.solve import penalties, solve
from routing.vroom_json import problem_from_json, problem_to_json

POS = [0, 10, 20, 30, 40, 50, 60]
M = np.abs(np.subtract.outer(POS, POS)).astype(np.int64)


def team(tid: str, days=(0,), **kw) -> Team:
    fixed = kw.pop("fixed", {})
    return Team(
        tid,
        tuple(Shift(d, TimeWindow(0, 10_000), fixed=fixed.get(d, ())) for d in days),
        start=0, end=0, **kw,
    )


def run(visits, teams, days=1) -> tuple[Problem, routing.Solution]:
    p = Problem(visits, teams, days, {"car": M})
    sol = solve(p, time_limit=2, seed=1, threads=1)
    assert check(p, sol) == []
    assert len(sol.served) + len(sol.unassigned) == len(visits)
    return p, sol


def codes(sol) -> dict[str, str]:
    return {u.visit: u.code for u in sol.unassigned}


# -- each lock holds -----------------------------------------------------------------------


def test_pin_to_a_team_holds_against_travel():
    """B starts at 60; the visit at 10 is next to A's depot but pinned to B."""
    vs = [Visit("x", 1, pin=Pin(team="B"))]
    teams = [team("A"), Team("B", (Shift(0, TimeWindow(0, 10_000)),), start=6, end=6)]
    _, sol = run(vs, teams)
    assert sol.route_of("x").team == "B"


def test_pin_to_a_day_holds():
    vs = [Visit("x", 1, pin=Pin(day=2)), Visit("y", 1)]
    _, sol = run(vs, [team("A", days=(0, 1, 2))], days=3)
    assert sol.route_of("x").day == 2


def test_pin_to_a_time_narrows_the_window():
    """Agreed on the doorstep: 'x' starts between 500 and 520, though 10 would be possible."""
    vs = [Visit("x", 1, service=30, pin=Pin(window=TimeWindow(500, 520))), Visit("y", 2)]
    p, sol = run(vs, [team("A")])
    (s,) = [s for s in sol.route_of("x").steps if s.visit == "x"]
    assert 500 <= s.service_start <= 520
    assert p.visits[0].time_windows == (TimeWindow(500, 520),)


def test_pin_to_an_exact_position_holds():
    """'far' at 60 pinned to position 1: the route goes out first, then comes back."""
    vs = [Visit("far", 6, pin=Pin(team="A", day=0, position=1))] + [
        Visit(f"v{i}", i) for i in (1, 2, 3)
    ]
    _, sol = run(vs, [team("A")])
    (r,) = sol.routes
    assert r.visits[0] == "far" and len(r.visits) == 4


def test_frozen_prefix_stays_in_front_and_in_order():
    """Done: c (30) then a (10); the rest (20, 40, 50) is planned after them."""
    vs = [Visit(x, i) for x, i in (("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5))]
    p, sol = run(vs, [team("A", fixed={0: ("c", "a")})])
    (r,) = sol.routes
    assert r.visits[:2] == ("c", "a")
    assert sorted(r.visits[2:]) == ["b", "d", "e"]
    assert r.travel == 30 + 20 + 10 + 20 + 10 + 50  # 0-30-10-20-40-50-0
    assert p.visits[2].pin == Pin("A", 0, 1)


@pytest.mark.skipif(not routing.ready(), reason="numba code not compiled (routing.prepare)")
def test_ruin_and_recreate_searches_behind_a_frozen_prefix():
    """Start from a bad tail behind the prefix (c, a): the phase fixes the tail only."""
    vs = [Visit(x, i) for x, i in (("a", 1), ("b", 2), ("c", 3), ("d", 4), ("e", 5))]
    p = Problem(vs, [team("A", fixed={0: ("c", "a")})], 1, {"car": M})
    vehicles = p.vehicles()
    start = [[2, 0, 4, 1, 3]]  # c a e b d
    routes, _, st = _lns.improve(p, vehicles, start, penalties(p), iterations=2000, seed=3)
    assert routes[0][:2] == [2, 0]
    assert sorted(routes[0][2:]) == [1, 3, 4]
    assert st["objective"] == 140  # 0-30-10-20-40-50-0 (or -50-40-, as long)
    assert st["start_objective"] == 180


# -- contradictions are reported, not raised -----------------------------------------------


def test_two_visits_on_one_position():
    vs = [
        Visit("first", 1, priority=10, pin=Pin(team="A", day=0, position=1)),
        Visit("second", 2, pin=Pin(team="A", day=0, position=1)),
        Visit("free", 3),
    ]
    _, sol = run(vs, [team("A")])
    assert sol.routes[0].visits[0] == "first"
    assert codes(sol) == {"second": "pin_conflict"}
    (u,) = sol.unassigned
    assert "Position 1 bei Team A an Tag 1" in u.reason and "first" in u.reason


@pytest.mark.parametrize(
    ("pin", "visit_kw", "team_kw", "code", "words"),
    [
        (Pin(team="Z"), {}, {}, "pin", "Team Z"),
        (Pin(day=5), {}, {}, "pin", "Tag 6"),
        (Pin(day=1), {"latest_day": 0}, {}, "pin", "außerhalb des erlaubten Zeitraums"),
        (Pin(team="A"), {"skills": frozenset({"arabisch"})}, {}, "pin", "Fähigkeit"),
        (Pin(window=TimeWindow(9000, 9100)), {"time_windows": (TimeWindow(0, 100),)}, {},
         "pin", "Uhrzeit"),
        (Pin(team="A", day=0, position=5), {}, {}, "pin", "Position 5"),
        (Pin(team="A", day=0, position=2), {}, {"max_visits": 1}, "pin", "höchstens 1"),
        (Pin(team="A", day=1), {}, {}, "pin", "arbeitet an Tag 2 nicht"),
    ],
)
def test_impossible_pins_are_reported_with_a_reason(pin, visit_kw, team_kw, code, words):
    vs = [Visit("p", 1, pin=pin, **visit_kw), Visit("q", 2)]
    teams = [team("A", **team_kw), Team("B", (Shift(0, TimeWindow(0, 10_000)), Shift(
        1, TimeWindow(0, 10_000))), start=0, end=0, skills=frozenset({"arabisch"}))]
    _, sol = run(vs, teams, days=2)
    assert codes(sol) == {"p": code}
    (u,) = sol.unassigned
    assert words in u.reason, u.reason
    assert "q" in sol.served


def test_prefix_against_a_pin_and_a_visit_in_two_prefixes():
    vs = [
        Visit("a", 1, pin=Pin(team="B")),  # in A's prefix but pinned to B
        Visit("b", 2),                       # in two prefixes
        Visit("c", 3),
    ]
    teams = [team("A", fixed={0: ("a", "b")}), team("B", fixed={0: ("b",)})]
    p, sol = run(vs, teams)
    assert codes(sol) == {"a": "pin_conflict", "b": "pin_conflict"}
    assert "zwei festen Tourfolgen" in p.conflicts["b"][1]
    assert "widerspricht der festen Tourfolge von Team A" in p.conflicts["a"][1]
    assert sol.served == ("c",)


def test_unknown_visit_in_a_prefix_is_an_input_error():
    with pytest.raises(routing.RoutingInputError, match="unbekannter Besuch zz"):
        Problem([Visit("a", 1)], [team("A", fixed={0: ("zz",)})], 1, {"car": M})


def test_locks_survive_the_json_round_trip():
    vs = [Visit("a", 1), Visit("b", 2, pin=Pin(team="A", window=TimeWindow(100, 900)))]
    p = Problem(vs, [team("A", fixed={0: ("a",)})], 1, {"car": M})
    back = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert back.visits == p.visits
    assert back.teams[0].shifts[0].fixed == ("a",)


# -- reasons derived by checking (qa12_f #4, #5) -------------------------------------------


def test_a_pin_to_a_team_outside_its_districts_names_the_district():
    """qa12_f #4: before, 'keine Schicht passt (Team, Tag, Fähigkeiten, …)', a list of
    guesses that left out the district."""
    vs = [Visit("p", 1, district="Sued", pin=Pin(team="A")), Visit("q", 2, district="Sued")]
    teams = [team("A", districts=frozenset({"Nord"})), team("B", districts=frozenset({"Sued"}))]
    _, sol = run(vs, teams)
    (u,) = sol.unassigned
    assert (u.code, u.reason) == ("pin", "Die feste Zuordnung (Team A) ist nicht möglich: Team "
                                         "A ist für den Stadtteil Sued nicht zuständig "
                                         "(Zuständigkeit: hart).")


def test_a_pin_to_a_team_too_small_names_the_capacity():
    vs = [Visit("p", 1, amount=(3,), pin=Pin(team="A", day=0)), Visit("q", 2, amount=(1,))]
    _, sol = run(vs, [team("A", capacity=(2,)), team("B", capacity=(5,))])
    (u,) = sol.unassigned
    assert u.reason.endswith("ist nicht möglich: Die Menge des Besuchs (3) übersteigt die "
                             "Kapazität von Team A (2)."), u.reason


def test_a_pin_to_a_day_names_each_teams_reason():
    vs = [Visit("p", 1, district="Sued", skills=frozenset({"arabisch"}), pin=Pin(day=0)),
          Visit("q", 2)]
    teams = [team("A", days=(0, 1), districts=frozenset({"Nord"}),
                  skills=frozenset({"arabisch"})),
             team("B", days=(0,)), team("C", days=(1,), skills=frozenset({"arabisch"}))]
    _, sol = run(vs, teams, days=2)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Tag 1) ist nicht möglich: Team A ist für den "
                        "Stadtteil Sued nicht zuständig (Zuständigkeit: hart). Team B hat die "
                        "nötige Fähigkeit nicht (arabisch).")


def test_teams_working_on_the_allowed_days_but_not_responsible_are_named():
    """Before: 'Im erlaubten Zeitraum (Tag 1) hat kein Team eine Schicht', though A works."""
    vs = [Visit("p", 1, district="Sued", latest_day=0), Visit("q", 2, district="Nord")]
    teams = [team("A", days=(0,), districts=frozenset({"Nord"})),
             team("B", days=(1,), districts=frozenset({"Sued"}))]
    _, sol = run(vs, teams, days=2)
    (u,) = sol.unassigned
    assert (u.code, u.reason) == (
        "district", "Im erlaubten Zeitraum (Tag 1) kann kein Team den Besuch übernehmen (nur "
                    "Team B ist für den Stadtteil Sued zuständig): Team A ist für den "
                    "Stadtteil Sued nicht zuständig (Zuständigkeit: hart).")


def test_allowed_days_after_the_span_are_not_clipped_into_nonsense():
    """qa12_f #5: before, 'Im erlaubten Zeitraum (Tag 6 bis 2) hat kein Team eine Schicht'."""
    vs = [Visit("p", 1, earliest_day=5, latest_day=6), Visit("r", 1, earliest_day=4),
          Visit("q", 2)]
    _, sol = run(vs, [team("A", days=(0, 1))], days=2)
    reasons = {u.visit: (u.code, u.reason) for u in sol.unassigned}
    assert reasons == {
        "p": ("no_shift", "Der erlaubte Zeitraum (Tag 6 bis 7) liegt nach dem Planungszeitraum "
                          "(Tag 1 bis 2)."),
        "r": ("no_shift", "Der erlaubte Zeitraum (ab Tag 5) liegt nach dem Planungszeitraum "
                          "(Tag 1 bis 2)."),
    }


def test_capacity_used_up_is_named_as_capacity_not_as_full_days():
    """qa12_f #5 (s_pickup_only.json): one route of one visit in a long shift, capacity 1;
    before, the three others read 'Die Tage sind voll'."""
    vs = [Visit(f"v{i}", i, service=300, amount=(1,)) for i in (1, 2, 3, 4)]
    _, sol = run(vs, [team("A", capacity=(1,))])
    assert len(sol.served) == 1
    assert {u.code for u in sol.unassigned} == {"capacity"}
    assert sol.unassigned[0].reason == (
        "Die Kapazität der passenden Teams ist ausgeschöpft: der Besuch (Menge 1, Priorität 0) "
        "passt in keine Tour mehr; die eingeplanten Besuche der passenden Teams haben gleiche "
        "oder höhere Priorität.")


def test_the_most_visits_per_route_reached_is_named():
    vs = [Visit(f"v{i}", i, service=300) for i in (1, 2, 3)]
    _, sol = run(vs, [team("A", max_visits=2)])
    (u,) = sol.unassigned
    assert u.code == "days_full"
    assert u.reason.startswith("Die Touren der passenden Teams haben die Höchstzahl der "
                               "Besuche erreicht: der Besuch (Priorität 0) passt in keine Tour")


def _day_team(tid: str = "A", breaks=()) -> Team:
    """A works 08:00-16:00 on day 0; travel 0 -> 1 is 10 s (the line above, in seconds)."""
    from routing import at

    return Team(tid, (Shift(0, TimeWindow(at(0, 8), at(0, 16)), tuple(breaks)),), start=0,
                end=0)


@pytest.mark.parametrize(
    ("pin", "service", "breaks", "text"),
    [
        # before the shift: the shift's start is named, the day once
        (Pin(team="A", day=0, window=TimeWindow(6 * 3600, 6 * 3600 + 1800)), 600, (),
         "Die feste Zuordnung (Team A, Mi 09.12.2026, 06:00 bis 06:30 Uhr) lässt sich nicht "
         "einhalten: Team A beginnt am Mi 09.12.2026 erst um 08:00 Uhr."),
        # at the shift's start, but the way there takes 10 s
        (Pin(team="A", window=TimeWindow(8 * 3600, 8 * 3600)), 600, (),
         "Die feste Zuordnung (Team A, Mi 09.12.2026, 08:00 Uhr) lässt sich nicht einhalten: "
         "Team A ist am Mi 09.12.2026 nach Schichtbeginn (08:00 Uhr) und 1 Min. Anfahrt "
         "frühestens um 08:01 Uhr dort."),
        # too late: the visit and the way back end after the shift
        (Pin(team="A", day=0, window=TimeWindow(15 * 3600 + 1800, 15 * 3600 + 1800)), 2700, (),
         "Die feste Zuordnung (Team A, Mi 09.12.2026, 15:30 Uhr) lässt sich nicht einhalten: "
         "Team A arbeitet am Mi 09.12.2026 bis 16:00 Uhr: Besuch ab 15:30 Uhr (45 Min.) und "
         "Rückweg (1 Min.) enden erst um 16:16 Uhr."),
        # the time fits the shift, the break does not fit around it
        (Pin(team="A", day=0, window=TimeWindow(12 * 3600, 12 * 3600)), 3600,
         (Break(TimeWindow(12 * 3600, 13 * 3600), 1800),),
         "Die feste Zuordnung (Team A, Mi 09.12.2026, 12:00 Uhr) lässt sich nicht einhalten: "
         "Mit der Pause von Team A (12:00 bis 13:00 Uhr, 30 Min.) passt der Besuch nicht in "
         "die Schicht am Mi 09.12.2026."),
    ],
)
def test_a_pinned_time_that_does_not_fit_names_the_shift(pin, service, breaks, text):
    """qa12_f #5: before, '(Team A, Tag 1, Tag 1, 06:00 bis Tag 1, 06:30) … passen so in
    keine Schicht', the day twice and the shift's start never named."""
    vs = [Visit("p", 1, service=service, pin=pin), Visit("q", 2, service=600)]
    p = Problem(vs, [_day_team(breaks=breaks)], 1, {"car": M}, day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=2, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.code, u.reason) == ("pin", text)


@pytest.mark.parametrize(
    ("minute", "text"),
    [
        (15 * 60 + 45, "Team A arbeitet am Mi 09.12.2026 bis 16:00 Uhr: Besuch ab 15:45 Uhr "
                       "(45 Min.) und Rückweg (3 Min.) enden erst um 16:33 Uhr."),
        (8 * 60, "Team A ist am Mi 09.12.2026 nach Schichtbeginn (08:00 Uhr) und 3 Min. "
                 "Anfahrt frühestens um 08:03 Uhr dort."),
    ],
)
def test_a_pinned_time_reason_reads_in_whole_minutes_that_add_up(minute, text):
    """QA 20a F6: „Besuch ab 15:45 Uhr (45 Min.) und Rückweg (2 Min.) enden erst um
    16:32:02 Uhr“: seconds in one place, a rounded way back in the other. A way of 2:02
    reads as 3 minutes and the end as the sum, each rounded up (never before the truth)."""
    vs = [Visit("p", 1, service=2700, pin=Pin(team="A", day=0, window=TimeWindow(
        minute * 60, minute * 60))), Visit("q", 2, service=600)]
    p = Problem(vs, [_day_team()], 1, {"car": M * 122 // 10}, day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    (u,) = sol.unassigned
    assert u.code == "pin" and u.reason.endswith(text), u.reason


def test_a_pinned_day_and_a_time_on_another_day():
    vs = [Visit("p", 1, pin=Pin(day=0, window=TimeWindow(86_400 + 9 * 3600,
                                                         86_400 + 10 * 3600))),
          Visit("q", 2)]
    teams = [Team("A", (Shift(0, TimeWindow(8 * 3600, 16 * 3600)),
                        Shift(1, TimeWindow(86_400 + 8 * 3600, 86_400 + 16 * 3600))),
                  start=0, end=0)]
    _, sol = run(vs, teams, days=2)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Tag 1, Uhrzeit Tag 2, 09:00 bis 10:00 Uhr) lässt "
                        "sich nicht einhalten: Die Uhrzeit liegt an Tag 2, die Schicht von "
                        "Team A an Tag 1.")


def test_a_pinned_time_on_a_day_no_team_works_is_said_once():
    """QA 33a F7: a time pinned to a day on which no team works gave one sentence per
    team-day („Die Uhrzeit liegt an Tag 2, die Schicht von Team A an Tag 1. Die Uhrzeit
    liegt an Tag 2, die Schicht von Team A an Tag 3. …“: 32 for 8 teams and 5 days)."""
    ten = TimeWindow(86_400 + 10 * 3600, 86_400 + 10 * 3600)
    vs = [Visit("p", 1, pin=Pin(window=ten)), Visit("q", 2)]
    _, sol = run(vs, [team("A", days=(0, 2)), team("B", days=(0, 2))], days=3)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Tag 2, 10:00 Uhr) lässt sich nicht einhalten: "
                        "Die Uhrzeit liegt an Tag 2; dann arbeitet keines der Teams (A, B).")
    vs = [Visit("p", 1, pin=Pin(team="A", window=ten)), Visit("q", 2)]
    _, sol = run(vs, [team("A", days=(0, 2)), team("B", days=(0, 1, 2))], days=3)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Team A, Tag 2, 10:00 Uhr) lässt sich nicht "
                        "einhalten: Die Uhrzeit liegt an Tag 2; dann arbeitet Team A nicht.")
    # a pin to a team only, the client's own windows on that day (review 33 #12)
    vs = [Visit("p", 1, time_windows=(TimeWindow(86_400 + 9 * 3600, 86_400 + 11 * 3600),),
                pin=Pin(team="A")), Visit("q", 2)]
    _, sol = run(vs, [team("A", days=(0, 2)), team("B", days=(0, 1, 2))], days=3)
    (u,) = sol.unassigned
    assert u.reason.endswith("Die Zeitfenster liegen an Tag 2; dann arbeitet Team A nicht."), \
        u.reason


def test_two_visits_pinned_to_one_time_name_each_other():
    """qa12_f #5: the loser named no other visit ('… zusammen mit den anderen festen
    Besuchen'); the pinned visit in the way is named with its time."""
    ten = TimeWindow(10 * 3600, 10 * 3600)
    vs = [Visit("V1", 1, service=2700, priority=5, pin=Pin(team="A", day=0, window=ten)),
          Visit("V3", 3, service=2700, pin=Pin(team="A", day=0, window=ten)),
          Visit("q", 2, service=600)]
    p = Problem(vs, [_day_team()], 1, {"car": M})
    sol = solve(p, time_limit=2, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.visit, u.code, u.reason) == (
        "V3", "pin", "Die feste Zuordnung (Team A, Tag 1, 10:00 Uhr) lässt sich nicht "
                     "einhalten: zur selben Zeit ist Besuch V1 (Team A, Tag 1, 10:00 bis 10:45 "
                     "Uhr) fest eingeplant.")


def _named_day_team(tid: str = "A", **kw) -> Team:
    """``tid`` works 08:00-16:00 on day 0 (see :func:`_day_team`), with ``kw``."""
    from routing import at

    return Team(tid, (Shift(0, TimeWindow(at(0, 8), at(0, 16))),), start=0, end=0, **kw)


@pytest.mark.parametrize(
    ("team_kw", "amount", "text"),
    [
        ({"max_visits": 2}, (),
         "Team A macht am Mi 09.12.2026 höchstens 2 Besuche, so viele sind schon fest "
         "eingeplant: v1, v2."),
        ({"capacity": (2,)}, (1,),
         "Die Kapazität von Team A (2) ist am Mi 09.12.2026 mit 2 ausgeschöpft (fest "
         "eingeplant: v1, v2); der Besuch braucht 1."),
    ],
)
def test_a_pin_beyond_the_most_visits_or_the_capacity_names_that_limit(team_kw, amount, text):
    """QA 24 F3 (locks1.py case G; a CLI week with ``max_besuche = 2``): three 10-minute
    visits pinned to one team-day that allows two read „… lässt sich zusammen mit den
    festen Besuchen v1, v2 nicht einhalten (Zeit, Arbeitszeit, Pause)“ with the day
    nearly free. The limit that binds is named."""
    vs = [Visit(f"v{i}", i, service=600, priority=10 - i, amount=amount,
                pin=Pin(team="A", day=0)) for i in (1, 2, 3)]
    p = Problem(vs, [_named_day_team(**team_kw), _named_day_team("B", **team_kw)], 1,
                {"car": M}, day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.visit, u.code, u.reason) == (
        "v3", "pin", f"Die feste Zuordnung (Team A, Mi 09.12.2026) lässt sich nicht "
                     f"einhalten: {text}")


@pytest.mark.parametrize(
    ("left", "pins", "code", "text"),
    [
        (1, 2, "pin", "Die feste Zuordnung (Team A, Mi 09.12.2026) lässt sich nicht einhalten: "
         "Team A macht am Mi 09.12.2026 höchstens 4 Besuche; 3 davon lagen vor dem "
         "Zeitpunkt der Neuplanung oder sind schon erledigt, der übrige ist schon fest "
         "eingeplant: v1."),
        (0, 1, "max_visits", "Team A macht am Mi 09.12.2026 höchstens 4 Besuche; 4 davon "
         "lagen vor dem Zeitpunkt der Neuplanung oder sind schon erledigt."),
    ],
)
def test_a_pin_beyond_the_visits_a_replan_leaves_the_day_names_those_kept(left, pins, code,
                                                                          text):
    """A re-plan gives a team-day the visits its limit leaves after those it keeps (the
    shift's ``max_visits``, 4 less 3 kept): a pin beyond it names the team's limit and the
    visits kept (before: „höchstens 1 Besuch“ as though that were the team's limit, or
    with none left „Höchstzahl der Besuche 0, Feld 'max_tasks' bzw. 'max_visits'“)."""
    from routing import at

    vs = [Visit(f"v{i}", i, service=600, priority=10 - i, pin=Pin(team="A", day=0))
          for i in range(1, pins + 1)]
    rest = Team("A", (Shift(0, TimeWindow(at(0, 8), at(0, 16)), max_visits=left,
                            kept=4 - left),),
                start=0, end=0, max_visits=4)
    p = Problem(vs, [rest, _named_day_team("B", max_visits=4)], 1, {"car": M},
                day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.visit, u.code, u.reason) == (f"v{pins}", code, text)


@pytest.mark.parametrize(
    ("left", "pins", "code", "text"),
    [
        (1, 2, "pin", "Die feste Zuordnung (Team A, Mi 09.12.2026) lässt sich nicht einhalten: "
         "Team A macht am Mi 09.12.2026 höchstens 1 Besuch, er ist schon fest eingeplant: v1."),
        (0, 1, "max_visits", "Die Schichten, die den Besuch übernehmen könnten, erlauben "
         "keinen Besuch (Höchstzahl der Besuche 0, Feld 'max_tasks' bzw. 'max_visits')."),
    ],
)
def test_a_shifts_own_lower_limit_is_not_told_as_visits_kept_by_a_replan(left, pins, code,
                                                                          text):
    """A library user's shift that allows fewer visits than its team's day (a short day)
    keeps nothing from a re-plan: its limit is just its limit (review 25: any shift limit
    below the team's was told as „… davon lagen vor dem Zeitpunkt der Neuplanung“)."""
    from routing import at

    vs = [Visit(f"v{i}", i, service=600, priority=10 - i, pin=Pin(team="A", day=0))
          for i in range(1, pins + 1)]
    short = Team("A", (Shift(0, TimeWindow(at(0, 8), at(0, 16)), max_visits=left),),
                 start=0, end=0, max_visits=4)
    p = Problem(vs, [short, _named_day_team("B", max_visits=4)], 1, {"car": M},
                day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.visit, u.code, u.reason) == (f"v{pins}", code, text)


@pytest.mark.parametrize(
    ("case", "text"),
    [
        # position 1 is held by a visit at 14:00, the visit at position 2 is at 09:00
        ("order", "Nach Besuch p1 (Position 1, Team A, Mi 09.12.2026, 14:00 bis 14:10 Uhr) "
                  "ist die Uhrzeit des Besuchs (09:00 Uhr) vorbei."),
        # a frozen prefix whose amounts exceed the capacity
        ("capacity", "Mit dem festen Besuch a (Position 1) braucht die Tour von Team A am Mi "
                     "09.12.2026 die Menge 4, die Kapazität ist 3."),
        # position 2, and the only other visit is pinned to team B
        ("none", "Davor müsste ein anderer Besuch in die Tour von Team A am Mi 09.12.2026 "
                 "passen, es kommt aber kein anderer Besuch dafür in Frage (Team, Tag, "
                 "Fähigkeiten, feste Zuordnungen)."),
        # position 3, one other visit could come first
        ("one", "Davor müssten 2 andere Besuche in die Tour von Team A am Mi 09.12.2026 "
                "passen, dafür kommt aber nur einer in Frage (Team, Tag, Fähigkeiten, feste "
                "Zuordnungen)."),
    ],
)
def test_a_failed_position_pin_names_what_is_before_it(case, text):
    """QA 24 F4 (locks1.py cases B, N, J): every failed position pin read „davor müssten
    1 andere Besuche passen“, also when position 1 was held; the cause is named."""
    from routing import at

    A = _named_day_team
    if case == "order":
        vs = [Visit("p1", 1, service=600, pin=Pin(team="A", day=0, position=1,
                                                   window=TimeWindow(at(0, 14), at(0, 14)))),
              Visit("p2", 2, service=600, pin=Pin(team="A", day=0, position=2,
                                                   window=TimeWindow(at(0, 9), at(0, 9)))),
              Visit("f", 3, service=600)]
        teams, pos = [A()], 2
    elif case == "capacity":
        vs = [Visit(c, i + 1, service=600, amount=(2,)) for i, c in enumerate("abc")]
        teams = [Team("A", (Shift(0, TimeWindow(at(0, 8), at(0, 16)), fixed=("a", "b")),),
                      start=0, end=0, capacity=(3,)), A("B", capacity=(3,))]
        pos = 2
    else:
        pos = 2 if case == "none" else 3
        vs = [Visit("j", 3, service=600, pin=Pin(team="A", day=0, position=pos)),
              Visit("k", 1, service=600, pin=Pin(team="B"))]
        vs += [Visit("g", 2, service=600)] if case == "one" else []
        teams = [A(), A("B")]
    p = Problem(vs, teams, 1, {"car": M}, day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert u.code == "pin"
    assert u.reason.startswith(f"Die feste Position {pos} (Team A, Mi 09.12.2026, Position "
                               f"{pos}"), u.reason
    assert u.reason.endswith(f"lässt sich mit den übrigen Vorgaben nicht einhalten: {text}"), \
        u.reason


@pytest.mark.parametrize("from_hour", [None, 8])
def test_a_pinned_visit_without_a_time_is_not_said_to_clash_at_the_same_time(from_hour):
    """QA 24 F8: a team-day pin with no time read „zur selben Zeit ist Besuch K-100008 (…
    13:35 bis 14:36 Uhr) fest eingeplant“: the visit had no time (a re-plan gives it one
    from its moment on, ``from_hour``), and the end was rounded up while the report
    (``%H:%M``) says 14:35. Here w is pinned to 11:30 for 59:50 min (until 12:29:50); the
    4-hour visit fits neither before nor after it."""
    from routing import at

    tws = (TimeWindow(at(0, from_hour), at(0, 23)),) if from_hour is not None else ()
    vs = [Visit("w", 1, service=3590, priority=5,
                pin=Pin(team="A", day=0, window=TimeWindow(at(0, 11, 30), at(0, 11, 30)))),
          Visit("x", 2, service=4 * 3600, time_windows=tws, pin=Pin(team="A", day=0))]
    p = Problem(vs, [_named_day_team()], 1, {"car": M}, day_names=("Mi 09.12.2026",))
    sol = solve(p, time_limit=1, seed=1, threads=1)
    assert check(p, sol) == []
    (u,) = sol.unassigned
    assert (u.visit, u.code, u.reason) == (
        "x", "pin", "Die feste Zuordnung (Team A, Mi 09.12.2026) lässt sich nicht einhalten: "
                    "mit dem fest eingeplanten Besuch w (Team A, Mi 09.12.2026, 11:30 bis "
                    "12:29 Uhr) passt der Besuch in keiner Reihenfolge in die Schicht.")


def test_a_pinned_time_on_a_day_its_team_is_absent_names_the_absence():
    """Reason2 notes (session 37): a pin whose time lies on a day its team is entered as
    absent said „dann arbeitet Team A nicht“, as if A never worked that day; a window on
    such a day (QA 37 #2) names the absence and how to undo it, and so does the pin now.
    A team without a shift that day and no absence keeps the plain words."""
    ten = TimeWindow(86_400 + 10 * 3600, 86_400 + 10 * 3600)
    vs = [Visit("p", 1, pin=Pin(team="A", window=ten)), Visit("q", 2)]
    teams = [team("A", days=(0, 2)), team("B", days=(0, 1, 2))]
    why = "ist an Tag 2 abwesend (eingetragen)"
    back = "die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“)"
    p = Problem(vs, teams, 3, {"car": M}, absent={("A", 1): why},
                absent_undo={("A", 1): back})
    sol = solve(p, time_limit=2, seed=1, threads=1)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Team A, Tag 2, 10:00 Uhr) lässt sich nicht "
                        "einhalten: Die Uhrzeit liegt an Tag 2; dann hat Team A keine "
                        f"Schicht: Team A {why}. Um den Besuch dann einzuplanen: {back}.")
    # a pin to a time only, teams A (absent) and B (not working that day)
    vs = [Visit("p", 1, pin=Pin(window=ten)), Visit("q", 2)]
    p = Problem(vs, [team("A", days=(0, 2)), team("B", days=(0, 2))], 3, {"car": M},
                absent={("A", 1): why}, absent_undo={("A", 1): back})
    sol = solve(p, time_limit=2, seed=1, threads=1)
    (u,) = sol.unassigned
    assert u.reason == ("Die feste Zuordnung (Tag 2, 10:00 Uhr) lässt sich nicht einhalten: "
                        "Die Uhrzeit liegt an Tag 2; dann hat keines der Teams (A, B) eine "
                        f"Schicht: Team A {why}. Team B arbeitet an Tag 2 nicht. Um den "
                        f"Besuch dann einzuplanen: {back}.")
