"""How addresses as case-management exports write them are read and shown (QA 44a).

The real Bad Hersfeld and Lauf extracts: the parser's reading, the geocoder's answer and
the address the field pages show for it (:func:`hausbesuch.letters.field_address`, the
route page's, sheet's and phone's form of a stop's address).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

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


# --- F10: „Ort, OT Ortsteil“ and no reason quoting an empty town ---------------------

@pytest.mark.parametrize(("typed", "town", "district"), [
    ("Breitenstraße 24, Bad Hersfeld, OT Sorga", "Bad Hersfeld", "Sorga"),
    ("Hainstraße 1, Bad Hersfeld, OT Hohe Luft", "Bad Hersfeld", "Hohe Luft"),
    ("Hainstraße 1, Bad Hersfeld, Ortsteil Hohe Luft", "Bad Hersfeld", "Hohe Luft"),
    ("Hauptstraße 40, Hauneck, OT Unterhaun", "Hauneck", "Unterhaun"),
    ("Hainstraße 1, 36251, OT Hohe Luft", "", "Hohe Luft"),
])
def test_town_comma_ot_is_read_like_town_ot(typed: str, town: str, district: str) -> None:
    """QA 44a F10: the part „OT Sorga“ after the town was taken for the town (and came
    back empty), the town itself left over as an addition."""
    p = parse_address(typed)
    assert (p.town, p.district, p.extra) == (town, district, ())
    joined = parse_address(typed.replace(", OT", " OT").replace(", Ortsteil", " Ortsteil"))
    assert (p.town, p.district) == (joined.town, joined.district)


def test_town_comma_ot_is_found_as_without_the_comma(bad_hersfeld_pbf: Path) -> None:
    """„Breitenstraße 24, Bad Hersfeld, OT Sorga“ was not found („… nicht in .“), and
    „Hainstraße 1, Bad Hersfeld, OT Hohe Luft“ in doubt with „Ort „“ passt nicht genau“;
    now both are read as without the comma: Hohe Luft is the Hainstraße's, found with no
    doubt; the Breitenstraße does not lie in Sorga, found in doubt saying so (README)."""
    idx = _index(bad_hersfeld_pbf)
    for typed in ("Hainstraße 1, Bad Hersfeld, OT Hohe Luft",
                  "Breitenstraße 24, Bad Hersfeld, OT Sorga"):
        with_comma, without = idx.geocode(typed), idx.geocode(typed.replace(", OT", " OT"))
        assert with_comma.found and with_comma.quality == EXACT
        assert (with_comma.match, with_comma.doubt, with_comma.reason) == (
            without.match, without.doubt, without.reason)
    assert not idx.geocode("Hainstraße 1, Bad Hersfeld, OT Hohe Luft").doubt
    r = idx.geocode("Breitenstraße 24, Bad Hersfeld, OT Sorga")
    assert r.doubt and r.reason == ("Ortsteil „Sorga“ passt nicht: die Straße liegt in 36251 "
                                    "Bad Hersfeld.")


def test_town_comma_ot_in_the_ort_column(bad_hersfeld_pbf: Path) -> None:
    """The same in a separate Ort column („Bad Hersfeld, OT Sorga“, no PLZ; QA 44a list Z
    row 7): the row's address is found (it was rejected)."""
    from hausbesuch.tabular import address_from_row

    columns = ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"]
    row = {"Kundennummer": "Z-6", "Straße": "Breitenstraße", "Hausnummer": "24", "PLZ": "",
           "Ort": "Bad Hersfeld, OT Sorga"}
    r = _index(bad_hersfeld_pbf).geocode(address_from_row(row, columns))
    assert r.found and r.match == f"Breitenstraße 24, {BH}"
    assert "„“" not in r.reason and "nicht in ." not in r.reason


#: a town quoted empty („Ort „“ …“), a place left out after „in“ („nicht in .“)
_EMPTY_PLACE = re.compile(r"„\s*“|\bin\s*(?:[.,;:)]|$)|\bim\s*(?:[.,;:)]|$)")

_STREETS = ("Breitenstraße", "Hainstraße", "Am Markt", "Hauptstraße", "Buchenweg",
            "Bahnhofstraße", "Xylophonweg", "Friedrich-Ebert-Str.", "")
_NUMBERS = ("24", "1", "40", "17 / 1. Stock", "-", "o. Nr.", "0", "2-4", "")
_POSTCODES = ("36251", "36282", "36199", "34117", "D-36251", "")
_TOWNS = ("Bad Hersfeld", "Hauneck", "Rotenburg an der Fulda", "Kassel", "Bad-Hersfeld",
          "Lauf/Pegn.", "Bad Hersfeld-Unterhaun", "Halle (Saale)", "", " ", ".")
_DISTRICTS = ("OT Sorga", "OT Hohe Luft", "Ortsteil Neunhof", "OT Unterhaun", "(Sorga)",
              "OT", "Ortsteil", "OT .", "Stadtteil Frauenberg", "")
_EXTRAS = ("c/o Meier", "Hinterhaus", "2. OG", "Hessen", "Deutschland", "()", "-", "")


@settings(max_examples=300, deadline=None)
@given(street=st.sampled_from(_STREETS), number=st.sampled_from(_NUMBERS),
       postcode=st.sampled_from(_POSTCODES), town=st.sampled_from(_TOWNS),
       district=st.sampled_from(_DISTRICTS), extra=st.sampled_from(_EXTRAS),
       seps=st.lists(st.sampled_from([", ", " ", ",", " , ", ";", ",,"]), min_size=4,
                     max_size=4),
       order=st.permutations(range(3)))
def test_no_reason_quotes_an_empty_place(bad_hersfeld_pbf: Path, street: str, number: str,
                                         postcode: str, town: str, district: str, extra: str,
                                         seps: list[str], order: list[int]) -> None:
    """Whatever the address holds and however its parts are joined, no reason, note or
    suggestion of the geocoder quotes an empty town or leaves the place out after „in“
    (QA 44a F10: „… nicht in .“, „Ort „“ passt nicht genau“)."""
    tail = [f"{postcode} {town}".strip(), district, extra]
    parts = [f"{street} {number}".strip(), *(tail[i] for i in order)]
    address = parts[0] + "".join(sep + p for sep, p in zip(seps, parts[1:], strict=False))
    r = _index(bad_hersfeld_pbf).geocode(address)
    for text in (r.reason, *r.suggestions):
        assert not _EMPTY_PLACE.search(text), (address, text)


# --- F3: no suggestion in another town for an address of a town outside the extract ----

@pytest.mark.parametrize(("city", "typed", "place"), [
    ("bh", "Bahnhofstraße 5, 36199 Rotenburg an der Fulda",
     "Ort „Rotenburg an der Fulda“ und PLZ 36199 liegen"),
    ("bh", "Friedrich-Ebert-Straße 12, 34117 Kassel", "Ort „Kassel“ und PLZ 34117 liegen"),
    ("bh", "Breitenstraße 24, Rotenburg", "Ort „Rotenburg“ liegt"),
    ("lauf", "Hauptstraße 1, 90402 Nürnberg", "Ort „Nürnberg“ und PLZ 90402 liegen"),
])
def test_an_address_in_a_town_outside_the_extract_gets_no_suggestion(
        bad_hersfeld_pbf: Path, lauf_pbf: Path, city: str, typed: str, place: str) -> None:
    """QA 44a F3: „Vorschlag 1: Bahnhofstraße, 36251 Bad Hersfeld“ for a client in
    Rotenburg, „Hardtstraße 1, 91207 Lauf“ for „Hauptstraße 1, Nürnberg“: taking it sent a
    team to a stranger's door in another town. A town the extract does not know even as a
    look-alike is another place: nothing is offered, and the reason says so."""
    r = _index(bad_hersfeld_pbf if city == "bh" else lauf_pbf).geocode(typed)
    assert (r.found, r.outside, r.suggestions) == (False, True, ())
    assert r.reason == (f"{place} nicht im Gebiet des Kartenauszugs; keine Vorschläge in "
                        "einem anderen Ort.")


def test_a_mistyped_town_or_postcode_is_still_found_or_offered(bad_hersfeld_pbf: Path
                                                               ) -> None:
    """What stays: a town typed with an error is the town (found), and a postcode alone
    that the extract does not know (perhaps a typing error) still gets suggestions."""
    idx = _index(bad_hersfeld_pbf)
    assert idx.geocode("Breitenstraße 24, Bad Hersfled").match == f"Breitenstraße 24, {BH}"
    r = idx.geocode("Breitenstraße 24, 36521")
    assert r.outside and r.suggestions[0] == f"Breitenstraße 24, {BH}"


def test_a_postcode_alone_outside_gets_only_streets_of_its_name(lauf_pbf: Path) -> None:
    """A postcode alone outside the extract (closing 44, fixgeo's leftover): Lauf's
    Hardtstraße was offered for „Hauptstraße 1, 90402“ (Nürnberg's postcode), a stranger's
    door one ``--suggestion 1`` away. Only a street the typed name names is offered (its
    spelling, a typo the geocoder takes); none when Lauf has no street of that name."""
    idx = _index(lauf_pbf)
    r = idx.geocode("Hauptstraße 1, 90402")
    assert (r.outside, r.suggestions) == (True, ())
    assert r.reason == "PLZ 90402 liegt nicht im Gebiet des Kartenauszugs."
    for typed in ("Hardtstraße 1, 90402", "Hardtstrase 1, 90402", "HARDTSTR. 1, 90402"):
        r = idx.geocode(typed)
        assert r.outside and r.suggestions[0].startswith("Hardtstraße 1, 91207"), (typed, r)


def test_suggestion_1_cannot_move_a_client_to_another_town(tmp_path: Path,
                                                          bad_hersfeld_pbf: Path) -> None:
    """``hausbesuch addresses`` offers nothing for the Rotenburg client, and ``address
    K-1032 --suggestion 1`` (accepted before: „Gespeichert: K-1032 liegt jetzt bei …
    (Bahnhofstraße 5, 36251 Bad Hersfeld)“) is refused; the address stays open."""
    from tests.cli_helpers import ok, run

    path = tmp_path / "kunden.csv"
    path.write_text("Kundennummer;Adresse\nK-1001;Breitenstraße 24, 36251 Bad Hersfeld\n"
                    "K-1032;Bahnhofstraße 5, 36199 Rotenburg an der Fulda\n", encoding="utf-8")
    where = ["--city", "bad-hersfeld", "--db", str(tmp_path / "a.sqlite"),
             "--osm", str(bad_hersfeld_pbf)]
    ok("import", str(path), *where)
    listed = " ".join(ok("addresses", *where).split())
    assert "K-1032" in listed and "liegen nicht im Gebiet des Kartenauszugs" in listed
    assert "Vorschlag 1" not in listed and "Bahnhofstraße, 36251" not in listed, listed
    res = run("address", "K-1032", "--suggestion", "1", *where)
    said = " ".join(res.output.split())
    assert res.exit_code != 0 and "Gespeichert" not in said, said
    assert "gibt es keine" in said, said
    assert "K-1032" in ok("addresses", *where)


# --- F8: the town as typed, with its abbreviation's period ----------------------------

@pytest.mark.parametrize(("typed", "town"), [
    ("Hersbrucker Strasse 2A, 91207 Lauf/Pegn.", "Lauf/Pegn."),
    ("Am Markt 1, 91207 Lauf/Pegn. OT Heuchling", "Lauf/Pegn."),
    ("Weg 1, 60311 Frankfurt a.M.", "Frankfurt a.M."),
    ("Weg 1, 91541 Rothenburg o.d.T.", "Rothenburg o.d.T."),
    ("Weg 1, 36251 Bad Hersfeld.", "Bad Hersfeld"),  # a stray period: left out
    ("Weg 1, Lauf/Pegn", "Lauf/Pegn"),
])
def test_the_shown_town_keeps_an_abbreviations_period(typed: str, town: str) -> None:
    assert parse_address(typed).shown_town == town


def test_lauf_pegn_is_shown_with_its_period(lauf_pbf: Path) -> None:
    """QA 44a F8: route page and sheet said „Hersbrucker Straße 2a, 91207 Lauf/Pegn“."""
    typed = "Hersbrucker Strasse 2A, 91207 Lauf/Pegn."
    idx = _index(lauf_pbf)
    assert idx.geocode(typed).quality == EXACT
    assert _shown(idx, typed) == "Hersbrucker Straße 2a, 91207 Lauf/Pegn."


# --- F11: a placeholder house number is not shown -------------------------------------

@pytest.mark.parametrize("number", ["-", "o. Nr.", "ohne", "k. A.", "/"])
def test_a_placeholder_house_number_is_left_out_of_the_shown_address(
        bad_hersfeld_pbf: Path, number: str) -> None:
    """QA 44a F11: the geocoder reads „-“, „o. Nr.“ in the Hausnummer cell as no number
    („Keine Hausnummer angegeben“), but the route page showed „Am Markt -, 36251 Bad
    Hersfeld“; the letter's street line too."""
    from hausbesuch.clients import Client
    from hausbesuch.letters import postal_lines
    from hausbesuch.plandata import Geocode
    from hausbesuch.tabular import address_from_row

    columns = ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort"]
    row = {"Kundennummer": "Z-14", "Straße": "Am Markt", "Hausnummer": number,
           "PLZ": "36251", "Ort": "Bad Hersfeld"}
    address = address_from_row(row, columns)
    idx = _index(bad_hersfeld_pbf)
    r = idx.geocode(address)
    assert r.quality == "street" and "Keine Hausnummer angegeben" in r.reason
    assert _shown(idx, address) == f"Am Markt, {BH}"
    client = Client(row=2, id="Z-14", address=address, street="Am Markt",
                    housenumber=number, postcode="36251", town="Bad Hersfeld")
    at = Geocode("Z-14", r.lon, r.lat, r.quality, float(r.score), r.match, r.reason, "",
                 doubt=r.doubt)
    assert postal_lines(client, at) == ["Am Markt", BH]


def test_a_number_is_never_taken_for_a_placeholder(bad_hersfeld_pbf: Path) -> None:
    """A house number stays, „0“ too (read as a number and said to be not found)."""
    from geodata.addresses import without_number_placeholder

    for address in (f"Am Markt 16, {BH}", f"Am Markt 0, {BH}", f"Am Markt 16, 2. OG -, {BH}",
                    f"Breitenstraße 12/1, {BH}", "Am Markt - 36251 Bad Hersfeld"):
        assert without_number_placeholder(address) == address
    assert _shown(_index(bad_hersfeld_pbf), f"Am Markt 0, {BH}") == f"Am Markt 0, {BH}"


# --- F7: „bekannt: Nr. …“ names house-number ranges too -------------------------------

@pytest.mark.parametrize(("city", "typed", "known"), [
    ("bh", f"Am Kurpark 20, {BH}", "Nr. 1, 2, 10, 13, 19-21"),
    ("lauf", "Schloßplatz 3, 91207 Lauf", "Nr. 2-4"),
])
def test_known_numbers_name_ranges(bad_hersfeld_pbf: Path, lauf_pbf: Path, city: str,
                                   typed: str, known: str) -> None:
    """QA 44a F7: „bekannt: Nr. 1, 2, 10, 13“ left out the building 19-21, and the
    Schloßplatz, whose one building is 2-4, had no „bekannt“ at all."""
    r = _index(bad_hersfeld_pbf if city == "bh" else lauf_pbf).geocode(typed)
    number = parse_address(typed).housenumber
    assert r.quality == "street"
    assert r.reason == (f"Hausnummer {number} nicht gefunden (bekannt: {known}): Punkt auf "
                        "der Straße.")


# --- F6: an Ortsteil the extract does not know is said, as with a hyphen --------------

@pytest.mark.parametrize(("city", "typed", "where"), [
    ("lauf", "Bahnhofstr. 5, 91207 Lauf OT Neunhof", "91207 Lauf a.d.Pegnitz"),
    ("lauf", "Bahnhofstr. 5, 91207 Lauf a.d.Pegnitz OT Neunhof", "91207 Lauf a.d.Pegnitz"),
    ("bh", f"Breitenstraße 17, {BH} OT Frauenberg", BH),
    ("bh", "Lindenweg 5, Bad Hersfeld, OT Friedlos", BH),
])
def test_an_ortsteil_the_extract_does_not_know_puts_the_address_in_doubt(
        bad_hersfeld_pbf: Path, lauf_pbf: Path, city: str, typed: str, where: str) -> None:
    """QA 44a F6: „… OT Neunhof“ (a village of Lauf the extract has no place for) was
    found exactly, score 1.0, no word, while „Lauf-Neunhof“ said „Ortsteil „Neunhof“ kennt
    der Kartenauszug nicht“: the list may hold the right Ortsteil and a wrong street. The
    OT form now says it too, in doubt, as the README has it for the hyphen form."""
    idx = _index(bad_hersfeld_pbf if city == "bh" else lauf_pbf)
    r = idx.geocode(typed)
    district = parse_address(typed).district
    assert r.quality == EXACT and r.doubt
    assert r.reason == (f"Ortsteil „{district}“ kennt der Kartenauszug nicht; die Straße "
                        f"liegt in {where}.")


def test_an_ortsteil_the_street_lies_in_stays_without_a_word(lauf_pbf: Path) -> None:
    r = _index(lauf_pbf).geocode("Bahnhofstr. 5, 91207 Lauf OT Heuchling")
    assert r.quality == EXACT and not r.doubt and r.reason == ""
