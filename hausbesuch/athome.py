"""When are people at home? The chance that a visit makes contact, learned from outcomes.

The model estimates, for every client, the probability that somebody opens the door
on a weekday in a time band (the profile's ``[erreichbarkeit]`` bands, by default
8–10, 10–12, 12–14 and 14–16 Uhr). It pools evidence in three levels, each a
Beta–Binomial update whose prior mean is the level above:

    city cell      ← neutral prior (``prior_rate``, strength ``prior_strength``)
    district cell  ← city cell        (strength estimated from the data, empirical Bayes)
    client cell    ← district cell    (strength estimated from the data, empirical Bayes)

Evidence is shared across the time grid with fixed weights. At the city and district
levels a try counts fully for its own weekday and band, ``weekday_weight`` for the same
band on other weekdays and ``neighbour_weight`` for the neighbouring band of the same
weekday. At the client level it follows routines: a try counts ``client_weekday_weight``
(default 1) for the same band on every weekday and ``client_halfday_weight`` for the
other bands of the same half of the day; it says nothing about the other half. The
strengths of the district and client levels are chosen by maximum marginal likelihood
of the Beta–Binomial (empirical Bayes; a fallback while too few groups have two tries),
so a client's own failed tries move that client's estimate most when clients do differ.

Only plain records enter the model: a case id, a district, the visit's date and minute
of day, the outcome. A city's model is fitted from that city's records only (the caller
passes them; :func:`records_from_store` reads one city).

Contact means someone opened: ``angetroffen``, ``verweigert``, ``termin_vereinbart``.
No contact: ``nicht_angetroffen``, ``nachricht_hinterlassen``. ``verzogen`` says nothing
about presence at that time and is ignored.

Planning uses the model in two steps. Before solving, with ``planning = "abwaegen"``
(the default) :func:`alternative_visits` turns each visit into alternatives by level of
chance (its half-days, or bands: ``planning_unit``, grouped into ``levels``): the solver
serves at most one, and each costs ``contact_minutes`` of walking per expected contact
it gives up against the visit's best, so a visit goes where people are at home unless
the walk there costs more than the contact is worth; :func:`merge_alternatives` gives the
solution back in the visits' own terms. With ``planning = "eingrenzen"``
:func:`adjust_visits` instead narrows a visit's windows to the half-days (or bands) whose
chance is at least ``keep_factor`` × the level it can aim for (the teams' hours per
half-day are shared out by a linear relaxation). Either way the priority is scaled by
the chance the visit can expect, so that when not all fit the solver values
``priority × chance``. After solving, :func:`improve_solution` reorders each route so
that visits start in their better bands, with at most ``reorder_extra_travel`` more
travel per route. With no outcomes both steps change nothing (the plan is exactly the
plan without the model).
"""

from __future__ import annotations

import hashlib
import math
import random
import threading
import zlib
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from hausbesuch.fields import count, format_clock, weekday_span
from hausbesuch.plandata import OUTSIDE

#: Outcomes in which somebody opened the door.
CONTACT = frozenset({"angetroffen", "verweigert", "termin_vereinbart"})
#: Outcomes in which nobody opened.
NO_CONTACT = frozenset({"nicht_angetroffen", "nachricht_hinterlassen"})
#: Outcomes that say nothing about presence at the time of the visit.
IGNORED = frozenset({"verzogen"})

N_WEEKDAYS = 7
DAY_S = 86_400

DEFAULT_BANDS: tuple[tuple[int, int], ...] = ((480, 600), (600, 720), (720, 840), (840, 960))


@dataclass(frozen=True)
class ContactRecord:
    """One visit's outcome as the model sees it: no name, no address.

    ``minute`` is the minute of the day the visit started (``None``: unknown, the record
    is then ignored, as its band is unknown).
    """

    case_id: str
    district: str
    day: date
    minute: int | None
    result: str


@dataclass(frozen=True)
class ModelSettings:
    """Tuning of :class:`ContactModel` (the profile's ``[erreichbarkeit]`` section)."""

    prior_rate: float = 0.5
    prior_strength: float = 4.0
    weekday_weight: float = 0.5
    neighbour_weight: float = 0.25
    #: a client's own try counts this much for the same band on other weekdays (people
    #: keep routines: who is out on Monday morning is likely out on Tuesday morning too)
    client_weekday_weight: float = 1.0
    #: ... and this much for the other bands of the same half of the day (vormittags:
    #: bands that end by :attr:`noon_min`; nachmittags: the rest), nothing for the other half
    client_halfday_weight: float = 0.5
    #: bounds and fallback of the empirical-Bayes strengths (in tries)
    district_strength: tuple[float, float] = (2.0, 60.0)
    client_strength: tuple[float, float] = (0.3, 6.0)
    district_strength_default: float = 15.0
    client_strength_default: float = 1.0
    #: a client's tries count together at most this much at the district and city levels
    #: (each of n tries weighs min(1, cap / n)): those levels learn how many households
    #: open, and one person tried ten times is not read as the district's routine; the
    #: client's own level keeps every try
    client_pool_cap: float = 2.0
    #: where the morning ends (minute of day), as the revisit rules split the day (the
    #: profile's ``[casework] noon``): a client's own tries are told "vormittags" before
    #: it and "nachmittags" from it, by the try's own time; a band belongs to the morning
    #: when it ends by it (:func:`half_of_band`), and a kept half-day holds the starts
    #: before it or from it (:func:`adjust_visits`).
    noon_min: int = 12 * 60


def band_label(band: tuple[int, int]) -> str:
    """``(480, 600)`` → ``"8–10 Uhr"`` (minutes shown only when not whole hours)."""

    def clock(m: int) -> str:
        return f"{m // 60}" if m % 60 == 0 else f"{m // 60}:{m % 60:02d}"

    return f"{clock(band[0])}–{clock(band[1])} Uhr"


#: The words of the two halves of the day in explanations (index: 0 before noon).
HALF_WORDS = ("vormittags", "nachmittags")


def band_of(minute: int, bands: Sequence[tuple[int, int]], noon_min: int | None = None) -> int:
    """Index of the band holding ``minute``; before the first band: 0, after the last: last;
    in a gap between two bands (a profile may leave out the lunch hour): as
    :func:`band_spans` shares the gap: at the noon when the gap holds it (``noon_min``, the
    profile's ``[casework] noon``: a start before it is "vormittags" and counts for the
    band before the gap, one from it for the band after), else the nearer band, so a visit
    at 09:27 with bands 8–9 and 13–14 Uhr counts for 8–9, not for the afternoon."""
    sec = minute * 60
    for i, (_, hi) in enumerate(band_spans(bands, noon_min)):
        if sec < hi:
            return i
    return len(bands) - 1


def outcome_contact(result: str) -> bool | None:
    """``True`` (someone opened), ``False`` (nobody), ``None`` (no evidence)."""
    r = result.strip().lower()
    if r in CONTACT:
        return True
    if r in NO_CONTACT:
        return False
    return None


def _smooth(counts: np.ndarray, wd: float, nb: float) -> np.ndarray:
    """Share counts over the (…, weekday, band) grid: other weekdays ``wd``, neighbour bands ``nb``."""
    out = counts.copy()
    if wd:
        total = counts.sum(axis=-2, keepdims=True)
        out = out + wd * (total - counts)
    if nb and counts.shape[-1] > 1:
        out[..., 1:] += nb * counts[..., :-1]
        out[..., :-1] += nb * counts[..., 1:]
    return out


def half_of_band(band: tuple[int, int], noon_min: int = 12 * 60) -> int:
    """0 for a band of the morning (it ends by ``noon_min``, the profile's ``[casework]
    noon``: every start in it is "vormittags" for the revisit rules), 1 otherwise."""
    return 0 if band[1] <= noon_min else 1


def _smooth_client(counts: np.ndarray, wd: float, hd: float, halves: Sequence[int]) -> np.ndarray:
    """A client's routine: a try counts ``wd`` for the same band on other weekdays and
    ``hd`` for the other bands of the same half of the day (on its weekday and, times
    ``wd``, on the others); nothing for the other half."""
    total = counts.sum(axis=-2, keepdims=True)
    t = counts + wd * (total - counts)
    if not hd:
        return t
    out = t.copy()
    h = np.asarray(halves)
    for b in range(counts.shape[-1]):
        same = (h == h[b])
        same[b] = False
        if same.any():
            out[..., b] += hd * t[..., same].sum(axis=-1)
    return out


def _ml_strength(x: np.ndarray, n: np.ndarray, p: np.ndarray, bounds: tuple[float, float],
                 default: float, min_groups: int = 6) -> float:
    """Beta–Binomial prior strength by maximum marginal likelihood (empirical Bayes).

    ``x``/``n`` are the contacts/tries of groups whose prior means are ``p``; a group's
    rate is taken to be Beta(k·p, k·(1-p)) and ``k`` is chosen on a grid within
    ``bounds`` to make the observed counts most likely. Groups with fewer than two tries
    say nothing about ``k``; with fewer than ``min_groups`` informative groups the
    ``default`` is used. A small ``k``: groups differ much (their own counts decide); the
    upper bound: no difference beyond chance (strong pooling).
    """
    from scipy.special import betaln

    mask = n >= 2
    if int(mask.sum()) < min_groups:
        return float(default)
    x, n = x[mask], n[mask]
    p = np.clip(p[mask], 1e-3, 1 - 1e-3)
    grid = np.geomspace(bounds[0], bounds[1], 64)
    a, b = grid[:, None] * p[None, :], grid[:, None] * (1 - p[None, :])
    ll = (betaln(a + x[None, :], b + (n - x)[None, :]) - betaln(a, b)).sum(axis=1)
    return float(grid[int(np.argmax(ll))])


@dataclass
class ContactModel:
    """The fitted model of one city. Build it with :meth:`fit`."""

    bands: tuple[tuple[int, int], ...]
    settings: ModelSettings
    #: raw contact / try counts: city [7, B], per district and client [7, B]
    city_counts: np.ndarray
    city_tries: np.ndarray
    district_counts: dict[str, np.ndarray]
    district_tries: dict[str, np.ndarray]
    client_counts: dict[str, np.ndarray]
    client_tries: dict[str, np.ndarray]
    client_district: dict[str, str]
    district_strength: float
    client_strength: float
    city_rate: np.ndarray = field(repr=False)
    #: per client, tries and contacts by the half of the day of each try's own start
    #: (``[half, (tries, contacts)]``, half 0 before ``settings.noon_min``): the words of
    #: :meth:`reasons`, which say the time of the try, not of the band it was counted in
    client_halves: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    #: the (contacts, tries) the city and district levels are fitted on: each client's
    #: tries weighted down to at most :attr:`ModelSettings.client_pool_cap` together
    #: (:meth:`fit`); the raw counts above are what the pages count as „Besuche“
    city_pool: tuple[np.ndarray, np.ndarray] | None = field(default=None, repr=False)
    district_pool: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict,
                                                                    repr=False)
    #: distinct clients with a try, per band: per district, and in the city
    district_people: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    city_people: np.ndarray | None = field(default=None, repr=False)
    #: per (district, client), the client's raw tries and contacts there by band
    #: (``[(tries, contacts), band]``): what :meth:`reasons` leaves out of the district's
    #: and the city's figure shown beside the client's own tries
    client_in_district: dict[tuple[str, str], np.ndarray] = field(default_factory=dict,
                                                                  repr=False)
    #: districts that cover the whole town (a city whose district set is one district: no
    #: district boundaries and no place nodes, :func:`town_wide_districts`): their figure
    #: is the town's, and the explanations say „in der Stadt“, not „im Bezirk“
    town_wide: frozenset[str] = frozenset()
    _district_rate: dict[str, np.ndarray] = field(default_factory=dict, repr=False)
    _client_rate: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ fitting

    @classmethod
    def fit(
        cls,
        records: Iterable[ContactRecord],
        bands: Sequence[tuple[int, int]] = DEFAULT_BANDS,
        settings: ModelSettings | None = None,
        *,
        town_wide: Iterable[str] = (),
    ) -> ContactModel:
        """Fit the model from one city's records (records without evidence are skipped).
        ``town_wide``: the districts that cover the whole town (:attr:`town_wide`)."""
        s = settings or ModelSettings()
        bands = tuple((int(a), int(b)) for a, b in bands)
        if not bands or any(b <= a for a, b in bands) or any(
            bands[i][1] > bands[i + 1][0] for i in range(len(bands) - 1)
        ):
            raise ValueError(f"bands must be ordered, non-empty and disjoint: {bands}")
        nb = len(bands)
        zeros = lambda: np.zeros((N_WEEKDAYS, nb))  # noqa: E731
        city_x, city_n = zeros(), zeros()
        dx: dict[str, np.ndarray] = {}
        dn: dict[str, np.ndarray] = {}
        cx: dict[str, np.ndarray] = {}
        cn: dict[str, np.ndarray] = {}
        c_district: dict[str, str] = {}
        c_halves: dict[str, np.ndarray] = {}
        evidence = [(r, hit) for r in records
                    if (hit := outcome_contact(r.result)) is not None and r.minute is not None]
        per_client: dict[str, int] = {}
        for r, _ in evidence:
            per_client[r.case_id] = per_client.get(r.case_id, 0) + 1
        # the district and city levels count households, not tries: a client's tries
        # weigh min(1, cap / n) each, so a person tried ten times adds as much as one tried
        # ``client_pool_cap`` times (the client level keeps all of its own tries)
        cap = s.client_pool_cap
        pool_x, pool_n = zeros(), zeros()
        pdx: dict[str, np.ndarray] = {}
        pdn: dict[str, np.ndarray] = {}
        people: dict[str, list[set[str]]] = {}
        city_people: list[set[str]] = [set() for _ in bands]
        own: dict[tuple[str, str], np.ndarray] = {}
        for r, hit in evidence:
            w, b = r.day.weekday(), band_of(int(r.minute), bands, s.noon_min)  # type: ignore[arg-type]
            district = r.district or ""
            c_district[r.case_id] = district  # the latest record's district wins
            for x, n, key in ((dx, dn, district), (cx, cn, r.case_id), (pdx, pdn, district)):
                if key not in x:
                    x[key], n[key] = zeros(), zeros()
            weight = min(1.0, cap / per_client[r.case_id])
            for x, n, add in ((dx[district], dn[district], 1.0), (cx[r.case_id], cn[r.case_id], 1.0),
                              (city_x, city_n, 1.0), (pdx[district], pdn[district], weight),
                              (pool_x, pool_n, weight)):
                x[w, b] += add * hit
                n[w, b] += add
            people.setdefault(district, [set() for _ in bands])[b].add(r.case_id)
            own.setdefault((district, r.case_id), np.zeros((2, nb)))[:, b] += (1, hit)
            city_people[b].add(r.case_id)
            half = c_halves.setdefault(r.case_id, np.zeros((2, 2), dtype=int))
            half[0 if int(r.minute) < s.noon_min else 1] += (1, hit)  # type: ignore[operator]
        # city level: neutral prior
        sx, sn = (_smooth(a, s.weekday_weight, s.neighbour_weight) for a in (pool_x, pool_n))
        city_rate = (s.prior_strength * s.prior_rate + sx) / (s.prior_strength + sn)
        # district level: empirical-Bayes strength from how districts differ per band
        d_keys = sorted(pdx)
        if d_keys:
            X = np.stack([pdx[k].sum(axis=0) for k in d_keys])
            N = np.stack([pdn[k].sum(axis=0) for k in d_keys])
            P = np.broadcast_to(_band_mean(city_rate, pool_n), X.shape)
            k_d = _ml_strength(X.ravel(), N.ravel(), P.ravel(), s.district_strength,
                               s.district_strength_default)
        else:
            k_d = s.district_strength_default
        model = cls(bands, s, city_x, city_n, dx, dn, cx, cn, c_district, k_d,
                    s.client_strength_default, city_rate, client_halves=c_halves,
                    city_pool=(pool_x, pool_n), district_pool={k: (pdx[k], pdn[k]) for k in pdx},
                    district_people={k: np.array([len(p) for p in v]) for k, v in people.items()},
                    city_people=np.array([len(p) for p in city_people]),
                    client_in_district=own, town_wide=frozenset(town_wide))
        # client level: strength from how clients differ from their district within a
        # half of the day (the unit of a routine)
        c_keys = sorted(cx)
        if c_keys:
            halves = np.array([half_of_band(b, s.noon_min) for b in bands])
            xs, ns, ps = [], [], []
            for k in c_keys:
                base = model.district_rate(c_district[k])
                for h in (0, 1):
                    n_h = cn[k][:, halves == h]
                    if n_h.sum() == 0:
                        continue
                    xs.append(cx[k][:, halves == h].sum())
                    ns.append(n_h.sum())
                    ps.append(float((base[:, halves == h] * n_h).sum() / n_h.sum()))
            model.client_strength = _ml_strength(np.array(xs), np.array(ns), np.array(ps),
                                                 s.client_strength, s.client_strength_default)
        return model

    # ------------------------------------------------------------------ rates

    @property
    def n_records(self) -> int:
        """Number of tries with evidence the model was fitted on."""
        return int(self.city_tries.sum())

    def district_rate(self, district: str | None) -> np.ndarray:
        """The district's estimated contact rates, ``[weekday, band]`` (city's when unknown)."""
        if district is None or district not in self.district_tries:
            return self.city_rate
        if district not in self._district_rate:
            s = self.settings
            px, pn = self._district_evidence(district)
            x = _smooth(px, s.weekday_weight, s.neighbour_weight)
            n = _smooth(pn, s.weekday_weight, s.neighbour_weight)
            k = self.district_strength
            self._district_rate[district] = (k * self.city_rate + x) / (k + n)
        return self._district_rate[district]

    def _district_evidence(self, district: str) -> tuple[np.ndarray, np.ndarray]:
        """(contacts, tries) of the district as its level is fitted: each client's tries
        weighted down to at most ``client_pool_cap`` together."""
        if district in self.district_pool:
            return self.district_pool[district]
        return self.district_counts[district], self.district_tries[district]

    def _city_evidence(self) -> tuple[np.ndarray, np.ndarray]:
        return self.city_pool if self.city_pool is not None else (self.city_counts,
                                                                  self.city_tries)

    def client_rate(self, client_id: str, district: str | None) -> np.ndarray:
        """The client's estimated contact rates, ``[weekday, band]``."""
        base = self.district_rate(district)
        if client_id not in self.client_tries:
            return base
        key = (client_id, district)
        if key not in self._client_rate:
            s = self.settings
            halves = [half_of_band(b, s.noon_min) for b in self.bands]
            x = _smooth_client(self.client_counts[client_id], s.client_weekday_weight,
                               s.client_halfday_weight, halves)
            n = _smooth_client(self.client_tries[client_id], s.client_weekday_weight,
                               s.client_halfday_weight, halves)
            k = self.client_strength
            self._client_rate[key] = (k * base + x) / (k + n)  # type: ignore[index]
        return self._client_rate[key]  # type: ignore[index]

    def explored(self, seed: int, scale: float = 1.0) -> ContactModel:
        """A copy of the model for one plan that also tries what it knows little about
        (posterior sampling, "Thompson sampling"): each district's rates in each half of
        the day are shifted by ``scale`` times one draw from the posterior of that half's
        rate around its mean (Beta with the district's pooling strength over the city's
        rate, updated with the district's contacts and tries in that half, each person's
        tries counted together at most ``client_pool_cap`` times), the same shift on every
        weekday and band of the half. A district whose morning and afternoon are known
        from many visits moves little; one whose other half-day was hardly tried now and
        then looks better than its mean and is visited then, so that the model keeps
        learning what its own plans would otherwise never try. The client level stays the
        mean given its district's (drawn) rates. ``seed``: the draw (one plan, one draw:
        :func:`explore_seed`). The estimate shown on pages stays the mean model's."""
        rng = np.random.default_rng(seed)
        s = self.settings
        out = replace(self, _district_rate={}, _client_rate={})
        halves = np.array([half_of_band(b, s.noon_min) for b in self.bands])
        city = self.city_rate
        _, city_n = self._city_evidence()
        for d in sorted(self.district_tries):
            mean = self.district_rate(d)
            px, pn = self._district_evidence(d)
            rate = mean.copy()
            for h in (0, 1):
                cols = halves == h
                if not cols.any():
                    continue
                w = city_n[:, cols]
                m = float(np.average(city[:, cols], weights=w) if w.sum() > 0
                          else city[:, cols].mean())
                k = self.district_strength
                x, n = float(px[:, cols].sum()), float(pn[:, cols].sum())
                a, b = k * m + x, k * (1 - m) + max(n - x, 0.0)
                delta = scale * (rng.beta(a, b) - a / (a + b))
                rate[:, cols] = np.clip(mean[:, cols] + delta, 0.01, 0.99)
            out._district_rate[d] = rate
        return out

    def band_at(self, minute: int) -> int:
        """The band a start at ``minute`` of the day counts for (:func:`band_of` with the
        model's noon): the one notion of the fit, the planning, the reordering and the
        explanations."""
        return band_of(minute, self.bands, self.settings.noon_min)

    def chance(self, client_id: str, district: str | None, weekday: int, band: int) -> float:
        """Probability that a visit of the client on ``weekday`` (0 = Monday) in ``band``
        (index into :attr:`bands`) makes contact."""
        return float(self.client_rate(client_id, district)[weekday, band])

    def chance_at(self, client_id: str, district: str | None, when: datetime) -> float:
        """:meth:`chance` for a visit starting at ``when``."""
        return self.chance(client_id, district, when.weekday(),
                           self.band_at(when.hour * 60 + when.minute))

    # ------------------------------------------------------------------ explanation

    def explain(self, client_id: str, district: str | None, weekday: int, band: int) -> str:
        """Why the model gives this chance, in German, for a coordinator or a worker.

        Example: ``"Mi 14–16 Uhr: Chance 38 %. 2 Versuche vormittags ohne Erfolg; im Bezirk
        Mo–Fr 14–16 Uhr 64 % mit Kontakt (11 Besuche)"``.
        """
        from hausbesuch.config import WEEKDAYS_DE

        parts = self.reasons(client_id, district, band, weekday)
        if not parts:
            return (f"Noch keine Erfahrungswerte; geschätzt {_pct(self.settings.prior_rate)} "
                    "(neutral)")
        p = self.chance(client_id, district, weekday, band)
        return f"{WEEKDAYS_DE[weekday]} {band_label(self.bands[band])}: Chance {_pct(p)}. " \
            + "; ".join(parts)

    def reasons(self, client_id: str, district: str | None, band: int,
                weekday: int | None = None) -> list[str]:
        """The evidence behind a chance, as short German phrases: the client's own tries
        by the half of the day they started in (:attr:`ModelSettings.noon_min`), with
        „Kontakt“ for any contact (angetroffen, verweigert, Termin vereinbart), and the
        contact rate in the band in the district (else the city), as the model counts it
        (each person's tries together at most ``client_pool_cap``), with the weekdays its
        visits were on, the number of visits and, when some were repeated tries of the
        same people, of persons (:meth:`_area`).

        That figure is the area's, the same for every visit of the area in the band (two
        stops of one page never show two figures for „im Bezirk 8–10 Uhr“): it counts
        the client's own tries too, as the other people's. It is left out when the *other*
        people's visits are thinner than :data:`AREA_MIN_PEOPLE` persons or
        :data:`AREA_MIN_VISITS` visits (a figure that is mostly the client's own record
        is no district evidence): then the city stands in for the district, and nothing
        for the city. A district that covers the whole town (:attr:`town_wide`) is the
        city: „in der Stadt“. With ``weekday``: when the neutral starting value still
        makes up at least :data:`THIN_EVIDENCE` of the estimate (:meth:`prior_share`),
        it says „noch kaum Erfahrungswerte“."""
        parts: list[str] = []
        if client_id in self.client_halves:
            for word, (tries, hits) in zip(HALF_WORDS, self.client_halves[client_id].tolist(),
                                           strict=True):
                if tries == 0:
                    continue
                noun = "Versuch" if tries == 1 else "Versuche"
                if hits == 0:
                    parts.append(f"{tries} {noun} {word} ohne Erfolg")
                else:
                    parts.append(f"{tries} {noun} {word}, {hits}-mal Kontakt")
        area = None
        if district and district in self.district_tries and district not in self.town_wide:
            px, pn = self._district_evidence(district)
            area = self._area(client_id, [district], band, self.district_tries[district],
                              px, pn, self.district_people.get(district))
            if area is not None:  # (the visits outside every district are no „Bezirk“)
                parts.append(f"{'außerhalb der Bezirke' if district == OUTSIDE else 'im Bezirk'} "
                             f"{area}")
        if area is None:
            px, pn = self._city_evidence()
            area = self._area(client_id, list(self.district_tries), band, self.city_tries,
                              px, pn, self.city_people)
            if area is not None:
                parts.append(f"in der Stadt {area}")
        if weekday is not None and self.n_records and \
                self.prior_share(client_id, district, weekday, band) >= THIN_EVIDENCE:
            parts.append(THIN_WORDS)
        return parts

    def _area(self, client_id: str, districts: Sequence[str], band: int,
              tries: np.ndarray, pool_x: np.ndarray, pool_n: np.ndarray,
              people: np.ndarray | None) -> str | None:
        """„Mo–Mi 8–10 Uhr 64 % mit Kontakt (11 Besuche bei 8 Personen)“: the area's (a
        district's or the city's) contact share in ``band``, the weekdays its visits were
        on, its visits and persons, all of them, the client's own included: the same
        words for every client of the area. None when the visits of the *other* people
        (without the client's) are thinner than :data:`AREA_MIN_PEOPLE` persons or
        :data:`AREA_MIN_VISITS` visits (a share of one or two other people's visits is
        no evidence a worker should read as the district's)."""
        n = float(tries[:, band].sum())
        x_pool, n_pool = float(pool_x[:, band].sum()), float(pool_n[:, band].sum())
        persons = None if people is None else int(people[band])
        others_n, others_persons = n, persons
        seen = False
        for d in districts:
            mine = self.client_in_district.get((d, client_id))
            if mine is not None and mine[0, band]:
                others_n -= mine[0, band]
                seen = True
        if seen and others_persons is not None:
            others_persons -= 1
        if int(round(others_n)) < AREA_MIN_VISITS or n_pool <= 1e-9 or \
                (others_persons is not None and others_persons < AREA_MIN_PEOPLE):
            return None
        share = min(1.0, max(0.0, x_pool / n_pool))
        days = [w for w in range(tries.shape[0]) if tries[w, band] > 0]
        return (f"{weekday_span(days)} {band_label(self.bands[band])} {_pct(share)} "
                f"mit Kontakt ({_visits(int(round(n)), persons)})")

    def prior_share(self, client_id: str, district: str | None, weekday: int, band: int
                    ) -> float:
        """How much of the chance is still the neutral starting value (``prior_rate``):
        its weight in the estimate, the product of the prior's share at each level (city:
        ``prior_strength`` against the city's tries; district and client: their pooling
        strength against their own tries, as shared over the grid). 1: no evidence at
        all; near 0: the outcomes decide."""
        s = self.settings
        _, cn = self._city_evidence()
        n = _smooth(cn, s.weekday_weight, s.neighbour_weight)[weekday, band]
        share = s.prior_strength / (s.prior_strength + n)
        if district is not None and district in self.district_tries:
            _, dn = self._district_evidence(district)
            n = _smooth(dn, s.weekday_weight, s.neighbour_weight)[weekday, band]
            share *= self.district_strength / (self.district_strength + n)
        if client_id in self.client_tries:
            halves = [half_of_band(b, s.noon_min) for b in self.bands]
            n = _smooth_client(self.client_tries[client_id], s.client_weekday_weight,
                               s.client_halfday_weight, halves)[weekday, band]
            share *= self.client_strength / (self.client_strength + n)
        return float(share)

    def explain_at(self, client_id: str, district: str | None, when: datetime) -> str:
        """:meth:`explain` for a visit starting at ``when``."""
        return self.explain(client_id, district, when.weekday(),
                            self.band_at(when.hour * 60 + when.minute))


def _band_mean(rate: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per-band rate averaged over weekdays, weighted by where the tries were (workdays
    when there are none)."""
    w = weights.sum(axis=1) if weights.ndim == 2 else weights
    wd = np.where(w > 0, w, 0.0)
    if wd.sum() == 0:
        wd = np.array([1.0] * 5 + [0.0] * (rate.shape[0] - 5))
    wd = wd / wd.sum()
    return (wd[:, None] * rate).sum(axis=0)


def _pct(p: float) -> str:
    return f"{round(100 * p)} %"


#: the share of the neutral starting value in an estimate from which the explanation
#: says :data:`THIN_WORDS` (:meth:`ContactModel.prior_share`)
THIN_EVIDENCE = 0.5
#: what the explanation says then: the estimate rests on few outcomes and is still
#: mostly the neutral starting value (``prior_rate``); plain words for the field
THIN_WORDS = "noch kaum Erfahrungswerte"

#: the least a district's (else the city's) figure beside a client's own tries must rest
#: on once the client's own tries are left out: visits of at least this many other
#: persons, and at least this many visits in the band (:meth:`ContactModel.reasons`)
AREA_MIN_PEOPLE = 2
AREA_MIN_VISITS = 5




def _visits(n: int, people: int | None) -> str:
    """„18 Besuche bei 9 Personen“ when some visits were repeated tries of the same
    people, else „6 Besuche“."""
    text = count(n, "Besuch", "Besuche")
    if people is not None and 0 < people < n:
        text += f" bei {count(people, 'Person', 'Personen')}"
    return text


# --------------------------------------------------------------------------- store


def records_from_rows(rows: Iterable[Mapping[str, Any]]) -> list[ContactRecord]:
    """Records from plain rows with ``client_id``, ``district``, ``day``, ``time_min``,
    ``result`` (e.g. a query over the store's outcomes)."""
    out = []
    for r in rows:
        d = r["day"]
        if isinstance(d, datetime):
            d = d.date()
        elif isinstance(d, str):
            d = date.fromisoformat(d[:10])
        t = r.get("time_min")
        out.append(ContactRecord(str(r["client_id"]), str(r.get("district") or ""), d,
                                 None if t is None else int(t), str(r["result"])))
    return out


def records_from_store(store: Any, city: str, *, until: datetime | None = None
                       ) -> list[ContactRecord]:
    """The city's outcomes as model records (reads no name, no address; only this city).

    The minute of day is the outcome's ``time_min``, else the start of the visit it was
    recorded for; the district is the one the newest plan of the city gave the client.
    ``until``: only outcomes recorded up to that moment (what a plan made then knew). A
    moment in whole seconds (a plan's creation time) stands for all of its second: an
    outcome recorded 0.6 s into the second the plan was made in was known to it.
    """
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow, GeocodeRow, OutcomeRow, PlanRow

    if until is not None and until.microsecond == 0:
        until = until + timedelta(seconds=1) - timedelta(microseconds=1)
    with store.session() as s:
        rows = s.execute(
            select(OutcomeRow.client_id, OutcomeRow.day, OutcomeRow.time_min,
                   OutcomeRow.result, CaseVisitRow.start_at)
            .outerjoin(CaseVisitRow, (CaseVisitRow.visit_id == OutcomeRow.visit_id)
                       & (CaseVisitRow.city == city))
            .where(OutcomeRow.city == city,
                   *(() if until is None else (OutcomeRow.recorded_at <= until,)))
            .order_by(OutcomeRow.day, OutcomeRow.id)
        ).all()
        if not rows:
            return []
        geo = s.execute(
            select(GeocodeRow.client_id, GeocodeRow.district)
            .join(PlanRow, PlanRow.id == GeocodeRow.plan_id)
            .where(PlanRow.city == city)
            .order_by(PlanRow.created_at, PlanRow.id)
        ).all()
    district = {c: d for c, d in geo}  # newest plan wins
    out = []
    for client_id, day, time_min, result, start_at in rows:
        minute = time_min
        if minute is None and start_at is not None:
            minute = start_at.hour * 60 + start_at.minute
        out.append(ContactRecord(client_id, district.get(client_id, ""), day, minute, result))
    return out


def town_wide_districts(store: Any, city: str) -> frozenset[str]:
    """The city's districts that cover the whole town: its one district when the store
    holds a single district for it (a profile without district boundaries or place
    nodes: one district named after the town), else none. Reads the names only."""
    from sqlalchemy import select

    from hausbesuch.store import DistrictRow

    with store.session() as s:
        names = set(s.scalars(select(DistrictRow.name).where(DistrictRow.city == city)))
    return frozenset(names) if len(names) == 1 else frozenset()


def settings_from_profile(profile: Any) -> ModelSettings:
    """:class:`ModelSettings` from a profile's ``[erreichbarkeit]`` section."""
    r = profile.erreichbarkeit
    casework = getattr(profile, "casework", None)
    noon = casework.noon_min if casework is not None else ModelSettings.noon_min
    return ModelSettings(prior_rate=r.prior_rate, prior_strength=r.prior_strength,
                         weekday_weight=r.weekday_weight, neighbour_weight=r.neighbour_weight,
                         noon_min=noon)


#: how every note of :func:`plan_notes` begins (a re-plan makes them again)
NOTE_HEAD = "Erreichbarkeit ([erreichbarkeit] im Profil): "
#: an uncovered stretch of the teams' hours longer than this (minutes) is named: a gap
#: for the lunch hour between bands is as the README describes it
UNCOVERED_MIN = 120


def plan_notes(profile: Any, team_list: Sequence[Any]) -> list[str]:
    """The plan's notes on how it used the at-home model (QA 42a F5, F9: no plan said it
    was made with the model or with random times) and on time bands that do not fit the
    teams' hours of ``team_list`` (QA 42a F2, F3: a band outside them was taken without a
    word, and with bands that leave hours uncovered the pages' „im Bezirk 8–10 Uhr …“
    counted the visits of those hours too)."""
    r = profile.erreichbarkeit
    if r.mode == "aus":
        return []
    notes = []
    if r.mode == "modell":
        how = (f"abgewogen gegen den Weg ({r.contact_minutes:g} Minuten Weg je erwartetem "
               "Kontakt)" if r.planning == "abwaegen" else
               "eingegrenzt auf die Zeiten mit guter Chance")
        notes.append(f"{NOTE_HEAD}Modus „modell“: Besuche zu Zeiten mit guter Chance auf "
                     f"Kontakt, {how}.")
    elif r.mode == "zufall":
        notes.append(f"{NOTE_HEAD}Modus „zufall“: Wiederholungsbesuche in zufällig gewählten "
                     "Zeitbändern, als Vergleichsbasis für Auswertungen; nicht für den "
                     "Betrieb gedacht.")
    if not team_list:
        return notes
    lo = min(t.shift_start_min for t in team_list)
    hi = max(t.shift_end_min for t in team_list)
    bands = sorted(r.band_minutes())
    hours = f"{format_clock(lo)}–{format_clock(hi)} Uhr"
    for a, b in bands:
        if b <= lo or a >= hi:
            notes.append(f"{NOTE_HEAD}Das Zeitband {format_clock(a)}–{format_clock(b)} Uhr "
                         f"liegt außerhalb der Arbeitszeit der Teams ({hours}): kein Besuch "
                         "fällt hinein. Bitte die Zeitbänder an die Arbeitszeit anpassen.")
    free, at = [], lo
    for a, b in bands:
        if a > at and min(a, hi) - at > UNCOVERED_MIN:
            free.append((at, min(a, hi)))
        at = max(at, b)
    if hi - at > UNCOVERED_MIN:
        free.append((at, hi))
    if free:
        shown = ", ".join(f"{format_clock(a)}–{format_clock(b)} Uhr" for a, b in free)
        notes.append(f"{NOTE_HEAD}Die Zeitbänder lassen {shown} der Arbeitszeit der Teams "
                     f"({hours}) frei: Besuche in diesen Stunden werden einem "
                     "benachbarten Band zugerechnet, und dessen Zahlen auf den Seiten („im "
                     "Bezirk … Uhr …“) enthalten sie mit. Bitte die Zeitbänder über die "
                     "ganze Arbeitszeit legen.")
    return notes


def model_for_city(store: Any, profile: Any, *, until: datetime | None = None) -> ContactModel:
    """The fitted model of the profile's city from the store's outcomes of that city
    (``until``: recorded up to that moment)."""
    return ContactModel.fit(records_from_store(store, profile.name, until=until),
                            profile.erreichbarkeit.band_minutes(), settings_from_profile(profile),
                            town_wide=town_wide_districts(store, profile.name))


#: fitted models the pages reuse (:func:`shown_model`), newest use last; a few only: one
#: per city and plan moment in use, each a few MB with a few thousand clients
_SHOWN_MODELS: OrderedDict[tuple[Any, ...], ContactModel] = OrderedDict()
_SHOWN_MODELS_MAX = 4
_SHOWN_LOCK = threading.Lock()


def _records_digest(records: Sequence[ContactRecord]) -> str:
    """A digest of exactly what :meth:`ContactModel.fit` reads of ``records``, in order."""
    return hashlib.sha256(repr([(r.case_id, r.district, r.day.toordinal(), r.minute, r.result)
                                for r in records]).encode("utf-8")).hexdigest()


def shown_model(store: Any, profile: Any, *, until: datetime | None = None) -> ContactModel:
    """:func:`model_for_city` for the pages, fitted once and reused while its input stays.

    The outcomes are read each time (one query); the fit, the costly part with a few
    thousand outcomes, is kept per database, city, bands, settings, the districts that
    cover the whole town (:func:`town_wide_districts`, words only) and a digest of the
    records read. The records are the fit's whole input, so any new, corrected or removed
    outcome, a new or deleted plan that moves a case to another district, a visit's time
    changed: anything that would change the model changes the key, whoever wrote it (the
    web app, a command, another process). The cached model is shared between requests:
    callers must not change it (:func:`planning_model` and the benches fit their own)."""
    records = records_from_store(store, profile.name, until=until)
    bands = tuple((int(a), int(b)) for a, b in profile.erreichbarkeit.band_minutes())
    settings = settings_from_profile(profile)
    town_wide = town_wide_districts(store, profile.name)
    key = (str(store.url), profile.name, bands, settings, town_wide, _records_digest(records))
    with _SHOWN_LOCK:
        model = _SHOWN_MODELS.get(key)
        if model is not None:
            _SHOWN_MODELS.move_to_end(key)
            return model
    model = ContactModel.fit(records, bands, settings, town_wide=town_wide)  # outside the lock
    with _SHOWN_LOCK:
        _SHOWN_MODELS[key] = model
        _SHOWN_MODELS.move_to_end(key)
        while len(_SHOWN_MODELS) > _SHOWN_MODELS_MAX:
            _SHOWN_MODELS.popitem(last=False)
    return model


def clear_shown_models() -> None:
    """Forget the pages' fitted models (:func:`shown_model`)."""
    with _SHOWN_LOCK:
        _SHOWN_MODELS.clear()


# --------------------------------------------------------------------------- display


def rate_frame(model: ContactModel, weekdays: int = 5) -> Any:
    """Learned rates as a long table (pandas): one row per district × weekday × band with
    ``bezirk``, ``wochentag``, ``zeitband``, ``quote`` (estimated contact rate), ``besuche``
    and ``angetroffen`` (the raw counts of that cell)."""
    import pandas as pd

    from hausbesuch.config import WEEKDAYS_DE

    rows = []
    for d in sorted(model.district_tries):
        rate = model.district_rate(d)
        for w in range(weekdays):
            for b, band in enumerate(model.bands):
                rows.append((d, WEEKDAYS_DE[w], band_label(band), float(rate[w, b]),
                             int(model.district_tries[d][w, b]),
                             int(model.district_counts[d][w, b])))
    return pd.DataFrame(rows, columns=["bezirk", "wochentag", "zeitband", "quote", "besuche",
                                       "angetroffen"])



@dataclass(frozen=True)
class VisitChance:
    """The estimated chance of contact of a planned visit and why (German, no names)."""

    chance: float
    text: str
    #: the visit is at a time agreed with the client (``Termin vereinbart``): that is the
    #: better information, the pages show it instead of an estimated chance
    appointment: bool = False

    @property
    def percent(self) -> str:
        return "Termin vereinbart" if self.appointment else _pct(self.chance)


class VisitChances(dict):
    """Chance and explanation per planned visit, keyed by (client id, start): a client
    visited twice in a plan (a visit made, an appointment agreed at it) has a chance per
    visit, each at its own time. Pages ask with :meth:`of`."""

    def of(self, stop: Any) -> VisitChance | None:
        """The chance of ``stop`` (an object with ``client_id`` and ``start``), if any."""
        return self.get((stop.client_id, stop.start))


def visit_chances(model: ContactModel | None, stops: Iterable[Any]) -> VisitChances:
    """Chance and explanation per planned stop (:class:`VisitChances`) for pages and views.

    ``stops`` are objects with ``client_id``, ``district`` and ``start`` (a datetime), as
    :class:`hausbesuch.plandata.PlannedStop`. Empty when the model has learned nothing
    yet (a neutral guess is no information for a worker), and nothing for a stop called
    off or of a case closed since the plan (``called_off``, ``gone``). A stop at a time agreed with
    the client (its ``window_text`` says ``Termin vereinbart: …``) gets no estimate but
    ``appointment`` set: the pages say „Termin vereinbart“ instead of a chance.
    """
    from hausbesuch.plandata import APPOINTMENT, is_appointment

    out = VisitChances()
    if model is None or model.n_records == 0:
        return out
    for s in stops:
        if getattr(s, "called_off", False) or getattr(s, "gone", ""):
            continue  # a visit that does not take place has no chance (QA 27 F6)
        if is_appointment(getattr(s, "window_text", "") or ""):
            out[(s.client_id, s.start)] = VisitChance(math.nan, APPOINTMENT, appointment=True)
            continue
        minute = s.start.hour * 60 + s.start.minute
        band = model.band_at(minute)
        p = model.chance(s.client_id, s.district, s.start.weekday(), band)
        text = "; ".join(model.reasons(s.client_id, s.district, band, s.start.weekday()))
        text = text or "noch keine Erfahrungswerte"
        if not model.bands[0][0] <= minute < model.bands[-1][1]:
            # a shift reaching beyond the profile's bands: the nearest band stands in
            side = "vor" if minute < model.bands[0][0] else "nach"
            edge = model.bands[0][0] if side == "vor" else model.bands[-1][1]
            text = (f"{side} {format_clock(edge)} Uhr geschätzt wie "
                    f"{band_label(model.bands[band])}; {text}")
        elif not any(lo <= minute < hi for lo, hi in model.bands):
            # a gap between two bands (the lunch hour left out): a neighbour stands in,
            # the one :meth:`ContactModel.band_at` gives in planning too
            lo = max(hi for _, hi in model.bands if hi <= minute)
            hi = min(lo_ for lo_, _ in model.bands if lo_ > minute)
            text = (f"zwischen {format_clock(lo)} und {format_clock(hi)} Uhr geschätzt wie "
                    f"{band_label(model.bands[band])}; {text}")
        out[(s.client_id, s.start)] = VisitChance(p, text)
    return out


def plan_chances(store: Any, profile: Any, plan: Any) -> VisitChances:
    """Chance and reasons per planned visit of a stored plan, for its pages and views.

    The model is fitted on the outcomes recorded up to the plan's creation, so a plan's
    pages say what the planner knew when it planned, and writing them again later
    (``hausbesuch show``, the web app) gives the same text. With the ``[erreichbarkeit]``
    settings of the profile the plan was made with (:func:`made_with`), whichever profile
    serves the view.
    """
    params = plan.params or {}
    return stop_chances(store, profile, plan.created_at,
                        (s for r in plan.routes for s in r.stops),
                        plan_ref=params.get("profile"), stored=params.get(PARAMS_KEY))


#: Where a plan stores the ``[erreichbarkeit]`` settings it was made with (its params).
PARAMS_KEY = "erreichbarkeit"


def stored_settings(profile: Any) -> dict[str, Any]:
    """The ``[erreichbarkeit]`` settings a plan stores (:data:`PARAMS_KEY`), so that every
    view of it shows its chances as it was made, whatever the profile file says later."""
    return profile.erreichbarkeit.model_dump(mode="json")


def made_with(profile: Any, plan_ref: str | None, stored: Any = None) -> Any:
    """``profile`` with the ``[erreichbarkeit]`` the plan was made with: the settings it
    stored (``stored``, :func:`stored_settings`), else (a plan of an older version) those
    of the profile it names (``plan_ref``: :func:`hausbesuch.config.profile_ref`) when that
    is another one of the same city and still loads, else ``profile``'s own. They decide
    whether and how the plan's chances are shown (QA 42a F6: the web app's plan view,
    print sheet and phone page followed the server's profile, so a plan made with
    „anzeigen“ showed no chance in the web and one made with „aus“ showed them, unlike
    its own files; review 42 #2: a profile file edited since changed them again)."""
    from hausbesuch.config import Reachability, load_profile, profile_ref
    from hausbesuch.errors import ProfileError

    if isinstance(stored, dict):
        try:
            kept = Reachability.model_validate(stored)
        except ValueError:  # (pydantic's ValidationError: a stored section gone bad)
            kept = None
        if kept is not None:
            return (profile if kept == profile.erreichbarkeit
                    else profile.model_copy(update={"erreichbarkeit": kept}))
    if not plan_ref or plan_ref == profile_ref(profile):
        return profile
    try:
        made = load_profile(plan_ref)
    except (ProfileError, OSError):
        return profile
    return made if made.name == profile.name else profile


def stop_chances(store: Any, profile: Any, created_at: datetime, stops: Iterable[Any], *,
                 plan_ref: str | None = None, stored: Any = None) -> VisitChances:
    """:func:`plan_chances` for some stops of a plan made at ``created_at`` (one team-day
    of a worker's page) with the settings it was made with (:func:`made_with`)."""
    profile = made_with(profile, plan_ref, stored)
    if profile.erreichbarkeit.mode not in ("modell", "anzeigen"):
        return VisitChances()
    stops = list(stops)
    model = shown_model(store, profile, until=created_at)
    done = recorded_visits(store, profile.name, until=created_at, stops=stops)
    return visit_chances(model, (s for s in stops if not _is_done(s, done)))


#: ids per ``IN (…)`` of :func:`recorded_visits` (well below SQLite's parameter limit)
_CHUNK = 400


def recorded_visits(store: Any, city: str, *, until: datetime | None = None,
                    stops: Iterable[Any] | None = None
                    ) -> tuple[set[str], set[tuple[str, date]]]:
    """The visits with an outcome recorded up to ``until`` (as :func:`records_from_store`
    counts a moment): their visit ids, and (client id, day) of outcomes stored without
    one. A re-plan keeps the visits already made in its routes; their chance would be
    rated on their own outcome, so the pages show none for them (QA 27 F6).

    With ``stops``: only the outcomes that can concern them are read (those naming one of
    their visits, and those without a visit of their clients), not every outcome of the
    city each time a page is built (review 27 #13)."""
    from sqlalchemy import or_, select

    from hausbesuch.store import OutcomeRow

    if until is not None and until.microsecond == 0:
        until = until + timedelta(seconds=1) - timedelta(microseconds=1)
    base = select(OutcomeRow.visit_id, OutcomeRow.client_id, OutcomeRow.day).where(
        OutcomeRow.city == city, *(() if until is None else (OutcomeRow.recorded_at <= until,)))
    if stops is None:
        queries = [base]
    else:
        stops = list(stops)
        visit_ids = sorted({v for s in stops if (v := getattr(s, "visit_id", ""))})
        clients = sorted({s.client_id for s in stops})
        loose = or_(OutcomeRow.visit_id.is_(None), OutcomeRow.visit_id == "")
        queries = [base.where(OutcomeRow.visit_id.in_(visit_ids[k:k + _CHUNK]))
                   for k in range(0, len(visit_ids), _CHUNK)]
        queries += [base.where(loose, OutcomeRow.client_id.in_(clients[k:k + _CHUNK]))
                    for k in range(0, len(clients), _CHUNK)]
    rows = []
    with store.session() as s:
        for q in queries:
            rows += s.execute(q).all()
    ids = {v for v, _, _ in rows if v}
    loose_days = {(c, d) for v, c, d in rows if not v}
    return ids, loose_days


def _is_done(stop: Any, done: tuple[set[str], set[tuple[str, date]]]) -> bool:
    ids, loose = done
    visit_id = getattr(stop, "visit_id", "")
    return (bool(visit_id) and visit_id in ids) or (stop.client_id, stop.start.date()) in loose


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class Adjustment:
    """What :func:`adjust_visits` did to one visit (for reports and tests)."""

    visit_id: str
    best_chance: float  # the chance the visit can expect in the cells it keeps (their mean)
    kept_bands: tuple[tuple[int, int], ...]  # (day, band) or (day, half) pairs kept
    priority_before: int
    priority_after: int


def band_spans(bands: Sequence[tuple[int, int]], noon_min: int | None = None
               ) -> list[tuple[int, int]]:
    """The seconds of the day each band stands for, ``[start, end)``: the first band
    reaches back to midnight, the last one to the end of the day, and a gap between two
    bands is shared: at ``noon_min`` (the profile's ``[casework] noon``) when the gap holds
    it, its edges included, so that no band stands for starts in the other half of the day
    than its own (bands 9–11:30 and 13–14:30 Uhr, noon 12:00: 11:30–11:59 for the first,
    12:00–12:59 for the second); else at its middle, the nearer band (bands 8–9 and 10–11
    Uhr: 9:00–9:29 for 8–9 Uhr). :func:`band_of` counts a start by these spans, in the
    model, in planning, in reordering and in the explanations alike. The spans of a day
    together cover all of it."""
    cuts = []
    for i in range(1, len(bands)):
        lo, hi = bands[i - 1][1], bands[i][0]
        if noon_min is not None and lo <= noon_min <= hi:
            cuts.append(noon_min * 60)
        else:
            cuts.append((lo + hi + 1) // 2 * 60)
    return list(zip([0, *cuts], [*cuts, DAY_S], strict=True))


def _candidate_cells(
    visit: Any, days: int, bands: Sequence[tuple[int, int]], cut_s: int | None = None,
    noon_min: int | None = None,
) -> list[tuple[int, int, int, int]]:
    """(day, band, window start, window end) pieces where the visit may start: the band's
    service-start interval (:func:`band_spans`) intersected with the visit's windows and
    allowed days. The pieces of a day together cover all of it, gaps between bands
    included. ``cut_s`` (second of the day, the noon): a span across it is split there,
    so that each piece lies in one half of the day. ``noon_min``: the noon by which
    :func:`band_spans` shares a gap between bands."""
    last = days - 1 if visit.latest_day is None else min(days - 1, visit.latest_day)
    spans: list[tuple[int, int, int]] = []
    for b, (lo, hi) in enumerate(band_spans(bands, noon_min)):
        if cut_s is not None and lo < cut_s < hi:
            spans += [(b, lo, cut_s), (b, cut_s, hi)]
        else:
            spans.append((b, lo, hi))
    out = []
    for d in range(visit.earliest_day, last + 1):
        for b, span_lo, span_hi in spans:
            lo = d * DAY_S + span_lo
            hi = d * DAY_S + span_hi - 1
            if visit.time_windows:
                for tw in visit.time_windows:
                    s, e = max(lo, tw.start), min(hi, tw.end)
                    if s <= e:
                        out.append((d, b, s, e))
            else:
                out.append((d, b, lo, hi))
    return out


def _cell_grid(model: ContactModel, unit: str) -> tuple[int | None, np.ndarray]:
    """The planning cells of ``unit``: (the second of the day that splits a day's pieces,
    None for bands; the weight of each band's chance in each kind of cell, ``[cell,
    band]``): single bands, or the halves of the day at the model's noon, each the mean
    of its bands' chances (:func:`_half_weights`)."""
    if unit not in ("band", "halbtag"):
        raise ValueError(f"unit must be 'band' or 'halbtag': {unit!r}")
    if unit == "band":
        return None, np.eye(len(model.bands))
    noon = model.settings.noon_min
    return noon * 60, _half_weights(model.bands, noon)


def _visit_cells(
    v: Any, model: ContactModel, *, start: date, days: int, district: str | None,
    cut_s: int | None, weights: np.ndarray,
) -> tuple[list[tuple[int, int, int, int]], list[tuple[int, int, int, int]], list[float],
           np.ndarray]:
    """A visit's pieces where it may start (:func:`_candidate_cells`: (day, band, start,
    end)), the same as cells of :func:`_cell_grid` ((day, band) or (day, half), start,
    end), each cell's chance for the client, and the client's rates."""
    raw = _candidate_cells(v, days, model.bands, cut_s, model.settings.noon_min)
    cells = [(d, b if cut_s is None else int(a - d * DAY_S >= cut_s), a, e)
             for d, b, a, e in raw]
    rate = model.client_rate(v.id, district)
    ch = [float(np.average(rate[(start + timedelta(days=d)).weekday()], weights=weights[g]))
          for d, g, _, _ in cells]
    return raw, cells, ch, rate


def adjust_visits(
    visits: Sequence[Any],
    model: ContactModel | None,
    *,
    start: date,
    days: int,
    district_of: Mapping[str, str],
    keep_factor: float = 0.6,
    mode: str = "modell",
    revisits: frozenset[str] | set[str] = frozenset(),
    seed: int = 0,
    bands: Sequence[tuple[int, int]] | None = None,
    capacity: Mapping[tuple[int, int], float] | None = None,
    scale_priority: bool = True,
    unit: str = "band",
) -> tuple[list[Any], dict[str, Adjustment]]:
    """Narrow each visit's windows to its good bands and scale its priority by its chance.

    Parameters
    ----------
    visits : sequence of routing.Visit
        The builder's visits (windows already hold the client's own windows and the
        revisit rules). Pinned visits are left alone.
    model : ContactModel or None
        The city's fitted model; ``None`` or a model without records changes nothing.
    start, days : date, int
        The planning span (day 0 of the solver is ``start``).
    district_of : mapping
        Client id → district.
    keep_factor : float
        Bands whose chance is at least ``keep_factor`` × the client's best are kept.
    mode : ``"modell"`` | ``"anzeigen"`` | ``"aus"`` | ``"zufall"``
        ``"aus"`` and ``"anzeigen"`` return the visits unchanged; ``"zufall"`` (a baseline for the
        simulator) keeps one random band-day for every revisit and leaves priorities.
    revisits : set of str
        Visit ids that are revisits (used by ``"zufall"``).
    seed : int
        Seed of the ``"zufall"`` baseline.
    bands : sequence of (start, end) minutes, optional
        The bands of ``"zufall"`` (default: the model's, else the default bands).
    capacity : mapping (day, band) -> visits, optional
        How many visits can start in each cell (:func:`band_capacity`); with it, good
        cells that are already full are not given to visits of lower value.
    unit : ``"band"`` | ``"halbtag"``
        What a kept cell is: a band of a day, or a half of a day (the starts before the
        model's noon, :attr:`ModelSettings.noon_min`, and those from it: the halves of
        the revisit rules) whose chance is the mean of its bands' chances
        (:func:`_half_weights`). Half-days leave the solver more room to keep the walks
        short; ``kept_bands`` then holds (day, half) pairs.

    Returns
    -------
    visits, adjustments
        The new visits (unchanged objects where nothing changed) and per changed visit
        an :class:`Adjustment`.
    """
    if mode in ("aus", "anzeigen"):  # "anzeigen": chances on the pages, the plan unchanged
        return list(visits), {}
    if mode == "zufall":
        use = tuple(bands or (model.bands if model is not None else DEFAULT_BANDS))
        noon = model.settings.noon_min if model is not None else ModelSettings.noon_min
        return _random_bands(visits, start, days, revisits, seed, use, noon)
    if model is None or model.n_records == 0:
        return list(visits), {}
    if not 0 < keep_factor <= 1:
        raise ValueError(f"keep_factor must lie in (0, 1]: {keep_factor}")
    bands = model.bands
    noon = model.settings.noon_min
    cut_s, weights = _cell_grid(model, unit)
    plans: list[tuple[Any, list[tuple[int, int, int, int]], list[float]]] = []
    #: per visit and piece: the band the piece's starts count for and its chance there
    band_pieces: dict[str, tuple[list[int], list[float], np.ndarray]] = {}
    for v in visits:
        if v.pin is not None:
            plans.append((v, [], []))
            continue
        raw, cells, ch, rate = _visit_cells(v, model, start=start, days=days,
                                            district=district_of.get(v.id), cut_s=cut_s,
                                            weights=weights)
        wd = [(start + timedelta(days=d)).weekday() for d, _, _, _ in raw]
        plans.append((v, cells, ch))
        band_pieces[v.id] = ([b for _, b, _, _ in raw],
                             [float(rate[w, b]) for w, (_, b, _, _) in zip(wd, raw, strict=True)],
                             rate)
    if capacity is not None and unit != "band":
        assert cut_s is not None
        spans = band_spans(bands, noon)
        grouped: dict[tuple[int, int], float] = {}
        for (d, b), c in capacity.items():
            lo, hi = spans[b]
            morning = (min(hi, cut_s) - lo) / (hi - lo) if lo < cut_s else 0.0
            for h, share in ((0, morning), (1, 1.0 - morning)):
                if share > 0:
                    grouped[(d, h)] = grouped.get((d, h), 0.0) + share * c
        capacity = grouped
    aims: dict[str, float] = {}
    chosen = _choose_cells(plans, keep_factor, capacity, aims)
    # which pieces each visit keeps: those of its kept cells; of a kept half-day only the
    # bands whose own chance passes the keep rule too (a half kept for its mean must not
    # let the solver start the visit in its bad band: 8 % where the client just failed,
    # beside 40 % in the same morning); the half's chance is then that of those bands
    kept_pieces: dict[str, list[int]] = {}
    for v, cells, _ in plans:
        pick = chosen.get(v.id)
        if not pick:
            continue
        keys = {k for k, _ in pick}
        idx = [i for i, c in enumerate(cells) if (c[0], c[1]) in keys]
        if cut_s is not None:
            band_ix, band_ch, rate = band_pieces[v.id]
            floor = keep_factor * aims[v.id] - 1e-12
            new_pick = []
            narrowed: list[int] = []
            for (d, g), p in pick:
                mine = [i for i in idx if (cells[i][0], cells[i][1]) == (d, g)]
                good = [i for i in mine if band_ch[i] >= floor] or mine
                narrowed += good
                if len(good) < len(mine):
                    kept_b = sorted({band_ix[i] for i in good})
                    w = weights[g][kept_b]
                    r = rate[(start + timedelta(days=d)).weekday()][kept_b]
                    p = float(np.average(r, weights=w)) if w.sum() > 0 else float(r.mean())
                new_pick.append(((d, g), p))
            chosen[v.id] = new_pick
            idx = sorted(narrowed)
        kept_pieces[v.id] = idx
    # the value of a visit is its priority times the chance it can expect: the mean over
    # the cells it keeps (the solver may start it in any of them)
    expect = {vid: float(np.mean([p for _, p in c])) for vid, c in chosen.items() if c}
    ref = max(expect.values()) if expect else 1.0
    out: list[Any] = []
    adj: dict[str, Adjustment] = {}
    for v, cells, _ in plans:
        pick = chosen.get(v.id)
        if not pick:
            out.append(v)
            continue
        keys = {k for k, _ in pick}
        best = expect[v.id]
        keep = [cells[i] for i in kept_pieces[v.id]]
        prio = v.priority
        if scale_priority and prio > 0:
            prio = max(1, round(v.priority * best / ref))
        windows = v.time_windows
        if len(keep) < len(cells):
            windows = _merge_windows([(a, e) for _, _, a, e in keep], type(v.time_windows[0])
                                     if v.time_windows else None)
        if windows == v.time_windows and prio == v.priority:
            out.append(v)
            continue
        out.append(replace(v, time_windows=windows, priority=prio))
        adj[v.id] = Adjustment(v.id, best, tuple(sorted(keys)), v.priority, prio)
    return out, adj


#: An alternative's id: ``"<visit id>\x1f<k>"`` (no case id holds a control character).
ALT_SEP = "\x1f"


def alternative_visits(
    visits: Sequence[Any],
    model: ContactModel | None,
    *,
    start: date,
    days: int,
    district_of: Mapping[str, str],
    contact_s: float,
    levels: int = 3,
    scale_priority: bool = True,
    min_spread: float = 0.02,
    unit: str = "halbtag",
) -> tuple[list[Any], dict[str, Adjustment]]:
    """Each visit as alternatives by its chance of contact, for the solver to weigh.

    The visit's windows (the client's own, the revisit rules) are cut into cells per
    day (:func:`_candidate_cells`): the model's bands, or with ``unit = "halbtag"`` the
    halves of the day (before and from the model's noon, each with the mean chance of
    its bands, :func:`_half_weights`: less noisy than single bands); the cells are grouped into at most
    ``levels`` levels of chance (equal steps between the visit's worst and best cell),
    and each level becomes an alternative (:attr:`routing.model.Visit.group`) with the
    windows of its cells and a ``cost`` of ``contact_s`` travel seconds per expected
    contact it gives up against the best level (the mean chance of its cells). The
    solver serves at most one of them: a visit still goes into a less likely window
    when that saves more walking than the chance is worth, or when the good ones are
    full; nothing is taken away (every window of the visit stays in some alternative).
    As in :func:`adjust_visits`, the priority is scaled by the chance the visit can
    expect (its best level), so that when not every visit fits, the likelier contacts
    go first. A visit whose cells differ by less than ``min_spread`` keeps its windows
    (one level). Pinned visits and a model without records change nothing.

    Returns the visits (alternatives replace a visit; their ids ``<id>`` + ``ALT_SEP``
    + level) and per visit with a changed priority or alternatives an
    :class:`Adjustment` (``kept_bands``: the (day, band) or (day, half) cells of the
    best level).
    """
    if model is None or model.n_records == 0:
        return list(visits), {}
    if levels < 1:
        raise ValueError(f"levels must be at least 1: {levels}")
    cut_s, weights = _cell_grid(model, unit)
    plans: list[tuple[Any, list[tuple[int, int, int, int]], list[list[int]], list[float]]] = []
    for v in visits:
        raw: list[tuple[int, int, int, int]] = []
        if v.pin is None:
            _, raw, ch, _ = _visit_cells(v, model, start=start, days=days,
                                         district=district_of.get(v.id), cut_s=cut_s,
                                         weights=weights)
        if not raw:
            plans.append((v, [], [], []))
            continue
        lo, hi = min(ch), max(ch)
        if hi - lo < min_spread:
            groups = [list(range(len(raw)))]
        else:
            step = (hi - lo) / levels
            by: dict[int, list[int]] = {}
            for i, p in enumerate(ch):
                by.setdefault(min(levels - 1, int((hi - p) / step)), []).append(i)
            groups = [by[k] for k in sorted(by)]
        plans.append((v, raw, groups, [float(np.mean([ch[i] for i in g])) for g in groups]))
    ref = max((vals[0] for _, _, _, vals in plans if vals), default=1.0)
    out: list[Any] = []
    adj: dict[str, Adjustment] = {}
    for v, raw, groups, vals in plans:
        if not vals:
            out.append(v)
            continue
        best = vals[0]
        prio = v.priority
        if scale_priority and prio > 0 and ref > 0:
            prio = max(1, round(v.priority * best / ref))
        if len(groups) > 1:
            tw_cls = type(v.time_windows[0]) if v.time_windows else None
            for k, (g, val) in enumerate(zip(groups, vals, strict=True)):
                out.append(replace(
                    v, id=f"{v.id}{ALT_SEP}{k}", priority=prio, group=v.id,
                    time_windows=_merge_windows([(raw[i][2], raw[i][3]) for i in g], tw_cls),
                    cost=round(contact_s * (best - val))))
        elif prio != v.priority:
            out.append(replace(v, priority=prio))
        else:
            out.append(v)
            continue
        adj[v.id] = Adjustment(v.id, best, tuple(sorted({raw[i][:2] for i in groups[0]})),
                               v.priority, prio)
    return out, adj


def merge_alternatives(plain: Any, solved: Any, solution: Any) -> Any:
    """The solution of ``solved`` (a problem with the alternatives of
    :func:`alternative_visits`) in the terms of ``plain`` (the problem without them):
    each served alternative becomes its visit; a visit none of whose alternatives is
    served is unassigned once, with the reason found for it in ``plain`` (its whole
    windows; an alternative's reason would name only its own). ``solution`` itself
    when ``solved`` has no alternatives."""
    if not any(v.group is not None for v in solved.visits):
        return solution
    from routing.model import Solution
    from routing.reasons import explain_all
    from routing.solve import objective

    def base(vid: str) -> str:
        return vid.split(ALT_SEP, 1)[0]

    routes = tuple(replace(r, steps=tuple(
        replace(s, visit=base(s.visit)) if s.visit is not None else s for s in r.steps))
        for r in solution.routes)
    served = {x for r in routes for x in r.visits}
    idx = plain.visit_index()
    left: dict[str, bool] = {}  # visit id -> proven not to fit (every alternative)
    for u in solution.unassigned:
        b = base(u.visit)
        if b not in served:
            left[b] = left.get(b, True) and u.code != "not_checked"
    order = sorted(left, key=lambda b: idx[b])
    reasons = explain_all(plain, routes, [idx[b] for b in order],
                          [idx[b] for b in order if left[b]])
    merged = Solution(routes, tuple(reasons), 0, solution.stats)
    return replace(merged, objective=objective(plain, merged))


def _half_weights(bands: Sequence[tuple[int, int]], noon_min: int) -> np.ndarray:
    """``[half, band]``: how much each band's chance counts for the chance of a half of
    the day (0: the starts before ``noon_min``, 1: from it): the share of the band's
    minutes in that half, so a band wholly in one half counts 1 there and a band across
    the noon counts for both halves by its parts. A half that holds no band's minutes
    (all bands end by the noon, or begin after it) takes the bands whose
    :func:`band_spans` reach into it (a start there counts for them, :func:`band_of`)."""
    w = np.zeros((2, len(bands)))
    for b, (lo, hi) in enumerate(bands):
        before = min(max(noon_min - lo, 0), hi - lo)
        w[0, b], w[1, b] = before / (hi - lo), (hi - lo - before) / (hi - lo)
    for h, (lo_s, hi_s) in enumerate(((0, noon_min * 60), (noon_min * 60, DAY_S))):
        if not w[h].any():
            w[h] = [1.0 if lo < hi_s and hi > lo_s else 0.0
                    for lo, hi in band_spans(bands, noon_min)]
    return w


def _choose_cells(
    plans: list[tuple[Any, list[tuple[int, int, int, int]], list[float]]],
    keep_factor: float,
    capacity: Mapping[tuple[int, int], float] | None,
    aims: dict[str, float] | None = None,
) -> dict[str, list[tuple[tuple[int, int], float]]]:
    """The (day, band) cells each visit may use, with their chances (``aims``, when
    given, is filled with the level of chance each visit aims for).

    Without ``capacity``: the cells whose chance is at least ``keep_factor`` × the best.
    With it, the cells' scarcity decides which chance each visit can aim for
    (:func:`_priced_cells`), so that a district whose people are all at home in the
    afternoon does not pile its visits into the few afternoon hours of the week.
    """
    out: dict[str, list[tuple[tuple[int, int], float]]] = {}
    items = []
    for v, cells, ch in plans:
        if not cells:
            continue
        best: dict[tuple[int, int], float] = {}
        for (d, b, _, _), p in zip(cells, ch, strict=True):
            best[(d, b)] = max(best.get((d, b), 0.0), p)
        items.append((v, best))
    if aims is None:
        aims = {}
    if capacity is None:
        for v, best in items:
            top = aims[v.id] = max(best.values())
            out[v.id] = [(k, p) for k, p in best.items() if p >= keep_factor * top - 1e-12]
        return out
    return _priced_cells(items, keep_factor, capacity, aims)


def _priced_cells(
    items: list[tuple[Any, dict[tuple[int, int], float]]],
    keep_factor: float,
    capacity: Mapping[tuple[int, int], float],
    aims: dict[str, float] | None = None,
) -> dict[str, list[tuple[tuple[int, int], float]]]:
    """Cells under scarcity: the linear relaxation of "give each visit one cell, at most
    ``capacity`` visits per cell, maximise Σ priority × chance" (HiGHS) says which level
    of chance each visit can aim for: the best chance among the cells it is given. A
    visit may then use every cell whose chance is at least ``keep_factor`` × that level.

    Without scarcity every visit is given its best cell and this is the plain rule. Where
    everybody prefers the same afternoon, the afternoon goes to the visits that lose most
    elsewhere; the others aim lower and keep more cells (so their windows stay wide).
    A visit the relaxation leaves out entirely (no room anywhere) keeps the plain rule.
    """
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix

    keys = sorted({k for _, best in items for k in best})
    col = {k: j for j, k in enumerate(keys)}
    rows, cols, cost, var = [], [], [], []
    for i, (v, best) in enumerate(items):
        w = max(float(v.priority), 0.5)
        for k, p in best.items():
            n = len(var)
            var.append((i, k))
            cost.append(-w * p)
            rows += [i, len(items) + col[k]]
            cols += [n, n]
    if not var:
        return {}
    a = coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(items) + len(keys), len(var)))
    b = np.concatenate([np.ones(len(items)), [max(capacity.get(k, 0.0), 0.0) for k in keys]])
    res = linprog(np.array(cost), A_ub=a.tocsr(), b_ub=b, bounds=(0, 1), method="highs")
    level: dict[int, float] = {}
    if res.status == 0:
        for (i, k), x in zip(var, res.x, strict=True):
            if x > 1e-6:
                level[i] = max(level.get(i, 0.0), items[i][1][k])
    out: dict[str, list[tuple[tuple[int, int], float]]] = {}
    for i, (v, best) in enumerate(items):
        aim = level.get(i, max(best.values()))
        if aims is not None:
            aims[v.id] = aim
        out[v.id] = [(k, p) for k, p in best.items() if p >= keep_factor * aim - 1e-12]
    return out


def band_capacity(
    problem: Any, bands: Sequence[tuple[int, int]], *, minutes_per_visit: float | None = None,
    noon_min: int | None = None,
) -> dict[tuple[int, int], float]:
    """How many visits can start in each (day, band) of a routing problem.

    Sums over the teams' shifts the minutes of the band inside the shift (less the share
    of a break that falls into it), divided by the minutes a visit takes: the mean service
    plus a typical leg (the median travel time from a visit to its nearest other visit).
    As in :func:`_candidate_cells`, each band stands for its :func:`band_spans` (the first
    reaches back to midnight, the last to the end of the day, a gap is shared at the noon
    ``noon_min`` when it holds it, else at its middle).
    """
    if minutes_per_visit is None:
        vs = problem.visits
        service = float(np.mean([v.service for v in vs])) / 60 if vs else 45.0
        leg = 10.0
        if len(vs) > 1:
            mode = next(iter(problem.durations))
            m = np.asarray(problem.durations[mode], dtype=float)
            idx = np.array([v.location for v in vs])
            sub = m[np.ix_(idx, idx)]
            sub[(sub < 0) | (sub >= 10**9)] = np.inf
            np.fill_diagonal(sub, np.inf)
            nn = sub.min(axis=1)
            nn = nn[np.isfinite(nn)]
            if nn.size:
                leg = float(np.median(nn)) / 60
        minutes_per_visit = max(service + leg, 1.0)
    cap: dict[tuple[int, int], float] = {}
    spans = band_spans(bands, noon_min)
    for team in problem.teams:
        for shift in team.shifts:
            d = shift.day
            for b, (span_lo, span_hi) in enumerate(spans):
                lo = d * DAY_S + span_lo
                hi = d * DAY_S + span_hi
                s, e = max(lo, shift.window.start), min(hi, shift.window.end)
                if e <= s:
                    continue
                minutes = (e - s) / 60
                for br in shift.breaks:
                    w = br.window
                    share = max(0, min(e, w.end) - max(s, w.start)) / max(w.end - w.start, 1)
                    minutes -= share * br.duration / 60
                cap[(d, b)] = cap.get((d, b), 0.0) + max(0.0, minutes) / minutes_per_visit
    return cap


def _merge_windows(pieces: list[tuple[int, int]], tw_cls: Any) -> tuple[Any, ...]:
    if tw_cls is None:
        from routing.model import TimeWindow as tw_cls
    pieces.sort()
    merged: list[list[int]] = []
    for s, e in pieces:
        if merged and s <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], e)
        else:
            merged.append([s, e])
    return tuple(tw_cls(s, e) for s, e in merged)


def _random_bands(
    visits: Sequence[Any], start: date, days: int, revisits: Iterable[str], seed: int,
    bands: Sequence[tuple[int, int]], noon_min: int | None = None,
) -> tuple[list[Any], dict[str, Adjustment]]:
    """Baseline: every revisit gets one band-day drawn at random from its candidates."""
    rev = set(revisits)
    out, adj = [], {}
    for v in visits:
        if v.pin is not None or v.id not in rev:
            out.append(v)
            continue
        cells = _candidate_cells(v, days, bands, noon_min=noon_min)
        if not cells:
            out.append(v)
            continue
        rng = random.Random(zlib.crc32(f"{seed}:{start}:{v.id}".encode()))
        d, b, s, e = rng.choice(cells)
        tw_cls = type(v.time_windows[0]) if v.time_windows else None
        out.append(replace(v, time_windows=_merge_windows([(s, e)], tw_cls)))
        adj[v.id] = Adjustment(v.id, math.nan, ((d, b),), v.priority, v.priority)
    return out, adj


def explore_seed(city: str, start: date) -> int:
    """The draw of :meth:`ContactModel.explored` for a plan of ``city`` from ``start``:
    the same plan asked for again draws the same, the next week's plan draws anew."""
    return zlib.crc32(f"{city}|{start.isoformat()}".encode())


def planning_model(store: Any, profile: Any, *, start: date | None = None
                   ) -> ContactModel | None:
    """The city's model when planning uses it (``mode = "modell"``), else None: fitted
    once per plan and handed to :func:`adjust_built` and :func:`improve_solution`. With
    ``[erreichbarkeit] explore`` above 0 and a ``start``, the model the plan from
    ``start`` weighs with: one draw of :meth:`ContactModel.explored` (a model without
    records stays as it is: no outcomes, the plan without the model)."""
    r = profile.erreichbarkeit
    if r.mode != "modell":
        return None
    model = model_for_city(store, profile)
    if r.explore > 0 and start is not None and model.n_records:
        model = model.explored(explore_seed(profile.name, start), r.explore)
    return model


def adjust_problem(
    problem: Any,
    *,
    profile: Any,
    store: Any,
    start: date,
    district_of: Mapping[str, str],
    revisits: Iterable[str] = (),
    seed: int = 0,
    model: ContactModel | None = None,
) -> tuple[Any, dict[str, Adjustment], ContactModel | None]:
    """The planning builder's single hook: apply :func:`alternative_visits` (``planning =
    "abwaegen"``) or :func:`adjust_visits` (``"eingrenzen"``, with the band capacity of
    the problem's shifts; also the ``"zufall"`` baseline) to the problem's visits as the
    profile's ``[erreichbarkeit]`` section says. A problem with alternatives must be
    solved and then given back in the plain problem's terms (:func:`merge_alternatives`). ``model``: the city's fitted model (fitted from the store when
    None and the mode needs it; ``"aus"`` and ``"anzeigen"`` fit nothing).

    Returns the problem to solve (the same object when nothing changed), what was
    changed per visit, and the model used (None when none was needed).
    """
    r = profile.erreichbarkeit
    if r.mode in ("aus", "anzeigen"):
        return problem, {}, model
    if model is None and r.mode == "modell":
        model = model_for_city(store, profile)
    bands = r.band_minutes()
    if r.mode == "modell" and r.planning == "abwaegen":
        visits, adj = alternative_visits(
            problem.visits, model, start=start, days=problem.days, district_of=district_of,
            contact_s=r.contact_minutes * 60, levels=r.levels, unit=r.planning_unit)
        if not adj:
            return problem, adj, model
        return replace(problem, visits=tuple(visits)), adj, model
    visits, adj = adjust_visits(
        problem.visits, model, start=start, days=problem.days, district_of=district_of,
        keep_factor=r.keep_factor, mode=r.mode, revisits=set(revisits), seed=seed, bands=bands,
        capacity=band_capacity(problem, bands, noon_min=model.settings.noon_min)
        if model is not None and model.n_records else None,
        unit=r.planning_unit)
    if not adj:
        return problem, adj, model
    return replace(problem, visits=tuple(visits)), adj, model


def adjust_built(built: Any, *, store: Any, profile: Any, start: date, seed: int = 0,
                 model: ContactModel | None = None) -> Any:
    """:func:`adjust_problem` for the planning builder's ``Built`` (hausbesuch.planning.
    builder): districts from its candidates' geocodes, revisits = candidates with tries
    before. Returns ``built`` itself when nothing changes (no outcomes: the plan is exactly
    the plan without the model)."""
    cands = built.candidates
    problem, adj, _ = adjust_problem(
        built.problem, profile=profile, store=store, start=start,
        district_of={k: c.geocode.district for k, c in cands.items()},
        revisits={k for k, c in cands.items() if c.tries_before > 0}, seed=seed, model=model)
    return built if problem is built.problem else replace(built, problem=problem)


def improve_solution(built: Any, solution: Any, *, store: Any, profile: Any, start: date,
                     model: ContactModel | None = None) -> Any:
    """Reorder each route of a solved plan so that visits start when contact is likely
    (:func:`routing.retime.reorder_for_value`): value = priority × chance at the start
    time, at most ``reorder_extra_travel`` more travel per route, the same visits on the
    same team-days. Only with ``mode = "modell"`` and outcomes in the store; otherwise
    the solution itself is returned. ``model``: the city's fitted model (fitted from the
    store when None)."""
    r = profile.erreichbarkeit
    if r.mode != "modell" or r.reorder_extra_travel <= 0:
        return solution
    if model is None:
        model = model_for_city(store, profile)
    return reorder_by_model(built, solution, model, start=start,
                            max_extra_travel=r.reorder_extra_travel)


def reorder_by_model(built: Any, solution: Any, model: ContactModel, *, start: date,
                     max_extra_travel: float) -> Any:
    """:func:`routing.retime.reorder_for_value` with value = priority × the model's chance
    of the client at the visit's start (``built``: the planning builder's ``Built``, its
    candidates give priority and district). A model without records changes nothing."""
    if model.n_records == 0:
        return solution
    from routing.retime import reorder_for_value

    cands = built.candidates
    weekday = [(start + timedelta(days=d)).weekday() for d in range(built.problem.days)]
    rates: dict[str, np.ndarray] = {}

    def value(visit_id: str, t: int) -> float:
        c = cands.get(visit_id)
        if c is None:
            return 0.0
        if visit_id not in rates:
            rates[visit_id] = model.client_rate(visit_id, c.geocode.district)
        d, sec = divmod(int(t), DAY_S)
        wd = weekday[min(d, len(weekday) - 1)]
        return max(c.priority, 1) * float(rates[visit_id][wd, model.band_at(sec // 60)])

    return reorder_for_value(built.problem, solution, value, max_extra_travel=max_extra_travel)
