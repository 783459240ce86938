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
    keys = door_keys([("K-1", f"Breitenstraße 24, {TOWN}", *P, "exact"),
                      ("K-2", f"Am Markt 1, {TOWN}", *P, "exact"),
                      ("K-3", f"Lindenweg 13, {TOWN}", 9.7, 50.86, "street"),
                      ("K-4", f"Lindenweg 45, {TOWN}", 9.7, 50.86, "street")])
    assert keys == {"K-1": keys["K-1"], "K-2": keys["K-1"]}


def test_another_postcode_or_town_is_another_door_and_doors_chain():
    keys = door_keys([("K-1", f"Hauptstraße 5, {TOWN}", None, None, "exact"),
                      ("K-2", "Hauptstraße 5, 36269 Philippsthal", None, None, "exact"),
                      # K-3 is K-1's door as written, K-4 at K-3's point: all one door
                      ("K-3", f"Hauptstr. 5, {TOWN}", *P, "exact"),
                      ("K-4", f"Am Markt 1, {TOWN}", *P, "interpolated")])
    assert "K-2" not in keys
    assert keys["K-1"] == keys["K-3"] == keys["K-4"]
