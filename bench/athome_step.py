"""One planning step with and without the at-home model, from the same history.

``bench/simulate.py`` runs each arm for weeks; after the first week the arms visit
different people on different days, so their contact counts drift apart by chance and the
difference the model makes is hard to see in a few seeds. This benchmark holds the
history fixed: the population (``bench/population.py``) is visited for ``k - 1`` weeks by
the planner without the model (``--history modell``: with it; import, plan, outcomes
drawn from the hidden truth, all
through the same code the commands run, on SQLite). Then week ``k`` is planned from copies
of that database once per arm, and each plan is scored by the **expected** contacts of its
visits under the hidden truth (the sum of the true chances at the planned start times), so
no luck of the draw enters the comparison. Arms:

- ``ohne``: the planner ignoring the model (``mode = "aus"``), the baseline;
- ``modell``: the shipped settings with ``mode = "modell"`` (the solver weighs each
  visit's chance in each window against the walk: ``planning = "abwaegen"``);
- ``eingrenzen``: as ``modell`` with the windows narrowed to the good cells instead
  (``planning = "eingrenzen"``, the planner before session 29);
- ``bezirk``: as ``modell``, but the district level of the model is the hidden truth (the
  mean rates of the district's households); the client level still learns from the
  client's own tries. Not learnable either: it shows what a perfect district estimate
  would give;
- ``wahrheit``: as ``modell``, but the model's chances are replaced by the hidden truth of
  each client: not learnable, it shows how much timing and choice could give at most
  with this planner; ``wahrheit-eng`` the same with ``planning = "eingrenzen"``.

    python bench/athome_step.py --seeds 8 --weeks 3,5

prints expected contacts per visit and travel minutes per visit per arm, and the ratios to
``ohne`` (mean ± standard error over seeds × weeks).
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

from bench.population import (  # noqa: E402
    band_rates,
    chance,
    district_truth,
    make_population,
)
from bench.simulate import (  # noqa: E402
    START,
    add_population_arguments,
    draw,
    population_options,
    town_setup,
    write_csv,
    write_week_list,
)

ARMS = ("ohne", "modell", "erkunden", "eingrenzen", "bezirk", "wahrheit", "wahrheit-eng")


def _profile(base, **over):  # noqa: ANN001, ANN202
    return base.model_copy(update={"erreichbarkeit": base.erreichbarkeit.model_copy(
        update=over)})


def _plan(store, profile, monday, seed, time_limit, osm):  # noqa: ANN001, ANN202
    from hausbesuch.planning import PlanOptions, plan_span
    from hausbesuch.teams import teams_for_profile

    return plan_span(store, profile, PlanOptions(start=monday, days=5, time_limit=time_limit,
                                                 seed=seed, threads=1),
                     actor="simulator", teams=teams_for_profile(profile, None), osm=osm)


def _model_with(patch):  # noqa: ANN001, ANN202
    """model_for_city whose fitted model ``patch`` changes in place (a hidden-truth arm)."""
    from hausbesuch import athome

    fit = athome.model_for_city

    def model_for_city(store, profile, *, until=None):  # noqa: ANN001, ANN202
        model = fit(store, profile, until=until)
        patch(model)
        if model.n_records == 0:  # the planner acts on the model only when it has records
            model.city_tries[0, 0] += 1
            if model.city_pool is not None:  # (the counts the city level is fitted on)
                model.city_pool[1][0, 0] += 1
        return model

    return model_for_city


def _client_truth(by_id, monday):  # noqa: ANN001, ANN202
    """Patch: each client's chances are its hidden rates."""
    cache: dict[str, object] = {}

    def patch(model) -> None:  # noqa: ANN001
        def client_rate(client_id: str, district: str | None):  # noqa: ANN202
            if client_id not in cache:
                cache[client_id] = band_rates(by_id[client_id], model.bands, monday)
            return cache[client_id]

        model.client_rate = client_rate

    return patch


def _district_truth(truth):  # noqa: ANN001, ANN202
    """Patch: the district level is the hidden district means (the client level learns)."""

    def patch(model) -> None:  # noqa: ANN001
        model.district_rate = lambda d: truth.get(d, model.city_rate)
        model._client_rate.clear()

    return patch


def run_seed(seed: int, weeks: list[int], args: argparse.Namespace, places, base, osm):  # noqa: ANN001, ANN201
    from hausbesuch import athome
    from hausbesuch.casework import Casework
    from hausbesuch.store import Store

    n = args.clients + args.new_per_week * max(weeks)
    pop, _, _ = make_population(places, n, seed, **population_options(args))
    by_id = {h.case_id: h for h in pop}
    over = {"contact_minutes": args.contact_minutes, "levels": args.levels, "explore": 0.0}
    eng = {"planning": "eingrenzen"}
    every = {"ohne": _profile(base, mode="aus"),
             "modell": _profile(base, mode="modell", **over),
             "erkunden": _profile(base, mode="modell", **{**over, "explore": args.explore}),
             "eingrenzen": _profile(base, mode="modell", **eng, explore=0.0),
             "bezirk": _profile(base, mode="modell", **over),
             "wahrheit": _profile(base, mode="modell", **over),
             "wahrheit-eng": _profile(base, mode="modell", **eng, explore=0.0)}
    arms = {a: every[a] for a in ARMS if a in args.arms.split(",") or a == "ohne"}
    out = []
    tmp = Path(tempfile.mkdtemp(prefix=f"athome-step-{seed}-"))
    try:
        with Store.open(f"sqlite:///{tmp / 'verlauf.db'}") as store:
            # outcomes are read on the Saturday of their week (the simulated weeks lie ahead)
            saturday = [START]
            cw = Casework(store, arms["ohne"], actor="simulator", osm=osm,
                          today=lambda: saturday[0])
            for week in range(max(weeks)):
                monday = START + timedelta(days=7 * week)
                saturday[0] = monday + timedelta(days=5)
                path = tmp / f"neu-{week + 1}.csv"
                write_week_list(path, pop, week, args.clients, args.new_per_week, seed, monday)
                cw.import_clients(path)
                if week + 1 in weeks:
                    for arm, profile in arms.items():
                        copy = tmp / f"{arm}-{week + 1}.db"
                        shutil.copy(tmp / "verlauf.db", copy)
                        fit = athome.model_for_city
                        if arm.startswith("wahrheit"):
                            athome.model_for_city = _model_with(_client_truth(by_id, monday))
                        elif arm == "bezirk":
                            athome.model_for_city = _model_with(_district_truth(
                                district_truth(pop, base.erreichbarkeit.band_minutes(), monday)))
                        try:
                            with Store.open(f"sqlite:///{copy}") as s:
                                plan = _plan(s, profile, monday, seed, args.time_limit,
                                             osm).plan
                        finally:
                            athome.model_for_city = fit
                        stops = [st for r in plan.routes for st in r.stops]
                        expected = sum(chance(by_id[st.client_id], st.start.date(),
                                              st.start.hour * 60 + st.start.minute)
                                       for st in stops)
                        travel = sum(r.travel_s for r in plan.routes)
                        out.append((arm, seed, week + 1, len(stops), expected, travel))
                plan = _plan(store, every[args.history], monday, seed, args.time_limit,
                             osm).plan
                rows = []
                for r in plan.routes:
                    for st in r.stops:
                        minute = st.start.hour * 60 + st.start.minute
                        result = draw(seed, by_id[st.client_id], st.start.date(), minute, False)
                        if result == "termin_vereinbart":
                            result = "angetroffen"  # no appointments in the history
                        rows.append([st.client_id, st.start.date().isoformat(),
                                     f"{minute // 60:02d}:{minute % 60:02d}", result])
                path = tmp / f"ergebnisse-{week + 1}.csv"
                write_csv(path, ["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"], rows)
                cw.record_outcomes_file(path)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def report(rows: list[tuple]) -> str:
    base = {(s, w): (n, e, t) for a, s, w, n, e, t in rows if a == "ohne"}
    lines = ["| arm | visits | expected contacts per visit | travel min per visit | "
             "contacts/visit vs ohne | travel/visit vs ohne |", "|---|---:|---:|---:|---:|---:|"]
    for arm in ARMS:
        mine = [(s, w, n, e, t) for a, s, w, n, e, t in rows if a == arm and (s, w) in base]
        if not mine:
            continue
        cpv = [e / max(n, 1) for _, _, n, e, _ in mine]
        tpv = [t / max(n, 1) / 60 for _, _, n, _, t in mine]
        rc = [100 * (c / (base[(s, w)][1] / max(base[(s, w)][0], 1)) - 1)
              for (s, w, *_), c in zip(mine, cpv, strict=True)]
        rt = [100 * (t / (base[(s, w)][2] / max(base[(s, w)][0], 1) / 60) - 1)
              for (s, w, *_), t in zip(mine, tpv, strict=True)]

        def ms(x: list[float], fmt: str) -> str:
            se = statistics.stdev(x) / len(x) ** 0.5 if len(x) > 1 else 0.0
            return f"{fmt.format(statistics.mean(x))} ± {se:.1f}"

        lines.append(f"| {arm} | {statistics.mean(n for *_, n, _, _ in mine):.1f} | "
                     f"{statistics.mean(cpv):.3f} | {statistics.mean(tpv):.2f} | "
                     f"{ms(rc, '{:+.1f}')} % | {ms(rt, '{:+.1f}')} % |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--town", default="bad-hersfeld", choices=["bad-hersfeld", "lauf"])
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--first-seed", type=int, default=1)
    ap.add_argument("--weeks", default="3,5", help="weeks planned with every arm")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--new-per-week", type=int, default=25)
    ap.add_argument("--time-limit", type=float, default=3.0)
    ap.add_argument("--arms", default=",".join(ARMS))
    ap.add_argument("--history", default="ohne", choices=["ohne", "modell", "erkunden", "eingrenzen"],
                    help="how the weeks before the compared one are planned (default: "
                    "without the model)")
    ap.add_argument("--contact-minutes", type=float, default=60.0,
                    help="minutes of walking one expected contact is worth (abwaegen)")
    ap.add_argument("--levels", type=int, default=3, help="levels of chance per visit")
    ap.add_argument("--explore", type=float, default=1.0, help="explore of the arm erkunden")
    add_population_arguments(ap)
    args = ap.parse_args(argv)
    if unknown := [a for a in args.arms.split(",") if a not in ARMS]:
        ap.error(f"--arms: unknown {unknown} (known: {', '.join(ARMS)})")

    weeks = sorted({int(w) for w in args.weeks.split(",")})
    if not weeks or weeks[0] < 2:
        ap.error("--weeks: weeks from 2 on (week 1 has no history)")
    n_all = args.clients + args.new_per_week * max(weeks)
    base, osm, places = town_setup(args.town, n_all)
    t0 = time.perf_counter()
    rows = []
    for seed in range(args.first_seed, args.first_seed + args.seeds):
        rows += run_seed(seed, weeks, args, places, base, osm)
        print(f"  seed {seed} done ({time.perf_counter() - t0:.0f} s)", flush=True)
    print()
    print(f"{args.town}: weeks {args.weeks} x {args.seeds} seeds, solver {args.time_limit:g} s "
          f"per plan, population concentration {args.concentration:g}, personal sd "
          f"{args.personal_sd:g}, history planned {args.history}")
    print()
    print(report(rows))


if __name__ == "__main__":
    main()
