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
    settings_from_profile,
    visit_chances,
)
from routing.model import TimeWindow, Visit

MONDAY = date(2026, 12, 7)
GAPPED = [(480, 600), (600, 720), (780, 960)]  # 8–10, 10–12, 13–16 Uhr: no lunch hour


def rec(cid: str, minute: int, result: str, day: date = MONDAY) -> ContactRecord:
    return ContactRecord(cid, "X", day, minute, result)


def test_own_tries_are_told_by_their_own_time_not_by_the_band() -> None:
    """One band 8–16 Uhr: a failed try at 10:00 and a contact at 15:00 were „2 Versuche
    mittags“ (the band's middle); with a lunch gap a try at 12:15 was „vormittags“ while
    the revisit rule blocks that afternoon. The chances stay as they were."""
    one = ContactModel.fit([rec("C", 600, "nicht_angetroffen"), rec("C", 900, "angetroffen")],
                           bands=[(480, 960)])
    assert one.reasons("C", "X", 0)[:2] == ["1 Versuch vormittags ohne Erfolg",
                                            "1 Versuch nachmittags, 1-mal angetroffen"]
    assert one.chance("C", "X", 0, 0) == pytest.approx(0.5)
    gap = ContactModel.fit([rec("A", 735, "nicht_angetroffen")], GAPPED)
    assert gap.reasons("A", "X", 1)[0] == "1 Versuch nachmittags ohne Erfolg"
    assert gap.chance("A", "X", 0, 1) == pytest.approx(0.1875)  # counted in 10–12 Uhr
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
    appointment is the better information. Route page, print sheet: „Termin vereinbart“
    and no percentage; the other stop keeps its chance."""
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
        assert '<span class="chance">Termin vereinbart</span>' in html_text or \
            '<div class="meta chance"><strong>Termin vereinbart</strong></div>' in html_text


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
    assert "<strong>Termin vereinbart</strong>" in pages[0]
    assert "Chance auf Kontakt" not in pages[0] and "nan" not in pages[0]
    assert "Chance auf Kontakt: <strong>42 %</strong>" in pages[1]


def test_a_kept_half_day_keeps_its_share_of_the_lunch_gap() -> None:
    """Bands 8–10, 10–12, 13–16 Uhr and a visit open 8–16: the narrowed windows lost
    12:00–13:00 whichever half was kept, though a start at 12:15 counts for 10–12 Uhr and
    one at 12:45 for 13–16 Uhr (the nearer band). Now the morning keeps 12:00–12:29 and
    the afternoon 12:30–12:59."""
    days = 5
    windows = tuple(TimeWindow(d * 86400 + 8 * 3600, d * 86400 + 16 * 3600)
                    for d in range(days))
    for good, want in ((500, (8 * 3600, 12 * 3600 + 30 * 60 - 1)),
                       (800, (12 * 3600 + 30 * 60, 16 * 3600))):
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
            assert got == {want}, (unit, good, got)


def test_band_capacity_counts_the_gap_for_the_nearer_band() -> None:
    shift = SimpleNamespace(day=0, window=TimeWindow(8 * 3600, 16 * 3600), breaks=())
    problem = SimpleNamespace(teams=[SimpleNamespace(shifts=[shift])], visits=())
    cap = band_capacity(problem, GAPPED, minutes_per_visit=30)
    assert cap == {(0, 0): pytest.approx(4.0), (0, 1): pytest.approx(5.0),
                   (0, 2): pytest.approx(7.0)}
    assert sum(cap.values()) == pytest.approx(16.0)  # all 8 hours, the gap included
