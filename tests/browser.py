"""Drive Debian's Chromium (``/usr/bin/chromium``) headless through Playwright, offline.

- :func:`require_chromium` fails (``CI`` set) or skips when Chromium is missing.
- :func:`serve_directory` serves a directory on a loopback port.
- :func:`wait_until_async` waits for an async predicate in the page (Playwright's
  ``wait_for_function`` takes its promise for a truthy value and returns at once).
- :func:`wait_for_retry` waits for the field worker's page to send its queue again, with
  the page's retry (every 10 s) run at once on the page's Playwright clock.
- :class:`Recorder` intercepts every request of a browser context: the tile server is
  answered with a small generated PNG (no internet needed), loopback/file/data requests
  pass, anything else is aborted and recorded as a violation. It also collects console
  errors and uncaught page errors.
"""

from __future__ import annotations

import functools
import http.server
import os
import shutil
import struct
import tempfile
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest

CHROMIUM = Path(os.environ.get("HAUSBESUCH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1", "[::1]"}


def require_chromium() -> Path:
    """Path to Chromium; fail with a clear message under ``CI``, skip elsewhere."""
    if CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    msg = (
        f"Chromium not found at {CHROMIUM}: install Debian's package "
        "(apt-get install chromium; scripts/test.sh does this)"
    )
    if os.environ.get("CI"):
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)


def wait_until_async(page, predicate: str, arg: object = None, *,  # noqa: ANN001
                     timeout_ms: int = 15_000, what: str = "") -> object:
    """Evaluate ``predicate`` (JavaScript, may be async: its promise is awaited) in
    ``page`` every 100 ms until it gives a truthy value, and return that; fail after
    ``timeout_ms`` naming ``what`` and the last value. ``page.wait_for_function`` is no
    substitute: it takes the promise of an async predicate as truthy and returns at once
    (checked with Chromium 150: ``async () => false`` "succeeds" at once)."""
    last: object = None
    for _ in range(max(1, timeout_ms // 100)):
        last = page.evaluate(predicate, arg)
        if last:
            return last
        page.wait_for_timeout(100)
    raise AssertionError(f"not so after {timeout_ms} ms: {what or predicate} (last: {last!r})")


def page_width(page) -> int:  # noqa: ANN001
    """The width of ``page``'s document (``scrollWidth``) once it has loaded.

    A form sent with a click and a selector of the new page waited for leave the new
    document parsed but its stylesheet perhaps not yet applied (the parser does not wait
    for it): measured then, the page is as wide as its unstyled tables (a CI run under
    load measured 691 px at 390 px). The ``load`` event comes after the stylesheets."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")


def fits_screen(page, slack: int = 0) -> bool:  # noqa: ANN001
    """Whether ``page`` (loaded, :func:`page_width`) is no wider than its window."""
    return page_width(page) <= page.evaluate("window.innerWidth") + slack


#: How often the field worker's page tries again by itself to send the outcomes it keeps
#: (the ``setInterval(…, 10000)`` that calls ``flush`` in hausbesuch/web/static/worker.js).
QUEUE_RETRY_MS = 10_000


def wait_for_retry(page, predicate: str, arg: object = None, *,  # noqa: ANN001
                   timeout_ms: int = 30_000) -> None:
    """Wait until ``predicate`` (JavaScript) holds in the field worker's ``page`` once the
    page has tried again to send its queue, and let that try come now: the page's timers
    run :data:`QUEUE_RETRY_MS` ahead on its Playwright clock (installed before the page
    loaded, e.g. by ``page.clock.set_fixed_time``, whose fixed time stays), as they would
    while a phone waits, instead of the test waiting up to 10 s in real time.

    For the moments in which the page gets no ``online`` event to send at once: a send cut
    off while the phone has signal (a request aborted), and Playwright's
    ``set_offline(False)`` in a page loaded without signal (Playwright leaves its
    ``navigator.onLine`` true: no change, no event). A try still under way when the timers
    run lets the page skip that turn (``flush`` sends one outcome at a time): the timers
    run ahead again after each second without ``predicate``, three times at most; after
    that the real interval still comes within ``timeout_ms``."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    for _ in range(3):
        page.clock.run_for(QUEUE_RETRY_MS)
        try:
            page.wait_for_function(predicate, arg=arg, timeout=1_000)
            return
        except PlaywrightTimeoutError:
            pass
    page.wait_for_function(predicate, arg=arg, timeout=max(1_000, timeout_ms - 3_000))


def png_tile(size: int = 256, rgb: tuple[int, int, int] = (232, 228, 218)) -> bytes:
    """A plain opaque PNG tile, built without any imaging library."""
    raw = b"".join(b"\x00" + bytes(rgb) * size for _ in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def serve_directory(root: Path) -> Iterator[str]:
    """Serve ``root`` on ``http://127.0.0.1:<free port>``; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@dataclass
class Recorder:
    """Requests, violations and errors seen by one browser context."""

    tile_host: str
    requests: list[str] = field(default_factory=list)
    tiles: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    _tile: bytes = field(default_factory=png_tile, repr=False)

    def hosts(self) -> set[str]:
        return {urlsplit(u).hostname or "" for u in self.requests if urlsplit(u).hostname}

    def handle_route(self, route, request) -> None:  # playwright Route/Request
        url = request.url
        self.requests.append(url)
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.scheme in ("file", "data", "blob", "about") or host in LOOPBACK_HOSTS:
            route.continue_()
        elif host == self.tile_host:
            self.tiles.append(url)
            route.fulfill(status=200, content_type="image/png", body=self._tile)
        else:
            self.violations.append(url)
            route.abort("blockedbyclient")

    def attach_page(self, page) -> None:
        page.on(
            "console",
            lambda msg: self.console_errors.append(f"{msg.text} @ {msg.location}")
            if msg.type == "error"
            else None,
        )
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))

    def reset(self) -> None:
        for lst in (self.requests, self.tiles, self.violations, self.console_errors, self.page_errors):
            lst.clear()


def launch(pw):  # noqa: ANN001, ANN201
    """Debian's Chromium, headless, through Playwright's ``pw``."""
    return pw.chromium.launch(executable_path=str(require_chromium()), headless=True,
                              args=CHROMIUM_ARGS)


#: The driver and Chromium of :func:`shared_browser` in this process: [Playwright, Browser or
#: None], or empty.
_SHARED: list = []


@contextmanager
def shared_browser() -> Iterator[object]:
    """Debian's Chromium as :func:`launch` gives it, started once and kept for the next
    tests, also of the next modules that drive Chromium (:func:`close_shared_browser` ends
    it: ``tests/conftest.py`` calls it before a module without a test marked ``browser``
    and at the end of the test process): starting Playwright's driver and Chromium takes
    about 2 s, a context 0.4 s. Every context (and page) opened during the ``with`` is closed at its end, so a
    test sees a browser with no page, cookie, storage or service worker of another test,
    as with a browser of its own (Chromium's contexts share nothing of that).

    While it runs, Playwright's sync API marks its event loop as running in this thread,
    so ``asyncio.run`` cannot run here: only for modules that do not need that (nor
    start a ``sync_playwright()`` of their own)."""
    if _SHARED and _SHARED[1] is not None and not _SHARED[1].is_connected():  # crashed
        close_shared_browser()
    pw = shared_playwright()
    if _SHARED[1] is None:
        _SHARED[1] = launch(pw)
    browser = _SHARED[1]
    before = set(browser.contexts)
    try:
        yield browser
    finally:
        for ctx in browser.contexts:
            if ctx not in before:
                ctx.close()


def shared_playwright():  # noqa: ANN201
    """Playwright's driver of :func:`shared_browser`, started once: a second
    ``sync_playwright()`` cannot start while it runs."""
    if not _SHARED:
        from playwright.sync_api import sync_playwright

        _SHARED[:] = [sync_playwright().start(), None]
    return _SHARED[0]


def close_shared_browser() -> None:
    """End the Chromium of :func:`shared_browser` and Playwright's driver, if they run."""
    if _SHARED:
        pw, browser = _SHARED
        _SHARED.clear()
        try:
            if browser is not None:
                browser.close()
        finally:
            pw.stop()


def phone_context(browser, rec: Recorder):  # noqa: ANN001, ANN201
    """A phone-sized context (390 × 844, touch, German) whose requests ``rec`` records."""
    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True,
                                has_touch=True, locale="de-DE", service_workers="block")
    phone.route("**/*", rec.handle_route)
    return phone


def phone_page(browser, tile_host: str = "tile.openstreetmap.org"):  # noqa: ANN001, ANN201
    """A page of a new :func:`phone_context` whose requests a new :class:`Recorder` records
    (tiles from ``tile_host``), with a 30 s default timeout: (page, recorder)."""
    rec = Recorder(tile_host=tile_host)
    page = phone_context(browser, rec).new_page()
    page.set_default_timeout(30_000)
    return page, rec


def desktop_page(browser, tile_host: str = "tile.openstreetmap.org"):  # noqa: ANN001, ANN201
    """As :func:`phone_page`, on a coordinator's screen (1280 × 900, German, no service
    workers): (page, recorder)."""
    rec = Recorder(tile_host=tile_host)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="de-DE",
                                  service_workers="block")
    context.route("**/*", rec.handle_route)
    page = context.new_page()
    page.set_default_timeout(30_000)
    return page, rec


@contextmanager
def chromium_context(tile_host: str, *, viewport: tuple[int, int] = (420, 860)) -> Iterator[tuple[object, Recorder]]:
    """A fresh headless Chromium context (new user-data-dir) with a :class:`Recorder`.

    Yields ``(context, recorder)``; every new page gets the console/page-error hooks. The
    Chromium is its own, started by the driver of :func:`shared_browser` when that runs
    (a second driver cannot start beside it), else by one of its own that ends with it.
    """
    from contextlib import nullcontext

    from playwright.sync_api import sync_playwright

    exe = require_chromium()
    user_data = tempfile.mkdtemp(prefix="hausbesuch-chromium-")
    rec = Recorder(tile_host=tile_host)
    try:
        with nullcontext(_SHARED[0]) if _SHARED else sync_playwright() as pw:
            ctx = pw.chromium.launch_persistent_context(
                user_data,
                executable_path=str(exe),
                headless=True,
                args=CHROMIUM_ARGS,
                viewport={"width": viewport[0], "height": viewport[1]},
                locale="de-DE",
                timezone_id="Europe/Berlin",
                service_workers="block",
            )
            try:
                ctx.route("**/*", rec.handle_route)
                ctx.on("page", rec.attach_page)
                for p in ctx.pages:
                    rec.attach_page(p)
                yield ctx, rec
            finally:
                ctx.close()
    finally:
        shutil.rmtree(user_data, ignore_errors=True)


def ax_node(page, selector: str) -> dict:  # noqa: ANN001
    """The node of the first element matching ``selector`` in Chromium's own accessibility
    tree (CDP ``Accessibility.getPartialAXTree``): ``role``, ``name``, ``description``,
    ``ignored`` and its properties by name (``live``, ``invalid``, ``focused``, …; a
    relation such as ``describedby`` as the list of its elements' ids)."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("Accessibility.enable")
        root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
        node_id = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node_id:
            raise AssertionError(f"no element {selector!r}")
        node = cdp.send("Accessibility.getPartialAXTree",
                        {"nodeId": node_id, "fetchRelatives": False})["nodes"][0]
        out = {"role": node.get("role", {}).get("value"),
               "name": node.get("name", {}).get("value"),
               "description": node.get("description", {}).get("value"),
               "ignored": node.get("ignored")}
        for prop in node.get("properties", []):
            value = prop["value"]
            if "relatedNodes" in value:
                ids = []
                for rel in value["relatedNodes"]:
                    desc = cdp.send("DOM.describeNode", {"backendNodeId": rel["backendDOMNodeId"]})
                    attrs = desc["node"].get("attributes", [])
                    ids.append(dict(zip(attrs[::2], attrs[1::2], strict=False)).get("id"))
                out[prop["name"]] = ids
            else:
                out[prop["name"]] = value.get("value")
        return out
    finally:
        cdp.detach()


def _luminance(css_rgb: str) -> float:
    """Relative luminance (WCAG 2.1) of a computed colour ``rgb(r, g, b)``/``rgba(…)``."""
    import re

    r, g, b = (int(x) for x in re.findall(r"\d+", css_rgb)[:3])

    def lin(c: int) -> float:
        c = c / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b)


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of two computed colours (opaque)."""
    a, b = sorted((_luminance(fg), _luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)
