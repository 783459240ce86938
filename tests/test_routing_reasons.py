"""Reasons for unassigned visits (``routing.reasons.explain``), branch by branch.

Tiny problems on a line (travel time = distance, depot at 0), explained directly with no
routes: each test pins the code and the exact German sentence of one branch.
"""

from __future__ import annotations

import numpy as np

from routing import Problem, Shift, Team, TimeWindow, Visit
from routing.model import Break, Pin
from routing.reasons import explain


def line(pos):
    return {"car": np.abs(np.subtract.outer(pos, pos)).astype(np.int64)}


def team(tid, days=(0,), end=10_000, **kw):
    return Team(tid, tuple(Shift(d, TimeWindow(0, end)) for d in days), start=0, end=0, **kw)


def why(problem: Problem, vid: str) -> tuple[str, str]:
    visit = next(v for v in problem.visits if v.id == vid)
    return explain(problem, (), visit)


ARABISCH = frozenset({"arabisch"})


def test_a_pinned_team_without_the_skill_is_named():
    p = Problem([Visit("x", 1, skills=ARABISCH, pin=Pin(team="B"))],
                [team("A", skills=ARABISCH), team("B")], 1, line([0, 10]))
    assert why(p, "x") == (
        "pin", "Die feste Zuordnung (Team B) ist nicht möglich: Team B hat die nötige "
               "Fähigkeit nicht (arabisch).")


def test_skilled_team_only_on_a_day_not_allowed_is_no_shift():
    """The only team with the skill works on day 1 only, the visit is allowed from day 2 on,
    when a team without the skill works: nobody with the skill has a shift then, and the
    team that has it is named (QA 36 #6)."""
    p = Problem([Visit("x", 1, skills=ARABISCH, earliest_day=1)],
                [team("A", days=(0,), skills=ARABISCH), team("B", days=(1,))], 2,
                line([0, 10]))
    assert why(p, "x") == (
        "no_shift", "Im erlaubten Zeitraum (Tag 2) hat kein Team, das den Besuch übernehmen "
                    "kann, eine Schicht (nur Team A hat die nötige Fähigkeit: arabisch).")
    # every team has it: nothing to name
    p = Problem([Visit("x", 1, skills=ARABISCH, earliest_day=1)],
                [team("A", days=(0,), skills=ARABISCH)], 2, line([0, 10]))
    assert why(p, "x") == (
        "no_shift", "Im erlaubten Zeitraum (Tag 2) hat kein Team mit den nötigen Fähigkeiten "
                    "eine Schicht.")


def test_no_team_responsible_for_the_district_under_the_hard_rule():
    teams = [team("A", districts=frozenset({"Nord"})), team("B", districts=frozenset({"Süd"}))]
    p = Problem([Visit("w", 1, district="West")], teams, 1, line([0, 10]))
    assert why(p, "w") == ("district", "Kein Team ist für den Stadtteil West zuständig.")
    skilled = [team("A", districts=frozenset({"Nord"}), skills=ARABISCH),
               team("B", districts=frozenset({"West"}))]
    p = Problem([Visit("w", 1, district="West", skills=ARABISCH)], skilled, 1, line([0, 10]))
    assert why(p, "w") == (
        "district", "Kein Team mit den nötigen Fähigkeiten ist für den Stadtteil West "
                    "zuständig.")


def test_an_amount_equal_to_the_capacity_fits():
    # the window lies before the shift can reach the place: time, not capacity, is why
    late = (TimeWindow(0, 5),)
    p = Problem([Visit("x", 1, amount=(3,), time_windows=late)],
                [team("A", capacity=(3,))], 1, line([0, 10]))
    assert why(p, "x")[0] == "time_window"
    p = Problem([Visit("x", 1, amount=(4,), time_windows=late)],
                [team("A", capacity=(3,))], 1, line([0, 10]))
    assert why(p, "x") == ("capacity",
                           "Die Menge des Besuchs übersteigt die Kapazität jedes Teams.")


def test_allowed_days_starting_the_day_after_the_span():
    p = Problem([Visit("x", 1, earliest_day=2)], [team("A", days=(0, 1))], 2, line([0, 10]))
    assert why(p, "x") == (
        "no_shift", "Der erlaubte Zeitraum (ab Tag 3) liegt nach dem Planungszeitraum "
                    "(Tag 1 bis 2).")


def test_teams_that_work_then_but_fail_for_different_reasons():
    """A is not responsible for the district (hard), B is too small: two different causes,
    so the code is no_shift and both sentences are given."""
    teams = [team("A", districts=frozenset({"Nord"}), capacity=(9,)),
             team("B", districts=frozenset({"West"}), capacity=(3,))]
    p = Problem([Visit("x", 1, district="West", amount=(4,))], teams, 1, line([0, 10]))
    assert why(p, "x") == (
        "no_shift", "Im erlaubten Zeitraum (Tag 1) kann kein Team den Besuch übernehmen: "
                    "Team A ist für den Stadtteil West nicht zuständig (Zuständigkeit: hart). "
                    "Die Menge des Besuchs (4) übersteigt die Kapazität von Team B (3).")
    # one cause only (both teams of day 1 too small; C is big enough but works on day 2,
    # which the visit does not allow): that cause's code
    teams = [team("A", capacity=(3,)), team("B", capacity=(2,)),
             team("C", days=(1,), capacity=(9,))]
    p = Problem([Visit("x", 1, amount=(4,), latest_day=0)], teams, 2, line([0, 10]))
    assert why(p, "x") == (
        "capacity", "Im erlaubten Zeitraum (Tag 1) kann kein Team den Besuch übernehmen (nur "
                    "Team C hat die Kapazität für die Menge 4): "
                    "Die Menge des Besuchs (4) übersteigt die Kapazität von Team A (3). "
                    "Die Menge des Besuchs (4) übersteigt die Kapazität von Team B (2).")


def test_a_pinned_visit_that_fits_the_shift_exactly_but_not_with_the_break():
    """Way there 600 s, visit 1800 s, way back 600 s: exactly the shift 0–3000 s. It fits
    without the break, so the break is named, not the end of the shift."""
    shift = Shift(0, TimeWindow(0, 3000), breaks=(Break(TimeWindow(0, 3000), 600),))
    p = Problem([Visit("x", 1, service=1800, pin=Pin(team="A"))],
                [Team("A", (shift,), start=0, end=0)], 1, line([0, 600]))
    assert why(p, "x") == (
        "pin", "Die feste Zuordnung (Team A) lässt sich nicht einhalten: Mit der Pause von "
               "Team A (00:00 bis 00:50 Uhr, 10 Min.) passt der Besuch nicht in die Schicht "
               "an Tag 1.")


def test_a_pin_conflict_is_reported_as_found_by_the_problem():
    pin = Pin(team="A", day=0, position=1)
    p = Problem([Visit("a", 1, priority=5, pin=pin), Visit("b", 2, priority=1, pin=pin)],
                [team("A")], 1, line([0, 10, 20]))
    assert why(p, "b") == ("pin_conflict",
                           "Position 1 bei Team A an Tag 1 ist schon fest durch Besuch a "
                           "belegt.")
    assert p.conflicts["b"] == why(p, "b")


def _two_in_one_window(prio_x: int, prio_y: int, start: int = 36_000):
    """Team A works 08:00-16:00; x and y both want 10:00-10:10 and take 30 min each."""
    from routing.solve import solve

    w = (TimeWindow(start, 36_600),)
    p = Problem([Visit("x", 1, service=1800, time_windows=w, priority=prio_x),
                 Visit("y", 2, service=1800, time_windows=w, priority=prio_y)],
                [Team("A", (Shift(0, TimeWindow(28_800, 57_600)),), start=0, end=0)], 1,
                {"car": np.array([[0, 271, 233], [271, 0, 196], [233, 196, 0]],
                                 dtype=np.int64)})
    return solve(p, time_limit=1, seed=1, threads=1)


def test_a_window_taken_by_a_visit_of_higher_priority_is_named_not_full_days():
    """QA 20c S3 (r_tw_conflict.json): the day holds one visit; the other, wanting the
    same ten minutes, read „Die Tage sind voll“."""
    sol = _two_in_one_window(10, 90)
    assert [s for r in sol.routes for s in r.visits] == ["y"]
    (u,) = sol.unassigned
    assert (u.visit, u.code) == ("x", "time_window")
    assert u.reason == ("Das Zeitfenster überschneidet sich mit dem Besuch y (Team A, Tag 1, "
                        "10:00 bis 10:30 Uhr; höhere Priorität): die beiden Besuche lassen "
                        "sich in keiner Reihenfolge nacheinander einplanen.")
    (u,) = _two_in_one_window(50, 50).unassigned
    assert u.code == "time_window" and "; gleiche Priorität)" in u.reason
    # a visit held from 10:00:15 to 10:30:15 is named in whole minutes as the plan's
    # report shows it (``%H:%M``: 10:00 to 10:30; QA 24 F8: before, the end was rounded up
    # to 10:31, a minute the report never shows)
    (u,) = _two_in_one_window(10, 90, start=36_015).unassigned
    assert "(Team A, Tag 1, 10:00 bis 10:30 Uhr; höhere Priorität)" in u.reason, u.reason


def test_a_window_held_by_a_visit_of_lower_priority_says_it_is_lower():
    """Review 20b #4: a visit of lower priority holds the window (a re-plan kept it, the
    solver ran out of time): the reason says it is lower, with both priorities."""

    from routing.reasons import explain

    sol = _two_in_one_window(10, 90)  # y (90) planned, x (10) left out
    p = Problem([Visit("x", 1, service=1800, time_windows=(TimeWindow(36_000, 36_600),),
                       priority=90),
                 Visit("y", 2, service=1800, time_windows=(TimeWindow(36_000, 36_600),),
                       priority=10)],
                [Team("A", (Shift(0, TimeWindow(28_800, 57_600)),), start=0, end=0)], 1,
                {"car": np.array([[0, 271, 233], [271, 0, 196], [233, 196, 0]],
                                 dtype=np.int64)})
    code, reason = explain(p, sol.routes, p.visits[0])
    assert code == "time_window", reason
    assert "(Team A, Tag 1, 10:00 bis 10:30 Uhr; niedrigere Priorität: 10 gegenüber 90)" \
        in reason, reason


def test_vroom_json_names_the_visit_that_holds_the_window():
    """The same through ``hausbesuch solve``'s VROOM JSON: reason_code and reason."""
    from routing.solve import solve
    from routing.vroom_json import problem_from_json, solution_to_json

    doc = {"vehicles": [{"id": 1, "start_index": 0, "end_index": 0,
                         "time_window": [28800, 57600]}],
           "jobs": [{"id": 1, "location_index": 1, "service": 1800,
                     "time_windows": [[36000, 36600]], "priority": 10},
                    {"id": 2, "location_index": 2, "service": 1800,
                     "time_windows": [[36000, 36600]], "priority": 90}],
           "matrices": {"car": {"durations": [[0, 271, 233], [271, 0, 196], [233, 196, 0]]}}}
    p = problem_from_json(doc)
    out = solution_to_json(p, solve(p, time_limit=1, seed=1, threads=1))
    (u,) = out["unassigned"]
    assert u["id"] == 1 and u["reason_code"] == "time_window"
    assert u["reason"].startswith("Das Zeitfenster überschneidet sich mit dem Besuch 2 ")


def test_an_empty_district_is_called_empty():
    """QA 24 F8: ``Visit(district="")`` read „Kein Team ist für den Stadtteil  zuständig“
    (two spaces, no name)."""
    teams = [team("A", districts=frozenset({"Nord"}))]
    p = Problem([Visit("w", 1, district="")], teams, 1, line([0, 10]))
    assert why(p, "w") == ("district", "Kein Team ist für den leeren Stadtteil „“ zuständig.")
    p = Problem([Visit("w", 1, district="", pin=Pin(team="A"))], [*teams, team("B")], 1,
                line([0, 10]))
    assert why(p, "w") == (
        "pin", "Die feste Zuordnung (Team A) ist nicht möglich: Team A ist für den leeren "
               "Stadtteil „“ nicht zuständig (Zuständigkeit: hart).")


def test_out_of_time_a_visit_no_route_has_room_for_is_told_what_is_used_up():
    """QA 24 F5: once the time for the reasons has run out (``deadline`` passed), a
    left-out visit read „in der verfügbaren Rechenzeit nicht eingeplant“ even when every
    route that could take it was full, as on a big week. The compiled proof that it fits
    no route as it is now names what is used up; a visit that may still fit keeps
    ``not_checked`` (more time could plan it)."""
    import numpy as np

    from routing import prepare
    from routing.reasons import explain_all
    from routing.schedule import schedule

    prepare()
    p = Problem([Visit(f"v{i}", i) for i in range(1, 5)], [team("A", max_visits=2)], 1,
                line([0, 10, 20, 30, 40]))
    veh = p.vehicles()[0]
    full = [schedule(p, veh, p.visits[:2])]
    alone = np.ones((2, 1), dtype=bool)
    out = explain_all(p, full, [2, 3], checked=[], alone=alone, deadline=0.0)
    assert [(u.visit, u.code) for u in out] == [("v3", "days_full"), ("v4", "days_full")]
    assert all("Höchstzahl der Besuche" in u.reason for u in out), out
    room = [schedule(p, veh, p.visits[:1])]  # one place left: either may still fit
    out = explain_all(p, room, [2, 3], checked=[], alone=alone, deadline=0.0)
    assert {u.code for u in out} == {"not_checked"}


def test_no_shift_in_the_allowed_days_names_the_teams_out_then():
    """QA 33c L5: a visit allowed on day 2 only, when both teams that work then are out
    (a re-plan took one out, the other is absent), read „hat kein Team eine Schicht“ and
    nothing of why; now each team out on an allowed day is named with its reason (not
    one out on another day, nor one without the visit's skill)."""
    p = Problem([Visit("x", 1, earliest_day=1, latest_day=1, skills=ARABISCH)],
                [team("A", days=(0, 2), skills=ARABISCH), team("B", days=(0, 2), skills=ARABISCH),
                 team("C", days=(0, 2))], 3, line([0, 10]),
                day_names=("Mo", "Di", "Mi"),
                absent={("A", 1): "ist am Di ab 08:37 Uhr für den Rest des Tages abgemeldet "
                                  "(Neuplanung)", ("B", 1): "ist am Di abwesend (eingetragen)",
                        ("B", 2): "ist am Mi abwesend (eingetragen)",
                        ("C", 1): "ist am Di abwesend (eingetragen)"})
    assert why(p, "x") == (
        "no_shift", "Im erlaubten Zeitraum (Di) hat kein Team, das den Besuch übernehmen "
                    "kann, eine Schicht (nur die Teams A und B haben die nötige Fähigkeit: "
                    "arabisch): Team A ist am Di ab 08:37 Uhr für den Rest des Tages "
                    "abgemeldet (Neuplanung). Team B ist am Di abwesend (eingetragen).")


def test_a_reason_from_the_teams_that_may_take_the_visit_says_why_the_others_may_not():
    """QA 36 #6: only team nord speaks the client's language; its visit y holds the
    client's window, while team mitte is free all day. The reason named y (Team nord)
    and never why mitte does not take the visit: now it says so, in the application's
    words (``Problem.skill_verb``) or the module's; as for a district under hard
    responsibility, and for a window no shift of nord reaches (its shift ends first)."""
    from routing.schedule import schedule

    window = (TimeWindow(36_000, 36_600),)
    shift = (Shift(0, TimeWindow(28_800, 57_600)),)
    durations = {"car": np.array([[0, 271, 233], [271, 0, 196], [233, 196, 0]],
                                 dtype=np.int64)}

    def reason(nord: dict, mitte: dict, x: dict, **kw) -> tuple[str, str]:  # noqa: ANN003
        p = Problem([Visit("x", 1, service=1800, time_windows=window, **x),
                     Visit("y", 2, service=1800, time_windows=window, priority=90, **x)],
                    [Team("nord", shift, start=0, end=0, **nord),
                     Team("mitte", shift, start=0, end=0, **mitte)], 1, durations, **kw)
        route = schedule(p, p.vehicles()[0], [p.visits[1]])
        assert route is not None
        return explain(p, [route], p.visits[0])

    held = ("Das Zeitfenster überschneidet sich mit dem Besuch y (Team nord, Tag 1, 10:00 "
            "bis 10:30 Uhr; höhere Priorität): die beiden Besuche lassen sich in keiner "
            "Reihenfolge nacheinander einplanen")
    arabic = {"skills": frozenset({"Arabisch"})}
    assert reason(arabic, {}, arabic, skill_verb=("spricht", "sprechen")) == (
        "time_window", f"{held} (nur Team nord spricht Arabisch).")
    assert reason(arabic, {}, arabic) == (
        "time_window", f"{held} (nur Team nord hat die nötige Fähigkeit: Arabisch).")
    assert reason({"districts": frozenset({"Nord"})}, {"districts": frozenset({"Süd"})},
                  {"district": "Nord"}) == (
        "time_window", f"{held} (nur Team nord ist für den Stadtteil Nord zuständig).")
    # nord ends at 9:00, mitte would reach the window
    p = Problem([Visit("x", 1, service=1800, time_windows=window, **arabic)],
                [Team("nord", (Shift(0, TimeWindow(28_800, 32_400)),), start=0, end=0,
                      **arabic), Team("mitte", shift, start=0, end=0)], 1, durations,
                skill_verb=("spricht", "sprechen"))
    assert explain(p, (), p.visits[0]) == (
        "time_window", "Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
                       "Besuchsdauer und Pause passen nicht in die Arbeitszeit (nur Team nord "
                       "spricht Arabisch).")


def test_teams_kept_out_by_different_rules_are_not_told_one_of_them():
    """Review 36 #2: team süd speaks Arabic but is not responsible for Nord, team west is
    responsible but speaks no Arabic: „nur Team nord spricht Arabisch und ist für den
    Stadtteil Nord zuständig“ was untrue of süd (it speaks Arabic). With different rules
    keeping the others out, the reason says only who may take the visit."""
    from routing.schedule import schedule

    window = (TimeWindow(36_000, 36_600),)
    shift = (Shift(0, TimeWindow(28_800, 57_600)),)
    durations = {"car": np.array([[0, 271, 233], [271, 0, 196], [233, 196, 0]],
                                 dtype=np.int64)}
    arabic = frozenset({"Arabisch"})
    visit = {"skills": arabic, "district": "Nord"}
    p = Problem([Visit("x", 1, service=1800, time_windows=window, **visit),
                 Visit("y", 2, service=1800, time_windows=window, priority=90, **visit)],
                [Team("nord", shift, start=0, end=0, skills=arabic,
                      districts=frozenset({"Nord"})),
                 Team("süd", shift, start=0, end=0, skills=arabic,
                      districts=frozenset({"Süd"})),
                 Team("west", shift, start=0, end=0, districts=frozenset({"Nord"}))],
                1, durations, skill_verb=("spricht", "sprechen"))
    route = schedule(p, p.vehicles()[0], [p.visits[1]])
    assert route is not None
    code, text = explain(p, [route], p.visits[0])
    assert code == "time_window" and text.endswith("(nur Team nord kann ihn übernehmen)."), text


def test_a_window_on_a_day_the_only_team_able_is_absent_says_so():
    """QA 37 #2: only team auto speaks Arabic, the client wants Wednesday morning, and auto
    is absent that Wednesday. The reason said that the way, the visit and the break did
    not fit the working time, though auto's shift reaches a Wednesday morning; now it
    names the day, the absence and what to do."""
    day = 86_400
    names = ("Mo 08.02.", "Di 09.02.", "Mi 10.02.", "Do 11.02.")

    def shifts(days):
        return tuple(Shift(d, TimeWindow(d * day + 30_600, d * day + 45_000)) for d in days)

    wed = (TimeWindow(2 * day + 28_800, 2 * day + 43_200),)
    arab = frozenset({"Arabisch"})

    def reason(teams, absent=(), undo=(), windows=wed, skills=arab,
               verb=("spricht", "sprechen")):
        p = Problem([Visit("x", 1, service=2700, time_windows=windows, skills=skills)],
                    teams, 4, line([0, 600]), day_names=names, absent=dict(absent),
                    absent_undo=dict(undo), skill_verb=verb)
        return why(p, "x")

    fuss = Team("fuss", shifts(range(4)), start=0, end=0)
    auto = Team("auto", shifts((0, 1, 3)), start=0, end=0, skills=arab)
    out = {("auto", 2): "ist am Mi 10.02. abwesend (eingetragen)"}
    back = {("auto", 2): "die Abwesenheit löschen (Seite „Teams“)"}
    assert reason([fuss, auto], out, back) == (
        "time_window", "Das Zeitfenster liegt am Mi 10.02.; dann hat kein Team, das den "
                       "Besuch übernehmen kann, eine Schicht (nur Team auto spricht Arabisch): "
                       "Team auto ist am Mi 10.02. abwesend (eingetragen). Bitte ein anderes "
                       "Zeitfenster vereinbaren oder die Teams ändern (ein Team, das dann "
                       "arbeitet und Arabisch spricht), oder die Abwesenheit löschen (Seite "
                       "„Teams“).")
    # a skill, not a language (the module's words)
    assert reason([fuss, auto], out, verb=()) == (
        "time_window", "Das Zeitfenster liegt am Mi 10.02.; dann hat kein Team, das den "
                       "Besuch übernehmen kann, eine Schicht (nur Team auto hat die nötige "
                       "Fähigkeit: Arabisch): Team auto ist am Mi 10.02. abwesend "
                       "(eingetragen). Bitte ein anderes Zeitfenster vereinbaren oder die Teams "
                       "ändern (ein Team, das dann arbeitet und die nötige Fähigkeit "
                       "(Arabisch) hat).")
    # two teams speak it: one absent, the other does not work on Wednesdays
    bus = Team("bus", shifts((0, 1)), start=0, end=0, skills=arab)
    assert reason([fuss, auto, bus], out) == (
        "time_window", "Das Zeitfenster liegt am Mi 10.02.; dann hat kein Team, das den "
                       "Besuch übernehmen kann, eine Schicht (nur die Teams auto und bus "
                       "sprechen Arabisch): Team auto ist am Mi 10.02. abwesend (eingetragen). "
                       "Team bus arbeitet am Mi 10.02. nicht. Bitte ein anderes Zeitfenster "
                       "vereinbaren oder die Teams ändern (ein Team, das dann arbeitet und "
                       "Arabisch spricht).")
    # windows on two days, no skill: every team is out on both
    two = (wed[0], TimeWindow(3 * day + 28_800, 3 * day + 43_200))
    gone = {(t, d): f"ist am {names[d]} abwesend (eingetragen)"
            for t in ("fuss", "auto") for d in (2, 3)}
    teams = [Team("fuss", shifts((0, 1)), start=0, end=0),
             Team("auto", shifts((0, 1)), start=0, end=0, skills=arab)]
    assert reason(teams, gone, {k: f"die Abwesenheit {k[0]} {k[1]} löschen" for k in gone},
                  two, frozenset()) == (
        "time_window", "Das Zeitfenster liegt am Mi 10.02. oder am Do 11.02.; dann hat kein "
                       "Team eine Schicht: Team fuss ist am Mi 10.02. abwesend (eingetragen). "
                       "Team fuss ist am Do 11.02. abwesend (eingetragen). Team auto ist am Mi "
                       "10.02. abwesend (eingetragen). Team auto ist am Do 11.02. abwesend "
                       "(eingetragen). Bitte ein anderes Zeitfenster vereinbaren, oder die "
                       "Abwesenheit fuss 2 löschen oder die Abwesenheit fuss 3 löschen oder "
                       "die Abwesenheit auto 2 löschen oder die Abwesenheit auto 3 löschen.")
    # Wednesday or a Thursday afternoon, after auto's shift: the times do not fit on
    # Thursday, and on Wednesday auto is absent
    late = (wed[0], TimeWindow(3 * day + 50_400, 3 * day + 57_600))
    assert reason([fuss, auto], out, back, late) == (
        "time_window", "Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
                       "Besuchsdauer und Pause passen nicht in die Arbeitszeit (nur Team auto "
                       "spricht Arabisch). Am Mi 10.02. hat kein Team, das den Besuch "
                       "übernehmen kann, eine Schicht: Team auto ist am Mi 10.02. abwesend "
                       "(eingetragen). Um den Besuch dann einzuplanen: die Abwesenheit löschen "
                       "(Seite „Teams“).")
    # auto works on Wednesday, but its shift ends before the window: the old reason
    early = (TimeWindow(2 * day + 50_400, 2 * day + 57_600),)
    assert reason([fuss, Team("auto", shifts(range(4)), start=0, end=0, skills=arab)],
                  windows=early) == (
        "time_window", "Das Zeitfenster ist in keiner Schicht erreichbar: Hin- und Rückweg, "
                       "Besuchsdauer und Pause passen nicht in die Arbeitszeit (nur Team auto "
                       "spricht Arabisch).")
