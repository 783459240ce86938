"""A client farther from every way than a home visit ever walks (QA 20c S1)."""

from __future__ import annotations

import csv
from datetime import date

MONDAY = date(2026, 12, 7)


def test_a_client_far_from_every_way_is_unreachable_with_a_german_reason(
        tmp_path, bad_hersfeld_pbf, monkeypatch):
    """A client beyond the longest access leg is not planned with a walk of an hour but
    left out as unreachable, and the report row says why. Coordinates outside the
    extract (more than 1 km from its address points) are refused before, as „außerhalb des
    Kartenausschnitts“, so in the Bad Hersfeld extract no accepted point is 5 km from a
    way (at most about 1 km): the limit is lowered to 500 m here to reach that case."""
    import geodata.matrix
    import geodata.snap
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week
    from tests.planning_fixtures import PLANNED_ON, START, planned_on, real_addresses

    monkeypatch.setattr(geodata.snap, "MAX_ACCESS_M", 500.0)
    monkeypatch.setattr(geodata.matrix, "MAX_ACCESS_M", 500.0)
    (s1, h1, p1, t1), (s2, h2, p2, t2) = real_addresses(load_index(bad_hersfeld_pbf))[:2]
    path = tmp_path / "k.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Breite", "Länge"])
        w.writerow(["N1", s1, h1, p1, t1 or "Bad Hersfeld", "", ""])
        # in the south-west of the extract, about 1 km from the nearest footway
        w.writerow(["W1", s2, h2, p2, t2 or "Bad Hersfeld", "50,828193", "9,648273"])
    # (as on the Friday before: the whole day whatever the time of the real 07.12.2026)
    assert MONDAY == START
    with planned_on(PLANNED_ON):
        result = plan_week(path, profile=load_profile("bad-hersfeld"), osm=bad_hersfeld_pbf,
                           options=PlanOptions(start=MONDAY, days=1, time_limit=1, threads=1))
    planned = {s.client_id for r in result.plan.routes for s in r.stops}
    assert "N1" in planned and "W1" not in planned
    (u,) = [u for u in result.plan.unassigned if u.client_id == "W1"]
    assert "über das Wegenetz nicht erreichbar" in u.reason, u
    row = next(r for r in result.report_rows if r["id"] == "W1")
    assert row["status"] == "nicht_eingeplant", row
    assert "vom nächsten Weg entfernt (mehr als 0,5 km: nicht erreichbar" in row["grund"], row
