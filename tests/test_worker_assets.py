"""A new version of the phone page runs its own script on its first load (fix 31), driven in
Debian's Chromium against the real server.

The service worker answers the page's assets (``worker.js``, ``app.css`` …) from its cache.
On the first load with signal after a deploy, the previous version's service worker still
controls the page: the page came fresh from the server, but ``worker.js`` came from that
worker's cache, so the new page ran the previous version's script until the next reload.
The page now asks for its assets with the version in their path
(:func:`hausbesuch.web.pages_worker.asset_urls`): the previous worker does not hold those
and lets them through to the network. That worker keeps a copy of the page for use without
signal only of its own version (header ``X-Asset-Version``): a copy of the new page kept in
its cache would open without signal without its script and styles.

A new version is simulated by what the server takes as the asset version
(``pages_worker.asset_version``) and a ``worker.js`` with a mark at its start, served from
a copy of the static folder.
"""

from __future__ import annotations

import json
import re
import shutil
from datetime import datetime
from datetime import time as dtime
from pathlib import Path

import httpx
import pytest

from tests import test_web
from tests.fake_clock import exercise_time_of_day
from tests.test_worker_cache import (
    BERLIN,
    _browser,
    _fresh_route,
    _link,
    _ms,
    _open_with_worker,
    _phone,
)
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

#: What the new version's ``worker.js`` does first: the page shows which script runs.
MARK = 'document.documentElement.setAttribute("data-fassung", "neu");\n'
FASSUNG = "() => document.documentElement.getAttribute('data-fassung')"


def _new_version(site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The server runs a new version from now on: another asset version, and a
    ``worker.js`` that starts with :data:`MARK` (every mount of the web app's static
    folder serves a copy of it). Returns the new version."""
    from hausbesuch.web import pages_worker

    old = pages_worker.asset_version()
    new = "0" * 11 + ("1" if old != "0" * 11 + "1" else "2")
    folder = tmp_path / "static"
    shutil.copytree(pages_worker._WEB_DIR / "static", folder)
    script = folder / "worker.js"
    script.write_text(MARK + script.read_text(encoding="utf-8"), encoding="utf-8")
    static = (pages_worker._WEB_DIR / "static").resolve()
    mounts = [r.app for r in site.app.routes
              if [Path(d).resolve() for d in
                  getattr(getattr(r, "app", None), "all_directories", [])] == [static]]
    assert mounts
    for m in mounts:
        monkeypatch.setattr(m, "all_directories", [folder])
    monkeypatch.setattr(pages_worker, "asset_version", lambda: new)
    return new


def _only_cache(page, url: str, version: str, until_ms: int) -> None:  # noqa: ANN001
    """Wait until the link's only cache on the phone is the one of ``version`` and holds
    the page. (Polled here: ``wait_for_function`` takes the promise of an async predicate
    as a truthy value and returns at once.)"""
    name = f"hausbesuch-{version}-{until_ms}-{url}"
    found = None
    for _ in range(300):
        found = page.evaluate(
            """async ([scope, name]) => {
                 const names = (await caches.keys()).filter((n) => n.endsWith('-' + scope));
                 const page = names.includes(name) &&
                   !!(await (await caches.open(name)).match(scope));
                 return {names, page}; }""", [url, name])
        if found == {"names": [name], "page": True}:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"the link's caches are {found}, not only {name} with the page")


def _works_offline(ctx, page, route) -> None:  # noqa: ANN001
    """Opened again without signal: the copy with the new version's script and styles."""
    ctx.set_offline(True)
    try:
        page.reload()
        assert page.locator("li.stop").count() == len(route.stops)
        assert page.evaluate(FASSUNG) == "neu"
        # the whole of worker.js ran (it folds the appointment's fields away until
        # „Termin vereinbart“ is tapped), and app.css came too
        assert page.locator(".appt[hidden]").count() == page.locator(".appt").count() > 0
        assert page.evaluate("() => getComputedStyle(document.querySelector('.banners'))"
                             ".position") == "sticky"
    finally:
        ctx.set_offline(False)


@sqlite_only()
@pytest.mark.browser
def test_the_first_load_of_a_new_version_runs_its_own_script(
        site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Loaded with signal while the previous version's service worker controls the phone,
    the new page runs the new ``worker.js`` at once (not the one in that worker's cache),
    and once the new worker took over, the page opens without signal with it."""
    from hausbesuch.web.pages_worker import asset_version

    route = _fresh_route(site)
    _, link, url = _link(site, route)
    until = _ms(link.valid_until)
    with _browser() as browser:
        ctx, page, errors = _phone(browser)
        _open_with_worker(page, url)
        _only_cache(page, url, asset_version(), until)
        assert page.evaluate(FASSUNG) is None
        new = _new_version(site, monkeypatch, tmp_path)
        page.reload()  # (under the previous version's service worker)
        assert page.evaluate(FASSUNG) == "neu"
        _only_cache(page, url, new, until)
        _works_offline(ctx, page, route)
        assert errors == []
        ctx.close()


@sqlite_only()
@pytest.mark.browser
def test_an_open_page_of_the_previous_version_keeps_a_copy_that_works_offline(
        site: Site, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A page open since before the deploy asks its (previous) service worker for a fresh
    copy when its minute check finds outcomes changed. The server's page is of the new
    version now: kept in the previous worker's cache, opened without signal it found
    neither its script nor its styles there. The previous worker keeps no copy of another
    version but has the new worker installed, which keeps its own, fresh, copy."""
    from hausbesuch import clock
    from hausbesuch.web.pages_worker import asset_version

    route = _fresh_route(site)
    monkeypatch.setenv(clock.ENV, route.day.isoformat())
    exercise_time_of_day(monkeypatch, dtime(21, 0))  # (after every visit)
    _, link, url = _link(site, route)
    until = _ms(link.valid_until)
    cid = route.stops[0].client_id
    with _browser() as browser:
        ctx, page, errors = _phone(browser)
        page.clock.install(time=datetime.combine(route.day, dtime(10, 5), BERLIN).timestamp())
        _open_with_worker(page, url)
        _only_cache(page, url, asset_version(), until)
        new = _new_version(site, monkeypatch, tmp_path)
        # the colleague's phone records the first stop
        csrf = re.search(r'data-csrf="([^"]+)"', httpx.get(url).text).group(1)
        r = httpx.post(url + "ergebnis", headers={"X-CSRF-Token": csrf,
                                                  "Accept": "application/json"},
                       data={"kundennummer": cid, "ergebnis": "angetroffen",
                             "schluessel": "kollege-1"})
        assert r.status_code == 200, r.text
        page.clock.run_for(61_000)
        _only_cache(page, url, new, until)
        _works_offline(ctx, page, route)
        # the copy is the fresh one: it shows the colleague's outcome
        assert "Angetroffen" in page.locator(f"#stopp-{cid} [data-state]").inner_text()
        assert errors == []
        ctx.close()


@sqlite_only()
def test_the_pages_assets_carry_the_version_the_service_worker_keeps(site: Site) -> None:
    """The page asks for its assets under ``/static/web/v/<version>/``, with the version
    in a header; ``sw.js`` keeps exactly those; they are served with the static files'
    headers (the CSP allows scripts and styles from this server only: still so)."""
    from hausbesuch.web.pages_worker import asset_version

    route = _fresh_route(site)
    _, _, url = _link(site, route)
    version = asset_version()
    page = httpx.get(url)
    assert page.headers["x-asset-version"] == version
    srcs = re.findall(r'<script src="([^"]+)"', page.text)
    css = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page.text)
    base = f"/static/web/v/{version}/"
    assert srcs == [base + "unsent.js", base + "worker.js"] and css == [base + "app.css"]
    sw = httpx.get(url + "sw.js")
    assets = re.search(r"const ASSETS = (\[.*\]);", sw.text).group(1)
    assert sorted(json.loads(assets)) == sorted(srcs + css)
    for path in srcs + css:
        r = httpx.get(site.url + path)
        plain = httpx.get(site.url + path.replace(f"/v/{version}", ""))
        assert r.status_code == 200 and r.content == plain.content, path
        assert r.headers["cache-control"] == plain.headers["cache-control"]
        assert r.headers["content-security-policy"] == page.headers["content-security-policy"]
    assert "script-src 'self';" in page.headers["content-security-policy"]
    # only the folder's files: no way out of it
    for bad in (f"/static/web/v/{version}/../../app.py",
                f"/static/web/v/{version}/%2e%2e/%2e%2e/app.py",
                f"/static/web/v/{version}/templates/sw.js.j2"):
        assert httpx.get(site.url + bad).status_code == 404, bad
