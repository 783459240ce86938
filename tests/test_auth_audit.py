"""Authentication decisions in the audit log, and the audit rows without a city.

Against a real server (uvicorn on loopback) over SQLite and PostgreSQL: a failed login (wrong
password or unknown name), a login, a logout, a lockout and a session ended by its idle or
absolute limit each leave exactly one audit row with the right action, actor and city, and
never the password; the page says the same for a wrong password and an unknown name. The
per-address login limit is clearly higher than the per-account one, so that one person
cannot lock out an office behind one address; failures for an account from one address
lock that address out of it only, failures from all addresses together lock it for all. ``hausbesuch user disable`` stores the
account's city, and the administrator sees account changes and logins of accounts without a
city in the Protokoll ("ohne Stadt").
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from hausbesuch import clock
from tests.pg import drop_schema, store_url
from tests.web_fixtures import CITY_PROFILE, PASSWORD, csrf_of, live_server, login, sqlite_only

CITY = "Bad Hersfeld"
WRONG = "Falsches-Geheimwort-4711"  # must never appear in the log
REFUSED = "Benutzername oder Passwort falsch."
AUTH = ("anmeldung", "anmeldung_fehlgeschlagen", "anmeldung_gesperrt", "abmeldung",
        "sitzung_abgelaufen", "passwortwechsel_verlangt", "sitzungen_beendet")


@dataclass
class Server:
    kind: str
    url: str
    app: Any
    store: Any
    db_cli: str  # the database URL as the command line takes it


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def server(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """Accounts of two cities and an administrator; the app (default limits) on loopback.

    On both stores (failed logins, lockouts, sessions and audit rows are stored); the
    few tests that touch no stored state run on SQLite only
    (:func:`tests.web_fixtures.sqlite_only`)."""
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    db, schema = store_url(request.param, tmp_path_factory.mktemp("auth-audit"), "auth")
    app = create_app(db, schema=schema, cities=[CITY_PROFILE, "lauf"], run_jobs=False)
    store = app.state.web.store
    for name in ("kora", "kurt", "karl", "kim"):
        add_user(store, name, PASSWORD, role="koordination", city=CITY)
    add_user(store, "lena", PASSWORD, role="koordination", city="Lauf a.d. Pegnitz")
    add_user(store, "ada", PASSWORD, role="admin", city=None)
    try:
        with live_server(app) as live:
            db_cli = db if schema is None else f"{db}?options=-csearch_path%3D{schema}"
            yield Server(request.param, live.url, app, store, db_cli)
    finally:
        if schema is not None:
            drop_schema(db, schema)


@pytest.fixture(autouse=True)
def _fresh_limits(server: Server) -> Iterator[None]:
    """Every test starts and ends without counted failures (no lockout carried over)."""
    from hausbesuch.web.auth import _LOCKED
    from hausbesuch.web.models import LoginAttemptRow

    def clear() -> None:
        with server.store.session() as s:
            s.execute(LoginAttemptRow.__table__.delete())
        _LOCKED.clear()

    clear()
    yield
    clear()


def _client(server: Server) -> httpx.Client:
    return httpx.Client(base_url=server.url, follow_redirects=False, timeout=60)


def _auth_rows(server: Server) -> list[dict[str, Any]]:
    return [r for r in server.store.audit_rows() if r["action"] in AUTH]


def _new_rows(server: Server, before: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen = {r["id"] for r in before}
    return [r for r in _auth_rows(server) if r["id"] not in seen]


def _no_password(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        dumped = json.dumps(r, default=str)
        assert WRONG not in dumped and PASSWORD not in dumped, r


@sqlite_only("server")
def test_every_auth_action_has_a_german_label() -> None:
    from hausbesuch.auditlog import ACTION_LABELS
    from hausbesuch.web.auth import AUTH_ACTIONS

    assert set(AUTH_ACTIONS) == set(AUTH)
    for code in AUTH:
        assert ACTION_LABELS[code] != code


def test_failed_login_wrong_password_and_unknown_name(server: Server) -> None:
    from hausbesuch.web.auth import UNKNOWN_ACTOR

    with _client(server) as c:
        before = _auth_rows(server)
        wrong = login(c, "kora", WRONG)
        rows = _new_rows(server, before)
        assert wrong.status_code == 401 and REFUSED in wrong.text
        assert len(rows) == 1
        row = rows[0]
        assert (row["action"], row["actor"], row["city"]) == (
            "anmeldung_fehlgeschlagen", "kora", CITY)
        assert row["details"] == {"ip": "127.0.0.1", "grund": "passwort_falsch"}
        assert row["client_id"] is None and row["plan_id"] is None

        before = _auth_rows(server)
        unknown = login(c, "niemand-da", WRONG)
        rows = _new_rows(server, before)
        # the same answer as for a known name: the page tells no account apart
        assert unknown.status_code == 401 and REFUSED in unknown.text
        assert len(rows) == 1
        row = rows[0]
        assert (row["action"], row["actor"], row["city"]) == (
            "anmeldung_fehlgeschlagen", UNKNOWN_ACTOR, None)
        # the typed name is not kept: it may be a password typed into the wrong field
        assert row["details"] == {"ip": "127.0.0.1", "grund": "konto_unbekannt"}
        assert "niemand-da" not in json.dumps(rows, default=str)
    _no_password(_auth_rows(server))


@sqlite_only("server")  # logins on both: test_failed_login_wrong_password_and_unknown_name
def test_the_shipped_password_hash_cost_holds_and_logs_in(server: Server,
                                                          quick_password_hashing: Any
                                                          ) -> None:
    """The shipped hasher is argon2id at OWASP's minimum cost or more (19 MiB, 2 passes;
    ASVS V2.4), and an account whose hash has that cost logs in with its password and
    not with another. (The test process makes new hashes at the lowest cost,
    ``conftest.quick_password_hashing``; a hash carries its own parameters, so this login
    verifies at the shipped cost.)"""
    from argon2 import Type, extract_parameters

    from hausbesuch.web.auth import add_user
    from hausbesuch.web.models import UserRow

    shipped = quick_password_hashing
    assert shipped.type is Type.ID
    assert shipped.memory_cost >= 19 * 1024 and shipped.time_cost >= 2
    name = f"kosten{server.kind}"
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    stored = shipped.hash(PASSWORD)
    with server.store.session() as s:
        s.execute(update(UserRow).where(UserRow.name == name).values(password_hash=stored))
    params = extract_parameters(stored)
    assert (params.memory_cost, params.time_cost) == (shipped.memory_cost, shipped.time_cost)
    with _client(server) as c:
        assert login(c, name, WRONG).status_code == 401
    with _client(server) as c:
        assert login(c, name).status_code == 303


def test_login_and_logout_leave_one_row_each(server: Server) -> None:
    with _client(server) as c:
        before = _auth_rows(server)
        assert login(c, "kurt").status_code == 303
        rows = _new_rows(server, before)
        assert [(r["action"], r["actor"], r["city"]) for r in rows] == [
            ("anmeldung", "kurt", CITY)]
        assert rows[0]["details"] == {"ip": "127.0.0.1"}

        csrf = csrf_of(c.get("/plaene").text)  # pages do not log authentication
        before = _auth_rows(server)
        assert c.post("/abmelden", data={"csrf_token": csrf}).status_code == 303
        rows = _new_rows(server, before)
        assert [(r["action"], r["actor"], r["city"]) for r in rows] == [
            ("abmeldung", "kurt", CITY)]

    with _client(server) as c:  # an administrator has no city
        before = _auth_rows(server)
        assert login(c, "ada").status_code == 303
        rows = _new_rows(server, before)
        assert [(r["action"], r["actor"], r["city"]) for r in rows] == [
            ("anmeldung", "ada", None)]
    _no_password(_auth_rows(server))


def test_lockout_is_audited_and_hammering_does_not_grow_the_log(server: Server) -> None:
    limits = server.app.state.web.limits
    with _client(server) as c:
        before = _auth_rows(server)
        for _ in range(limits.max_failures):
            assert login(c, "karl", WRONG).status_code == 401
        failed = _new_rows(server, before)
        assert [(r["action"], r["actor"], r["city"]) for r in failed] == [
            ("anmeldung_fehlgeschlagen", "karl", CITY)] * limits.max_failures

        before = _auth_rows(server)
        locked = login(c, "karl", PASSWORD)  # refused before the password is looked at
        assert locked.status_code == 429 and "Zu viele" in locked.text
        # when to try again, for a client that reads the header (QA 20b)
        assert locked.headers["Retry-After"] == str(limits.window_minutes * 60)
        assert "hb_session" not in c.cookies
        rows = _new_rows(server, before)
        assert len(rows) == 1
        assert (rows[0]["action"], rows[0]["actor"], rows[0]["city"]) == (
            "anmeldung_gesperrt", "karl", CITY)
        assert rows[0]["details"] == {"ip": "127.0.0.1", "grund": "fehlversuche_konto_adresse"}

        # a script hammering the locked login: refused every time, one row per minute
        before = _auth_rows(server)
        for _ in range(20):
            assert login(c, "karl", WRONG).status_code == 429
        assert _new_rows(server, before) == []
    _no_password(_auth_rows(server))


def test_parallel_tries_get_no_more_password_checks_than_the_limit(server: Server) -> None:
    """Thirty wrong passwords at once for one account: at most the limit are checked (401),
    the rest are refused at the limit (429); the counting table keeps no typed name."""
    from concurrent.futures import ThreadPoolExecutor

    from hausbesuch.web.models import LoginAttemptRow

    limits = server.app.state.web.limits
    before = _auth_rows(server)

    def attempt(_: int) -> int:
        with _client(server) as c:
            return login(c, "karl", WRONG).status_code

    with ThreadPoolExecutor(max_workers=30) as pool:
        codes = list(pool.map(attempt, range(30)))
    assert set(codes) <= {401, 429}, codes
    assert 1 <= codes.count(401) <= limits.max_failures, codes
    failed = [r for r in _new_rows(server, before) if r["action"] == "anmeldung_fehlgeschlagen"]
    assert len(failed) == codes.count(401)
    with server.store.session() as s:
        names = set(s.scalars(select(LoginAttemptRow.user_name)))
    assert names and "karl" not in names and all(len(n) == 64 for n in names)


def test_locked_tries_held_back_are_counted_in_the_next_row() -> None:
    from hausbesuch.web.auth import LOCKED_AUDIT_EVERY
    from hausbesuch.web.security import OncePer

    now = [1000.0]
    every = LOCKED_AUDIT_EVERY.total_seconds()
    tries = OncePer(LOCKED_AUDIT_EVERY, clock=lambda: now[0])
    key, other = ("karl", "10.0.0.1"), ("karl", "10.0.0.2")
    assert tries.take(key) == 0  # the first locked try is audited
    for _ in range(5):
        now[0] += 1
        assert tries.take(key) is None
    now[0] += 1
    assert tries.take(other) == 0  # another address
    now[0] = 1000.0 + every
    assert tries.take(key) == 5  # the next row names the five held back
    now[0] += 1
    assert tries.take(key) is None
    # a sweep between held-back tries and the next row keeps their count
    for _ in range(3):
        now[0] += 1
        assert tries.take(key) is None
    now[0] += every + 2
    assert tries.take(("a", "b")) == 0  # (sweeps: other's old row, nothing held back)
    assert tries.take(key) == 4 and other not in tries._seen
    # keys not seen for the interval and holding back nothing are swept away
    now[0] += 2 * every + 1
    assert tries.take(("x", "y")) == 0
    assert set(tries._seen) == {("x", "y")}


@sqlite_only("server")
def test_throttles_keep_bounded_memory() -> None:
    from hausbesuch.web.security import OncePer

    now = [0.0]
    seen = OncePer(timedelta(hours=1), limit=100, clock=lambda: now[0])
    for i in range(1000):
        now[0] += 0.01
        assert seen.take(i) == 0
        assert len(seen._seen) <= 100
    assert 999 in seen._seen


def test_one_person_cannot_lock_out_the_office(server: Server) -> None:
    """Many people share one address (a Jobcenter behind NAT): ten failures of one of them,
    and a few on other names, do not refuse a colleague's correct login; the address is
    locked only at its own, clearly higher limit."""
    from hausbesuch.web.auth import UNKNOWN_ACTOR
    from hausbesuch.web.models import LoginAttemptRow

    limits = server.app.state.web.limits
    assert limits.max_failures_per_address >= 3 * limits.max_failures
    with _client(server) as c:
        for _ in range(limits.max_failures):
            assert login(c, "kim", WRONG).status_code == 401
        for i in range(5):
            assert login(c, f"vertippt-{i}", WRONG).status_code == 401
        assert login(c, "kim", PASSWORD).status_code == 429  # her own account waits
    with _client(server) as c:
        assert login(c, "kora").status_code == 303  # the colleague is not locked out

    # up to the address limit (counted failures from 127.0.0.1 on other names)
    counted = limits.max_failures + 5
    with server.store.session() as s:
        now = clock.utc()
        for i in range(limits.max_failures_per_address - counted):
            s.add(LoginAttemptRow(at=now, user_name=f"sprueh-{i}", address="127.0.0.1"))
    with _client(server) as c:
        before = _auth_rows(server)
        r = login(c, "lena", PASSWORD)
        assert r.status_code == 429 and "Zu viele" in r.text
        rows = _new_rows(server, before)
        assert [(x["action"], x["actor"], x["city"], x["details"]["grund"]) for x in rows] == [
            ("anmeldung_gesperrt", "lena", "Lauf a.d. Pegnitz", "fehlversuche_adresse")]
        before = _auth_rows(server)
        assert login(c, "keiner", PASSWORD).status_code == 429
        rows = _new_rows(server, before)
        assert [(x["action"], x["actor"], x["city"], x["details"]) for x in rows] == [
            ("anmeldung_gesperrt", UNKNOWN_ACTOR, None,
             {"ip": "127.0.0.1", "grund": "fehlversuche_adresse"})]


def _attempt(server, name: str, password: str, address: str, limits) -> str:  # noqa: ANN001
    """A login of ``name`` from ``address`` as the app checks it: ok, 401 or 429."""
    from hausbesuch.web.auth import LoginLimited, LoginRefused, check_login

    try:
        check_login(server.store, name, password, address, limits)
    except LoginLimited:
        return "429"
    except LoginRefused:
        return "401"
    return "ok"


def test_failures_from_one_address_do_not_lock_the_account_out_elsewhere(
        server: Server) -> None:
    """QA 17a F1 (ASVS V2.2.1): ten wrong passwords for an account from one address lock
    that address out of the account (429, also with the right password), but not the
    owner logging in from another address; only failures over all addresses together
    (a guessing attack spread over many addresses) lock the account for everyone. `user
    list` shows either lockout and `user enable` lifts it; a correct login deletes the
    failures of its own address only."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli
    from hausbesuch.web.auth import (
        add_user,
        login_key,
    )
    from hausbesuch.web.models import LoginAttemptRow

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    limits = server.app.state.web.limits
    name = f"vera{server.kind}"
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    a, b, c = "10.0.0.1", "10.0.0.2", "10.0.0.3"

    def attempt(password: str, address: str) -> str:
        return _attempt(server, name, password, address, limits)

    def locked_reasons(before: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
        return [(r["actor"], r["details"]["ip"], r["details"]["grund"])
                for r in _new_rows(server, before) if r["action"] == "anmeldung_gesperrt"]

    def state() -> str:
        r = runner.invoke(cli, ["user", "list", "--db", server.db_cli])
        assert r.exit_code == 0, r.output
        return next(line.split(" | ")[3] for line in r.output.splitlines()
                    if line.startswith(f"{name} | "))

    # someone at A guesses the password: A is locked out of the account ...
    for _ in range(limits.max_failures):
        assert attempt(WRONG, a) == "401"
    before = _auth_rows(server)
    assert attempt(PASSWORD, a) == "429"
    assert locked_reasons(before) == [(name, a, "fehlversuche_konto_adresse")]
    # ... while the owner at B logs in with her password (before: 429 from every address)
    for _ in range(3):
        assert attempt(WRONG, b) == "401"  # mistyped first
    assert attempt(PASSWORD, b) == "ok"
    # her login deleted B's failures only: A stays locked out, and the account shows it
    assert attempt(PASSWORD, a) == "429"
    # (one address of its owner's many: the list says so, an administrator need not act)
    assert state() == (f"Anmeldesperre für 1 Adresse ({limits.max_failures} Fehlversuche; "
                       "andere Adressen melden sich an)")
    with server.store.session() as s:
        assert sorted(s.scalars(select(LoginAttemptRow.address).where(
            LoginAttemptRow.user_name == login_key(name))).all()) == [a] * limits.max_failures
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 0 and "war nicht gesperrt. Die Anmeldesperre nach " \
        f"{limits.max_failures} fehlgeschlagenen" in r.output, r.output
    assert state() == "aktiv"
    assert attempt(PASSWORD, a) == "ok"

    # a guessing attack spread over many addresses, each below its own limit: at the
    # limit over all addresses the account is locked for every address
    assert limits.max_failures_account > limits.max_failures_per_address
    spread = limits.max_failures - 1
    with server.store.session() as s:
        now = clock.utc()
        for i in range(limits.max_failures_account - 1):
            s.add(LoginAttemptRow(at=now, user_name=login_key(name),
                                  address=f"10.1.{i // spread}.1"))
    assert state() == "aktiv"  # one below the limit: no lockout yet
    assert attempt(WRONG, b) == "401"  # the last failure the limit lets through
    before = _auth_rows(server)
    assert attempt(PASSWORD, c) == "429"  # a fresh address, the right password
    assert attempt(PASSWORD, b) == "429"
    assert locked_reasons(before) == [(name, c, "fehlversuche_konto_alle_adressen"),
                                      (name, b, "fehlversuche_konto_alle_adressen")]
    assert state() == f"Anmeldesperre ({limits.max_failures_account} Fehlversuche)"
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 0 and "Die Anmeldesperre nach " \
        f"{limits.max_failures_account} fehlgeschlagenen" in r.output, r.output
    assert attempt(PASSWORD, c) == "ok"
    assert state() == "aktiv"
    _no_password(_auth_rows(server))


# ---- QA 28 #2: device cookies (OWASP "device cookie") against lockout as denial of service

DEVICE = "hb_geraet"


def _lock_account(server: Server, name: str) -> None:
    """Failed logins for ``name`` spread over many addresses, each below its own limit,
    up to the account-wide limit (as a guesser who knows the name makes them)."""
    from hausbesuch.web.auth import login_key
    from hausbesuch.web.models import LoginAttemptRow

    limits = server.app.state.web.limits
    spread = limits.max_failures - 1
    with server.store.session() as s:
        now = clock.utc()
        for i in range(limits.max_failures_account):
            s.add(LoginAttemptRow(at=now, user_name=login_key(name),
                                  address=f"10.9.{i // spread}.1"))


def _browser(server: Server, device: str | None = None) -> httpx.Client:
    """A browser without a session; with ``device``, that device cookie."""
    c = _client(server)
    if device is not None:
        c.cookies.set(DEVICE, device, domain="127.0.0.1", path="/")
    return c


def _device_of(c: httpx.Client) -> str:
    return next(ck.value for ck in c.cookies.jar if ck.name == DEVICE)


def _set_cookie(r: httpx.Response, name: str) -> dict[str, str]:
    cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith(name + "="))
    return {k.strip().lower(): v for k, _, v in
            (a.partition("=") for a in cookie.split(";")[1:])}


def test_a_browser_that_logged_in_before_is_not_locked_out_with_the_account(
        server: Server) -> None:
    """QA 28 #2 (ASVS V2.2.1): 100 failed logins spread over many addresses lock the
    account for every browser that never logged in to it (429, also with the right
    password), but not for the owner's browser that did: its device cookie lets it in
    (303), and its login neither lifts the lock for others nor needs an administrator.
    The cookie is HttpOnly, SameSite=Strict, long-lived, and holds no name."""
    name = f"dora{server.kind}"
    from hausbesuch.web.auth import add_user

    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    with _browser(server) as owner:
        r = login(owner, name)
        assert r.status_code == 303
        attrs = _set_cookie(r, DEVICE)
        assert "httponly" in attrs and attrs["samesite"].lower() == "strict", attrs
        assert attrs["path"] == "/" and int(attrs["max-age"]) >= 90 * 24 * 3600, attrs
        token = _device_of(owner)
        assert name not in token and len(token) >= 40
        assert owner.post("/abmelden", data={"csrf_token": csrf_of(
            owner.get("/plaene").text)}).status_code == 303

        _lock_account(server, name)
        before = _auth_rows(server)
        with _browser(server) as fresh:  # a browser that never logged in: the lock holds
            r = login(fresh, name)
            assert r.status_code == 429 and "Zu viele" in r.text
        assert [(x["action"], x["details"]["grund"]) for x in _new_rows(server, before)] == [
            ("anmeldung_gesperrt", "fehlversuche_konto_alle_adressen")]
        r = login(owner, name)  # the owner's browser logs in all the same
        assert r.status_code == 303 and r.headers["location"] == "/plaene"
        assert owner.get("/plaene").status_code == 200
        assert _device_of(owner) == token  # the same device, kept
    with _browser(server) as fresh:  # her login lifted the lock for no one else
        assert login(fresh, name).status_code == 429
    _no_password(_auth_rows(server))


def test_another_accounts_or_a_made_up_device_cookie_does_not_pass_the_lock(
        server: Server) -> None:
    """A device cookie counts for the account it was set for only: kora's cookie (stolen
    or a colleague's browser), a made-up one, or the owner's with one character changed
    are no device cookie for a locked account (429); the owner's own lets her in."""
    name = f"dana{server.kind}"
    from hausbesuch.web.auth import add_user

    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    with _browser(server) as c:
        assert login(c, "kora").status_code == 303
        kora_device = _device_of(c)
    with _browser(server) as c:
        assert login(c, name).status_code == 303
        own = _device_of(c)
    _lock_account(server, name)
    tampered = own[:-1] + ("A" if own[-1] != "A" else "B")
    for forged in (kora_device, tampered, "A" * 43, own.upper(), ""):
        with _browser(server, forged) as c:
            assert login(c, name).status_code == 429, forged
    with _browser(server, own) as c:
        assert login(c, name).status_code == 303
    # kora's browser is hers: it logs in to her account, not to the locked one
    with _browser(server, kora_device) as c:
        assert login(c, name).status_code == 429
        assert login(c, "kora").status_code == 303


def test_failures_with_a_device_cookie_lock_that_device_only(server: Server) -> None:
    """Failed logins with a valid device cookie count for that device (10: it is refused,
    audited ``fehlversuche_geraet``), not for the account from the address: another
    browser at the same address logs in, and its login gives the device no fresh tries."""
    name = f"dina{server.kind}"
    from hausbesuch.web.auth import add_user

    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    limits = server.app.state.web.limits
    with _browser(server) as c:
        assert login(c, name).status_code == 303
        device = _device_of(c)
    with _browser(server, device) as thief:  # a stolen cookie, or the owner mistyping
        for _ in range(limits.max_failures_device):
            assert login(thief, name, WRONG).status_code == 401
        before = _auth_rows(server)
        r = login(thief, name)  # refused before the password is looked at
        assert r.status_code == 429 and "Zu viele" in r.text
        assert [(x["action"], x["actor"], x["details"]["grund"])
                for x in _new_rows(server, before)] == [
            ("anmeldung_gesperrt", name, "fehlversuche_geraet")]
    with _browser(server) as other:  # same address, no device cookie: not locked out
        assert login(other, name).status_code == 303
    with _browser(server, device) as thief:  # still locked: that login lifted nothing
        assert login(thief, name).status_code == 429
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})

    def state() -> str:
        r = runner.invoke(cli, ["user", "list", "--db", server.db_cli])
        assert r.exit_code == 0, r.output
        assert device not in r.output and _device_key(device) not in r.output
        return next(line.split(" | ")[3] for line in r.output.splitlines()
                    if line.startswith(f"{name} | "))

    # closing 28: the administrator sees the browser's lock (not the cookie) ...
    assert state() == (f"Anmeldesperre für 1 Browser mit Gerätecookie "
                       f"({limits.max_failures_device} Fehlversuche)")
    # ... and `user enable` lifts it (it had answered „nicht gesperrt“ and lifted nothing)
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 0, r.output
    assert (f"war nicht gesperrt. Die Anmeldesperre nach {limits.max_failures_device} "
            "fehlgeschlagenen Anmeldungen ist aufgehoben") in r.output, r.output
    assert server.store.audit_rows(action="user_enabled")[-1]["details"] == {
        "user": name, "role": "koordination", "sperre_aufgehoben": limits.max_failures_device}
    assert state() == "aktiv"
    with _browser(server, device) as owner:
        assert login(owner, name).status_code == 303
    _no_password(_auth_rows(server))


def _device_key(token: str) -> str:
    from hausbesuch.web.security import token_hash

    return token_hash(token)


def test_a_new_password_or_a_disabled_account_forgets_the_device_cookies(
        server: Server) -> None:
    """A device cookie stops counting when the account's password changes (on the page
    or by ``user password``) or the account is disabled: a lost phone's cookie must
    not outlast them. The browser earns a new one at its next login."""
    from hausbesuch.web.auth import add_user, disable_user, enable_user, set_password

    name = f"dirk{server.kind}"
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    new = "Gartenzwerg-Ampel-Wolke"
    with _browser(server) as owner:
        assert login(owner, name).status_code == 303
        old = _device_of(owner)
        _lock_account(server, name)
        page = owner.get("/konto/passwort")
        r = owner.post("/konto/passwort", data={"csrf_token": csrf_of(page.text),
                                                 "aktuell": PASSWORD, "neu": new,
                                                 "wiederholung": new})
        # (the current password is checked with the device cookie: the lock lets it pass)
        assert r.status_code == 200 and "Passwort geändert" in r.text
    _lock_account(server, name)  # (a new password lifted the lock: lock it again)
    with _browser(server, old) as c:
        assert login(c, name, new).status_code == 429

    set_password(server.store, name, PASSWORD, actor="tester")  # lifts the lock
    with _browser(server) as c:
        assert login(c, name).status_code == 303
        second = _device_of(c)
    _lock_account(server, name)
    with _browser(server, second) as c:  # valid until ...
        assert login(c, name).status_code == 303
    set_password(server.store, name, PASSWORD, actor="tester")  # ... `user password`
    _lock_account(server, name)
    with _browser(server, second) as c:
        assert login(c, name).status_code == 429

    set_password(server.store, name, PASSWORD, actor="tester")
    with _browser(server) as c:
        assert login(c, name).status_code == 303
        third = _device_of(c)
    disable_user(server.store, name, actor="tester")
    enable_user(server.store, name, actor="tester")
    _lock_account(server, name)
    with _browser(server, third) as c:
        assert login(c, name).status_code == 429


@pytest.mark.parametrize("column, age, reason", [
    ("last_seen", timedelta(minutes=31), "leerlauf"),
    ("created_at", timedelta(hours=13), "hoechstdauer"),
])
def test_session_ended_by_its_limit_is_audited_once(server: Server, column: str,
                                                     age: timedelta, reason: str) -> None:
    from hausbesuch.web.models import SessionRow

    with _client(server) as c:
        assert login(c, "kora").status_code == 303
        with server.store.session() as s:
            s.execute(update(SessionRow).where(SessionRow.user_name == "kora")
                      .values({column: clock.utc() - age}))
        before = _auth_rows(server)
        assert c.get("/plaene").status_code == 303  # back to the login
        assert c.get("/plaene").status_code == 303  # the same cookie again: nothing more
        rows = _new_rows(server, before)
        assert [(r["action"], r["actor"], r["city"], r["details"]) for r in rows] == [
            ("sitzung_abgelaufen", "kora", CITY, {"grund": reason})]


def test_session_state_is_read_without_extending_it(server: Server) -> None:
    """``/sitzung/stand`` (asked by the warning before the idle end) says how long the
    session has left and does not count as activity; „Angemeldet bleiben“
    (``/sitzung/verlaengern``, CSRF-checked) does; a session near its absolute limit is
    reported as not extendable; without a live session the answer is 0."""
    from hausbesuch.web.models import SessionRow
    from hausbesuch.web.security import token_hash

    with _client(server) as c:
        assert c.get("/sitzung/stand").json() == {"rest": 0, "verlaengerbar": False}
        assert login(c, "kora").status_code == 303
        mine = SessionRow.id_hash == token_hash(c.cookies["hb_session"])  # (earlier tests' too)

        def session_row() -> SessionRow:
            with server.store.session() as s:
                return s.execute(select(SessionRow).where(mine)).scalar_one()

        page = c.get("/plaene")
        assert 'data-leerlauf="1800"' in page.text and "/sitzung.js" in page.text
        token = csrf_of(page.text)
        ten_ago = clock.utc() - timedelta(minutes=10)
        with server.store.session() as s:
            s.execute(update(SessionRow).where(mine)
                      .values(last_seen=ten_ago))
        state = c.get("/sitzung/stand").json()
        assert state["verlaengerbar"] is True
        assert 19 * 60 < state["rest"] <= 20 * 60, state
        assert session_row().last_seen == ten_ago  # asking is not activity
        assert c.post("/sitzung/verlaengern").status_code == 403  # no CSRF token
        state = c.post("/sitzung/verlaengern", headers={"X-CSRF-Token": token}).json()
        assert 29 * 60 < state["rest"] <= 30 * 60, state
        assert clock.utc() - session_row().last_seen < timedelta(seconds=30)
        # twenty minutes before the absolute limit: that end comes first, no action moves it
        with server.store.session() as s:
            s.execute(update(SessionRow).where(mine)
                      .values(created_at=clock.utc() - timedelta(hours=11, minutes=40)))
        state = c.get("/sitzung/stand").json()
        assert state["verlaengerbar"] is False and 19 * 60 < state["rest"] <= 20 * 60, state
        # idle past the limit: ended (the next page goes to the login)
        with server.store.session() as s:
            s.execute(update(SessionRow).where(mine)
                      .values(last_seen=clock.utc() - timedelta(minutes=31)))
        assert c.get("/sitzung/stand").json() == {"rest": 0, "verlaengerbar": False}
        r = c.post("/sitzung/verlaengern", headers={"X-CSRF-Token": token})
        assert r.status_code == 303 and "abgelaufen" in r.headers["location"]


def test_account_changes_show_in_the_protokoll(server: Server) -> None:
    """``hausbesuch user add/disable`` store the account's city; the administrator sees a
    coordinator's account under her city and accounts without a city, her own logins and
    tries on unknown names under "ohne Stadt"; coordinators still get 403."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    name, admin = f"koro-{server.kind}", f"admin-{server.kind}"
    for args in (["user", "add", name, "--role", "koordination", "--city", CITY_PROFILE],
                 ["user", "add", admin, "--role", "admin"]):
        r = runner.invoke(cli, [*args, "--password-stdin", "--db", server.db_cli],
                          input=PASSWORD + "\n")
        assert r.exit_code == 0, r.output
    for who in (name, admin):
        r = runner.invoke(cli, ["user", "disable", who, "--db", server.db_cli])
        assert r.exit_code == 0, r.output
    rows = [r for r in server.store.audit_rows() if r["details"].get("user") in (name, admin)
            and r["action"].startswith("user_")]
    assert [(r["action"], r["actor"], r["city"], r["details"]) for r in rows] == [
        ("user_added", "cli:tester", CITY, {"user": name, "role": "koordination",
                                             "vorlaeufig": True}),
        ("user_added", "cli:tester", None, {"user": admin, "role": "admin",
                                            "vorlaeufig": True}),
        ("user_disabled", "cli:tester", CITY, {"user": name, "role": "koordination"}),
        ("user_disabled", "cli:tester", None, {"user": admin, "role": "admin"}),
    ]
    with _client(server) as c:
        assert login(c, "niemand-sonst", WRONG).status_code == 401

    with _client(server) as kora:
        assert login(kora, "kora").status_code == 303
        assert kora.get("/protokoll", params={"stadt": "ohne"}).status_code == 403
        assert kora.get("/protokoll.csv", params={"stadt": "ohne"}).status_code == 403
    with _client(server) as ada:
        assert login(ada, "ada").status_code == 303
        page = ada.get("/protokoll", params={"stadt": CITY})
        assert page.status_code == 200, page.text
        assert "Benutzerkonto gesperrt" in page.text and name in page.text
        assert "Angemeldet" in page.text  # kora's login, in her city
        assert admin not in page.text
        assert ">ohne Stadt (Konten, Anmeldungen)</option>" in page.text

        page = ada.get("/protokoll", params={"stadt": "ohne"})
        assert page.status_code == 200, page.text
        assert "Protokoll · ohne Stadt (Konten, Anmeldungen)" in page.text
        assert "Benutzerkonto gesperrt" in page.text and "Benutzerkonto angelegt" in page.text
        assert admin in page.text and name not in page.text
        assert "Anmeldung fehlgeschlagen" in page.text and "Konto unbekannt" in page.text
        assert "niemand-sonst" not in page.text  # a typed name no account has is not kept
        assert 'href="/protokoll.csv?stadt=ohne&amp;' in page.text
        assert WRONG not in page.text

        only = ada.get("/protokoll", params={"stadt": "ohne", "aktion": "user_disabled"})
        assert only.status_code == 200 and admin in only.text and "niemand-sonst" not in only.text

        got = ada.get("/protokoll.csv", params={"stadt": "ohne"})
        assert got.status_code == 200 and got.headers["content-type"].startswith("text/csv")
        csv_rows = got.text.lstrip("\ufeff").splitlines()
        assert csv_rows[0].startswith("zeit;person;aktion")
        assert any("user_disabled" in line and admin in line for line in csv_rows)
        assert all(";Bad Hersfeld;" not in line for line in csv_rows)

        bad = ada.get("/protokoll", params={"stadt": "ohne", "kundennummer": "W001"})
        assert bad.status_code == 400 and "bitte die Stadt wählen" in bad.text
    # reading the rows without a city is logged like every reading
    read = [r for r in server.store.audit_rows(action="protokoll_gelesen")
            if r["details"].get("stadt") == "ohne"]
    assert read and all(r["city"] is None and r["actor"] == "ada" for r in read)
    _no_password(server.store.audit_rows())


def _demand(html: str) -> str:
    """The password page's paragraph saying why a new password is asked for."""
    found = re.search(r'<p class="hint" id="pflicht">(.*?)</p>', html, re.S)
    assert found, html
    return found.group(1)


def test_a_stored_password_that_fails_todays_rules_must_be_changed(server: Server) -> None:
    """An account whose stored password was set before today's rules (here: written to the
    database directly, as older versions allowed) logs in, is sent to the password page,
    and every other page sends it there too until a new password is set; the demand is
    audited without the password or the reason. A password that passes logs in as ever."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli
    from hausbesuch.web.auth import add_user, hash_password
    from hausbesuch.web.models import UserRow

    weak = "kassel123"
    add_user(server.store, "kai", PASSWORD, role="koordination", city=CITY)
    with server.store.session() as s:
        s.execute(update(UserRow).where(UserRow.name == "kai")
                  .values(password_hash=hash_password(weak)))
    before = len(server.store.audit_rows())
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "kai", weak)
        assert r.status_code == 303 and r.headers["location"] == "/konto/passwort"
        for path in ("/plaene", "/adressen", "/teams", "/faelle"):
            r = c.get(path)
            assert (r.status_code, r.headers.get("location")) == (303, "/konto/passwort"), path
        page = c.get("/konto/passwort")
        assert page.status_code == 200 and 'id="pflicht"' in page.text
        # the one reason that applies (review 42 #7), not „vorläufig … oder …“
        why = _demand(page.text)
        assert "entspricht nicht mehr den Regeln" in why and "Administration" not in why, why
        listed = CliRunner(env={"HAUSBESUCH_USER": "tester"}).invoke(
            cli, ["user", "list", "--db", server.db_cli]).output
        assert ("kai | Koordination | Bad Hersfeld | neues Passwort verlangt (Passwort "
                "entspricht nicht den Regeln)") in listed, listed
        new = "Gartenzwerg-Ampel-Wolke"
        r = c.post("/konto/passwort", data={"csrf_token": csrf_of(page.text), "aktuell": weak,
                                            "neu": new, "wiederholung": new})
        assert r.status_code == 200 and "Passwort geändert" in r.text
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "kai", new)
        assert r.status_code == 303 and r.headers["location"] == "/plaene"
        assert c.get("/plaene").status_code == 200
    rows = [r for r in server.store.audit_rows()[before:] if r["actor"] == "kai"]
    demanded = [r for r in rows if r["action"] == "passwortwechsel_verlangt"]
    assert [(r["city"], r["details"]) for r in demanded] == [(CITY, {})]
    assert weak not in json.dumps(rows, default=str) and new not in json.dumps(rows, default=str)
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:  # kora: as ever
        r = login(c, "kora")
        assert r.status_code == 303 and r.headers["location"] == "/plaene"


def test_a_password_hashed_before_normalisation_still_logs_in(server: Server) -> None:
    """QA 28 #1: passwords are hashed and verified in NFKC („Ｋａｆｆｅｅ“ is „Kaffee“, a
    no-break space a space). An account whose hash was made from the password as typed
    (as before: written here with the hasher directly, not normalised) still logs in
    with it; that login stores the hash of the normal form, so that the ASCII form logs in
    from then on too. A wrong password still fails, and the account is not sent to the
    password page (its password passes today's rules)."""
    from hausbesuch.web import auth
    from hausbesuch.web.models import UserRow

    for name, typed, normal in (
            (f"breit{server.kind}", "Ｋａｆｆｅｅ－Ｔａｓｓｅ－Ｂｌａｕ", "Kaffee-Tasse-Blau"),
            (f"nbsp{server.kind}", "Zitrone\u00a0Falter\u00a0Wolke", "Zitrone Falter Wolke")):
        auth.add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
        with server.store.session() as s:
            s.execute(update(UserRow).where(UserRow.name == name)
                      .values(password_hash=auth._HASHER.hash(typed)))
        with _client(server) as c:  # the old hash knows the typed form only
            assert login(c, name, normal).status_code == 401
            assert login(c, name, WRONG).status_code == 401
        with _client(server) as c:
            r = login(c, name, typed)
            assert (r.status_code, r.headers["location"]) == (303, "/plaene"), name
        with server.store.session() as s:
            stored = s.get(UserRow, name).password_hash
        assert auth._HASHER.verify(stored, normal)  # hashed again, in the normal form
        for password in (normal, typed):
            with _client(server) as c:
                r = login(c, name, password)
                assert (r.status_code, r.headers["location"]) == (303, "/plaene"), password
        with _client(server) as c:
            assert login(c, name, WRONG).status_code == 401


@pytest.mark.parametrize("typed, why", [
    ("kora\u200b", "unsichtbaren Zeichen oder Steuerzeichen (Zeichen 5 ist U+200B)"),
    ("x\x1b[2Jevil", "Steuerzeichen (Zeichen 2 ist U+001B)"),
    ("an na", "keine Leerzeichen"),
    ("\u3164", "unsichtbaren Zeichen"),  # a Hangul filler: a "letter" that shows as nothing
    ("cli:root", "kein Doppelpunkt „:“, er ist dem Protokoll vorbehalten"),
    ("link:AbCdEf12", "kein Doppelpunkt"),
    ("kora@amt", "„@“ (Zeichen 5) ist nicht erlaubt"),
    ("kor\u0335a", "„\u0335“ (Zeichen 4) ist nicht erlaubt"),  # a mark with no composed form
    ("\uff4b\uff4f\uff52\uff41", "keine Sonderformen"),  # full-width "kora"
    ("x" * 121, "1 bis 120 Zeichen"),
])
@sqlite_only("server")
def test_account_names_refused_with_the_rule(typed: str, why: str) -> None:
    from hausbesuch.errors import UserError
    from hausbesuch.web.auth import check_name

    with pytest.raises(UserError, match="^Benutzername: ") as err:
        check_name(typed)
    assert why in str(err.value)
    assert "Erlaubt sind Buchstaben (auch ä, ö, ü, ß), die Ziffern 0–9 und . - _" in str(
        err.value)
    assert "\x1b" not in str(err.value) and "\u200b" not in str(err.value)


def test_account_names_are_one_form_and_no_look_alikes(server: Server) -> None:
    """QA 15b #5: ``user add`` stores a name in NFC and refuses look-alikes of an existing
    account (another case, another Unicode form, an invisible character) and the audit
    log's actor forms; the login and the ``user`` commands find an account by its name in
    any case and form, and the audit log names the stored account. Accounts made before
    these rules that differ only by case keep working by their exact names."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli
    from hausbesuch.web.auth import hash_password
    from hausbesuch.web.models import UserRow

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})

    def cli_run(*args: str, password: str | None = None) -> Any:
        return runner.invoke(cli, [*args, "--db", server.db_cli],
                             input=None if password is None else password + "\n")

    def add(name: str) -> Any:
        return cli_run("user", "add", name, "--role", "koordination", "--city", CITY_PROFILE,
                       "--password-stdin", password=PASSWORD)

    def names() -> set[str]:
        with server.store.session() as s:
            return set(s.scalars(select(UserRow.name)))

    decomposed = "mu\u0308ller"  # "müller" as some keyboards and pastes send it
    r = add(decomposed)
    assert r.exit_code == 0 and "Konto „müller“" in r.output, r.output
    assert "müller" in names() and decomposed not in names()
    for typed, existing in (("Kora", "kora"), ("KORA", "kora"), ("Müller", "müller"),
                            ("MU\u0308LLER", "müller")):
        r = add(typed)
        assert r.exit_code == 2, r.output
        assert f"Der Name ist schon vergeben ({existing})" in r.output, r.output
    r = add("müller")
    assert r.exit_code == 2 and "Den Benutzer „müller“ gibt es schon" in r.output
    for typed, why in (("kora\u200b", "U+200B"), ("cli:root", "Doppelpunkt"),
                       ("link:AbCdEf12", "Doppelpunkt"), ("x\x1b[2Jevil", "U+001B")):
        r = add(typed)
        assert r.exit_code == 2 and why in r.output and "Traceback" not in r.output, r.output
        assert "\x1b" not in r.output
    assert not {"Kora", "KORA", "kora\u200b", "cli:root", "link:AbCdEf12"} & names()

    # the login in another case or form is the stored account, and so is the audit row
    def login_once(name: str, password: str = PASSWORD) -> int:
        with _client(server) as c:
            return login(c, name, password).status_code

    before = _auth_rows(server)
    assert login_once("KORA") == 303
    assert login_once("MU\u0308LLER") == 303
    assert login_once("Mueller") == 401  # another name, not a form of it
    # a space or an invisible character typed in makes another name (review 15 L8)
    assert login_once("ko ra") == 401 and login_once("ko\u200bra") == 401
    assert [(r["action"], r["actor"]) for r in _new_rows(server, before)] == [
        ("anmeldung", "kora"), ("anmeldung", "müller"),
        ("anmeldung_fehlgeschlagen", "unbekanntes Konto"),
        ("anmeldung_fehlgeschlagen", "unbekanntes Konto"),
        ("anmeldung_fehlgeschlagen", "unbekanntes Konto")]
    # failed logins in other cases count for the one account
    limits = server.app.state.web.limits
    for i in range(limits.max_failures):
        assert login_once(("müller", "Müller", "MÜLLER")[i % 3], WRONG) == 401
    assert login_once("mu\u0308ller") == 429

    # the user commands by another case or form
    r = cli_run("user", "disable", "MU\u0308LLER")
    assert r.exit_code == 0 and "Konto „müller“ gesperrt." in r.output, r.output
    r = cli_run("user", "enable", "Müller")
    assert r.exit_code == 0 and "Konto „müller“ wieder freigegeben." in r.output, r.output

    # accounts of older versions: kept as stored; of two differing by case, the exact name
    with server.store.session() as s:
        for old in ("Lea", "lea", "pe\u0301ter"):  # (and one in NFD)
            s.add(UserRow(name=old, password_hash=hash_password(PASSWORD), role="koordination",
                          city=CITY, disabled=False, created_at=clock.now(),
                          password_changed_at=clock.now()))
    before = _auth_rows(server)
    assert login_once("Lea") == 303
    assert login_once("lea") == 303
    assert login_once("LEA") == 401  # which one? neither
    assert login_once("péter") == 303  # typed in NFC
    assert [(r["action"], r["actor"], r["details"].get("grund")) for r in
            _new_rows(server, before)] == [
        ("anmeldung", "Lea", None), ("anmeldung", "lea", None),
        ("anmeldung_fehlgeschlagen", "unbekanntes Konto", "konto_unbekannt"),
        ("anmeldung", "pe\u0301ter", None)]
    r = cli_run("user", "disable", "LEA")
    assert r.exit_code == 2 and "mehrere Konten" in r.output and "„Lea“, „lea“" in r.output
    r = add("lEA")
    assert r.exit_code == 2 and "Der Name ist schon vergeben (Lea, lea)" in r.output
    r = cli_run("user", "disable", "lea")
    assert r.exit_code == 0 and "Konto „lea“ gesperrt." in r.output
    with server.store.session() as s:
        assert [(u.name, u.disabled) for u in s.scalars(
            select(UserRow).where(UserRow.name.in_(["Lea", "lea"])).order_by(UserRow.name))] \
            == [("Lea", False), ("lea", True)]


def test_the_administrator_lifts_a_login_lockout(server: Server) -> None:
    """QA 15b #7: a colleague locked out by failed logins (429, also with the right
    password) logs in at once after ``user password`` gives her a new password, or after
    ``user enable`` (which for an account locked out only by failed logins says so instead
    of „nicht gesperrt“); each is audited with the count of failures deleted. A lockout
    after that is audited again at once (the in-process throttle forgot it)."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli
    from hausbesuch.web.auth import add_user
    from hausbesuch.web.models import LoginAttemptRow

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    limits = server.app.state.web.limits
    name, new = f"pia{server.kind}", "Gartenzwerg-Ampel-Wolke"
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)

    def status(password: str, typed: str = name) -> int:
        with _client(server) as c:
            return login(c, typed, password).status_code

    def lock_out() -> None:
        for i in range(limits.max_failures):
            assert status(WRONG, name.upper() if i % 2 else name) == 401
        before = _auth_rows(server)
        assert status(PASSWORD) == 429 and status(new) == 429
        assert [r["action"] for r in _new_rows(server, before)] == ["anmeldung_gesperrt"]

    def account_rows(action: str) -> list[dict[str, Any]]:
        return [r for r in server.store.audit_rows(action=action)
                if r["details"].get("user") == name]

    # a forgotten password: set anew, the lock is lifted with it
    lock_out()
    r = runner.invoke(cli, ["user", "password", name.upper(), "--password-stdin", "--db",
                            server.db_cli], input=new + "\n")
    assert r.exit_code == 0, r.output
    assert (f"Neues Passwort für „{name}“ gesetzt; seine Sitzungen sind beendet. Die "
            f"Anmeldesperre nach {limits.max_failures} fehlgeschlagenen Anmeldungen ist "
            "aufgehoben; die Anmeldung ist sofort wieder möglich.") in r.output
    assert [(r["actor"], r["city"], r["details"]) for r in account_rows("user_password_set")] \
        == [("cli:tester", CITY, {"user": name, "role": "koordination",
                                  "sperre_aufgehoben": limits.max_failures,
                                  "vorlaeufig": True})]
    assert status(new) == 303

    # locked out again: `user enable` lifts it, and says that the account was not disabled
    lock_out()  # (audited at once: the throttle of the first lockout was forgotten)
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 0, r.output
    assert f"Das Konto „{name}“ war nicht gesperrt. Die Anmeldesperre nach" \
        in r.output and "wieder freigegeben" not in r.output
    assert [r["details"] for r in account_rows("user_enabled")] == [
        {"user": name, "role": "koordination", "sperre_aufgehoben": limits.max_failures}]
    assert status(new) == 303
    # nothing to lift: refused as before
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 2 and f"Das Konto „{name}“ ist nicht gesperrt" in r.output
    # a few failed logins below the limit are no lockout (review 15 M2): nothing to lift,
    # nothing said or audited about one
    for _ in range(3):
        assert status(WRONG) == 401
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 2 and "ist nicht gesperrt" in r.output, r.output
    assert runner.invoke(cli, ["user", "disable", name, "--db", server.db_cli]).exit_code == 0
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 0 and r.output.strip() == f"Konto „{name}“ wieder freigegeben.", \
        r.output
    assert "sperre_aufgehoben" not in account_rows("user_enabled")[-1]["details"]
    assert status(new) == 303
    # failed logins long ago (outside the window) lock nothing either
    lock_out()
    with server.store.session() as s:
        s.execute(update(LoginAttemptRow).values(
            at=clock.utc() - timedelta(minutes=limits.window_minutes + 1)))
    r = runner.invoke(cli, ["user", "enable", name, "--db", server.db_cli])
    assert r.exit_code == 2 and "ist nicht gesperrt" in r.output, r.output
    _no_password(server.store.audit_rows())
    assert new not in json.dumps(server.store.audit_rows(), default=str)


def test_user_list_shows_every_account_and_its_state(server: Server) -> None:
    """``hausbesuch user list``: role, city, state (disabled, locked out by failed logins,
    new password required), dates and the last login from the log; the listing is
    audited, and no password hash is shown."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli
    from hausbesuch.web.auth import add_user
    from hausbesuch.web.models import UserRow

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    limits = server.app.state.web.limits
    ulla, udo, uwe = (f"{n}{server.kind}" for n in ("ulla", "udo", "uwe"))
    for name in (ulla, udo, uwe):
        add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    with _client(server) as c:
        assert login(c, ulla, PASSWORD).status_code == 303
    for _ in range(limits.max_failures):
        with _client(server) as c:
            assert login(c, udo, WRONG).status_code == 401
    assert runner.invoke(cli, ["user", "disable", uwe, "--db", server.db_cli]).exit_code == 0
    with server.store.session() as s:
        s.get(UserRow, uwe).must_change_password = True
    last = max(r["at"] for r in server.store.audit_rows(action="anmeldung")
               if r["actor"] == ulla)
    r = runner.invoke(cli, ["user", "list", "--db", server.db_cli])
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == ("Konto | Rolle | Stadt | Zustand | angelegt | Passwort geändert | "
                        "letzte Anmeldung")
    today = f"{clock.now():%d.%m.%Y}"
    assert f"{ulla} | Koordination | {CITY} | aktiv | {today} | {today} | " \
        f"{last:%d.%m.%Y %H:%M}" in lines
    assert f"{udo} | Koordination | {CITY} | Anmeldesperre für 1 Adresse " \
        f"({limits.max_failures} Fehlversuche; andere Adressen melden sich an) | {today} | " \
        f"{today} | –" in lines
    assert f"{uwe} | Koordination | {CITY} | gesperrt, neues Passwort verlangt | {today} | " \
        f"{today} | –" in lines
    assert any(line.startswith("ada | Administration | alle Städte | ") for line in lines)
    names = [line.split(" | ")[0] for line in lines[1:]]
    assert names == sorted(names) and len(names) == len(set(names))
    assert "argon2" not in r.output
    row = server.store.audit_rows(action="konten_angezeigt")[-1]
    assert row["actor"] == "cli:tester" and row["details"] == {"anzahl": len(names)}


@sqlite_only("server")
def test_lockout_reasons_keep_their_meaning_in_the_log() -> None:
    """Review 17 L3: rows written before the per-(account, address) limit carry
    ``fehlversuche_konto`` (the account from any address) and still read so; the lock of
    one address out of an account has its own code."""
    from hausbesuch.auditlog import describe

    assert describe({"grund": "fehlversuche_konto"}) == \
        "Grund: zu viele Fehlversuche für das Konto"
    assert describe({"grund": "fehlversuche_konto_adresse"}) == \
        "Grund: zu viele Fehlversuche für das Konto von dieser IP-Adresse"
    assert describe({"grund": "fehlversuche_konto_alle_adressen"}) == \
        "Grund: zu viele Fehlversuche für das Konto von allen IP-Adressen zusammen"


def test_addresses_of_one_ipv6_64_share_the_login_limits(server: Server) -> None:
    """Review 17 L5: failures are counted by an IPv6 address's /64 (one host may use any
    address in it), so that rotating addresses gives a guesser no fresh budget; another
    /64 is another address. The audit rows keep the address in full."""
    from hausbesuch.web.auth import (
        add_user,
        address_key,
        login_key,
    )
    from hausbesuch.web.models import LoginAttemptRow

    assert address_key("10.0.0.7") == "10.0.0.7"
    assert address_key("2001:db8:1:2:aaaa::1") == "2001:db8:1:2::/64"
    assert address_key("::ffff:10.0.0.7") == "10.0.0.7"
    assert address_key("testclient") == "testclient"
    limits = server.app.state.web.limits
    name = f"ivo{server.kind}"
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)

    def attempt(password: str, address: str) -> str:
        return _attempt(server, name, password, address, limits)

    before = _auth_rows(server)
    one = [f"2001:db8:1:2:{i:x}::{i + 1:x}" for i in range(limits.max_failures)]
    for address in one:  # a fresh address of the same /64 each time
        assert attempt(WRONG, address) == "401"
    assert attempt(PASSWORD, "2001:db8:1:2:ffff::99") == "429"  # the /64 is locked out
    assert [r["details"]["ip"] for r in _new_rows(server, before)] == \
        one + ["2001:db8:1:2:ffff::99"]
    with server.store.session() as s:
        assert set(s.scalars(select(LoginAttemptRow.address).where(
            LoginAttemptRow.user_name == login_key(name)))) == {"2001:db8:1:2::/64"}
    assert attempt(PASSWORD, "2001:db8:1:3::1") == "ok"  # another /64: its own count
    assert attempt(PASSWORD, "10.0.0.7") == "ok"
    assert attempt(PASSWORD, "2001:db8:1:2::1") == "429"  # its login lifted no other /64


def test_an_overlong_password_is_refused_without_checking_it(
        server: Server, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 17 (pre-existing): a password over MAX_PASSWORD (the form takes a megabyte)
    is refused before any check when an account is made or its password set or changed,
    and at login it is a failed login (counted, audited as a wrong password) that is
    neither hashed nor checked against the rules (which were quadratic in its length)."""
    from hausbesuch.errors import UserError
    from hausbesuch.web import auth
    from hausbesuch.web.auth import MAX_PASSWORD, LoginRefused, add_user, check_login

    huge = "Zitronen-Falter-Wolke-93-" * 4_000  # 100,000 characters
    message = f"Das Passwort darf höchstens {MAX_PASSWORD} Zeichen haben."
    name = f"olga{server.kind}"
    with pytest.raises(UserError, match=message):
        add_user(server.store, name, huge, role="koordination", city=CITY)
    add_user(server.store, name, PASSWORD, role="koordination", city=CITY)
    with pytest.raises(UserError, match=message):
        auth.set_password(server.store, name, huge, actor="tester")
    with _client(server) as c:  # *Passwort ändern*
        assert login(c, name).status_code == 303
        page = c.get("/konto/passwort")
        r = c.post("/konto/passwort", data={"csrf_token": csrf_of(page.text),
                                            "aktuell": PASSWORD, "neu": huge,
                                            "wiederholung": huge})
        assert r.status_code == 400 and message in r.text

    class NoHashing:
        def verify(self, *_: object) -> bool:
            raise AssertionError("an overlong password was hashed")

    def no_rules(*_: object, **__: object) -> None:
        raise AssertionError("an overlong password was checked against the rules")

    monkeypatch.setattr(auth, "_HASHER", NoHashing())
    monkeypatch.setattr(auth, "check_password", no_rules)
    before = _auth_rows(server)
    for who in (name, "niemand"):
        with pytest.raises(LoginRefused):
            check_login(server.store, who, huge, "10.9.9.9", server.app.state.web.limits)
    monkeypatch.undo()
    assert [(r["action"], r["details"]) for r in _new_rows(server, before)] == [
        ("anmeldung_fehlgeschlagen", {"ip": "10.9.9.9", "grund": "passwort_falsch"}),
        ("anmeldung_fehlgeschlagen", {"ip": "10.9.9.9", "grund": "konto_unbekannt"})]
    with _client(server) as c:  # through the login form: the same refusal
        assert login(c, name, huge).status_code == 401
    _no_password(_auth_rows(server))


def test_a_password_the_administrator_set_must_be_replaced_at_the_first_login(
        server: Server) -> None:
    """QA 42b F9 (ASVS V2.3.1): a password set with ``user add`` or ``user password`` was
    the account's for good, known to the administrator. Now it is temporary: the first
    login leads to *Passwort ändern*, every other page waits, and after the owner's own
    password all pages open. ``--eigenes-passwort`` (the owner types it herself) asks
    for no change; ``user list`` names the state."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app as cli

    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})

    def cli_run(*args: str, password: str | None = None) -> Any:
        return runner.invoke(cli, [*args, "--db", server.db_cli],
                             input=None if password is None else password + "\n")

    res = cli_run("user", "add", "vera", "--role", "koordination", "--city", CITY_PROFILE,
                  "--password-stdin", password=PASSWORD)
    assert res.exit_code == 0 and "Das Passwort ist vorläufig" in res.output, res.output
    res = cli_run("user", "add", "otto", "--role", "koordination", "--city", CITY_PROFILE,
                  "--password-stdin", "--eigenes-passwort", password=PASSWORD)
    assert res.exit_code == 0 and "vorläufig" not in res.output, res.output
    listed = cli_run("user", "list").output
    assert ("vera | Koordination | Bad Hersfeld | neues Passwort verlangt (vorläufiges "
            "Passwort)") in listed, listed
    assert "otto | Koordination | Bad Hersfeld | aktiv" in listed, listed
    own = "Regenschirm-Mond-Tasse"
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "vera", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/konto/passwort"
        for path in ("/plaene", "/faelle"):
            r = c.get(path)
            assert (r.status_code, r.headers.get("location")) == (303, "/konto/passwort"), path
        page = c.get("/konto/passwort")
        why = _demand(page.text)
        assert "hat die Administration vergeben" in why and "Regeln" not in why, why
        r = c.post("/konto/passwort", data={"csrf_token": csrf_of(page.text),
                                            "aktuell": PASSWORD, "neu": own,
                                            "wiederholung": own})
        assert r.status_code == 200 and "Passwort geändert" in r.text
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "vera", own)
        assert r.status_code == 303 and r.headers["location"] == "/plaene"
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "otto", PASSWORD)
        assert r.status_code == 303 and r.headers["location"] == "/plaene"
    # a forgotten password set again by the administrator: temporary again
    res = cli_run("user", "password", "vera", "--password-stdin", password=PASSWORD + "x")
    assert res.exit_code == 0 and "Das Passwort ist vorläufig" in res.output, res.output
    with httpx.Client(base_url=server.url, follow_redirects=False) as c:
        r = login(c, "vera", PASSWORD + "x")
        assert r.status_code == 303 and r.headers["location"] == "/konto/passwort"
