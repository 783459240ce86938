"""``hausbesuch solve`` on hostile and broken VROOM inputs, and its time limit.

Every file of ``tests/data/hostile_vroom`` runs through the command: it ends with
exit code 0 (files named ``ok_*``: valid, if odd, input) or 2 (everything else) with a
German message, never a traceback, and within its time limit plus the documented margin.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import routing
from hausbesuch.cli import app
from routing.check import check
from routing.solve import MARGIN_S
from routing.vroom_json import load_problem, solution_from_json

CORPUS = Path(__file__).parent / "data" / "hostile_vroom"
FILES = sorted(CORPUS.glob("*.json"))
LIMIT = 1.0
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module", autouse=True)
def compiled():
    routing.prepare()  # compile/load once; the command would otherwise do it first


def test_corpus_is_there():
    assert len(FILES) >= 30
    assert sum(f.name.startswith("ok_") for f in FILES) >= 5


@pytest.mark.parametrize("path", FILES, ids=[f.stem for f in FILES])
def test_hostile_input_exit_code_message_and_time(path, tmp_path):
    out = tmp_path / "out.json"
    t0 = time.monotonic()
    res = CliRunner().invoke(
        app, ["solve", str(path), "-t", str(LIMIT), "--threads", "1", "--out", str(out)]
    )
    elapsed = time.monotonic() - t0
    assert res.exception is None or isinstance(res.exception, SystemExit), res.exception
    assert "Traceback" not in res.output
    expected = 0 if path.name.startswith("ok_") else 2
    assert res.exit_code == expected, res.output
    data = json.loads(out.read_text())
    if expected == 2:
        assert data["code"] == 2
        assert res.output.startswith("Fehler: ")
        assert data["error"] and "Error" not in data["error"].split(":")[0]
    else:
        assert data["code"] == 0
        problem = load_problem(path)
        assert check(problem, solution_from_json(problem, data)) == []
    # loading and parsing are not part of the limit; these files are small
    assert elapsed < LIMIT + MARGIN_S + 2.0


@pytest.mark.parametrize(
    ("name", "path_text"),
    [
        ("infinity_window.json", None),  # a literal, caught while parsing
        ("float_overflow_service.json", "jobs[2].service"),
        ("huge_int_window.json", "jobs[1].time_windows[0][1]"),
        ("negative_duration.json", "matrices.car.durations[2][3]"),
        ("negative_window.json", "jobs[1].time_windows[0][0]"),
        ("float_in_matrix.json", "matrices.car.durations[1][3]"),
        ("huge_duration_overflows_objective.json", "matrices.car.durations[0][1]"),
        ("medium_nesting.json", "zu tief verschachtelt"),
        ("deep_nesting.json", "zu tief verschachtelt"),
        # qa12_f #3: what VROOM models and we do not is refused, never ignored
        ("costs_fixed.json", "Fahrzeug 2, Feld 'costs.fixed': Fixkosten"),
        ("costs_per_task_hour.json", "Fahrzeug 1, Feld 'costs.per_task_hour'"),
        ("service_per_type_differs.json", "Job 1, Feld 'service_per_type'"),
        # qa12_f #6: refused as VROOM refuses them
        ("no_jobs.json", "Eingabe, Feld 'jobs': keine Aufträge"),
        ("break_without_id.json", "Fahrzeug 1, Pause #1, Feld 'id': fehlt"),
        ("windows_overlap.json", "Job 1, Feld 'time_windows': die Zeitfenster [30000, 40000] "
                                 "und [35000, 45000] überschneiden sich"),
        # QA 24 F6: the project's own section; before, "Soft" read as hard and a pin as a
        # list was dropped, both without a word, and breaks of another shape ended in
        # "unerwarteter Aufbau der Eingabe (AttributeError: …)" with no field
        ("ext_responsibility_capitalised.json",
         "hausbesuch, Feld 'responsibility': 'hard' oder 'soft' erwartet, erhalten 'Soft'."),
        ("ext_amounts_unknown.json",
         "hausbesuch, Feld 'amounts': 'delivery' oder 'pickup' erwartet, erhalten 'Pickup'."),
        ("ext_pin_as_list.json", "Besuch c, Feld 'pin': Objekt (team, day, position, window) "
                                 "erwartet, erhalten ['A', 0]."),
        ("ext_break_not_object.json", "Team A, Schicht 1, Feld 'breaks[0]': Objekt (window, "
                                      "duration) erwartet, erhalten [43200, 46800]."),
        ("ext_breaks_not_list.json", "Team A, Schicht 1, Feld 'breaks': Liste erwartet"),
        ("ext_teams_not_list.json", "hausbesuch, Feld 'teams': Liste erwartet"),
        # QA 24h #4: a lone surrogate (an emoji cut in half) is valid JSON but no UTF-8:
        # solved, then a traceback (UnicodeEncodeError) when the solution was written
        ("lone_surrogate_job.json", "jobs[1].description: der Text enthält ein halbes "
                                    "Zeichen (einzelnes UTF-16-Ersatzzeichen \\ud83d"),
        ("lone_surrogate_vehicle.json", "vehicles[0].description: der Text enthält ein "
                                        "halbes Zeichen (einzelnes UTF-16-Ersatzzeichen \\ud800"),
        # review 24 #7: a visit's "" was read as no skill and entries were not checked
        # ([1, null] became the skills "1" and "None")
        ("ext_visit_skills_empty_string.json",
         "Besuch c, Feld 'skills': Liste von Zeichenketten erwartet, erhalten ''."),
        ("ext_visit_skill_null.json",
         "Besuch a, Feld 'skills': Liste von Zeichenketten erwartet, erhalten [None]."),
        ("ext_team_skill_not_a_name.json",
         "Team B, Feld 'skills': Liste von Zeichenketten erwartet, erhalten [1, None]."),
    ],
)
def test_bad_values_are_named_by_their_json_path(name, path_text):
    res = CliRunner().invoke(app, ["solve", str(CORPUS / name), "-t", "1"])
    assert res.exit_code == 2
    if path_text is not None:
        assert path_text in res.output, res.output


def _one_vehicle_problem(n: int, path: Path) -> None:
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 5000, (n + 1, 2))
    m = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    data = {
        "jobs": [{"id": i, "location_index": i, "service": 300} for i in range(1, n + 1)],
        "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [0, 28800]}],
        "matrices": {"car": {"durations": m.tolist()}},
    }
    path.write_text(json.dumps(data))


@pytest.mark.slow
def test_1500_jobs_on_one_vehicle_with_one_second_returns_within_5_s(tmp_path):
    """Issue 11: the whole command (a fresh process, compiled code cached) within 5 s."""
    src = tmp_path / "big.json"
    _one_vehicle_problem(1500, src)
    out = tmp_path / "out.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "solve", str(src), "-t", "1", "--out", str(out)],
        capture_output=True, text=True, env=env, timeout=120,
    )
    elapsed = time.monotonic() - t0
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    data = json.loads(out.read_text())
    assert data["summary"]["unassigned"] + sum(
        1 for r in data["routes"] for s in r["steps"] if s["type"] == "job"
    ) == 1500
    assert data["summary"]["unassigned"] < 1500  # something was planned
    # 5 s on an idle 2-core machine (about 3.5 s measured: start 0.5, loading the compiled
    # code 1.2, parsing 0.6, solving 1.2); on a machine busier than its cores the fixed
    # costs (and the work after the search) stretch with the load, and so do the bounds
    busy = max(1.0, os.getloadavg()[0] / (os.cpu_count() or 1))
    assert data["hausbesuch"]["elapsed"] <= 1.0 + MARGIN_S * busy
    assert elapsed < 5.0 * busy


@pytest.mark.parametrize("where", ["stdin", "fifo"])
def test_an_endless_input_is_refused_at_the_byte_limit_without_reading_it_whole(
        where, tmp_path):
    """QA 24h #7: ``solve /dev/zero`` grew to 10 GB. A stream without end (on standard input,
    or through a FIFO named as the file) is refused once it passes MAX_INPUT_BYTES, with a
    German message, and the process stays far below reading it whole."""
    import threading

    from routing.vroom_json import MAX_INPUT_BYTES

    chunk = b" " * 2**20
    if where == "fifo":
        target = tmp_path / "problem.json"
        os.mkfifo(target)
        args, stdin = [str(target)], subprocess.DEVNULL
    else:
        args, stdin = ["-"], subprocess.PIPE
    proc = subprocess.Popen(
        [sys.executable, "-m", "hausbesuch", "solve", *args, "-t", "0.5"], stdin=stdin,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)})

    cut_off = []

    def feed() -> None:  # four times the limit, unless the reader gives up before
        try:
            with (open(target, "wb") if where == "fifo" else proc.stdin) as fh:
                for _ in range(4 * MAX_INPUT_BYTES // len(chunk)):
                    fh.write(chunk)
        except OSError:  # BrokenPipeError: the reader closed its end
            cut_off.append(True)

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    err = proc.stderr.read()  # (not communicate(): it would close standard input)
    proc.wait(timeout=120)
    writer.join(timeout=30)
    assert proc.returncode == 2, err.decode()
    assert "ist größer als 256 MB" in err.decode(), err.decode()
    assert "Traceback" not in err.decode()
    assert not writer.is_alive() and cut_off  # the reader stopped long before the end
