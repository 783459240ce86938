"""A letter run for 150 clients (``hausbesuch.letters.run_letters``), and the size of a letter.

Builds a stored plan of 150 visits (3 teams x 5 days x 10 visits) at real Bad Hersfeld
addresses (geocoded offline; no solve: the visits are spread over the day), then times the
whole letter run as ``hausbesuch letters`` does it: choose the visits, record each as
announced in the store with an audit row, typeset one PDF per client and one per team-day.
The baseline, measured in the same run, is typesetting the 150 single letters alone.

Prints the run time (target: under 30 s), the time per letter, the ratio to the baseline,
and the size of one letter's PDF (target: under 100 KB) and of a team-day PDF.
Run: ``python bench/letters.py [--clients 150]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OSM = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "osm" \
    / "bad-hersfeld_2021-10-27.osm.pbf"
START = date(2026, 12, 7)  # a Monday
FIRST_NAMES = ("Jürgen", "Özlem", "Björn", "Zoë", "Ömer", "Käthe", "Günther", "Ayşe")
LAST_NAMES = ("Weiß", "Müller-Lüdenscheidt", "Öztürk", "Groß", "Schäfer", "Nußbaum")


def build_plan(n: int):
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses
    from hausbesuch.plandata import Client, Geocode, Plan, PlannedStop, TeamDayRoute

    index = load_index(OSM)
    every = real_addresses(index)
    addrs = every[:: max(1, len(every) // (2 * n))]
    clients, geocodes, found = [], [], []
    for street, hn, pc, town in addrs:
        res = index.geocode(f"{street} {hn}, {pc} {town or 'Bad Hersfeld'}")
        if res.quality != "exact":
            continue
        i = len(clients)
        cid = f"K{i:05d}"
        clients.append(Client(
            row=i + 2, id=cid, address=f"{street} {hn}, {pc} {town}",
            name=f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[i % len(LAST_NAMES)]}",
            street=street, housenumber=hn, postcode=pc, town=town))
        geocodes.append(Geocode(cid, res.lon, res.lat, res.quality, res.score, res.match, "",
                                "Mitte"))
        found.append((res.lon, res.lat))
        if len(clients) == n:
            break
    routes = []
    teams = 3
    per_day = -(-n // (teams * 5))
    for k in range(0, n, per_day):
        d, t = divmod(k // per_day, teams)
        day = START + timedelta(days=d)
        t0 = datetime.combine(day, datetime.min.time()) + timedelta(hours=8, minutes=20)
        stops = tuple(
            PlannedStop(c.id, j + 1, t0 + timedelta(minutes=45 * j),
                        t0 + timedelta(minutes=45 * j), t0 + timedelta(minutes=45 * j + 30),
                        found[k + j][0], found[k + j][1], c.address, "Mitte")
            for j, c in enumerate(clients[k:k + per_day]))
        routes.append(TeamDayRoute(
            team_id=f"team-{t + 1}", team_label="", day=day, mode="walk",
            start_lonlat=found[0], end_lonlat=found[0], start_label="Am Markt 16",
            depart=t0, return_=stops[-1].end + timedelta(minutes=20), stops=stops,
            travel_s=0, distance_m=0, service_s=0, waiting_s=0))
    return Plan(id="bench-letters", city="Bad Hersfeld", created_at=datetime(2026, 12, 1, 9),
                start=START, days=5, routes=routes, clients=clients, geocodes=geocodes)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--clients", type=int, default=150)
    ap.add_argument("--repeat", type=int, default=3, help="runs (the median is reported)")
    args = ap.parse_args()
    if not OSM.exists():
        print(f"shared data missing: {OSM}", file=sys.stderr)
        return 1
    from hausbesuch.config import load_profile
    from hausbesuch.letters import (
        announcements,
        letter_content,
        postal_lines,
        render_pdf,
        run_letters,
    )
    from hausbesuch.store import Store

    # the synthetic week (START) is announced as on the Monday before it, whatever the date
    os.environ["HAUSBESUCH_HEUTE"] = (START - timedelta(days=7)).isoformat()
    profile = load_profile("bad-hersfeld")
    plan = build_plan(args.clients)
    n = sum(len(r.stops) for r in plan.routes)
    tmp = Path(tempfile.mkdtemp(prefix="hausbesuch-bench-letters-"))
    runs, pure = [], []
    for k in range(args.repeat):
        with Store.open(f"sqlite:///{tmp / f'b{k}.db'}") as store:
            store.upsert_clients(plan.clients, plan.city)
            store.save_plan(plan)
            t0 = time.perf_counter()
            run = run_letters(store, plan, profile, tmp / f"briefe{k}", actor="bench")
            runs.append(time.perf_counter() - t0)
        assert len(run.letters) == n and not run.skipped
        # baseline: typesetting the single letters alone (no store, no files, no team-days)
        clients = {c.id: c for c in plan.clients}
        geo = {g.client_id: g for g in plan.geocodes}
        t0 = time.perf_counter()
        for a in announcements(plan):
            c = clients[a.client_id]
            render_pdf(profile, [letter_content(profile, a, name=c.name or "",
                                              address=postal_lines(c, geo[c.id]),
                                              letter_date=START)], title="x")
        pure.append(time.perf_counter() - t0)
    total, base = statistics.median(runs), statistics.median(pure)
    one = max(p.stat().st_size for p in run.letters.values())
    merged = max(p.stat().st_size for p in run.team_days.values())
    print(f"letters: {n} clients, {len(run.team_days)} team-day PDFs, median of {args.repeat} runs")
    print(f"letter run:             {total:7.2f} s  ({1000 * total / n:.1f} ms per letter; "
          f"target < 30 s)")
    print(f"typesetting alone:      {base:7.2f} s  (baseline)")
    print(f"run / typesetting:      {total / base:7.2f}")
    print(f"largest single letter:  {one / 1024:7.1f} KB (target < 100 KB)")
    print(f"largest team-day PDF:   {merged / 1024:7.1f} KB ({max(len(r.stops) for r in plan.routes)} letters)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
