"""A big week at its time limit leaves out no visit that would still fit (QA 25).

2,000 candidate visits on real street points of Bad Hersfeld's walk network, 8 walking
teams x 5 days without a most-visits limit (``bench/bigweek.py --max-visits 0``), 10 s.
Before, the repair step after the search spent its time on swaps and never came to its
last insertion pass: visits that fitted a route as it stood stayed out, honestly marked
``not_checked``. Now every left-out visit is tried in the final routes (checked here
with the plain Python insertion of :func:`routing.repair.try_insert` at every position
of every route). (How long the call takes against its limit is measured in
``bench/bigweek.py --compare-repair``, not asserted here: the project's tests hold no
wall-clock limits, and CI runs two of them at a time on two cores.)
"""

from __future__ import annotations

import numpy as np
import pytest

from routing.check import check
from routing.model import UNREACHABLE
from routing.repair import try_insert
from routing.solve import solve

pytestmark = pytest.mark.slow

N_VISITS = 2000
TIME_LIMIT = 10.0


def _walk_matrix(pbf, n_points: int, seed: int) -> np.ndarray:
    """Walking times between an office and random street nodes within 3 km (as
    ``bench/week.py``'s ``street_points``, from the shared extract)."""
    from scipy.sparse.csgraph import dijkstra

    from geodata.network import haversine_m, load_network

    net = load_network(pbf, "walk")
    lon0, lat0 = float(np.median(net.node_lon)), float(np.median(net.node_lat))
    dist0 = haversine_m(net.node_lon, net.node_lat, lon0, lat0)
    near = np.flatnonzero(dist0 < 3000.0)
    rng = np.random.default_rng(seed)
    office = int(near[np.argmin(dist0[near])])
    chosen = rng.choice(near[near != office], size=n_points - 1, replace=False)
    nodes = np.concatenate([[office], chosen])
    t = dijkstra(net.csr("time"), indices=nodes)[:, nodes]
    return np.where(np.isfinite(t), np.ceil(t), UNREACHABLE).astype(np.int64)


def _insertable(problem, sol) -> list[str]:
    """The left-out visits that fit some route of the plan as it is, by plain insertion."""
    idx = problem.visit_index()
    vehicles = problem.vehicles()
    by_vehicle = {r.vehicle: r for r in sol.routes}
    seqs = {veh.index: [problem.visits[idx[x]] for x in by_vehicle[veh.index].visits]
            if veh.index in by_vehicle else [] for veh in vehicles}
    found = []
    for u in sol.unassigned:
        visit = problem.visits[idx[u.visit]]
        for veh in vehicles:
            r = by_vehicle.get(veh.index)
            if try_insert(problem, veh, seqs[veh.index], r, visit) is not None:
                found.append(u.visit)
                break
    return found


def test_a_big_week_leaves_out_no_visit_that_fits(bad_hersfeld_pbf):
    from bench.bigweek import week

    dur = _walk_matrix(bad_hersfeld_pbf, N_VISITS + 1, seed=1)
    problem = week(dur, N_VISITS, 1, teams=8, days=5, max_visits=None)
    sol = solve(problem, time_limit=TIME_LIMIT, threads=2)
    assert check(problem, sol) == []
    codes = [u.code for u in sol.unassigned]
    assert codes.count("not_checked") == 0, sol.stats.get("post_elapsed")
    assert len(codes) > 1000  # a week holds far fewer visits than candidates
    assert _insertable(problem, sol) == []
