"""A house number glued to a street whose type is misspelt („Breitenstrase20“) is found and
corrected as the same address with a space („Breitenstrase 20“).

The parser splits the number off and the geocoder finds the Breitenstraße, but the
correction that shows the field the street as found (QA 31:
``hausbesuch.planning.workflow._as_corrected``) looked for the typed street's words in the
address only before a space or the end: „Breitenstrase20“ reached the route pages, the
sheet and the phone as typed. The real Bad Hersfeld extract; the geocoder's own result
(``Located`` as :meth:`hausbesuch.casework.Casework.locate` makes it of a list's address).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from geodata.geocode import AddressIndex, load_index
from hausbesuch.casework.service import PLANNABLE_QUALITIES

TOWN = "36251 Bad Hersfeld"
#: typing errors in „straße“ the geocoder takes as the street typed (a letter missing,
#: doubled, swapped; „ß“ as „s“ or „sz“)
TYPE_TYPOS = ("strase", "strsse", "strße", "staße", "sraße", "strasee", "strßae", "starße",
              "strasze", "straase", "Strase")


@lru_cache(maxsize=2)
def _index(path: Path) -> AddressIndex:
    return load_index(path)


@lru_cache(maxsize=2)
def _numbered_streets(path: Path) -> tuple[tuple[str, str], ...]:
    """(street, house number) of Bad Hersfeld's mapped addresses on a one-word „…straße“
    with a plain number, e.g. („Breitenstraße“, „24“)."""
    idx = _index(path)
    return tuple(sorted({(str(s), str(h)) for s, h in zip(idx.e_street, idx.e_hn, strict=True)
                         if re.fullmatch(r"[A-ZÄÖÜ][a-zäöüß]+straße", str(s))
                         and re.fullmatch(r"[1-9]\d{0,2}", str(h))}))


def _field_address(idx: AddressIndex, address: str) -> tuple[str, str, str, bool]:
    """What the geocoder finds for a list's ``address`` (quality, match, doubt) and the
    address the field is shown for it."""
    from hausbesuch.casework.service import Located
    from hausbesuch.clients import Client
    from hausbesuch.planning.workflow import _as_corrected

    r = idx.geocode(address)
    loc = Located("K-1", r.lon, r.lat, r.quality, float(r.score), r.match or "",
                  r.reason or "", tuple(r.suggestions), doubt=r.doubt)
    shown = _as_corrected(Client(row=2, id="K-1", address=address), loc).address
    return r.quality, r.match or "", shown, r.doubt


def test_breitenstrase20_is_corrected_as_breitenstrase_20(bad_hersfeld_pbf: Path) -> None:
    idx = _index(bad_hersfeld_pbf)
    assert ("Breitenstraße", "24") in _numbered_streets(bad_hersfeld_pbf)  # a real street
    clean = _field_address(idx, f"Breitenstraße 20, {TOWN}")
    assert clean == ("interpolated", f"Breitenstraße 20, {TOWN}",
                     f"Breitenstraße 20, {TOWN}", False)
    for typed in ("Breitenstrase20", "Breitenstrase 20", "Breitenstrase.20",
                  "breitenstrase20"):
        assert _field_address(idx, f"{typed}, {TOWN}") == clean, typed
    # with a letter, a c/o line and an addition after it: only the street changes
    assert _field_address(idx, f"c/o Testfamilie Q, Breitenstrsse24a Hinterhaus, {TOWN}")[2] \
        == f"c/o Testfamilie Q, Breitenstraße 24a Hinterhaus, {TOWN}"


@pytest.mark.parametrize(("typed", "field"), [
    ("Breitenstraße 20", "Breitenstraße 20"), ("Breitenstraße20", "Breitenstraße 20"),
    ("Breitenstr. 20", "Breitenstr. 20"), ("Breitenstr.20", "Breitenstr. 20"),
    ("Breitenstrasse 20", "Breitenstrasse 20"), ("breitenstraße 20", "breitenstraße 20"),
    ("Bahnhofstraße 1", "Bahnhofstraße 1"), ("Bahnhofstraße1", "Bahnhofstraße 1")])
def test_a_street_typed_as_osm_has_it_keeps_its_words(bad_hersfeld_pbf: Path,
                                                      typed: str, field: str) -> None:
    """No typo: found as before, and the field sees the list's words; a house number
    glued to the street gets its space, as the geocoder read it (closing 32)."""
    quality, match, shown, doubt = _field_address(_index(bad_hersfeld_pbf), f"{typed}, {TOWN}")
    assert quality in {"exact", "interpolated"} and not doubt, (typed, quality, match)
    assert match.startswith(("Breitenstraße 20,", "Bahnhofstraße 1,")), match
    assert shown == f"{field}, {TOWN}"


@settings(max_examples=60, deadline=None)
@given(data=st.data(), typo=st.sampled_from(TYPE_TYPOS))
def test_a_glued_number_is_found_and_corrected_as_with_a_space(
        bad_hersfeld_pbf: Path, data: st.DataObject, typo: str) -> None:
    """Any mapped address of a „…straße“, its type misspelt: the number glued on gives
    what it gives with a space, and when the field is shown the street as found there,
    it is the address written right (the street as OSM has it, a space, the number)."""
    idx = _index(bad_hersfeld_pbf)
    street, number = data.draw(st.sampled_from(_numbered_streets(bad_hersfeld_pbf)))
    typed = street.removesuffix("straße") + typo
    spaced = _field_address(idx, f"{typed} {number}, {TOWN}")
    glued = _field_address(idx, f"{typed}{number}, {TOWN}")
    assert glued[:2] == spaced[:2] and glued[3] == spaced[3], (glued, spaced)
    if spaced[2] != f"{typed} {number}, {TOWN}":  # corrected with a space: glued too
        assert spaced[2] == glued[2] == f"{street} {number}, {TOWN}", (glued, spaced)
    elif glued[3] or glued[0] not in PLANNABLE_QUALITIES:  # in doubt: the list's words
        assert glued[2] == f"{typed}{number}, {TOWN}", glued
    else:  # the typo not taken as one: the list's words, the number with its space
        assert glued[2] == f"{typed} {number}, {TOWN}", glued
