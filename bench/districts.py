"""Districts on a real week: travel time against districts per team-day.

The week of ``bench/week.py`` (real Bad Hersfeld drive matrix, windows, lunch breaks,
languages, priorities; 5 teams) gets real districts: each visit's point is assigned to
the extract's districts (``geodata.districts.load_districts``: OSM boundaries or, for
Bad Hersfeld, the fallback cells around OSM place nodes). Then the week is solved

- without district rules (baseline),
- with a cost per extra district in a team-day (``district_cost``),
- with soft team responsibility (each team owns some districts; ``outside_cost``),

and the bench prints per variant: served visits and priority, travel hours, the mean
and maximum number of districts per team-day, the share of visits served outside the
team's districts, and the travel time against the baseline (same run, same limit).

First it times ``load_districts`` on the extract (and any ``--extract``) in the same run:
``built`` reads the extract as every plan did before the districts cache
(``use_cache=False``), ``miss`` builds and writes the cache entry, ``hit`` reads the
entry; medians of ``--repeat`` calls, and the ratio built / hit. ``--load-only`` stops
after that.

Usage::

    nice python bench/districts.py [--visits 150] [--time-limit 20] [--district-cost 1800]
    python bench/districts.py --load-only [--extract other.osm.pbf] [--repeat 5]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from week import EXTRACT, street_points, week_problem  # noqa: E402

import routing  # noqa: E402
from routing.check import check  # noqa: E402
from routing.solve import solve  # noqa: E402


def time_loading(extract: Path, repeat: int) -> None:
    """Print the median seconds of load_districts built, missed and hit (same run)."""
    from geodata.districts import districts_cache_path, load_districts

    def median(fn) -> float:  # type: ignore[no-untyped-def]
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return float(np.median(times))

    load_districts(extract)  # the network (for the fallback's hull) is cached first
    d = load_districts(extract)
    entry = districts_cache_path(extract, admin_level=10, network_mode="walk", source="auto",
                                 area=None, town=None)
    assert entry.is_file(), entry

    def miss() -> None:
        entry.unlink()
        load_districts(extract)

    built = median(lambda: load_districts(extract, use_cache=False))
    missed = median(miss)
    hit = median(lambda: load_districts(extract))
    print(f"load_districts {extract.name} ({d.source}, {len(d)} districts, median of {repeat}): "
          f"built {built * 1000:.0f} ms, miss {missed * 1000:.0f} ms, hit {hit * 1000:.1f} ms; "
          f"built/hit {built / hit:.0f}x", flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--visits", type=int, default=150)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=20.0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--district-cost", type=int, default=1800)
    ap.add_argument("--outside-cost", type=int, default=1800)
    ap.add_argument("--extract", type=Path, action="append", default=[],
                    help="another extract to time load_districts on (repeatable)")
    ap.add_argument("--repeat", type=int, default=5, help="calls per loading time")
    ap.add_argument("--load-only", action="store_true", help="only time load_districts")
    args = ap.parse_args(argv)
    for extract in (EXTRACT, *args.extract):
        time_loading(extract, args.repeat)
    if args.load_only:
        return 0
    routing.prepare()
    from geodata.districts import load_districts

    base = week_problem(args.seed, args.visits, teams="ABCDE")
    _, _, lons, lats = street_points(args.visits + 1, args.seed)
    t = time.monotonic()
    names = load_districts(EXTRACT, network_mode="drive").assign(lons, lats)
    names = [None if n is None or n == "" else str(n) for n in names]
    kinds = sorted({n for n in names[1:] if n is not None})
    print(f"week: {len(base.visits)} visits, 5 teams x 5 days; {len(kinds)} districts "
          f"({time.monotonic() - t:.1f} s to assign)")
    visits = tuple(dataclasses.replace(v, district=names[v.location]) for v in base.visits)
    # responsibility: districts dealt out to the teams by size, round robin
    sizes = {k: sum(1 for v in visits if v.district == k) for k in kinds}
    owner = {k: "ABCDE"[i % 5] for i, k in enumerate(sorted(kinds, key=lambda k: -sizes[k]))}
    teams = tuple(
        dataclasses.replace(t, districts=frozenset(k for k, o in owner.items() if o == t.id))
        for t in base.teams
    )
    variants = [
        ("ohne Bezirke", dataclasses.replace(base, visits=visits)),
        (f"Bezirkskosten {args.district_cost} s",
         dataclasses.replace(base, visits=visits, district_cost=args.district_cost)),
        (f"Zuständigkeit weich {args.outside_cost} s",
         dataclasses.replace(base, visits=visits, teams=teams, responsibility="soft",
                             outside_cost=args.outside_cost)),
        ("beides",
         dataclasses.replace(base, visits=visits, teams=teams, responsibility="soft",
                             outside_cost=args.outside_cost, district_cost=args.district_cost)),
    ]
    print(f"{'variant':28} {'served':>6} {'prio':>6} {'travel h':>9} {'vs base':>8} "
          f"{'districts/day':>13} {'max':>4} {'outside':>8} {'time s':>7}")
    base_travel = None
    for name, p in variants:
        t = time.monotonic()
        sol = solve(p, time_limit=args.time_limit, threads=args.threads, seed=args.seed)
        el = time.monotonic() - t
        assert check(p, sol) == [], name
        by_id = {v.id: v for v in p.visits}
        per_day = [len({by_id[x].district for x in r.visits} - {None}) for r in sol.routes]
        team_of = {tm.id: tm for tm in teams}
        outside = sum(1 for r in sol.routes for x in r.visits
                      if p.outside(by_id[x], team_of[r.team]))
        prio = sum(by_id[x].priority for x in sol.served)
        base_travel = base_travel or sol.travel
        print(f"{name:28} {len(sol.served):>6} {prio:>6} {sol.travel / 3600:>9.2f} "
              f"{100 * (sol.travel - base_travel) / base_travel:>+7.1f}% "
              f"{np.mean(per_day):>13.2f} {max(per_day):>4} "
              f"{100 * outside / max(1, len(sol.served)):>7.0f}% {el:>7.1f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
