"""The test PostgreSQL server: its URL, or a skip (a failure on CI)."""

from __future__ import annotations

import os

import pytest


def pg_url() -> str:
    """``HAUSBESUCH_TEST_PG_URL``: skip without it, fail without it on CI (``CI`` set), where
    the PostgreSQL tests must run (``scripts/test.sh`` starts a server on loopback and sets
    it)."""
    url = os.environ.get("HAUSBESUCH_TEST_PG_URL")
    if not url:
        if os.environ.get("CI"):
            pytest.fail("CI is set but HAUSBESUCH_TEST_PG_URL is missing: the PostgreSQL "
                        "tests must run in CI (scripts/test.sh starts the server)",
                        pytrace=False)
        pytest.skip("HAUSBESUCH_TEST_PG_URL not set (scripts/test.sh starts a PostgreSQL "
                    "server on loopback and sets it)")
    return url


def drop_schema(url: str, schema: str) -> None:
    """Drop a test's own PostgreSQL schema with everything in it."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        engine.dispose()


def store_url(kind: str, folder, name: str) -> tuple[str, str | None]:  # noqa: ANN001
    """The database of a test with both back ends: ``sqlite`` a file ``name``.sqlite in
    ``folder`` (no schema), ``postgresql`` the test server with a fresh schema ``t_<name>_…``
    (drop it with :func:`drop_schema`)."""
    import uuid

    if kind == "sqlite":
        return f"sqlite:///{folder / f'{name}.sqlite'}", None
    return pg_url(), f"t_{name}_{uuid.uuid4().hex[:12]}"


def schema_url(url: str, schema: str, request) -> str:  # noqa: ANN001
    """A PostgreSQL URL whose connections use a fresh schema of their own, dropped when
    the test (``request``) ends."""
    from sqlalchemy import create_engine, text

    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        c.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with eng.begin() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        eng.dispose()

    request.addfinalizer(drop)
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"
