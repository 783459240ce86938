"""„Meine Sitzungen“ (OWASP ASVS V3.3.4): a logged-in person sees the live sessions of her
account (started, last active, which browser, which one is this) and ends another one or
all others, after typing her password again (checked as a login is: failures count
towards the lock). Real app on loopback, real SQLite, real sessions; the browser check
in Debian's Chromium at 390 px."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import httpx
import pytest
from sqlalchemy import func, select

from hausbesuch.web.auth import Limits
from tests.browser import page_width
from tests.shots import shoot
from tests.web_fixtures import PASSWORD, bare_app, csrf_of, live_server, login

CITY = "Bad Hersfeld"
PHONE_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
            "Chrome/131.0.0.0 Mobile Safari/537.36")
DESK_UA = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
#: the lock of this module's app: 3 failed logins of one account from one address, or
#: with one device cookie
MAX_FAILURES = 3


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    from hausbesuch.web.auth import add_user

    app = bare_app(tmp_path_factory.mktemp("web-sessions"),
                   limits=Limits(max_failures=MAX_FAILURES,
                                 max_failures_device=MAX_FAILURES))
    for name in ("kurt", "karl", "kim"):
        add_user(app.state.web.store, name, PASSWORD, role="koordination", city=CITY)
    with live_server(app) as live:
        yield live.url, app


def _client(url: str, agent: str | None = None) -> httpx.Client:
    headers = {"User-Agent": agent} if agent else {}
    return httpx.Client(base_url=url, follow_redirects=False, timeout=60, headers=headers)


@contextmanager
def _logged_in(url: str, name: str, agent: str | None = None) -> Iterator[httpx.Client]:
    with _client(url, agent) as c:
        assert login(c, name).status_code == 303
        yield c


def _rows(page: str) -> list[str]:
    """The table rows of the page, as text."""
    body = page.split('id="sitzungen"', 1)[1].split("</table>", 1)[0]
    return [html.unescape(re.sub(r"<[^>]+>", " ", r)) for r in
            re.findall(r"<tr role=\"row\"[^>]*>(.*?)</tr>", body, re.S)][1:]


def _keys(page: str) -> list[str]:
    """The form's names of the other sessions (the radio buttons but „alle“)."""
    return [k for k in re.findall(r'name="sitzung" value="([^"]+)"', page) if k != "alle"]


def _checked(page: str) -> list[str]:
    """The values of the page's checked radio buttons „sitzung“."""
    return re.findall(r'name="sitzung" value="([^"]+)" required checked', page)


def _end(c: httpx.Client, which: str, password: str = PASSWORD,
         token: str | None = None) -> httpx.Response:
    page = c.get("/konto/sitzungen")
    data = {"aktuell": password, "sitzung": which}
    if token != "":
        data["csrf_token"] = token or csrf_of(page.text)
    return c.post("/konto/sitzungen", data=data)


def _alive(c: httpx.Client) -> bool:
    r = c.get("/plaene")
    if r.status_code == 200:
        return True
    assert r.status_code == 303 and r.headers["location"].startswith("/anmelden"), r
    return False


def test_browser_descriptions_are_short_fixed_words() -> None:
    from hausbesuch.web.useragent import describe, shown

    assert describe(PHONE_UA) == "Chrome auf Android"
    assert describe(DESK_UA) == "Firefox auf Windows"
    assert describe(
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1") == "Safari auf iPhone"
    assert describe(
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0") == "Edge auf Windows"
    assert describe("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                    "HeadlessChrome/131.0.0.0 Safari/537.36") == "Chrome auf Linux"
    assert describe("Mozilla/5.0 (X11; Linux x86_64) Zzz/1") == "unbekannter Browser auf Linux"
    for nothing in (None, "", "python-httpx/0.28", "<script>alert(1)</script>", "x" * 10_000):
        assert describe(nothing) is None and shown(describe(nothing)) == "unbekannter Browser"


def test_another_session_is_listed_and_ended_for_real(bare) -> None:  # noqa: ANN001
    """Two real sessions of one account: the page lists both (this one marked, the other
    by its browser); a wrong password or a missing CSRF token ends nothing (the wrong
    password counts as a failed login); the right one ends the other session, whose next
    request goes to the login, and this one goes on. Audited with the account as actor;
    the raw User-Agent is stored nowhere."""
    from hausbesuch.web.models import LoginAttemptRow, SessionRow

    url, app = bare
    store = app.state.web.store
    with _logged_in(url, "kurt", PHONE_UA) as mine, _logged_in(url, "kurt", DESK_UA) as other:
        page = mine.get("/konto/sitzungen")
        assert page.status_code == 200, page.text
        assert 'href="/konto/sitzungen"' in mine.get("/plaene").text  # the header's link
        rows = _rows(page.text)
        assert len(rows) == 2, rows
        assert "Chrome auf Android" in rows[0] and "(diese Sitzung)" in rows[0], rows
        assert "Firefox auf Windows" in rows[1] and "diese Sitzung" not in rows[1], rows
        # since when and last active: moments as the pages write them, with the weekday
        moment = r"(Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr"
        assert len(re.findall(moment, rows[1])) == 2 and " Uhr Uhr" not in rows[1], rows
        keys = _keys(page.text)
        assert len(keys) == 1 and 'value="alle"' in page.text

        before = len(store.audit_rows())
        r = _end(mine, keys[0], password="Falsches-Geheimwort-4711")
        assert r.status_code == 400 and "Das Passwort stimmt nicht" in html.unescape(r.text)
        assert _alive(other)
        with store.session() as s:  # counted towards the lock, as a failed login is
            assert s.scalar(select(func.count()).select_from(LoginAttemptRow)) == 1
        assert [x["action"] for x in store.audit_rows()[before:]] == [
            "anmeldung_fehlgeschlagen"]
        # the session chosen stays chosen, the password field empty (QA 26 F10)
        assert _checked(r.text) == [keys[0]], _checked(r.text)
        assert 'name="aktuell" type="password" value' not in r.text
        assert _end(mine, keys[0], token="").status_code == 403  # no CSRF token
        assert _end(mine, keys[0], token="falsch").status_code == 403
        assert _alive(other)
        r = _end(mine, "alle", password="Falsches-Geheimwort-4712")
        assert r.status_code == 400 and _checked(r.text) == ["alle"], _checked(r.text)
        assert _alive(other)

        r = _end(mine, keys[0])
        assert r.status_code == 200 and "1 Sitzung beendet" in r.text, r.text
        assert len(_rows(r.text)) == 1 and "keine-anderen" in r.text
        gone = other.get("/plaene")  # really invalid: to the login, „Sitzung beendet“
        assert gone.status_code == 303, gone
        assert gone.headers["location"].startswith("/anmelden?abgelaufen=1"), gone.headers
        assert _alive(mine)
        with store.session() as s:
            agents = sorted(s.scalars(select(SessionRow.agent)
                                      .where(SessionRow.user_name == "kurt")))
        assert agents == ["Chrome auf Android"]
        with store.session() as s:  # the right password removed the failure, as a login
            assert s.scalar(select(func.count()).select_from(LoginAttemptRow)) == 0
    rows = [x for x in store.audit_rows() if x["action"] == "sitzungen_beendet"]
    assert [(x["actor"], x["city"], x["details"]["anzahl"], x["details"]["umfang"])
            for x in rows] == [("kurt", CITY, 1, "eine")], rows
    assert rows[0]["details"]["ip"] == "127.0.0.1"
    dumped = json.dumps(store.audit_rows(), default=str)
    for secret in (PHONE_UA, DESK_UA, "Mozilla", PASSWORD, "Falsches-Geheimwort"):
        assert secret not in dumped


def test_all_other_sessions_end_and_this_one_stays(bare) -> None:  # noqa: ANN001
    url, app = bare
    store = app.state.web.store
    with ExitStack() as stack:
        mine = stack.enter_context(_logged_in(url, "karl", DESK_UA))
        others = [stack.enter_context(_logged_in(url, "karl", agent))
                  for agent in (PHONE_UA, None)]
        stranger = stack.enter_context(_logged_in(url, "kim"))  # another account's: kept
        page = mine.get("/konto/sitzungen").text
        assert len(_rows(page)) == 3 and "unbekannter Browser" in page
        assert "Alle anderen Sitzungen beenden (2)" in html.unescape(page)
        r = _end(mine, "alle")
        assert r.status_code == 200 and "2 Sitzungen beendet" in r.text, r.text
        assert [_alive(c) for c in others] == [False, False]
        assert _alive(mine) and _alive(stranger)
        r = _end(mine, "alle")  # nothing left: said so, nothing audited
        assert r.status_code == 200 and "keine andere Sitzung mehr" in html.unescape(r.text)
    rows = [x for x in store.audit_rows() if x["action"] == "sitzungen_beendet"
            and x["actor"] == "karl"]
    assert [(x["details"]["anzahl"], x["details"]["umfang"]) for x in rows] == [
        (2, "alle_anderen")]


def test_a_key_of_another_accounts_session_ends_nothing(bare) -> None:  # noqa: ANN001
    """The page names sessions by a key derived from their id; a key of another
    account's session (or this session's own) ends nothing."""
    from hausbesuch.web.auth import session_key
    from hausbesuch.web.models import SessionRow

    url, app = bare
    web = app.state.web
    with _logged_in(url, "kora") as mine, _logged_in(url, "kim") as victim:
        with web.store.session() as s:
            hashes = {name: [h for h in s.scalars(select(SessionRow.id_hash)
                                                  .where(SessionRow.user_name == name))]
                      for name in ("kora", "kim")}
        for h in hashes["kim"] + hashes["kora"]:
            r = _end(mine, session_key(web.secret, h))
            assert r.status_code == 200 and "keine Sitzung beendet" in html.unescape(r.text)
        assert _alive(victim) and _alive(mine)


def test_wrong_passwords_here_lock_the_account_as_logins_do(bare) -> None:  # noqa: ANN001
    from hausbesuch.web.auth import _LOCKED
    from hausbesuch.web.models import LoginAttemptRow

    url, app = bare
    store = app.state.web.store
    try:
        with _logged_in(url, "kim") as mine, _logged_in(url, "kim") as other:
            key = _keys(mine.get("/konto/sitzungen").text)[0]
            for _ in range(MAX_FAILURES):
                assert _end(mine, key, password="Falsches-Geheimwort-4711").status_code == 400
            r = _end(mine, key)  # locked: the right password is not checked either
            assert r.status_code == 429 and r.headers["retry-after"] == "900", r.headers
            assert _alive(other)
            # a login with this browser's device cookie is locked too (QA 28 #2: the tries
            # carried it, and count for this device) ...
            with _client(url) as third:
                third.cookies.set("hb_geraet", mine.cookies.get("hb_geraet"),
                                  domain="127.0.0.1", path="/")
                assert login(third, "kim").status_code == 429
            with _client(url) as fourth:  # ... but not another browser's from here
                assert login(fourth, "kim").status_code == 303
        # without a device cookie the tries count for the account from this address
        with _logged_in(url, "kim") as mine:
            mine.cookies.delete("hb_geraet")
            key = _keys(mine.get("/konto/sitzungen").text)[0]
            for _ in range(MAX_FAILURES):
                assert _end(mine, key, password="Falsches-Geheimwort-4711").status_code == 400
            assert _end(mine, key).status_code == 429
            with _client(url) as third:
                assert login(third, "kim").status_code == 429
    finally:
        with store.session() as s:
            s.execute(LoginAttemptRow.__table__.delete())
        _LOCKED.clear()


@pytest.mark.browser
def test_sessions_page_at_390_px(bare) -> None:  # noqa: ANN001
    """The page on a phone: no sideways scrolling; another session is chosen, the
    password typed, and it ends."""
    from tests.browser import Recorder, phone_context, shared_browser
    from tests.web_fixtures import log_in_page

    url, _app = bare
    with _logged_in(url, "kora", DESK_UA) as other, shared_browser() as browser:
        page = phone_context(browser, Recorder(tile_host="tile.invalid")).new_page()
        page.set_default_timeout(30_000)
        log_in_page(page, url)
        page.click("a[href='/konto/sitzungen']")
        page.wait_for_url("**/konto/sitzungen")
        assert page.locator("#diese-sitzung").inner_text().count("diese Sitzung") == 1
        assert page_width(page) <= 390
        shoot(page, "web-sessions.png", full_page=True)
        chosen = "input[aria-label^='Beenden: Firefox auf Windows']"
        page.check(chosen)
        # a wrong password: refused, the choice stays (QA 26 F10), the field empty
        page.fill("input[name=aktuell]", "Falsches-Geheimwort-4713")
        page.click("#beenden")
        page.wait_for_selector("#fehlermeldung")
        assert page.is_checked(chosen)
        assert page.input_value("input[name=aktuell]") == ""
        assert page_width(page) <= 390
        shoot(page, "webforms-sitzungen-falsches-pw.png",
                        full_page=True)
        page.fill("input[name=aktuell]", PASSWORD)
        page.click("#beenden")
        page.wait_for_selector("#beendet")
        assert "1 Sitzung beendet" in page.inner_text("#beendet")
        assert page_width(page) <= 390
        assert not _alive(other)
