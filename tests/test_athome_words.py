"""QA 19f: what the at-home model's explanations say and which times a kept half-day
holds. A client's own tries are told by the half of the day of each try's own start (as
the revisit rules split the day), a visit at an agreed appointment shows „Termin
vereinbart“ instead of a chance, and a gap between the profile's bands belongs to the
nearer band when a visit's windows are narrowed."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from types import SimpleNamespace

import pytest

from hausbesuch.athome import (
    ContactModel,
    ContactRecord,
    ModelSettings,
    adjust_visits,
    band_capacity,
    half_of_band,
    settings_from_profile,
    visit_chances,
)
from hausbesuch.casework.rules import half_of_day
from routing.model import TimeWindow, Visit

MONDAY = date(2026, 12, 7)
GAPPED = [(480, 600), (600, 720), (780, 960)]  # 8–10, 10–12, 13–16 Uhr: no lunch hour


def rec(cid: str, minute: int, result: str, day: date = MONDAY) -> ContactRecord:
    return ContactRecord(cid, "X", day, minute, result)


def test_own_tries_are_told_by_their_own_time_not_by_the_band() -> None:
    """One band 8–16 Uhr: a failed try at 10:00 and a contact at 15:00 were „2 Versuche
    mittags“ (the band's middle); with a lunch gap a try at 12:15 was „vormittags“ while
    the revisit rule blocks that afternoon. The chances stay as they were, but for the try
    at 12:15: since QA 21 (F1) it counts for 13–16 Uhr, the band after the gap that holds
    the noon, as planning counts a start at 12:15 (before: for 10–12 Uhr, the nearer)."""
    one = ContactModel.fit([rec("C", 600, "nicht_angetroffen"), rec("C", 900, "angetroffen")],
                           bands=[(480, 960)])
    assert one.reasons("C", "X", 0)[:2] == ["1 Versuch vormittags ohne Erfolg",
                                            "1 Versuch nachmittags, 1-mal Kontakt"]
    assert one.chance("C", "X", 0, 0) == pytest.approx(0.5)
    gap = ContactModel.fit([rec("A", 735, "nicht_angetroffen")], GAPPED)
    assert gap.reasons("A", "X", 1)[0] == "1 Versuch nachmittags ohne Erfolg"
    assert gap.chance("A", "X", 0, 2) == pytest.approx(0.1875)  # counted in 13–16 Uhr
    assert gap.chance("A", "X", 0, 1) > 0.4  # 10–12 Uhr: lowered only by the neighbour band
    # default bands: a try in 12–14 Uhr at 12:05 is afternoon, as for the revisit rule
    dflt = ContactModel.fit([rec("B", 725, "nicht_angetroffen"),
                             rec("B", 9 * 60, "nicht_angetroffen", MONDAY + timedelta(1))])
    assert dflt.reasons("B", "X", 2)[:2] == ["1 Versuch vormittags ohne Erfolg",
                                             "1 Versuch nachmittags ohne Erfolg"]


def test_the_profile_noon_splits_the_tries_as_the_revisit_rules_do() -> None:
    from hausbesuch.config import load_profile

    profile = load_profile("bad-hersfeld")
    assert settings_from_profile(profile).noon_min == profile.casework.noon_min
    late = profile.model_copy(update={"casework": profile.casework.model_copy(
        update={"noon": "13:00"})})
    s = settings_from_profile(late)
    assert s.noon_min == 13 * 60
    words = ContactModel.fit([rec("A", 750, "nicht_angetroffen")], settings=s).reasons("A", "X", 2)
    assert words[0] == "1 Versuch vormittags ohne Erfolg"
    # the noon of the explanations changes no chance
    assert ContactModel.fit([rec("A", 750, "nicht_angetroffen")], settings=s).chance(
        "A", "X", 0, 2) == ContactModel.fit([rec("A", 750, "nicht_angetroffen")],
                                            settings=ModelSettings()).chance("A", "X", 0, 2)


def test_an_agreed_appointment_shows_no_chance_on_any_page() -> None:
    """A stop at a time agreed with the client showed „Chance auf Kontakt 51 %“: the
    appointment is the better information. Route page, print sheet: the appointment (in
    the window's one line, QA 28 F13) and no percentage; the other stop keeps its chance."""
    from dataclasses import replace

    from hausbesuch.maps import MapSettings
    from hausbesuch.pages import RouteLinks, print_sheet, route_page
    from hausbesuch.plandata import appointment_text
    from tests.test_maps import sample_plan

    route = next(r for r in sample_plan().routes if len(r.stops) >= 2)
    first, other = route.stops[0], route.stops[1]
    agreed = replace(first, window_text=appointment_text(first.start))
    route = replace(route, stops=(agreed, other, *route.stops[2:]))
    recs = [ContactRecord(s.client_id, s.district, s.start.date() - timedelta(days=7),
                          s.start.hour * 60, "angetroffen") for s in route.stops]
    chances = visit_chances(ContactModel.fit(recs), route.stops)
    ch = chances.of(agreed)
    assert ch.appointment and ch.percent == "Termin vereinbart"
    assert not chances.of(other).appointment and chances.of(other).percent.endswith(" %")
    for html_text in (route_page(route, MapSettings(), links=RouteLinks(), chances=chances),
                      print_sheet(route, MapSettings(), links=RouteLinks(), chances=chances)):
        assert html_text.count("Chance auf Kontakt") == len(route.stops) - 1
        # the window says the appointment, once (QA 28 F13: the chance line repeated it)
        assert f"Vereinbarter Termin {first.start:%H:%M} Uhr" in html_text
        assert 'class="chance">Termin vereinbart' not in html_text
        assert "<strong>Termin vereinbart</strong>" not in html_text


def test_web_plan_view_and_worker_page_show_the_appointment() -> None:
    """The web app's plan view (its table of chances) and a worker's day page, rendered
    from their templates' chance parts with the app's filters."""
    from hausbesuch.athome import VisitChance, VisitChances
    from hausbesuch.web.app import WEB_DIR, _templates

    env = _templates().env
    start, other = datetime(2026, 12, 7, 10), datetime(2026, 12, 7, 11)
    chances = VisitChances({
        ("A", start): VisitChance(float("nan"), "Termin vereinbart", appointment=True),
        ("B", other): VisitChance(0.42, "1 Versuch vormittags ohne Erfolg")})
    stops = [SimpleNamespace(client_id="A", start=start, called_off=False),
             SimpleNamespace(client_id="B", start=other, called_off=False)]
    route = SimpleNamespace(day=start.date(), team_id="team-1", numbers=[1, 2], stops=stops)
    plan = (WEB_DIR / "templates" / "plan.html.j2").read_text(encoding="utf-8")
    part = plan[plan.index("{% if chances %}"):]
    part = part[:part.index("{% endif %}\n\n") + len("{% endif %}")]
    view = env.from_string(part).render(chances=chances, days={start.date(): [route]})
    assert view.count("<tr><td>") == 2
    assert "<td><strong>Termin vereinbart</strong></td>" in view
    assert "<td><strong>42 %</strong> · 1 Versuch vormittags ohne Erfolg</td>" in view
    worker = (WEB_DIR / "templates" / "worker.html.j2").read_text(encoding="utf-8")
    line = next(x for x in worker.splitlines() if "chances.of(s)" in x)
    pages = [env.from_string(line).render(chances=chances, s=s) for s in stops]
    # the worker's page says the appointment in the stop's window line, not again here
    # (QA 28 F13); the coordinator's plan view keeps it in its table of chances
    assert "Termin vereinbart" not in pages[0]
    assert "Chance auf Kontakt" not in pages[0] and "nan" not in pages[0]
    assert "Chance auf Kontakt: <strong>42 %</strong>" in pages[1]


def test_a_kept_half_day_keeps_its_share_of_the_lunch_gap() -> None:
    """Bands 8–10, 10–12, 13–16 Uhr and a visit open 8–16: the narrowed windows lost
    12:00–13:00 whichever half was kept, though a start at 12:15 counts for 10–12 Uhr and
    one at 12:45 for 13–16 Uhr (the nearer band). Now a kept band 10–12 keeps 12:00–12:29
    and 13–16 keeps 12:30–12:59; a kept half-day is cut at the noon of the revisit rules
    (review 19b: a kept „vormittags“ half could start a visit at 12:15, which the revisit
    rule and the explanations call „nachmittags“). Since QA 21 (F1) the gap is shared at
    that noon, not at its middle: 10–12 keeps 12:00 no more, 13–16 Uhr holds 12:00–12:59
    (a start at 12:15 is „nachmittags“, and the model counts it for 13–16 Uhr too)."""
    days = 5
    windows = tuple(TimeWindow(d * 86400 + 8 * 3600, d * 86400 + 16 * 3600)
                    for d in range(days))
    want = {("band", 500): (8 * 3600, 12 * 3600 - 1),
            ("band", 800): (12 * 3600, 16 * 3600),
            ("halbtag", 500): (8 * 3600, 12 * 3600 - 1),
            ("halbtag", 800): (12 * 3600, 16 * 3600)}
    for good in (500, 800):
        recs = [rec("V", 1380 - good, "nicht_angetroffen", MONDAY + timedelta(k))
                for k in range(5)]
        recs += [rec(f"O{k}", good, "angetroffen", MONDAY + timedelta(k % 5))
                 for k in range(10)]
        model = ContactModel.fit(recs, GAPPED)
        for unit in ("band", "halbtag"):
            out, adj = adjust_visits([Visit("V", 1, 2700, windows, 5)], model, start=MONDAY,
                                     days=days, district_of={"V": "X"}, unit=unit)
            assert "V" in adj, unit
            got = {(w.start % 86400, w.end % 86400) for w in out[0].time_windows}
            assert got == {want[(unit, good)]}, (unit, good, got)
            if unit == "halbtag":  # every start in the kept half is in that half for the rule
                half = {half_of_day(t // 60) for w in out[0].time_windows
                        for t in (w.start % 86400, w.end % 86400)}
                assert half == {"vormittag" if good < 720 else "nachmittag"}, half


#: 8–10, 10–12, 12–13, 13–16 Uhr with the profile's noon at 13:00
LATE_BANDS = [(480, 600), (600, 720), (720, 780), (780, 960)]


def _late_noon_settings() -> ModelSettings:
    from hausbesuch.config import load_profile

    profile = load_profile("bad-hersfeld")
    late = profile.model_copy(update={"casework": profile.casework.model_copy(
        update={"noon": "13:00"})})
    return settings_from_profile(late)


def test_a_band_is_in_the_half_of_the_day_the_revisit_rule_puts_it_in() -> None:
    """Review 19b (two noons): with ``[casework] noon = "13:00"`` a visit starting in
    12–13 Uhr is „vormittags“ for the revisit rule, but the model put the band in the
    afternoon (it split the bands at 12:00). The model's half-days now use the profile's
    noon: a kept morning holds 12:00–12:59, and a client's failed try at 12:30 counts as
    a morning routine (for 10–12 Uhr, not for 13–16 Uhr)."""
    s = _late_noon_settings()
    assert {half_of_day(m, s.noon_min) for m in range(720, 780)} == {"vormittag"}
    assert [half_of_band(b, s.noon_min) for b in LATE_BANDS] == [0, 0, 0, 1]
    days = 5
    windows = tuple(TimeWindow(d * 86400 + 8 * 3600, d * 86400 + 16 * 3600)
                    for d in range(days))
    recs = [rec("V", 14 * 60, "nicht_angetroffen", MONDAY + timedelta(k)) for k in range(5)]
    recs += [rec(f"O{k}", 9 * 60, "angetroffen", MONDAY + timedelta(k % 5)) for k in range(10)]
    model = ContactModel.fit(recs, LATE_BANDS, s)
    out, adj = adjust_visits([Visit("V", 1, 2700, windows, 5)], model, start=MONDAY,
                             days=days, district_of={"V": "X"}, unit="halbtag")
    assert {(w.start % 86400, w.end % 86400) for w in out[0].time_windows} == {
        (8 * 3600, 13 * 3600 - 1)}
    assert {k[1] for k in adj["V"].kept_bands} == {0}
    # the client's routine: a failed try at 12:30 lowers the morning bands, not 13–16
    model = ContactModel.fit([rec("C", 750, "nicht_angetroffen")], LATE_BANDS, s)
    own = model.client_rate("C", "X")[0] / model.district_rate("X")[0]
    assert own[1] < 1.0 and own[3] == pytest.approx(1.0)


def test_a_half_day_across_the_noon_takes_its_bands_by_their_parts() -> None:
    """Default bands with the noon at 13:00: the band 12–14 Uhr is half morning, half
    afternoon: each kept half is cut at 13:00 and its chance counts the band by its part
    (with the capacity of the cells given, too). People open at 9:00 and at 12:30, so
    that 12–14 Uhr passes the keep rule on its own (QA 21 F2: a kept half holds only its
    bands that do)."""
    s = _late_noon_settings()
    days = 1
    windows = (TimeWindow(8 * 3600, 16 * 3600),)
    recs = [rec("V", 15 * 60, "nicht_angetroffen")]
    recs += [rec(f"O{k}", 9 * 60, "angetroffen") for k in range(10)]
    recs += [rec(f"P{k}", 12 * 60 + 30, "angetroffen") for k in range(10)]
    model = ContactModel.fit(recs, settings=s)
    cap = {(0, 0): 4.0, (0, 1): 4.0, (0, 2): 4.0, (0, 3): 4.0}
    out, adj = adjust_visits([Visit("V", 1, 2700, windows, 5)], model, start=MONDAY,
                             days=days, district_of={"V": "X"}, unit="halbtag", capacity=cap)
    assert [(w.start, w.end) for w in out[0].time_windows] == [(8 * 3600, 13 * 3600 - 1)]
    rate = model.client_rate("V", "X")[0]
    assert adj["V"].best_chance == pytest.approx((rate[0] + rate[1] + 0.5 * rate[2]) / 2.5)


def test_band_capacity_counts_the_gap_for_the_nearer_band() -> None:
    shift = SimpleNamespace(day=0, window=TimeWindow(8 * 3600, 16 * 3600), breaks=())
    problem = SimpleNamespace(teams=[SimpleNamespace(shifts=[shift])], visits=())
    cap = band_capacity(problem, GAPPED, minutes_per_visit=30)
    assert cap == {(0, 0): pytest.approx(4.0), (0, 1): pytest.approx(5.0),
                   (0, 2): pytest.approx(7.0)}
    assert sum(cap.values()) == pytest.approx(16.0)  # all 8 hours, the gap included
