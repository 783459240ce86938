"""How addresses as case-management exports write them are read and shown (QA 44a).

The real Bad Hersfeld and Lauf extracts: the parser's reading, the geocoder's answer and
the address the field pages show for it (:func:`hausbesuch.letters.field_address`, the
route page's, sheet's and phone's form of a stop's address).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pytest

from geodata.addresses import parse_address
from geodata.geocode import EXACT, AddressIndex, load_index

BH = "36251 Bad Hersfeld"


@lru_cache(maxsize=2)
def _index(path: Path) -> AddressIndex:
    return load_index(path)


def _shown(idx: AddressIndex, address: str) -> str:
    """The address the field pages show for a list's ``address`` as the geocoder finds it."""
    from hausbesuch.letters import field_address
    from hausbesuch.plandata import Geocode

    r = idx.geocode(address)
    at = Geocode("K-1", r.lon, r.lat, r.quality, float(r.score), r.match or "",
                 r.reason or "", "", doubt=r.doubt)
    return field_address(address, at)


# --- F5: a floor after „/“ is an addition, not part of the house number ---------------

@pytest.mark.parametrize(("typed", "number", "addition"), [
    ("Breitenstraße 17 / 1. Stock", "17", "1. Stock"),
    ("Breitenstraße 24 / 2. OG links", "24", "2. OG links"),
    ("Breitenstraße 17/1.Etage", "17", "1.Etage"),
    ("Breitenstraße 17/ 2. Obergeschoss", "17", "2. Obergeschoss"),
    ("Breitenstraße 17a / 1. Stock", "17a", "1. Stock"),
    ("Breitenstraße 17 - 1. OG", "17", "1. OG"),
    ("Breitenstraße 17 / EG", "17", "EG"),
    ("Breitenstraße 17/DG", "17", "DG"),
    ("Breitenstraße 17 / Whg. 5", "17", "Whg. 5"),
    ("Breitenstraße 17 / App. 3", "17", "App. 3"),
])
def test_a_floor_or_flat_after_a_slash_is_an_addition(typed: str, number: str,
                                                      addition: str) -> None:
    """QA 44a F5: „17 / 1. Stock“ was house number 17/1 with „Stock“ left over."""
    p = parse_address(f"{typed}, {BH}")
    assert (p.street, p.housenumber, p.extra) == ("Breitenstraße", number, (addition,))


@pytest.mark.parametrize(("typed", "number", "extra"), [
    ("Breitenstraße 12/1", "12/1", ()),
    ("Breitenstraße 12/13", "12/13", ()),
    ("Breitenstraße 12/1, 2. OG", "12/1", ("2. OG",)),
    ("Breitenstraße 12/1 EG", "12/1", ("EG",)),  # no ordinal: „1 EG“ is no floor
    ("Straße des 17. Juni 5", "5", ()),
])
def test_a_slashed_house_number_stays_one(typed: str, number: str, extra: tuple[str, ...]
                                          ) -> None:
    """„12/1“ (a real German house-number form) is read as before."""
    p = parse_address(typed)
    assert (p.housenumber, p.extra) == (number, extra)


@pytest.mark.parametrize(("typed", "shown"), [
    (f"Breitenstraße 17 / 1. Stock, {BH}", f"Breitenstraße 17, 1. Stock, {BH}"),
    (f"Breitenstraße 24 / 2. OG links, {BH}", f"Breitenstraße 24, 2. OG links, {BH}"),
])
def test_a_floor_after_a_slash_is_found_exactly_and_shown_after_the_number(
        bad_hersfeld_pbf: Path, typed: str, shown: str) -> None:
    """Found exactly at house 17 (24), not „interpoliert“ at a house 17/1; the route page
    and the letter write the floor with its number after the street."""
    idx = _index(bad_hersfeld_pbf)
    r = idx.geocode(typed)
    assert (r.quality, r.doubt, r.reason) == (EXACT, False, "")
    assert r.match == shown.replace(shown.split(", ")[1] + ", ", "")
    assert _shown(idx, typed) == shown
