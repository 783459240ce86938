"""A synthetic population for the at-home simulator: who is at home when (hidden truth).

Every household lives at a real address of the sample town and belongs to the district
the planner would assign. Its chance of opening the door depends on

- a **pattern family** (early shift, late shift, alternating shifts, part-time job on some
  weekdays, at home in the daytime, out in the mornings, mostly absent with one good
  slot), drawn from a mixture that differs from district to district;
- a district offset and a personal offset on the log-odds scale;
- the person's own parameters (shift end, working days, the one good slot).

The planner never sees any of this: it only sees the outcomes drawn from it
(:func:`draw_outcome`). Everything here is pure (numpy and the standard library), so the
tests use it directly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

FAMILIES = (
    "fruehschicht",       # away until early afternoon
    "spaetschicht",       # at home in the morning, away from midday
    "wechselschicht",     # early and late shift in alternate weeks
    "teilzeit",           # away on two or three fixed weekdays
    "tagsueber_zuhause",  # mostly at home in the daytime
    "vormittags_weg",     # out in the mornings (children, appointments), home afternoons
    "meist_abwesend",     # rarely at home, one good slot a week
)

HIGH, LOW = 0.78, 0.07


@dataclass(frozen=True)
class Household:
    """One client of the simulation: a real address and a hidden at-home pattern."""

    case_id: str
    street: str
    number: str
    postcode: str
    town: str
    lon: float
    lat: float
    district: str
    family: str
    offset: float                       # district + personal log-odds offset
    switch_min: int = 13 * 60           # shift change / return time
    workdays: tuple[int, ...] = ()      # teilzeit: weekdays away
    slot: tuple[int, int] = (0, 600)    # meist_abwesend: (weekday, start minute) of the good slot


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def _sigmoid(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def base_chance(h: Household, day: date, minute: int) -> float:
    """The family's chance of contact before the offsets."""
    wd = day.weekday()
    if wd >= 5:
        return 0.6
    f = h.family
    if f == "fruehschicht":
        return LOW if minute < h.switch_min else HIGH
    if f == "spaetschicht":
        return HIGH if minute < h.switch_min else LOW
    if f == "wechselschicht":
        early = day.isocalendar()[1] % 2 == 0
        return (LOW if minute < h.switch_min else HIGH) if early else (
            HIGH if minute < h.switch_min else LOW)
    if f == "teilzeit":
        return LOW if wd in h.workdays and minute < h.switch_min + 90 else 0.7
    if f == "tagsueber_zuhause":
        return 0.55 if 12 * 60 <= minute < 13 * 60 else 0.72
    if f == "vormittags_weg":
        return 0.15 if minute < h.switch_min - 120 else 0.66
    if f == "meist_abwesend":
        sw, sm = h.slot
        return 0.6 if wd == sw and sm <= minute < sm + 120 else 0.08
    raise ValueError(f"unknown family {f!r}")


def chance(h: Household, day: date, minute: int) -> float:
    """The hidden probability that somebody opens at ``minute`` of ``day``."""
    p = base_chance(h, day, minute)
    return _sigmoid(_logit(p) + h.offset)


def band_rates(h: Household, bands: Sequence[tuple[int, int]], monday: date) -> np.ndarray:
    """Hidden contact rate per weekday × band: the chance averaged over the band's
    minutes (every 10 minutes) and over two consecutive weeks (alternating shifts)."""
    out = np.zeros((7, len(bands)))
    for wd in range(7):
        for b, (a, e) in enumerate(bands):
            vals = [chance(h, monday + timedelta(days=wd + 7 * k), m)
                    for k in (0, 1) for m in range(a, e, 10)]
            out[wd, b] = float(np.mean(vals))
    return out


def _person(rng: np.random.Generator, family: str, district_offset: float, personal_sd: float,
            **place: object) -> Household:
    """Draw one person of ``family``: personal offset and own parameters (in this order,
    which fixes every seed's population)."""
    wd_away = tuple(sorted(int(x) for x in rng.choice(5, size=int(rng.integers(2, 4)),
                                                      replace=False)))
    return Household(
        **place, family=family,  # type: ignore[arg-type]
        offset=district_offset + float(rng.normal(0, personal_sd)),
        switch_min=int(rng.integers(12 * 60 + 30, 14 * 60 + 31)),
        workdays=wd_away,
        slot=(int(rng.integers(0, 5)), int(rng.choice([480, 600, 720, 840]))),
    )


def make_population(
    places: Sequence[tuple[str, str, str, str, float, float, str]],
    n: int,
    seed: int,
    *,
    id_prefix: str = "S",
    first_number: int = 1,
    district_mix: dict[str, np.ndarray] | None = None,
    district_offset: dict[str, float] | None = None,
    concentration: float = 0.5,
    district_sd: float = 0.45,
    personal_sd: float = 0.35,
) -> tuple[list[Household], dict[str, np.ndarray], dict[str, float]]:
    """Draw ``n`` households at distinct ``places`` (street, number, postcode, town, lon,
    lat, district).

    Districts get a family mixture (Dirichlet with ``concentration``; 0.5: districts
    differ a lot, smaller: nearly one family per district) and a log-odds offset (normal,
    sd ``district_sd``); each person adds a personal offset (sd ``personal_sd``). Pass the
    returned ``district_mix`` and ``district_offset`` back in to draw newcomers to the
    same town.
    """
    rng = np.random.default_rng(seed)
    districts = sorted({p[6] for p in places})
    mix = dict(district_mix or {})
    off = dict(district_offset or {})
    for d in districts:
        if d not in mix:
            mix[d] = rng.dirichlet(np.full(len(FAMILIES), concentration))
            off[d] = float(rng.normal(0, district_sd))
    picks = rng.choice(len(places), size=n, replace=False)
    out = []
    for i, k in enumerate(picks):
        street, hn, pc, town, lon, lat, dist = places[int(k)]
        fam = FAMILIES[int(rng.choice(len(FAMILIES), p=mix[dist]))]
        out.append(_person(rng, fam, off[dist], personal_sd,
                           case_id=f"{id_prefix}{first_number + i:05d}", street=street,
                           number=hn, postcode=pc, town=town, lon=lon, lat=lat, district=dist))
    return out, mix, off


def draw_outcome(h: Household, day: date, minute: int, rng: np.random.Generator) -> str:
    """The outcome of a visit, drawn from the hidden truth (German result values)."""
    if rng.random() < 0.01:
        return "verzogen"
    if rng.random() < chance(h, day, minute):
        r = rng.random()
        return "angetroffen" if r < 0.86 else ("verweigert" if r < 0.93 else "termin_vereinbart")
    return "nicht_angetroffen" if rng.random() < 0.55 else "nachricht_hinterlassen"


def district_truth(
    population: Sequence[Household], bands: Sequence[tuple[int, int]], monday: date
) -> dict[str, np.ndarray]:
    """Mean hidden rate per district, weekday × band (over the district's households)."""
    acc: dict[str, list[np.ndarray]] = {}
    for h in population:
        acc.setdefault(h.district, []).append(band_rates(h, bands, monday))
    return {d: np.mean(v, axis=0) for d, v in acc.items()}


def town_places(
    osm_path, profile, *, near: tuple[float, float] | None = None, at_least: int = 0
) -> list[tuple[str, str, str, str, float, float, str]]:
    """Real address points of the town (street, number, postcode, town, lon, lat, district),
    with the district the planner assigns (the profile's district settings)."""
    from geodata.districts import load_districts
    from geodata.geocode import load_index
    from hausbesuch.config import district_options
    from hausbesuch.demo import real_addresses

    index = load_index(osm_path)
    addrs = real_addresses(index, near, at_least=at_least)
    where: dict[tuple[str, str], tuple[float, float]] = {}
    for k, (street, hn) in enumerate(zip(index.e_street, index.e_hn, strict=True)):
        if (street, hn) not in where:
            where[(street, hn)] = index.proj.lonlat(*index.e_xy[k])
    lons = np.array([where[(s, n)][0] for s, n, _, _ in addrs])
    lats = np.array([where[(s, n)][1] for s, n, _, _ in addrs])
    names = load_districts(osm_path, **district_options(profile)).assign(lons, lats)
    return [(s, n, pc, town, float(lo), float(la), str(d))
            for (s, n, pc, town), lo, la, d in zip(addrs, lons, lats, names, strict=True)]


class PopulationPosterior:
    """What a perfect learner could know of a client: the exact posterior predictive.

    It knows how the population is drawn (the families, each district's mixture and
    offset, the spread of the personal offsets and parameters) and sees a client's own
    tries (day, minute, contact or not). Its estimate of the client's rates is the mean
    of the hidden rates over persons drawn as the client's district draws them, each
    weighted by the likelihood of the client's tries (importance sampling over a bank of
    ``per_family`` persons per family). No learner from outcomes can know more, so a
    planner fed with it shows the most that learning could buy.
    """

    def __init__(self, mix: dict[str, np.ndarray], offset: dict[str, float], personal_sd: float,
                 bands: Sequence[tuple[int, int]], monday: date, *, per_family: int = 300,
                 seed: int = 0) -> None:
        rng = np.random.default_rng([seed, 20_270_111])
        self.bank = [_person(rng, f, 0.0, 1.0, case_id="", street="", number="", postcode="",
                             town="", lon=0.0, lat=0.0, district="")
                     for f in FAMILIES for _ in range(per_family)]
        self.family = np.repeat(np.arange(len(FAMILIES)), per_family)
        self.z = np.array([h.offset for h in self.bank])  # standard normal personal offsets
        self.mix, self.offset, self.sd = mix, offset, personal_sd
        self.monday = monday
        # base log-odds on the band grid of two consecutive weeks: [person, week, day, band, minute]
        self._grid = _logit_array(np.array([
            [[[[base_chance(h, monday + timedelta(days=wd + 7 * k), m) for m in range(a, e, 10)]
               for a, e in bands] for wd in range(7)] for k in (0, 1)] for h in self.bank]))
        self._rates: dict[tuple[str, int], np.ndarray] = {}

    def _offsets(self, district: str) -> np.ndarray:
        return self.offset[district] + self.sd * self.z

    def rates(self, district: str, monday: date) -> np.ndarray:
        """Hidden rates of every banked person as ``district`` would have it in the week of
        ``monday``: ``[person, weekday, band]``."""
        week = int(monday.isocalendar()[1] % 2 != self.monday.isocalendar()[1] % 2)
        if (district, week) not in self._rates:
            x = self._grid[:, week] + self._offsets(district)[:, None, None, None]
            self._rates[(district, week)] = (1 / (1 + np.exp(-x))).mean(axis=-1)
        return self._rates[(district, week)]

    def predict(self, district: str, tries: Sequence[tuple[date, int, bool]],
                monday: date) -> np.ndarray:
        """Posterior predictive rates ``[weekday, band]`` in the week of ``monday`` of a
        client of ``district`` with these tries (no tries: the district's mean)."""
        w = np.asarray(self.mix[district])[self.family].astype(float)
        off = self._offsets(district)
        for day, minute, hit in tries:
            base = _logit_array(np.array([base_chance(h, day, minute) for h in self.bank]))
            p = 1 / (1 + np.exp(-(base + off)))
            w = w * (p if hit else 1 - p)
        return np.tensordot(w / w.sum(), self.rates(district, monday), axes=1)


def _logit_array(p: np.ndarray) -> np.ndarray:
    return np.log(p / (1 - p))
