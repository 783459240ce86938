"""Small pinned details of the at-home model (``hausbesuch.athome``): the city prior, the
weekday sharing of ``_smooth`` and the floor of a scaled priority."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from hausbesuch.athome import (
    ContactModel,
    ContactRecord,
    ModelSettings,
    _smooth,
    adjust_visits,
)
from routing.model import DAY, TimeWindow, Visit

MONDAY = date(2026, 12, 7)


def test_city_cell_is_a_beta_update_of_the_neutral_prior() -> None:
    """One contact on Monday 09:00 with no sharing: (4 · 0.5 + 1) / (4 + 1) = 0.6 in that
    cell; every other cell keeps the prior mean 0.5."""
    s = ModelSettings(weekday_weight=0, neighbour_weight=0)
    model = ContactModel.fit([ContactRecord("C1", "Mitte", MONDAY, 540, "angetroffen")],
                             settings=s)
    rate = model.city_rate
    assert rate[0, 0] == pytest.approx(0.6)
    others = np.ones(rate.shape, dtype=bool)
    others[0, 0] = False
    assert np.allclose(rate[others], 0.5)
    # another prior: rate 0.3, strength 2 -> (2 · 0.3 + 1) / (2 + 1)
    s2 = ModelSettings(prior_rate=0.3, prior_strength=2.0, weekday_weight=0,
                       neighbour_weight=0)
    model2 = ContactModel.fit([ContactRecord("C1", "Mitte", MONDAY, 540, "angetroffen")],
                              settings=s2)
    assert model2.city_rate[0, 0] == pytest.approx(1.6 / 3)
    assert model2.city_rate[1, 0] == pytest.approx(0.3)


def test_weekday_sharing_does_not_count_a_cell_twice() -> None:
    counts = np.zeros((7, 2))
    counts[0, 0] = 1.0
    out = _smooth(counts, 0.5, 0)
    assert out[0].tolist() == [1.0, 0.0]  # its own cell: counted once, fully
    assert out[1:].tolist() == [[0.5, 0.0]] * 6  # the same band on the other weekdays
    assert counts.sum() == 1.0  # the input is left alone


def test_a_scaled_priority_never_drops_to_zero() -> None:
    """Priority 1 scaled by a chance far below the best (ratio < 0.5, so the rounding gives
    0): the visit keeps priority 1, it is still worth a visit."""
    # client A opened at every try, client B never (morning and afternoon, five weekdays)
    recs = [ContactRecord(cid, "Mitte", MONDAY + timedelta(days=i % 5), m, result)
            for cid, result in (("A", "angetroffen"), ("B", "nicht_angetroffen"))
            for i in range(10) for m in (540, 900)]
    model = ContactModel.fit(recs)
    window = (TimeWindow(8 * 3600, 16 * 3600),)
    visits = [Visit(id="A", location=1, service=1800, priority=1, time_windows=window),
              Visit(id="B", location=2, service=1800, priority=1, time_windows=window),
              Visit(id="H", location=3, service=1800, priority=40, time_windows=window)]
    district_of = {"A": "Mitte", "B": "Mitte", "H": "Mitte"}
    out, adj = adjust_visits(visits, model, start=MONDAY, days=1, district_of=district_of)
    a, b = (float(model.client_rate(c, "Mitte")[0].mean()) for c in "AB")
    assert b < 0.5 * a  # round(1 · b / a) would be 0
    assert adj["B"].best_chance < 0.5 * a  # its best bands are still far below A's
    assert (adj["B"].priority_before, adj["B"].priority_after) == (1, 1)
    assert {v.id: v.priority for v in out}["B"] == 1
    assert {v.id: v.priority for v in out}["A"] == 1
    assert all(v.priority >= 1 for v in out)
    # a higher priority is still scaled down, not floored
    h = next(v for v in out if v.id == "H")
    assert 1 <= h.priority < 40
    assert all(w.end < DAY for v in out for w in v.time_windows)
