"""Ruin-and-recreate improvement of a plan (SISR), compiled with numba.

After OR-Tools has found a good plan, this phase keeps improving it with the *slack
induction by string removals* scheme of Christiaens & Vanden Berghe (2020, "Slack
induction by string removals for vehicle routing problems", Transportation Science 54):

- **ruin**: pick a random visit, walk its nearest neighbours and cut a short string of
  consecutive visits (sometimes keeping one in the middle: "split string") out of each
  neighbour's route, until a few routes are cut;
- **recreate**: put the removed visits (and every visit still left out) back one by one,
  each at its cheapest feasible place, skipping places at random ("blinks"). Visits that
  must be served (pinned: a team, day, time or position, an agreed appointment, an
  announced visit; their penalty outweighs every priority sum) always go back first,
  strictly by priority. The others follow by priority too; while some route has room
  for more visits, an iteration may instead weigh their priority with random noise, or
  per second of service (see ``ORDER_MIN``), so that an over-full day can trade one long
  visit for two shorter ones of a larger priority sum (strictly by priority, the long
  one went back in first every time). Among visits of equal priority SISR's orders
  decide (random, by demand, by distance to the depot), except while the plan leaves
  visits out: then the ones near the ruin go first, cheapest insertion first (see
  ``NEAR_KEYS``);
- **accept** by simulated annealing, keep the best plan seen.

It works on the whole model, not only on Solomon-type problems: several time windows
per visit, service times, shift windows, breaks (taken in the gaps between services, as
in :mod:`routing.schedule`), capacities, max visits, skills, day ranges and team/day pins
(an allowed vehicle per visit), drop penalties (a left-out visit costs its penalty, so a
plan that serves fewer or lower-priority visits is never preferred), the balance cost and
the span cost (``Problem.span_cost``: each second of a used team-day's shortest length,
from leaving as late as its earliest return allows to that return, breaks not counted;
exact in a route's cost, estimated without breaks when choosing an insertion place).
OR-Tools' phase does not see the span cost (its span would hold the lunch break), so
this phase alone trades travel for idle time. A prefix of position-pinned visits (1, 2, ..., k) stays in front, the rest of its
route is searched; routes with other position pins are left as OR-Tools built them.

Time checks of a route without breaks are O(1) per insertion place (earliest service
start forward, latest feasible start backward, as in Savelsbergh 1992). A route with
breaks must pass the same check without its breaks first (breaks only delay), then is
re-simulated with a greedy placement of its breaks (and, for one break, every gap when
the greedy one fails). Every route is re-timed by :mod:`routing.schedule`
afterwards, and the caller keeps the OR-Tools plan if any route does not re-time.
This phase always takes a break left for the way back, also one whose window opens only
when the team is back (:mod:`routing.schedule` leaves that one out): a route it accepts
re-times to the same or an earlier return, and it only misses routes that fit solely
without such a break (a shift that ends before the break window could close; the app
gives no shift such a break). Mirroring the rule here cost about a quarter of the
iterations per second (QA 22 F4).
"""

from __future__ import annotations

import math
import time

import numpy as np
from numba import njit

#: Travel time marking a leg that cannot be used.
INF = 1 << 40
#: "No limit" for a window end or a capacity (far above any valid time or load sum).
OPEN = 1 << 62
#: SISR parameters (the paper's values; the temperatures are ours, see ``improve``).
AVG_REMOVED = 10.0
MAX_STRING = 10.0
SPLIT_RATE = 0.5
SPLIT_DEPTH = 0.01
BLINK_RATE = 0.01
#: Recreate orders of the visits that need not be served (the pinned ones always go back
#: first, strictly by penalty): 0 strictly by priority (penalty), 1 by priority times a
#: random factor in [1 - PRIO_NOISE, 1] (one per priority level), 2 the same per second
#: of service. Each order is drawn with a weight: its recent acceptance rate (exponential
#: average with ORDER_REACTION), at least ORDER_MIN (strict order) or ORDER_MIN / 4 (the
#: others). Used only while some route has room for more visits: when every route holds
#: its maximum, the priority alone decides which visits fit.
PRIO_NOISE = 0.5
#: While the plan leaves visits out (more candidates than places), the visits cut out and
#: the left-out visits among their NEAR_KEYS nearest go back first, each in the order of
#: its cheapest insertion into the ruined plan (travel and visit cost, before any of them
#: is put back); the other left-out visits follow in SISR's order (a plan with nothing to
#: cut, e.g. one from nothing, orders them all by cost: they build the whole plan; an
#: iteration whose ruin found nothing to cut near its seed keeps SISR's order, as for the
#: visits far from a ruin; session 36: such iterations were 18-40 % of all on weeks of
#: 1,200-2,000 candidates, and costing every visit in them changed no seeded plan of
#: weeks of 300-2,000 candidates from nothing). SISR's orders were made for plans that
#: serve every visit: with them whichever candidates came first took the places the
#: ruin had freed, and the phase rarely found a better plan (session 35, seeded: a week
#: of 400 candidates for 100 places, windowed, built from nothing, ended 10-49 % above
#: this order's travel; 300 candidates for 100 places 3.5-5.4 % above the optimum after
#: 2,000 iterations from nothing, about 2 % with it).
#: Keying every left-out visit planned as well but took 2.5-3.5 times as long per
#: iteration on weeks of 800-2,000 candidates (a seeded run of 1,200 candidates at 10 s
#: then hit its time limit); the 10 nearest cost no measurable time.
NEAR_KEYS = 10
ORDER_MIN = 0.001
ORDER_REACTION = 0.01
#: Annealing temperatures at the start and the end, in mean legs of the start plan.
TEMP_START = 3.0
TEMP_END = 0.01
#: Neighbours kept per visit for the ruin step (the paper walks them in order).
MAX_NEIGHBOURS = 200
#: Stop criterion: no better plan for STALL_BASE + STALL_PER_VISIT * visits iterations.
#: Far beyond what a 10 s Solomon run (10^5 iterations) or a week plan reaches; it ends
#: small problems (a 2-visit plan after ~20,000 iterations, a few milliseconds) early.
STALL_BASE = 20_000
STALL_PER_VISIT = 2_000
#: Iterations between two looks at the stall rule in a seeded run (see ``improve``).
SEEDED_BLOCK = 200


@njit(cache=True, nogil=True)
def _earliest(tw_n, tw_s, tw_e, i, t):
    """Earliest service start of visit i at or after t (-1: every window has closed)."""
    for j in range(tw_n[i]):
        if t <= tw_e[i, j]:
            return max(t, tw_s[i, j])
    return -1


@njit(cache=True, nogil=True)
def _latest(tw_n, tw_s, tw_e, i, t):
    """Latest service start of visit i at or before t (-1: no window opens by then)."""
    for j in range(tw_n[i] - 1, -1, -1):
        if t >= tw_s[i, j]:
            return min(t, tw_e[i, j])
    return -1


@njit(cache=True, nogil=True)
def _sim_gaps(v, seq, L, gaps, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e,
              nbk, bk_ws, bk_ls, bk_d):
    """Earliest end time of ``seq[:L]`` on vehicle v with break b in gap ``gaps[b]``.

    Mirrors ``routing.schedule._timed`` (breaks sorted by window start). -1: infeasible.
    """
    md = vmode[v]
    e = sh_s[v]
    prev = vs[v]
    b = 0
    for k in range(L + 1):
        nxt = seq[k] if k < L else ve[v]
        t = T[md, prev, nxt]
        if t >= INF:
            return -1
        tb = e
        arrival = e + t
        while b < nbk[v] and gaps[b] == k:
            bs = max(tb, bk_ws[v, b])
            if bs > bk_ls[v, b]:
                return -1
            if bs < arrival:
                arrival += bk_d[v, b]
            tb = bs + bk_d[v, b]
            b += 1
        ready = max(arrival, tb)
        if k < L:
            s = _earliest(tw_n, tw_s, tw_e, nxt, ready)
            if s < 0:
                return -1
            e = s + svc[nxt]
            prev = nxt
        else:
            if ready > sh_e[v]:
                return -1
            return ready
    return -1


@njit(cache=True, nogil=True)
def _sim_breaks(v, seq, L, gaps, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e,
                nbk, bk_ws, bk_ls, bk_d):
    """Feasibility of ``seq[:L]`` on a vehicle with breaks; fills ``gaps``. True if found.

    Greedy: a break is put off to a later gap while the next service would still end
    by the break's latest start; with one break every gap is tried when that fails.
    """
    md = vmode[v]
    e = sh_s[v]
    prev = vs[v]
    b = 0
    ok = True
    for k in range(L + 1):
        nxt = seq[k] if k < L else ve[v]
        t = T[md, prev, nxt]
        if t >= INF:
            return False
        tb = e
        arrival = e + t
        while b < nbk[v]:
            take = k == L
            if not take:
                s_wo = _earliest(tw_n, tw_s, tw_e, nxt, max(arrival, tb))
                take = s_wo < 0 or s_wo + svc[nxt] > bk_ls[v, b]
            if not take:
                break
            gaps[b] = k
            bs = max(tb, bk_ws[v, b])
            if bs > bk_ls[v, b]:
                ok = False
                break
            if bs < arrival:
                arrival += bk_d[v, b]
            tb = bs + bk_d[v, b]
            b += 1
        if not ok:
            break
        ready = max(arrival, tb)
        if k < L:
            s = _earliest(tw_n, tw_s, tw_e, nxt, ready)
            if s < 0:
                ok = False
                break
            e = s + svc[nxt]
            prev = nxt
        elif ready > sh_e[v]:
            ok = False
    if ok:
        return True
    if nbk[v] != 1:
        return False
    for g in range(L + 1):
        gaps[0] = g
        if _sim_gaps(v, seq, L, gaps, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e,
                     nbk, bk_ws, bk_ls, bk_d) >= 0:
            return True
    return False


@njit(cache=True, nogil=True)
def _sim_dep(v, seq, L, gaps, dep, T, vmode, vs, ve, sh_e, svc, tw_n, tw_s, tw_e, nbk,
             bk_ws, bk_ls, bk_d):
    """(return time, summed duration of the breaks taken) of ``seq[:L]`` on vehicle v
    leaving at ``dep``, break b in gap ``gaps[b]``, with ``routing.schedule``'s rule that
    a break of the last gap whose window opens only when the team is back is not taken.
    Return time -1: infeasible."""
    md = vmode[v]
    e = dep
    prev = vs[v]
    b = 0
    taken = 0
    for k in range(L + 1):
        nxt = seq[k] if k < L else ve[v]
        t = T[md, prev, nxt]
        if t >= INF:
            return -1, 0
        tb = e
        arrival = e + t
        while b < nbk[v] and gaps[b] == k:
            if k == L and arrival <= bk_ws[v, b]:
                b += 1
                continue
            bs = max(tb, bk_ws[v, b])
            if bs > bk_ls[v, b]:
                return -1, 0
            if bs < arrival:
                arrival += bk_d[v, b]
            tb = bs + bk_d[v, b]
            taken += bk_d[v, b]
            b += 1
        ready = max(arrival, tb)
        if k < L:
            s = _earliest(tw_n, tw_s, tw_e, nxt, ready)
            if s < 0:
                return -1, 0
            e = s + svc[nxt]
            prev = nxt
        else:
            if ready > sh_e[v]:
                return -1, 0
            return ready, taken
    return -1, 0


@njit(cache=True, nogil=True)
def _span_breaks(v, seq, L, gaps, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e, nbk,
                 bk_ws, bk_ls, bk_d):
    """Shortest length of the day of ``seq[:L]`` with these break gaps, its breaks not
    counted: the earliest return, leaving as late as possible for it (as
    ``routing.schedule`` times a route with a span cost). -1: infeasible."""
    back, _ = _sim_dep(v, seq, L, gaps, sh_s[v], T, vmode, vs, ve, sh_e, svc, tw_n, tw_s,
                       tw_e, nbk, bk_ws, bk_ls, bk_d)
    if back < 0:
        return -1
    md = vmode[v]
    busy = 0
    prev = vs[v]
    for k in range(L + 1):
        nxt = seq[k] if k < L else ve[v]
        busy += T[md, prev, nxt]
        if k < L:
            busy += svc[nxt]
        prev = nxt
    lo = sh_s[v]
    hi = back - busy
    # without breaks the team could leave no later than the latest schedule back by then
    t = back
    nxt = ve[v]
    for p in range(L - 1, -1, -1):
        c = seq[p]
        t = _latest(tw_n, tw_s, tw_e, c, t - T[md, c, nxt] - svc[c])
        nxt = c
    if t >= 0 and L > 0:
        hi = min(hi, t - T[md, vs[v], seq[0]])
    hi = max(hi, lo)
    r, k = _sim_dep(v, seq, L, gaps, hi, T, vmode, vs, ve, sh_e, svc, tw_n, tw_s, tw_e, nbk,
                    bk_ws, bk_ls, bk_d)
    if r == back:  # the common case: no wait that a later start cannot remove
        return back - hi - k
    _, taken = _sim_dep(v, seq, L, gaps, lo, T, vmode, vs, ve, sh_e, svc, tw_n, tw_s, tw_e,
                        nbk, bk_ws, bk_ls, bk_d)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        r, k = _sim_dep(v, seq, L, gaps, mid, T, vmode, vs, ve, sh_e, svc, tw_n, tw_s, tw_e,
                        nbk, bk_ws, bk_ls, bk_d)
        if r == back:
            lo = mid
            taken = k
        else:
            hi = mid - 1
    return back - lo - taken


@njit(cache=True, nogil=True)
def _span_plain(v, seq, L, e0, p0, T, vmode, vs, ve, svc, tw_n, tw_s, tw_e):
    """Shortest length of the day of ``seq[:L]`` without breaks, the first ``p0`` visits'
    services ending at ``e0`` (the earliest times): forward to the earliest return, then
    backward to the latest departure that keeps it. -1: infeasible (no check of the
    shift's end)."""
    if L == 0:
        return 0
    md = vmode[v]
    e = e0
    prev = seq[p0 - 1] if p0 > 0 else vs[v]
    for p in range(p0, L):
        c = seq[p]
        s = _earliest(tw_n, tw_s, tw_e, c, e + T[md, prev, c])
        if s < 0:
            return -1
        e = s + svc[c]
        prev = c
    back = e + T[md, prev, ve[v]]
    t = back
    nxt = ve[v]
    for p in range(L - 1, -1, -1):
        c = seq[p]
        t = _latest(tw_n, tw_s, tw_e, c, t - T[md, c, nxt] - svc[c])
        if t < 0:
            return -1
        nxt = c
    return back - (t - T[md, vs[v], seq[0]])


@njit(cache=True, nogil=True)
def _refresh(v, R, rl, est, lst, rcost, load, posof, where, T, vmode, vs, ve, sh_s, sh_e,
             svc, tw_n, tw_s, tw_e, amt, nbk, bk_ws, bk_ls, bk_d, gapbuf, mv, did, dcost,
             n_dist, span_c):
    """Recompute the cached times, cost, load and positions of route v. False: infeasible.

    With ``span_c`` > 0 the cost includes ``span_c`` per second of the day's shortest
    length (see :attr:`routing.model.Problem.span_cost`)."""
    md = vmode[v]
    L = rl[v]
    seq = R[v]
    for k in range(load.shape[1]):
        load[v, k] = 0
    for p in range(L):
        c = seq[p]
        posof[c] = p
        where[c] = v
        for k in range(load.shape[1]):
            load[v, k] += amt[c, k]
    if L == 0:  # an unused team-day costs nothing (as in OR-Tools) and takes no break
        rcost[v] = 0
        lst[v, 0] = sh_e[v]
        return True
    cost = 0
    prev = vs[v]
    for p in range(L + 1):
        nxt = seq[p] if p < L else ve[v]
        t = T[md, prev, nxt]
        if t >= INF:
            return False
        cost += t
        prev = nxt
        if p < L:
            cost += mv[nxt, v]  # moved from its home team-day, or outside its districts
    if dcost > 0:  # each district beyond the first
        seen = np.zeros(n_dist, np.bool_)
        k = 0
        for p in range(L):
            d = did[seq[p]]
            if d >= 0 and not seen[d]:
                seen[d] = True
                k += 1
        if k > 1:
            cost += dcost * (k - 1)
    rcost[v] = cost
    # Times without the breaks: exact for a vehicle without breaks, a relaxation (breaks
    # only delay) that filters insertion places cheaply for one with breaks.
    # forward: earliest service starts
    e = sh_s[v]
    prev = vs[v]
    for p in range(L):
        c = seq[p]
        s = _earliest(tw_n, tw_s, tw_e, c, e + T[md, prev, c])
        if s < 0:
            return False
        est[v, p] = s
        e = s + svc[c]
        prev = c
    if e + T[md, prev, ve[v]] > sh_e[v]:
        return False
    # backward: latest feasible service starts (lst[v, L] bounds the arrival at the end)
    lst[v, L] = sh_e[v]
    nxt = ve[v]
    for p in range(L - 1, -1, -1):
        c = seq[p]
        lst[v, p] = _latest(tw_n, tw_s, tw_e, c, lst[v, p + 1] - T[md, c, nxt] - svc[c])
        nxt = c
    if nbk[v] > 0:
        if not _sim_breaks(v, seq, L, gapbuf, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s,
                           tw_e, nbk, bk_ws, bk_ls, bk_d):
            return False
        if span_c > 0:
            sp = _span_breaks(v, seq, L, gapbuf, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n,
                              tw_s, tw_e, nbk, bk_ws, bk_ls, bk_d)
            if sp < 0:  # only the break rule of the way back differs: the plain length
                sp = _span_plain(v, seq, L, sh_s[v], 0, T, vmode, vs, ve, svc, tw_n, tw_s,
                                 tw_e)
            rcost[v] += span_c * max(sp, 0)
        return True
    if span_c > 0:
        rcost[v] += span_c * max(0, _span_plain(v, seq, L, sh_s[v], 0, T, vmode, vs, ve, svc,
                                                tw_n, tw_s, tw_e))
    return True


@njit(cache=True, nogil=True)
def _team_count(rl, vteam, t):
    """Visits of team ``t`` over the span (the lengths of its vehicles' routes)."""
    s = 0
    for v in range(rl.shape[0]):
        if vteam[v] == t:
            s += rl[v]
    return s


@njit(cache=True, nogil=True)
def _team_cost(cnt, tb_coef, share):
    """The team balance cost of a team with ``cnt`` visits and the given share."""
    if tb_coef <= 0 or share >= cnt:
        return 0
    return tb_coef * (cnt - share)


@njit(cache=True, nogil=True)
def _balance_cost(L, bal_coef, bal_target):
    if bal_coef <= 0 or bal_target >= L:
        return 0
    return bal_coef * (L - bal_target)


# The helpers below run for every route or insertion place tried. Each reads every
# array element it needs before it branches (at p = 0, ``R[v, p - 1]`` and
# ``est[v, p - 1]`` are the rows' unused last entries): numba then counts no references
# to the arrays per call. Helpers that read some arrays on one branch only ran a quarter
# of the iterations per second on Solomon's R101.


@njit(cache=True, nogil=True)
def _may_take(v, c, frozen, allowed, rl, maxv, load, amt, cap):
    """Whether route v may take visit c at all, its times aside: not frozen, allowed,
    below its maximum number of visits, every capacity kept."""
    fr = frozen[v]
    ok = allowed[c, v]
    full = rl[v] >= maxv[v]
    if fr or not ok or full:
        return False
    for k in range(load.shape[1]):  # noqa: SIM110 (numba: no all() over a generator)
        if load[v, k] + amt[c, k] > cap[v, k]:
            return False
    return True


@njit(cache=True, nogil=True)
def _detour(v, p, c, R, rl, T, vmode, vs, ve):
    """(t1, t2, added) of visit c at position p of route v: the legs from the stop before
    and to the stop after, and the travel the route gains (an empty route was charged
    nothing: both legs). t1 = INF: a leg cannot be used."""
    md = vmode[v]
    L = rl[v]
    before = R[v, p - 1]
    after = R[v, p]
    first = vs[v]
    last = ve[v]
    prv = before if p > 0 else first
    nxt = after if p < L else last
    t1 = T[md, prv, c]
    t2 = T[md, c, nxt]
    t0 = T[md, prv, nxt]
    if t1 >= INF or t2 >= INF:
        return INF, INF, INF
    return t1, t2, t1 + t2 - (t0 if L > 0 else 0)


@njit(cache=True, nogil=True)
def _gap_fits(v, p, c, t1, t2, R, est, lst, sh_s, svc, tw_n, tw_s, tw_e):
    """The time check without breaks of visit c at position p of route v (legs t1, t2
    from :func:`_detour`): the end of the service before the place (the shift start at
    p = 0) if c can start in a window and the route's rest still keeps its latest
    starts, else -1."""
    ended = est[v, p - 1] + svc[R[v, p - 1]]
    start = sh_s[v]
    latest = lst[v, p]
    dur = svc[c]
    e = ended if p > 0 else start
    s = _earliest(tw_n, tw_s, tw_e, c, e + t1)
    if s < 0 or s + dur + t2 > latest:
        return -1
    return e


@njit(cache=True, nogil=True)
def _with_visit(tmp, R, v, L, p, c):
    """Route v's first L visits with visit c inserted at position p, into ``tmp``."""
    for x in range(p):
        tmp[x] = R[v, x]
    tmp[p] = c
    for x in range(p, L):
        tmp[x + 1] = R[v, x]


@njit(cache=True, nogil=True)
def _cheapest(c0, gn, gm, frozen, allowed, rl, maxv, load, amt, cap, R, fixlen, est, lst, T,
              vmode, vs, ve, sh_s, svc, tw_n, tw_s, tw_e, mv):
    """The cheapest insertion of visit c0 (or an alternative of its group) into the plan
    as it stands: travel added plus its visit cost, by the time check without breaks
    (no span, balance or district cost: a sort key). INF: no place."""
    best = float(INF)
    m = R.shape[0]
    for jg in range(gn[c0]):
        c = gm[c0, jg]
        for v in range(m):
            if not _may_take(v, c, frozen, allowed, rl, maxv, load, amt, cap):
                continue
            for p in range(fixlen[v], rl[v] + 1):
                t1, t2, added = _detour(v, p, c, R, rl, T, vmode, vs, ve)
                if t1 >= INF:
                    continue
                delta = added + mv[c, v]
                if delta >= best:
                    continue
                if _gap_fits(v, p, c, t1, t2, R, est, lst, sh_s, svc, tw_n, tw_s, tw_e) < 0:
                    continue
                best = float(delta)
    return best


@njit(cache=True, nogil=True)
def _mark_near(near, removed, n_cut, adj, value):
    """Set ``near`` to ``value`` for the first ``n_cut`` visits of ``removed`` (those the
    ruin cut out) and their NEAR_KEYS nearest (``adj``): marked before the recreate step
    orders the left-out visits, and cleared after it (see NEAR_KEYS)."""
    for q in range(n_cut):
        c = removed[q]
        near[c] = value
        for j in range(min(NEAR_KEYS, adj.shape[1])):
            near[adj[c, j]] = value


@njit(cache=True, nogil=True)
def _copy_route(v, R, rl, est, lst, rcost, load, R2, rl2, est2, lst2, rcost2, load2):
    """Copy route v's visits, cached times, cost and load from the first arrays into the
    second (the backup before an iteration changes the route, or the backup back)."""
    L = rl[v]
    for p in range(L):
        R2[v, p] = R[v, p]
        est2[v, p] = est[v, p]
    for p in range(L + 1):
        lst2[v, p] = lst[v, p]
    rl2[v] = L
    rcost2[v] = rcost[v]
    for k in range(load.shape[1]):
        load2[v, k] = load[v, k]


@njit(cache=True, nogil=True)
def _run(n_iter, t_from, t_to, R, rl, est, lst, rcost, load, posof, where, cur_obj,
         bestR, bestrl, best_obj, T, vmode, vs, ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e, amt,
         cap, maxv, allowed, frozen, fixlen, pen, bal_coef, bal_target, nbk, bk_ws, bk_ls,
         bk_d, adj, dem, dd, mv, did, dcost, n_dist, bR, brl, best_, blst, brcost, bload,
         oscore, must, span_c, tb_coef, vteam, tshare, gn, gm):
    """``n_iter`` ruin-and-recreate iterations; temperature log-linear from t_from to t_to.

    ``oscore`` (3 floats, updated in place): the weights of the recreate orders.
    ``must`` (per visit): a visit to serve first (a pin), always inserted strictly by
    penalty before the others, whatever the order drawn for them.
    ``tb_coef``, ``vteam``, ``tshare``: the team balance (``Problem.team_balance``): each
    visit a team (``vteam`` per vehicle) has above its share ``tshare`` costs ``tb_coef``.
    ``gn``, ``gm``: per visit the number and indices of its group's alternatives
    (``Problem.alternatives``, itself included): a visit goes back in at the cheapest
    place of any alternative of its group, and not at all while one of them is served.
    Returns (current objective, best objective, accepted moves, improvements of best).
    """
    n = R.shape[1] - 1
    m = R.shape[0]
    touched = np.zeros(m, np.bool_)
    tlist = np.empty(m, np.int64)
    removed = np.empty(n, np.int64)
    removed_mark = np.zeros(n, np.bool_)
    tmp = np.empty(n + 1, np.int64)
    gapbuf = np.zeros(max(1, bk_ws.shape[1]), np.int64)
    tcnt = np.zeros(tshare.shape[0], np.int64)
    keys = np.empty(n, np.float64)
    near = np.zeros(n, np.bool_)  # left-out visits near the ruin (see NEAR_KEYS)
    gdone = np.zeros(n, np.bool_)  # groups already tried in this recreate step
    accepted = 0
    improved = 0
    for it in range(n_iter):
        frac = it / max(1, n_iter)
        temp = t_from * (t_to / t_from) ** frac if t_from > 0 else 0.0
        nt = 0
        na = 0
        ok = True
        new_obj = cur_obj
        kind = -1  # the order of the recreate step (-1: by priority, not chosen)
        # every route at its maximum number of visits: the priority decides which fit
        count_bound = True
        for v in range(m):
            if not frozen[v] and rl[v] < maxv[v]:
                count_bound = False
        # -- ruin ----------------------------------------------------------------
        n_assigned = 0
        n_routes = 0
        for v in range(m):
            if rl[v] > fixlen[v] and not frozen[v]:
                n_assigned += rl[v] - fixlen[v]
                n_routes += 1
        if n_routes > 0:
            avg_card = n_assigned / n_routes
            ls_max = min(MAX_STRING, avg_card)
            ks_max = 4.0 * AVG_REMOVED / (1.0 + ls_max) - 1.0
            ks = int(np.random.uniform(1.0, ks_max + 1.0))
            seed = np.random.randint(0, n)
            n_cut = 0
            for j in range(-1, adj.shape[1]):
                if n_cut >= ks:
                    break
                c = seed if j < 0 else adj[seed, j]
                v = where[c]
                if v < 0 or frozen[v] or touched[v] or posof[c] < fixlen[v]:
                    continue
                L = rl[v]
                F = fixlen[v]  # the frozen prefix R[v, :F] is never cut
                Lf = L - F
                lt_max = min(float(Lf), ls_max)
                lt = int(np.random.uniform(1.0, lt_max + 1.0))
                lt = max(1, min(lt, Lf))
                # back the route up before the first change
                touched[v] = True
                tlist[nt] = v
                nt += 1
                _copy_route(v, R, rl, est, lst, rcost, load, bR, brl, best_, blst, brcost,
                            bload)
                pos = posof[c]
                keep_from = -1
                keep_len = 0
                if lt == Lf or np.random.random() < SPLIT_RATE:
                    total = lt
                else:
                    keep_len = 1
                    while keep_len < Lf - lt and np.random.random() < SPLIT_DEPTH:
                        keep_len += 1
                    total = min(Lf, lt + keep_len)
                    keep_len = total - lt
                lo = max(F, pos - total + 1)
                hi = min(pos, L - total)
                st = np.random.randint(lo, hi + 1)
                if keep_len > 0:
                    keep_from = st + np.random.randint(0, lt + 1)
                # rebuild the route without the cut string (except the kept part)
                w = 0
                for p in range(L):
                    inside = st <= p < st + total
                    kept = keep_from >= 0 and keep_from <= p < keep_from + keep_len
                    cc = bR[v, p]
                    if inside and not kept:
                        removed[na] = cc
                        removed_mark[cc] = True
                        na += 1
                        where[cc] = -1
                        new_obj += pen[cc]
                    else:
                        R[v, w] = cc
                        w += 1
                rl[v] = w
                new_obj -= brcost[v] + _balance_cost(L, bal_coef, bal_target)
                if not _refresh(v, R, rl, est, lst, rcost, load, posof, where, T, vmode, vs,
                                ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e, amt, nbk, bk_ws,
                                bk_ls, bk_d, gapbuf, mv, did, dcost, n_dist, span_c):
                    ok = False
                new_obj += rcost[v] + _balance_cost(w, bal_coef, bal_target)
                if tb_coef > 0 and w != L:
                    tv = vteam[v]
                    after = _team_count(rl, vteam, tv)
                    new_obj += _team_cost(after, tb_coef, tshare[tv]) - _team_cost(
                        after - w + L, tb_coef, tshare[tv])
                n_cut += 1
        # every visit still left out gets a chance too
        n_out = 0
        for c in range(n):
            if where[c] < 0 and not removed_mark[c]:
                served = False  # an alternative of it is served: not a left-out visit
                for j in range(gn[c]):
                    if where[gm[c, j]] >= 0:
                        served = True
                if served:
                    continue
                insertable = False
                for v in range(m):
                    if allowed[c, v] and not frozen[v]:
                        insertable = True
                        break
                if insertable:
                    removed[na] = c
                    removed_mark[c] = True
                    na += 1
                    n_out += 1
        # -- recreate -----------------------------------------------------------
        if ok and na > 0:
            r = np.random.random() * 11.0
            for q in range(na):
                c = removed[q]
                if r < 4.0:
                    keys[q] = np.random.random()
                elif r < 8.0:
                    keys[q] = -dem[c]
                elif r < 10.0:
                    keys[q] = -dd[c]
                else:
                    keys[q] = dd[c]
            order = np.argsort(keys[:na], kind="mergesort")
            if n_out > 0:
                # More visits than the plan serves: the order above would decide which
                # ones take the freed places. The visits near the ruin (the ones cut out
                # and their NEAR_KEYS nearest) go first, cheapest insertion first; the
                # others follow in the order above.
                _mark_near(near, removed, na - n_out, adj, True)
                ckeys = np.empty(na, np.float64)
                for q in range(na):
                    c = removed[order[q]]
                    ckeys[q] = float(OPEN)
                    if near[c] or n_routes == 0:  # nothing to cut (from nothing): all
                        ckeys[q] = _cheapest(c, gn, gm, frozen, allowed, rl, maxv, load, amt,
                                             cap, R, fixlen, est, lst, T, vmode, vs, ve, sh_s,
                                             svc, tw_n, tw_s, tw_e, mv)
                order = order[np.argsort(ckeys, kind="mergesort")]
                _mark_near(near, removed, na - n_out, adj, False)
            pkeys = np.empty(na, np.int64)
            for q in range(na):
                pkeys[q] = -pen[removed[order[q]]]
            order = order[np.argsort(pkeys, kind="mergesort")]  # by priority first
            # How to weigh the priority of the visits that need not be served (see
            # ORDER_MIN): 0 strictly, 1 with noise, 2 with noise and per second of service.
            # One noise factor per penalty level: visits of equal priority keep the order
            # above. The visits to serve first keep their place in front, strictly by
            # penalty (the stable sort keeps their order).
            if not count_bound:
                rk = np.random.random() * (oscore[0] + oscore[1] + oscore[2])
                kind = 0 if rk < oscore[0] else 1 if rk < oscore[0] + oscore[1] else 2
            if kind > 0:
                fkeys = np.empty(na, np.float64)
                f = 1.0
                for q in range(na):
                    c = removed[order[q]]
                    if must[c]:
                        fkeys[q] = -np.inf
                        continue
                    if q == 0 or pen[c] != pen[removed[order[q - 1]]]:
                        f = 1.0 - PRIO_NOISE * np.random.random()
                    fkeys[q] = -float(pen[c]) * f
                    if kind == 2:
                        fkeys[q] /= svc[c] + 1.0
                order = order[np.argsort(fkeys, kind="mergesort")]
            for q in range(na):
                c0 = removed[order[q]]
                if gdone[c0]:
                    continue
                taken = False
                for j in range(gn[c0]):
                    gdone[gm[c0, j]] = True
                    if where[gm[c0, j]] >= 0:
                        taken = True
                if taken:  # an alternative of the visit is served
                    continue
                best_delta = INF
                best_v = -1
                best_p = -1
                best_c = -1
                if tb_coef > 0:  # the teams' visits now (rl changes only by insertions)
                    for t in range(tcnt.shape[0]):
                        tcnt[t] = 0
                    for v in range(m):
                        tcnt[vteam[v]] += rl[v]
                for jg in range(gn[c0]):
                    c = gm[c0, jg]
                    for v in range(m):
                        if not _may_take(v, c, frozen, allowed, rl, maxv, load, amt, cap):
                            continue
                        L = rl[v]
                        bal = _balance_cost(L + 1, bal_coef, bal_target) - _balance_cost(
                            L, bal_coef, bal_target)
                        if tb_coef > 0:
                            tv = vteam[v]
                            bal += _team_cost(tcnt[tv] + 1, tb_coef, tshare[tv]) - _team_cost(
                                tcnt[tv], tb_coef, tshare[tv])
                        if dcost > 0 and did[c] >= 0 and L > 0:  # a new district here?
                            any_d = False
                            same = False
                            for x in range(L):
                                dx = did[R[v, x]]
                                if dx >= 0:
                                    any_d = True
                                    if dx == did[c]:
                                        same = True
                                        break
                            if any_d and not same:
                                bal += dcost
                        old_sp = 0
                        if span_c > 0 and L > 0:  # the day's length now (without breaks)
                            old_sp = _span_plain(v, R[v], L, sh_s[v], 0, T, vmode, vs, ve, svc,
                                                 tw_n, tw_s, tw_e)
                        for p in range(fixlen[v], L + 1):
                            if np.random.random() < BLINK_RATE:
                                continue
                            t1, t2, added = _detour(v, p, c, R, rl, T, vmode, vs, ve)
                            if t1 >= INF:
                                continue
                            delta = added + bal + mv[c, v]
                            if best_v >= 0 and delta >= best_delta:
                                continue
                            e = _gap_fits(v, p, c, t1, t2, R, est, lst, sh_s, svc, tw_n, tw_s,
                                          tw_e)
                            if e < 0:
                                continue
                            if nbk[v] > 0 or span_c > 0:
                                _with_visit(tmp, R, v, L, p, c)
                            if span_c > 0:  # the longer day (breaks left out: an estimate)
                                sp = _span_plain(v, tmp, L + 1, e, p, T, vmode, vs, ve, svc,
                                                 tw_n, tw_s, tw_e)
                                if sp >= 0:
                                    delta += span_c * (sp - old_sp)
                                if best_v >= 0 and delta >= best_delta:
                                    continue
                            # the check above ignored the breaks
                            if nbk[v] > 0 and not _sim_breaks(v, tmp, L + 1, gapbuf, T, vmode, vs,
                                                              ve, sh_s, sh_e, svc, tw_n, tw_s,
                                                              tw_e, nbk, bk_ws, bk_ls, bk_d):
                                continue
                            best_delta = delta
                            best_v = v
                            best_p = p
                            best_c = c
                if best_v < 0:
                    continue
                c = best_c
                v = best_v
                if not touched[v]:
                    touched[v] = True
                    tlist[nt] = v
                    nt += 1
                    _copy_route(v, R, rl, est, lst, rcost, load, bR, brl, best_, blst,
                                brcost, bload)
                L = rl[v]
                for x in range(L, best_p, -1):
                    R[v, x] = R[v, x - 1]
                R[v, best_p] = c
                rl[v] = L + 1
                old = rcost[v] + _balance_cost(L, bal_coef, bal_target)
                if not _refresh(v, R, rl, est, lst, rcost, load, posof, where, T, vmode, vs,
                                ve, sh_s, sh_e, svc, tw_n, tw_s, tw_e, amt, nbk, bk_ws,
                                bk_ls, bk_d, gapbuf, mv, did, dcost, n_dist, span_c):
                    ok = False  # cannot happen: the place was checked
                new_obj += rcost[v] + _balance_cost(L + 1, bal_coef, bal_target) - old
                if tb_coef > 0:
                    tv = vteam[v]
                    cnt = _team_count(rl, vteam, tv)
                    new_obj += _team_cost(cnt, tb_coef, tshare[tv]) - _team_cost(
                        cnt - 1, tb_coef, tshare[tv])
                new_obj -= pen[c]
        # -- accept or restore --------------------------------------------------
        accept = ok and (
            new_obj < cur_obj
            or (temp > 0 and new_obj < cur_obj - temp * math.log(np.random.random() + 1e-300))
        )
        if kind >= 0:
            gain = 1.0 if accept else 0.0
            oscore[kind] = max(ORDER_MIN if kind == 0 else ORDER_MIN / 4.0,
                               (1.0 - ORDER_REACTION) * oscore[kind] + ORDER_REACTION * gain)
        if accept:
            cur_obj = new_obj
            accepted += 1
        else:
            for q in range(na):
                where[removed[q]] = -1
            for i in range(nt):
                v = tlist[i]
                _copy_route(v, bR, brl, best_, blst, brcost, bload, R, rl, est, lst, rcost,
                            load)
                for p in range(rl[v]):
                    where[R[v, p]] = v
                    posof[R[v, p]] = p
        for i in range(nt):
            touched[tlist[i]] = False
        for q in range(na):
            removed_mark[removed[q]] = False
            for j in range(gn[removed[q]]):
                gdone[gm[removed[q], j]] = False
        if accept and cur_obj < best_obj:
            best_obj = cur_obj
            improved += 1
            for v in range(m):
                bestrl[v] = rl[v]
                for p in range(rl[v]):
                    bestR[v, p] = R[v, p]
    return cur_obj, best_obj, accepted, improved


@njit(cache=True, nogil=True)
def _fit_matrix(cands, vsel, R, rl, est, lst, load, frozen, fixlen, T, vmode, vs, ve, sh_s,
                sh_e, svc, tw_n, tw_s, tw_e, amt, cap, maxv, allowed, nbk, bk_ws, bk_ls, bk_d):
    """out[q, j]: visit cands[q] may fit somewhere into route vsel[j] as it stands.

    Exact (same rules as ``routing.schedule``) for a vehicle with at most one break;
    True ("try it") for a frozen vehicle or one with several breaks.
    """
    out = np.zeros((cands.shape[0], vsel.shape[0]), np.bool_)
    tmp = np.empty(R.shape[1] + 1, np.int64)
    gapbuf = np.zeros(max(1, bk_ws.shape[1]), np.int64)
    for q in range(cands.shape[0]):
        c = cands[q]
        for j in range(vsel.shape[0]):
            v = vsel[j]
            if frozen[v] or nbk[v] > 1:
                out[q, j] = True
                continue
            if not _may_take(v, c, frozen, allowed, rl, maxv, load, amt, cap):
                continue
            L = rl[v]
            for p in range(fixlen[v], L + 1):
                t1, t2, _ = _detour(v, p, c, R, rl, T, vmode, vs, ve)
                if t1 >= INF:
                    continue
                if _gap_fits(v, p, c, t1, t2, R, est, lst, sh_s, svc, tw_n, tw_s, tw_e) < 0:
                    continue
                if nbk[v] > 0:
                    _with_visit(tmp, R, v, L, p, c)
                    if not _sim_breaks(v, tmp, L + 1, gapbuf, T, vmode, vs, ve, sh_s, sh_e,
                                       svc, tw_n, tw_s, tw_e, nbk, bk_ws, bk_ls, bk_d):
                        continue
                out[q, j] = True
                break
    return out


@njit(cache=True, nogil=True)
def _neighbours(T, n, k):
    """Per visit the k nearest other visits by min(T[i, j], T[j, i]), ties by index."""
    adj = np.empty((n, k), np.int64)
    row = np.empty(n, np.int64)
    for i in range(n):
        for j in range(n):
            a = T[i, j]
            b = T[j, i]
            row[j] = a if a < b else b
        row[i] = INF + 1
        order = np.argsort(row, kind="mergesort")
        for q in range(k):
            adj[i, q] = order[q]
    return adj


class _Arrays:
    """The problem as flat arrays over OR-Tools' node layout (visits, then depots)."""

    def __init__(self, problem, vehicles, penalties, bal_coef, bal_target, neighbours=True):
        n = len(problem.visits)
        m = len(vehicles)
        depot_of: dict = {}
        vs = np.empty(m, np.int64)
        ve = np.empty(m, np.int64)
        for vi, veh in enumerate(vehicles):
            for loc, arr in ((veh.start, vs), (veh.end, ve)):
                if loc not in depot_of:
                    depot_of[loc] = n + len(depot_of)
                arr[vi] = depot_of[loc]
        depot_locs = list(depot_of)
        locs = np.array(
            [v.location for v in problem.visits] + [-1 if x is None else x for x in depot_locs],
            dtype=np.int64,
        )
        free = locs < 0
        li = np.where(free, 0, locs)
        modes = sorted({veh.team.mode for veh in vehicles})
        N = len(locs)
        self.T = np.empty((len(modes), N, N), np.int64)
        for k, mode in enumerate(modes):
            dm = np.asarray(problem.durations[mode])[np.ix_(li, li)].astype(np.int64)
            bad = (dm < 0) | (dm >= 10**9)
            dm = np.where(bad, INF, dm)
            dm[free, :] = 0
            dm[:, free] = 0
            np.fill_diagonal(dm, 0)
            self.T[k] = dm
        self.vmode = np.array([modes.index(veh.team.mode) for veh in vehicles], np.int64)
        self.vs, self.ve = vs, ve
        self.sh_s = np.array([veh.shift.window.start for veh in vehicles], np.int64)
        self.sh_e = np.array([veh.shift.window.end for veh in vehicles], np.int64)
        self.svc = np.zeros(N, np.int64)
        self.svc[:n] = [v.service for v in problem.visits]
        K = max([1] + [len(v.time_windows) for v in problem.visits])
        self.tw_n = np.ones(n, np.int64)
        self.tw_s = np.zeros((n, K), np.int64)
        self.tw_e = np.full((n, K), OPEN, np.int64)
        for i, v in enumerate(problem.visits):
            if v.time_windows:
                self.tw_n[i] = len(v.time_windows)
                for j, w in enumerate(v.time_windows):
                    self.tw_s[i, j] = w.start
                    self.tw_e[i, j] = w.end
        C = len(vehicles[0].team.capacity) if vehicles else 0
        self.amt = np.zeros((N, max(C, 1)), np.int64)
        self.cap = np.full((m, max(C, 1)), OPEN, np.int64)
        for i, v in enumerate(problem.visits):
            for k in range(min(C, len(v.amount))):
                self.amt[i, k] = v.amount[k]
        for vi, veh in enumerate(vehicles):
            for k in range(C):
                self.cap[vi, k] = veh.team.capacity[k]
        self.maxv = np.array(
            [n if veh.max_visits is None else veh.max_visits for veh in vehicles],
            np.int64,
        )
        self.allowed = np.zeros((n, m), np.bool_)
        for i, v in enumerate(problem.visits):
            for vi, veh in enumerate(vehicles):
                self.allowed[i, vi] = problem.compatible(v, veh)
        self.pen = np.array(penalties, np.int64)
        # alternatives (Visit.group): per visit its group's members, itself included
        alts = [problem.alternatives(i) for i in range(n)]
        G = max([1] + [len(a) for a in alts])
        self.gn = np.array([len(a) for a in alts], np.int64)
        self.gm = np.zeros((max(n, 1), G), np.int64)
        for i, a in enumerate(alts):
            self.gm[i, : len(a)] = a
        # the penalties of the alternatives not served (all but one per group) are the
        # same in every plan: left out of the objective reported, as in OR-Tools'
        self.group_offset = sum(
            (len(a) - 1) * int(self.pen[i]) for i, a in enumerate(alts) if a[0] == i)
        # cost of serving a visit on another team-day than its ``home`` (min. disruption)
        # and outside the team's districts (soft responsibility): see solve.visit_costs
        from routing.solve import visit_costs

        self.mv = np.zeros((N, max(m, 1)), np.int64)
        vc = visit_costs(problem, vehicles)
        if vc is not None:
            self.mv[:n, :m] = vc
        # districts: index per node (-1: none) and the cost per extra district a route
        names = sorted({v.district for v in problem.visits if v.district is not None})
        self.did = np.full(N, -1, np.int64)
        for i, v in enumerate(problem.visits):
            if v.district is not None:
                self.did[i] = names.index(v.district)
        self.dcost = int(problem.district_cost) if names else 0
        self.span_c = int(getattr(problem, "span_cost", 0))
        self.n_dist = max(1, len(names))
        self.bal_coef = int(bal_coef)
        self.bal_target = int(bal_target)
        from routing.solve import team_shares

        self.tb_coef, self.vteam, self.tshare = team_shares(problem, vehicles)
        B = max([1] + [len(veh.shift.breaks) for veh in vehicles])
        self.nbk = np.zeros(m, np.int64)
        self.bk_ws = np.zeros((m, B), np.int64)
        self.bk_ls = np.zeros((m, B), np.int64)
        self.bk_d = np.zeros((m, B), np.int64)
        self.bk_orig: list[list[int]] = []
        for vi, veh in enumerate(vehicles):
            brs = veh.shift.breaks
            order = sorted(range(len(brs)), key=lambda b: (brs[b].window.start, b))
            self.bk_orig.append(order)
            self.nbk[vi] = len(brs)
            for j, b in enumerate(order):
                self.bk_ws[vi, j] = brs[b].window.start
                self.bk_ls[vi, j] = brs[b].latest_start
                self.bk_d[vi, j] = brs[b].duration
        # neighbours (by the first mode's travel time, both directions; the nearest
        # MAX_NEIGHBOURS, enough for every ruin) and sort keys
        k = max(0, min(n - 1, MAX_NEIGHBOURS))
        if neighbours and n > 1:
            self.adj = _neighbours(self.T[0], n, k)
        else:
            self.adj = np.zeros((n, k), np.int64)
        self.dem = np.array(
            [float(sum(v.amount)) if v.amount else float(v.service) for v in problem.visits]
        )
        if m:
            dep = np.unique(np.concatenate([vs, ve]))
            dd = np.minimum(self.T[0][:n][:, dep].min(axis=1), self.T[0][dep][:, :n].min(axis=0))
            self.dd = np.where(dd >= INF, 0, dd).astype(np.float64)
        else:
            self.dd = np.zeros(n)

    def static(self):
        return (self.T, self.vmode, self.vs, self.ve, self.sh_s, self.sh_e, self.svc,
                self.tw_n, self.tw_s, self.tw_e)


def _load_routes(problem, A: _Arrays, routes: list[list[int]], only=None):
    """The search state of ``routes``: arrays, cached times and the frozen vehicles
    (``only``: of these vehicles; the others' times and flags are left unset).

    Position pins that form a prefix (positions 1..k at the route's first k places, e.g.
    a frozen prefix of visits already done) stay where they are: ``fixlen[v] = k`` and
    only the rest of the route is ruined and recreated. A route is frozen (never changed,
    never inserted into) when it holds other position pins, or when it does not pass
    our own time check (not ours to judge).
    """
    n = len(problem.visits)
    m = len(routes)
    R = np.zeros((m, n + 1), np.int64)
    rl = np.zeros(m, np.int64)
    for v, r in enumerate(routes):
        rl[v] = len(r)
        R[v, : len(r)] = r
    est = np.zeros((m, n + 1), np.int64)
    lst = np.zeros((m, n + 2), np.int64)
    rcost = np.zeros(m, np.int64)
    load = np.zeros((m, A.amt.shape[1]), np.int64)
    posof = np.zeros(n, np.int64)
    where = np.full(n, -1, np.int64)
    frozen = np.zeros(m, np.bool_)
    fixlen = np.zeros(m, np.int64)
    gapbuf = np.zeros(A.bk_ws.shape[1], np.int64)
    for v in range(m) if only is None else only:
        pos = [
            p for p, c in enumerate(routes[v])
            if problem.visits[c].pin is not None and problem.visits[c].pin.position is not None
        ]
        if pos and pos == list(range(len(pos))) and all(
            problem.visits[routes[v][p]].pin.position == p + 1 for p in pos
        ):
            fixlen[v] = len(pos)  # a frozen prefix: the rest of the route stays open
        elif pos:
            frozen[v] = True
        if not _refresh(v, R, rl, est, lst, rcost, load, posof, where, *A.static(), A.amt,
                        A.nbk, A.bk_ws, A.bk_ls, A.bk_d, gapbuf, A.mv, A.did, A.dcost,
                        A.n_dist, A.span_c):
            frozen[v] = True
    return R, rl, est, lst, rcost, load, posof, where, frozen, fixlen


def fit_arrays(problem, vehicles) -> _Arrays:
    """The arrays :func:`fit_matrix` needs (build once, ask several times)."""
    return _Arrays(problem, vehicles, [0] * len(problem.visits), 0, 0, neighbours=False)


def fit_matrix(
    problem, vehicles, routes: list[list[int]], candidates: list[int], arrays=None,
    only: list[int] | None = None,
) -> np.ndarray:
    """For each candidate visit and vehicle: may the visit fit into that route as it is?

    False is a proof that no position of the route takes the visit (the same rules as
    :mod:`routing.schedule`: compatibility, max visits, capacity, time windows, shift,
    one break); True means "fits, or not decided here" (a route with a position pin or
    several breaks, a position-pinned visit). Used to skip hopeless insertion tries.
    ``only``: decide these vehicles only; the columns are then ``only``'s, in its order
    (a re-check after a move changed a few routes).
    """
    A = arrays if arrays is not None else fit_arrays(problem, vehicles)
    st = A.static()
    R, rl, est, lst, rcost, load, posof, where, frozen, fixlen = _load_routes(
        problem, A, routes, only)
    cands = np.array(candidates, dtype=np.int64)
    vsel = np.arange(len(vehicles), dtype=np.int64) if only is None else np.array(
        only, dtype=np.int64)
    out = _fit_matrix(cands, vsel, R, rl, est, lst, load, frozen, fixlen, *st, A.amt, A.cap,
                      A.maxv, A.allowed, A.nbk, A.bk_ws, A.bk_ls, A.bk_d)
    for q, c in enumerate(candidates):
        pin = problem.visits[c].pin
        if pin is not None and pin.position is not None:
            out[q, :] = True
    return out


def improve(
    problem,
    vehicles,
    routes: list[list[int]],
    penalties: list[int],
    *,
    bal_coef: int = 0,
    bal_target: int = 0,
    deadline: float | None = None,
    iterations: int | None = None,
    seed: int = 0,
    on_improve=None,
    stall: bool = True,
    min_iterations: int = 0,
    arrays_out: list | None = None,
    temp_start: float | None = None,
) -> tuple[list[list[int]], list[list[int] | None], dict]:
    """Improve ``routes`` (visit indices per vehicle) until ``deadline`` or ``iterations``.

    Returns the best routes, per vehicle the gap of each break (in the vehicle's break
    order; None for vehicles without breaks) and stats. With ``iterations`` the run is
    deterministic for a given ``seed`` (the deadline stays a hard cap).
    ``on_improve(objective)`` is called (between chunks of iterations) when the best
    objective has improved. With ``stall`` the run also ends when the best plan has not
    improved for ``STALL_BASE + STALL_PER_VISIT * visits`` iterations (``stats["stop"]``
    says which criterion ended it: ``time_limit``, ``iterations`` or ``stall``).
    ``min_iterations`` are run even after the deadline (1 builds a plan from empty
    routes: every left-out visit is inserted where it fits). ``arrays_out`` (a list)
    receives the problem's arrays, for :func:`fit_matrix` in the same process.
    ``temp_start`` (mean legs) replaces ``TEMP_START``: lower keeps a good start plan.
    ``stats["order_scores"]``: the final weights of the recreate orders (``ORDER_MIN``).
    """
    n = len(problem.visits)
    m = len(vehicles)
    A = _Arrays(problem, vehicles, penalties, bal_coef, bal_target)
    st = A.static()
    R, rl, est, lst, rcost, load, posof, where, frozen, fixlen = _load_routes(problem, A, routes)
    stats = {"iterations": 0, "accepted": 0, "improvements": 0}
    allowed = A.allowed.copy()  # A stays valid for fit_matrix (see ``arrays_out``)
    for i in range(n):
        if problem.visits[i].pin is not None and problem.visits[i].pin.position is not None:
            allowed[i, :] = False  # position pins stay where OR-Tools put them
    obj = int(rcost.sum()) + int(A.pen[where < 0].sum()) - A.group_offset
    obj += sum(_balance_cost(int(rl[v]), A.bal_coef, A.bal_target) for v in range(m))
    if A.tb_coef > 0:
        obj += sum(int(_team_cost(int(rl[A.vteam == t].sum()), A.tb_coef, int(A.tshare[t])))
                   for t in range(len(A.tshare)))
    start_obj = obj
    def mean_leg() -> float:
        """The mean leg of the plan in R, rl (its routes' cost per leg)."""
        legs = int(rl.sum()) + int((rl > 0).sum())
        cost_sum = float(rcost.sum())
        if A.span_c > 0:  # a leg's travel costs 1 + span_c; the days' service and waits
            cost_sum = 0.0  # do not count as legs
            for v in range(m):
                prev = int(A.vs[v])
                for p in range(int(rl[v]) + 1):
                    nxt = int(R[v, p]) if p < rl[v] else int(A.ve[v])
                    if rl[v] > 0:
                        cost_sum += float(A.T[A.vmode[v], prev, nxt]) * (1 + A.span_c)
                    prev = nxt
        return cost_sum / max(1, legs)

    # Temperatures relative to the mean leg of the start plan. The paper's T0 = 100,
    # Tf = 1 are about 10 and 0.1 mean legs on Solomon, for millions of iterations; with
    # the ~10^5 of a 10 s run, 3 and 0.01 mean legs did best on R1/R2/RC1/RC2 samples.
    t_mult = TEMP_START if temp_start is None else temp_start
    avg_leg = mean_leg()
    t_hi, t_lo = t_mult * avg_leg, TEMP_END * avg_leg
    stats["start_objective"] = start_obj
    if n == 0 or m == 0 or avg_leg <= 0:
        t_hi = t_lo = 0.0
    # A plan from nothing has no legs to measure: its temperatures are set by the plan
    # its first iteration builds (at temperature 0 throughout, every accepted move was an
    # improvement and the search stuck in the first local optimum)
    cold = n > 0 and m > 0 and avg_leg <= 0
    bestR = R.copy()
    bestrl = rl.copy()
    best_obj = obj
    bufs = (np.zeros_like(R), np.zeros_like(rl), np.zeros_like(est), np.zeros_like(lst),
            np.zeros_like(rcost), np.zeros_like(load))
    _seed_numba(int(seed) & 0x7FFFFFFF)
    oscore = np.full(3, 0.5)
    # the visits to serve first: a pin's penalty outweighs every priority sum (see
    # routing.solve.penalties)
    must = np.array([v.pin is not None for v in problem.visits], np.bool_)

    stall_limit = STALL_BASE + STALL_PER_VISIT * n if stall else None
    last_gain = 0  # iteration count at the last improvement of the best plan

    def run(k: int, f0: float, f1: float) -> None:
        nonlocal obj, best_obj, last_gain, t_hi, t_lo, cold
        if cold and stats["iterations"] > 0:
            leg = mean_leg()
            if leg > 0:
                t_hi, t_lo = t_mult * leg, TEMP_END * leg
                cold = False
        a = t_hi * (t_lo / t_hi) ** f0 if t_hi > 0 else 0.0
        b = t_hi * (t_lo / t_hi) ** f1 if t_hi > 0 else 0.0
        obj, best_obj, acc, imp = _run(
            k, a, b, R, rl, est, lst, rcost, load, posof, where, obj, bestR, bestrl,
            best_obj, *st, A.amt, A.cap, A.maxv, allowed, frozen, fixlen, A.pen, A.bal_coef,
            A.bal_target, A.nbk, A.bk_ws, A.bk_ls, A.bk_d, A.adj, A.dem, A.dd, A.mv, A.did,
            A.dcost, A.n_dist, *bufs, oscore, must, A.span_c, A.tb_coef, A.vteam,
            A.tshare, A.gn, A.gm,
        )
        if imp and on_improve is not None:
            on_improve(int(best_obj))
        stats["iterations"] += k
        stats["accepted"] += acc
        stats["improvements"] += imp
        if imp:
            last_gain = stats["iterations"]

    def stalled() -> bool:
        if stall_limit is not None and stats["iterations"] - last_gain >= stall_limit:
            stats["stop"] = "stall"
            return True
        return False

    stats["stop"] = "iterations" if iterations is not None else "time_limit"
    if iterations is not None:
        # Blocks of SEEDED_BLOCK iterations: the stall rule looks at block ends only, so
        # a seeded run is the same however a block is cut. The first block starts with
        # one iteration (which inserts everything into a plan from scratch) to learn the
        # speed; a block that would overrun the deadline is cut where the deadline falls
        # (QA 34a F2: 200 iterations of a large plan ran 2 s past it).
        done = 0
        spi = 0.0  # seconds per iteration, of the last cut
        while done < iterations:
            late = deadline is not None and time.monotonic() >= deadline
            if late and done >= min_iterations:
                stats["hit_time_limit"] = True
                stats["stop"] = "time_limit"
                break
            if done % SEEDED_BLOCK == 0 and stalled():
                break
            k = min(SEEDED_BLOCK - done % SEEDED_BLOCK, iterations - done)
            if done == 0:
                k = 1
            elif late:  # past the deadline only what must run (a plan from scratch: one)
                k = min(k, min_iterations - done)
            elif deadline is not None and spi > 0:
                k = max(1, min(k, int((deadline - time.monotonic()) / spi)))
            block_end = min(iterations, (done // SEEDED_BLOCK + 1) * SEEDED_BLOCK)
            gained = last_gain
            t_cut = time.monotonic()
            run(k, done / iterations, (done + k) / iterations)
            spi = (time.monotonic() - t_cut) / k
            done += k
            if last_gain != gained:  # counted at the block's end, however it was cut
                last_gain = block_end
    elif deadline is not None:
        t_start = time.monotonic()
        total = max(1e-3, deadline - t_start)
        chunk = 1  # the first iteration of a large plan from scratch inserts everything
        while True:
            now = time.monotonic()
            if (now >= deadline and stats["iterations"] >= min_iterations) or stalled():
                break
            t0 = now
            f0 = (now - t_start) / total
            # estimate the fraction this chunk covers from the last chunk's speed
            run(chunk, f0, min(1.0, f0 + chunk * stats.get("_spi", 0.0) / total))
            dt = time.monotonic() - t0
            stats["_spi"] = dt / chunk
            chunk = int(min(5000, max(10, 0.05 / max(stats["_spi"], 1e-7))))
            if deadline - time.monotonic() < chunk * stats["_spi"]:
                chunk = max(1, int((deadline - time.monotonic()) / max(stats["_spi"], 1e-7)))
        stats.pop("_spi", None)
    stats["objective"] = int(best_obj)
    stats["order_scores"] = [round(float(x), 4) for x in oscore]
    out = [[int(x) for x in bestR[v, : bestrl[v]]] for v in range(m)]
    gaps: list[list[int] | None] = []
    for v in range(m):
        if A.nbk[v] == 0:
            gaps.append(None)
            continue
        seq = np.array(out[v] + [0], np.int64)
        g = np.zeros(A.bk_ws.shape[1], np.int64)
        if _sim_breaks(v, seq, len(out[v]), g, *st, A.nbk, A.bk_ws, A.bk_ls, A.bk_d):
            orig = [0] * int(A.nbk[v])
            for j, b in enumerate(A.bk_orig[v]):
                orig[b] = int(g[j])
            gaps.append(orig)
        else:
            gaps.append(None)
    if arrays_out is not None:
        arrays_out.append(A)
    return out, gaps, stats


@njit(cache=True)
def _seed_numba(s):
    np.random.seed(s)


# -- compilation ---------------------------------------------------------------------------

_background_started = False
#: The functions called from Python (each has its own disk cache entry).
_TOP_LEVEL = (_run, _refresh, _sim_breaks, _seed_numba, _fit_matrix, _neighbours)


def ready() -> bool:
    """Whether the compiled code is in memory or in numba's disk cache (no compile needed)."""
    if _run.signatures:
        return True
    try:
        from numba.core.registry import cpu_target

        magic = cpu_target.target_context.codegen().magic_tuple()
        # an entry counts only if it was compiled for this CPU
        return all(
            any(key[1] == magic for key in f._cache._cache_file._load_index())
            for f in _TOP_LEVEL
        )
    except Exception:  # numba internals changed: assume a compile is needed
        return False


def warm_up() -> float:
    """Compile (or load from the disk cache) every code path; returns the seconds taken.

    The first call after installing takes 15-20 s (numba compiles and caches); later
    processes load the cache in about a second.
    """
    from routing.model import Break, Problem, Shift, Team, TimeWindow, Visit

    t = time.monotonic()
    d = np.array([[0, 60, 90], [60, 0, 40], [90, 40, 0]], dtype=np.int64)
    day = TimeWindow(8 * 3600, 16 * 3600)
    teams = (
        Team("a", (Shift(0, day),), start=0, end=0),
        Team("b", (Shift(0, day, (Break(TimeWindow(12 * 3600, 13 * 3600), 1800),)),),
             start=0, end=0),
    )
    visits = tuple(Visit(f"v{i}", i, service=600) for i in (1, 2))
    problem = Problem(visits, teams, 1, {"car": d})
    vehicles = problem.vehicles()
    improve(problem, vehicles, [[0], [1]], [10**6, 10**6], iterations=50, seed=1)
    fit_matrix(problem, vehicles, [[0], []], [1])
    return time.monotonic() - t


def compile_in_background() -> bool:
    """Start one detached process that compiles the code into numba's disk cache.

    Used when a solve finds no compiled code: that solve runs without this phase (the
    time limit holds), later ones find the cache. The process outlives a short CLI run.
    Returns whether a process was started.
    """
    global _background_started
    if _background_started:
        return False
    import subprocess
    import sys
    from pathlib import Path

    _background_started = True
    root = str(Path(__file__).resolve().parents[1])
    code = f"import sys; sys.path.insert(0, {root!r}); import routing._lns as m; m.warm_up()"
    try:
        subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except OSError:
        return False
    return True
