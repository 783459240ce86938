"""Login and logout.

Every decision is a row of the audit log (see :mod:`hausbesuch.web.auth`): refused and
limited tries are written by :func:`check_login`, the login and the logout here. The page
says the same for a wrong password and an unknown name.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from hausbesuch.web.app import ctx, load_session, render, secure_request
from hausbesuch.web.auth import (
    AUDIT_LOGIN,
    AUDIT_LOGOUT,
    SESSION_COOKIE,
    LoginLimited,
    LoginRefused,
    audit_auth,
    check_login,
    end_session,
    start_session,
)
from hausbesuch.web.security import PRE_LOGIN_COOKIE, csrf_protect, new_token

log = logging.getLogger(__name__)
router = APIRouter(dependencies=[Depends(load_session), Depends(csrf_protect)])


def _safe_next(target: str | None) -> str:
    """Only local paths (no ``//host``, no scheme) are followed after login."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/plaene"


def _peer(request: Request) -> str:
    return request.client.host if request.client else "unbekannt"


def _login_page(request: Request, *, status: int = 200, error: str | None = None,
                weiter: str = "/plaene", name: str = "") -> Response:
    token = new_token(24)
    resp = render(request, "login.html.j2", status=status, error=error, pre_token=token,
                  weiter=_safe_next(weiter), name=name)
    resp.set_cookie(PRE_LOGIN_COOKIE, token, httponly=True, samesite="strict",
                    secure=secure_request(request), path="/anmelden")
    return resp


@router.get("/anmelden")
def login_form(request: Request, weiter: str = "/plaene") -> Response:
    if request.state.user is not None:
        return RedirectResponse(_safe_next(weiter), status_code=303)
    return _login_page(request, weiter=weiter)


@router.post("/anmelden")
def login(request: Request, name: str = Form(""), passwort: str = Form(""),
          weiter: str = Form("/plaene")) -> Response:
    web = ctx(request)
    peer = _peer(request)
    try:
        user = check_login(web.store, name, passwort, peer, web.limits)
    except LoginLimited:
        # no typed name in the log: it may be a password typed into the wrong field (the
        # audit row names the account when it exists)
        log.warning("login limited: address=%s", peer)
        return _login_page(request, status=429, weiter=weiter, name=name, error=(
            "Zu viele fehlgeschlagene Anmeldungen für dieses Konto oder diesen Rechner. "
            f"Bitte in {web.limits.window_minutes} Minuten noch einmal versuchen."))
    except LoginRefused:
        log.info("login failed: address=%s", peer)
        return _login_page(request, status=401, weiter=weiter, name=name,
                           error="Benutzername oder Passwort falsch.")
    end_session(web.store, request.cookies.get(SESSION_COOKIE))  # never reuse an old id
    token, _csrf = start_session(web.store, user)
    audit_auth(web.store, AUDIT_LOGIN, user, address=peer)
    log.info("login: account=%r address=%s", user.name, peer)
    resp = RedirectResponse(_safe_next(weiter), status_code=303)
    resp.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="lax",
                    secure=secure_request(request), path="/")
    resp.delete_cookie(PRE_LOGIN_COOKIE, path="/anmelden")
    return resp


@router.post("/abmelden")
def logout(request: Request) -> Response:
    web = ctx(request)
    user = request.state.user  # the session's account (load_session), if it still lives
    if end_session(web.store, request.cookies.get(SESSION_COOKIE)) and user is not None:
        audit_auth(web.store, AUDIT_LOGOUT, user, address=_peer(request))
    resp = RedirectResponse("/anmelden", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp
