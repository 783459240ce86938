"""Which visits ring at one door (:func:`hausbesuch.planning.doors.door_keys`, QA 45c F3):
the same door as each address gives it (written otherwise too), or the same point of the
map where the address was found; a point on the street only is no door."""

from __future__ import annotations

from hausbesuch.planning.doors import door_keys

TOWN = "36251 Bad Hersfeld"
P = (9.7068, 50.8683)


def test_addresses_written_otherwise_are_one_door():
    keys = door_keys([("K-1", f"Breitenstraße 24, {TOWN}", None, None, "unresolved"),
                      ("K-2", f"Breitenstr. 24, {TOWN}", None, None, "unresolved"),
                      ("K-3", f"BREITENSTRASSE 24 , {TOWN}", None, None, "unresolved"),
                      ("K-4", f"Breitenstraße 26, {TOWN}", None, None, "unresolved")])
    assert keys["K-1"] == keys["K-2"] == keys["K-3"]
    assert "K-4" not in keys  # a door of its own


def test_one_point_found_is_one_door_but_not_a_street_point():
    """One point with the same house number (the street mistyped, the PLZ left out);
    not a point on the street, not another number at that point (QA 46 F3: „Burggasse
    4a“, which the map lacks, is found at Nr. 4's point)."""
    keys = door_keys([("K-1", f"Breitenstraße 24, {TOWN}", *P, "exact"),
                      ("K-2", "Breitenstrase 24", *P, "exact"),
                      ("K-3", f"Lindenweg 13, {TOWN}", 9.7, 50.86, "street"),
                      ("K-4", f"Lindenweg 45, {TOWN}", 9.7, 50.86, "street"),
                      ("K-5", f"Burggasse 4, {TOWN}", 9.7033023, 50.8679533, "exact"),
                      ("K-6", f"Burggasse 4a, {TOWN}", 9.7033023, 50.8679533,
                       "interpolated")])
    assert keys == {"K-1": keys["K-1"], "K-2": keys["K-1"]}


def test_another_postcode_or_town_is_another_door_and_doors_chain():
    keys = door_keys([("K-1", f"Hauptstraße 5, {TOWN}", None, None, "exact"),
                      ("K-2", "Hauptstraße 5, 36269 Philippsthal", None, None, "exact"),
                      # K-3 is K-1's door as written, K-4 (no PLZ) at K-3's point with
                      # its number: all one door
                      ("K-3", f"Hauptstr. 5, {TOWN}", *P, "exact"),
                      ("K-4", "Hauptstraße 5 Hersfeld", *P, "interpolated")])
    assert "K-2" not in keys
    assert keys["K-1"] == keys["K-3"] == keys["K-4"]


def _route(team: str, day, stops):  # noqa: ANN001, ANN202 - a date; (id, address)
    from datetime import datetime, time

    from hausbesuch.plandata import PlannedStop, TeamDayRoute

    at = datetime.combine(day, time(9))
    return TeamDayRoute(
        team_id=team, team_label="", day=day, mode="walk", start_lonlat=P, end_lonlat=P,
        start_label="", depart=at, return_=at, travel_s=0, distance_m=0, service_s=0,
        waiting_s=0, stops=tuple(PlannedStop(cid, k + 1, at, at, at, *P, address, "")
                                 for k, (cid, address) in enumerate(stops)))


def test_the_note_names_ids_day_and_teams_and_not_history_again():
    from datetime import date
    from types import SimpleNamespace

    from hausbesuch.planning.doors import door_split_notes

    tue, wed = date(2026, 12, 8), date(2026, 12, 9)
    door = f"Breitenstraße 24, {TOWN}"
    plan = SimpleNamespace(geocodes=(), routes=[
        _route("team-1", tue, [("K-1", door), ("K-3", f"Linggplatz 7, {TOWN}")]),
        _route("team-2", tue, [("K-2", f"Breitenstr. 24, {TOWN}")]),
        _route("team-1", wed, [("K-4", door)]),
        _route("team-2", wed, [("K-5", door)])])
    notes = door_split_notes(plan)
    assert [n.split(":")[0] for n in notes] == [
        "K-1 und K-2 (eine Adresse) am Di, 08.12.2026 von Team team-1 und Team team-2 "
        "besucht",
        "K-4 und K-5 (eine Adresse) am Mi, 09.12.2026 von Team team-1 und Team team-2 "
        "besucht"]
    assert "ein Team für beide" in notes[0]
    # a re-plan that planned K-5 anew on Wednesday: Tuesday's split is history, not named
    # again, also when K-2 is planned again on another day (QA 46 F4)
    placed = {("K-5", wed), ("K-2", date(2026, 12, 10))}
    assert [n[:7] for n in door_split_notes(plan, placed)] == ["K-4 und"]
