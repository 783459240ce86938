"""The coordinator's pages ask for the web app's own static files under a versioned path.

A static file is cached by the browser for an hour (``Cache-Control: public,
max-age=3600``). With plain URLs, a page of a new version could run the previous
version's script (or style) from the browser's cache for up to that hour after an
update. The pages name each file under ``/static/web/v/<version>/``, the version a hash of
the static files (:func:`hausbesuch.web.app.static_version`), so that a changed file has a
new URL. (The phone's page carries its service worker's own version: test_worker_assets.)
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from tests.web_fixtures import PASSWORD, login

ASSET = re.compile(r'(?:src|href)="(/static/web/[^"]+)"')


def test_pages_name_their_static_files_with_the_version(tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    from hausbesuch.web import app as web_app
    from hausbesuch.web.app import create_app, static_version
    from hausbesuch.web.auth import add_user

    app = create_app(f"sqlite:///{tmp_path / 'd.sqlite'}", cities=["bad-hersfeld"],
                     run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
    version = static_version()
    seen: set[str] = set()
    with TestClient(app, base_url="https://testserver") as c:
        pages = [c.get("/anmelden").text]
        assert login(c, "kora").status_code in (200, 303)
        pages += [c.get(p).text for p in ("/plaene", "/adressen", "/kundenliste")]
        for page in pages:
            for url in ASSET.findall(page):
                assert url.startswith(f"/static/web/v/{version}/"), url
                seen.add(url)
        assert {u.rsplit("/", 1)[1] for u in seen} >= {"app.css", "sitzung.js", "einmal.js"}
        for url in seen:  # served as the file is now, with the static files' caching
            resp = c.get(url)
            name = url.removeprefix(f"/static/web/v/{version}/")
            assert resp.status_code == 200, url
            assert resp.content == (web_app.WEB_DIR / "static" / name).read_bytes()
            assert resp.headers["cache-control"] == "public, max-age=3600"


def test_the_version_changes_with_any_static_file(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    from hausbesuch.web import app as web_app

    before = web_app.static_version()
    copy = tmp_path / "web"
    shutil.copytree(web_app.WEB_DIR / "static", copy / "static")
    monkeypatch.setattr(web_app, "WEB_DIR", copy)
    assert web_app.static_version() == before  # the same files: the same version
    css = copy / "static" / "app.css"
    css.write_bytes(css.read_bytes() + b"\n/* neu */\n")
    assert web_app.static_version() != before
