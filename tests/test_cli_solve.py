"""``hausbesuch solve``: VROOM input runs unchanged; bad input exits with code 2."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from hausbesuch.cli import app
from routing.check import check
from routing.vroom_json import load_problem, solution_from_json

# The example of VROOM's API documentation (2 vehicles with skills, capacities, shift
# windows and breaks; jobs with delivery/pickup, skills, windows), with its own matrices
# instead of coordinates, plus a priority and a job no vehicle has the skill for.
VROOM_INPUT = {
    "vehicles": [
        {
            "id": 1, "profile": "car", "start_index": 0, "end_index": 0, "capacity": [4],
            "skills": [1, 14], "time_window": [28800, 43200],
            "breaks": [{"id": 1, "service": 300, "time_windows": [[32400, 34200]]}],
        },
        {
            "id": 2, "profile": "car", "start_index": 0, "end_index": 0, "capacity": [4],
            "skills": [2, 14], "time_window": [28800, 43200], "max_tasks": 3,
            "breaks": [{"id": 2, "service": 300, "time_windows": [[34200, 36000]]}],
        },
    ],
    "jobs": [
        {"id": 1, "service": 300, "delivery": [1], "location_index": 1, "skills": [1],
         "time_windows": [[32400, 36000]]},
        {"id": 2, "service": 300, "delivery": [1], "location_index": 2, "skills": [1]},
        {"id": 5, "service": 300, "delivery": [1], "location_index": 3, "skills": [14]},
        {"id": 6, "service": 300, "delivery": [1], "location_index": 4, "skills": [14],
         "priority": 10, "description": "Kunde 6"},
        {"id": 7, "service": 300, "location_index": 4, "skills": [3]},
    ],
    "matrices": {
        "car": {
            "durations": [
                [0, 2104, 197, 959, 1975],
                [2103, 0, 2255, 2812, 1455],
                [197, 2256, 0, 762, 2172],
                [959, 2813, 762, 0, 2934],
                [1975, 1456, 2172, 2934, 0],
            ],
            "distances": [
                [0, 21040, 1970, 9590, 19750],
                [21030, 0, 22550, 28120, 14550],
                [1970, 22560, 0, 7620, 21720],
                [9590, 28130, 7620, 0, 29340],
                [19750, 14560, 21720, 29340, 0],
            ],
        }
    },
}


def test_vroom_input_runs_unchanged(tmp_path):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(VROOM_INPUT))
    out = tmp_path / "solution.json"
    res = CliRunner().invoke(
        app, ["solve", str(src), "--time-limit", "1", "--out", str(out), "--seed", "1",
              "--threads", "1"]
    )
    assert res.exit_code == 0, res.output
    sol = json.loads(out.read_text())
    assert sol["code"] == 0
    assert {u["id"] for u in sol["unassigned"]} == {7}
    assert sol["unassigned"][0]["reason_code"] == "skill"
    assert sorted(s["id"] for r in sol["routes"] for s in r["steps"] if s["type"] == "job") == [
        1, 2, 5, 6
    ]
    assert {r["vehicle"] for r in sol["routes"]} <= {1, 2}
    problem = load_problem(src)
    assert check(problem, solution_from_json(problem, sol)) == []


def test_invalid_input_exits_2_with_the_code_in_the_output(tmp_path):
    bad = json.loads(json.dumps(VROOM_INPUT))
    bad["jobs"][2]["priority"] = 101
    src = tmp_path / "bad.json"
    src.write_text(json.dumps(bad))
    out = tmp_path / "solution.json"
    res = CliRunner().invoke(app, ["solve", str(src), "-t", "1", "--out", str(out)])
    assert res.exit_code == 2
    assert "Job 5" in res.output and "priority" in res.output
    assert "Traceback" not in res.output
    err = json.loads(out.read_text())
    assert err["code"] == 2 and "Job 5" in err["error"]


def test_broken_json_and_missing_file(tmp_path):
    src = tmp_path / "broken.json"
    src.write_text('{"jobs": [}')
    res = CliRunner().invoke(app, ["solve", str(src), "-t", "1"])
    assert res.exit_code == 2
    assert "kein gültiges JSON" in res.output
    res = CliRunner().invoke(app, ["solve", str(tmp_path / "nope.json"), "-t", "1"])
    assert res.exit_code == 2
    assert "nicht gefunden" in res.output
