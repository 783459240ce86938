"""The way back to the base from a stop, as far as a stored route's times tell it (QA 37
#1: the phone's check of an appointment agreed at the door ignored the way back that the
planner counts): exact for the last stop, a lower bound for another stop on foot, none
for a car's middle stop, a route cut without its way back, or a break in the way."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from hausbesuch.casework.wayback import way_back
from hausbesuch.plandata import PlannedStop, TeamDayRoute

DAY = date(2027, 2, 8)
BASE = (9.7040489, 50.8684786)


def _at(hhmm: str) -> datetime:
    h, m = hhmm.split(":")[:2]
    s = int(hhmm.split(":")[2]) if hhmm.count(":") == 2 else 0
    return datetime(DAY.year, DAY.month, DAY.day, int(h), int(m), s)


def _route(mode: str = "walk", lunch: tuple[str, str] | None = ("12:26:12", "12:56:12")
           ) -> TeamDayRoute:
    """The QA's Monday route of team fuss: three stops, the break between the first two."""
    times = [("11:41:12", "11:41:12", "12:26:12"), ("13:02:30", "13:02:30", "13:47:30"),
             ("14:00:00", "14:00:00", "14:45:00")]
    stops = tuple(PlannedStop(f"K{i}", i + 1, _at(a), _at(s), _at(e), 9.68 + i / 100, 50.87,
                              "", "") for i, (a, s, e) in enumerate(times))
    return TeamDayRoute(
        team_id="fuss", team_label="", day=DAY, mode=mode, start_lonlat=BASE,
        end_lonlat=BASE, start_label="", depart=_at("11:23:53"), return_=_at("15:14:25"),
        stops=stops, travel_s=0, distance_m=0, service_s=0, waiting_s=0,
        lunch=(_at(lunch[0]), _at(lunch[1])) if lunch else None)


def test_the_last_stop_has_its_exact_way_back() -> None:
    way = way_back(_route(), "K2")
    assert (way.seconds, way.exact, way.minutes) == (29 * 60 + 25, True, 30)
    assert way.team_id == "fuss"
    # any mode: the return less the end of the last visit
    assert way_back(_route("drive"), "K2").exact


def test_a_middle_stop_on_foot_has_a_lower_bound() -> None:
    # the last stop's way back less the time from this stop to it: 29:25 - 12:30
    way = way_back(_route(), "K1")
    assert (way.seconds, way.exact, way.minutes) == (16 * 60 + 55, False, 16)
    # (the planner's way back from there was 22 minutes: the bound is below it)
    # the first stop: the way out from the base (the same on foot) is the better bound
    first = way_back(_route(), "K0")
    assert (first.seconds, first.exact) == (17 * 60 + 19, False)


def test_the_way_back_counts_for_the_teams_that_travel_and_end_alike() -> None:
    from hausbesuch.teams import TeamConfig

    way = way_back(_route(), "K2")
    depot = {"end_address": "Am Markt 16, 36251 Bad Hersfeld", "end_lonlat": None}
    teams = [TeamConfig(id="fuss", **depot), TeamConfig(id="zu-fuss-2", **depot),
             TeamConfig(id="auto", mode="drive", **depot),
             TeamConfig(id="anderswo", end_address="Bahnhof, Bad Hersfeld")]
    assert way.teams_with_it(teams) == {"fuss", "zu-fuss-2"}
    # the route's team travels otherwise now, or ends elsewhere, or is gone: none
    assert way.teams_with_it([TeamConfig(id="fuss", mode="drive", **depot)]) == set()
    assert way.teams_with_it([TeamConfig(id="fuss", end_lonlat=(9.70, 50.86))]) == set()
    assert way.teams_with_it(teams[1:]) == set()
    assert way.teams_with_it([TeamConfig(id="fuss", end_lonlat=BASE)]) == {"fuss"}


def test_nothing_is_known_where_the_times_do_not_tell() -> None:
    assert way_back(_route("drive"), "K1") is None  # one-way streets: not the same way
    assert way_back(_route(), "NOPE") is None
    # a break between the last visit and the return: a wait for it would count as way
    late_lunch = _route(lunch=("14:45:00", "15:00:00"))
    assert way_back(late_lunch, "K2") is None
    # the route cut without its way back (a re-plan): its return is no way back
    cut = replace(_route(), legs=(((0.0, 0.0),),) * 3)  # three legs for three stops
    assert cut.ends_open and way_back(cut, "K2") is None
    # a start elsewhere than the end: the way out tells nothing of the way back
    elsewhere = replace(_route(), start_lonlat=(9.69, 50.87),
                        return_=_at("14:45:00") + timedelta(seconds=30))
    assert way_back(elsewhere, "K0") is None


def test_stops_out_of_the_order_of_their_times_tell_no_way() -> None:
    """Review 37 #2: a re-plan keeps a visit made out of order at the time it was made;
    the stored times then gave an "exact" way back of 205 minutes and a bound of 432,
    and the phone refused every later appointment at those doors."""
    r = _route()
    early = replace(r.stops[2], arrival=_at("10:00:00"), start=_at("10:00:00"),
                    end=_at("10:45:00"))
    moved = replace(r, stops=(*r.stops[:2], early))
    assert all(way_back(moved, f"K{i}") is None for i in range(3))
