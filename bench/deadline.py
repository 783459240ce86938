"""Short time limits: how long the solver and ``plan`` take against them, what they plan.

QA 34a planned a real week of 300 candidates (2 teams x 5 days, at most 100 visits) at
``--time-limit 2``: 0 to 87 visits in seven identical runs, and 4.0-4.8 s in the solver.
The project's tests assert what is planned and the stats (``tests/test_routing_deadline.py``,
``tests/test_plan_time_short.py``), never the wall clock; the times are measured here.

``--solver`` (default): synthetic weeks (:func:`week`, the tests' generator) solved with
each of ``--limits`` and ``--seeds``. Per run: the wall time of the call against
``limit + MARGIN_S``, visits placed of the week's places, whether OR-Tools gave no plan
(``scratch``: the second phase built it; ``gave up``: its model's building ran out of
time), what ended OR-Tools' search (``ortools``: ``neighbors`` or ``solutions``, a seeded
run's work limits, ``time_limit``, ``-`` when it did not search), the second phase's
iterations, ``short_of_time`` and ``deterministic``.

``--plan LIST --start DATE [--city CITY]``: runs ``hausbesuch plan LIST`` in this process
with each of ``--limits`` (a fresh SQLite store per run) and prints the seconds from the
end of the matrices (``build_problem``) to the end: in the solver's call (with loading
its compiled code), storing the plan, writing its files, and in all.

Usage::

    nice python bench/deadline.py [--limits 0.3,1,2] [--seeds 1,2,3] [--threads 1]
    nice python bench/deadline.py --plan /tmp/qa34a/big400.csv --start 2027-01-11 \\
        --city bad-hersfeld --limits 0.3,2,10 --threads 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from routing import Problem, Shift, Team, TimeWindow, Visit, at  # noqa: E402


def week(n: int, *, windows: bool, teams: int = 2, max_visits: int = 10, seed: int = 1,
         days: int = 5) -> Problem:
    """``n`` 30-minute visits within 1 km of the office (every second one, with
    ``windows``, at "Mo-Fr 14-16"), ``teams`` x ``days`` team-days of 8-16 with at most
    ``max_visits`` each: a greedy insertion fills every team-day."""
    rng = np.random.default_rng(seed)
    pts = rng.random((n + 1, 2)) * 1000.0
    d = np.ceil(np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1)) / 1.2)
    visits = []
    for i in range(1, n + 1):
        tws: tuple[TimeWindow, ...] = ()
        if windows and i % 2 == 0:
            tws = tuple(TimeWindow(at(day, 14), at(day, 16)) for day in range(days))
        visits.append(Visit(f"v{i}", i, service=1800, time_windows=tws))
    team_list = tuple(
        Team(f"t{k}", tuple(Shift(day, TimeWindow(at(day, 8), at(day, 16))) for day in range(days)),
             start=0, end=0, max_visits=max_visits)
        for k in range(teams))
    return Problem(tuple(visits), team_list, days, {"car": d.astype(np.int64)})


#: (name, generator arguments): the QA week's shape with and without windows, a larger one
CASES = (
    ("400, half Mo-Fr 14-16, 2x5x10", {"n": 400, "windows": True}),
    ("300, no windows, 10x5x2", {"n": 300, "windows": False, "teams": 10, "max_visits": 2}),
    ("2000, half Mo-Fr 14-16, 8x5x10", {"n": 2000, "windows": True, "teams": 8}),
)


def run_solver(limits: list[float], seeds: list[int], threads: int) -> None:
    from routing import prepare
    from routing.check import check
    from routing.solve import MARGIN_S, solve

    prepare()
    print(f"{'case':34s} {'limit':>5s} {'seed':>4s} {'wall':>6s} {'ok':>3s} {'placed':>9s} "
          f"{'scratch':>7s} {'gave up':>7s} {'ortools':>10s} {'iters':>6s} {'short':>5s} "
          f"{'det':>5s}")
    for name, kw in CASES:
        for seed in seeds:
            p = week(seed=seed, **kw)
            places = sum(veh.max_visits or 0 for veh in p.vehicles())
            for limit in limits:
                t = time.monotonic()
                sol = solve(p, time_limit=limit, seed=seed, threads=threads)
                wall = time.monotonic() - t
                st = sol.stats
                best = next(w for w in st["workers"] if w["worker"] == st["best_worker"])
                served = sum(len(r.visits) for r in sol.routes)
                print(f"{name:34s} {limit:5g} {seed:4d} {wall:6.2f} "
                      f"{'yes' if wall <= limit + MARGIN_S else 'NO':>3s} "
                      f"{served:4d}/{places:<4d} {best['from_scratch']!s:>7s} "
                      f"{best['build_given_up']!s:>7s} {best['ortools_stop'] or '-':>10s} "
                      f"{(st['lns'] or {}).get('iterations', 0):6d} "
                      f"{st['short_of_time']!s:>5s} {st['deterministic']!s:>5s}"
                      + ("" if not check(p, sol) else "  CHECK FAILED"))


def run_plan(clients: Path, city: str, start: str, limits: list[float], threads: int) -> None:
    import os

    from typer.testing import CliRunner

    import hausbesuch.planning as planning
    import hausbesuch.planning.workflow as wf
    from hausbesuch.cli import app

    marks: dict[str, float] = {}

    def timed(mod, name: str) -> None:  # noqa: ANN001
        fn = getattr(mod, name)

        def wrapper(*a, **k):  # noqa: ANN002, ANN003, ANN202
            marks[name + "_start"] = time.monotonic()
            out = fn(*a, **k)
            marks[name] = time.monotonic()
            return out

        setattr(mod, name, wrapper)

    for mod, name in ((wf, "build_problem"), (wf, "_run_solver"),
                      (planning, "write_plan_files")):
        timed(mod, name)
    runner = CliRunner()
    print(f"{'limit':>5s} {'placed':>28s} {'solver':>6s} {'store':>6s} {'files':>6s} "
          f"{'after matrix':>12s}")
    for limit in limits:
        with tempfile.TemporaryDirectory() as tmp:
            marks.clear()
            env = {"HAUSBESUCH_DB": f"sqlite:///{tmp}/b.sqlite"}
            os.environ.update(env)
            res = runner.invoke(app, ["plan", str(clients), "--city", city, "--start", start,
                                      "--out", f"{tmp}/plan", "--time-limit", str(limit),
                                      "--threads", str(threads)], catch_exceptions=False)
            end = time.monotonic()
            line = next((x for x in res.output.splitlines() if " Zeilen: " in x), res.output)
            m = marks
            print(f"{limit:5g} {line.split(': ', 1)[-1][:28]:>28s} "
                  f"{m['_run_solver'] - m['_run_solver_start']:6.2f} "
                  f"{m['write_plan_files_start'] - m['_run_solver']:6.2f} "
                  f"{m['write_plan_files'] - m['write_plan_files_start']:6.2f} "
                  f"{end - m['build_problem']:12.2f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--limits", default="0.3,1,2")
    ap.add_argument("--seeds", default="1,2,3")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--plan", type=Path, help="a client list: time `hausbesuch plan` instead")
    ap.add_argument("--city", default="bad-hersfeld")
    ap.add_argument("--start", help="first day of --plan (YYYY-MM-DD)")
    args = ap.parse_args(argv)
    limits = [float(x) for x in args.limits.split(",")]
    if args.plan is not None:
        if not args.start:
            ap.error("--plan needs --start")
        run_plan(args.plan, args.city, args.start, limits, args.threads)
    else:
        run_solver(limits, [int(x) for x in args.seeds.split(",")], args.threads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
