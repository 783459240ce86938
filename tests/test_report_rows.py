"""report.csv rows of a plan: one per client, the last visit of a client visited twice,
the visit still to do before one called off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

from hausbesuch.fields import format_moment
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
    assert (f"weiterer Besuch im Plan: {format_moment(first.start)} "
            f"(Team {r2.team_id})") in row["grund"]
    # a client visited once names no other visit
    other = next(r for r in report_rows(twice) if r["id"] == r1.stops[0].client_id)
    assert "weiterer Besuch" not in other["grund"]


def test_an_address_found_with_a_note_says_so_in_the_report() -> None:
    """An exact result with a note is planned; report.csv says to check it when the
    geocoder is in doubt (a street name only similar, a town that does not fit), as the
    addresses list does, and shows a note it is sure of (a plain typo) as information
    only, as the addresses list does not list it (QA 22 F3: it said „bitte prüfen“ for
    any note)."""
    plan = sample_plan()
    stops = [s for r in plan.routes for s in r.stops]
    from hausbesuch.plandata import Geocode

    geocodes = [Geocode(s.client_id, 9.7, 50.87, "exact", 1.0, "Hüttenweg 6", "", "Mitte",
                        doubt=False) for s in stops]
    geocodes[0] = replace(geocodes[0], score=0.85, doubt=True, reason="Straßenart weicht ab: "
                          "„Hüttenstraße“ ≈ „Hüttenweg“.")
    geocodes[1] = replace(geocodes[1], score=0.96, reason="Straßenname unscharf erkannt: "
                          "„Hütenweg“ ≈ „Hüttenweg“.")
    rows = {r["id"]: r for r in report_rows(replace(plan, geocodes=geocodes))
            if r["status"] == "geplant"}
    assert rows[stops[0].client_id]["grund"].startswith("Adresse gefunden, bitte prüfen: "
                                                        "Straßenart weicht ab")
    assert rows[stops[1].client_id]["grund"].startswith("Adresse gefunden: Straßenname "
                                                        "unscharf erkannt")
    plain = [r for r in rows.values() if r["id"] != stops[0].client_id]
    assert plain and not any("bitte prüfen" in r["grund"] for r in plain)


def _later(stop, hours: int, **changes):  # noqa: ANN001, ANN202
    """``stop`` ``hours`` later the same day."""
    d = timedelta(hours=hours)
    return replace(stop, start=stop.start + d, arrival=stop.arrival + d, end=stop.end + d,
                   **changes)


def test_called_off_visits_in_the_report_and_the_workbook(tmp_path: Path) -> None:
    """Review 13 #2: the row showed a client's latest visit even when it was called off
    (as „geplant“, the visit to do only named as „weiterer Besuch“), and a client whose
    every visit was off stayed „geplant“ in report.csv while the workbook's „Bericht“ said
    „entfallen“. The row shows the visit still to do and names the called-off one as
    such; a client with no visit left is „entfallen“; the workbook's „Bericht“ says the
    same as report.csv."""
    from openpyxl import load_workbook

    from hausbesuch.exports import write_xlsx

    plan = sample_plan()
    r1, r2, _ = plan.routes
    live = r1.stops[0]
    off_later = _later(live, 5, position=len(r1.stops) + 1, called_off=True,
                       called_off_since=date(2026, 12, 4))
    gone = r2.stops[0]
    routes = [replace(r1, stops=(*r1.stops, off_later)),
              replace(r2, stops=(replace(gone, called_off=True), *r2.stops[1:])),
              *plan.routes[2:]]
    plan = replace(plan, routes=routes)
    rows = report_rows(plan)
    row = next(r for r in rows if r["id"] == live.client_id and r["status"] != "abgelehnt")
    assert (row["status"], row["position"], row["beginn"]) == (
        "geplant", str(live.position), live.start.strftime("%H:%M"))
    assert (f"weiterer Besuch im Plan: {format_moment(off_later.start)} "
            f"(Team {r1.team_id}, entfällt seit Fr, 04.12.2026)") in row["grund"]
    row = next(r for r in rows if r["id"] == gone.client_id and r["status"] != "abgelehnt")
    assert (row["status"], row["team"], row["datum"]) == (
        "entfallen", r2.team_id, r2.day.isoformat())
    assert row["grund"].startswith("entfällt")
    # one other client, visited once and not called off, stays "geplant"
    assert next(r for r in rows if r["id"] == r2.stops[1].client_id)["status"] == "geplant"

    out = write_xlsx(plan, tmp_path / "plan.xlsx")
    sheet = load_workbook(out)["Bericht"]
    why = [c.value for c in sheet[1]].index("Grund")
    bericht = [(r[1] or "", r[2], r[why] or "")
               for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert bericht == [(r["id"], r["status"], r["grund"]) for r in rows]


def test_an_appointment_a_replan_cannot_place_is_the_clients_row() -> None:
    """QA 15a F1: a re-plan holds the visit made (where an appointment was agreed) and
    lists the appointment as not plannable; report.csv showed only the visit made
    („geplant“, no reason), so the coordinator working from it never learnt of the
    appointment. The row is the visit still to do, „nicht eingeplant“ with its reason,
    and names the visit in the plan; the summary counts it."""
    from hausbesuch.plandata import UnassignedVisit
    from hausbesuch.planning.report import STATUS_UNASSIGNED

    plan = sample_plan()
    r1 = plan.routes[0]
    made = r1.stops[0]
    reason = ("Vereinbarter Termin am 05.01.2027, 10:00 Uhr nicht einplanbar: Im erlaubten "
              "Zeitraum (Di 05.01.2027) hat kein Team eine Schicht.")
    with_appointment = replace(plan, unassigned=[
        *plan.unassigned, UnassignedVisit(
            client_id=made.client_id, code="keine_schicht", reason=reason, lon=made.lon,
            lat=made.lat, address=made.address, district=made.district)])
    rows = [r for r in report_rows(with_appointment) if r["id"] == made.client_id
            and r["status"] != "abgelehnt"]  # (the sample also rejects a second row of it)
    assert len(rows) == 1
    row = rows[0]
    assert row["status"] == STATUS_UNASSIGNED and row["datum"] == "", row
    # (one full stop at the end: „….; weiterer …“ before, review 31)
    assert row["grund"] == (f"{reason.removesuffix('.')}; weiterer Besuch im Plan: "
                            f"{format_moment(made.start)} (Team {r1.team_id})"), row
    # its address notes stay with it (review 15 L5)
    from hausbesuch.plandata import Geocode

    rough = replace(with_appointment, geocodes=[
        Geocode(made.client_id, made.lon, made.lat, "street", 0.7, "Hüttenweg", "Hausnummer "
                "nicht gefunden", made.district)])
    row = next(r for r in report_rows(rough, snap_far={made.client_id: 140.0})
               if r["id"] == made.client_id and r["status"] == STATUS_UNASSIGNED)
    assert row["grund"].startswith(f"{reason.removesuffix('.')}; Adresse nur ") \
        and "140 m vom" in row["grund"]
    assert ".;" not in row["grund"], row
    unplanned = sum(r["status"] == STATUS_UNASSIGNED for r in report_rows(with_appointment))
    assert unplanned == sum(r["status"] == STATUS_UNASSIGNED for r in report_rows(plan)) + 1


def test_a_visit_kept_by_a_replan_at_its_recorded_time_is_not_said_agreed():
    """Review 20 #3: a re-plan keeps a visit before its moment at the time its outcome was
    recorded, which may lie outside the client's windows; nothing was agreed there, so no
    „festgelegte Zeit“ note (report row, plan notes). After the moment, a visit outside the
    windows is an agreed time, and it is said."""
    from hausbesuch.fields import parse_time_windows
    from hausbesuch.plandata import Client, PlannedStop
    from hausbesuch.planning.report import outside_window, plan_notes, replan_moment

    start = datetime(2026, 12, 8, 10, 5)  # a Tuesday
    stop = PlannedStop(client_id="W-1", position=1, arrival=start, start=start,
                       end=start + timedelta(minutes=45), lon=9.7, lat=50.87,
                       address="Am Markt 1, 36251 Bad Hersfeld", district="Innenstadt",
                       window_text="Di 14-16")
    client = Client(row=2, id="W-1", address=stop.address,
                    zeitfenster=parse_time_windows("Di 14-16"))
    said = "festgelegte Zeit 10:05 Uhr liegt außerhalb des Zeitfensters „Di 14-16“"
    assert outside_window(client, stop) == said
    assert outside_window(client, stop, datetime(2026, 12, 8, 11, 30)) == ""  # kept, recorded
    assert outside_window(client, stop, datetime(2026, 12, 8, 9, 0)) == said  # planned anew
    plan = sample_plan()
    r = plan.routes[0]
    s0 = replace(r.stops[0], client_id="W-1", start=start, end=stop.end, window_text="Di 14-16")
    plan = replace(plan, clients=[*plan.clients, client],
                   routes=[replace(r, stops=(s0, *r.stops)), *plan.routes[1:]])
    assert any(said in n for n in plan_notes(plan))
    replanned = replace(plan, params={**(plan.params or {}), "replan_from": "2026-12-08T11:30"},
                        created_at=datetime(2026, 12, 8, 11, 35))
    assert replan_moment(replanned) == datetime(2026, 12, 8, 11, 30)
    assert not any(said in n for n in plan_notes(replanned))
    # a re-plan made on Friday from a moment ahead: the Tuesday visit is still to come
    # (review 20b #3)
    ahead = replace(replanned, created_at=datetime(2026, 12, 4, 16, 0))
    assert replan_moment(ahead) == datetime(2026, 12, 4, 16, 0)
    assert any(said in n for n in plan_notes(ahead))
    rows = {x["id"]: x for x in report_rows(replanned)}
    assert "festgelegte Zeit" not in rows["W-1"]["grund"]
    assert "festgelegte Zeit" in {x["id"]: x for x in report_rows(plan)}["W-1"]["grund"]
    # an appointment agreed at the door is said as one (QA 31b)
    agreed = replace(stop, window_text="Termin vereinbart: 10:05 Uhr")
    assert outside_window(client, agreed) == (
        "vereinbarter Termin 10:05 Uhr liegt außerhalb des Zeitfensters „Di 14-16“")


def test_a_visit_made_is_no_further_visit_in_the_report() -> None:
    """QA 31: a failed try (a stop with its outcome recorded, as ``show``, a re-plan's
    files and ``export`` mark it) was named „weiterer Besuch im Plan“ beside the revisit,
    and in the row of a revisit the plan could not hold, which claimed a further visit
    where there was none. It is named as made, as the pages say it; a visit still to do
    stays „weiterer Besuch im Plan“ with its day, weekday and time."""
    from hausbesuch.fields import format_day
    from hausbesuch.plandata import UnassignedVisit
    from hausbesuch.planning.report import STATUS_UNASSIGNED

    plan = sample_plan()
    r1, r2, r3 = plan.routes
    tried = replace(r2.stops[0], done="erledigt 08:10 Uhr: Nicht angetroffen")
    made = (f"Besuch im Plan am {format_day(r2.day)} (Team {r2.team_id}): erledigt 08:10 Uhr: "
            "Nicht angetroffen")
    again = replace(tried, done="", position=1,
                    **{k: datetime.combine(r3.day, getattr(tried, k).time())
                       + timedelta(hours=3) for k in ("arrival", "start", "end")})
    # the revisit planned: its row names the try as made, not as a further visit
    planned = replace(plan, routes=[r1, replace(r2, stops=(tried, *r2.stops[1:])),
                                    replace(r3, stops=(again,))])
    row = next(r for r in report_rows(planned) if r["id"] == tried.client_id)
    assert (row["status"], row["datum"]) == ("geplant", r3.day.isoformat()), row
    assert row["grund"] == made, row
    # the revisit not plannable: no further visit claimed
    revisit = UnassignedVisit(
        client_id=tried.client_id, code="revisit_after_span", reason=(
            "Wiederholungsbesuch frühestens Mo, 14.12.2026 – nach diesem Plan (bis Fr, "
            "11.12.2026); kommt in den nächsten Plan."), lon=tried.lon, lat=tried.lat,
        address=tried.address, district=tried.district)
    alone = replace(plan, routes=[r1, replace(r2, stops=(tried, *r2.stops[1:])), r3],
                    unassigned=[*plan.unassigned, revisit])
    row = next(r for r in report_rows(alone) if r["id"] == tried.client_id)
    assert row["status"] == STATUS_UNASSIGNED, row
    assert row["grund"] == ("Wiederholungsbesuch frühestens Mo, 14.12.2026 – nach diesem "
                            f"Plan (bis Fr, 11.12.2026); kommt in den nächsten Plan; {made}")
    assert "weiterer Besuch" not in row["grund"]
    # a visit still to do beside it (an appointment the re-plan could not place, agreed
    # at a visit that the plan holds later): that one is the further visit
    both = replace(alone, routes=[r1, replace(r2, stops=(tried, *r2.stops[1:])),
                                  replace(r3, stops=(again,))])
    row = next(r for r in report_rows(both) if r["id"] == tried.client_id)
    assert row["grund"].endswith(f"; {made}; weiterer Besuch im Plan: "
                                 f"{format_moment(again.start)} (Team {r3.team_id})"), row
