"""Migration 0019 (session 39): ``clients.address_since``, when a list last changed a
case's address, on SQLite and PostgreSQL. The address form's stamp holds it (QA 38 F1,
stale38's notes: an import between the page's load and the fix was not seen); here the
store's own upsert of a plan's clients (``hausbesuch plan`` with a list), which writes
clients as an import does, and the migration down and up again (cases stored before
have none)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hausbesuch.store import ClientRow, Store
from tests.test_store import (  # noqa: F401 - the fixtures, by name
    downgrade,
    head_revision,
    make_plan,
    pg_schema,
    reopen,
    store,
)

CITY = "bad-hersfeld"


def _since(s: Store) -> dict[str, object]:
    with s.session() as ses:
        return {r.client_id: r.address_since for r in ses.query(ClientRow).filter_by(city=CITY)}


def test_a_list_changing_an_address_stamps_it_and_nothing_else_does(
        store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> None:  # noqa: F811
    """New cases and a list that changes a case's note have none; a list that changes a
    case's address stamps that case only. Down to 0018 and up again: none."""
    clients = list(make_plan().clients)
    store.upsert_clients(clients, CITY)
    assert set(_since(store).values()) == {None}
    moved, noted = clients[0].id, clients[1].id
    store.upsert_clients([replace(clients[0], address="Linggplatz 1, 36251 Bad Hersfeld"),
                          replace(clients[1], notiz="neu"), *clients[2:]], CITY)
    since = _since(store)
    at = since.pop(moved)
    assert at is not None
    assert since[noted] is None and set(since.values()) == {None}
    # the case's data as an Art. 15 disclosure lists it says so (review 39 #9)
    from hausbesuch.casework.disclosure import disclosure_text

    said = "Anschrift zuletzt durch eine Kundenliste geändert: "
    assert f"{said}{at:%d.%m.%Y %H:%M}" in disclosure_text(store, CITY, moved)
    assert said not in disclosure_text(store, CITY, noted)

    downgrade(store, "0018")
    store.close()
    again = reopen(store, request, tmp_path)  # opening upgrades to the head again
    try:
        assert again.current_revision() == head_revision()
        assert set(_since(again).values()) == {None}
    finally:
        again.close()
