"""Retention: what the store keeps only for a while (``hausbesuch cleanup``).

It lives in the web app because most of what ages out are the web app's own tables
(sessions, failed logins, day links, jobs, its PostgreSQL queue): the core never imports
the web app (tests/test_layers.py).

Two kinds of rows age out:

- **Housekeeping of the web app**, always: login sessions and failed logins a day after
  they were made (a session lives at most 12 hours, a failed login counts for 15
  minutes), device cookies (``web_devices``) once they expired, :data:`DEVICE_DAYS
  <hausbesuch.web.auth.DEVICE_DAYS>` days after the last login with them (a login
  deletes them too, but a server nobody logs in to any more keeps them), worker links :data:`KEEP_DAYS` days after they expired or were revoked, and
  planning jobs :data:`KEEP_DAYS` days after they finished or, never finished, were last
  heard of (with their Procrastinate rows on PostgreSQL, also those a killed worker left
  ``doing``). None of them is of use after
  that; sessions, logins, devices and links name staff members, and an expired link still says
  which team went where on a day.
- **The audit log**, only when asked (``audit_days``, at least :data:`MIN_AUDIT_DAYS`): the
  rows older than that many days before the real clock's today. How long the log is kept is the
  Jobcenter's decision (its Löschkonzept); the log records its own shortening.

Case data are not touched here: ``hausbesuch purge`` erases the personal data of closed
cases. Everything is counted first; with ``dry_run`` nothing is deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from hausbesuch import clock

if TYPE_CHECKING:
    from hausbesuch.store import Store

#: Days an expired or revoked worker link and a finished job are kept.
KEEP_DAYS = 30
#: Days a login session or a failed login is kept (their limits are hours and minutes).
KEEP_LOGIN_DAYS = 1
#: The shortest audit retention accepted: a typo must not empty the log.
MIN_AUDIT_DAYS = 90
#: Audit action of a cleanup that deleted housekeeping rows.
AUDIT_CLEANUP = "aufgeraeumt"


@dataclass
class CleanupResult:
    """What goes (or went): counts per kind of row, and the audit log's part."""

    sessions: int = 0
    login_attempts: int = 0
    devices: int = 0  # expired device cookies (``web_devices``)
    links: int = 0
    jobs: int = 0
    queue_jobs: int | None = None  # Procrastinate rows (PostgreSQL only; None: not counted)
    audit_rows: int = 0
    audit_before: datetime | None = None  # the cutoff (None: the log was not asked for)
    audit_oldest: datetime | None = None  # the oldest of the rows that go
    done: bool = False  # False: a dry run

    @property
    def housekeeping(self) -> int:
        return self.sessions + self.login_attempts + self.devices + self.links + self.jobs


def audit_cutoff(audit_days: int) -> datetime:
    """The first moment of the day ``audit_days`` days before the real clock's today
    (the log's rows carry real moments; ``HAUSBESUCH_HEUTE`` of an exercise must not age
    them): older rows go."""
    if audit_days < MIN_AUDIT_DAYS:
        raise ValueError(f"audit_days must be at least {MIN_AUDIT_DAYS}")
    return datetime.combine(clock.now().date() - timedelta(days=audit_days), time.min)


def cleanup(store: Store, *, actor: str, audit_days: int | None = None,
            dry_run: bool = True) -> CleanupResult:
    """Delete (or, with ``dry_run``, count) what has aged out; see the module's text."""
    from sqlalchemy import and_, delete, func, or_, select

    from hausbesuch.web.auth import DEVICE_DAYS
    from hausbesuch.web.models import (
        DeviceRow,
        JobRow,
        LoginAttemptRow,
        SessionRow,
        WorkerLinkRow,
    )

    now = clock.now()
    # sessions and failed logins store UTC (clock.utc: they measure how long ago)
    login_edge = clock.utc() - timedelta(days=KEEP_LOGIN_DAYS)
    edge = now - timedelta(days=KEEP_DAYS)
    wheres = {
        "sessions": (SessionRow, [SessionRow.created_at < login_edge]),
        "login_attempts": (LoginAttemptRow, [LoginAttemptRow.at < login_edge]),
        # expired as auth.remember_device and auth._valid_device count it (UTC as well)
        "devices": (DeviceRow, [DeviceRow.last_used
                                < clock.utc() - timedelta(days=DEVICE_DAYS)]),
        "links": (WorkerLinkRow, [or_(WorkerLinkRow.valid_until < edge,
                                      WorkerLinkRow.revoked_at < edge)]),
        # finished 30 days ago, or never finished and silent for 30 days (a server killed
        # while it waited or ran: nothing will ever finish it)
        "jobs": (JobRow, [or_(
            and_(JobRow.finished_at < edge, JobRow.status.in_(("fertig", "fehlgeschlagen"))),
            and_(JobRow.status.in_(("wartet", "laeuft")), JobRow.created_at < edge,
                 or_(JobRow.heartbeat.is_(None),  # (a heartbeat is UTC, as sessions)
                     JobRow.heartbeat < clock.utc() - timedelta(days=KEEP_DAYS))))]),
    }
    result = CleanupResult()
    with store.session() as s:
        for name, (model, where) in wheres.items():
            n = s.scalar(select(func.count()).select_from(model).where(*where)) or 0
            setattr(result, name, int(n))
            if not dry_run and n:
                s.execute(delete(model).where(*where))
        if not dry_run and result.housekeeping:
            store.audit(actor, AUDIT_CLEANUP, details={
                "sitzungen": result.sessions, "anmeldeversuche": result.login_attempts,
                "geraete": result.devices,
                "tageslinks": result.links, "auftraege": result.jobs}, session=s)
    if store.engine.dialect.name == "postgresql":
        result.queue_jobs = _queue_jobs(store, dry_run=dry_run)
    if audit_days is not None:
        from sqlalchemy.exc import DBAPIError

        from hausbesuch.errors import UserError

        result.audit_before = audit_cutoff(audit_days)
        try:
            result.audit_rows, result.audit_oldest = store.prune_audit(
                result.audit_before, actor, dry_run=dry_run, details={"tage": audit_days})
        except DBAPIError as exc:
            if "append-only" not in str(exc.orig):
                raise
            raise UserError(  # the database's clock disagrees with the cutoff: say so
                "Das Protokoll wurde nicht gekürzt: die Datenbank lässt Einträge erst löschen, "
                f"wenn sie mindestens {MIN_AUDIT_DAYS - 1} Tage alt sind (nach ihrer Uhr). "
                "Später erneut versuchen oder mehr Tage angeben.") from None
    result.done = not dry_run
    return result


def _queue_jobs(store: Store, *, dry_run: bool) -> int:
    """Procrastinate rows last changed more than :data:`KEEP_DAYS` days ago (only the job's
    id is in them): finished ones, and ones left ``doing`` or ``todo`` (a worker killed
    while it ran the job, a job deferred while no worker ran) whose web job is finished or
    gone, so that nothing will ever run or finish them; 0 when the queue's tables were never
    made (no ``worker`` ever ran)."""
    from sqlalchemy import text

    from hausbesuch.web.pgqueue import QUEUE

    with store.session() as s:
        if s.scalar(text("SELECT to_regclass('procrastinate_jobs')")) is None:
            return 0
        # a job's last event is when it reached its final state
        where = ("FROM procrastinate_jobs j WHERE j.queue_name = :queue AND (j.status IN "
                 "('succeeded', 'failed', 'cancelled', 'aborted') OR (j.status IN "
                 "('doing', 'todo') AND j.args->>'job_id' IS NOT NULL AND NOT EXISTS "
                 "(SELECT 1 FROM web_jobs w WHERE w.id = j.args->>'job_id' AND w.status IN "
                 "('wartet', 'laeuft')))) AND (SELECT max(e.at) "
                 "FROM procrastinate_events e WHERE e.job_id = j.id) < now() - "
                 "make_interval(days => :days)")
        params = {"queue": QUEUE, "days": KEEP_DAYS}
        n = int(s.scalar(text(f"SELECT count(*) {where}"), params) or 0)
        if n and not dry_run:
            s.execute(text(f"DELETE {where}"), params)
        return n
