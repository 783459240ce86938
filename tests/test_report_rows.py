"""report.csv rows of a plan: one per client, the last visit of a client visited twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from hausbesuch.planning.report import report_rows
from tests.test_maps import sample_plan


def test_a_client_visited_twice_shows_its_last_visit_and_names_the_other() -> None:
    """A re-plan can hold a visit made and an appointment agreed at it: the client's row
    is the coming visit, whatever the order of the routes, and names the other one."""
    plan = sample_plan()
    r1, r2, r3 = plan.routes
    first = r2.stops[0]
    later = replace(first, start=datetime.combine(r3.day, first.start.time()) + timedelta(hours=1),
                    arrival=datetime.combine(r3.day, first.arrival.time()) + timedelta(hours=1),
                    end=datetime.combine(r3.day, first.end.time()) + timedelta(hours=1),
                    position=1)
    twice = replace(plan, routes=[replace(r3, stops=(later,)), r1, r2])  # later route first
    rows = [r for r in report_rows(twice) if r["id"] == first.client_id]
    assert len(rows) == 1
    row = rows[0]
    assert (row["status"], row["datum"], row["team"]) == ("geplant", r3.day.isoformat(),
                                                          r3.team_id)
    assert row["beginn"] == later.start.strftime("%H:%M")
    assert (f"weiterer Besuch im Plan: {r2.day:%d.%m.%Y} {first.start:%H:%M} "
            f"(Team {r2.team_id})") in row["grund"]
    # a client visited once names no other visit
    other = next(r for r in report_rows(twice) if r["id"] == r1.stops[0].client_id)
    assert "weiterer Besuch" not in other["grund"]


def test_an_address_found_with_a_note_says_so_in_the_report() -> None:
    """An exact result with a note (another street type, a typo, a town that does not fit)
    is planned; report.csv says to check it, as the addresses list does."""
    plan = sample_plan()
    stop = plan.routes[0].stops[0]
    from hausbesuch.plandata import Geocode

    geocodes = [Geocode(s.client_id, 9.7, 50.87, "exact", 1.0, "Hüttenweg 6", "", "Mitte")
                for r in plan.routes for s in r.stops]
    geocodes[0] = replace(geocodes[0], score=0.85, reason="Straßenart weicht ab: "
                          "„Hüttenstraße“ ≈ „Hüttenweg“.")
    rows = {r["id"]: r for r in report_rows(replace(plan, geocodes=geocodes))
            if r["status"] == "geplant"}
    assert rows[stop.client_id]["grund"].startswith("Adresse gefunden, bitte prüfen: "
                                                    "Straßenart weicht ab")
    plain = [r for r in rows.values() if r["id"] != stop.client_id]
    assert plain and not any("bitte prüfen" in r["grund"] for r in plain)
