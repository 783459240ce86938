"""The web app: coordinators plan in the browser, field workers open their day by link.

:func:`create_app` builds the FastAPI application over one database. Pages are rendered on
the server (Jinja2, autoescaped); scripts and styles are files of this server only (the
CSP forbids inline script); Leaflet is the vendored copy in ``hausbesuch/static/vendor``.

Errors are German pages (``error.html.j2``) with the security headers of every page, and
``{"fehler": ...}`` for the JSON requests of the worker page: an HTTP error with its
message, a form without a required field (400, naming the field), an unhandled exception
(500, logged with a number the page shows; never its text).

Input is checked before any handler or database call: a control character (a NUL byte,
an escape; in a form field tab and line breaks are allowed) in a path parameter, query
value or form field is a 400 naming the field (:func:`refuse_control_characters`, a
dependency of every route), and a request body over its limit is a 413 before anything
reads it (:class:`BodyLimit`, an ASGI middleware).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import secrets
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http import HTTPStatus
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import Environment, FileSystemLoader, pass_context
from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from hausbesuch import clock
from hausbesuch.config import Profile, load_profile, profile_ref
from hausbesuch.errors import UserError
from hausbesuch.fields import format_moment
from hausbesuch.letters import WEB_LETTERS
from hausbesuch.store import Store, db_error_cause, db_unavailable, describe_db_error
from hausbesuch.web.auth import (
    DEVICE_COOKIE,
    PASSWORD_PAGE,
    SECURE_DEVICE_COOKIE,
    SECURE_SESSION_COOKIE,
    SESSION_COOKIE,
    Limits,
    LoginRequired,
    PasswordChangeRequired,
    User,
    lookup_session,
)
from hausbesuch.web.models import SecretRow
from hausbesuch.web.security import SecurityHeaders, content_security_policy, parsed_form

log = logging.getLogger(__name__)

WEB_DIR = Path(__file__).resolve().parent
VENDOR_DIR = WEB_DIR.parent / "static" / "vendor"


@dataclass
class WebContext:
    """What every handler needs; ``request.app.state.web``."""

    store: Store
    limits: Limits
    secret: str
    templates: Jinja2Templates
    profiles: dict[str, Profile]  # by city name (Profile.name)
    secure_cookies: bool | None = None  # None: Secure when the request came over https
    runner: Any = None
    pg_app: Any = None  # Procrastinate app (PostgreSQL only)
    plan_time_limit: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict)

    def profile(self, city: str) -> Profile:
        try:
            return self.profiles[city]
        except KeyError:
            raise HTTPException(status_code=404, detail="Stadt nicht eingerichtet.") from None

    def city_named(self, text: str | None) -> str | None:
        """The city ``text`` names: its display name, or the profile's short name that
        every command takes (``bad-hersfeld`` for „Bad Hersfeld“); else ``text``."""
        if not text or text in self.profiles:
            return text
        key = text.strip().casefold()
        if not key:
            return text
        for name in self.profiles:  # a display name first, then a short name
            if key == name.casefold():
                return name
        for name, p in self.profiles.items():
            if p.slug and key == p.slug.casefold():
                return name
        return text

    def cities_for(self, user: User) -> list[str]:
        return [c for c in self.profiles if user.sees(c)]

    def enqueue(self, kind: str, city: str, params: dict[str, Any], actor: str) -> str:
        """Queue a job: the ``web_jobs`` row, the runner of this process woken, and with
        PostgreSQL a Procrastinate job for ``hausbesuch worker`` processes."""
        from hausbesuch.web import jobs

        job_id = jobs.submit(self.store, kind, city, params, actor)
        if self.runner is not None:
            self.runner.wake()
        if self.pg_app is not None:
            from hausbesuch.web import pgqueue

            pgqueue.defer(self.pg_app, job_id)
        return job_id


def ctx(request: Request) -> WebContext:
    return request.app.state.web


def _secret(store: Store, name: str) -> str:
    with store.session() as s:
        row = s.get(SecretRow, name)
        if row is None:
            row = SecretRow(name=name, value=secrets.token_urlsafe(32), created_at=clock.now())
            s.add(row)
        return row.value


def secure_request(request: Request) -> bool:
    web = ctx(request)
    if web.secure_cookies is not None:
        return web.secure_cookies
    return request.url.scheme == "https"


def session_cookie(request: Request) -> str:
    """The session cookie's name for this request: ``__Host-hb_session`` when cookies are
    ``Secure`` (https), else ``hb_session``; set and read under the same name."""
    return SECURE_SESSION_COOKIE if secure_request(request) else SESSION_COOKIE


def device_cookie(request: Request) -> str:
    """The device cookie's name for this request (:func:`hausbesuch.web.auth.remember_device`):
    ``__Host-hb_geraet`` when cookies are ``Secure`` (https), else ``hb_geraet``."""
    return SECURE_DEVICE_COOKIE if secure_request(request) else DEVICE_COOKIE


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the user, CSRF token and city list available to the template."""
    user = getattr(request.state, "user", None)
    web = ctx(request)
    return web.templates.TemplateResponse(request, template, {
        "user": user,
        "csrf": getattr(request.state, "csrf_expected", None),
        "cities": web.cities_for(user) if user else [],
        "idle_seconds": web.limits.idle_minutes * 60,
        **context,
    }, status_code=status)


def _page_of_action(request: Request) -> str:
    """The coordinator page a form's action belongs to: the action itself if it is a
    page (``/faelle/K-1``), else the nearest page above it (``/adressen/K-1`` →
    ``/adressen``, ``/plaene/<id>/verschieben`` → ``/plaene/<id>``); ``/plaene`` if none."""
    from starlette.routing import Match

    path = request.url.path
    while path not in ("", "/"):
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        if path not in ("/abmelden", "/anmelden", "/plaene/neu") and any(
                route.matches(scope)[0] == Match.FULL for route in request.app.routes):
            return path
        path = path.rsplit("/", 1)[0]
    return "/plaene"


#: Forms whose address is no page and lies under none: the page they belong to.
FORM_PAGES = {"/fall-ergebnis": "/faelle", "/fall-auskunft": "/faelle"}


def page_of_form(request: Request) -> str | None:
    """Where a GET of a form's address (POST only) is sent (303): the page the form
    belongs to (:func:`_page_of_action`, :data:`FORM_PAGES`). A page shown after a refused
    form stands at the form's address; reopened from the history or the address bar it
    answered a bare 405 (QA 26 F9). The city chosen (``?stadt=``, an admin's choice among
    several) goes along, so the page is that city's. None for a worker link's address
    (its error page leads back to the route) and for any other method (HEAD stays 405:
    only the login page answers it)."""
    if request.method != "GET" or request.url.path.startswith("/w/"):
        return None
    return with_city(FORM_PAGES.get(request.url.path) or _page_of_action(request), request)


def with_city(path: str, request: Request | None) -> str:
    """``path`` with the city of ``request``'s address (``?stadt=``, an admin's choice
    among several), if it names one. The templates build their forms' addresses with it
    (``form_action``): the page shown after a refused form stands at the form's address,
    and reloaded or reopened it is still the city's page, not the default city's."""
    city = request.query_params.get("stadt") if request is not None else None
    if not city:
        return path
    return f"{path}{'&' if '?' in path else '?'}stadt={quote(city, safe='')}"


@pass_context
def _form_action(context: Any, path: str) -> str:
    """Template global ``form_action(path)``: :func:`with_city` for the page's request."""
    return with_city(path, context.get("request"))


def load_session(request: Request) -> None:
    """Dependency of every coordinator page: put the session's user and CSRF token on state.
    A HEAD request (the login page only, ``pages_login.HEAD_PAGES``) does not count as
    activity of the session."""
    web = ctx(request)
    cookie = request.cookies.get(session_cookie(request))
    found = lookup_session(web.store, cookie, web.limits, touch=request.method != "HEAD")
    request.state.user = found[0] if found else None
    # a session cookie whose session has ended (idle, expired, logged out)
    request.state.session_ended = bool(cookie) and not found
    if found:
        request.state.csrf_expected = found[1]


#: The page of an unhandled exception (status 500): never the exception's text.
UNEXPECTED = ("Ein unerwarteter Fehler ist aufgetreten; die Anfrage konnte nicht bearbeitet "
              "werden. Bitte die Seite neu laden und es noch einmal versuchen.")

#: The page of a database that cannot be reached for now (status 503): locked by another
#: program beyond the busy wait, or its server gone (QA 45b F10).
DB_UNAVAILABLE = ("Die Datenbank ist gerade nicht erreichbar ({why}). Bitte in einigen "
                  "Minuten erneut versuchen.")

#: German labels of the form fields, for the message about a missing or invalid field.
FIELD_LABELS = {
    "start": "Erster Tag", "tage": "Tage", "stadt": "Stadt", "datei": "Datei",
    "kundennummer": "Kundennummer", "ergebnis": "Ergebnis", "ziel": "Team-Tag",
    "uhrzeit": "Uhrzeit", "gueltig_bis": "Gültig bis", "praefix": "Link",
    "adresse": "Adresse", "breite": "Breite", "laenge": "Länge", "vorschlag": "Vorschlag",
    "vorschlag_adresse": "Vorschlag",
    "team": "Team", "von": "Von", "bis": "Bis", "name": "Name", "passwort": "Passwort",
    "zeit": "Uhrzeit", "termin_datum": "Datum des Termins",
    "termin_zeit": "Uhrzeit des Termins", "notiz": "Notiz", "schluessel": "Schlüssel",
    "status": "Status", "grund": "Grund",
    "team_abmelden": "Team abmelden", "team_wieder": "Team wieder einplanen",
}

#: Messages of the form parsers (Starlette, FastAPI) as they are, in English; the
#: German text that replaces them. A form too big or with too many parts comes first.
_PARSER_MESSAGES = (
    (("Too many fields", "Too many files", "Field exceeded", "Part exceeded"),
     "Das gesendete Formular ist zu groß (zu viele oder zu große Felder)."),
    (("There was an error parsing the body", "Missing boundary", "Invalid multipart",
      "The Content-Disposition", "Missing Content-Disposition"),
     "Die gesendeten Formulardaten sind fehlerhaft und konnten nicht gelesen werden. Bitte "
     "die Seite neu laden und noch einmal senden."),
)


#: Most characters of a typed value a message or a form shown again repeats (then „…“).
ECHO_SHORT = 40


def echo(text: str, limit: int = ECHO_SHORT) -> str:
    """``text`` as a page repeats it: at most ``limit`` characters, then „…“."""
    return text if len(text) <= limit else text[:limit].rstrip() + "…"


def field_label(name: str) -> str:
    """The German label of a form field (its form name when there is none)."""
    return FIELD_LABELS.get(name, name)


#: German labels of the path parameters, for the message about a control character.
PATH_LABELS = {"client_id": "Kundennummer", "plan_id": "Plan", "job_id": "Auftrag",
               "token": "Link"}
#: Control characters refused in path parameters and query values (all of C0), and in
#: form fields (all but tab, line feed and carriage return: a note has several lines).
_CONTROL = re.compile(r"[\x00-\x1f]")
_CONTROL_FORM = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _control_refused(label: str | None, where: str = "") -> HTTPException:
    named = f"„{label}“{where}" if label else f"Ein Feld{where}"
    return HTTPException(status_code=400, detail=(
        f"{named} enthält ein unzulässiges Steuerzeichen (zum Beispiel ein Null-Byte). "
        "Bitte die Eingabe prüfen und ohne Steuerzeichen noch einmal senden."))


def _safe_label(name: str, labels: dict[str, str]) -> str | None:
    """The German label of a field; its own name only when that is plain text."""
    if name in labels:
        return labels[name]
    return name if name and not _CONTROL.search(name) and len(name) <= 40 else None


async def refuse_control_characters(request: Request) -> None:
    """Dependency of every route (before the session, the link and the CSRF check): refuse
    (400, naming the field) a control character in a path parameter, a query value or a
    text field of a form. PostgreSQL cannot store a NUL byte in text (a 500 before), and
    SQLite would store it; no field of the app needs one."""
    for name, value in request.path_params.items():
        if isinstance(value, str) and _CONTROL.search(value):
            raise _control_refused(PATH_LABELS.get(name), " in der Adresse der Seite")
    for name, value in request.query_params.multi_items():
        if _CONTROL.search(name) or _CONTROL.search(value):
            raise _control_refused(_safe_label(name, FIELD_LABELS),
                                   " in der Adresse der Seite")
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    # every body Starlette parses as a form (the type in any case, with any parameters),
    # as the handler gets it: parsed once, the handler and the CSRF check reuse it
    form = await parsed_form(request)
    for name, value in form.multi_items():
        if _CONTROL.search(name) or (isinstance(value, str) and _CONTROL_FORM.search(value)):
            raise _control_refused(_safe_label(name, FIELD_LABELS))


def invalid_form_message(errors: Any) -> str:
    """The German message of a form that misses a required field or has an invalid one
    (FastAPI's validation errors); never the submitted values."""
    problems: list[str] = []
    for err in errors:
        loc = [str(part) for part in err.get("loc", ()) if not isinstance(part, int)]
        name = loc[1] if len(loc) > 1 else None
        if name is None:
            text = "es wurden keine Formulardaten gesendet"
        elif name == "datei" or "UploadFile" in str(err.get("msg", "")):
            text = f"„{field_label(name)}“: keine Datei ausgewählt"
        elif err.get("type") == "missing":
            text = f"„{field_label(name)}“ fehlt"
        else:
            text = f"„{field_label(name)}“ ist ungültig"
        if text not in problems:
            problems.append(text)
    return ("Das Formular ist unvollständig oder fehlerhaft: " + "; ".join(problems or
            ["unbekannter Fehler"]) + ". Bitte die Seite neu laden und noch einmal senden.")


def _german_detail(status: int, detail: Any) -> str:
    """The message of an HTTP error: ours as it is (German), the framework's in German."""
    if not isinstance(detail, str) or not detail:
        detail = ""
    if status == 404 and detail in ("", "Not Found"):
        return "Diese Seite gibt es nicht."
    if status == 405:
        return "Diese Anfrage ist hier nicht erlaubt."
    for prefixes, german in _PARSER_MESSAGES:
        if detail.startswith(prefixes):
            return german
    try:
        english = HTTPStatus(status).phrase
    except ValueError:
        english = None
    if not detail or detail == english:
        return "Die Anfrage konnte nicht bearbeitet werden."
    return detail


def wants_json(request: Request) -> bool:
    """A worker-page request of ``worker.js``: errors come back as ``{"fehler": ...}``."""
    return request.url.path.startswith("/w/") and "application/json" in request.headers.get(
        "accept", "")


def error_page(request: Request, status: int, message: str) -> Response:
    """The German error page (``error.html.j2``), or ``{"fehler": message}`` for the JSON
    requests of the worker page."""
    if wants_json(request):
        return JSONResponse({"fehler": message}, status_code=status)
    if not hasattr(request.state, "user"):
        request.state.user = None
    # on a worker link's page the way back is the route ("./" from /w/<token>/ and from
    # /w/<token>/ergebnis; the token is not written into the page), unless the link is gone
    on_link = re.fullmatch(r"/w/[^/]+/[^/]*", request.url.path) is not None
    back = "./" if on_link and status not in (404, 410) else None
    early = status == 403 and re.fullmatch(r"/w/[^/]+/", request.url.path) is not None
    if early:
        back = None  # the route page itself refused (a link before its start)
    # the route page of a link that is gone: outcomes the phone never sent are listed
    # (worker-gone.js reads them from the phone's storage), so that none is lost unseen
    unsent = status in (404, 410) and re.fullmatch(r"/w/[^/]+/", request.url.path) is not None
    return render(request, "error.html.j2", status=status, message=message, code=status,
                  back=back, unsent=unsent, early=early)


def _fallback_page(message: str, status: int = 500) -> HTMLResponse:
    """The error page without templates (when rendering the page failed as well)."""
    from html import escape

    return HTMLResponse(
        '<!doctype html><html lang="de"><head><meta charset="utf-8"><title>Fehler</title>'
        f'</head><body><h1>Fehler</h1><p role="alert">{escape(message)}</p></body></html>',
        status_code=status)


#: Most bytes of a request body outside the upload routes (a form, a worker's outcome).
MAX_BODY = 1024 * 1024
#: Room for the form around the file on the upload routes (boundaries, the other fields).
UPLOAD_FORM_ROOM = 64 * 1024
#: Most bytes of a refused body without a declared length read on (and dropped) before
#: the 413, so that the client reads the answer instead of a reset connection.
DRAIN_MAX = 32 * 1024 * 1024


def _refusal(request: Request, status: int, message: str, what: str) -> Response:
    """The German error page of a request a middleware refuses (``what`` names it in the
    log when the page cannot be rendered: then the message without templates)."""
    try:
        return error_page(request, status, message)
    except Exception:
        log.exception("the page of %s could not be rendered", what)
        response = _fallback_page(message)
        response.status_code = status
        return response


class BodyLimit:
    """ASGI middleware: refuse (413, German) a request body over its limit before anything
    reads or parses it (the form parser would spool it to a temporary file first, before
    the login or CSRF check).

    ``uploads`` maps the paths of the upload routes to their limit and message; every other
    path has ``limit``. A declared ``Content-Length`` over the limit is refused at once; a
    body without one (chunked) is counted while it is read, kept in memory up to ``limit``
    (also on the upload routes), refused once it goes over, and else handed on as it came.
    """

    def __init__(self, app: ASGIApp, *, limit: int = MAX_BODY,
                 uploads: dict[str, tuple[int, str]] | None = None) -> None:
        self.app = app
        self.limit = limit
        self.uploads = dict(uploads or {})

    def _limit(self, path: str) -> tuple[int, str]:
        if path in self.uploads:
            return self.uploads[path]
        return self.limit, (f"Die gesendeten Daten sind zu groß (höchstens "
                            f"{self.limit // 1024 // 1024} MB).")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit, message = self._limit(scope.get("path", ""))
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            try:
                too_big = int(declared) > limit
            except ValueError:
                too_big = False  # the server refuses a malformed length itself
            if too_big:
                await self._refuse(scope, receive, send, message)
                return
            await self.app(scope, receive, send)
            return
        # a body without a declared length is held in memory while counted: at most
        # ``self.limit`` of it on every route (browsers declare the length of a file
        # upload; many large anonymous bodies at once must not fill the memory)
        if limit > self.limit:
            limit = self.limit
            message = (f"Ohne Längenangabe gesendete Daten dürfen höchstens "
                       f"{self.limit // 1024 // 1024} MB groß sein.")
        kept: list[Message] = []
        total = 0
        while True:
            message_in = await receive()
            kept.append(message_in)
            if message_in["type"] != "http.request":
                break  # the client went away
            total += len(message_in.get("body", b""))
            if total > limit:
                kept.clear()
                # read on (and drop) what the client is still sending, up to a bound:
                # closing with unread data resets the connection before it reads the 413
                drained = 0
                while message_in.get("more_body", False) and drained < DRAIN_MAX:
                    message_in = await receive()
                    if message_in["type"] != "http.request":
                        return  # the client went away
                    drained += len(message_in.get("body", b""))
                await self._refuse(scope, receive, send, message)
                return
            if not message_in.get("more_body", False):
                break

        async def replay() -> Message:
            return kept.pop(0) if kept else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, message: str) -> None:
        response = _refusal(Request(scope, receive), 413, message, "a refused request body")
        response.headers["connection"] = "close"  # the rest of the body is not read
        await response(scope, receive, send)


#: The names of this machine that are always allowed in a request's ``Host`` (a browser on
#: the server itself, a reverse proxy on it that passes its own ``proxy_pass`` host).
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


#: A ``Host`` header: a name or IPv4 address, or an IPv6 address in brackets, and a port.
_HOST = re.compile(r"(?:\[(?P<v6>[0-9a-f:.]+)\]|(?P<name>[a-z0-9._-]+))(?::[0-9]{1,5})?")


def host_name(value: str) -> str:
    """The name in a ``Host`` header (or an allowed host) without its port, IPv6 brackets
    and a trailing dot, in lower case: ``[::1]:8000`` → ``::1``, ``Example.DE.:443`` →
    ``example.de``; "" for anything else (``localhost:8000@evil.example``: a link built
    from such a request would lead elsewhere). An allowed host may be a bare IPv6
    address (``::1``)."""
    import ipaddress

    v = value.strip().lower()
    m = _HOST.fullmatch(v)
    raw = (m["v6"] or m["name"].rstrip(".")) if m else v
    try:
        return str(ipaddress.IPv6Address(raw)) if ":" in raw else raw if m else ""
    except ValueError:
        return ""


class HostCheck:
    """ASGI middleware: answer a request whose ``Host`` is none of ``allowed`` with the
    German 400 page (the security headers of every page come from the outermost layer).

    The worker link's URL and QR code follow the request's host when ``serve`` has no
    ``--base-url``; a foreign host (a proxy passing the client's ``Host`` on, DNS
    rebinding) must not get a page, a link or a session. ``allowed=None`` lets every host
    through (``serve`` says so at its start)."""

    #: Distinct refused hosts logged (each once), so that a flood does not fill the log.
    LOGGED_MAX = 50

    def __init__(self, app: ASGIApp, *, allowed: Iterable[str] | None) -> None:
        self.app = app
        self.allowed = None if allowed is None else frozenset(host_name(h) for h in allowed)
        self._logged: set[str] = set()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.allowed is None or scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = host_name(Headers(scope=scope).get("host", ""))
        if host in self.allowed:
            await self.app(scope, receive, send)
            return
        if len(self._logged) < self.LOGGED_MAX and host not in self._logged:
            self._logged.add(host)
            log.warning("request for a host not allowed refused: %r (serve --base-url / "
                        "--host name the allowed ones)", host[:100])
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1008})
            return
        message = ("Unter dieser Adresse ist der Server nicht eingerichtet. Bitte die "
                   "Adresse verwenden, die die Koordination für hausbesuch bekannt gegeben hat.")
        response = _refusal(Request(scope, receive), 400, message, "a refused host")
        await response(scope, receive, send)


class _App(FastAPI):
    """FastAPI with :class:`SecurityHeaders` as the outermost layer of the app.

    Starlette answers an unhandled exception in its ``ServerErrorMiddleware``, which lies
    outside every middleware added with ``add_middleware``: the headers (CSP, ``nosniff``,
    ``no-store``) would be missing on that page. Here they wrap it as well.
    """

    security_csp = ""

    def build_middleware_stack(self) -> ASGIApp:
        return SecurityHeaders(super().build_middleware_stack(), csp=self.security_csp)


def _templates() -> Jinja2Templates:
    from hausbesuch.pages import _ENV as PAGES_ENV

    env = Environment(loader=FileSystemLoader(str(WEB_DIR / "templates")), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    t = Jinja2Templates(env=env)
    t.env.filters.update(PAGES_ENV.filters)
    t.env.globals["q"] = lambda s: quote(str(s), safe="")
    t.env.globals["form_action"] = _form_action
    t.env.globals["static_url"] = _static_url(static_version())
    t.env.filters["date_iso_de"] = _date_iso_de
    t.env.filters["web_reason"] = web_reason
    t.env.filters["utc_de"] = _utc_de
    return t


def static_version() -> str:
    """12 hex digits of the SHA-256 of the web app's own static files (names and
    contents): the version in their URLs (:func:`_static_url`). A static file is cached
    by the browser for an hour; a page of a new version asks for its files under a new
    URL, so that it never runs the previous version's script for that hour."""
    h = hashlib.sha256()
    root = WEB_DIR / "static"
    for f in sorted(p for p in root.rglob("*") if p.is_file()):
        h.update(f.relative_to(root).as_posix().encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:12]


def _static_url(version: str) -> Callable[[str], str]:
    """The templates' ``static_url("app.css")``: the file's URL with ``version`` in its
    path (:func:`hausbesuch.web.pages_worker.versioned_url`, the mount that serves the
    files as they are; the phone page's files carry the service worker's own version
    instead, :func:`hausbesuch.web.pages_worker.asset_urls`)."""
    from hausbesuch.web.pages_worker import versioned_url

    return functools.partial(versioned_url, version)


def _utc_de(moment: datetime) -> str:
    """A moment stored in UTC without a zone (``clock.utc``: sessions) as the pages show
    moments (:func:`hausbesuch.fields.format_moment`), in the Jobcenters' zone:
    ``Sa, 05.12.2026, 14:03 Uhr``."""
    return format_moment(moment.replace(tzinfo=UTC).astimezone(clock.ZONE).replace(tzinfo=None))




def own_id(value: str | None, ids: Iterable[str]) -> str | None:
    """A case id from a page's query (the confirmation after a redirect, e.g.
    ``?gespeichert=K-1``) only when it is one of the page's cases: else any text in a link
    would be shown as the app's own message."""
    return value if value is not None and value in set(ids) else None


#: Other command-line hints of stored notes and what the web says instead (the browser
#: has no command line; letters are written on the plan page, :data:`WEB_LETTERS`).
_CLI_HINTS = (
    # a stored reason's fix ("Korrigieren mit „hausbesuch address K-1 --set-address …“.")
    (re.compile(r"Korrigieren mit „hausbesuch address [^“]*“\."),
     "Korrigieren unter „Adressen“."),
    (re.compile(r"\((?:erst )?hausbesuch letters [^()]*\)"), f"({WEB_LETTERS})"),
    # a profile key named as the remedy: the administration's setting (QA 45c F1)
    (re.compile(r"(?:im Profil|einstellbar im Profil,) \[brief\] postlaufzeit_werktage"),
     "Einstellung der Administration"),
    # the web's way named just before: the command left out („… auf seiner Seite „Neu
    # planen“ (hausbesuch replan … --from …)“)
    (re.compile(r"(„Neu planen“) \((?:erst )?hausbesuch replan [^()]*\)"), r"\1"),
    (re.compile(r"\((?:erst )?hausbesuch replan [^()]*\)"),
     "(den Plan unter „Pläne“ öffnen und dort „Neu planen“)"),
    (re.compile(r"\(hausbesuch show [^()]*\)"), "(unter „Pläne“)"),
    (re.compile(r"\(hausbesuch import\)"), "(unter „Kundenliste“)"),
    (re.compile(r"\(hausbesuch status [^()]*\)"), "(unter „Fälle“ beim Fall)"),
    # a command after the web's own words in one bracket („(im Web „Team wieder
    # einplanen“, sonst hausbesuch replan …)“, „(Seite „Teams“, …; hausbesuch absence …)“)
    (re.compile(r"[;,] (?:sonst )?hausbesuch [^()]*\)"), ")"),
    # any other: the hint is left out rather than a command shown
    (re.compile(r" ?\(hausbesuch [^()]*\)"), ""),
)


#: a way out said again after „oder“: ways out that differ only in their command lines
#: („die Abwesenheit löschen (Seite „Teams“, „Abwesenheiten“; hausbesuch absence remove a
#: …)“ for each absent team) read the same once those are gone (reason2 notes, session 37)
_SAID_AGAIN = re.compile(r"(?<![\w„])(\w[^.:;]{10,}?\))(?: oder \1)+")


def web_reason(text: str) -> str:
    """A reason or note stored by the planner as the web shows it: no command line in it,
    and no way out said twice because only their command lines told them apart."""
    text = str(text)
    for pattern, words in _CLI_HINTS:
        text = pattern.sub(words, text)
    return _SAID_AGAIN.sub(r"\1", text)


def _date_iso_de(text: str) -> str:
    """A stored ISO day (``2026-12-14``) as pages show days: ``Mo, 14.12.2026``."""
    from hausbesuch.maps import fmt_date

    try:
        return fmt_date(date.fromisoformat(str(text)))
    except ValueError:
        return str(text)


def create_app(
    db_url: str | None = None,
    *,
    schema: str | None = None,
    cities: list[str] | None = None,
    run_jobs: bool = True,
    job_workers: int = 1,
    limits: Limits | None = None,
    secure_cookies: bool | None = None,
    plan_time_limit: float = 30.0,
    base_url: str | None = None,
    allowed_hosts: Iterable[str] | None = None,
) -> FastAPI:
    """Build the app over the database ``db_url`` (default: the user's SQLite file).

    Parameters
    ----------
    cities
        Profiles (short names or paths) served; default: the default profile (Kassel).
    run_jobs
        Run planning jobs in this process (threads). With PostgreSQL, jobs can instead run
        in ``hausbesuch worker`` processes (then pass False).
    secure_cookies
        Force the ``Secure`` cookie flag on or off; default: on for https requests
        (behind a reverse proxy, start uvicorn with ``--proxy-headers``).
    plan_time_limit
        Solver seconds per planning job.
    base_url
        The address the teams reach the app at (``https://hausbesuch.example.de``, as
        checked by ``serve --base-url``): worker link URLs and their QR codes are built
        from it; default: from the request (its ``Host`` header).
    allowed_hosts
        The host names (or addresses) a request's ``Host`` may name (:class:`HostCheck`);
        default: any.
    """
    from hausbesuch.web import (
        pages_audit,
        pages_cases,
        pages_clients,
        pages_letters,
        pages_login,
        pages_outcomes,
        pages_plan_delete,
        pages_plans,
        pages_worker,
    )

    profiles: dict[str, Profile] = {}
    refs: dict[str, str | None] = {}
    for name in cities or [None]:
        p = load_profile(name)
        if p.name in profiles and profile_ref(p) == profile_ref(profiles[p.name]):
            continue  # the same profile given twice (`--city kassel --city kassel`)
        if p.name in profiles:
            raise UserError(
                f"Zwei Profile für dieselbe Stadt „{p.name}“: {profile_ref(profiles[p.name])} "
                f"und {profile_ref(p)}; bitte nur eines mit --city angeben.")
        profiles[p.name] = p
        # the resolved path (or a shipped short name): a worker in another folder finds it
        refs[p.name] = profile_ref(p) if name is not None else None
    store = Store.open(db_url, schema=schema)
    try:  # the server writes from its start on (jobs, sessions, the audit of every page)
        store.check_writable()
    except BaseException:
        store.close()
        raise
    web = WebContext(store=store, limits=limits or Limits(), secret=_secret(store, "csrf-links"),
                     templates=_templates(), profiles=profiles, secure_cookies=secure_cookies,
                     plan_time_limit=plan_time_limit, extra={"profile_refs": refs,
                                                           "base_url": base_url})
    from hausbesuch.web import planjobs  # noqa: F401  (registers the job handlers)

    if run_jobs:
        from hausbesuch.web.jobs import JobRunner

        web.runner = JobRunner(store, workers=job_workers)
    if store.engine.dialect.name == "postgresql":
        from hausbesuch.web import pgqueue

        web.pg_app = pgqueue.make_app(store)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if web.runner is not None:
            web.runner.start()
        try:
            yield
        finally:
            if web.runner is not None:
                web.runner.stop()
            store.close()

    app = _App(title="hausbesuch", docs_url=None, redoc_url=None, openapi_url=None,
               lifespan=lifespan, dependencies=[Depends(refuse_control_characters)])
    upload_refused = (pages_clients.MAX_UPLOAD + UPLOAD_FORM_ROOM,
                      f"Die Datei ist größer als {pages_clients.MAX_UPLOAD // 1024 // 1024} MB.")
    app.add_middleware(BodyLimit, limit=MAX_BODY, uploads={
        path: upload_refused
        for path in pages_clients.UPLOAD_PATHS + pages_outcomes.UPLOAD_PATHS})
    if allowed_hosts is not None:  # added last: outside the body limit, checked first
        app.add_middleware(HostCheck, allowed=list(allowed_hosts))
    app.state.web = web
    from hausbesuch.maps import MapSettings

    tiles = []
    for p in profiles.values():
        settings = MapSettings.from_profile(p)
        scheme = settings.tile_url.split("://", 1)[0]
        tiles.append(f"{scheme}://{settings.tile_host.replace('{s}', '*')}")
    app.security_csp = content_security_policy(tiles)  # headers on every response
    app.mount("/static/vendor", StaticFiles(directory=str(VENDOR_DIR)), name="vendor")
    # the same files with an asset version in the path (pages_worker.VERSIONED_STATIC: the
    # worker page's, so that a new version's page never gets an older version's copies
    # from the phone's service worker); any version names the files as they are now
    app.mount("/static/web/v/{version}", StaticFiles(directory=str(WEB_DIR / "static")),
              name="webstatic-versioned")
    app.mount("/static/web", StaticFiles(directory=str(WEB_DIR / "static")), name="webstatic")

    for module in (pages_login, pages_plans, pages_letters, pages_plan_delete, pages_clients,
                   pages_outcomes, pages_cases, pages_audit, pages_worker):
        app.include_router(module.router)
    app.include_router(pages_login.passive_router)

    @app.exception_handler(PasswordChangeRequired)
    async def _new_password(request: Request, exc: PasswordChangeRequired) -> Response:
        return RedirectResponse(PASSWORD_PAGE, status_code=303)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        # a session that ended (idle or absolute limit): the login page says so, and for
        # a form that what was sent was not saved
        ended = getattr(request.state, "session_ended", False)
        if request.method not in ("GET", "HEAD"):  # a form: after the login, not its action
            if not ended:
                return RedirectResponse("/anmelden", status_code=303)
            if request.url.path == "/abmelden":  # logged out already: nothing was lost
                from hausbesuch.web.pages_login import _drop_session_cookie

                resp = RedirectResponse("/anmelden", status_code=303)
                _drop_session_cookie(request, resp)
                return resp
            # back to the form's page after the login: the nearest page up the form's
            # action (the pages send no Referer: Referrer-Policy no-referrer), of the
            # city the form was for
            back = _page_of_action(request)
            if city := getattr(request.state, "form_city", None):
                back += f"?stadt={quote(city, safe='')}"
            return RedirectResponse(f"/anmelden?abgelaufen=eingabe&weiter={quote(back, safe='')}",
                                    status_code=303)
        target = request.url.path
        if request.url.query:
            target += "?" + request.url.query
        flag = "abgelaufen=1&" if ended else ""
        return RedirectResponse(f"/anmelden?{flag}weiter={quote(target, safe='')}",
                                status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 405 and (page := page_of_form(request)) is not None:
            return RedirectResponse(page, status_code=303)
        resp = error_page(request, exc.status_code, _german_detail(exc.status_code, exc.detail))
        resp.headers.update(exc.headers or {})  # e.g. the Allow of a 405
        return resp

    @app.exception_handler(RequestValidationError)
    async def _invalid_form(request: Request, exc: RequestValidationError) -> Response:
        # a form without a required field (or with a text where a file belongs)
        return error_page(request, 400, invalid_form_message(exc.errors()))

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> Response:
        # Starlette calls this in its ServerErrorMiddleware and raises the exception again
        # afterwards (so the server logs it too); the page never shows it.
        ref = secrets.token_hex(4)
        route = request.scope.get("route")  # its template: never a worker link's token
        where = getattr(route, "path", None) or (
            "/w/{token}/…" if request.url.path.startswith("/w/") else request.url.path)
        log.error("unhandled error %s on %s %s", ref, request.method, where, exc_info=exc)
        message = f"{UNEXPECTED} Fehlernummer: {ref}."
        try:
            return error_page(request, 500, message)
        except Exception:
            log.exception("error page %s could not be rendered", ref)
            return _fallback_page(message)

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> Response:
        # a database locked or gone for now: a passing state, told as such (503), logged
        # in one line rather than a traceback per page view; any other database error
        # goes on to the handler of the unexpected (500, logged with its traceback)
        if not db_unavailable(exc):
            raise exc
        route = request.scope.get("route")
        where = getattr(route, "path", None) or (
            "/w/{token}/…" if request.url.path.startswith("/w/") else request.url.path)
        log.warning("database unavailable on %s %s: %s", request.method, where,
                    describe_db_error(exc))
        why = ("gesperrt: eine Sicherung oder ein anderes Programm hält sie"
               if db_error_cause(exc) == "gesperrt" else "der Datenbankserver antwortet nicht")
        message = DB_UNAVAILABLE.format(why=why)
        try:
            resp = error_page(request, 503, message)
        except Exception:  # noqa: BLE001 - the page itself needed the database
            resp = _fallback_page(message, 503)
        resp.headers["Retry-After"] = "120"
        return resp

    return app
