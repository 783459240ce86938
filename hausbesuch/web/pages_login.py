"""Login and logout, and the session's state for the warning before it ends.

Every decision is a row of the audit log (see :mod:`hausbesuch.web.auth`): refused and
limited tries are written by :func:`check_login`, the login and the logout here. The page
says the same for a wrong password and an unknown name.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from hausbesuch.errors import UserError
from hausbesuch.web.app import (
    ctx,
    device_cookie,
    load_session,
    render,
    secure_request,
    session_cookie,
)
from hausbesuch.web.auth import (
    AUDIT_LOGIN,
    AUDIT_LOGOUT,
    DEVICE_DAYS,
    FRESH_AUTH_MINUTES,
    PASSWORD_PAGE,
    LoginLimited,
    LoginRefused,
    LoginRequired,
    User,
    audit_auth,
    check_login,
    check_password,
    end_own_sessions,
    end_session,
    mark_fresh,
    normal_password,
    own_sessions,
    remember_device,
    require_new_password_if_weak,
    require_user,
    session_fresh,
    session_time_left,
    set_password,
    start_session,
    touch_session,
)
from hausbesuch.web.security import csrf_protect, new_token, pre_login_cookie
from hausbesuch.web.useragent import describe

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])
#: Routes that must not count as activity of the session (no ``load_session``).
passive_router = APIRouter()


def _safe_next(target: str | None) -> str:
    """Only local paths (no ``//host``, no scheme) are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/plaene"


def _drop_session_cookie(request: Request, resp: Response) -> None:
    """Tell the browser to forget the session cookie (a ``__Host-`` cookie only goes with
    the attributes it was set with: ``Secure``, ``Path=/``)."""
    resp.delete_cookie(session_cookie(request), path="/", secure=secure_request(request),
                       httponly=True, samesite="lax")


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unbekannt"


def _device(request: Request) -> str | None:
    """The device cookie the request carries (checked by :func:`check_login`)."""
    return request.cookies.get(device_cookie(request))


def confirm_password(request: Request, user: User, password: str) -> tuple[int, str] | None:
    """A sensitive action's password check for the logged-in ``user`` (QA 28 F6), the
    same way as a login (:func:`check_login`: failures count towards the lock and are
    audited). None when it is right (the session then counts as freshly confirmed,
    :func:`mark_fresh`); else (status, German message) of the refusal: 400 for a wrong
    password, 429 at the limit (answer it through :func:`retry_after`)."""
    web = ctx(request)
    try:
        check_login(web.store, user.name, password, _peer(request), web.limits,
                    _device(request))
    except LoginLimited:
        return 429, ("Zu viele fehlgeschlagene Versuche. Bitte in "
                     f"{web.limits.window_minutes} Minuten noch einmal versuchen.")
    except LoginRefused:
        return 400, "Das Passwort stimmt nicht."
    mark_fresh(web.store, request.cookies.get(session_cookie(request)))
    return None


def needs_password(request: Request) -> bool:
    """Whether a sensitive action asks for the password first (QA 28 F6, ASVS V3.7.1):
    the session neither logged in nor confirmed its password in the last
    :data:`~hausbesuch.web.auth.FRESH_AUTH_MINUTES` (:func:`session_fresh`). The forms of
    those actions show the password field when this holds."""
    return not session_fresh(ctx(request).store, request.cookies.get(session_cookie(request)))


def fresh_or_confirmed(request: Request, user: User, password: str,
                       action: str) -> tuple[int, str] | None:
    """The re-authentication of a sensitive action (*Link erzeugen*, *Hochladen und
    einlesen* of a client list, *Status setzen* of a case): None when it may go on, that
    is the session is fresh (:func:`needs_password` is False) and no ``password`` was
    sent, or the ``password`` sent is right (:func:`confirm_password`: checked as a login,
    failures count towards the lock; a password sent is always checked). Else (status,
    German message): 403 when it is needed and missing (``action`` says what it is needed
    for, „zum Erzeugen des Links“), 400 for a wrong one, 429 at the limit (answer it
    through :func:`retry_after`). A protective action (revoking a link) does not ask:
    see the README's Security section."""
    if not password:
        if not needs_password(request):
            return None
        return 403, (f"Die Anmeldung ist länger als {FRESH_AUTH_MINUTES} Minuten her: bitte "
                     f"{action} das Passwort eingeben.")
    return confirm_password(request, user, password)


def retry_after(request: Request, resp: Response) -> Response:
    """``resp`` (a 429 of :func:`confirm_password`) with the ``Retry-After`` of the limit."""
    return _retry_after(ctx(request).limits.window_minutes, resp)


def _login_page(request: Request, *, status: int = 200, error: str | None = None,
                weiter: str = "/plaene", name: str = "", info: str | None = None,
                notice: str | None = None) -> Response:
    token = new_token(24)
    resp = render(request, "login.html.j2", status=status, error=error, pre_token=token,
                  weiter=_safe_next(weiter), name=name, info=info, notice=notice)
    # over https a ``__Host-`` cookie, which needs ``Path=/``; over http (loopback) only
    # the login form gets it
    secure = secure_request(request)
    resp.set_cookie(pre_login_cookie(request), token, httponly=True, samesite="strict",
                    secure=secure, path="/" if secure else "/anmelden")
    return resp


def _retry_after(minutes: int, resp: Response) -> Response:
    """A 429 says when to try again (RFC 6585, QA 20b): the whole window, the longest a
    limit lasts (the page says the same in words)."""
    resp.headers["Retry-After"] = str(minutes * 60)
    return resp


#: Pages that answer HEAD as GET without a body (monitoring, link checks): only these,
#: whose GET has no side effect (nothing audited, nothing shown once, the session not
#: touched: :func:`hausbesuch.web.app.load_session`). Every other page answers HEAD with
#: 405: a data page's GET is audited as a view and may show a message once, and a HEAD
#: must neither skip that audit nor do it for a view that shows nothing.
HEAD_PAGES = ("/anmelden",)


@router.api_route("/anmelden", methods=["GET", "HEAD"])
def login_form(request: Request, weiter: str = "/plaene", abgelaufen: str = "") -> Response:
    if request.state.user is not None:
        return RedirectResponse(_safe_next(weiter), status_code=303)
    notice = None
    if abgelaufen:  # sent here by a page or form after the session's end (app.py)
        idle = ctx(request).limits.idle_minutes
        # (also a session ended on purpose: a logout in another tab, a new password)
        notice = (f"Die Sitzung ist beendet (nach {idle} Minuten ohne Aktion, nach ihrer "
                  "Höchstdauer, durch Abmelden oder eine Änderung des Kontos). Bitte neu "
                  "anmelden.")
        if abgelaufen == "eingabe":
            notice += (" Die zuletzt gesendete Eingabe wurde nicht gespeichert; bitte nach der "
                     "Anmeldung noch einmal eingeben.")
    return _login_page(request, weiter=weiter, notice=notice)


@router.post("/anmelden")
def login(request: Request, name: str = Form(""), passwort: str = Form(""),
          weiter: str = Form("/plaene")) -> Response:
    web = ctx(request)
    peer = _peer(request)
    try:
        user = check_login(web.store, name, passwort, peer, web.limits, _device(request))
    except LoginLimited:
        # no typed name in the log: it may be a password typed into the wrong field (the
        # audit row names the account when it exists)
        log.warning("login limited: address=%s", peer)
        return _retry_after(web.limits.window_minutes, _login_page(
            request, status=429, weiter=weiter, name=name, error=(
                "Zu viele fehlgeschlagene Anmeldungen für dieses Konto oder diesen Rechner. "
                f"Bitte in {web.limits.window_minutes} Minuten noch einmal versuchen.")))
    except LoginRefused:
        log.info("login failed: address=%s", peer)
        return _login_page(request, status=401, weiter=weiter, name=name,
                           error="Benutzername oder Passwort falsch.")
    end_session(web.store, request.cookies.get(session_cookie(request)))  # never reuse an old id
    token, _csrf = start_session(web.store, user,
                                 describe(request.headers.get("user-agent")))
    audit_auth(web.store, AUDIT_LOGIN, user, address=peer)
    log.info("login: account=%r address=%s", user.name, peer)
    user = require_new_password_if_weak(web.store, user, passwort)
    resp = RedirectResponse(PASSWORD_PAGE if user.must_change else _safe_next(weiter),
                            status_code=303)
    resp.set_cookie(session_cookie(request), token, httponly=True, samesite="lax",
                    secure=secure_request(request), path="/")
    secure = secure_request(request)
    # this browser may log in to this account while others' failed logins lock it
    # (``Path=/``: the ``__Host-`` prefix needs it, and the password checks of
    # „Passwort ändern“ and „Meine Sitzungen“ count it as the login does)
    resp.set_cookie(device_cookie(request), remember_device(web.store, user, _device(request)),
                    max_age=DEVICE_DAYS * 24 * 3600, httponly=True, samesite="strict",
                    secure=secure, path="/")
    resp.delete_cookie(pre_login_cookie(request), path="/" if secure else "/anmelden",
                       secure=secure, httponly=True, samesite="strict")
    return resp


@router.post("/abmelden")
def logout(request: Request) -> Response:
    web = ctx(request)
    user = request.state.user  # the session's account (load_session), if it still lives
    if end_session(web.store, request.cookies.get(session_cookie(request))) and user is not None:
        audit_auth(web.store, AUDIT_LOGOUT, user, address=_peer(request))
    resp = RedirectResponse("/anmelden", status_code=303)
    _drop_session_cookie(request, resp)
    return resp


@router.get("/konto/passwort")
def password_form(request: Request, user: User = Depends(require_user)) -> Response:
    return render(request, "password.html.j2", error=None)


@router.post("/konto/passwort")
def change_password(request: Request, aktuell: str = Form(""), neu: str = Form(""),
                    wiederholung: str = Form(""),
                    user: User = Depends(require_user)) -> Response:
    """The account's own password: the current one is checked as a login is (failures
    count towards the lock), the new one ends every session of the account, this one
    included; then the login page asks for the new password."""
    web = ctx(request)

    def again(status: int, message: str, field: str | None = None) -> Response:
        # ``field``: the input the message is about (marked; no password is sent back)
        return render(request, "password.html.j2", status=status, error=message, field=field)

    if neu != wiederholung:
        return again(400, "Die beiden neuen Passwörter stimmen nicht überein.", "wiederholung")
    try:
        check_password(neu, name=user.name, city=user.city)
    except UserError as exc:
        return again(400, str(exc), "neu")
    if normal_password(neu) == normal_password(aktuell):  # "Ｐａｓｓ…" is "Pass…"
        return again(400, "Das neue Passwort muss sich vom bisherigen unterscheiden.", "neu")
    try:
        check_login(web.store, user.name, aktuell, _peer(request), web.limits,
                    _device(request))
    except LoginLimited:
        return _retry_after(web.limits.window_minutes, again(
            429, "Zu viele fehlgeschlagene Versuche. Bitte in "
            f"{web.limits.window_minutes} Minuten noch einmal versuchen."))
    except LoginRefused:
        return again(400, "Das bisherige Passwort stimmt nicht.", "aktuell")
    set_password(web.store, user.name, neu, actor=user.name)
    log.info("password changed: account=%r", user.name)
    request.state.user = None  # the session has ended: the page is the login page
    resp = _login_page(request, info="Passwort geändert. Bitte mit dem neuen Passwort "
                       "anmelden.")
    _drop_session_cookie(request, resp)
    return resp


#: The page „Meine Sitzungen“ (ASVS V3.3.4); its form posts to the same address.
SESSIONS_PAGE = "/konto/sitzungen"


def _sessions_page(request: Request, user: User, *, status: int = 200,
                   error: str | None = None, done: str | None = None,
                   chosen: str = "") -> Response:
    """The page; ``chosen``: the session (its key, or ``alle``) chosen in a refused form,
    selected again (QA 26 F10: a wrong password cleared it; the password field stays
    empty)."""
    web = ctx(request)
    sessions = own_sessions(web.store, user, request.cookies.get(session_cookie(request)),
                            web.limits, web.secret)
    return render(request, "sessions.html.j2", status=status, sessions=sessions,
                  others=sum(not x.current for x in sessions), error=error, done=done,
                  chosen=chosen)


@router.get(SESSIONS_PAGE)
def sessions_list(request: Request, user: User = Depends(require_user)) -> Response:
    """„Meine Sitzungen“: the account's live sessions (started, last active, browser),
    this one marked; the others can be ended here."""
    return _sessions_page(request, user)


@router.post(SESSIONS_PAGE)
def end_sessions(request: Request, aktuell: str = Form(""), sitzung: str = Form(""),
                 user: User = Depends(require_user)) -> Response:
    """End one other session of the account (``sitzung``: its key on the page) or all
    others (``sitzung`` = ``alle``). The password is checked as a login is (failures
    count towards the lock, as on the password page); this session stays (it ends with
    „Abmelden“). Audited by :func:`end_own_sessions`."""
    web = ctx(request)
    if not sitzung:
        return _sessions_page(request, user, status=400,
                              error="Bitte eine Sitzung zum Beenden wählen.")
    try:
        check_login(web.store, user.name, aktuell, _peer(request), web.limits,
                    _device(request))
    except LoginLimited:
        return _retry_after(web.limits.window_minutes, _sessions_page(
            request, user, status=429, error="Zu viele fehlgeschlagene Versuche. Bitte in "
            f"{web.limits.window_minutes} Minuten noch einmal versuchen.", chosen=sitzung))
    except LoginRefused:
        return _sessions_page(request, user, status=400,
                              error="Das Passwort stimmt nicht. Es wurde keine Sitzung "
                              "beendet.", chosen=sitzung)
    mark_fresh(web.store, request.cookies.get(session_cookie(request)))  # it proved it
    every = sitzung == "alle"
    ended = end_own_sessions(web.store, user, request.cookies.get(session_cookie(request)),
                             web.secret, key=None if every else sitzung,
                             address=_peer(request))
    log.info("sessions ended: account=%r count=%d", user.name, ended)
    if not ended:
        done = ("Es gab keine andere Sitzung mehr zu beenden." if every else
                "Diese Sitzung gab es nicht mehr (schon beendet oder abgelaufen); es wurde "
                "keine Sitzung beendet.")
    elif ended == 1:
        done = "1 Sitzung beendet. Sie ist ab sofort abgemeldet."
    else:
        done = f"{ended} Sitzungen beendet. Sie sind ab sofort abgemeldet."
    return _sessions_page(request, user, done=done)


@passive_router.get("/sitzung/stand")
def session_state(request: Request) -> Response:
    """How long the session has left, for the warning before it ends by its idle limit
    (``sitzung.js``): ``{"rest": seconds, "verlaengerbar": bool}``, ``rest`` 0 when it has
    ended. Asking does not extend it (other tabs of the same session may be idle)."""
    return _time_left(request)


@router.post("/sitzung/verlaengern")
def extend_session(request: Request) -> Response:
    """„Angemeldet bleiben“: the session counts as active now (a form being typed for a
    long time sends nothing before it is saved). Also for an account that must change its
    password first (it may be typing the new one)."""
    if request.state.user is None:
        raise LoginRequired()
    touch_session(ctx(request).store, request.cookies.get(session_cookie(request)))
    return _time_left(request)


def _time_left(request: Request) -> Response:
    """``{"rest": seconds, "verlaengerbar": bool}`` of the request's session (0: none)."""
    web = ctx(request)
    left = session_time_left(web.store, request.cookies.get(session_cookie(request)),
                             web.limits)
    rest, extendable = left if left is not None else (0, False)
    return JSONResponse({"rest": rest, "verlaengerbar": extendable})
