"""QA 22 F8: a revisit on the weekday of a failed try keeps a distance in time of day.

The half-day rule alone let a failed try on Wednesday at 11:25 be followed by a visit on
the next Wednesday at 12:10 (another half of the day by the noon, 45 minutes later).
``[casework] revisit_min_gap_min`` (default 120) adds: on that weekday no start closer
than that to the try's time; 0 is the half-day rule alone. An agreed time is not subject
to it. Dates: Lauf (Bayern), Wednesday 09.12.2026 failed, the next week 14.–18.12.2026.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from hausbesuch.casework.rules import PastOutcome, WorkCalendar, directive
from hausbesuch.config import load_profile
from hausbesuch.plandata import Client, Geocode, TimeSlot
from hausbesuch.planning.builder import Candidate, Span, make_candidate
from hausbesuch.planning.options import DAY_S

BY = WorkCalendar("BY")
FAILED = date(2026, 12, 9)  # a Wednesday
WEEK = Span(date(2026, 12, 14), 5, BY)  # Mo 14.12. – Fr 18.12.; Wednesday is day 2
_CLIENT = Client(row=2, id="L-1025", address="Marktplatz 1, 91207 Lauf")
_WHERE = Geocode("L-1025", 11.2813, 49.5118, "exact", 1.0, "Marktplatz 1", "", "Altstadt")


def _hm(h: int, m: int = 0) -> int:
    return (h * 60 + m) * 60


def _profile(gap: int | None = None):  # noqa: ANN202
    p = load_profile("lauf")
    if gap is None:
        return p
    return p.model_copy(update={"casework": p.casework.model_copy(
        update={"revisit_min_gap_min": gap})})


def _directive(profile, *tries: tuple[date, int]):  # noqa: ANN001, ANN202
    r = profile.casework
    return directive([PastOutcome(d, "nicht_angetroffen", t) for d, t in tries],
                     calendar=BY, noon_min=r.noon_min, min_gap_min=r.revisit_min_gap_min,
                     max_failed_tries=5)


def _starts_on(c: Candidate, day: int) -> list[tuple[int, int]]:
    """The candidate's start windows on span day ``day`` (seconds of that day)."""
    assert isinstance(c, Candidate), c
    return [(max(a, day * DAY_S) - day * DAY_S, min(b, (day + 1) * DAY_S - 1) - day * DAY_S)
            for a, b in c.windows if a < (day + 1) * DAY_S and b >= day * DAY_S]


def test_the_profile_default_is_two_hours() -> None:
    assert load_profile("lauf").casework.revisit_min_gap_min == 120


def test_a_revisit_on_the_weekday_of_a_failed_try_keeps_two_hours_from_its_time() -> None:
    """Failed Wednesday 11:25: next Wednesday no start in (09:25, 13:25); 13:25 is the
    first start (exactly 120 minutes later); the other weekdays are free all day."""
    profile = _profile()
    d = _directive(profile, (FAILED, 11 * 60 + 25))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    wed = _starts_on(c, 2)
    assert wed and all(b <= _hm(9, 25) or a >= _hm(13, 25) for a, b in wed), wed
    assert min(a for a, _ in wed) == _hm(13, 25), wed
    for day in (0, 1, 3, 4):
        assert _starts_on(c, day) == [(0, DAY_S - 1)], (day, _starts_on(c, day))
    assert ("nicht erneut Mittwochvormittag (mittwochs nur ab 13:25 Uhr, mindestens 120 "
            "Minuten Abstand zu 11:25 Uhr)") in d.reason, d.reason


def test_with_the_setting_zero_the_half_day_rule_alone_holds() -> None:
    profile = _profile(0)
    d = _directive(profile, (FAILED, 11 * 60 + 25))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    assert _starts_on(c, 2) == [(_hm(12), DAY_S - 1)]
    assert d.reason.endswith(", nicht erneut Mittwochvormittag"), d.reason


def test_an_afternoon_try_just_after_noon_pushes_the_morning_back() -> None:
    """Failed Wednesday 12:10 (afternoon): next Wednesday only until 10:10."""
    profile = _profile()
    d = _directive(profile, (FAILED, 12 * 60 + 10))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    assert _starts_on(c, 2) == [(0, _hm(10, 10))]
    assert "Mittwochnachmittag (mittwochs nur bis 10:10 Uhr" in d.reason, d.reason


def test_several_failed_tries_on_one_weekday_each_keep_their_distance() -> None:
    """Two Wednesday mornings (09:00, 11:25): the later one decides the afternoon; a
    morning and an afternoon: no Wednesday at all (and no distance to tell)."""
    profile = _profile()
    d = _directive(profile, (FAILED - timedelta(days=7), 9 * 60), (FAILED, 11 * 60 + 25))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    assert _starts_on(c, 2) == [(_hm(13, 25), DAY_S - 1)]
    assert "mindestens 120 Minuten Abstand zu 09:00 und 11:25 Uhr" in d.reason, d.reason
    d = _directive(profile, (FAILED - timedelta(days=7), 15 * 60), (FAILED, 11 * 60 + 25))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    assert _starts_on(c, 2) == []
    assert d.reason.endswith("nicht erneut Mittwochnachmittag; Mittwochvormittag"), d.reason
    # a try far from the noon: the distance lies inside its own half, nothing to add
    d = _directive(profile, (FAILED, 8 * 60))
    assert d.reason.endswith("nicht erneut Mittwochvormittag"), d.reason


def test_an_agreed_time_is_not_subject_to_the_rule() -> None:
    """A time agreed with the client (a pin with a time, an appointment) holds at 12:10."""
    profile = _profile()
    d = _directive(profile, (FAILED, 11 * 60 + 25))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d,
                       pin_day=date(2026, 12, 16), pin_time_min=12 * 60 + 10)
    assert isinstance(c, Candidate) and c.windows == ((2 * DAY_S + _hm(12, 10),) * 2,)
    # a pin to the day alone: the rule holds on that day
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d,
                       pin_day=date(2026, 12, 16))
    assert _starts_on(c, 2) == [(_hm(13, 25), DAY_S - 1)]


@pytest.mark.parametrize("gap", [120, 0])
def test_a_window_the_distance_empties_is_left_out_naming_the_rule(gap: int) -> None:
    """The client's only window „Mi 12-14“ (visit 45 min: starts 12:00–13:15): after the
    failed Wednesday 11:25 the distance (starts from 13:25) leaves none; with 0 the
    afternoon window stands."""
    profile = _profile(gap)
    client = replace(_CLIENT, zeitfenster=(TimeSlot(frozenset({2}), 720, 840, "Mi 12-14"),))
    d = _directive(profile, (FAILED, 11 * 60 + 25))
    u = make_candidate(client, _WHERE, span=WEEK, profile=profile, directive=d)
    if gap == 0:
        assert _starts_on(u, 2) == [(_hm(12), _hm(13, 15))]
        return
    assert not isinstance(u, Candidate)
    # (the distance lasts until a contact: no plan can take the window, QA 38 F2)
    assert u.code == "revisit_rules_window"
    assert u.reason.startswith(
        "Das Zeitfenster „Mi 12-14“ und die Regel für erneute Besuche (nicht am "
        "selben Wochentag zur selben Tageszeit (vormittags/nachmittags) wie ein Versuch "
        "ohne Kontakt und dort mindestens 120 Minuten Abstand zu dessen Uhrzeit) schließen "
        "sich aus (1. Versuch ohne Kontakt am Mi, 09.12.2026"), u.reason
    assert "mittwochs nur ab 13:25 Uhr" in u.reason, u.reason


@pytest.mark.slow
def test_the_weekly_cycle_plans_the_revisit_outside_the_distance(tmp_path, bad_hersfeld_pbf):
    """Through the commands on Bad Hersfeld: plan Wednesday 09.12., record „nicht
    angetroffen“ at 11:25, plan Wednesday 16.12.: the visit starts at 13:25 or later (or by
    09:25); with a profile of ``revisit_min_gap_min = 0`` it starts at noon, as before."""
    from datetime import datetime

    from hausbesuch.store import Store
    from tests.cli_helpers import ClockedCli
    from tests.test_cli_wording import GOOD, write_list, write_outcomes

    cli = ClockedCli(date(2026, 12, 12))
    text = (Path(__file__).parents[1] / "hausbesuch" / "profiles" / "bad-hersfeld.toml"
            ).read_text("utf-8")
    starts = {}
    for gap in (120, 0):
        d = tmp_path / f"gap{gap}"
        d.mkdir()
        toml = d / "bh.toml"
        toml.write_text(text.replace('land = "HE"', f'land = "HE"\nrevisit_min_gap_min = {gap}')
                        .replace('file = "osm/bad-hersfeld_2021-10-27.osm.pbf"',
                                 f'file = "{bad_hersfeld_pbf.as_posix()}"'), "utf-8")
        db = str(d / "f.sqlite")
        common = ["--city", str(toml), "--db", db]
        cli.ok("import", str(write_list(d / "kunden.csv", [("K-1", GOOD)])), *common)
        cli.ok("plan", *common, "--start", "2026-12-09", "--days", "1", "--out",
               str(d / "w1"), "--time-limit", "1", "--threads", "1")
        out = cli.ok("outcomes", str(write_outcomes(
            d / "ergebnisse.csv", [["K-1", "09.12.2026", "11:25", "nicht angetroffen"]])),
            *common)
        assert "1 erfasst" in out, out
        cli.ok("plan", *common, "--start", "2026-12-16", "--days", "1", "--out",
               str(d / "w2"), "--time-limit", "1", "--threads", "1")
        with Store.open(db) as store:
            plan = store.latest_plan("Bad Hersfeld")
        assert plan is not None and plan.start == date(2026, 12, 16)
        stops = [s for r in plan.routes for s in r.stops if s.client_id == "K-1"]
        assert len(stops) == 1, plan.unassigned
        starts[gap] = stops[0].start
    wed = datetime(2026, 12, 16)
    assert not (wed.replace(hour=9, minute=25) < starts[120] < wed.replace(hour=13, minute=25)), \
        starts
    assert wed.replace(hour=12) <= starts[0] < wed.replace(hour=13, minute=25), starts


def test_a_window_a_letter_promised_keeps_the_half_day_rule_only() -> None:
    """Review 23 #3: a letter promised „Mi 16.12., 12–14 Uhr“ (sent before the setting, or
    before the try on Wednesday 09.12. at 11:25): the promised window stays whole, from
    12:00 (the half-day rule, as before), not only from 13:25; without the letter the
    distance holds."""
    from datetime import datetime

    profile = _profile()
    d = _directive(profile, (FAILED, 11 * 60 + 25))
    promise = (datetime(2026, 12, 16, 12, 0), datetime(2026, 12, 16, 14, 0))
    c = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d,
                       promise=promise, visit_id="v-brief")
    assert _starts_on(c, 2) == [(_hm(12), _hm(14))], _starts_on(c, 2)
    free = make_candidate(_CLIENT, _WHERE, span=WEEK, profile=profile, directive=d)
    assert min(a for a, _ in _starts_on(free, 2)) == _hm(13, 25)
