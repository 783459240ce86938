"""Pages' at-home chances: the fitted model reused against a fit on every page.

Run: ``nice python bench/athome_pages.py [--outcomes 3000] [--repeat 15]``. Plans the real
Bad Hersfeld week of the tests (tests/planning_fixtures.py, 190 clients, short solve) into
a SQLite store, adds ``--outcomes`` outcomes of its clients on the weekdays of the year before (the
city's history, recorded before the plan was made), and
times :func:`hausbesuch.athome.plan_chances` for the whole plan (the plan page, the
written plan files) and :func:`hausbesuch.athome.stop_chances` for its busiest team-day
(a phone's day page), each in the same run: with the pages' model kept
(:func:`hausbesuch.athome.shown_model`, warm) and with the model fitted on every call (the
kept models forgotten before each, as every page did before). Prints the medians and the
ratio fit-each-time / kept.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

SHARED = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))
RESULTS = ("angetroffen", "nicht_angetroffen", "nicht_angetroffen", "nachricht_hinterlassen")


def _history(store, city: str, client_ids: list[str], n: int, last: date,  # noqa: ANN001
             seed: int) -> None:
    """``n`` outcomes of ``client_ids`` on weekdays of the year before ``last``, at 8–16
    Uhr, each recorded that evening: a city's history as the model reads it (written as
    rows, as the model tests do: an outcomes file takes only visits of stored plans)."""
    from hausbesuch.store import OutcomeRow

    rng = random.Random(seed)
    days = [d for k in range(1, 366) if (d := last - timedelta(days=k)).weekday() < 5]
    with store.session() as s:
        for _ in range(n):
            day = rng.choice(days)
            s.add(OutcomeRow(city=city, client_id=rng.choice(client_ids), day=day,
                             time_min=rng.randrange(8 * 60, 16 * 60 - 30),
                             result=rng.choice(RESULTS), recorded_by="bench",
                             recorded_at=datetime.combine(day, datetime.min.time())
                             + timedelta(hours=18), source="csv"))


def _median_ms(fn, repeat: int, before=None) -> float:  # noqa: ANN001
    out = []
    for _ in range(repeat):
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--outcomes", type=int, default=3000, help="outcomes recorded (3000)")
    ap.add_argument("--repeat", type=int, default=15, help="calls timed per arm (15)")
    ap.add_argument("--time-limit", type=float, default=5.0, help="solver seconds (5)")
    args = ap.parse_args()

    from hausbesuch import athome
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store
    from tests.planning_fixtures import START, plan_real_week

    profile = load_profile("bad-hersfeld")
    with tempfile.TemporaryDirectory(prefix="hausbesuch-bench-athome-pages-") as tmp:
        week = plan_real_week(Path(tmp), SHARED / "osm" / "bad-hersfeld_2021-10-27.osm.pbf",
                              time_limit=args.time_limit)
        with Store.open(week.db_url) as store:
            plan = store.load_plan(week.plan_id)
            clients = sorted({g.client_id for g in plan.geocodes})
            _history(store, profile.name, clients, args.outcomes, START, seed=5)
            recorded = len(athome.records_from_store(store, profile.name,
                                                     until=plan.created_at))
            if not plan.routes:
                sys.exit("the solver planned no visit: try a longer --time-limit")
            busiest = max(plan.routes, key=lambda r: len(r.stops))
            stops = [s for r in plan.routes for s in r.stops]
            print(f"{len(stops)} planned visits of {len(clients)} clients, {recorded} outcomes "
                  f"known to the plan, "
                  f"busiest team-day {len(busiest.stops)} visits")
            arms = (
                (f"plan page ({len(stops)} visits)",
                 lambda: athome.plan_chances(store, profile, plan)),
                (f"day page ({len(busiest.stops)} visits)",
                 lambda: athome.stop_chances(store, profile, plan.created_at, busiest.stops)),
            )
            print(f"{'chances of':28} {'fit each time':>14} {'model kept':>11} {'ratio':>7}")
            for name, fn in arms:
                assert fn(), "no chances: the model learned nothing"
                each = _median_ms(fn, args.repeat, before=athome.clear_shown_models)
                fn()  # warm: the model kept
                kept = _median_ms(fn, args.repeat)
                print(f"{name:28} {each:11.1f} ms {kept:8.1f} ms {each / kept:6.1f}x")


if __name__ == "__main__":
    main()
