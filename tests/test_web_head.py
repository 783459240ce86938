"""HEAD requests: the login page answers as GET without a body; a data page answers 405
and does nothing a GET does (no „angezeigt“ audit row, no message shown once taken, the
session not marked active). Real app on loopback, real SQLite."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select, update

from tests.web_fixtures import bare_app, live_server, login

CITY = "Bad Hersfeld"


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    app = bare_app(tmp_path_factory.mktemp("web-head"))
    with live_server(app) as live:
        yield live.url, app


def _last_seen(store, back: timedelta | None = None):  # noqa: ANN001, ANN202
    """The ``last_seen`` of kora's session (first set ``back`` into the past)."""
    from hausbesuch import clock
    from hausbesuch.web.models import SessionRow

    with store.session() as s:
        if back is not None:
            s.execute(update(SessionRow).where(SessionRow.user_name == "kora")
                      .values(last_seen=clock.utc() - back))
        return s.scalar(select(SessionRow.last_seen).where(SessionRow.user_name == "kora"))


def test_head_on_the_login_page_is_get_without_a_body(bare) -> None:  # noqa: ANN001
    url, app = bare
    store = app.state.web.store
    before = len(store.audit_rows())
    with httpx.Client(base_url=url, follow_redirects=False) as c:
        got = c.get("/anmelden")
        head = c.head("/anmelden")
        assert head.status_code == 200, head.status_code
        assert head.content == b""
        assert head.headers["content-type"] == got.headers["content-type"]
        assert head.headers["content-length"] == got.headers["content-length"]
        for name in ("content-security-policy", "x-frame-options", "cache-control"):
            assert head.headers[name] == got.headers[name], name
        # logged in: the login page sends on to the plans, and the session stays as idle
        # as it was (a HEAD is no activity)
        assert login(c, "kora").status_code == 303
        idle = _last_seen(store, timedelta(minutes=5))
        head = c.head("/anmelden")
        assert (head.status_code, head.headers["location"]) == (303, "/plaene")
        assert _last_seen(store) == idle
        assert c.get("/anmelden").status_code == 303
        assert _last_seen(store) > idle  # a GET is activity (the test can fail)
    assert [r["action"] for r in store.audit_rows()[before:]] == ["anmeldung"]


def test_head_on_a_data_page_audits_nothing_and_takes_no_message(bare) -> None:  # noqa: ANN001
    """The address page: a GET writes „adressen_angezeigt“ and takes the confirmation of a
    saved fix (shown once); a HEAD is refused (405, ``Allow: GET``) before any of it, and
    the session's idle time is not reset either."""
    from hausbesuch.web.pages_clients import SAVED_FIX_SECONDS
    from hausbesuch.web.security import shown_once, token_hash

    url, app = bare
    store = app.state.web.store
    with httpx.Client(base_url=url, follow_redirects=False) as c:
        assert login(c, "kora").status_code == 303
        session = token_hash(c.cookies["hb_session"])

        fixes = shown_once(app.state.web.extra, "saved_fixes", SAVED_FIX_SECONDS)
        page = f"/adressen?stadt={CITY}&gespeichert="
        before = len(store.audit_rows())
        idle = _last_seen(store, timedelta(minutes=5))
        key = fixes.put(session, CITY, ("K-1", "adresse"))
        head = c.head(page + key)
        assert head.status_code == 405 and head.content == b"", head.status_code
        assert head.headers["allow"] == "GET"
        assert store.audit_rows()[before:] == []
        assert _last_seen(store) == idle
        assert fixes.take(key, session, CITY) == ("K-1", "adresse")  # still waiting
        # a GET does both (so this test can fail): audited, and the message taken
        key = fixes.put(session, CITY, ("K-1", "adresse"))
        assert c.get(page + key).status_code == 200
        assert [r["action"] for r in store.audit_rows()[before:]] == ["adressen_angezeigt"]
        assert fixes.take(key, session, CITY) is None


def test_only_the_declared_pages_answer_head(bare) -> None:  # noqa: ANN001
    """A page that answers HEAD must be one whose GET has no side effect
    (``HEAD_PAGES``): a new route cannot add HEAD unnoticed."""
    from hausbesuch.web.pages_login import HEAD_PAGES

    _, app = bare
    routes = []
    for route in app.routes:  # included routers may be wrapped (newer FastAPI)
        inner = getattr(route, "original_router", None)
        routes += list(inner.routes) if inner is not None else [route]
    methods = [(r.path, getattr(r, "methods", None) or set()) for r in routes]
    assert sum("GET" in m for _, m in methods) >= 15, methods
    heads = sorted(path for path, m in methods if "HEAD" in m)
    assert heads == sorted(HEAD_PAGES), heads
