"""Defence in depth beside the CSRF tokens (QA 28 F7, F8).

- An unsafe request with a valid token is refused (German 403, audited as a refused
  access) when the browser marks it as sent by another site (``Sec-Fetch-Site:
  cross-site``) or its ``Origin`` is another origin than the app's own; the app's own
  origin (the request's scheme and ``Host``, behind ``--proxy`` the proxy's scheme, or the
  ``--base-url``) passes, and without ``Origin`` (an old client, curl) or with
  ``Origin: null`` (Chromium's form POST under ``Referrer-Policy: no-referrer``) the token
  decides.
- Real Chromium posts the app's own forms (login, „Angemeldet bleiben“ by fetch) and
  they pass.
- HSTS over https says ``includeSubDomains``.

The app runs over a real SQLite database, served by uvicorn on loopback (the browser
test) or in process through Starlette's test client (headers a browser would not let a
test set).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.web_fixtures import (
    PASSWORD,
    bare_app,
    csrf_of,
    live_server,
    log_in_page,
    logged_in,
)

EVIL = "https://evil.example"
REFUSED = "fremden Website"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    app = bare_app(tmp_path_factory.mktemp("origin"))
    with live_server(app) as live:
        yield live


def _token(c: httpx.Client) -> str:
    return csrf_of(c.get("/konto/passwort").text)


def _refusals(app) -> list[dict]:  # noqa: ANN001
    from hausbesuch.store import AuditRow

    store = app.state.web.store
    with store.session() as s:
        rows = s.scalars(select(AuditRow).where(AuditRow.action == "zugriff_verweigert")).all()
        return [json.loads(r.details) if isinstance(r.details, str) else r.details
                for r in rows]


def test_a_valid_token_from_another_site_is_refused(served) -> None:  # noqa: ANN001
    own = served.url  # http://127.0.0.1:<port>
    with logged_in(served.url, "kora") as c:
        token = _token(c)
        data = {"csrf_token": token}
        # the app's own origin, no Origin at all (curl, old clients) and Origin null (a
        # form of the app's pages in Chromium): the token decides
        for headers in ({"Origin": own, "Sec-Fetch-Site": "same-origin"}, {},
                        {"Origin": "null", "Sec-Fetch-Site": "same-origin"},
                        {"Sec-Fetch-Site": "none"}):
            r = c.post("/sitzung/verlaengern", data=data, headers=headers)
            assert r.status_code == 200, (headers, r.status_code, r.text[:300])
        r = c.post("/sitzung/verlaengern", data={"csrf_token": "falsch"})
        assert r.status_code == 403
        # another site, with the valid token: refused before anything is done
        before = len(_refusals(served.app))
        for headers in ({"Origin": EVIL}, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"},
                        {"Sec-Fetch-Site": "cross-site"},
                        {"Origin": "null", "Sec-Fetch-Site": "cross-site"},
                        # same host, another port or scheme: another origin
                        {"Origin": own.replace("127.0.0.1:", "127.0.0.1:1")},
                        {"Origin": "http://localhost:1"}):
            r = c.post("/sitzung/verlaengern", data=data, headers=headers)
            assert r.status_code == 403, (headers, r.status_code)
            assert REFUSED in r.text, r.text[:500]
            assert "<html" in r.text.lower()  # the German error page, as the CSRF refusal
        # the session is still there and works
        assert c.post("/sitzung/verlaengern", data=data).status_code == 200
        # logout from another site is refused too (the session goes on)
        assert c.post("/abmelden", data=data, headers={"Origin": EVIL}).status_code == 403
        assert c.get("/plaene").status_code == 200
    refusals = _refusals(served.app)[before:]
    assert refusals and all(REFUSED in d["grund"] for d in refusals), refusals
    assert {d["weg"] for d in refusals} >= {"POST /sitzung/verlaengern", "POST /abmelden"}


def test_login_from_another_site_is_refused(served) -> None:  # noqa: ANN001
    with httpx.Client(base_url=served.url, follow_redirects=False, timeout=60) as c:
        token = csrf_of(c.get("/anmelden").text)
        form = {"name": "kora", "passwort": PASSWORD, "csrf_token": token}
        r = c.post("/anmelden", data=form, headers={"Origin": EVIL})
        assert r.status_code == 403 and REFUSED in r.text
        r = c.post("/anmelden", data=form, headers={"Origin": served.url})
        assert r.status_code == 303, r.status_code


def test_behind_the_proxy_and_with_base_url_the_own_origin_passes(tmp_path: Path) -> None:
    """``serve --proxy``: uvicorn takes the scheme from the proxy's ``X-Forwarded-Proto``,
    the ``Host`` is the proxy's (nginx ``$host``, Caddy by default) or, with a proxy
    passing its own ``proxy_pass`` host, the ``--base-url`` names the origin."""
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    app = bare_app(tmp_path, base_url="https://hb.example.de")
    # (no ``with``: no lifespan, the app has no job runner)
    proxied = TestClient(ProxyHeadersMiddleware(app, trusted_hosts="*"),
                         base_url="http://hb.example.de")
    https = {"X-Forwarded-Proto": "https"}
    page = proxied.get("/anmelden", headers=https)
    token = csrf_of(page.text)
    cookie = page.headers["set-cookie"].split(";")[0]

    def login(headers: dict[str, str], host: str = "hb.example.de") -> int:
        return proxied.post("/anmelden", follow_redirects=False,
                            headers={**https, "Cookie": cookie, "Host": host, **headers},
                            data={"name": "kora", "passwort": PASSWORD,
                                  "csrf_token": token}).status_code

    assert login({"Origin": "http://hb.example.de"}) == 403  # an http page of the same host
    assert login({"Origin": "https://hb.example.de:8443"}) == 403
    assert login({"Origin": "https://evil.example"}) == 403
    # the proxy passes its own host (127.0.0.1:8000): the --base-url names the origin
    assert login({"Origin": "https://hb.example.de"}, host="127.0.0.1:8000") == 303
    assert login({"Origin": "https://hb.example.de", "Sec-Fetch-Site": "same-origin"}) == 303
    assert login({"Origin": "https://hb.example.de:443"}) == 303  # the default port


@pytest.mark.browser
def test_chromium_posts_the_apps_own_forms(served) -> None:  # noqa: ANN001
    """Chromium sends ``Origin: null`` with the login form (the page's no-referrer policy)
    and the real origin with the page script's fetch („Angemeldet bleiben“): both pass."""
    from tests.browser import desktop_page, shared_browser

    posts: list = []
    with shared_browser() as browser:
        page, rec = desktop_page(browser)
        page.on("request", lambda r: posts.append(r) if r.method == "POST" else None)
        log_in_page(page, served.url)  # the login form
        status = page.evaluate("""async () => {
            const token = document.querySelector("input[name=csrf_token]").value;
            const r = await fetch("/sitzung/verlaengern", {method: "POST",
                headers: {"X-CSRF-Token": token}});
            return r.status; }""")
        seen = [(r.url.removeprefix(served.url), r.all_headers().get("origin"))
                for r in posts]
    assert status == 200
    assert rec.violations == [], rec.violations
    assert ("/anmelden", "null") in seen, seen
    assert ("/sitzung/verlaengern", served.url) in seen, seen


def test_hsts_includes_subdomains(tmp_path: Path) -> None:
    app = bare_app(tmp_path)
    tc = TestClient(app, base_url="https://testserver")
    for path in ("/anmelden", "/static/web/app.css", "/gibt-es-nicht"):
        assert tc.get(path).headers["strict-transport-security"] == \
            "max-age=31536000; includeSubDomains"
    assert "strict-transport-security" not in TestClient(
        app, base_url="http://testserver").get("/anmelden").headers
