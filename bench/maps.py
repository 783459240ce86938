"""Rendering the maps of a planned week: one pass (ours) vs branca's second pass.

A week is planned once on the real Bad Hersfeld extract from a demo list of ``--clients``
rows at real address points (``hausbesuch.demo``; 5 days, the profile's teams, a short
solve). Then every map of it (one route map per team-day, the overview with the district
outlines) is built and rendered ``--repeats`` times in each of two ways, alternating:

- one pass: ``hausbesuch.maps.render_map`` as it is;
- two passes (the baseline): the same call with the one-pass guard switched off, i.e.
  branca 0.8's own behaviour of compiling every element's rendered markup as a Jinja2
  template and rendering it again (see the comment above ``hausbesuch.maps._one_pass``).

Building the map objects is not timed (it is the same in both). The pages of both ways
must be identical (they are compared byte for byte; the list has no braces in it).
Prints the median render time of all maps for each way and the ratio one pass / two passes.

Usage::

    nice python bench/maps.py [--clients 200] [--repeats 5] [--time-limit 5]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
OSM = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "osm" \
    / "bad-hersfeld_2021-10-27.osm.pbf"
START = date(2026, 12, 7)  # a Monday


def plan_demo_week(clients: int, time_limit: float):
    """A week planned from a demo list of real addresses; returns (plan, districts, settings)."""
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.demo import make_demo_files
    from hausbesuch.maps import MapSettings, as_districts
    from hausbesuch.planning import PlanOptions, plan_week

    profile = load_profile("bad-hersfeld")
    with tempfile.TemporaryDirectory() as tmp:
        files = make_demo_files(load_index(OSM), Path(tmp), start=START, n_clients=clients)
        result = plan_week(files.clients, profile=profile, osm=OSM,
                           options=PlanOptions(start=START, days=5, time_limit=time_limit,
                                               seed=3, threads=1))
    return result.plan, as_districts(result.districts), MapSettings.from_profile(profile)


def map_builders(plan, districts, settings) -> list[Callable[[], object]]:
    from hausbesuch.maps import overview_map, route_map

    builders: list[Callable[[], object]] = [
        (lambda r=r: route_map(r, settings, districts=districts,
                               links=[("Routenliste", "x.html"), ("Übersicht", "i.html")],
                               page_href="x.html"))
        for r in plan.routes
    ]
    builders.append(lambda: overview_map(plan, settings, districts=districts,
                                         route_pages={r.slug: "x.html" for r in plan.routes}))
    return builders


def render_all(builders, *, one_pass: bool) -> tuple[float, float, list[str]]:
    """Build and render every map; returns (build seconds, render seconds, pages)."""
    from hausbesuch import maps

    t = time.perf_counter()
    built = [b() for b in builders]
    build = time.perf_counter() - t
    guard = maps._one_pass
    if not one_pass:
        maps._one_pass = contextlib.nullcontext  # type: ignore[assignment]
    try:
        t = time.perf_counter()
        pages = [maps.render_map(m) for m in built]
        render = time.perf_counter() - t
    finally:
        maps._one_pass = guard
    return build, render, pages


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=200, help="rows of the demo list")
    ap.add_argument("--repeats", type=int, default=5, help="renders of all maps per way")
    ap.add_argument("--time-limit", type=float, default=5.0, help="solver seconds")
    args = ap.parse_args(argv)

    t = time.monotonic()
    plan, districts, settings = plan_demo_week(args.clients, args.time_limit)
    builders = map_builders(plan, districts, settings)
    n_stops = sum(len(r.stops) for r in plan.routes)
    print(f"plan: {n_stops} visits on {len(plan.routes)} team-days, "
          f"{len(plan.unassigned)} not planned, {len(districts.names)} districts "
          f"({time.monotonic() - t:.1f} s); {len(builders)} maps")

    times: dict[bool, list[float]] = {True: [], False: []}
    builds: list[float] = []
    reference: dict[bool, list[str]] = {}
    render_all(builders, one_pass=True)  # warm-up (imports, template compilation)
    for _ in range(args.repeats):
        for one_pass in (True, False):
            build, render, pages = render_all(builders, one_pass=one_pass)
            builds.append(build)
            times[one_pass].append(render)
            reference.setdefault(one_pass, pages)
    same = reference[True] == reference[False]
    size = sum(len(p) for p in reference[True]) / 1e6
    one, two = statistics.median(times[True]), statistics.median(times[False])
    print(f"pages: {size:.1f} MB in all; one pass and two passes identical: {same}")
    print(f"building the maps (not in the figures): median {statistics.median(builds):.2f} s")
    print(f"rendering all maps, median of {args.repeats}: one pass {one:.2f} s "
          f"(min {min(times[True]):.2f}, max {max(times[True]):.2f}), two passes {two:.2f} s "
          f"(min {min(times[False]):.2f}, max {max(times[False]):.2f})")
    print(f"ratio one pass / two passes: {one / two:.2f} ({two / one:.1f}x faster)")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
