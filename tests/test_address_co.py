"""``c/o …`` in an address is never read as the town, a house-number suffix or the street."""

from __future__ import annotations

import pytest

from geodata.addresses import parse_address
from hausbesuch.tabular import address_from_row


@pytest.mark.parametrize(
    ("text", "street", "number", "town"),
    [
        ("c/o Meier, Am Markt 16, 36251 Bad Hersfeld", "Am Markt", "16", "Bad Hersfeld"),
        ("Am Markt 16, c/o Meier, 36251 Bad Hersfeld", "Am Markt", "16", "Bad Hersfeld"),
        ("Am Markt 16, 36251 Bad Hersfeld c/o Meier", "Am Markt", "16", "Bad Hersfeld"),
        ("Am Markt 16 c/o Meier, Bad Hersfeld", "Am Markt", "16", "Bad Hersfeld"),
        ("Am Markt 16 C/O Meier", "Am Markt", "16", ""),
        ("Am Markt 16 c.o. Meier", "Am Markt", "16", ""),
        ("Am Markt 16, 36251 Bad Hersfeld z. Hd. Frau Meier", "Am Markt", "16", "Bad Hersfeld"),
        ("Am Markt 16a bei Meier, Bad Hersfeld", "Am Markt", "16a", "Bad Hersfeld"),
        ("Am Markt 16, Bad Hersfeld, c/o Familie Yılmaz", "Am Markt", "16", "Bad Hersfeld"),
        # "bei" belongs to town and street names
        ("Hauptstr. 5, 96465 Neustadt bei Coburg", "Hauptstr", "5", "Neustadt bei Coburg"),
        ("Bei der Kirche 3, Bad Hersfeld", "Bei der Kirche", "3", "Bad Hersfeld"),
        ("bei Meier, Bei der Kirche 3, Bad Hersfeld", "Bei der Kirche", "3", "Bad Hersfeld"),
    ],
)
def test_c_o_is_dropped_not_read_as_town(text, street, number, town):
    a = parse_address(text)
    assert (a.street, a.housenumber, a.town) == (street, number, town), a
    assert "meier" not in (a.town + a.street + a.housenumber).lower()


def test_split_columns_with_c_o_join_to_a_line_the_parser_reads():
    row = {"Straße": "Am Markt", "Hausnummer": "16", "PLZ": "36251",
           "Ort": "Bad Hersfeld c/o Meier"}
    line = address_from_row(row, list(row))
    a = parse_address(line)
    assert (a.street, a.housenumber, a.postcode, a.town) == ("Am Markt", "16", "36251",
                                                             "Bad Hersfeld")


def test_c_o_address_is_found_in_the_real_extract(bad_hersfeld_pbf):
    from geodata.geocode import load_index

    index = load_index(bad_hersfeld_pbf)
    plain = index.geocode("Am Markt 16, 36251 Bad Hersfeld")
    for text in ("Am Markt 16, 36251 Bad Hersfeld c/o Meier", "Am Markt 16 c/o Meier, Bad Hersfeld",
                 "c/o Meier, Am Markt 16, 36251 Bad Hersfeld"):
        r = index.geocode(text)
        assert r.quality == plain.quality == "exact", (text, r)
        assert (r.lon, r.lat) == (plain.lon, plain.lat)
