"""The at-home model (``hausbesuch.athome``): pooling, explanations, city isolation, the
visit adjustment, and convergence to the simulator's hidden rates.

The population is drawn at real address points of Bad Hersfeld with the districts the
planner assigns (``bench/population.py``); outcomes are drawn from its hidden truth.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from hausbesuch.athome import (
    DEFAULT_BANDS,
    ContactModel,
    ContactRecord,
    adjust_visits,
    band_of,
    model_for_city,
    outcome_contact,
    records_from_store,
)
from routing.model import DAY, Pin, TimeWindow, Visit
from tests.test_store import pg_schema  # noqa: F401 - fixture

MONDAY = date(2026, 12, 7)


def rec(case: str, district: str, day: date, minute: int, result: str) -> ContactRecord:
    return ContactRecord(case, district, day, minute, result)


def test_outcome_classes_and_bands() -> None:
    assert [outcome_contact(r) for r in ("angetroffen", "Verweigert", "termin_vereinbart")] == [True] * 3
    assert [outcome_contact(r) for r in ("nicht_angetroffen", "nachricht_hinterlassen")] == [False] * 2
    assert outcome_contact("verzogen") is None
    assert [band_of(m, DEFAULT_BANDS) for m in (420, 480, 599, 600, 959, 1000)] == [0, 0, 0, 1, 3, 3]
    # bands with gaps (lunch left out, or far apart): a minute in a gap counts for the
    # nearer band, not always for the next one
    gaps = [(480, 540), (780, 840)]  # 8–9, 13–14 Uhr
    assert [band_of(m, gaps) for m in (479, 539, 540, 567, 659, 660, 661, 779, 900)] == [
        0, 0, 0, 0, 0, 1, 1, 1, 1]
    lunch = [(480, 600), (600, 720), (810, 960)]  # 8–10, 10–12, 13:30–16 Uhr
    assert [band_of(m, lunch) for m in (735, 764, 765, 800)] == [1, 1, 2, 2]


def test_no_outcomes_is_neutral_and_changes_no_visit() -> None:
    model = ContactModel.fit([])
    assert model.n_records == 0
    assert np.allclose(model.client_rate("C1", "Mitte"), 0.5)
    assert "Noch keine Erfahrungswerte" in model.explain("C1", "Mitte", 0, 0)
    visits = [Visit(id="C1", location=1, service=2700, priority=40),
              Visit(id="C2", location=2, service=2700, priority=7,
                    time_windows=(TimeWindow(DAY + 36000, DAY + 43200),))]
    out, adj = adjust_visits(visits, model, start=MONDAY, days=5, district_of={})
    assert adj == {} and all(a is b for a, b in zip(out, visits, strict=True))
    # verzogen is no evidence: still nothing to learn
    model = ContactModel.fit([rec("C1", "Mitte", MONDAY, 500, "verzogen")])
    assert model.n_records == 0


def test_own_failed_tries_weigh_most_and_are_explained() -> None:
    # the district opens well in the morning (8 of 10), the client failed twice there
    recs = [rec(f"N{i}", "Mitte", MONDAY + timedelta(days=i % 5), 500,
                "angetroffen" if i < 8 else "nicht_angetroffen") for i in range(10)]
    recs += [rec(f"M{i}", "Mitte", MONDAY + timedelta(days=i % 5), 900,
                 "angetroffen" if i < 6 else "nicht_angetroffen") for i in range(10)]
    recs += [rec("C1", "Mitte", MONDAY, 490, "nicht_angetroffen"),
             rec("C1", "Mitte", MONDAY + timedelta(days=1), 530, "nachricht_hinterlassen")]
    model = ContactModel.fit(recs)
    district_morning = model.district_rate("Mitte")[0, 0]
    assert district_morning > 0.6
    # two own failures outweigh the district's good mornings, on the day of the try and
    # (less) on other weekdays; the afternoon is now the better bet
    assert model.chance("C1", "Mitte", 0, 0) < district_morning - 0.2
    assert model.chance("C1", "Mitte", 2, 0) < model.district_rate("Mitte")[2, 0] - 0.1
    assert model.chance("C1", "Mitte", 2, 3) > model.chance("C1", "Mitte", 2, 0)
    text = model.explain("C1", "Mitte", 2, 3)
    assert "2 Versuche vormittags ohne Erfolg" in text
    assert "im Bezirk Mo–Fr 14–16 Uhr 60 % mit Kontakt (10 Besuche)" in text
    assert text.startswith("Mi 14–16 Uhr: Chance ")
    # an unknown client of the district gets the district's rate, an unknown district the city's
    assert model.chance("NEU", "Mitte", 0, 0) == pytest.approx(district_morning)
    assert model.chance("NEU", "Anderswo", 2, 0) == pytest.approx(model.city_rate[2, 0])


def test_adjust_keeps_good_bands_and_scales_priority() -> None:
    recs = [rec(f"N{i}", "Mitte", MONDAY + timedelta(days=i % 5), 500, "nicht_angetroffen")
            for i in range(12)]
    recs += [rec(f"M{i}", "Mitte", MONDAY + timedelta(days=i % 5), 900, "angetroffen")
             for i in range(12)]
    recs += [rec(f"K{i}", "Ost", MONDAY + timedelta(days=i % 5), m, "nicht_angetroffen")
             for i in range(12) for m in (500, 900)]
    model = ContactModel.fit(recs)
    visits = [
        Visit(id="A", location=1, service=2700, priority=50),
        Visit(id="B", location=2, service=2700, priority=50, earliest_day=2),
        Visit(id="P", location=3, service=2700, priority=50, pin=Pin(day=1)),
        Visit(id="O", location=4, service=2700, priority=50),
    ]
    district_of = {"A": "Mitte", "B": "Mitte", "P": "Mitte", "O": "Ost"}
    out, adj = adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of,
                             keep_factor=0.8)
    a, b, p, o = out
    assert p is visits[2]  # pinned visits are left alone
    for v in (a, b):
        starts = [(w.start % DAY) // 60 for w in v.time_windows]
        ends = [(w.end % DAY) // 60 for w in v.time_windows]
        assert min(starts) >= 12 * 60 and max(ends) <= 24 * 60  # only afternoon bands kept
        assert all(w.start // DAY == (w.end // DAY) for w in v.time_windows)
    assert min(w.start // DAY for w in b.time_windows) >= 2  # allowed days respected
    assert a.priority == 50  # the best client keeps its priority
    assert 0 < o.priority < 50  # a district where nobody opens: lower value
    assert adj["O"].best_chance < adj["A"].best_chance
    # a client window inside the morning stays (it is all the client allows)
    narrow = Visit(id="W", location=5, service=2700, priority=10,
                   time_windows=(TimeWindow(36000, 39600),))
    (w,), _ = adjust_visits([narrow], model, start=MONDAY, days=5, district_of={"W": "Mitte"})
    assert w.time_windows == narrow.time_windows
    # mode "aus" ignores the model
    out2, adj2 = adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of,
                               mode="aus")
    assert adj2 == {} and out2 == visits


def test_random_baseline_gives_revisits_one_band() -> None:
    visits = [Visit(id="R", location=1, service=2700, priority=5),
              Visit(id="F", location=2, service=2700, priority=5)]
    out, adj = adjust_visits(visits, None, start=MONDAY, days=5, district_of={}, mode="zufall",
                             revisits={"R"}, seed=3)
    assert out[1] is visits[1]
    (w,) = out[0].time_windows
    assert w.start // DAY == w.end // DAY and list(adj) == ["R"]


# --------------------------------------------------------------------------- store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path):
    """A freshly migrated store on each backend (as in tests/test_store.py)."""
    from hausbesuch.store import Store

    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'a.sqlite'}")
    else:
        url, schema = request.getfixturevalue("pg_schema")
        s = Store.open(url, schema=schema)
    yield s
    s.close()


def _add_outcomes(store, city: str, rows: list[tuple[str, date, int, str]]) -> None:
    from hausbesuch.store import OutcomeRow

    with store.session() as s:
        for client_id, day, minute, result in rows:
            s.add(OutcomeRow(city=city, client_id=client_id, day=day, time_min=minute,
                             result=result, recorded_by="test", recorded_at=datetime(2026, 12, 1),
                             source="csv"))


def test_other_cities_never_influence_a_city(store) -> None:
    from hausbesuch.config import load_profile

    profile = load_profile("bad-hersfeld")
    _add_outcomes(store, profile.name, [("C1", MONDAY, 500, "nicht_angetroffen"),
                                        ("C2", MONDAY, 900, "angetroffen")])
    before = model_for_city(store, profile)
    # many outcomes of another city, even for the same case ids
    _add_outcomes(store, "Lauf a.d. Pegnitz", [
        ("C1", MONDAY + timedelta(days=d), m, "angetroffen") for d in range(5)
        for m in (490, 620, 750, 880)] + [("C3", MONDAY, 500, "verweigert")])
    after = model_for_city(store, profile)
    assert after.n_records == before.n_records == 2
    for cid in ("C1", "C2", "C3"):
        assert np.array_equal(after.client_rate(cid, ""), before.client_rate(cid, ""))
    assert records_from_store(store, "Lauf a.d. Pegnitz")[0].case_id == "C1"
    # what a plan made before the other outcomes knew
    cut = datetime(2026, 11, 30)
    assert records_from_store(store, profile.name, until=cut) == []
    # a plan's time in whole seconds covers its second: an outcome recorded 0.6 s into
    # the second the plan was made in was known to it (before, on a fast machine, the
    # pages of such a plan showed no chance at all)
    from hausbesuch.store import OutcomeRow

    with store.session() as s:
        s.add(OutcomeRow(city=profile.name, client_id="C9", day=MONDAY, time_min=600,
                         result="angetroffen", recorded_by="test",
                         recorded_at=datetime(2026, 12, 2, 9, 0, 0, 600_000), source="csv"))
    made = datetime(2026, 12, 2, 9, 0, 0)
    assert "C9" in {r.case_id for r in records_from_store(store, profile.name, until=made)}
    assert "C9" not in {r.case_id for r in records_from_store(
        store, profile.name, until=made - timedelta(seconds=1))}


# --------------------------------------------------------------------------- simulator truth


@pytest.fixture(scope="module")
def places(bad_hersfeld_pbf):
    from bench.population import town_places
    from hausbesuch.config import load_profile

    return town_places(bad_hersfeld_pbf, load_profile("bad-hersfeld"))


def test_learned_rates_converge_to_hidden_rates(places) -> None:
    """Visits at random times for 8 weeks: the mean absolute error of the learned district
    rates (weighted by households) and of the client rates falls as weeks go by."""
    from bench.population import band_rates, district_truth, draw_outcome, make_population

    pop, _, _ = make_population(places, 300, seed=4)
    truth = district_truth(pop, DEFAULT_BANDS, MONDAY)
    weight = {d: sum(h.district == d for h in pop) for d in truth}
    own = {h.case_id: band_rates(h, DEFAULT_BANDS, MONDAY) for h in pop}
    rng = np.random.default_rng(9)
    recs: list[ContactRecord] = []
    d_err, c_err = [], []

    def errors(model: ContactModel) -> tuple[float, float]:
        d = sum(weight[k] * np.abs(model.district_rate(k)[:5] - truth[k][:5]).mean()
                for k in truth) / sum(weight.values())
        c = float(np.mean([np.abs(model.client_rate(h.case_id, h.district)[:5]
                                  - own[h.case_id][:5]).mean() for h in pop]))
        return d, c

    for e, lst in zip(errors(ContactModel.fit([])), (d_err, c_err), strict=True):
        lst.append(e)
    for week in range(8):
        for _ in range(150):
            h = pop[int(rng.integers(len(pop)))]
            day = MONDAY + timedelta(days=7 * week + int(rng.integers(5)))
            minute = int(rng.integers(480, 960))
            recs.append(rec(h.case_id, h.district, day, minute, draw_outcome(h, day, minute, rng)))
        for e, lst in zip(errors(ContactModel.fit(recs)), (d_err, c_err), strict=True):
            lst.append(e)
    assert d_err[8] < 0.8 * d_err[0] and d_err[8] < d_err[2] < d_err[0], d_err
    assert c_err[8] < c_err[4] < c_err[0], c_err
    # the population really differs by district and person (else the test proves nothing)
    spread = np.std([truth[k][:5].mean() for k in truth if weight[k] >= 10])
    assert spread > 0.03


def test_perfect_learner_is_the_district_mean_and_learns_from_tries() -> None:
    """The bench's perfect learner (bench.population.PopulationPosterior): with no tries it
    gives the district's mean hidden rates; after a person's own tries it is nearer to
    that person's hidden rates than the district mean is, on average."""
    from bench.population import PopulationPosterior, band_rates, draw_outcome, make_population

    places = [(f"Weg {i}", str(i), "36251", "Ort", 9.7, 50.8, f"B{i % 3}") for i in range(900)]
    pop, mix, off = make_population(places, 900, seed=2, personal_sd=0.3)
    post = PopulationPosterior(mix, off, 0.3, DEFAULT_BANDS, MONDAY, per_family=120, seed=1)
    own = {h.case_id: band_rates(h, DEFAULT_BANDS, MONDAY) for h in pop}
    for d in ("B0", "B1", "B2"):
        mean = np.mean([own[h.case_id] for h in pop if h.district == d], axis=0)
        assert np.abs(post.predict(d, [], MONDAY)[:5] - mean[:5]).mean() < 0.03
    rng = np.random.default_rng(3)
    prior_err, post_err = [], []
    for h in pop[:150]:
        tries = []
        for week in range(4):
            day = MONDAY + timedelta(days=7 * week + int(rng.integers(5)))
            minute = int(rng.integers(480, 960))
            result = draw_outcome(h, day, minute, rng)
            if result != "verzogen":
                tries.append((day, minute, outcome_contact(result)))
        truth = own[h.case_id][:5]
        prior_err.append(np.abs(post.predict(h.district, [], MONDAY)[:5] - truth).mean())
        post_err.append(np.abs(post.predict(h.district, tries, MONDAY)[:5] - truth).mean())
    assert np.mean(post_err) < 0.85 * np.mean(prior_err), (np.mean(post_err), np.mean(prior_err))


# --------------------------------------------------------------------------- pages


def test_route_page_and_sheet_show_chance_and_reason() -> None:
    from hausbesuch.athome import visit_chances
    from hausbesuch.maps import MapSettings
    from hausbesuch.pages import RouteLinks, print_sheet, route_page
    from tests.test_maps import CLIENT_NAMES, sample_plan

    plan = sample_plan()
    route = next(r for r in plan.routes if r.stops)
    stop = route.stops[0]
    links = RouteLinks()
    plain = route_page(route, MapSettings(), links=links)
    # nothing learned yet: the pages are exactly as without the model
    assert visit_chances(ContactModel.fit([]), route.stops) == {}
    assert route_page(route, MapSettings(), links=links, chances={}) == plain
    recs = [rec(stop.client_id, stop.district, stop.start.date() - timedelta(days=7),
                stop.start.hour * 60, "nicht_angetroffen"),
            rec("X1", stop.district, stop.start.date(), stop.start.hour * 60, "angetroffen")]
    chances = visit_chances(ContactModel.fit(recs), route.stops)
    assert set(chances) == {(s.client_id, s.start) for s in route.stops}
    page = route_page(route, MapSettings(), links=links, chances=chances)
    sheet = print_sheet(route, MapSettings(), links=links, chances=chances)
    c = chances.of(stop)
    assert c.text.startswith("1 Versuch ") and "ohne Erfolg" in c.text
    for html_text in (page, sheet):
        assert "Chance auf Kontakt" in html_text and c.percent in html_text
        assert "ohne Erfolg" in html_text
        assert not any(name in html_text for name in CLIENT_NAMES)


def test_scarce_afternoons_go_to_those_who_lose_most_elsewhere() -> None:
    """Everybody is likelier at home in the afternoon, but the week has few afternoon
    slots: they are kept for the district where mornings fail; the visits of the district
    where mornings are nearly as good may go either way (their windows stay wide)."""
    recs = []
    for i in range(40):
        day = MONDAY + timedelta(days=i % 5)
        recs.append(rec(f"A{i}", "Schicht", day, 500, "angetroffen" if i % 10 == 0 else
                        "nicht_angetroffen"))
        recs.append(rec(f"A{i}", "Schicht", day, 900, "angetroffen" if i % 10 else
                        "nicht_angetroffen"))
        recs.append(rec(f"B{i}", "Ruhig", day, 500, "angetroffen" if i % 5 < 2 else
                        "nicht_angetroffen"))
        recs.append(rec(f"B{i}", "Ruhig", day, 900, "angetroffen" if i % 5 < 3 else
                        "nicht_angetroffen"))
    model = ContactModel.fit(recs, ((480, 720), (720, 960)))  # mornings and afternoons
    visits = [Visit(id=f"a{i}", location=i, service=2700, priority=50) for i in range(5)]
    visits += [Visit(id=f"b{i}", location=10 + i, service=2700, priority=50) for i in range(5)]
    district_of = {v.id: ("Schicht" if v.id[0] == "a" else "Ruhig") for v in visits}
    capacity = {(d, b): (1.0 if b == 1 else 10.0) for d in range(5) for b in range(2)}
    _, plain = adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of,
                             keep_factor=0.8)
    _, priced = adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of,
                              capacity=capacity, keep_factor=0.8)
    # without capacity both districts would be sent to the afternoon only
    assert all({b for _, b in plain[v.id].kept_bands} == {1} for v in visits)
    for v in visits:
        if v.id[0] == "a":
            assert {b for _, b in priced[v.id].kept_bands} == {1}
        else:
            assert v.id not in priced or {b for _, b in priced[v.id].kept_bands} == {0, 1}


def test_a_failed_try_counts_for_the_same_time_of_day_on_other_weekdays() -> None:
    """Routines: a client out on Monday morning is likely out on Thursday morning too;
    the afternoon is not touched by it."""
    recs = [rec(f"N{i}", "Mitte", MONDAY + timedelta(days=i % 5), 480 + 60 * (i % 8),
                "angetroffen" if i % 2 else "nicht_angetroffen") for i in range(40)]
    recs.append(rec("C1", "Mitte", MONDAY, 500, "nicht_angetroffen"))
    model = ContactModel.fit(recs)
    base, own = model.district_rate("Mitte"), model.client_rate("C1", "Mitte")
    thursday = 3
    # 8-10 Uhr: lowered as much on Thursday as on the Monday of the try
    ratio = own / base
    assert ratio[thursday, 0] == pytest.approx(ratio[0, 0]) and ratio[thursday, 0] < 0.8
    # 10-12 Uhr (same half of the day): lowered, less; 14-16 Uhr: unchanged
    assert own[thursday, 0] < own[thursday, 1] < base[thursday, 1]
    assert own[thursday, 3] == pytest.approx(base[thursday, 3])


def test_pooling_strength_is_learned_from_how_groups_differ() -> None:
    from hausbesuch.athome import _ml_strength

    rng = np.random.default_rng(1)
    n = np.full(40, 12)
    p = np.full(40, 0.4)
    same = rng.binomial(12, 0.4, size=40)  # every group at the same rate
    apart = rng.binomial(12, rng.choice([0.05, 0.8], size=40))  # groups far apart
    bounds = (0.5, 60.0)
    k_same = _ml_strength(same, n, p, bounds, default=10.0)
    k_apart = _ml_strength(apart, n, p, bounds, default=10.0)
    assert k_same > 20 and k_apart < 2
    # groups with one try say nothing: the default
    assert _ml_strength(same[:5], n[:5], p[:5], bounds, default=10.0) == 10.0
    assert _ml_strength(np.ones(40), np.ones(40), p, bounds, default=7.0) == 7.0


def test_half_day_unit_keeps_whole_half_days() -> None:
    """With unit="halbtag" a visit keeps whole halves of days (the solver picks the time
    within), chosen by the mean chance of their bands."""
    # the district opens in the afternoon, not in the morning
    recs = [rec(f"N{i}", "Mitte", MONDAY + timedelta(days=i % 5), 500 if i % 2 else 850,
                "nicht_angetroffen" if i % 2 else "angetroffen") for i in range(60)]
    model = ContactModel.fit(recs)
    visits = [Visit(id=f"V{i}", location=i + 1, service=2700, priority=50) for i in range(3)]
    district_of = {v.id: "Mitte" for v in visits}
    out, adj = adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of,
                             unit="halbtag")
    for v in out:
        assert {h for _, h in adj[v.id].kept_bands} == {1}
        # afternoons of all five days, from 12:00 to the end of the day
        assert [(w.start % DAY, w.end % DAY) for w in v.time_windows] == [(12 * 3600, DAY - 1)] * 5
    with pytest.raises(ValueError, match="unit"):
        adjust_visits(visits, model, start=MONDAY, days=5, district_of=district_of, unit="x")


def test_routes_are_reordered_so_that_visits_start_when_people_are_at_home() -> None:
    """Two visits on one route, the walk the same either way: the client whose district
    opens in the afternoon is visited second; without outcomes nothing changes."""
    from types import SimpleNamespace

    from hausbesuch.athome import reorder_by_model
    from routing import Problem, Shift, Team
    from routing.schedule import schedule

    recs = []
    for i in range(30):
        day = MONDAY + timedelta(days=i % 5)
        recs.append(rec(f"S{i}", "Spaet", day, 500, "nicht_angetroffen"))
        recs.append(rec(f"S{i}", "Spaet", day, 900, "angetroffen"))
        recs.append(rec(f"F{i}", "Frueh", day, 500, "angetroffen"))
        recs.append(rec(f"F{i}", "Frueh", day, 900, "nicht_angetroffen"))
    model = ContactModel.fit(recs)
    pos = np.array([0, 300, 600])  # depot, A, B on a line (seconds)
    m = np.abs(pos[:, None] - pos[None, :])
    shift = Shift(0, TimeWindow(8 * 3600, 16 * 3600))
    problem = Problem([Visit("A", 1, service=4 * 3600), Visit("B", 2, service=2 * 3600)],
                      [Team(id="T", shifts=(shift,), start=0, end=0)], 1, {"car": m})
    from routing.model import Solution

    first = schedule(problem, problem.vehicles()[0], list(problem.visits))  # A then B
    sol = Solution(routes=(first,), unassigned=())
    built = SimpleNamespace(problem=problem, candidates={
        "A": SimpleNamespace(priority=50, geocode=SimpleNamespace(district="Spaet")),
        "B": SimpleNamespace(priority=50, geocode=SimpleNamespace(district="Frueh"))})
    out = reorder_by_model(built, sol, model, start=MONDAY, max_extra_travel=0.0)
    assert out.routes[0].visits == ("B", "A") and out.travel == sol.travel
    assert reorder_by_model(built, sol, ContactModel.fit([]), start=MONDAY,
                            max_extra_travel=0.5) is sol


def test_a_visit_outside_the_bands_says_which_band_stands_in() -> None:
    """A shift reaching past the profile's bands (a visit at 17:45, at 7:00): the
    explanation says that the nearest band stands in (before: "14–16 Uhr" for a visit at
    17:45 without a word); a visit inside a band is explained as before."""
    from types import SimpleNamespace

    from hausbesuch.athome import visit_chances

    day = date(2026, 12, 7)
    recs = [rec("A", "Nord", day - timedelta(days=7), 15 * 60, "nicht_angetroffen"),
            rec("B", "Nord", day - timedelta(days=7), 9 * 60, "angetroffen")]
    model = ContactModel.fit(recs)
    stops = [SimpleNamespace(client_id=cid, district="Nord",
                             start=datetime.combine(day, datetime.min.time()).replace(
                                 hour=h, minute=m))
             for cid, h, m in (("A", 17, 45), ("B", 7, 0), ("C", 15, 0))]
    got = {s.client_id: visit_chances(model, stops).of(s) for s in stops}
    assert got["A"].text.startswith("nach 16:00 Uhr geschätzt wie 14–16 Uhr; "), got["A"]
    assert got["B"].text.startswith("vor 08:00 Uhr geschätzt wie 8–10 Uhr; "), got["B"]
    assert "geschätzt wie" not in got["C"].text


def test_a_client_visited_twice_has_a_chance_per_visit() -> None:
    """QA 15a F3: the chances were keyed by client, so an appointment agreed at a visit
    showed the chance (and time band) of the other visit in the plan. Each visit has its
    own, at its own time, on the route page and the sheet."""
    from dataclasses import replace

    from hausbesuch.athome import visit_chances
    from hausbesuch.maps import MapSettings
    from hausbesuch.pages import RouteLinks, print_sheet, route_page
    from tests.test_maps import sample_plan

    route = next(r for r in sample_plan().routes if len(r.stops) >= 2)
    first = route.stops[0]
    day = first.start.date()
    noon = datetime.combine(day, datetime.min.time()).replace(hour=12, minute=20)
    ten = noon.replace(hour=10, minute=0)
    made = replace(first, start=noon, arrival=noon, end=noon + timedelta(minutes=30))
    agreed = replace(first, start=ten, arrival=ten, end=ten + timedelta(minutes=30),
                     position=2, visit_id="v-termin")
    twice = replace(route, stops=(agreed, made))
    recs = [rec(first.client_id, first.district, day - timedelta(days=7), 12 * 60 + 5,
                "nicht_angetroffen"),
            rec("X1", first.district, day - timedelta(days=7), 10 * 60, "angetroffen")]
    # enough other people in both bands for the district's figure (QA 27 F5)
    recs += [rec(f"{p}{k}", first.district, day - timedelta(days=7 + k), m, "angetroffen")
             for p, m in (("X", 10 * 60), ("Y", 12 * 60 + 30)) for k in range(2, 7)]
    chances = visit_chances(ContactModel.fit(recs), twice.stops)
    at_ten, at_noon = chances.of(agreed), chances.of(made)
    assert "10–12 Uhr" in at_ten.text and "12–14 Uhr" in at_noon.text, (at_ten, at_noon)
    assert at_ten.chance != at_noon.chance
    for html_text in (route_page(twice, MapSettings(), links=RouteLinks(), chances=chances),
                      print_sheet(twice, MapSettings(), links=RouteLinks(), chances=chances)):
        # (the words a reader gets: the pages keep bands on one line in spans, QA 42a F10)
        words = re.sub(r"<[^>]+>", "", html_text)
        assert at_ten.text in words and at_noon.text in words
