"""How fast does the at-home model learn, against a perfect learner? No planner involved.

The population of ``bench/simulate.py`` (100 clients, 25 newcomers a week) is visited at
random weekdays and minutes (``--visits`` a week among the clients not yet reached; a
contact ends the case) for 1…N weeks. After each number of weeks, for every client still
open, three estimates of its hidden rates per weekday and band are compared:

- ``modell``: :class:`hausbesuch.athome.ContactModel` fitted on the outcomes (shipped
  settings);
- ``bayes``: the perfect learner (:class:`bench.population.PopulationPosterior`: knows how
  the population is drawn and weighs the client's own tries exactly);
- ``wahrheit``: the hidden rates themselves.

Printed per arm (mean ± standard deviation over seeds): the mean absolute error against
the hidden rates (Monday to Friday, bands of 8–16 Uhr), and the hidden chance in the
weekday-band the estimate rates best, relative to the client's mean chance over all of
them (what timing by the estimate gains when capacity and travel are free; random timing
is 1.00).

    python bench/athome_learning.py --seeds 5 --weeks 1,2,5 [--concentration 0.02 --personal-sd 0.2]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from datetime import timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.population import (  # noqa: E402
    PopulationPosterior,
    band_rates,
    draw_outcome,
    make_population,
)
from bench.simulate import (  # noqa: E402
    START,
    add_population_arguments,
    population_options,
    town_setup,
)

ARMS = ("modell", "bayes", "wahrheit")


def run_seed(seed: int, weeks: int, args: argparse.Namespace, places) -> dict[str, tuple[float, float]]:  # noqa: ANN001
    """(error, best-cell gain) per arm after ``weeks`` weeks of random visits."""
    from hausbesuch.athome import CONTACT, DEFAULT_BANDS, ContactModel, ContactRecord

    n = args.clients + args.new_per_week * weeks
    pop, mix, off = make_population(places, n, seed, **population_options(args))
    truth = {h.case_id: band_rates(h, DEFAULT_BANDS, START)[:5] for h in pop}
    rng = np.random.default_rng(seed)
    records: list[ContactRecord] = []
    reached: set[str] = set()
    for week in range(weeks):
        listed = pop[:args.clients + args.new_per_week * week]
        open_ = [h for h in listed if h.case_id not in reached]
        for i in rng.permutation(len(open_))[:args.visits]:
            h = open_[int(i)]
            day = START + timedelta(days=7 * week + int(rng.integers(5)))
            minute = int(rng.integers(8 * 60, 16 * 60))
            result = draw_outcome(h, day, minute, rng)
            records.append(ContactRecord(h.case_id, h.district, day, minute, result))
            if result in CONTACT:
                reached.add(h.case_id)
    monday = START + timedelta(days=7 * weeks)
    model = ContactModel.fit(records)
    perfect = PopulationPosterior(mix, off, args.personal_sd, DEFAULT_BANDS, START,
                                  per_family=args.per_family, seed=seed)
    tries: dict[str, list] = {}
    for r in records:
        if r.result != "verzogen":
            tries.setdefault(r.case_id, []).append((r.day, r.minute, r.result in CONTACT))
    estimate = {
        "modell": lambda h: model.client_rate(h.case_id, h.district),
        "bayes": lambda h: perfect.predict(h.district, tries.get(h.case_id, []), monday),
        "wahrheit": lambda h: truth[h.case_id],
    }
    out = {}
    still_open = [h for h in pop if h.case_id not in reached]
    for arm in ARMS:
        err, gain = [], []
        for h in still_open:
            est, t = np.asarray(estimate[arm](h))[:5], truth[h.case_id]
            err.append(float(np.abs(est - t).mean()))
            gain.append(float(t.flat[int(np.argmax(est))] / t.mean()))
        out[arm] = (statistics.mean(err), statistics.mean(gain))
    return out


def _sd(x: list[float]) -> float:
    return statistics.stdev(x) if len(x) > 1 else 0.0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--town", default="bad-hersfeld", choices=["bad-hersfeld", "lauf"])
    ap.add_argument("--weeks", default="1,2,5", help="numbers of weeks of outcomes")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--new-per-week", type=int, default=25)
    ap.add_argument("--visits", type=int, default=70, help="visits a week")
    ap.add_argument("--per-family", type=int, default=150,
                    help="persons per family in the perfect learner's bank")
    add_population_arguments(ap)
    args = ap.parse_args(argv)
    weeks = [int(w) for w in args.weeks.split(",")]
    _, _, places = town_setup(args.town, args.clients + args.new_per_week * max(weeks))
    print(f"{args.town}: {args.seeds} seeds, {args.visits} random visits a week, population "
          f"concentration {args.concentration:g}, personal sd {args.personal_sd:g}")
    print()
    print("| weeks | arm | mean abs. error | best weekday-band / mean |")
    print("|---:|---|---:|---:|")
    for w in weeks:
        runs = [run_seed(seed, w, args, places) for seed in range(1, args.seeds + 1)]
        for arm in ARMS:
            e = [r[arm][0] for r in runs]
            g = [r[arm][1] for r in runs]
            print(f"| {w} | {arm} | {statistics.mean(e):.3f} ± {_sd(e):.3f} | "
                  f"{statistics.mean(g):.2f} ± {_sd(g):.2f} |")


if __name__ == "__main__":
    main()
