"""Stop when done: small problems do not use their whole time limit.

OR-Tools' guided local search gets at most ``ORTOOLS_BASE_S + ORTOOLS_S_PER_VISIT``
per visit, and the ruin-and-recreate phase ends after ``STALL_BASE + STALL_PER_VISIT``
per visit iterations without a better plan. The time spent is reported
(``summary.computing_times.solving`` in the VROOM output). These tests check why a
solve stopped (the solver's own stop reasons and counters); how long a small solve and
the whole command take is measured in ``bench/stop.py`` (performance is measured in
bench/, not asserted as wall-clock limits in tests).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

import routing
from routing import Problem, Shift, Team, TimeWindow, Visit, at
from routing._lns import STALL_BASE, STALL_PER_VISIT
from routing.check import check
from routing.solve import solve

ROOT = Path(__file__).resolve().parents[1]
TWO = {
    "vehicles": [{"id": 1, "start_index": 0, "end_index": 0, "time_window": [28800, 57600]}],
    "jobs": [
        {"id": 1, "location_index": 1, "service": 1800},
        {"id": 2, "location_index": 2, "service": 1800, "time_windows": [[36000, 39600]]},
    ],
    "matrices": {"car": {"durations": [[0, 600, 900], [600, 0, 400], [900, 400, 0]]}},
}


def _two_visits() -> Problem:
    m = np.array(TWO["matrices"]["car"]["durations"])
    t = Team("A", (Shift(0, TimeWindow(at(0, 8), at(0, 16))),), start=0, end=0)
    return Problem(
        [Visit("1", 1, service=1800), Visit("2", 2, service=1800,
                                            time_windows=(TimeWindow(36000, 39600),))],
        [t], 1, {"car": m},
    )


def _stopped_when_done(stats: dict, visits: int) -> None:
    """The search ended by itself, not by the time limit: the second phase by its stall
    rule (after the iterations without a better plan that the rule waits for), and no
    worker was cut by the time limit nor was the plan short of time."""
    lns = stats["lns"]
    assert lns["stop"] == "stall", lns
    assert lns["iterations"] >= STALL_BASE + STALL_PER_VISIT * visits, lns
    assert [w["hit_time_limit"] for w in stats["workers"]] == [False] * len(stats["workers"])
    assert stats["short_of_time"] is False


def test_two_visits_with_30_s_stop_well_before_the_limit():
    routing.prepare()
    p = _two_visits()
    t0 = time.monotonic()
    sol = solve(p, time_limit=30, threads=1)
    spent = time.monotonic() - t0
    assert check(p, sol) == []
    assert sol.unassigned == () and sol.travel == 600 + 400 + 900
    _stopped_when_done(sol.stats, 2)
    assert sol.stats["elapsed"] <= spent + 0.001  # reported, rounded to ms


def test_a_larger_problem_is_not_stopped_by_the_stall_rule():
    """60 visits on a circle of windows: 2 s of search end by the time limit, not the rule."""
    routing.prepare()
    rng = np.random.default_rng(4)
    xy = rng.uniform(0, 4000, (61, 2))
    m = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(int)
    vs = [Visit(f"v{i}", i, service=600) for i in range(1, 61)]
    teams = [Team(t, (Shift(0, TimeWindow(0, 30_000)),), start=0, end=0) for t in "AB"]
    sol = solve(Problem(vs, teams, 1, {"car": m}), time_limit=2, threads=1)
    assert sol.stats["lns"]["stop"] == "time_limit"


def test_cli_two_visits_with_30_s_stop_when_done(tmp_path):
    """Issue 12 (the command with a 30 s limit on two visits ends when the plan is done,
    not at the limit): the stop reasons the command reports say so. Its acceptance figure
    (under 1 s of solver time, the whole command within 3 s) is measured by
    ``python bench/stop.py``."""
    routing.prepare()  # the compiled code is cached: the command only loads it
    src = tmp_path / "two.json"
    src.write_text(json.dumps(TWO))
    out = tmp_path / "out.json"
    proc = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "solve", str(src), "-t", "30", "--out", str(out)],
        capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(out.read_text())
    assert data["summary"]["unassigned"] == 0
    # the command reports the solver's own stop reasons and the time it spent (the time
    # itself: bench/stop.py, on an idle 2-core machine under 3 s for the command)
    _stopped_when_done(data["hausbesuch"], 2)
    assert data["hausbesuch"]["time_limit"] == 30.0
    assert data["summary"]["computing_times"]["solving"] > 0
