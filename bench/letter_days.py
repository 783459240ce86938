"""Visits per day of a week planned on Friday from Monday, with and without the
preference for the days after the announcement letters arrive (session 37/38).

A client list of N real addresses of the town (no windows, no fixed days) is planned
through the command line (``hausbesuch plan``) with the clock on the Friday before the
week: the letters written that day arrive on Tuesday (``[brief] postlaufzeit_werktage =
2``), so the visits a letter announces prefer Wednesday to Friday
(:data:`hausbesuch.planning.builder.EARLY_LETTER_COST_S` per visit on a day up to the
arrival). "ohne" is the same profile with ``postlaufzeit_werktage = 0`` (no preference,
no check). Prints per run the visits on Monday .. Friday, how many lie on or before the
arrival day, the visits not planned and the travel hours.

Closing note 37 asked whether the flat cost empties the first days and packs the day
after the arrival. Measured (seed 1, 2 s, session 38): Bad Hersfeld 45 clients ohne
[14, 11, 13, 7, 0], mit [4, 0, 14, 14, 13]; 60 clients ohne [13, 14, 13, 7, 13], mit
[5, 13, 13, 15, 14]; Lauf 40 clients ohne [11, 14, 15, 0, 0], mit [0, 0, 10, 15, 15]:
the days after the arrival fill evenly, the early days take the rest.

Usage::

    nice python bench/letter_days.py [--city bad-hersfeld] [--clients 45] [--seeds 1,2]
        [--time-limit 2]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import tempfile
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

MONDAY = date(2027, 1, 11)
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz", "Datum"]


def write_clients(path: Path, osm: Path, town: str, n: int) -> None:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addrs = random.Random(7).sample(real_addresses(load_index(osm)), n)
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, place) in enumerate(addrs):
            w.writerow([f"K{i:03d}", f"Testperson {i}", street, hn, pc, place or town,
                        "01.01.2024", "", "", "", "", "", ""])


def without_post_time(profile_file: Path, out: Path) -> Path:
    """The profile with ``[brief] postlaufzeit_werktage = 0`` (no preference)."""
    text = profile_file.read_text(encoding="utf-8")
    text, n = re.subn(r"^\[brief\]\s*$", "[brief]\npostlaufzeit_werktage = 0", text,
                      count=1, flags=re.MULTILINE)
    if not n:
        text += "\n[brief]\npostlaufzeit_werktage = 0\n"
    out.write_text(text, encoding="utf-8")
    return out


def run(city: str, name: str, clients: Path, osm: Path, seed: int, time_limit: float,
        work: Path) -> tuple[list[int], int, float]:
    from typer.testing import CliRunner

    from hausbesuch import clock
    from hausbesuch.cli import app
    from hausbesuch.store import Store

    db = f"sqlite:///{work / 'p.sqlite'}"
    friday = MONDAY - timedelta(days=3)
    res = CliRunner(env={clock.ENV: friday.isoformat()}).invoke(app, [
        "plan", str(clients), "--city", city, "--osm", str(osm), "--start", MONDAY.isoformat(),
        "--days", "5", "--out", str(work / "woche"), "--db", db, "--time-limit",
        str(time_limit), "--threads", "1", "--seed", str(seed)], catch_exceptions=False)
    if res.exit_code != 0:
        raise SystemExit(res.output)
    with Store.open(db) as store:
        plan = store.load_plan(store.latest_plan(name).id)
    per = Counter(r.day for r in plan.routes for _ in r.stops)
    days = [per.get(MONDAY + timedelta(days=k), 0) for k in range(5)]
    return days, len(plan.unassigned), sum(r.travel_s for r in plan.routes) / 3600


def main() -> int:
    from hausbesuch.config import load_profile, resolve_osm

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--city", default="bad-hersfeld")
    ap.add_argument("--clients", type=int, default=45)
    ap.add_argument("--seeds", default="1")
    ap.add_argument("--time-limit", type=float, default=2.0)
    args = ap.parse_args()
    profile = load_profile(args.city)
    osm = resolve_osm(profile)
    own = REPO / "hausbesuch" / "profiles" / f"{args.city}.toml"
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        clients = base / "kunden.csv"
        write_clients(clients, osm, profile.name, args.clients)
        off = without_post_time(own, base / f"{args.city}-ohne.toml")
        print(f"{profile.name}, {args.clients} Klienten, geplant am Fr {MONDAY - timedelta(3)}"
              f" ab Mo {MONDAY}, {args.time_limit:g} s")
        print("Vorzug  seed  Mo..Fr                 bis Di  nicht eingeplant  Wege h")
        for label, city in (("ohne", str(off)), ("mit", args.city)):
            for seed in (int(s) for s in args.seeds.split(",")):
                work = base / f"{label}-{seed}"
                work.mkdir()
                days, left, hours = run(city, profile.name, clients, osm, seed, args.time_limit,
                                        work)
                print(f"{label:6}  {seed:4}  {days!s:22} {sum(days[:2]):6}  {left:16}  "
                      f"{hours:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
