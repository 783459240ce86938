"""Migration 0021 (review 42 #7): ``web_users.must_change_why`` keeps why a new password is
asked for, so that the password page names the one reason that applies (the pages
themselves: tests/test_auth_audit.py). Down to 0020 and up again, on SQLite and
PostgreSQL: an account asked before keeps its demand, without a reason (NULL), and
``user list`` then names none."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, update

from hausbesuch.store import Store
from tests.test_store import (  # noqa: F401 - the fixtures, by name
    downgrade,
    head_revision,
    pg_schema,
    reopen,
    store,
)

PASSWORD = "Zitrone-Fahrrad-Wolke"


def test_the_reason_is_kept_and_the_migration_adds_it_and_takes_it_away(
        store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> None:  # noqa: F811
    from hausbesuch.web.auth import add_user, list_users, set_password
    from hausbesuch.web.models import WHY_TEMPORARY, UserRow

    add_user(store, "vera", PASSWORD, role="koordination", city="Bad Hersfeld",
             temporary=True)
    add_user(store, "otto", PASSWORD, role="koordination", city="Bad Hersfeld")
    listed = {a.name: (a.must_change, a.must_change_why)
              for a in list_users(store, actor="test")}
    assert listed == {"vera": (True, WHY_TEMPORARY), "otto": (False, None)}
    set_password(store, "vera", PASSWORD + "!", actor="test")  # the owner's own: no demand
    with store.session() as s:
        row = s.get(UserRow, "vera")
        assert (row.must_change_password, row.must_change_why) == (False, None)
        s.execute(update(UserRow).where(UserRow.name == "vera")
                  .values(must_change_password=True, must_change_why=WHY_TEMPORARY))
    downgrade(store, "0020")
    with store.engine.connect() as conn:
        columns = {c["name"] for c in inspect(conn).get_columns("web_users")}
    assert "must_change_password" in columns and "must_change_why" not in columns
    store.close()
    again = reopen(store, request, tmp_path)  # opening upgrades to the head again
    try:
        assert again.current_revision() == head_revision() >= "0021"
        listed = {a.name: (a.must_change, a.must_change_why)
                  for a in list_users(again, actor="test")}
        assert listed == {"vera": (True, None), "otto": (False, None)}
    finally:
        again.close()
