"""Edges of access control that no other test reached (QA 17b, mutation testing): a login
form sent without its cookie and token, two links of one prefix, an account disabled
under a live session, an account of a coordination without a city."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select, update
from typer.testing import CliRunner

from hausbesuch.errors import UserError
from tests.web_fixtures import PASSWORD, bare_app, live_server, login

CITY = "Bad Hersfeld"


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    app = bare_app(tmp_path_factory.mktemp("access-edges"))
    with live_server(app) as live:
        yield live.url, app.state.web.store


def test_a_login_without_the_forms_cookie_and_token_is_refused(bare) -> None:  # noqa: ANN001
    """Before a session the expected CSRF token is the login form's cookie: a cross-site
    login (no cookie, no token) compares nothing with nothing and must be refused, or an
    attacker's page logs the browser into the attacker's account (login CSRF)."""
    from hausbesuch.web.security import same

    assert not same(None, None) and not same("", "") and not same("x", None)
    url, store = bare
    with httpx.Client(base_url=url, follow_redirects=False) as c:
        r = c.post("/anmelden", data={"name": "kora", "passwort": PASSWORD})
        assert r.status_code == 403, r.status_code
        assert not any(k.endswith("hb_session") for k in c.cookies), dict(c.cookies)
        assert "anmeldung" not in {row["action"] for row in store.audit_rows()}
        refused = store.audit_rows(action="zugriff_verweigert")[-1]
        assert "CSRF" in refused["details"]["grund"], refused
        assert login(c, "kora").status_code == 303  # with the form: as ever


def test_a_prefix_of_two_links_revokes_neither(bare) -> None:  # noqa: ANN001
    from hausbesuch.web.links import revoke
    from hausbesuch.web.models import WorkerLinkRow

    _, store = bare
    now = datetime(2026, 12, 7, 8, 0)
    with store.session() as s:
        for prefix in ("abcdef12", "abcdef34"):
            s.add(WorkerLinkRow(token_hash=prefix * 8, prefix=prefix, city=CITY,
                                plan_id="p1", team_id="team-1", day=date(2026, 12, 7),
                                valid_until=now + timedelta(hours=12), created_by="kora",
                                created_at=now, revoked_at=None))
    with pytest.raises(UserError, match="Mehrere Links beginnen mit „abcdef“"):
        revoke(store, "abcdef", actor="kora", city=CITY, plan_ids={"p1"})
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(WorkerLinkRow).where(
            WorkerLinkRow.revoked_at.is_not(None))) == 0
    assert revoke(store, "abcdef34", actor="kora", city=CITY).prefix == "abcdef34"


def test_an_account_disabled_under_a_live_session_is_out_at_the_next_request(
        bare) -> None:  # noqa: ANN001
    """``user disable`` deletes the sessions itself; an account disabled another way (a
    database restored, an edit) must still end its live sessions at the next request."""
    from hausbesuch.web.auth import add_user
    from hausbesuch.web.models import SessionRow, UserRow

    url, store = bare
    add_user(store, "gesperrt", PASSWORD, role="koordination", city=CITY)
    with httpx.Client(base_url=url, follow_redirects=False) as c:
        assert login(c, "gesperrt").status_code == 303
        assert c.get("/plaene").status_code == 200
        with store.session() as s:
            s.execute(update(UserRow).where(UserRow.name == "gesperrt").values(disabled=True))
        assert c.get("/plaene").status_code == 303
        with store.session() as s:
            assert s.scalar(select(func.count()).select_from(SessionRow).where(
                SessionRow.user_name == "gesperrt")) == 0


def test_a_coordination_account_needs_a_city(bare, tmp_path: Path) -> None:  # noqa: ANN001
    from hausbesuch.cli import app
    from hausbesuch.web.auth import add_user, list_users

    _, store = bare
    with pytest.raises(UserError, match="--city"):
        add_user(store, "ohnestadt", PASSWORD, role="koordination", city=None)
    db = f"sqlite:///{tmp_path / 'konten.sqlite'}"
    r = CliRunner(env={"HAUSBESUCH_USER": "admin"}).invoke(
        app, ["user", "add", "ohnestadt", "--role", "koordination", "--password-stdin",
              "--db", db], input=PASSWORD + "\n")
    assert r.exit_code == 2 and "--city" in r.output, r.output
    assert "ohnestadt" not in {a.name for a in list_users(store, actor="test")}


# --------------------------------------------------------------------------- the policy
# Tests elsewhere take these numbers from the running app or the module (so that they
# follow a profile's settings); here the defaults are pinned as the README states them.


def test_the_documented_login_and_session_limits() -> None:
    from hausbesuch.web.auth import DEVICE_DAYS, MIN_PASSWORD, Limits, check_password

    limits = Limits()
    assert (limits.max_failures, limits.max_failures_account,
            limits.max_failures_per_address, limits.window_minutes) == (10, 100, 50, 15)
    assert (limits.idle_minutes, limits.absolute_hours) == (30, 12)
    assert limits.max_failures_device == 10 and DEVICE_DAYS == 180  # README: device cookie
    assert MIN_PASSWORD == 12
    with pytest.raises(UserError, match="mindestens 12 Zeichen"):
        check_password("Xq7!vbn#Lp2")  # 11 characters, no words
    check_password("Xq7!vbn#Lp2w")


def test_activity_keeps_a_session_alive_past_its_idle_limit(
        bare, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """A coordinator working without a pause of 30 minutes stays logged in: each request
    counts as activity (stored at most every 30 s), not only the login."""
    from hausbesuch import clock
    from hausbesuch.web.auth import Limits, User, lookup_session, start_session

    _, store = bare
    base = clock.utc()
    token, _ = start_session(store, User(name="kora", role="koordination", city=CITY))
    for minutes, alive in ((20, True), (40, True), (60, True), (91, False)):
        monkeypatch.setattr(clock, "utc", lambda m=minutes: base + timedelta(minutes=m))
        assert (lookup_session(store, token, Limits()) is not None) is alive, minutes


def test_a_new_links_page_key_expires() -> None:
    from hausbesuch.web import security

    shown = security.ShownOnce(seconds=5)
    key = shown.put("sitzung", "plan", "geheim")
    again = shown.put("sitzung", "plan", "geheim-2")
    assert shown.take(key, "sitzung", "plan") == "geheim"
    real = security.time.monotonic
    later = real() + 6
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(security.time, "monotonic", lambda: later)
        assert shown.take(again, "sitzung", "plan") is None


def test_a_friday_link_lasts_until_monday_evening_and_a_prefix_needs_six_characters(
        bare) -> None:  # noqa: ANN001
    from hausbesuch.web.links import check_validity, revoke

    friday = date(2026, 12, 4)
    before = datetime(2026, 12, 1, 8, 0)
    check_validity(friday, datetime(2026, 12, 7, 23, 59, 59), now=before)
    with pytest.raises(UserError, match="mehr als 3 Tage"):
        check_validity(friday, datetime(2026, 12, 8, 0, 0), now=before)
    _, store = bare
    with pytest.raises(UserError, match="mindestens 6 Zeichen"):
        revoke(store, "abcde", actor="kora")


def test_a_move_puts_the_case_in_klaerung_without_a_profiles_mapping() -> None:
    from hausbesuch.casework.rules import PastOutcome, directive

    got = directive([PastOutcome(date(2026, 12, 7), "verzogen", 600)])
    assert got.status == "in_klaerung" and not got.plannable
