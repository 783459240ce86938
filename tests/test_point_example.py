"""QA 18b #9: the example point of messages is a point of the city worked on (its depot),
not Bad Hersfeld's."""

from __future__ import annotations

import csv

import pytest

from geodata.geocode import load_index
from hausbesuch.config import load_profile
from hausbesuch.errors import UserError
from tests.cli_helpers import run
from tests.planning_fixtures import real_addresses


def test_point_messages_show_the_depot_of_the_city(tmp_path, lauf_pbf):
    index = load_index(lauf_pbf)
    profile = load_profile("lauf")
    depot = index.geocode(profile.depot.address)
    example = f"{depot.lat:.4f},{depot.lon:.4f}"
    assert profile.point_example(index.geocode) == example
    assert profile.model_copy(update={"depots": [profile.depot.model_copy(
        update={"lat": 49.51184, "lon": 11.28126})]}).point_example() == "49.5118,11.2813"
    with open(tmp_path / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        street, hn, pc, town = real_addresses(index)[0]
        w.writerow(["L-1", "Name", street, hn, pc, town or "Lauf"])
    common = ["--city", "lauf", "--db", str(tmp_path / "f.sqlite")]
    assert run("import", str(tmp_path / "kunden.csv"), *common).exit_code == 0
    for point in ("50.8675,9.7071", "Lauf"):  # outside the extract; no point at all
        res = run("address", "L-1", "--set-point", point, *common)
        assert res.exit_code == 2 and f"z. B. {example})" in res.output, res.output
        assert "9.7071)" not in res.output


def test_the_web_form_names_the_depot_as_example():
    from hausbesuch.web.pages_clients import _form_point

    with pytest.raises(UserError, match=r"z\. B\. 49\.5118 und 11\.2813\)"):
        _form_point("Lauf", "", lambda: (49.51184, 11.28126))
    assert _form_point("49,5", "11.28", lambda: None) == (11.28, 49.5)
