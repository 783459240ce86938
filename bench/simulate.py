"""Simulate weeks of home visits to measure what the at-home model buys.

A synthetic population lives at real addresses of a sample town (``bench/population.py``):
who is at home when differs by district and by person, and the planner never sees it.
Every simulated week runs THROUGH THE COMMANDS a coordinator uses, on a SQLite database:

    hausbesuch import neu.csv   (the initial list, then newcomers every week)
    hausbesuch plan             (the open backlog, revisit rules applied)
    hausbesuch outcomes woche.csv  (one outcome per planned visit, drawn from the hidden truth)

Three arms run on the same population, the same newcomers and the same luck (an outcome's
random numbers depend only on seed, client and day; common random numbers):

- ``modell``: the planner with the at-home model (profile ``[erreichbarkeit] mode = "modell"``);
- ``ohne`` (baseline a): the same planner ignoring the model (``mode = "aus"``);
- ``zufall`` (baseline b): revisits at a random time band (``mode = "zufall"``).

Printed per arm (mean ± standard deviation over the seeds): contacts per visit, contacts per
working hour (from leaving to returning, lunch included), travel minutes per visit, and the
ratios to baseline (a); plus the error of the learned district rates against the hidden ones
week by week (arm ``modell``).

    python bench/simulate.py --town bad-hersfeld --weeks 6 --seeds 5 --clients 100 \
        --new-per-week 25 --time-limit 8

(about an hour on the shared 2-core machine. With a few seconds only, OR-Tools may not
find a first solution for the many narrowed windows of the model arm on a loaded machine.)
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.population import (  # noqa: E402
    Household,
    chance,
    district_truth,
    make_population,
    town_places,
)

ARMS = {"modell": "modell", "ohne": "aus", "zufall": "zufall"}
START = date(2027, 1, 11)  # a Monday, no public holiday in the six weeks after it
CONTACT = {"angetroffen", "verweigert", "termin_vereinbart"}


def uniform(seed: int, *key: object) -> float:
    """A reproducible uniform number for (seed, key): the same in every arm."""
    h = hashlib.blake2b(repr((seed, *key)).encode(), digest_size=8).digest()
    return int.from_bytes(h, "big") / 2**64


def draw(seed: int, h: Household, day: date, minute: int, appointment: bool) -> str:
    """The outcome of a visit (common random numbers: the same draws in every arm)."""
    if uniform(seed, h.case_id, day, "verzogen") < 0.01:
        return "verzogen"
    p = 0.9 if appointment else chance(h, day, minute)
    if uniform(seed, h.case_id, day, "kontakt") < p:
        r = uniform(seed, h.case_id, day, "art")
        if r < 0.9 or appointment:
            return "angetroffen"
        return "verweigert" if r < 0.95 else "termin_vereinbart"
    return "nicht_angetroffen" if uniform(seed, h.case_id, day, "art") < 0.55 \
        else "nachricht_hinterlassen"


def client_rows(households: list[Household], seed: int, today: date) -> list[list[str]]:
    rows = []
    for h in households:
        months = 3 + int(uniform(seed, h.case_id, "monate") * 30)
        since = today - timedelta(days=30 * months)
        rows.append([h.case_id, h.street, h.number, h.postcode, h.town, since.strftime("%d.%m.%Y")])
    return rows


def add_population_arguments(ap: argparse.ArgumentParser) -> None:
    """The options of how strongly districts and persons differ (every at-home bench)."""
    ap.add_argument("--concentration", type=float, default=0.5,
                    help="Dirichlet concentration of the districts' pattern mixtures "
                    "(smaller: districts nearer to one pattern each)")
    ap.add_argument("--district-sd", type=float, default=0.45,
                    help="sd of the districts' log-odds offsets")
    ap.add_argument("--personal-sd", type=float, default=0.35,
                    help="sd of the persons' log-odds offsets")


def town_setup(town: str, n_all: int):  # noqa: ANN201
    """(profile, OSM extract, places): real address points of a compact area around the
    depot that walking teams can cover (as the demo does), six per household."""
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile, resolve_osm
    from hausbesuch.planning.builder import depot_lonlat

    profile = load_profile(town)
    osm = resolve_osm(profile)
    places = town_places(osm, profile, near=depot_lonlat(profile, load_index(osm)),
                         at_least=6 * n_all)
    return profile, osm, places


def population_options(args: argparse.Namespace) -> dict[str, float]:
    """How strongly districts and persons differ (``bench.population.make_population``)."""
    return {"concentration": args.concentration, "district_sd": args.district_sd,
            "personal_sd": args.personal_sd}


CLIENT_HEADER = ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit"]


def write_week_list(path: Path, population: list[Household], week: int, clients: int,
                    new_per_week: int, seed: int, monday: date) -> None:
    """The client list a coordinator imports in ``week`` (0-based): the first ``clients``
    households, then ``new_per_week`` newcomers each week."""
    lo = 0 if week == 0 else clients + new_per_week * (week - 1)
    hi = clients + new_per_week * week
    write_csv(path, CLIENT_HEADER, client_rows(population[lo:hi], seed, monday))


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(header)
        w.writerows(rows)


@dataclass
class WeekStats:
    visits: int = 0
    contacts: int = 0
    travel_s: int = 0
    work_s: int = 0
    #: the contacts expected under the hidden truth (the sum of each visit's true chance at
    #: its planned start): the same figure without the luck of the draw
    expected: float = 0.0


def week_outcomes(plan, by_id: dict[str, Household], seed: int,  # noqa: ANN001
                  appointments: set[tuple[str, date]], path: Path) -> WeekStats:
    """Draw the outcome of every planned visit from the hidden truth and write them as the
    outcome file a coordinator imports (``path``); an agreed appointment is kept in
    ``appointments`` (10:00 on the next working day). Returns the week's figures."""
    stats = WeekStats()
    rows = []
    for r in plan.routes:
        if not r.stops:
            continue
        stats.travel_s += r.travel_s
        stats.work_s += int((r.return_ - r.depart).total_seconds())
        for s in r.stops:
            h = by_id[s.client_id]
            minute = s.start.hour * 60 + s.start.minute
            day = s.start.date()
            result = draw(seed, h, day, minute, (h.case_id, day) in appointments)
            stats.expected += 0.99 * (0.9 if (h.case_id, day) in appointments
                                      else chance(h, day, minute))
            termin = ""
            if result == "termin_vereinbart":
                t = day + timedelta(days=3 if day.weekday() == 4 else 1)  # next working day
                appointments.add((h.case_id, t))
                termin = f"{t.isoformat()} 10:00"
            rows.append([h.case_id, day.isoformat(), f"{minute // 60:02d}:{minute % 60:02d}",
                         result, termin])
            stats.visits += 1
            stats.contacts += result in CONTACT
    write_csv(path, ["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin"], rows)
    return stats


@dataclass
class ArmRun:
    arm: str
    seed: int
    weeks: list[WeekStats] = field(default_factory=list)
    district_mae: list[float] = field(default_factory=list)

    def total(self) -> WeekStats:
        t = WeekStats()
        for w in self.weeks:
            t.visits += w.visits
            t.contacts += w.contacts
            t.travel_s += w.travel_s
            t.work_s += w.work_s
            t.expected += w.expected
        return t


class Coordinator:
    """Runs the coordinator's commands on one database (a fresh process per command)."""

    def __init__(self, db_url: str, profile: Path, workdir: Path, *, time_limit: float,
                 seed: int) -> None:
        self.db_url, self.profile, self.workdir = db_url, profile, workdir
        self.time_limit, self.seed = time_limit, seed
        self.env = {**os.environ, "PYTHONPATH": str(REPO), "HAUSBESUCH_USER": "simulator"}

    def run(self, *args: str, today: date | None = None) -> str:
        """Run a command; ``today``: the day it takes as today (``HAUSBESUCH_HEUTE``)."""
        cmd = [sys.executable, "-m", "hausbesuch", *args, "--city", str(self.profile),
               "--db", self.db_url]
        env = {**self.env, "HAUSBESUCH_HEUTE": today.isoformat()} if today else self.env
        p = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=self.workdir)
        if p.returncode != 0:
            raise RuntimeError(f"{' '.join(args[:1])} failed ({p.returncode}):\n{p.stdout}\n"
                               f"{p.stderr}")
        return p.stdout

    def import_list(self, path: Path) -> str:
        return self.run("import", str(path))

    def plan(self, start: date, out: Path) -> str:
        return self.run("plan", "--start", start.isoformat(), "--days", "5", "--out", str(out),
                        "--time-limit", str(self.time_limit), "--seed", str(self.seed),
                        "--threads", "1")

    def outcomes(self, path: Path, today: date) -> str:
        """Record the outcomes of a week as on ``today`` (the simulated weeks lie ahead)."""
        return self.run("outcomes", str(path), today=today)


def arm_profile(town: str, mode: str, folder: Path,
                contact_minutes: float | None = None) -> Path:
    """A copy of the town's profile with ``[erreichbarkeit] mode`` (and, when given,
    ``contact_minutes``: the README's tables were measured with 20, the default before
    session 42) set and absolute paths."""
    from hausbesuch.config import load_profile, resolve_osm

    src = REPO / "hausbesuch" / "profiles" / f"{town}.toml"
    text = src.read_text(encoding="utf-8")
    osm = resolve_osm(load_profile(town))
    text = re.sub(r'(?m)^file = ".*osm.*"$', f'file = "{osm}"', text, count=1)
    text, n = re.subn(r'(?m)^mode = "\w+"$', f'mode = "{mode}"', text)
    if n != 1:
        raise RuntimeError(f"profile {src} has no [erreichbarkeit] mode line")
    if contact_minutes is not None:
        text, n = re.subn(r"(?m)^contact_minutes = [\d.]+", f"contact_minutes = "
                          f"{contact_minutes:g}", text)
        if n != 1:
            raise RuntimeError(f"profile {src} has no [erreichbarkeit] contact_minutes line")
    path = folder / f"{town}-{mode}.toml"
    path.write_text(text, encoding="utf-8")
    return path


def planned_stops(db_url: str, city: str, plan_dir: Path):
    """The newest plan of the city from the store: (routes, stops)."""
    from hausbesuch.store import Store

    with Store.open(db_url) as store:
        plan = store.latest_plan(city)
    if plan is None:
        raise RuntimeError(f"no plan stored for {city}; {plan_dir}")
    return plan


def run_arm(arm: str, seed: int, args: argparse.Namespace, places, base: Path) -> ArmRun:
    from hausbesuch.athome import DEFAULT_BANDS, ContactModel, records_from_store
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    folder = base / f"{arm}-{seed}"
    folder.mkdir(parents=True, exist_ok=True)
    profile_path = arm_profile(args.town, ARMS[arm], folder,
                               getattr(args, "contact_minutes", None))
    profile = load_profile(profile_path)
    db_url = f"sqlite:///{folder / 'faelle.db'}"
    coord = Coordinator(db_url, profile_path, folder, time_limit=args.time_limit, seed=seed)
    pop, mix, off = make_population(places, args.clients + args.new_per_week * args.weeks,
                                    seed, **population_options(args))
    by_id = {h.case_id: h for h in pop}
    truth = district_truth(pop, DEFAULT_BANDS, START)
    weight = {d: sum(h.district == d for h in pop) for d in truth}
    run = ArmRun(arm, seed)
    appointments: set[tuple[str, date]] = set()
    for week in range(args.weeks):
        monday = START + timedelta(days=7 * week)
        new_list = folder / f"neu-{week + 1}.csv"
        write_week_list(new_list, pop, week, args.clients, args.new_per_week, seed, monday)
        coord.import_list(new_list)
        plan_dir = folder / f"plan-{week + 1}"
        coord.plan(monday, plan_dir)
        plan = planned_stops(db_url, profile.name, plan_dir)
        out_csv = folder / f"ergebnisse-{week + 1}.csv"
        stats = week_outcomes(plan, by_id, seed, appointments, out_csv)
        coord.outcomes(out_csv, today=monday + timedelta(days=5))  # the week's Saturday
        run.weeks.append(stats)
        if arm == "modell":
            with Store.open(db_url) as store:
                model = ContactModel.fit(records_from_store(store, profile.name), DEFAULT_BANDS)
            run.district_mae.append(sum(
                weight[d] * float(np.abs(model.district_rate(d)[:5] - truth[d][:5]).mean())
                for d in truth) / sum(weight.values()))
        print(f"  {arm} seed {seed} week {week + 1}: {stats.visits} visits, {stats.contacts} "
              f"contacts, travel {stats.travel_s / max(stats.visits, 1) / 60:.1f} min/visit",
              flush=True)
    return run


def collect(folder: Path, weeks: int, truth: dict[str, np.ndarray] | None = None,
            weight: dict[str, int] | None = None) -> ArmRun | None:
    """Read a finished arm-seed folder back from its database (None when incomplete):
    the figures come from the stored plans and outcomes, as a coordinator would see them."""
    from sqlalchemy import select

    from hausbesuch.athome import DEFAULT_BANDS, ContactModel, records_from_store
    from hausbesuch.store import OutcomeRow, Store

    arm, seed = folder.name.rsplit("-", 1)
    db = folder / "faelle.db"
    if arm not in ARMS or not db.exists():
        return None
    run = ArmRun(arm, int(seed))
    with Store.open(f"sqlite:///{db}") as store:
        infos = sorted(store.list_plans(), key=lambda i: i.created_at)
        plans = [store.load_plan(i.id) for i in infos]
        with store.session() as s:
            result_of = {o.visit_id: o.result for o in s.scalars(select(OutcomeRow))}
        if len(plans) < weeks:
            return None
        for k, plan in enumerate(plans[:weeks]):
            w = WeekStats()
            for r in plan.routes:
                if not r.stops:
                    continue
                w.travel_s += r.travel_s
                w.work_s += int((r.return_ - r.depart).total_seconds())
                for st in r.stops:
                    if st.visit_id not in result_of:
                        return None  # outcomes of this week were not recorded
                    w.visits += 1
                    w.contacts += result_of[st.visit_id] in CONTACT
            run.weeks.append(w)
            if truth is not None and weight is not None and arm == "modell":
                until = plans[k + 1].created_at if k + 1 < len(plans) else None
                model = ContactModel.fit(records_from_store(store, plan.city, until=until),
                                         DEFAULT_BANDS)
                run.district_mae.append(sum(
                    weight[d] * float(np.abs(model.district_rate(d)[:5] - truth[d][:5]).mean())
                    for d in truth) / sum(weight.values()))
    return run


def _num(fmt: str, value: float) -> str:
    """A value as ``fmt`` writes it, without a sign when it rounds to zero (``-0.0`` and
    ``+0.0`` read ``0.0``)."""
    text = fmt.format(value)
    return text if any(c in "123456789" for c in text) else text.lstrip("+-")


def _ms(values: list[float], fmt: str = "{:.3f}", unit: str = "") -> str:
    """``mean ± sd`` of the values per seed: the sd without a sign (``+0.1 ± 3.9 %``), ``–``
    for it with one seed (its spread is unknown, not 0; the unit then follows the mean:
    ``+46.3 % ± –``), ``–`` alone without values (a ratio against an arm that was not run).
    A figure that rounds to zero has no sign."""
    if not values:
        return "–"
    m = _num(fmt, statistics.mean(values))
    if len(values) == 1:
        return f"{m}{unit} ± –"
    return f"{m} ± {_num(fmt.replace('+', ''), statistics.stdev(values))}{unit}"


def report(runs: list[ArmRun]) -> str:
    """The markdown table (mean ± sd over seeds; ratios per seed against arm ``ohne``)."""
    by = {(r.arm, r.seed): r for r in runs}
    seeds = sorted({r.seed for r in runs})
    lines = ["| arm | visits | contacts per visit | contacts per working hour | "
             "travel min per visit | contacts/visit vs (a) | travel/visit vs (a) |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    names = {"modell": "with the at-home model", "ohne": "(a) same planner, model ignored",
             "zufall": "(b) revisits at random times"}
    for arm in ARMS:
        cpv, cph, tpv, rc, rt, nv = [], [], [], [], [], []
        for s in seeds:
            if (arm, s) not in by:
                continue
            t = by[(arm, s)].total()
            b = by[("ohne", s)].total() if ("ohne", s) in by else None
            nv.append(t.visits)
            cpv.append(t.contacts / max(t.visits, 1))
            cph.append(t.contacts / max(t.work_s / 3600, 1e-9))
            tpv.append(t.travel_s / max(t.visits, 1) / 60)
            if b is not None:
                rc.append(cpv[-1] / max(b.contacts / max(b.visits, 1), 1e-9))
                rt.append(tpv[-1] / max(b.travel_s / max(b.visits, 1) / 60, 1e-9))
        if not cpv:
            continue
        if arm == "ohne":  # the baseline against itself
            ratios = "±0 | ±0"
        else:  # "–" when the baseline arm was not run
            ratios = (f"{_ms([100 * (x - 1) for x in rc], '{:+.1f}', ' %')} | "
                      f"{_ms([100 * (x - 1) for x in rt], '{:+.1f}', ' %')}")
        lines.append(f"| {names[arm]} | {statistics.mean(nv):.0f} | {_ms(cpv)} | {_ms(cph)} | "
                     f"{_ms(tpv, '{:.2f}')} | {ratios} |")
    mae = [r.district_mae for r in runs if r.arm == "modell" and r.district_mae]
    if mae:
        per_week = np.mean(np.array(mae), axis=0)
        lines.append("")
        lines.append("Mean absolute error of the learned district rates against the hidden "
                     "ones (arm with the model, mean over seeds), after week 1, 2, …: "
                     + ", ".join(f"{x:.3f}" for x in per_week))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--town", default="bad-hersfeld", choices=["bad-hersfeld", "lauf"])
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=100, help="initial list")
    ap.add_argument("--new-per-week", type=int, default=25)
    ap.add_argument("--time-limit", type=float, default=8.0, help="solver seconds per plan")
    ap.add_argument("--arms", default=",".join(ARMS))
    ap.add_argument("--contact-minutes", type=float, default=None,
                    help="minutes of walking one expected contact is worth (default: the "
                    "profile's, 60; the README's tables were measured with 20)")
    add_population_arguments(ap)
    ap.add_argument("--out", type=Path, default=Path("/tmp/hausbesuch-simulation"))
    ap.add_argument("--json", type=Path, help="write the per-week figures here")
    ap.add_argument("--collect", type=Path, nargs="*",
                    help="no simulation: read finished runs (folders of earlier --out runs) "
                    "back from their databases and print the table")
    args = ap.parse_args(argv)

    n_all = args.clients + args.new_per_week * args.weeks
    profile, _osm, places = town_setup(args.town, n_all)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    base = args.out / stamp
    runs = []
    t0 = time.perf_counter()
    if args.collect is not None:
        from hausbesuch.athome import DEFAULT_BANDS

        seen = set()
        for folder in sorted(f for top in args.collect for f in top.glob("*-*") if f.is_dir()):
            pop, _, _ = make_population(places, n_all, int(folder.name.rsplit("-", 1)[1]),
                                        **population_options(args))
            truth = district_truth(pop, DEFAULT_BANDS, START)
            weight = {d: sum(h.district == d for h in pop) for d in truth}
            run = collect(folder, args.weeks, truth, weight)
            if run is not None and (run.arm, run.seed) not in seen:
                seen.add((run.arm, run.seed))
                runs.append(run)
        args.seeds = len({r.seed for r in runs})
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        if args.collect is not None:
            break
        for arm in args.arms.split(","):
            runs.append(run_arm(arm, seed, args, places, base))
    print()
    print(f"{args.town}: {args.weeks} weeks x {args.seeds} seeds, {args.clients} clients "
          f"+ {args.new_per_week} per week, solver {args.time_limit:g} s per plan "
          f"({time.perf_counter() - t0:.0f} s in all)")
    if args.json:  # before the report: the figures of a long run are kept whatever follows
        args.json.write_text(json.dumps([
            {"arm": r.arm, "seed": r.seed, "district_mae": r.district_mae,
             "weeks": [w.__dict__ for w in r.weeks]} for r in runs], indent=1),
            encoding="utf-8")
    print()
    print(report(runs))


if __name__ == "__main__":
    main()
