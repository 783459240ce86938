"""What a client list and an outcomes file say about dates, times and missing columns
(QA 20a): a clock time written into a ``Datum`` cell is the pin's (or the visit's) time,
not dropped (#2); ``status`` shows a pinned time (#5); a list without a column keeps the
stored values of its field (a list without ``Name`` emptied every stored name).
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.fields import FieldError, parse_date_time
from hausbesuch.store import CaseVisitRow, ClientRow, OutcomeRow, PlanRow, Store
from tests.cli_helpers import ClockedCli, city_db

CITY = "Bad Hersfeld"
TODAY = date(2026, 12, 4)
cli = ClockedCli(TODAY)
runner, invoke, ok = cli.runner, cli.invoke, cli.ok


_common = city_db


def _rows(db: str) -> dict[str, ClientRow]:
    with Store.open(db) as store, store.session() as s:
        rows = {r.client_id: r for r in s.scalars(select(ClientRow))}
        s.expunge_all()
        return rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    path.write_text("\n".join(";".join(r) for r in [header, *rows]) + "\n", encoding="utf-8")
    return path


def _address(n: int) -> list[str]:
    return ["Am Markt", str(n), "36251", "Bad Hersfeld"]


# --------------------------------------------------------------------------- the parser

@pytest.mark.parametrize(("text", "expected"), [
    ("07.01.2027 10:00", (date(2027, 1, 7), 600)),
    ("2026-12-08T14:00", (date(2026, 12, 8), 840)),
    ("2026-12-08 14:00:00.000", (date(2026, 12, 8), 840)),
    ("Di, 08.12.2026, 14.30 Uhr", (date(2026, 12, 8), 870)),
    ("08.12.2026 00:00", (date(2026, 12, 8), None)),
    ("08.12.2026 00:00:00", (date(2026, 12, 8), None)),
    ("08.12.2026", (date(2026, 12, 8), None)),
    ("7. Dezember 2026", (date(2026, 12, 7), None)),
])
def test_a_date_cell_gives_its_time(text, expected):
    assert parse_date_time(text, today=TODAY) == expected


def test_an_impossible_time_in_a_date_cell_is_refused():
    with pytest.raises(FieldError, match="ungültige Uhrzeit"):
        parse_date_time("08.12.2026 25:00", today=TODAY)


# --------------------------------------------------------------------------- list pins

PIN_HEADER = ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Team", "Datum", "Uhrzeit"]


def test_a_time_in_the_datum_cell_of_the_list_pins_the_time(tmp_path):
    db = str(tmp_path / "pins.sqlite")
    path = _write(tmp_path / "liste.csv", PIN_HEADER, [
        ["T-1", *_address(1), "", "07.01.2027 10:00", ""],
        ["T-2", *_address(2), "", "2026-12-08T14:00", ""],
        ["T-3", *_address(3), "", "08.12.2026 14:00", "10:00"],  # two times: refused
        ["T-4", *_address(4), "", "08.12.2026 00:00", ""],  # a date only
        ["T-5", *_address(5), "", "08.12.2026 14:00", "14:00"],  # the same time twice
    ])
    out = ok("import", str(path), *_common(db))
    assert "4 neu" in out and "1 abgelehnt" in out, out
    assert ("Zeile 4 (T-3), Uhrzeit: Datum enthält 14:00 Uhr, Uhrzeit sagt 10:00 Uhr"
            in out), out
    rows = _rows(db)
    assert {k: (r.pin_day, r.pin_time_min) for k, r in rows.items()} == {
        "T-1": (date(2027, 1, 7), 600), "T-2": (date(2026, 12, 8), 840),
        "T-4": (date(2026, 12, 8), None), "T-5": (date(2026, 12, 8), 840)}
    assert "festgelegt laut Liste: Do, 07.01.2027, 10:00 Uhr" in ok("status", "T-1", *_common(db))
    status = ok("status", "T-4", *_common(db))
    assert "festgelegt laut Liste: Di, 08.12.2026\n" in status, status


def test_an_excel_date_time_cell_pins_the_time(tmp_path):
    """A workbook without an Uhrzeit column: the date-time cell's time is the pin's."""
    db = str(tmp_path / "pins-xlsx.sqlite")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Datum"])
    ws.append(["X-1", "Am Markt", "1", "36251", "Bad Hersfeld", datetime(2026, 12, 8, 10, 0)])
    ws.append(["X-2", "Am Markt", "2", "36251", "Bad Hersfeld", datetime(2026, 12, 8, 0, 0)])
    wb.save(tmp_path / "liste.xlsx")
    out = ok("import", str(tmp_path / "liste.xlsx"), *_common(db))
    assert "2 neu" in out, out
    rows = _rows(db)
    assert (rows["X-1"].pin_day, rows["X-1"].pin_time_min) == (date(2026, 12, 8), 600)
    assert (rows["X-2"].pin_day, rows["X-2"].pin_time_min) == (date(2026, 12, 8), None)


def test_status_shows_the_pinned_time(tmp_path):
    db = str(tmp_path / "status.sqlite")
    path = _write(tmp_path / "liste.csv", PIN_HEADER, [
        ["S-1", *_address(1), "team-1", "08.12.2026", "10:00"],
        ["S-2", *_address(2), "team-1", "", ""],
    ])
    ok("import", str(path), *_common(db))
    assert ("festgelegt laut Liste: Team team-1, Di, 08.12.2026, 10:00 Uhr"
            in ok("status", "S-1", *_common(db)))
    status = ok("status", "S-2", *_common(db))
    assert "festgelegt laut Liste: Team team-1\n" in status, status


# --------------------------------------------------------------------------- outcomes

VISIT_DAY = date(2026, 12, 8)


def _seed_visits(db: str, ids: list[str], *, shifts: bool = True) -> None:
    """Cases with a visit planned at 09:00 on VISIT_DAY (a plan whose team-1 works
    08:00-16:00; without ``shifts`` a plan that does not name its teams' shifts)."""
    now = datetime(2026, 12, 1, 8, 0)
    start = datetime.combine(VISIT_DAY, datetime.min.time()) + timedelta(hours=9)
    teams = [{"id": "team-1", "shift_start_min": 480, "shift_end_min": 960}] if shifts else []
    with Store.open(db) as store, store.session() as s:
        s.add(PlanRow(id="plan-1", city=CITY, created_at=now, start=VISIT_DAY, days=1,
                      saved_at=now, params=json.dumps({"teams": teams})))
        for i, cid in enumerate(ids, 1):
            s.add(ClientRow(city=CITY, client_id=cid, input_row=i + 1, name=None,
                            address=f"Am Markt {i}, 36251 Bad Hersfeld", street="Am Markt",
                            housenumber=str(i), postcode="36251", town="Bad Hersfeld",
                            created_at=now, updated_at=now, status="offen", status_since=now,
                            status_reason="", last_listed_at=now))
            s.add(CaseVisitRow(visit_id=f"Bvisit{i:04d}", city=CITY, client_id=cid, try_no=1,
                               plan_id="plan-1", team_id="team-1", day=VISIT_DAY, start_at=start,
                               end_at=start + timedelta(minutes=30), status="geplant",
                               created_at=now, updated_at=now))


def _times(db: str) -> dict[str, int | None]:
    with Store.open(db) as store, store.session() as s:
        return {o.client_id: o.time_min for o in s.scalars(select(OutcomeRow))}


def test_a_time_in_the_datum_cell_of_outcomes_is_the_visits_time(tmp_path):
    db = str(tmp_path / "erg.sqlite")
    _seed_visits(db, ["E-1", "E-2", "E-3", "E-4", "X-1"])
    path = _write(tmp_path / "erg.csv", ["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"], [
        ["E-1", "08.12.2026 10:10", "", "nicht angetroffen"],
        ["E-2", "2026-12-08T10:20", "", "nicht angetroffen"],
        ["E-3", "08.12.2026 10:10", "10:30", "nicht angetroffen"],  # two times: refused
        ["E-4", "08.12.2026 00:00", "", "nicht angetroffen"],  # a date: the planned time
    ])
    later = CliRunner(env={clock.ENV: "2026-12-09"})
    res = later.invoke(app, ["outcomes", str(path), *_common(db)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "Zeile 4 (E-3), Uhrzeit: Datum enthält 10:10 Uhr, Uhrzeit sagt 10:30 Uhr" \
        in res.output, res.output
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Kundennummer", "Datum", "Ergebnis"])
    ws.append(["X-1", datetime(2026, 12, 8, 11, 5), "Nachricht hinterlassen"])
    wb.save(tmp_path / "erg.xlsx")
    res = later.invoke(app, ["outcomes", str(tmp_path / "erg.xlsx"), *_common(db)],
                       catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert _times(db) == {"E-1": 610, "E-2": 620, "E-4": 540, "X-1": 665}


def test_a_typed_time_of_a_visit_whose_plan_names_no_shift_is_checked_without_a_lock(
        tmp_path):
    """A plan that does not name its teams' shifts (older plans): a typed time is checked
    against the city's teams, read before the write session. Before, the teams were read
    in a second session inside it, which waited for the lock on SQLite and failed with
    „Datenbank … gesperrt“ (found while writing the test above)."""
    db = str(tmp_path / "ohne.sqlite")
    _seed_visits(db, ["O-1", "O-2"], shifts=False)
    path = _write(tmp_path / "erg.csv", ["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"], [
        ["O-1", "08.12.2026", "10:10", "nicht angetroffen"],
        ["O-2", "08.12.2026", "22:00", "nicht angetroffen"],  # outside the teams' hours
    ])
    later = CliRunner(env={clock.ENV: "2026-12-09"})
    res = later.invoke(app, ["outcomes", str(path), *_common(db)], catch_exceptions=False)
    assert res.exit_code == 0, res.output
    assert "gesperrt" not in res.output, res.output
    assert "Zeile 3 (O-2), Uhrzeit 22:00 Uhr liegt außerhalb der Arbeitszeit der " \
        "Teams" in res.output, res.output
    assert _times(db) == {"O-1": 610}


# --------------------------------------------------------------------------- absent columns

FULL = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Notiz", "Sprache",
        "Besuchsdauer"]


def test_a_list_without_a_column_keeps_the_stored_values(tmp_path):
    """A list without Name (Notiz, Sprache, Besuchsdauer) says nothing about them: the
    stored values stay, the import says so once; an empty cell still empties the value."""
    db = str(tmp_path / "spalten.sqlite")
    ok("import", str(_write(tmp_path / "voll.csv", FULL, [
        ["N-1", "Zwackel, Quirinella", *_address(1), "Hund", "Arabisch", "60"],
        ["N-2", "Bommel, Hartwig", *_address(2), "", "", ""],
    ])), *_common(db))
    before = _rows(db)
    out = ok("import", str(_write(tmp_path / "knapp.csv", ["Kundennummer", "Straße",
                                                           "Hausnummer", "PLZ", "Ort"], [
        ["N-1", *_address(1)], ["N-2", *_address(2)],
    ])), *_common(db))
    assert "0 aktualisiert, 2 unverändert" in out, out
    assert out.count("Die Liste hat keine Spalte") == 1, out
    assert ("Die Liste hat keine Spalten „Name“, „Sprache“, „Besuchsdauer“, „Notiz“: die "
            "gespeicherten Angaben bleiben unverändert (Name bei 2 Fällen, Sprache bei 1 "
            "Fall, Besuchsdauer bei 1 Fall, Notiz bei 1 Fall)") in out, out
    after = _rows(db)
    for cid in ("N-1", "N-2"):
        for col in ("name", "notiz", "sprache", "besuchsdauer_min"):
            assert getattr(after[cid], col) == getattr(before[cid], col), (cid, col)
    assert after["N-1"].name == "Zwackel, Quirinella" and after["N-1"].notiz == "Hund"
    with Store.open(db) as store:
        assert store.audit_rows(action="klient_geaendert") == []
    # a list that has the column: an empty cell empties the stored value, as before
    out = ok("import", str(_write(tmp_path / "leer.csv", ["Kundennummer", "Name", "Straße",
                                                          "Hausnummer", "PLZ", "Ort"], [
        ["N-1", "", *_address(1)], ["N-2", "Bommel, Hartwig", *_address(2)],
    ])), *_common(db))
    assert "keine Spalten „Sprache“, „Besuchsdauer“, „Notiz“" in out and "„Name“" not in out, out
    assert _rows(db)["N-1"].name is None
    with Store.open(db) as store:
        changed = [(r["client_id"], r["details"]) for r in
                   store.audit_rows(action="klient_geaendert")]
    assert changed == [("N-1", {"felder": ["name"]})], changed


def test_a_plan_of_a_list_without_a_column_keeps_the_stored_values(tmp_path, bad_hersfeld_pbf):
    """The library path (``plan_week`` + ``store_result``, :meth:`Store.upsert_clients`)
    stores a list as ``import`` does: a list without Name, Notiz or Sprache keeps the stored
    values of known cases and says so; an empty cell in a column it has empties the value.
    Before, it overwrote them all with empty values (a letter then had no name)."""
    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.planning import PlanOptions, plan_week, store_result
    from tests.planning_fixtures import START, real_addresses

    (s1, n1, p1, t1), (s2, n2, p2, t2) = real_addresses(load_index(bad_hersfeld_pbf))[:2]
    db = str(tmp_path / "bibliothek.sqlite")
    ok("import", str(_write(tmp_path / "voll.csv", ["Kundennummer", "Name", "Straße",
                                                    "Hausnummer", "PLZ", "Ort", "Notiz",
                                                    "Sprache"], [
        ["L-1", "Zwackel, Quirinella", s1, n1, p1, t1, "Hund", "Arabisch"],
        ["L-2", "Bommel, Hartwig", s2, n2, p2, t2, "Hinterhaus", ""],
    ])), *_common(db))
    before = _rows(db)
    profile = load_profile("bad-hersfeld")
    options = PlanOptions(start=START, days=1, time_limit=1, seed=3, threads=1)

    def plan(path: Path) -> list[str]:
        result = plan_week(path, profile=profile, osm=bad_hersfeld_pbf, options=options)
        store_result(result, profile, f"sqlite:///{db}")
        return result.warnings

    warnings = plan(_write(tmp_path / "knapp.csv", ["Kundennummer", "Straße", "Hausnummer",
                                                    "PLZ", "Ort"], [
        ["L-1", s1, n1, p1, t1], ["L-2", s2, n2, p2, t2],
    ]))
    after = _rows(db)
    for cid in ("L-1", "L-2"):
        for col in ("name", "notiz", "sprache"):
            assert getattr(after[cid], col) == getattr(before[cid], col), (cid, col)
    assert after["L-1"].name == "Zwackel, Quirinella" and after["L-2"].notiz == "Hinterhaus"
    assert ("Die Liste hat keine Spalten „Name“, „Sprache“, „Notiz“: die gespeicherten "
            "Angaben bleiben unverändert (Name bei 2 Fällen, Sprache bei 1 Fall, Notiz bei "
            "2 Fällen)") in " ".join(warnings), warnings
    with Store.open(db) as store:
        assert store.audit_rows(action="klient_geaendert") == []
    # a list with the column Notiz: its empty cell empties the stored note; Name stays
    warnings = plan(_write(tmp_path / "notiz.csv", ["Kundennummer", "Straße", "Hausnummer",
                                                    "PLZ", "Ort", "Notiz"], [
        ["L-1", s1, n1, p1, t1, ""], ["L-2", s2, n2, p2, t2, "Hinterhaus"],
    ]))
    after = _rows(db)
    assert after["L-1"].notiz is None and after["L-2"].notiz == "Hinterhaus"
    assert after["L-1"].name == "Zwackel, Quirinella" and after["L-1"].sprache == '["Arabisch"]'
    with Store.open(db) as store:
        changed = [(r["client_id"], r["details"]) for r in
                   store.audit_rows(action="klient_geaendert")]
    assert changed == [("L-1", {"felder": ["notiz"]})], changed
