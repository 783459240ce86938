"""VROOM parity: our output has the keys, ids and units pyvroom gives for the same input.

Each input is solved by ``hausbesuch``'s solver (through the VROOM JSON layer, as
``hausbesuch solve`` does) and by pyvroom (``import vroom``). The outputs are compared
key by key (summary, routes, steps per type, unassigned); our extra keys are a fixed,
documented set. On these small inputs both reach the optimum: served priority, number
served and cost must be equal.
"""

from __future__ import annotations

import copy
import json

import numpy as np
import pytest

from routing.check import check
from routing.solve import solve
from routing.vroom_json import problem_from_json, solution_from_json, solution_to_json

vroom = pytest.importorskip("vroom")

#: Keys we add to VROOM's output (German reasons, team and day, our stats). ``distance``:
#: pyvroom's ``to_dict`` leaves it out; the ``vroom`` command writes it, as we do, when the
#: input has distances (none without: tests/test_routing_json.py). Descriptions come back
#: as VROOM gives them (as given, none where none was given).
EXTRA = {"distance", "team", "day", "reason_code", "reason", "hausbesuch"}

#: Step keys given for some jobs only (as in the input): compared per id.
PER_ID = {"description", "location"}

XY = [(0, 0), (300, 100), (600, 500), (-200, 400), (100, -500), (-400, -300), (700, -200),
      (200, 700)]
DUR = np.rint(np.hypot(*(np.array(XY)[:, None, :] - np.array(XY)[None, :, :]).transpose(
    2, 0, 1))).astype(int).tolist()


def base(n_jobs: int = 6, **veh) -> dict:
    v = {"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 20_000], **veh}
    return {
        "vehicles": [v],
        "jobs": [{"id": i, "location_index": i, "service": 300} for i in range(1, n_jobs + 1)],
        "matrices": {"car": {"durations": DUR}},
    }


def _tsp():
    return base(7)


def _two_vehicles_skills():
    d = base(6)
    d["vehicles"].append({"id": 2, "start_index": 0, "end_index": 0,
                          "time_window": [0, 20_000], "skills": [5]})
    d["vehicles"][0]["skills"] = [1]
    for j in d["jobs"]:
        j["skills"] = [5] if j["id"] % 2 else [1]
    return d


def _priorities_short_shift():
    d = base(7, time_window=[0, 3000])
    for j in d["jobs"]:
        j["priority"] = 10 * j["id"]
    return d


def _several_windows():
    d = base(5)
    d["jobs"][0]["time_windows"] = [[0, 100], [4000, 4500]]
    d["jobs"][1]["time_windows"] = [[1000, 1500], [6000, 7000]]
    d["jobs"][2]["time_windows"] = [[2500, 3000]]
    return d


def _breaks_with_ids():
    d = base(6)
    d["vehicles"][0]["breaks"] = [
        {"id": 17, "service": 600, "time_windows": [[1500, 2500]]},
        {"id": 4, "service": 300, "time_windows": [[3500, 6000]]},
    ]
    return d


def _two_dim_delivery():
    d = base(6, capacity=[4, 3])
    d["vehicles"].append({"id": 2, "start_index": 0, "end_index": 0,
                          "time_window": [0, 20_000], "capacity": [4, 3]})
    for j in d["jobs"]:
        j["delivery"] = [1, j["id"] % 2]
    return d


def _two_dim_pickup():
    d = base(5, capacity=[3, 2])
    for j in d["jobs"]:
        j["pickup"] = [1, 1 if j["id"] < 3 else 0]
    return d


def _max_tasks_unassigned():
    d = base(6, max_tasks=3)
    for j in d["jobs"]:
        j["priority"] = j["id"]
    return d


def _open_end():
    d = base(5)
    del d["vehicles"][0]["end_index"]
    return d


def _open_start():
    d = base(5)
    del d["vehicles"][0]["start_index"]
    return d


def _impossible_skill():
    d = base(4)
    d["jobs"].append({"id": 9, "location_index": 7, "service": 300, "skills": [42]})
    return d


def _everything():
    d = _two_dim_delivery()
    d["vehicles"][0]["breaks"] = [{"id": 3, "service": 900, "time_windows": [[2000, 4000]]}]
    d["vehicles"][1]["skills"] = [7]
    d["jobs"][0]["skills"] = [7]
    d["jobs"][1]["time_windows"] = [[0, 500], [3000, 3500]]
    d["jobs"][2]["priority"] = 50
    d["jobs"].append({"id": 20, "location_index": 7, "service": 300, "skills": [99]})
    return d


def _descriptions_and_distances():
    d = _breaks_with_ids()
    d["vehicles"][0]["description"] = "Team Nord"
    d["vehicles"][0]["breaks"][0]["description"] = "Mittag"
    for j in d["jobs"][:4]:
        j["description"] = f"Kunde K-{j['id']}"
    d["jobs"].append({"id": 9, "location_index": 7, "service": 300, "skills": [42],
                      "description": "ohne Team"})
    d["matrices"]["car"]["distances"] = [[round(x * 1.3) for x in row] for row in DUR]
    return d


def _coordinates():
    """Coordinates next to the indices (qa19_c #3): VROOM gives each job's ``location``
    and the vehicle's ``start``/``end`` back in the steps and ``unassigned``; one job has
    none, one no vehicle can take."""
    d = _impossible_skill()
    d["vehicles"][0].update(start=[9.7, 50.86], end=[9.71, 50.861])
    for j in d["jobs"]:
        if j["id"] != 2:
            j["location"] = [round(9.7 + XY[j["location_index"]][0] / 1e4, 6),
                             round(50.87 + XY[j["location_index"]][1] / 1e4, 6)]
    return d


def _coordinates_open_start():
    """An open start: VROOM reports the first job's coordinates at the start step."""
    d = _coordinates()
    del d["vehicles"][0]["start_index"], d["vehicles"][0]["start"]
    return d


CASES = {f.__name__[1:]: f for f in (
    _tsp, _two_vehicles_skills, _priorities_short_shift, _several_windows, _breaks_with_ids,
    _two_dim_delivery, _two_dim_pickup, _max_tasks_unassigned, _open_end, _open_start,
    _impossible_skill, _everything, _descriptions_and_distances, _coordinates,
    _coordinates_open_start,
)}


#: Inputs where pyvroom (exploration level 5) ends above the cost we reach; both plans
#: pass our checker.
KNOWN_BETTER = {"two_dim_pickup"}


def _ours(data: dict) -> tuple[dict, object]:
    problem = problem_from_json(copy.deepcopy(data))
    sol = solve(problem, time_limit=1.5, seed=1, threads=1)
    assert check(problem, sol) == []
    return json.loads(json.dumps(solution_to_json(problem, sol))), problem


def _theirs(data: dict, tmp_path) -> dict:
    src = tmp_path / "in.json"
    src.write_text(json.dumps(data))
    out = vroom.Input.from_json(str(src)).solve(exploration_level=5, nb_threads=1)
    return json.loads(json.dumps(out.to_dict()))


def _same_keys(ours: dict, theirs: dict, where: str) -> None:
    missing = set(theirs) - set(ours)
    extra = set(ours) - set(theirs) - EXTRA
    assert not missing, f"{where}: keys missing {sorted(missing)}"
    assert not extra, f"{where}: keys VROOM does not have {sorted(extra)}"
    for k, v in theirs.items():
        o = ours[k]
        assert type(o) is type(v) or {type(o), type(v)} <= {int, float}, f"{where}.{k}"
        if isinstance(v, list) and v and not isinstance(v[0], dict):
            assert len(o) == len(v), f"{where}.{k}: {o} vs {v}"  # dimensions of loads


@pytest.mark.parametrize("name", sorted(CASES))
def test_output_keys_ids_and_cost_match_pyvroom(name, tmp_path):
    data = CASES[name]()
    ours, problem = _ours(data)
    theirs = _theirs(data, tmp_path)
    assert ours["code"] == theirs["code"] == 0
    _same_keys(ours, theirs, "output")
    _same_keys(ours["summary"], theirs["summary"], "summary")
    _same_keys(ours["summary"]["computing_times"], theirs["summary"]["computing_times"],
               "computing_times")
    theirs_steps = {s["type"]: s for r in theirs["routes"] for s in r["steps"]}
    for r in ours["routes"]:
        for t in theirs["routes"][:1]:
            _same_keys(r, t, "route")
        for s in r["steps"]:
            if s["type"] in theirs_steps:  # (descriptions and coordinates: per id, below)
                _same_keys({k: v for k, v in s.items() if k not in PER_ID},
                           {k: v for k, v in theirs_steps[s["type"]].items()
                            if k not in PER_ID}, f"step {s['type']}")
            assert s["violations"] == []
        assert r["violations"] == []
    for u, t in zip(ours["unassigned"], theirs["unassigned"], strict=False):
        _same_keys({k: v for k, v in u.items() if k not in PER_ID},
                   {k: v for k, v in t.items() if k not in PER_ID}, "unassigned")
    # ids: jobs keep their ids, breaks their ids, vehicles theirs
    job_ids = {j["id"] for j in data["jobs"]}
    break_ids = {b["id"] for v in data["vehicles"] for b in v.get("breaks", [])}
    for out in (ours, theirs):
        for r in out["routes"]:
            for s in r["steps"]:
                if s["type"] == "job":
                    assert s["id"] in job_ids and s["job"] == s["id"]
                if s["type"] == "break":
                    assert s["id"] in break_ids
    # descriptions as given (none where none was given), per job, break and vehicle
    def texts(out: dict) -> dict:
        t = {("u", u["id"]): u.get("description") for u in out["unassigned"]}
        for r in out["routes"]:
            t[("v", r["vehicle"])] = r.get("description")
            t.update({(s["type"], s.get("id")): s.get("description") for s in r["steps"]})
        return t

    mine, vroom_texts = texts(ours), texts(theirs)
    both = mine.keys() & vroom_texts.keys()  # (the plans may differ: KNOWN_BETTER)
    assert len(both) >= len(mine) // 2
    assert {k: mine[k] for k in both} == {k: vroom_texts[k] for k in both}
    # units: service as VROOM computes it (jobs and breaks), duration = travel
    for out in (ours, theirs):
        for r in out["routes"]:
            assert r["service"] == sum(s["service"] for s in r["steps"])
            assert r["duration"] == r["steps"][-1]["duration"]
        assert out["summary"]["service"] == sum(r["service"] for r in out["routes"])
    # the same optimum (small inputs): priority, served count and cost; where pyvroom
    # stops above it (the pickup case: 2,069 against our 1,987) ours must be the lower
    assert ours["summary"]["priority"] == theirs["summary"]["priority"]
    assert ours["summary"]["unassigned"] == theirs["summary"]["unassigned"]
    if name in KNOWN_BETTER:
        assert ours["summary"]["cost"] < theirs["summary"]["cost"]
    else:
        assert ours["summary"]["cost"] == theirs["summary"]["cost"], (
            ours["summary"], theirs["summary"])
    # coordinates as given (none where none was given), per job, start and end
    def places(out: dict) -> dict:
        p = {("u", u["id"]): u.get("location") for u in out["unassigned"]}
        for r in out["routes"]:
            p.update({(s["type"], s.get("id"), r["vehicle"]): s.get("location")
                      for s in r["steps"] if s["type"] != "break"})
        return p

    mine, vroom_places = places(ours), places(theirs)
    both = mine.keys() & vroom_places.keys()
    assert len(both) >= len(mine) // 2
    for k in both:  # (VROOM's JSON reader may be off in the last bit)
        assert (mine[k] is None) == (vroom_places[k] is None), k
        assert mine[k] is None or mine[k] == pytest.approx(vroom_places[k], rel=1e-14), k
    # pyvroom's plan reads back into our model and passes our checker
    assert check(problem, solution_from_json(problem, theirs)) == []


def test_coordinates_come_back_as_given(tmp_path):
    """qa19_c #3: the input's coordinates were only checked, and dropped from the output."""
    ours, _ = _ours(_coordinates())
    steps = ours["routes"][0]["steps"]
    assert steps[0]["location"] == [9.7, 50.86] and steps[-1]["location"] == [9.71, 50.861]
    xy = {j["id"]: j.get("location") for j in _coordinates()["jobs"]}
    for s in steps[1:-1]:
        assert s.get("location") == xy[s["id"]]
    assert [(u["id"], u["location"]) for u in ours["unassigned"]] == [(9, xy[9])]
    assert xy[2] is None  # job 2 has none: its step has none


@pytest.mark.parametrize("key", ["start", "end"])
def test_coordinates_without_an_index_are_refused_as_by_vroom(key, tmp_path):
    """With custom matrices a vehicle's ``start``/``end`` needs its index; before, the
    coordinates were ignored and the route ran open at that end."""
    from routing.errors import RoutingInputError

    data = _coordinates()
    del data["vehicles"][0][f"{key}_index"]
    with pytest.raises(RoutingInputError, match=f"'{key}_index': fehlt zu '{key}'"):
        problem_from_json(copy.deepcopy(data))
    with pytest.raises(Exception, match="Missing start_index or end_index"):
        _theirs(data, tmp_path)


@pytest.mark.parametrize("bad", [[9.7], "9.7,50.8", [True, 50.8], [10**400, 50.8],
                                 [9.7, -10**400]])
def test_malformed_coordinates_are_refused(bad, tmp_path):
    from routing.errors import RoutingInputError

    data = _coordinates()
    data["jobs"][0]["location"] = bad
    with pytest.raises(RoutingInputError, match=r"Job 1, Feld 'location': \[Länge, Breite\]"):
        problem_from_json(copy.deepcopy(data))


# -- service and setup per vehicle type (VROOM 1.15) ---------------------------------------

#: qa12_f #3: the durations of the QA report's input, a shift too short for all four jobs
#: once job 1 takes 2 h (``service_per_type``) and job 2 1 h more (``setup_per_type``).
PER_TYPE_DUR = [[0, 600, 900, 1200, 800], [600, 0, 500, 700, 400], [900, 500, 0, 300, 600],
                [1200, 700, 300, 0, 500], [800, 400, 600, 500, 0]]


def _per_type_input() -> dict:
    return {
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [28800, 45000],
                      "type": "foot"}],
        "jobs": [
            {"id": 1, "location_index": 1, "service": 1800, "service_per_type": {"foot": 7200}},
            {"id": 2, "location_index": 2, "service": 1800, "setup_per_type": {"foot": 3600},
             "priority": 10},
            {"id": 3, "location_index": 3, "service": 1800},
            {"id": 4, "location_index": 4, "service": 1800, "service_per_type": {"bike": 9000}},
        ],
        "matrices": {"car": {"durations": PER_TYPE_DUR}},
    }


def test_service_and_setup_per_vehicle_type_as_vroom(tmp_path):
    """Every vehicle that can take a job has one type: its service and setup for that type
    are the visit's duration. Before, both keys were ignored: all four jobs 'fitted' the
    shift with 30 minutes each, and the team would have come 90 minutes late."""
    data = _per_type_input()
    ours, problem = _ours(data)
    theirs = _theirs(data, tmp_path)
    assert {v.id: v.service for v in problem.visits} == {"1": 7200, "2": 5400, "3": 1800,
                                                         "4": 1800}
    assert [u["id"] for u in ours["unassigned"]] == [u["id"] for u in theirs["unassigned"]] == [1]
    assert ours["summary"]["cost"] == theirs["summary"]["cost"]
    assert ours["summary"]["priority"] == theirs["summary"]["priority"]
    # VROOM reports the setup apart, we add it to the service (module doc)
    assert ours["summary"]["service"] == theirs["summary"]["service"] + theirs["summary"]["setup"]
    ours_end = ours["routes"][0]["steps"][-1]["arrival"] - ours["routes"][0]["steps"][0]["arrival"]
    theirs_end = (theirs["routes"][0]["steps"][-1]["arrival"]
                  - theirs["routes"][0]["steps"][0]["arrival"])
    assert ours_end == theirs_end
    # VROOM's plan (setup apart) reads back and passes our checker with these durations
    assert check(problem, solution_from_json(problem, theirs)) == []
