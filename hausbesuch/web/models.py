"""Tables of the web app: users, sessions, login attempts, worker links, jobs, secrets.

Created by migration ``0003``. Nothing here holds a client name: sessions and links are
stored as SHA-256 hashes of their random tokens, login attempts keep the account name and
the peer address only, jobs keep their parameters and the resulting plan id.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Double, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from hausbesuch.store import Base

#: Roles: an admin sees every city, a coordinator the plans of her own city.
ROLE_ADMIN = "admin"
ROLE_COORDINATOR = "koordination"
ROLES = (ROLE_ADMIN, ROLE_COORDINATOR)
#: ``must_change_why``: the administrator set the password (``user add``/``user password``)
WHY_TEMPORARY = "vorlaeufig"
#: ``must_change_why``: the stored password fails today's rules (found at a login)
WHY_RULES = "regeln"


class UserRow(Base):
    """A person who logs in (coordinators, admins). Field workers have no account."""

    __tablename__ = "web_users"

    name: Mapped[str] = mapped_column(String(120), primary_key=True)
    password_hash: Mapped[str] = mapped_column(Text)  # argon2id, PHC string
    role: Mapped[str] = mapped_column(String(20))
    city: Mapped[str | None] = mapped_column(String(120))  # None: every city (admins)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime)
    password_changed_at: Mapped[datetime] = mapped_column(DateTime)
    #: a new password is asked for: every page but the password page waits until it is
    #: changed. Set by the administrator's temporary password (``user add``/``user
    #: password``), or at a login whose password was set before today's rules and fails
    #: them (when the typed password is known); cleared by the owner's own new password
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False,
                                                       server_default=false())
    #: why a new password is asked for (review 42 #7): :data:`WHY_TEMPORARY` (set by the
    #: administrator), :data:`WHY_RULES` (fails today's rules), ``None`` (none asked for,
    #: or asked for before this was kept)
    must_change_why: Mapped[str | None] = mapped_column(String(16), nullable=True)


class SessionRow(Base):
    """A server-side login session; the cookie carries the token, the table its hash."""

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(120), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    last_seen: Mapped[datetime] = mapped_column(DateTime)
    #: the browser as „Meine Sitzungen“ names it („Chrome auf Android“; words of
    #: ``hausbesuch.web.useragent`` only, never the ``User-Agent`` header itself); None:
    #: not known (made before migration 0014, or a header naming no known browser)
    agent: Mapped[str | None] = mapped_column(String(60))
    #: when the session last proved its password (UTC): a password confirmation
    #: (``auth.mark_fresh``); None: none since its login (``created_at`` counts; migration
    #: 0017)
    fresh_auth_at: Mapped[datetime | None] = mapped_column(DateTime)


class LoginAttemptRow(Base):
    """A failed login (SHA-256 of the typed account name's ``auth.name_key``, peer address), for rate limits
    and lockout; a try being checked holds a row too (see ``auth.check_login``)."""

    __tablename__ = "web_login_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(DateTime, index=True)
    user_name: Mapped[str] = mapped_column(String(120), index=True)
    address: Mapped[str] = mapped_column(String(64), index=True)
    #: the SHA-256 of the device cookie the try carried, valid for the typed account
    #: (``auth.check_login``: counted per device, not towards the account's limits); None:
    #: a try without one (made before migration 0016 too)
    device: Mapped[str | None] = mapped_column(String(64), index=True)


class DeviceRow(Base):
    """A browser that logged in to an account (OWASP "device cookie"): the cookie carries a
    random token, the table its SHA-256 and the account it was set for. Its tries are
    counted per device and not refused by the account's lockout (``auth.check_login``);
    deleted when the account's password is set or the account is disabled."""

    __tablename__ = "web_devices"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(String(120), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    last_used: Mapped[datetime] = mapped_column(DateTime)  # UTC, the last login with it


class WorkerLinkRow(Base):
    """A field worker's link to one team-day of a plan; the token is stored as a hash."""

    __tablename__ = "web_worker_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    prefix: Mapped[str] = mapped_column(String(16), index=True)  # first characters, to revoke
    city: Mapped[str] = mapped_column(String(120))
    plan_id: Mapped[str] = mapped_column(String(64), index=True)
    team_id: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[datetime] = mapped_column(DateTime)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_by: Mapped[str | None] = mapped_column(String(120))


class JobRow(Base):
    """A background job (planning, re-planning): queued, running, done or failed."""

    __tablename__ = "web_jobs"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    city: Mapped[str] = mapped_column(String(120), index=True)
    params: Mapped[str] = mapped_column(Text, default="{}")  # JSON
    status: Mapped[str] = mapped_column(String(20), index=True)  # wartet|laeuft|fertig|fehlgeschlagen
    stage: Mapped[str] = mapped_column(Text, default="")
    progress: Mapped[float] = mapped_column(Double, default=0.0)
    plan_id: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(DateTime)
    started_at: Mapped[datetime | None] = mapped_column(DateTime)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    heartbeat: Mapped[datetime | None] = mapped_column(DateTime)
    worker: Mapped[str | None] = mapped_column(String(120))


class SecretRow(Base):
    """Server secrets made on first start (e.g. the key deriving worker-link CSRF tokens)."""

    __tablename__ = "web_secrets"

    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime)
