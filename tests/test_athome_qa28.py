"""QA 28 F12: the chance-of-contact line in words a field worker reads at a glance.

- One page showed two district figures for the same band: „54 % · im Bezirk 8–10 Uhr 56 %
  mit Kontakt (9 Besuche)“ and, two stops further, „27 % · 1 Versuch vormittags ohne
  Erfolg; im Bezirk 8–10 Uhr 62 % mit Kontakt (8 Besuche)“ (the figure left out each
  client's own tries). The district's figure is now the district's, the same for every
  client: the client's own tries only decide whether it is shown at all (QA 27 F5).
- „wenig Erfahrung: Ausgangswert 50 %“ was statistics jargon: „noch kaum
  Erfahrungswerte“.
- A district that is the whole town (the city's one district) is „in der Stadt“.
- The figure pools the band over the weekdays its visits were on, and says which:
  „im Bezirk Mo 8–10 Uhr …“ for a visit on Wednesday.

Model texts on hand-made records; the district set and the pages' model on a real store
and the real planned Bad Hersfeld week (tests/planning_fixtures.py).
"""

from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from hausbesuch import athome, fields
from hausbesuch.athome import (
    ContactModel,
    ContactRecord,
    clear_shown_models,
    shown_model,
    visit_chances,
)

MONDAY = date(2026, 12, 7)


def rec(cid: str, district: str, minute: int, result: str, days: int = 0) -> ContactRecord:
    return ContactRecord(cid, district, MONDAY + timedelta(days=days), minute, result)


def _area(text: str) -> str | None:
    return next((w for w in text.split("; ") if w.startswith(("im Bezirk", "in der Stadt"))),
                None)


def _stop(cid: str, district: str, day: int, hour: int) -> SimpleNamespace:
    at = datetime.combine(MONDAY + timedelta(days=7 + day), datetime.min.time())
    return SimpleNamespace(client_id=cid, district=district, start=at.replace(hour=hour))


def _district_of_nine() -> list[ContactRecord]:
    """„Mitte“, 8–10 Uhr, Mondays: eight people, five opened; client C failed once."""
    recs = [rec(f"N{k}", "Mitte", 9 * 60, "angetroffen" if k < 5 else "nicht_angetroffen",
                7 * (k % 2)) for k in range(8)]
    return recs + [rec("C", "Mitte", 9 * 60 + 10, "nicht_angetroffen")]


def test_two_stops_of_one_page_show_one_district_figure() -> None:
    """The QA's page: a client with a failed try of his own and one without, both in
    „Mitte“ 8–10 Uhr on the same Wednesday. Both lines give the same district figure
    (before: 62 % of 8 visits beside C's try, 56 % of 9 for the other)."""
    model = ContactModel.fit(_district_of_nine())
    mine, other = _stop("C", "Mitte", 2, 9), _stop("N0", "Mitte", 2, 8)
    got = visit_chances(model, [mine, other])
    assert got.of(mine).text.startswith("1 Versuch vormittags ohne Erfolg; ")
    assert _area(got.of(mine).text) == _area(got.of(other).text) == \
        "im Bezirk Mo 8–10 Uhr 56 % mit Kontakt (9 Besuche)"
    # somebody new to the district, another weekday: the same figure too
    new = _stop("NEU", "Mitte", 3, 9)
    assert _area(visit_chances(model, [new]).of(new).text) == _area(got.of(mine).text)
    # the chances themselves are each client's own, as before
    assert got.of(mine).chance < got.of(other).chance


def test_the_other_peoples_visits_still_decide_whether_it_is_shown() -> None:
    """QA 27 F5 stays: beside a client who makes up most of the district's visits in the
    band no district figure is shown (fewer than 5 visits of others), while a client
    without tries of their own sees the district's figure."""
    recs = [rec("C", "Mitte", 9 * 60, "nicht_angetroffen", d) for d in range(4)]
    recs += [rec(f"N{k}", "Mitte", 9 * 60, "angetroffen", k) for k in range(4)]
    model = ContactModel.fit(recs)
    assert _area("; ".join(model.reasons("C", "Mitte", 0, 0))) is None
    assert _area("; ".join(model.reasons("NEU", "Mitte", 0, 0))) == \
        "im Bezirk Mo–Do 8–10 Uhr 67 % mit Kontakt (8 Besuche bei 5 Personen)"


def test_thin_evidence_is_said_in_plain_words() -> None:
    model = ContactModel.fit([rec("Q", "X", 9 * 60, "nicht_angetroffen"),
                              rec("R", "X", 15 * 60, "nicht_angetroffen", 1)])
    stop = _stop("Q", "X", 0, 15)
    text = visit_chances(model, [stop]).of(stop).text
    assert text == "1 Versuch vormittags ohne Erfolg; noch kaum Erfahrungswerte", text
    assert "Ausgangswert" not in text and "wenig Erfahrung" not in text


def test_a_district_that_is_the_whole_town_is_the_town() -> None:
    """A profile without district boundaries and place nodes has one district named
    after the town: its figure was „im Bezirk …“ (and the meta line „Bezirk: Bad
    Hersfeld“). It is „in der Stadt“, the same figure as for a client outside any
    district. Another district of that name among others (the fallback's core) stays
    „im Bezirk“."""
    recs = [rec(f"N{k}", "Bad Hersfeld", 9 * 60, "angetroffen" if k % 3 else
                "nicht_angetroffen", k % 5) for k in range(9)]
    recs += [rec("O1", "", 9 * 60, "angetroffen")]
    town = ContactModel.fit(recs, town_wide={"Bad Hersfeld"})
    words = town.reasons("NEU", "Bad Hersfeld", 0, 0)
    assert _area("; ".join(words)) == "in der Stadt Mo–Fr 8–10 Uhr 70 % mit Kontakt " \
        "(10 Besuche)", words
    assert not any("Bezirk" in w for w in words)
    assert _area("; ".join(town.reasons("NEU", "", 0, 0))) == _area("; ".join(words))
    core = ContactModel.fit(recs)
    assert _area("; ".join(core.reasons("NEU", "Bad Hersfeld", 0, 0))).startswith(
        "im Bezirk Mo–Fr 8–10 Uhr 67 %")
    # the texts name no district and no person: counts only
    for text in (*words, *core.reasons("N1", "Bad Hersfeld", 0, 0)):
        assert "Bad Hersfeld" not in text and "N1" not in text and "O1" not in text


def test_the_figure_says_the_weekdays_it_comes_from() -> None:
    """All of the district's visits were on Mondays, the visit is on a Wednesday: the
    line says „Mo“; over several weekdays it lists them, three in a row as a span."""
    model = ContactModel.fit(_district_of_nine())
    stop = _stop("NEU", "Mitte", 2, 9)
    assert _area(visit_chances(model, [stop]).of(stop).text).startswith("im Bezirk Mo 8–10 Uhr ")
    assert fields.weekday_span([0]) == "Mo"
    assert fields.weekday_span([2, 0]) == "Mo, Mi"
    assert fields.weekday_span([0, 1]) == "Mo, Di"
    assert fields.weekday_span([0, 1, 2, 4]) == "Mo–Mi, Fr"
    assert fields.weekday_span(range(5)) == "Mo–Fr"
    assert fields.weekday_span([0, 2, 3, 4, 6]) == "Mo, Mi–Fr, So"


def test_the_store_tells_a_town_of_one_district(sqlite_store) -> None:
    """The pages' model learns from the store's districts of the city whether its one
    district is the whole town; a second district, or another city's, makes it none."""
    from hausbesuch.config import load_profile

    square = {"type": "Polygon", "coordinates": [[[9.7, 50.8], [9.8, 50.8], [9.8, 50.9],
                                                  [9.7, 50.8]]]}
    profile = load_profile("bad-hersfeld")
    store = sqlite_store
    assert athome.town_wide_districts(store, profile.name) == frozenset()
    store.save_districts(profile.name, [("Bad Hersfeld", square)], source="fallback")
    store.save_districts("Kassel", [("Mitte", square), ("Nord", square)], source="osm")
    clear_shown_models()
    try:
        assert athome.town_wide_districts(store, profile.name) == {"Bad Hersfeld"}
        assert shown_model(store, profile).town_wide == {"Bad Hersfeld"}
        store.save_districts(profile.name, [("Bad Hersfeld", square), ("Johannesberg", square)],
                             source="fallback")
        assert athome.town_wide_districts(store, profile.name) == frozenset()
        assert shown_model(store, profile).town_wide == frozenset()  # not the cached one
    finally:
        clear_shown_models()


def test_one_figure_per_district_and_band_in_a_real_plan(planned_week, tmp_path,
                                                          monkeypatch) -> None:
    """The real week, every visit recorded through the case work (not met, met, met in
    turn); the chances of the same visits a week later, as the next plan's pages show
    them. Every stop of a district in a band gives the same district figure, whoever the
    client and whatever the client's own tries. (The outcomes are recorded on Friday
    18.12.2026 by the clock: the model of the 19th reads what was recorded before it,
    whatever the real date.)"""
    from dataclasses import replace

    from hausbesuch import clock
    from hausbesuch.athome import stop_chances
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), tmp_path / "p.db")
    profile = load_profile("bad-hersfeld")
    clear_shown_models()
    with Store.open(f"sqlite:///{tmp_path / 'p.db'}") as store:
        plan = store.load_plan(planned_week.plan_id)
        cw = Casework(store, profile, actor="test", today=lambda: date(2026, 12, 20))
        monkeypatch.setattr(clock, "now", lambda: datetime(2026, 12, 18, 16, 0))
        made = [s for r in plan.routes for s in r.stops if not s.off]
        for i, s in enumerate(made):
            cw.record_outcome(s.client_id, s.start.date(),
                              ("nicht_angetroffen", "angetroffen", "angetroffen")[i % 3],
                              time_min=s.start.hour * 60 + s.start.minute, visit_id=s.visit_id)
        nxt = [replace(s, start=s.start + timedelta(days=7), visit_id="") for s in made]
        chances = stop_chances(store, profile, datetime(2026, 12, 19), nxt)
        model = shown_model(store, profile, until=datetime(2026, 12, 19))
    clear_shown_models()
    seen: dict[tuple[str, int], set[str]] = {}
    own = 0
    for s in nxt:
        ch = chances.of(s)
        if ch is None or ch.appointment:
            continue
        area = _area(ch.text)
        if area and area.startswith("im Bezirk"):
            band = model.band_at(s.start.hour * 60 + s.start.minute)
            seen.setdefault((s.district, band), set()).add(area)
            own += s.client_id in model.client_tries
    # district figures, beside clients' own tries, more than one stop per district and band
    assert own > 10 and any(len([s for s in nxt if (s.district, model.band_at(
        s.start.hour * 60 + s.start.minute)) == k]) > 1 for k in seen), (seen, own)
    assert all(len(v) == 1 for v in seen.values()), {k: v for k, v in seen.items() if len(v) > 1}


def test_the_visits_outside_the_districts_are_not_called_a_district() -> None:
    """QA 28 F19: the visits outside every district are kept as one area
    (:data:`hausbesuch.plandata.OUTSIDE`, „außerhalb“); its figure read „im Bezirk …“. It
    says „außerhalb der Bezirke …“; a district keeps „im Bezirk“."""
    from hausbesuch.plandata import OUTSIDE

    recs = [rec(f"N{k}", OUTSIDE, 9 * 60, "angetroffen" if k % 3 else "nicht_angetroffen",
                k % 5) for k in range(9)]
    recs += [rec(f"M{k}", "Mitte", 9 * 60, "angetroffen", k % 5) for k in range(9)]
    model = ContactModel.fit(recs)
    words = model.reasons("NEU", OUTSIDE, 0, 0)
    assert "außerhalb der Bezirke Mo–Fr 8–10 Uhr 67 % mit Kontakt (9 Besuche)" in words, words
    assert not any("im Bezirk" in w for w in words), words
    assert any(w.startswith("im Bezirk Mo–Fr 8–10 Uhr") for w in model.reasons("NEU", "Mitte", 0, 0))
