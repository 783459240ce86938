"""How far could knowing when people are at home go? Six simulated weeks per arm, in-process.

``bench/simulate.py`` runs the coordinator's commands and compares the learned model with
the two baselines. This benchmark runs the same weekly cycle (import, plan, outcomes drawn
from the hidden truth with the same common random numbers, appointments kept) in one
process on the casework and planning code the commands call, so that the model can be
replaced by what no planner can learn:

- ``ohne``: the planner ignoring the model (``mode = "aus"``), baseline (a);
- ``modell``: the learned model (``mode = "modell"``, the shipped settings: the solver
  weighs each visit's chance in each window against the walk, ``planning = "abwaegen"``);
- ``erkunden``: the learned model, each plan weighing with one draw from the chances'
  uncertainty (``explore`` = ``--explore``, :meth:`hausbesuch.athome.ContactModel.explored`)
  where ``modell`` plans with ``explore = 0``;
- ``eingrenzen``: the learned model with the windows narrowed to the good cells instead
  (``planning = "eingrenzen"``, the planner before session 29);
- ``bezirk``: the district level of the model is the hidden truth (the mean rates of the
  district's households; the client level still learns from the client's own tries): a
  perfect district estimate;
- ``bayes``: a perfect learner: each client's chances are the exact posterior predictive
  given the client's own recorded tries, for a learner that knows how the population is
  drawn (``bench.population.PopulationPosterior``): the most any learning from outcomes
  could give this planner;
- ``wahrheit``: each client's chances are its hidden rates: the ceiling of this planner.

    python bench/athome_ceiling.py --seeds 5 --weeks 6 [--concentration 0.1 --personal-sd 0.2]

prints contacts per visit and travel minutes per visit per arm with the ratios to
``ohne`` (mean ± standard deviation over seeds).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.athome_step import (  # noqa: E402
    _client_truth,
    _district_truth,
    _model_with,
    _plan,
    _profile,
)
from bench.population import (  # noqa: E402
    PopulationPosterior,
    district_truth,
    make_population,
)
from bench.simulate import (  # noqa: E402
    START,
    ArmRun,
    WeekStats,
    add_population_arguments,
    population_options,
    town_setup,
    week_outcomes,
    write_week_list,
)

ARMS = ("ohne", "modell", "erkunden", "eingrenzen", "bezirk", "bayes", "wahrheit")


def _posterior_model(posterior: PopulationPosterior, by_id, week: dict):  # noqa: ANN001, ANN202
    """model_for_city whose client and district rates are the perfect learner's, from the
    records in the store (exact day and minute of each try) for the week being planned."""
    from hausbesuch import athome

    fit = athome.model_for_city

    def model_for_city(store, profile, *, until=None):  # noqa: ANN001, ANN202
        model = fit(store, profile, until=until)
        tries: dict[str, list] = {}
        for r in athome.records_from_store(store, profile.name, until=until):
            hit = athome.outcome_contact(r.result)
            if hit is not None and r.minute is not None:
                tries.setdefault(r.case_id, []).append((r.day, r.minute, hit))
        cache: dict[str, object] = {}

        def client_rate(client_id: str, district: str | None):  # noqa: ANN202
            if client_id not in cache:
                cache[client_id] = posterior.predict(by_id[client_id].district,
                                                     tries.get(client_id, []), week["monday"])
            return cache[client_id]

        model.client_rate = client_rate
        model.district_rate = lambda d: (posterior.predict(d, [], week["monday"])
                                         if d in posterior.offset else model.city_rate)
        if model.n_records == 0:  # the planner acts on the model only when it has records
            model.city_tries[0, 0] += 1
            if model.city_pool is not None:  # (the counts the city level is fitted on)
                model.city_pool[1][0, 0] += 1
        return model

    return model_for_city


def run_arm(arm: str, seed: int, args: argparse.Namespace, places, base, osm) -> WeekStats:  # noqa: ANN001
    """The arm's six weeks on a fresh database; the totals over the weeks."""
    from hausbesuch import athome
    from hausbesuch.casework import Casework
    from hausbesuch.store import Store

    n = args.clients + args.new_per_week * args.weeks
    pop, mix, off = make_population(places, n, seed, **population_options(args))
    by_id = {h.case_id: h for h in pop}
    over: dict = {"contact_minutes": args.contact_minutes, "levels": args.levels,
                  "planning": args.planning,
                  "explore": args.explore if arm == "erkunden" else 0.0}
    if arm == "eingrenzen":
        over["planning"] = "eingrenzen"
    profile = _profile(base, mode="aus" if arm == "ohne" else "modell", **over)
    fit = athome.model_for_city
    week = {"monday": START}
    if arm == "bayes":
        athome.model_for_city = _posterior_model(PopulationPosterior(
            mix, off, args.personal_sd, base.erreichbarkeit.band_minutes(), START,
            seed=seed), by_id, week)
    elif arm == "wahrheit":
        athome.model_for_city = _model_with(_client_truth(by_id, START))
    elif arm == "bezirk":
        athome.model_for_city = _model_with(_district_truth(
            district_truth(pop, base.erreichbarkeit.band_minutes(), START)))
    run = ArmRun(arm, seed)
    tmp = Path(tempfile.mkdtemp(prefix=f"athome-ceiling-{arm}-{seed}-"))
    try:
        with Store.open(f"sqlite:///{tmp / 'faelle.db'}") as store:
            # outcomes are read on the Saturday of their week (the simulated weeks lie ahead)
            cw = Casework(store, profile, actor="simulator", osm=osm,
                          today=lambda: week["monday"] + timedelta(days=5))
            appointments = set()
            for k in range(args.weeks):
                monday = week["monday"] = START + timedelta(days=7 * k)
                path = tmp / f"neu-{k + 1}.csv"
                write_week_list(path, pop, k, args.clients, args.new_per_week, seed, monday)
                cw.import_clients(path)
                plan = _plan(store, profile, monday, seed, args.time_limit, osm).plan
                path = tmp / f"ergebnisse-{k + 1}.csv"
                run.weeks.append(week_outcomes(plan, by_id, seed, appointments, path))
                cw.record_outcomes_file(path)
    finally:
        athome.model_for_city = fit
        shutil.rmtree(tmp, ignore_errors=True)
    return run.total()


def report(totals: dict[tuple[str, int], WeekStats]) -> str:
    seeds = sorted({s for _, s in totals})
    lines = ["| arm | visits | contacts per visit | travel min per visit | "
             "contacts/visit vs ohne | travel/visit vs ohne | expected contacts/visit vs "
             "ohne |", "|---|---:|---:|---:|---:|---:|---:|"]

    def ms(x: list[float], fmt: str) -> str:
        sd = statistics.stdev(x) if len(x) > 1 else 0.0
        return f"{fmt.format(statistics.mean(x))} ± {fmt.replace('+', '').format(sd)}"

    for arm in ARMS:
        mine = [(s, totals[(arm, s)]) for s in seeds if (arm, s) in totals]
        if not mine:
            continue
        cpv = [t.contacts / max(t.visits, 1) for _, t in mine]
        tpv = [t.travel_s / max(t.visits, 1) / 60 for _, t in mine]
        rc, rt, re_ = [], [], []
        for (s, a), c, t in zip(mine, cpv, tpv, strict=True):
            b = totals.get(("ohne", s))
            if b is not None:
                rc.append(100 * (c / (b.contacts / max(b.visits, 1)) - 1))
                rt.append(100 * (t / (b.travel_s / max(b.visits, 1) / 60) - 1))
                re_.append(100 * ((a.expected / max(a.visits, 1))
                                  / (b.expected / max(b.visits, 1)) - 1))
        lines.append(f"| {arm} | {statistics.mean(t.visits for _, t in mine):.0f} | "
                     f"{ms(cpv, '{:.3f}')} | {ms(tpv, '{:.2f}')} | "
                     f"{ms(rc, '{:+.1f}') if rc else '–'} % | "
                     f"{ms(rt, '{:+.1f}') if rt else '–'} % | "
                     f"{ms(re_, '{:+.1f}') if re_ else '–'} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--town", default="bad-hersfeld", choices=["bad-hersfeld", "lauf"])
    ap.add_argument("--weeks", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--new-per-week", type=int, default=25)
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--arms", default=",".join(ARMS))
    ap.add_argument("--planning", default="abwaegen", choices=["abwaegen", "eingrenzen"],
                    help="how the arms other than 'eingrenzen' plan with the chances")
    ap.add_argument("--contact-minutes", type=float, default=60.0,
                    help="minutes of walking one expected contact is worth (abwaegen)")
    ap.add_argument("--levels", type=int, default=3, help="levels of chance per visit")
    ap.add_argument("--explore", type=float, default=1.0, help="explore of the arm erkunden")
    add_population_arguments(ap)
    args = ap.parse_args(argv)
    arms = args.arms.split(",")
    if unknown := [a for a in arms if a not in ARMS]:
        ap.error(f"--arms: unknown {unknown} (known: {', '.join(ARMS)})")

    n_all = args.clients + args.new_per_week * args.weeks
    base, osm, places = town_setup(args.town, n_all)
    t0 = time.perf_counter()
    totals = {}
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        for arm in arms:
            totals[(arm, seed)] = run_arm(arm, seed, args, places, base, osm)
        print(f"  seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    print()
    print(f"{args.town}: {args.weeks} weeks x {args.seeds} seeds, {args.clients} clients + "
          f"{args.new_per_week} per week, solver {args.time_limit:g} s per plan, population "
          f"concentration {args.concentration:g}, personal sd {args.personal_sd:g}; "
          f"planning {args.planning}, {args.contact_minutes:g} min per contact, "
          f"{args.levels} levels, explore {args.explore:g} (erkunden)")
    print()
    print(report(totals))


if __name__ == "__main__":
    main()
