"""Tokens, hashes, CSRF checks and the security headers of every response.

CSRF: a synchronizer token per login session (``web_sessions.csrf_token``), sent back in the
form field ``csrf_token`` or the header ``X-CSRF-Token`` and compared in constant time by
:func:`csrf_protect`, a dependency on every router. Before login, the login form uses a
double-submit token (a random HttpOnly cookie, ``SameSite=Strict``, echoed in the form).
Worker links carry no cookie at all; their POSTs carry a token derived from the link
(HMAC of the server secret and the link's hash), so a page from another site cannot post
outcomes for a link it does not know either.

Defence in depth beside the tokens (:func:`foreign_origin`): an unsafe request that the
browser marks as sent by another site (``Sec-Fetch-Site: cross-site``) or whose ``Origin``
is another origin than the app's own is refused before its token is looked at.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from datetime import timedelta
from typing import Any, Generic, TypeVar

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

#: Form field and header that carry the CSRF token.
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
#: Cookie of the login form's double-submit token (before a session exists); over https
#: :data:`SECURE_PRE_LOGIN_COOKIE` (:func:`pre_login_cookie`).
PRE_LOGIN_COOKIE = "hb_pre"
#: Its name over https: the ``__Host-`` prefix makes the browser refuse one planted by a
#: sibling subdomain (cookie tossing: a login CSRF into an attacker's account).
SECURE_PRE_LOGIN_COOKIE = "__Host-" + PRE_LOGIN_COOKIE
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def pre_login_cookie(request: Request) -> str:
    """The login form's cookie name for this request (set and read under the same name,
    as the session cookie's)."""
    from hausbesuch.web.app import secure_request

    return SECURE_PRE_LOGIN_COOKIE if secure_request(request) else PRE_LOGIN_COOKIE


def new_token(nbytes: int = 32) -> str:
    """A random URL-safe token of ``nbytes`` bytes (32 bytes = 256 bit)."""
    return secrets.token_urlsafe(nbytes)


def token_hash(token: str) -> str:
    """SHA-256 hex digest: how session ids and link tokens are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def derived_token(secret: str, purpose: str) -> str:
    """HMAC-SHA256 of ``purpose`` under ``secret`` (hex)."""
    return hmac.new(secret.encode("utf-8"), purpose.encode("utf-8"), hashlib.sha256).hexdigest()


def same(a: str | None, b: str | None) -> bool:
    """Constant-time comparison; False when either is missing."""
    return bool(a) and bool(b) and hmac.compare_digest(str(a), str(b))


async def submitted_csrf(request: Request) -> str | None:
    """The CSRF token a request carries (header, else form field)."""
    header = request.headers.get(CSRF_HEADER)
    if header:
        return header
    value = (await parsed_form(request)).get(CSRF_FIELD)
    return value if isinstance(value, str) else None


async def parsed_form(request: Request) -> FormData:
    """The request's form exactly as the handlers get it (parsed once, then reused).

    Starlette decides what a form is: a body whose media type is
    ``application/x-www-form-urlencoded`` or ``multipart/form-data`` in any case and with
    any parameters (RFC 9110: media types are case-insensitive); any other body is an
    empty form and is not read. The checks (control characters, the CSRF token) ask this,
    not the header's spelling, so a field they skip is a field no handler sees (a
    ``Content-Type`` with capitals passed the checks while the handler stored the form)."""
    return await request.form()


def _origin_key(scheme: str, netloc: str) -> tuple[str, str, int | None] | None:
    """``(scheme, host, port)`` of an origin, the port None when it is the scheme's
    default; None for anything that is no http(s) origin."""
    from urllib.parse import urlsplit

    from hausbesuch.web.app import host_name

    scheme = scheme.lower()
    if scheme not in ("http", "https") or not netloc or any(c in netloc for c in "/?#@\\"):
        return None
    try:
        port = urlsplit(f"//{netloc}").port
    except ValueError:
        return None
    host = host_name(netloc)
    if not host:
        return None
    return scheme, host, None if port == {"http": 80, "https": 443}[scheme] else port


def own_origin(request: Request, origin: str) -> bool:
    """Whether the ``Origin`` header ``origin`` is the app's own origin: the request's own
    (its scheme, which ``serve --proxy`` takes from the TLS proxy's ``X-Forwarded-Proto``,
    and its ``Host``), or the origin of ``serve --base-url``. An https origin of the same
    host is the app's own as well when the request came in over plain http: TLS ended
    before the app (a proxy without ``--proxy``); the other way round (an http page posting
    to the https app) is refused."""
    scheme, sep, netloc = origin.strip().partition("://")
    key = _origin_key(scheme, netloc) if sep else None
    if key is None:
        return False
    here = _origin_key(request.url.scheme, request.headers.get("host", ""))
    if here is not None and (key == here or (key[0], here[0]) == ("https", "http")
                             and key[1:] == here[1:]):
        return True
    base = request.app.state.web.extra.get("base_url")
    if base:
        b_scheme, _, b_netloc = str(base).partition("://")
        return key == _origin_key(b_scheme, b_netloc.split("/", 1)[0])
    return False


def foreign_origin(request: Request) -> str | None:
    """Why an unsafe request comes from another site (a German reason for the audit), or
    None: the browser says ``Sec-Fetch-Site: cross-site``, or the ``Origin`` header names
    another origin than :func:`own_origin`'s.

    No ``Origin`` (an old browser, curl, a script of the office) and ``Origin: null``
    decide nothing: the token does. ``null`` is what Chromium sends with a form of the
    app's own pages, whose ``Referrer-Policy: no-referrer`` hides the origin of a POST
    (Fetch standard); ``Sec-Fetch-Site`` is sent all the same and says ``same-origin``."""
    if request.headers.get("sec-fetch-site", "").strip().lower() == "cross-site":
        return "Anfrage von einer fremden Website (Sec-Fetch-Site: cross-site)"
    origin = request.headers.get("origin")
    if origin is not None and origin.strip() != "null" and not own_origin(request, origin):
        return "Anfrage von einer fremden Website (Origin)"
    return None


def own_city(request: Request) -> str | None:
    """The city of the account logged in (its session valid) or of the worker link the
    request came with: a refused form of hers is filed under her city, as her other
    refusals are, not „ohne Stadt“ (QA 42b F4); None for an administrator or nobody."""
    user = getattr(request.state, "user", None)
    link = getattr(request.state, "link", None)
    return user.city if user is not None else link.city if link is not None else None


async def csrf_protect(request: Request) -> None:
    """Refuse (403) an unsafe request from another site (:func:`foreign_origin`) or whose
    CSRF token is missing or wrong.

    The expected token is put on ``request.state.csrf_expected`` by the session lookup
    (coordinator pages) or by the worker-link lookup; the login form uses its own cookie.
    """
    if request.method in SAFE_METHODS:
        return
    foreign = foreign_origin(request)
    if foreign is not None:
        from hausbesuch.web.auth import audit_refused

        audit_refused(request, foreign, city=own_city(request))
        raise HTTPException(status_code=403, detail="Diese Anfrage kam von einer fremden "
                            "Website und wurde abgelehnt. Bitte das Formular auf der Seite "
                            "von hausbesuch selbst senden.")
    expected = getattr(request.state, "csrf_expected", None)
    if expected is None:
        expected = request.cookies.get(pre_login_cookie(request))
    if same(await submitted_csrf(request), expected):
        return
    from hausbesuch.web.auth import LoginRequired, audit_refused

    if getattr(request.state, "session_ended", False):
        # a form of a page left open past the session's end (idle, logged out elsewhere):
        # to the login, as a page would be, not "CSRF" (nothing is done either way); the
        # city the form was for leads back to that city's page after the login
        city = (await parsed_form(request)).get("stadt")
        if isinstance(city, str) and city.strip():
            request.state.form_city = city.strip()[:120]
        raise LoginRequired()
    audit_refused(request, "Formular-Token (CSRF) fehlt oder ist falsch",
                  city=own_city(request))
    raise HTTPException(status_code=403, detail="Ungültiges oder fehlendes Formular-Token "
                        "(CSRF). Bitte die Seite neu laden und noch einmal senden.")


V = TypeVar("V")


class ShownOnce(Generic[V]):
    """Values waiting for their one display after a form: Post/Redirect/Get without the
    value (or a case id that selects it) in a URL.

    The form's handler keeps the value under a random key (:meth:`put`) and redirects with
    that key; the page takes it out (:meth:`take`) and shows it once. An entry lives in
    this server process's memory only (never in the database, a URL, a log or a Referer),
    belongs to the login session that made it and to one scope (a plan, a city), and ends
    after ``seconds``; at most ``keep`` wait at once (beyond it the oldest are dropped). A
    key that is unknown, another session's or scope's, shown already or too old gives
    nothing: reloading the page shows nothing again, and a link cannot select another
    entry.
    """

    def __init__(self, seconds: float, keep: int = 200) -> None:
        self.seconds, self.keep = seconds, keep
        self._lock = threading.Lock()
        # key -> (session hash, scope, value, expiry on time.monotonic())
        self._items: OrderedDict[str, tuple[str, str, V, float]] = OrderedDict()

    def _drop_expired(self, now: float) -> None:
        for key in [k for k, item in self._items.items() if item[3] <= now]:
            del self._items[key]

    def put(self, session: str, scope: str, value: V) -> str:
        """Keep ``value`` for its display; returns the random key of the entry."""
        key = secrets.token_urlsafe(16)
        now = time.monotonic()
        with self._lock:
            self._drop_expired(now)
            self._items[key] = (session, scope, value, now + self.seconds)
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return key

    def take(self, key: str, session: str, scope: str) -> V | None:
        """The value of ``key`` if it is this session's and scope's, removed; else None."""
        with self._lock:
            self._drop_expired(time.monotonic())
            item = self._items.get(key[:64])
            if item is None or item[1] != scope or not same(item[0], session):
                return None
            del self._items[key[:64]]
            return item[2]


_SHOWN_ONCE_LOCK = threading.Lock()


def shown_once(extra: dict[str, Any], name: str, seconds: float) -> ShownOnce[Any]:
    """The :class:`ShownOnce` called ``name`` in an app's ``extra`` (one per app and
    process), made on first use."""
    with _SHOWN_ONCE_LOCK:
        found = extra.get(name)
        if found is None:
            found = extra[name] = ShownOnce(seconds)
        return found


class OncePer:
    """Lets one event per key through in each interval and counts those held back: a
    refusal repeated by a script, a phone retrying its queue or a locked-out login tried
    again and again writes one audit row per interval, not thousands; the next row says
    how many were held back. Keys whose last row is older than ``forget_after`` (default:
    the interval) and that hold back nothing are dropped by a sweep once per that period;
    at most ``limit`` keys are kept (beyond it the oldest half is forgotten, held-back
    counts included), so memory stays bounded. Time is read from ``clock`` (monotonic seconds; tests pass their own),
    which no change of the wall clock moves."""

    def __init__(self, every: timedelta, limit: int = 10_000, *,
                 forget_after: timedelta | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.every = every.total_seconds()
        self.forget_after = max(self.every, (forget_after or every).total_seconds())
        self.limit = limit
        self._clock = clock
        self._seen: dict[Hashable, tuple[float, int]] = {}
        self._swept = clock()
        self._lock = threading.Lock()

    def take(self, key: Hashable) -> int | None:
        """``None`` if this event is held back, else how many were held back before it."""
        now = self._clock()
        with self._lock:
            seen = self._seen.get(key)
            if seen is not None and now - seen[0] < self.every:
                self._seen[key] = (seen[0], seen[1] + 1)
                return None
            self._seen[key] = (now, 0)
            if now - self._swept > self.forget_after:  # a sweep per period, not per event
                self._swept = now
                # a key with events held back stays until its next row counts them
                for k in [k for k, (t, held) in self._seen.items()
                          if not held and now - t > self.forget_after]:
                    del self._seen[k]
            if len(self._seen) > self.limit:
                for k in sorted(self._seen, key=lambda k: self._seen[k][0])[: self.limit // 2]:
                    del self._seen[k]
            return seen[1] if seen is not None else 0

    def forget(self, match: Callable[[Hashable], bool]) -> int:
        """Forget the keys for which ``match`` is true (held-back counts included), so that
        the next event of such a key is let through; returns how many were forgotten."""
        with self._lock:
            gone = [k for k in self._seen if match(k)]
            for k in gone:
                del self._seen[k]
            return len(gone)

    def clear(self) -> None:
        """Forget every key (tests)."""
        with self._lock:
            self._seen.clear()


def content_security_policy(tile_hosts: Iterable[str] = ()) -> str:
    """The CSP of every page: scripts and styles from this server only, no inline script."""
    tiles = " ".join(sorted({h for h in tile_hosts if h}))
    img = f"'self' data: {tiles}".strip()
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        f"img-src {img}; connect-src 'self'; worker-src 'self'; manifest-src 'self'; "
        "font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    )


#: HSTS on every response over https (ASVS V14.4.5): a year, for the app's host name and
#: the names under it (``includeSubDomains`` reaches ``*.hausbesuch.example.de`` only, not
#: the Jobcenter's other hosts beside it: QA 28 F8).
HSTS = b"max-age=31536000; includeSubDomains"


class SecurityHeaders:
    """ASGI middleware: security headers on every response; ``no-store`` on all but static;
    ``Strict-Transport-Security`` when the request came over https (directly, or behind a
    TLS proxy whose ``X-Forwarded-Proto`` uvicorn took with ``--proxy``).

    Headers a handler set itself win (e.g. a static file's own ``Cache-Control``). The web
    app wraps its whole stack in it, Starlette's ``ServerErrorMiddleware`` included, so the
    page of an unhandled exception has the headers too (``hausbesuch.web.app``).
    """

    def __init__(self, app: Any, *, csp: str, static_prefix: str = "/static/") -> None:
        self.app = app
        self.static_prefix = static_prefix
        self.headers = [
            (b"content-security-policy", csp.encode("latin-1")),
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"permissions-policy", b"camera=(), microphone=(), geolocation=(self)"),
        ]

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith(self.static_prefix)
        https = scope.get("scheme") == "https"

        async def wrapped(message: dict) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in self.headers:
                    if k not in present:
                        headers.append((k, v))
                if https and b"strict-transport-security" not in present:
                    headers.append((b"strict-transport-security", HSTS))
                if b"cache-control" not in present:
                    headers.append((b"cache-control",
                                    b"public, max-age=3600" if static else b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, wrapped)
