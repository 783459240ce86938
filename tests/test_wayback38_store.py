"""Migration 0018 (session 38): each stored visit keeps its way back to the team's end
point (``visits.way_back_s``), on SQLite and PostgreSQL; visits stored before have none
and load as before (the check of an appointment then keeps the rule of the route's
times, :func:`hausbesuch.casework.wayback.way_back`)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from hausbesuch.casework.wayback import way_back
from hausbesuch.store import Store
from tests.test_store import (  # noqa: F401 - the fixtures, by name
    downgrade,
    head_revision,
    make_plan,
    pg_schema,
    reopen,
    store,
)


def _with_way_back(plan):  # noqa: ANN001, ANN202
    """``plan`` with a way back of 300 s, 360 s, … stored with its stops."""
    n = iter(range(300, 10_000, 60))
    return replace(plan, routes=[replace(r, stops=tuple(
        replace(s, way_back_s=next(n)) for s in r.stops)) for r in plan.routes])


def _stored_way_backs(s: Store, plan_id: str) -> list[int | None]:
    return [st.way_back_s for r in s.load_plan(plan_id).routes for st in r.stops]


def test_the_way_back_is_stored_with_each_stop_and_gone_before_0018(
        store: Store, request: pytest.FixtureRequest, tmp_path: Path) -> None:  # noqa: F811
    """Saved and read back with every stop (also in a plan's overview); after going back
    to 0017 and up again (a plan stored by the version before), the stops have none, the
    plan is otherwise the same, and the way back of a middle stop is what the route's
    times tell, not the stored value."""
    plan = _with_way_back(make_plan())
    store.save_plan(plan)
    expected = [st.way_back_s for r in plan.routes for st in r.stops]
    assert expected and None not in expected
    assert _stored_way_backs(store, plan.id) == expected
    overview = store.load_plan(plan.id, overview=True)
    assert [st.way_back_s for r in overview.routes for st in r.stops] == expected
    route = next(r for r in plan.routes if len(r.stops) >= 2)
    first = route.stops[0]
    got = way_back(store.load_plan(plan.id).routes[plan.routes.index(route)], first.client_id)
    assert (got.seconds, got.exact) == (first.way_back_s, True)

    downgrade(store, "0017")
    store.close()
    again = reopen(store, request, tmp_path)  # opening upgrades to the head again
    try:
        assert again.current_revision() == head_revision()
        assert _stored_way_backs(again, plan.id) == [None] * len(expected)
        assert again.load_plan(plan.id) == make_plan()  # (the way back takes no part)
        old = again.load_plan(plan.id).routes[plan.routes.index(route)]
        # (by car the first of several stops: the route's times tell nothing)
        assert way_back(replace(old, mode="drive"), first.client_id) is None
    finally:
        again.close()
