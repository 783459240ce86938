"""``hausbesuch solve``: VROOM input runs unchanged; bad input exits with code 2."""

from __future__ import annotations

import json
import os

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app
from hausbesuch.commands.solve import _write_json
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


def test_dash_reads_standard_input(tmp_path):
    """qa19_c #4: '-' reads the problem from standard input, as VROOM does; before, it was
    "Datei nicht gefunden: -"."""
    out = tmp_path / "solution.json"
    res = CliRunner().invoke(app, ["solve", "-", "-t", "1", "--seed", "1", "--threads", "1",
                                   "--out", str(out)],
                             input="\ufeff" + json.dumps(VROOM_INPUT))
    assert res.exit_code == 0, res.output
    sol = json.loads(out.read_text())
    assert sol["code"] == 0 and {u["id"] for u in sol["unassigned"]} == {7}
    assert "4 von 5 Jobs eingeplant in" in res.output  # VROOM's word, as in its messages
    res = CliRunner().invoke(app, ["solve", "-", "-t", "1", "--out", str(out)],
                             input='{"jobs": [}')
    assert res.exit_code == 2
    assert "Standardeingabe: kein gültiges JSON" in res.output
    assert json.loads(out.read_text())["code"] == 2
    res = CliRunner().invoke(app, ["solve", "-", "-t", "1"], input=b"\xff\xfe{}")
    assert res.exit_code == 2 and "Standardeingabe: kein UTF-8-Text." in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--seed", "-5"], "--seed: eine ganze Zahl von 0 bis 4294967295, erhalten -5."),
        (["--seed", str(2**32)], "--seed: eine ganze Zahl von 0 bis 4294967295"),
        (["--time-limit", "inf"], "--time-limit: zwischen 0,1 und 86400 Sekunden, erhalten inf."),
        (["--time-limit", "nan"], "--time-limit: zwischen 0,1 und 86400 Sekunden"),
        (["--time-limit", "0"], "--time-limit: zwischen 0,1 und 86400 Sekunden, erhalten 0.0."),
        (["--time-limit", "1e9"], "--time-limit: zwischen 0,1 und 86400 Sekunden"),
        (["--threads", "0"], "--threads: zwischen 1 und 16, erhalten 0."),
        (["--threads", "1000"], "--threads: zwischen 1 und 16, erhalten 1000."),
    ],
)
def test_bad_options_are_refused_in_german(tmp_path, args, message):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(VROOM_INPUT))
    out = tmp_path / "solution.json"
    res = CliRunner().invoke(app, ["solve", str(src), "-t", "1", "--out", str(out), *args])
    assert res.exit_code == 2, res.output
    assert message in " ".join(res.output.split())
    assert "Traceback" not in res.output and "greater than" not in res.output
    assert not out.exists()


def test_out_must_be_a_file(tmp_path):
    src = tmp_path / "problem.json"
    src.write_text(json.dumps(VROOM_INPUT))
    folder = tmp_path / "ordner"
    folder.mkdir()
    res = CliRunner().invoke(app, ["solve", str(src), "-t", "1", "--out", str(folder)])
    assert res.exit_code == 2, res.output
    assert f"--out: {folder} ist ein Ordner" in res.output
    assert list(folder.iterdir()) == []
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    res = CliRunner().invoke(app, ["solve", str(src), "-t", "1", "--out", str(fifo)])
    assert res.exit_code == 2, res.output
    assert "keine gewöhnliche Datei" in res.output and fifo.exists()
    # the input-error path writes its code to --out too: also refused, not a traceback
    res = CliRunner().invoke(app, ["solve", str(tmp_path / "nope.json"), "--out", str(folder)])
    assert res.exit_code == 2 and "ist ein Ordner" in res.output


def test_solution_file_is_strict_json(tmp_path):
    with pytest.raises(ValueError):
        _write_json(tmp_path / "x.json", {"time_limit": float("inf")})
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_loads_no_database_or_solver_code_before_a_command_needs_it() -> None:
    """QA 33a F4: ``hausbesuch solve`` on two visits took 2.3–4.7 s on a loaded machine,
    about 1.2 s of it imports: the ``cleanup`` command pulled the web's retention module
    and with it SQLAlchemy, ``solve`` the routing package and NumPy, for every command. The
    command list loads neither; each command imports what it runs. Nor does the letters
    module at import (review 33 #7: it pulled the casework package and SQLAlchemy)."""
    import subprocess
    import sys

    code = ("import sys, hausbesuch.cli, hausbesuch.letters; "
            "print(sorted(m for m in ('sqlalchemy', 'numpy', 'routing', 'fastapi') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)})
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
