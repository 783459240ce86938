"""Which hosts ``serve`` answers, where link URLs come from, plain HTTP on the network
(QA 17a F4, F5).

- ``serve --base-url``: worker link URLs and QR codes are built from it, never from the
  request's ``Host`` (a proxy passing a client's ``Host`` on made links to any host).
- A host check: a request naming a host that is none of the base URL's, the ``--host``
  address (not a wildcard) or localhost is answered with a German 400 page (closes DNS
  rebinding too); behind ``--proxy`` or on a wildcard address without ``--base-url`` every
  host is answered, and ``serve`` warns at its start.
- An address off loopback without ``--proxy`` (plain HTTP on the network) is refused at
  the start unless ``--insecure-http`` is given (then a warning).
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.test_web import _current_plan, site  # noqa: F401 - the fixture, used by name
from tests.test_web_errors import _headers
from tests.test_web_input import _alert
from tests.web_fixtures import Site, bare_app, csrf_of, live_server, logged_in, sqlite_only

ROOT = Path(__file__).resolve().parents[1]
CITY = "Bad Hersfeld"
BASE = "https://hausbesuch.example.de"


# --------------------------------------------------------------------------- the rules


def test_plain_http_on_the_network_needs_proxy_or_insecure_http() -> None:
    from hausbesuch.commands.web import _serve_hosts
    from hausbesuch.errors import UserError

    for host in ("0.0.0.0", "::", "192.0.2.7"):
        with pytest.raises(UserError) as info:
            _serve_hosts(host, host, proxy=False, base_url=None, insecure_http=False)
        message = str(info.value)
        assert message.startswith(f"--host {host}: ohne --proxy liefe der Server im Netz über "
                                  "unverschlüsseltes HTTP"), message
        assert "--insecure-http" in message and "127.0.0.1" in message
        _allowed, warnings = _serve_hosts(host, host, proxy=False, base_url=None,
                                          insecure_http=True)
        assert warnings[0].startswith("Warnung: --insecure-http"), warnings
    # loopback, also behind a proxy: no refusal, no warning on plain HTTP
    for host, address, proxy in (("127.0.0.1", "127.0.0.1", False),
                                 ("localhost", "127.0.0.1", False), ("::1", "::1", False),
                                 ("127.0.0.1", "127.0.0.1", True)):
        _allowed, warnings = _serve_hosts(host, address, proxy=proxy, base_url=BASE,
                                          insecure_http=False)
        assert not any("--insecure-http" in w for w in warnings), (host, warnings)
    # --proxy on an address of the network: everyone beside the proxy would get plain
    # HTTP (the proxy is on this machine: only 127.0.0.1's X-Forwarded-* are trusted)
    for host in ("0.0.0.0", "192.0.2.7"):
        with pytest.raises(UserError) as info:
            _serve_hosts(host, host, proxy=True, base_url=BASE, insecure_http=False)
        assert str(info.value).startswith(f"--host {host}: mit --proxy bitte nur an "
                                          "127.0.0.1 lauschen"), str(info.value)


def test_allowed_hosts_follow_base_url_host_and_loopback() -> None:
    from hausbesuch.commands.web import _serve_hosts

    allowed, warnings = _serve_hosts("127.0.0.1", "127.0.0.1", proxy=False, base_url=None,
                                     insecure_http=False)
    assert set(allowed) == {"localhost", "127.0.0.1", "::1"} and warnings == []
    allowed, warnings = _serve_hosts("127.0.0.1", "127.0.0.1", proxy=True,
                                     base_url=BASE + ":8443", insecure_http=False)
    assert set(allowed) == {"localhost", "127.0.0.1", "::1", "hausbesuch.example.de"}
    assert warnings == []
    allowed, _ = _serve_hosts("192.0.2.7", "192.0.2.7", proxy=False, base_url=None,
                              insecure_http=True)
    assert set(allowed) == {"localhost", "127.0.0.1", "::1", "192.0.2.7"}
    allowed, _ = _serve_hosts("0.0.0.0", "0.0.0.0", proxy=True, base_url=BASE,
                              insecure_http=True)
    assert "0.0.0.0" not in allowed and "hausbesuch.example.de" in allowed
    # the host cannot be known: any, with a warning naming --base-url
    for host, proxy in (("127.0.0.1", True), ("0.0.0.0", True)):
        allowed, warnings = _serve_hosts(host, host, proxy=proxy, base_url=None,
                                         insecure_http=host != "127.0.0.1")
        assert allowed is None
        assert any(w.startswith("Warnung: ohne --base-url") and "Host-Angabe" in w
                   for w in warnings), warnings


def test_base_url_is_checked_and_normalised() -> None:
    from hausbesuch.commands.web import _base_url
    from hausbesuch.errors import UserError

    assert _base_url("https://Hausbesuch.Example.DE/") == BASE
    assert _base_url(" http://[::1]:8000 ") == "http://[::1]:8000"
    assert _base_url("https://bücher.example:8443") == "https://xn--bcher-kva.example:8443"
    # as a browser writes it (IDNA 2008): „ß“ is no „ss“, a link to strasse.de would lead
    # to another domain with the route's token
    assert _base_url("https://hausbesuch.straße.de") == "https://hausbesuch.xn--strae-oqa.de"
    assert _base_url("https://hausbesuch.example.de./") == BASE  # the root's dot
    assert _base_url("https://127.0.0.1:8443") == "https://127.0.0.1:8443"
    for bad in ("hausbesuch.example.de", "ftp://x.de", "https://x.de/pfad", "https://u:p@x.de",
                "https://x.de?a=1", "https://x.de#x", "https://x.de:99999", "https://<x>.de",
                "https://", "javascript:alert(1)", "https://0x7f000001", "https://2130706433",
                "https://127.1", "https://x.de:0"):
        with pytest.raises(UserError) as info:
            _base_url(bad)
        assert str(info.value).startswith(f"--base-url {bad}: bitte die Adresse"), bad


# --------------------------------------------------------------------------- the host check


@pytest.fixture(scope="module")
def checked(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A bare app with the hosts ``serve --host 127.0.0.1`` allows; its URL."""
    from hausbesuch.commands.web import _serve_hosts

    allowed, _ = _serve_hosts("127.0.0.1", "127.0.0.1", proxy=False, base_url=None,
                              insecure_http=False)
    app = bare_app(tmp_path_factory.mktemp("serve-hosts"), allowed_hosts=allowed)
    with live_server(app) as live:
        yield live.url


def test_a_foreign_host_gets_a_german_400_with_the_security_headers(checked: str) -> None:
    port = checked.rsplit(":", 1)[1]
    # junk after an allowed name: a link built from such a Host would lead elsewhere
    # (http://localhost:8000@evil.example/w/…)
    for host in ("evil.example", f"evil.example:{port}", "127.0.0.1.evil.example",
                 "localhost.", f"localhost:{port}@evil.example", "[::1]evil.example",
                 "localhost/evil"):
        r = httpx.get(checked + "/anmelden", headers={"host": host})
        if host == "localhost.":  # the same name with the root's dot
            assert r.status_code == 200
            continue
        assert r.status_code == 400, (host, r.status_code)
        _headers(r)
        assert '<html lang="de">' in r.text
        assert _alert(r.text).startswith("Unter dieser Adresse ist der Server nicht "
                                         "eingerichtet."), r.text[-600:]
        assert "evil" not in r.text
    # HTTP/1.0 without a Host header at all
    with socket.create_connection(("127.0.0.1", int(port)), timeout=30) as raw:
        raw.sendall(b"GET /anmelden HTTP/1.0\r\n\r\n")
        answer = b""
        while chunk := raw.recv(65536):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 400 "), answer[:200]
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"LocalHost:{port}", f"[::1]:{port}"):
        assert httpx.get(checked + "/anmelden", headers={"host": host}).status_code == 200
    # a logged-in coordinator's form sent with a foreign Host: refused before anything
    with logged_in(checked, "kora") as kora:
        csrf = csrf_of(kora.get("/plaene").text)
        r = kora.post("/plaene/irgendein-plan/links", headers={"host": "evil.example"},
                      data={"csrf_token": csrf, "ziel": "team-nord|2026-12-07"})
        assert r.status_code == 400 and "evil.example" not in r.text


# --------------------------------------------------------------------------- link URLs


@sqlite_only()
def test_link_url_and_qr_follow_base_url_never_the_host_header(
        site: Site) -> None:  # noqa: F811
    web = site.app.state.web
    plan = _current_plan(site)
    route = next(r for r in plan.routes if r.stops)
    web.extra["base_url"] = BASE
    try:
        with logged_in(site.url, "kora") as kora:
            page = kora.get(f"/plaene/{plan.id}/links")
            r = kora.post(f"/plaene/{plan.id}/links", headers={"host": "evil.example"}, data={
                "csrf_token": csrf_of(page.text),
                "ziel": f"{route.team_id}|{route.day.isoformat()}"})
            assert r.status_code == 303, r.text[-500:]
            shown = kora.get(r.headers["location"].split("#")[0]).text
    finally:
        web.extra["base_url"] = None
    urls = re.findall(r'https?://[^"<\s]*/w/[^"<\s]*', shown)
    assert urls and all(u.startswith(BASE + "/w/") for u in urls), urls
    assert "evil.example" not in shown
    assert "<svg" in shown  # the QR code, drawn from the same URL


# --------------------------------------------------------------------------- serve itself


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_on_a_network_address_without_proxy_is_refused(tmp_path: Path) -> None:
    from hausbesuch.store import Store

    db = tmp_path / "hb.sqlite"
    Store.open(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "serve", "--db", str(db), "--city", "bad-hersfeld",
         "--host", "0.0.0.0", "--port", str(_free_port())],
        env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, (done.stdout, done.stderr)
    said = " ".join(done.stderr.split())
    assert "--host 0.0.0.0: ohne --proxy liefe der Server im Netz über unverschlüsseltes HTTP" \
        in said, said
    assert "--insecure-http" in said and "Traceback" not in said
    assert "läuft" not in done.stdout


def _serve(tmp_path: Path, *args: str) -> tuple[subprocess.Popen, int]:
    """``hausbesuch serve`` on a fresh SQLite store in ``tmp_path``, on a free port, without
    the worker, with ``args`` added: the process (its output as text) and the port."""
    from hausbesuch.store import Store

    db = tmp_path / "hb.sqlite"
    Store.open(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "hausbesuch", "serve", "--db", str(db), "--city", "bad-hersfeld",
         "--port", str(port), "--no-worker", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, port


@pytest.mark.slow  # `serve` started as a process (~14 s)
def test_serve_with_insecure_http_starts_warns_and_checks_hosts_by_base_url(
        tmp_path: Path) -> None:
    proc, port = _serve(tmp_path, "--host", "0.0.0.0", "--insecure-http", "--base-url", BASE)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                first = httpx.get(url + "/anmelden", headers={"host": "evil.example"})
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert first.status_code == 400
        assert httpx.get(url + "/anmelden",
                         headers={"host": "hausbesuch.example.de"}).status_code == 200
        assert httpx.get(url + "/anmelden").status_code == 200  # 127.0.0.1
    finally:
        proc.terminate()
        out, err = proc.communicate(timeout=60)
    assert "hausbesuch läuft auf http://0.0.0.0:" in out
    assert f"für die Teams: {BASE}/" in out
    assert "Warnung: --insecure-http" in " ".join(err.split()), err
    assert "ohne --base-url" not in err


def test_the_bound_socket_accepts_connections_before_the_banner() -> None:
    """QA 27 deploy F6: ``serve`` says „läuft“ right after :func:`_bind`; a connection made
    then must not be refused (it was: the socket was bound, uvicorn listened later)."""
    from hausbesuch.commands.web import _bind

    port = _free_port()
    sock = _bind("127.0.0.1", port)
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
    finally:
        sock.close()


@pytest.mark.slow  # `serve` started as a process (~8 s)
def test_serve_answers_a_request_sent_as_soon_as_it_says_it_runs(tmp_path: Path) -> None:
    """A start script that waits for „hausbesuch läuft auf …“ and then asks at once gets the
    page (QA 27 deploy F6: now and then „Couldn't connect to server“)."""
    proc, port = _serve(tmp_path)
    try:
        line = proc.stdout.readline()
        assert "hausbesuch läuft auf" in line, (line, proc.poll())
        answer = httpx.get(f"http://127.0.0.1:{port}/anmelden", timeout=60)
        assert answer.status_code == 200
    finally:
        proc.terminate()
        proc.communicate(timeout=60)
