"""Planning that also tries what the model knows little about (``[erreichbarkeit] explore``):
one draw per plan from the uncertainty of each district's half-day rates."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from hausbesuch.athome import ContactModel, ContactRecord, explore_seed, half_of_band
from hausbesuch.config import Reachability

MONDAY = date(2026, 12, 7)


def _tries(district: str, minute: int, n: int, every: int) -> list[ContactRecord]:
    """``n`` tries of as many people at ``minute``, every ``every``-th one with contact."""
    return [ContactRecord(f"{district}{minute}-{i}", district, MONDAY + timedelta(days=i % 5),
                          minute, "angetroffen" if i % every == 0 else "nicht_angetroffen")
            for i in range(n)]


def _model(afternoon_tries: int = 2) -> ContactModel:
    """Districts that differ clearly (so that the district level pools little): Mitte
    tried often in the morning, hardly in the afternoon; Ost often at both halves; Sued as
    Mitte but with ``afternoon_tries`` in the afternoon; four others at 1 in 8 or 7 in 8."""
    recs = _tries("Mitte", 500, 60, 3) + _tries("Mitte", 900, 2, 2)
    recs += _tries("Ost", 500, 60, 3) + _tries("Ost", 900, 60, 2)
    recs += _tries("Sued", 500, 60, 3) + _tries("Sued", 900, afternoon_tries, 2)
    for k in range(4):
        recs += _tries(f"W{k}", 500, 40, 8 if k % 2 else 1) + _tries(f"W{k}", 900, 40,
                                                                     1 if k % 2 else 8)
    model = ContactModel.fit(recs)
    assert model.district_strength < 10  # (districts differ: little pooling)
    return model


def _halves(model: ContactModel) -> np.ndarray:
    return np.array([half_of_band(b, model.settings.noon_min) for b in model.bands])


def _shift(model: ContactModel, drawn: ContactModel, district: str, half: int) -> float:
    cols = _halves(model) == half
    return float((drawn.district_rate(district) - model.district_rate(district))[:, cols].mean())


def test_one_draw_per_seed_and_the_mean_model_untouched() -> None:
    model = _model()
    before = {d: model.district_rate(d).copy() for d in ("Mitte", "Ost")}
    a, b, c = model.explored(7), model.explored(7), model.explored(8)
    for d in ("Mitte", "Ost"):
        assert np.array_equal(a.district_rate(d), b.district_rate(d))
        assert np.array_equal(model.district_rate(d), before[d])
    assert not np.array_equal(a.district_rate("Mitte"), c.district_rate("Mitte"))
    # the shift is one per district and half of the day: every weekday and band of the
    # half moves by the same amount (where no clipping happens)
    cols = _halves(model) == 1
    diff = (a.district_rate("Mitte") - model.district_rate("Mitte"))[:5, cols]
    assert np.allclose(diff, diff.flat[0])
    # clients follow their district's drawn rates; the counts are shared, not changed
    assert a.client_tries is model.client_tries
    assert not np.array_equal(a.client_rate("MitteA0", "Mitte"),
                              model.client_rate("MitteA0", "Mitte"))
    assert np.all((a.district_rate("Mitte") >= 0.01) & (a.district_rate("Mitte") <= 0.99))


def test_what_was_hardly_tried_moves_more_than_what_was_tried_often() -> None:
    model = _model()
    draws = [model.explored(seed) for seed in range(300)]
    spread = {(d, h): np.std([_shift(model, m, d, h) for m in draws])
              for d in ("Mitte", "Ost") for h in (0, 1)}
    # Mitte's afternoon (2 tries) against its morning and Ost's afternoon (60 tries each)
    assert spread[("Mitte", 1)] > 1.5 * spread[("Mitte", 0)]
    assert spread[("Mitte", 1)] > 1.5 * spread[("Ost", 1)]
    # centred on the estimate: the draws' mean shift is small against their spread
    mean = np.mean([_shift(model, m, "Mitte", 1) for m in draws])
    assert abs(mean) < 0.25 * spread[("Mitte", 1)]
    # a smaller scale draws closer to the estimate
    half = [_shift(model, model.explored(seed, 0.5), "Mitte", 1) for seed in range(300)]
    assert np.std(half) == pytest.approx(0.5 * spread[("Mitte", 1)], rel=0.1)


@pytest.mark.parametrize("tries", [2, 30])
def test_the_spread_shrinks_as_tries_come_in(tries: int) -> None:
    model = _model(tries)
    few = _model(2)
    sd = np.std([_shift(model, model.explored(s), "Sued", 1) for s in range(200)])
    sd_few = np.std([_shift(few, few.explored(s), "Sued", 1) for s in range(200)])
    if tries > 2:
        assert sd < 0.8 * sd_few
    else:
        assert sd == pytest.approx(sd_few)


def test_each_plan_its_own_draw_and_the_setting() -> None:
    assert explore_seed("Bad Hersfeld", MONDAY) == explore_seed("Bad Hersfeld", MONDAY)
    assert explore_seed("Bad Hersfeld", MONDAY) != explore_seed("Bad Hersfeld",
                                                                MONDAY + timedelta(days=7))
    assert explore_seed("Bad Hersfeld", MONDAY) != explore_seed("Lauf", MONDAY)
    assert Reachability().explore == 0.0
    with pytest.raises(ValueError):
        Reachability(explore=-0.5)
