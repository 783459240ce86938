"""Re-plan the rest of a week from Wednesday 11:30 with one team out: fast vs a 30 s re-plan.

A 5-team week on a real Bad Hersfeld street matrix (``bench/week.py``'s generator: drive
network of the shared extract, windows, lunch breaks, languages, priorities; more
clients than the week holds) is planned once. On Wednesday at 11:30 team E falls ill:
``routing.replan`` keeps what has begun, starts the other teams where they are and
re-plans the rest of the week. The rest is solved with short time limits and with 30 s;
the bench prints the time spent, what is served and the gap to the 30 s re-plan.

Gap: the served priority must not fall; then travel time against the 30 s result
(target: under 5 s for a result within 2 %). Each short limit runs ``--repeats`` times
(searches differ from run to run: the spread is part of the answer). Every re-plan
starts from the rest of the previous plan (``Replan.initial``) unless ``--cold``.

Usage::

    nice python bench/replan.py [--visits 200] [--limits 1,2,5] [--baseline 30] [--seed 1]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from week import week_problem  # noqa: E402

import routing  # noqa: E402
from routing.check import check  # noqa: E402
from routing.solve import solve  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--visits", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--plan-limit", type=float, default=20.0)
    ap.add_argument("--limits", default="1,2,5")
    ap.add_argument("--baseline", type=float, default=30.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--move-cost", type=int, default=0)
    ap.add_argument("--repeats", type=int, default=3, help="runs per short limit")
    ap.add_argument("--cold", dest="warm", action="store_false",
                    help="do not start from the rest of the previous plan")
    args = ap.parse_args(argv)
    routing.prepare()

    problem = week_problem(args.seed, args.visits, teams="ABCDE")
    t = time.monotonic()
    week = solve(problem, time_limit=args.plan_limit, threads=args.threads, seed=args.seed)
    assert check(problem, week) == []
    print(f"week: {len(problem.visits)} visits, 5 teams x 5 days; planned {len(week.served)} "
          f"in {time.monotonic() - t:.1f} s, travel {week.travel / 3600:.2f} h")

    at = routing.at(2, 11, 30)
    t = time.monotonic()
    rp = routing.replan(problem, week, at, remove=["E"], move_cost=args.move_cost)
    build = time.monotonic() - t
    print(f"re-plan from Wednesday 11:30 without team E: {len(rp.done_visits)} visits begun, "
          f"{len(rp.problem.visits)} left, {len(rp.problem.vehicles())} team-days "
          f"(built in {build * 1000:.0f} ms)")

    prio = {v.id: v.priority for v in problem.visits}
    rows = []
    limits = [float(x) for x in args.limits.split(",")]
    for tl in limits + [args.baseline]:
        for rep in range(1 if tl == args.baseline else args.repeats):
            t = time.monotonic()
            rest = solve(rp.problem, time_limit=tl, threads=args.threads, seed=None,
                         initial=rp.initial if args.warm else None)
            spent = time.monotonic() - t
            merged = rp.merge(rest)
            errs = check(problem, merged)
            served_prio = sum(prio[x] for x in merged.served)
            rows.append((tl, rep, spent, len(merged.served), served_prio, rest.travel,
                         len(errs)))
    base = rows[-1]
    print(f"{'limit s':>8} {'run':>4} {'time s':>7} {'served':>7} {'priority':>9} "
          f"{'travel h':>9} {'gap':>8} {'violations':>10}")
    for tl, rep, spent, n, pr, travel, bad in rows:
        if pr < base[4]:
            gap = f"prio -{base[4] - pr}"
        else:
            gap = f"{100 * (travel - base[5]) / max(1, base[5]):+.2f}%"
        print(f"{tl:>8.0f} {rep + 1:>4} {spent:>7.2f} {n:>7} {pr:>9} {travel / 3600:>9.2f} "
              f"{gap:>8} {bad:>10}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
