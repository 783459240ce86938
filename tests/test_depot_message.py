"""QA 18b #10: a depot that is not found is explained in German, with the geocoder's
reason and how to give its point in the profile."""

from __future__ import annotations

import re

import pytest

from geodata.geocode import load_index
from hausbesuch.config import load_profile
from hausbesuch.errors import UserError
from hausbesuch.planning.builder import depot_lonlat


@pytest.mark.parametrize(("address", "result"), [
    ("Hersbrucker Strasse 120, 91207 Lauf", "auf Straßenebene"),
    ("Gibtsnichtweg 7, 91207 Lauf", "nicht gefunden"),
])
def test_a_depot_not_found_says_how_to_give_its_point(lauf_pbf, address, result):
    index = load_index(lauf_pbf)
    profile = load_profile("lauf")
    profile = profile.model_copy(update={"depots": [profile.depot.model_copy(
        update={"address": address})]})
    with pytest.raises(UserError) as info:
        depot_lonlat(profile, index)
    msg = str(info.value)
    assert msg.startswith(f"Der Standort „Beispiel-Standort Rathaus Lauf“ ({address}) wurde "
                          f"in den OSM-Daten nicht genau gefunden (Ergebnis: {result}"), msg
    reason = index.geocode(address).reason.rstrip(".")
    assert reason and reason in msg
    assert re.search(r"unter \[\[depots\]\] korrigieren oder dort den Punkt des Standorts "
                     r"angeben, z\. B\. lat = 49\.\d{4} und lon = 11\.\d{4} \(hier ", msg), msg
    assert not re.search(r"\b(street|unresolved)\b|lon/lat", msg)
