"""What reordering routes for a time-dependent value costs, against the solve it follows.

A week of visits on a synthetic town (Manhattan distances, 4 teams x 5 days, lunch
breaks, 45-minute visits) is solved; then :func:`routing.retime.reorder_for_value`
reorders every route for a value that prefers, per visit, the morning or the afternoon
(as the at-home model's chance of contact does), within a 5 % travel budget. Printed: the
solve time and the reorder time (and their ratio, measured in the same run), the value and
the travel before and after.

    python bench/retime.py --visits 160 --time-limit 5
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

DAY = 86_400


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--visits", type=int, default=160)
    ap.add_argument("--teams", type=int, default=4)
    ap.add_argument("--time-limit", type=float, default=5.0)
    ap.add_argument("--budget", type=float, default=0.05, help="extra travel per route")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)

    import routing
    from routing import Break, Problem, Shift, Team, TimeWindow, Visit
    from routing.check import check
    from routing.retime import reorder_for_value, route_value
    from routing.solve import solve

    routing.prepare()
    rng = np.random.default_rng(args.seed)
    xy = rng.uniform(0, 3000, size=(args.visits + 1, 2))
    matrix = np.abs(xy[:, None, :] - xy[None, :, :]).sum(-1).astype(np.int64)
    shifts = tuple(Shift(d, TimeWindow(d * DAY + 8 * 3600, d * DAY + 16 * 3600),
                         (Break(TimeWindow(d * DAY + 12 * 3600, d * DAY + 13 * 3600 + 1800),
                                1800),)) for d in range(5))
    teams = [Team(id=f"T{k}", shifts=shifts, start=0, end=0) for k in range(args.teams)]
    problem = Problem([Visit(f"V{i}", i + 1, service=2700, priority=50)
                       for i in range(args.visits)], teams, 5, {"car": matrix})
    afternoon = {f"V{i}": bool(rng.integers(0, 2)) for i in range(args.visits)}

    def value(visit: str, t: int) -> float:
        return 1.0 + (0.8 if ((t % DAY) >= 12 * 3600) == afternoon[visit] else 0.0)

    t0 = time.perf_counter()
    solution = solve(problem, time_limit=args.time_limit, seed=args.seed, threads=1)
    t_solve = time.perf_counter() - t0
    t0 = time.perf_counter()
    better = reorder_for_value(problem, solution, value, max_extra_travel=args.budget)
    t_reorder = time.perf_counter() - t0
    assert check(problem, better) == []
    before = sum(route_value(r, value) for r in solution.routes)
    after = sum(route_value(r, value) for r in better.routes)
    print(f"{len(solution.routes)} routes, {len(solution.served)} visits")
    print(f"solve {t_solve:.2f} s, reorder {t_reorder:.3f} s "
          f"(reorder / solve = {t_reorder / t_solve:.3f})")
    print(f"value {before:.1f} -> {after:.1f} ({100 * (after / before - 1):+.1f} %), "
          f"travel {solution.travel} -> {better.travel} s "
          f"({100 * (better.travel / solution.travel - 1):+.1f} %)")


if __name__ == "__main__":
    main()
