"""Migration 0020 (session 39, review 39 #1): ``clients.pin_since``, when a case's pin was
last set, changed or taken back. The plan page's pin forms compare it with the moment
their page read the pins, so every writer of a pin stamps it: a list (a pin set, moved
or dropped; not a list that leaves it as it was), an outcome's appointment and the
erasure of a case (the web's pin and „Aufheben“: tests/test_web_pin_stamps39.py). And
the migration down to 0019 and up again, on SQLite and PostgreSQL (pins stored before
have none)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from sqlalchemy import update

from hausbesuch.casework import Casework
from hausbesuch.store import CaseVisitRow, ClientRow, Store
from tests.test_local_holidays import _profile
from tests.test_store import (  # noqa: F401 - the fixtures, by name
    downgrade,
    head_revision,
    make_plan,
    pg_schema,
    reopen,
    store,
)

TODAY = date(2028, 8, 10)  # a Thursday


def _pins(s: Store, city: str) -> dict[str, tuple]:
    """{case id: (day, source, pin_since)}."""
    with s.session() as ses:
        return {r.client_id: (r.pin_day, r.pin_source, r.pin_since)
                for r in ses.query(ClientRow).filter_by(city=city)}


def _import(cw: Casework, path: Path, k1_day: str, note: str = "") -> None:
    path.write_text("Kundennummer;Name;Adresse;Datum;Notiz\n"
                    f"K-1;Probe, Paula;Marktplatz 1, 91207 Lauf;{k1_day};{note}\n"
                    "K-2;Muster, Max;Marktplatz 2, 91207 Lauf;;\n", encoding="utf-8")
    cw.import_clients(str(path))


def test_every_writer_of_a_pin_stamps_its_moment(tmp_path: Path, lauf_pbf: Path) -> None:
    profile = _profile(tmp_path, lauf_pbf, "[]")
    csv = tmp_path / "k.csv"
    with Store.open(tmp_path / "s.sqlite") as st:
        city = profile.name
        cw = Casework(st, profile, actor="cli:test", today=lambda: TODAY)
        _import(cw, csv, "14.08.2028")  # a new case with a list pin, one without
        pins = _pins(st, city)
        assert pins["K-1"][:2] == (date(2028, 8, 14), "liste") and pins["K-1"][2]
        assert pins["K-2"] == (None, None, None)
        first = pins["K-1"][2]
        _import(cw, csv, "14.08.2028", note="neu")  # the pin as it was: its moment too
        assert _pins(st, city)["K-1"] == pins["K-1"]
        _import(cw, csv, "16.08.2028")  # moved by the list
        moved = _pins(st, city)["K-1"]
        assert moved[:2] == (date(2028, 8, 16), "liste") and moved[2] > first
        _import(cw, csv, "")  # dropped by the list
        dropped = _pins(st, city)["K-1"]
        assert dropped[:2] == (None, None) and dropped[2] > moved[2]

        with st.session() as s:  # a visit of K-2 today (as a plan stores it)
            s.add(CaseVisitRow(visit_id="v-K-2", city=city, client_id="K-2", try_no=1,
                               team_id="team-1", day=TODAY, start_at=datetime(2028, 8, 10, 9),
                               end_at=datetime(2028, 8, 10, 9, 30), status="geplant",
                               created_at=datetime(2028, 8, 9), updated_at=datetime(2028, 8, 9)))
        cw.record_outcome("K-2", TODAY, "termin_vereinbart", time_min=545,
                          appointment=datetime(2028, 8, 16, 10, 0))
        agreed = _pins(st, city)["K-2"]
        assert agreed[:2] == (date(2028, 8, 16), "termin") and agreed[2] > dropped[2]
        # an Art. 15 disclosure names the pin's moment (review 39 #9)
        from hausbesuch.casework.disclosure import disclosure_text

        assert f"(festgelegt am {agreed[2]:%d.%m.%Y %H:%M})" in disclosure_text(st, city, "K-2")

        # erased: a pin whose day is over goes with the case's data, and its moment moves
        with st.session() as s:
            s.execute(update(ClientRow).where(ClientRow.city == city,
                                              ClientRow.client_id == "K-1")
                      .values(pin_day=date(2028, 8, 1), pin_source="web"))
        cw.set_status("K-1", "abgeschlossen", "Test")
        cw.purge(["K-1"])
        erased = _pins(st, city)["K-1"]
        assert erased[:2] == (None, None) and erased[2] > agreed[2]


def test_the_migration_adds_the_pin_moment_and_takes_it_away(
        store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> None:  # noqa: F811
    """Down to 0019 and up again: the column is there again, empty (pins from before are
    older than any page)."""
    clients = list(make_plan().clients)
    store.upsert_clients(clients, "bad-hersfeld")
    with store.session() as s:
        s.execute(update(ClientRow).values(pin_since=datetime(2026, 12, 7, 3, 0)))
    downgrade(store, "0019")
    store.close()
    again = reopen(store, request, tmp_path)  # opening upgrades to the head again
    try:
        assert again.current_revision() == head_revision() >= "0020"
        with again.session() as s:
            assert {r.pin_since for r in s.query(ClientRow)} == {None}
    finally:
        again.close()
