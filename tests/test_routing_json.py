"""VROOM-compatible JSON: round trip, pyvroom accepts what we write, VROOM input runs as is."""

from __future__ import annotations

import json

import numpy as np
import pytest

from routing import Break, Pin, Problem, Shift, Team, TimeWindow, Visit, at
from routing.check import check
from routing.errors import RoutingInputError
from routing.solve import solve
from routing.vroom_json import (
    problem_from_json,
    problem_from_text,
    problem_to_json,
    solution_from_json,
    solution_to_json,
)


def week_problem(n: int = 24, seed: int = 4) -> Problem:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 4000, (n + 1, 2))
    d = np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))
    walk = np.rint(d / 1.3).astype(int)
    visits = []
    for i in range(1, n + 1):
        tws = ()
        if i % 6 == 0:
            day = i % 3
            tws = (TimeWindow(at(day, 10), at(day, 12)),)
        visits.append(
            Visit(
                f"K-{i:03d}", i, service=2700, priority=int(rng.integers(0, 100)),
                skills=frozenset({"türkisch"}) if i % 5 == 0 else frozenset(),
                time_windows=tws,
                earliest_day=1 if i % 7 == 0 else 0,
                pin=Pin(team="Nord") if i == 3 else None,
            )
        )
    teams = [
        Team(
            name,
            tuple(
                Shift(d_, TimeWindow(at(d_, 8), at(d_, 15)),
                      (Break(TimeWindow(at(d_, 11, 30), at(d_, 13, 30)), 1800),))
                for d_ in range(3)
            ),
            start=0, end=0, skills=sk, max_visits=5, mode="walk",
        )
        for name, sk in (("Nord", frozenset({"türkisch"})), ("Süd", frozenset()))
    ]
    return Problem(visits, teams, 3, {"walk": walk}, {"walk": np.rint(d).astype(int)})


def test_round_trip_keeps_the_model():
    p = week_problem()
    q = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert q.visits == p.visits
    assert q.teams == p.teams
    assert q.days == p.days
    assert np.array_equal(q.durations["walk"], p.durations["walk"])


def test_round_trip_keeps_a_replans_shift():
    """A re-plan's shift (a later start, its own limit, the visits it keeps) comes back as
    it went out: the kept count tells the reasons why the limit is lower."""
    from dataclasses import replace

    p = week_problem()
    nord = p.teams[0]
    s0 = replace(nord.shifts[0], window=TimeWindow(at(0, 11), at(0, 15)), start=3,
                 fixed=("K-003",), max_visits=2, kept=3)
    p = replace(p, teams=(replace(nord, shifts=(s0, *nord.shifts[1:])), *p.teams[1:]))
    q = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert q.teams == p.teams
    assert q.teams[0].shifts[0].kept == 3


@pytest.mark.parametrize("pure", [False, True])
def test_pyvroom_accepts_what_we_write_and_its_plan_passes_our_checker(tmp_path, pure):
    """pyvroom loads our JSON (with and without the extra key); VROOM's plan respects the
    skills, breaks, day ranges and team pins (they are encoded as VROOM sees them)."""
    import vroom

    p = week_problem()
    path = tmp_path / "problem.json"
    path.write_text(json.dumps(problem_to_json(p, pure=pure)))
    inp = vroom.Input.from_json(path)
    out = inp.solve(exploration_level=3, nb_threads=1).to_dict()
    assert out["code"] == 0
    sol = solution_from_json(p, out)
    assert check(p, sol) == []
    assert len(sol.served) > 0


def test_our_output_reads_back_and_checks():
    p = week_problem()
    sol = solve(p, time_limit=2, seed=1)
    out = json.loads(json.dumps(solution_to_json(p, sol)))
    assert out["code"] == 0
    assert out["summary"]["unassigned"] == len(out["unassigned"])
    for u in out["unassigned"]:
        assert u["reason_code"] and u["reason"]
    for r in out["routes"]:
        assert [s["type"] for s in r["steps"]][0] == "start"
        assert r["steps"][-1]["type"] == "end"
        for s in r["steps"]:
            assert {"arrival", "duration", "service", "waiting_time"} <= s.keys()
    back = solution_from_json(p, out)
    assert check(p, back) == []
    assert back.travel == sol.travel


def test_null_in_a_matrix_means_unreachable():
    data = {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0}],
        "jobs": [{"id": 1, "location_index": 1}, {"id": 2, "location_index": 2}],
        "matrices": {"car": {"durations": [[0, 5, None], [5, 0, None], [None, None, 0]]}},
    }
    p = problem_from_json(data)
    sol = solve(p, time_limit=1, seed=1)
    assert sol.served == ("1",)
    assert [(u.visit, u.code) for u in sol.unassigned] == [("2", "unreachable")]


@pytest.mark.parametrize(
    "patch, words",
    [
        ({"jobs": [{"id": 3, "location_index": 1, "priority": 200}]}, ["Job 3", "'priority'"]),
        ({"jobs": [{"id": 4, "location_index": 7}]}, ["Job 4", "'location_index'"]),
        ({"jobs": [{"id": 5, "location_index": 1, "time_windows": [[10, 5]]}]}, ["Job 5", "time_windows"]),
        ({"vehicles": [{"id": 9, "start_index": 0, "profile": "bike"}]}, ["Fahrzeug 9", "'profile'"]),
        ({"vehicles": [{"id": 8, "start_index": 0, "max_travel_time": 5}]}, ["Fahrzeug 8", "max_travel_time"]),
        ({"matrices": None}, ["'matrices'"]),
        ({"jobs": [{"id": 6, "location_index": 1, "delivery": [1]}]},
         ["Job 6, Feld 'delivery': 1 Menge, aber die Fahrzeuge haben keine Kapazität "
          "(Feld 'capacity')."]),
        ({"jobs": [{"id": 7, "location_index": 1, "pickup": [1, 2]}],
          "vehicles": [{"id": 1, "start_index": 0, "capacity": [4]}]},
         ["Job 7, Feld 'pickup': 2 Mengen, aber die Fahrzeuge haben nur 1 Kapazität"]),
        # qa19_c #7: these two said „Besuch“ (the model's word) where the rest says „Job“
        ({"jobs": [{"id": 1, "location_index": 1}, {"id": 1, "location_index": 1}]},
         ["Job 1, Feld 'id': die Kennung ist doppelt vergeben."]),
        ({"jobs": [{"id": 2, "location_index": 1, "time_windows": []}]},
         ["Job 2, Feld 'time_windows': leere Liste"]),
        ({"vehicles": [{"id": 3, "start_index": 0, "breaks": [
            {"id": 1, "service": 60}, {"id": 1, "service": 60}]}]},
         ["Fahrzeug 3, Pause 1, Feld 'id': die Kennung ist doppelt vergeben"]),
        ({"vehicles": [{"id": 4, "start_index": 0, "time_window": [0, 36000], "breaks": [
            {"id": 5, "service": 600, "time_windows": [[40000, 41000]]}]}]},
         ["Fahrzeug 4, Pause 5, Feld 'time_windows': die Pause passt nicht",
          "(0–36000)"]),
    ],
)
def test_invalid_input_names_the_job_or_vehicle_and_field(patch, words):
    data = {
        "vehicles": [{"id": 1, "start_index": 0}],
        "jobs": [{"id": 1, "location_index": 1}],
        "matrices": {"car": {"durations": [[0, 1], [1, 0]]}},
    }
    data.update(patch)
    with pytest.raises(RoutingInputError) as exc:
        problem_from_json(data)
    for w in words:
        assert w in str(exc.value)


def _assert_steps_add_up(out: dict) -> None:
    """VROOM's reading of its output: a step's arrival + waiting_time + service + the
    travel to the next step (the growth of the cumulative ``duration``) is the next
    step's arrival; the route's and the summary's waiting_time are the steps' sums."""
    for r in out["routes"]:
        steps = r["steps"]
        for a, b in zip(steps, steps[1:], strict=False):
            leg = b["duration"] - a["duration"]
            assert leg >= 0, (a, b)
            assert a["arrival"] + a["waiting_time"] + a["service"] + leg == b["arrival"], (a, b)
        assert r["waiting_time"] == sum(s["waiting_time"] for s in steps)
        assert steps[-1]["duration"] == r["duration"]
    assert out["summary"]["waiting_time"] == sum(r["waiting_time"] for r in out["routes"])


def test_idle_time_before_a_break_is_its_waiting_time():
    """A team done at 0:06:40 whose break window opens at 1:00 walks on (2:30) and waits
    at the next place until its break: those 50:50 are the break's waiting time (before,
    they were in no field and the route's figures did not add up)."""
    p = Problem(
        (Visit("A", 1, service=300), Visit("B", 2, service=300,
                                            time_windows=(TimeWindow(5000, 6000),))),
        (Team("T", (Shift(0, TimeWindow(0, 20000),
                          (Break(TimeWindow(3600, 4300), 600),)),), start=0, end=0),),
        1, {"car": np.array([[0, 100, 200], [100, 0, 150], [200, 150, 0]])})
    sol = solve(p, time_limit=1, seed=1)
    out = json.loads(json.dumps(solution_to_json(p, sol)))
    steps = out["routes"][0]["steps"]
    assert [s.get("description") for s in steps] == [None, "A", "Pause", "B", None]
    brk = steps[2]
    assert (brk["arrival"], brk["waiting_time"], brk["duration"]) == (550, 3050, 250)
    assert out["summary"]["waiting_time"] == 3050 + 800
    _assert_steps_add_up(out)
    back = solution_from_json(p, out)
    assert check(p, back) == []
    assert [s.service_start for s in back.routes[0].steps] == [
        s.service_start for s in sol.routes[0].steps]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_route_of_a_week_adds_up(seed):
    p = week_problem(seed=seed)
    out = json.loads(json.dumps(solution_to_json(p, solve(p, time_limit=1, seed=seed))))
    assert any(s["type"] == "break" for r in out["routes"] for s in r["steps"])
    _assert_steps_add_up(out)


def test_ids_up_to_uint64_are_kept():
    """VROOM's ids are uint64: ids of 19 and 20 digits come back as given (before, one
    such id renumbered every job 1, 2, 3 and the output named the wrong jobs)."""
    big, top = 10**18, 2**64 - 1
    data = {"vehicles": [{"id": top, "start_index": 0, "end_index": 0,
                          "time_window": [0, 2000]}],
            "jobs": [{"id": big, "location_index": 3}, {"id": 1, "location_index": 1},
                     {"id": 2, "location_index": 2}],
            "matrices": {"car": {"durations": [[0, 600, 900, 1200], [600, 0, 400, 900],
                                               [900, 400, 0, 300], [1200, 900, 300, 0]]}}}
    p = problem_from_json(data)
    out = json.loads(json.dumps(solution_to_json(p, solve(p, time_limit=1, seed=1))))
    served = {s["id"]: s["location_index"] for r in out["routes"] for s in r["steps"]
              if s["type"] == "job"}
    missed = {u["id"]: u["location_index"] for u in out["unassigned"]}
    assert {**served, **missed} == {big: 3, 1: 1, 2: 2}
    assert [r["vehicle"] for r in out["routes"]] == [top]


def test_descriptions_come_back_and_distance_only_with_distances():
    """A VROOM input's descriptions come back as given and none is made up where none
    was given (as from VROOM); without a distance matrix no distance is written (VROOM
    writes none: 0 m would be a wrong answer, not an unknown one)."""
    data = {"vehicles": [{"id": 4, "start_index": 0, "end_index": 0, "description": "Nord",
                          "breaks": [{"id": 2, "service": 60, "description": "Mittag"}]}],
            "jobs": [{"id": 1, "location_index": 1, "description": "Kunde A"},
                     {"id": 2, "location_index": 2}],
            "matrices": {"car": {"durations": [[0, 60, 90], [60, 0, 40], [90, 40, 0]]}}}
    p = problem_from_json(data)
    back = problem_from_json(json.loads(json.dumps(problem_to_json(p))))
    assert (back.visits, back.teams) == (p.visits, p.teams)
    out = json.loads(json.dumps(solution_to_json(p, solve(p, time_limit=1, seed=1))))
    (route,) = out["routes"]
    assert route["description"] == "Nord"
    texts = {(s["type"], s.get("id")): s.get("description") for s in route["steps"]}
    assert texts == {("start", None): None, ("job", 1): "Kunde A", ("job", 2): None,
                     ("break", 2): "Mittag", ("end", None): None}
    assert "distance" not in out["summary"] and "distance" not in route
    assert not any("distance" in s for s in route["steps"])
    data["matrices"]["car"]["distances"] = [[0, 600, 900], [600, 0, 400], [900, 400, 0]]
    out = solution_to_json(problem_from_json(data), solve(problem_from_json(data),
                                                          time_limit=1, seed=1))
    assert out["summary"]["distance"] == out["routes"][0]["distance"] > 0
    with pytest.raises(RoutingInputError, match="Job 1, Feld 'description'"):
        problem_from_json({**data, "jobs": [{"id": 1, "location_index": 1, "description": 7}]})


_SMALL = ('"vehicles": [{"id": 1, "start_index": 0, "end_index": 0}], '
          '"matrices": {"car": {"durations": [[0, 5], [5, 0]]}}')


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"jobs": [{"id": 1, "location_index": 1}], "jobs": [], ' + _SMALL + "}",
         "probe.json: der Schlüssel 'jobs' steht zweimal im selben Objekt; VROOM liest den "
         "ersten"),
        ('{"jobs": [{"id": 7, "location_index": 1, "service": 60, "service": 600}], '
         + _SMALL + "}", "der Schlüssel 'service' steht zweimal im selben Objekt (im Objekt mit id 7)"),
    ],
)
def test_duplicate_keys_are_refused(text, message):
    with pytest.raises(RoutingInputError) as info:
        problem_from_text(text, "probe.json")
    assert message in str(info.value)


@pytest.mark.parametrize("fmt", [2, "1", True, 0])
def test_unknown_extension_format_is_refused(fmt):
    data = problem_to_json(week_problem(4))
    assert data["hausbesuch"]["format"] == 1
    problem_from_json(json.loads(json.dumps(data)))  # format 1 is read
    data["hausbesuch"]["format"] = fmt
    with pytest.raises(RoutingInputError, match=r"Feld 'hausbesuch.format': Format .* ist "
                                                r"unbekannt; diese Version liest Format 1"):
        problem_from_json(json.loads(json.dumps(data)))
    data["hausbesuch"] = [1]
    with pytest.raises(RoutingInputError, match="Feld 'hausbesuch': Objekt erwartet"):
        problem_from_json(json.loads(json.dumps(data)))


def _typed(*vehicles: dict, job: dict) -> dict:
    return {
        "vehicles": [{"start_index": 0, "end_index": 0, **v} for v in vehicles],
        "jobs": [{"id": 1, "location_index": 1, "service": 600, **job},
                 {"id": 2, "location_index": 1, "service": 300}],
        "matrices": {"car": {"durations": [[0, 60], [60, 0]]}},
    }


@pytest.mark.parametrize(
    "data, words",
    [
        (_typed({"id": 1, "type": "foot"}, {"id": 2, "type": "car"},
                job={"service_per_type": {"foot": 1800}}),
         ["Job 1, Feld 'service_per_type': je Fahrzeugtyp verschiedene Dauern (Typ 'car' "
          "600 s, Typ 'foot' 1800 s) werden nicht unterstützt"]),
        (_typed({"id": 1, "type": "foot"}, {"id": 2},
                job={"setup": 60, "setup_per_type": {"foot": 600}}),
         ["Job 1, Feld 'setup_per_type'", "(ohne Typ 660 s, Typ 'foot' 1200 s)"]),
        (_typed({"id": 1, "type": 3}, job={}), ["Fahrzeug 1, Feld 'type': Zeichenkette"]),
        (_typed({"id": 1}, job={"service_per_type": [600]}),
         ["Job 1, Feld 'service_per_type': Objekt (Fahrzeugtyp: Sekunden) erwartet"]),
        (_typed({"id": 1}, job={"setup_per_type": {"": 5}}),
         ["Job 1, Feld 'setup_per_type': leerer Fahrzeugtyp"]),
        (_typed({"id": 1}, job={"service_per_type": {"foot": "7"}}),
         ["Job 1, Fahrzeugtyp 'foot', Feld 'service_per_type': nicht negative ganze Zahl"]),
    ],
)
def test_durations_per_vehicle_type_the_model_cannot_hold_are_refused(data, words):
    """qa12_f #3: a visit has one duration; VROOM's per-type durations that differ between
    the vehicles able to take the job are refused (before: silently ignored)."""
    with pytest.raises(RoutingInputError) as exc:
        problem_from_json(data)
    for w in words:
        assert w in str(exc.value)


def test_durations_per_vehicle_type_that_agree_are_the_visit_duration():
    """Only vehicles with the job's skills count; a type no vehicle has changes nothing."""
    data = _typed({"id": 1, "type": "foot", "skills": [4]}, {"id": 2, "type": "car"},
                  job={"skills": [4], "service_per_type": {"foot": 1800, "bike": 5},
                       "setup": 60, "setup_per_type": {"car": 900}})
    data["jobs"][1].update(service_per_type={"bike": 99}, setup_per_type={"boat": 7})
    p = problem_from_json(data)
    assert [v.service for v in p.visits] == [1860, 300]


@pytest.mark.parametrize(
    "costs, words",
    [
        ({"fixed": 1000}, "Fahrzeug 1, Feld 'costs.fixed': Fixkosten je eingesetztem Fahrzeug "
                          "werden nicht unterstützt"),
        ({"per_task_hour": 3600}, "Feld 'costs.per_task_hour': Kosten je Stunde Besuchszeit"),
        ({"per_km": 5}, "Feld 'costs.per_km': Kosten je Kilometer"),
        ({"per_hour": 7200}, "Feld 'costs.per_hour': nur 3600 wird unterstützt"),
        ({"fixed": -1}, "Feld 'costs.fixed': nicht negative ganze Zahl"),
        ({"per_hour": 3600.5}, "Feld 'costs.per_hour': nicht negative ganze Zahl"),
        (5, "Fahrzeug 1, Feld 'costs': Objekt erwartet"),
    ],
)
def test_vehicle_costs_other_than_travel_time_are_refused(costs, words):
    """qa12_f #3: VROOM's vehicle costs change its plan and its cost; they were ignored."""
    data = _typed({"id": 1, "costs": costs}, job={})
    with pytest.raises(RoutingInputError) as exc:
        problem_from_json(data)
    assert words in str(exc.value)


def test_default_vehicle_costs_are_read_and_cost_matrices_refused():
    data = _typed({"id": 1, "costs": {"fixed": 0, "per_hour": 3600, "per_km": 0,
                                      "per_task_hour": 0, "other": 9}}, job={})
    assert len(problem_from_json(data).visits) == 2
    data["matrices"]["car"]["costs"] = [[0, 1], [1, 0]]
    with pytest.raises(RoutingInputError, match=r"Profil 'car', Feld 'costs': eigene "
                                                r"Kostenmatrizen werden nicht unterstützt"):
        problem_from_json(data)


@pytest.mark.parametrize(
    "windows, ok",
    [([[50, 60], [10, 20]], True), ([[10, 20], [20, 30]], False), ([[10, 20], [10, 20]], False),
     ([[10, 40], [20, 30]], False)],
)
def test_job_windows_may_be_unsorted_but_not_overlap_or_touch(windows, ok):
    """qa12_f #6: as VROOM ("Unsorted or overlapping time-windows"); before, merged."""
    data = _typed({"id": 1}, job={"time_windows": windows})
    if ok:
        assert problem_from_json(data).visits[0].time_windows == (TimeWindow(10, 20),
                                                                  TimeWindow(50, 60))
    else:
        with pytest.raises(RoutingInputError, match=r"Job 1, Feld 'time_windows': die "
                                                    r"Zeitfenster .* überschneiden sich"):
            problem_from_json(data)


def test_a_break_needs_an_id_and_an_input_a_job():
    """qa12_f #6: VROOM refuses both ("Invalid or missing id for break", "No task
    defined"); before, ours accepted them."""
    data = _typed({"id": 1, "breaks": [{"id": 3, "service": 60}, {"service": 60}]}, job={})
    with pytest.raises(RoutingInputError, match=r"Fahrzeug 1, Pause #2, Feld 'id': fehlt"):
        problem_from_json(data)
    for jobs in ([], None):
        data = _typed({"id": 1}, job={})
        data["jobs"] = jobs
        with pytest.raises(RoutingInputError, match=r"Feld 'jobs': keine Aufträge"):
            problem_from_json(data)


def test_duplicate_vehicle_ids_stay_refused():
    """VROOM accepts two vehicles with one id; the model names teams by their id (pins,
    routes, re-plans), so ours refuses it: a documented deviation (module doc, README)."""
    data = _typed({"id": 1}, {"id": 1}, job={})
    with pytest.raises(RoutingInputError, match=r"Fahrzeug 1, Feld 'id': die Kennung ist "
                                                r"doppelt vergeben"):
        problem_from_json(data)
