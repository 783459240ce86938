"""Whether a planning service is alive to run the queued jobs.

With SQLite (or PostgreSQL without ``serve --no-worker``) the server runs jobs in its own
threads, so a job that waits is always taken in time. With ``serve --no-worker`` the jobs
are run by ``hausbesuch worker`` processes only; when none runs (it crashed or was never
started) a job waits without end. Procrastinate keeps a heartbeat per worker
(``procrastinate_workers.last_heartbeat``, every 10 seconds by default); a job that a
runner is working on has its own heartbeat in ``web_jobs`` (every 30 seconds), also while
a worker first works off the backlog, before it registers with Procrastinate.
"""

from __future__ import annotations

import logging
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select, text

from hausbesuch import clock
from hausbesuch.store import Store
from hausbesuch.web.jobs import RUNNING
from hausbesuch.web.models import JobRow

log = logging.getLogger(__name__)

#: A worker whose Procrastinate heartbeat is older than this counts as gone.
WORKER_ALIVE_SECONDS = 60
#: A running job whose heartbeat is younger than this shows a runner is alive (its
#: heartbeat comes every 30 seconds).
JOB_BEAT_SECONDS = 90

#: Seconds between two warnings in the server log that no worker is alive.
WARN_EVERY = 300.0
_warned = [-WARN_EVERY]

#: What the job page and the plan list say while a job waits and no service runs (the
#: administration starts it; no command is named to a web user).
NO_SERVICE = ("Zurzeit läuft kein Planungsdienst, der wartende Aufträge rechnet; sie warten, "
              "bis er wieder läuft. Bitte die Administration informieren.")


def workers_alive(store: Store) -> bool:
    """True when a Procrastinate worker beat within :data:`WORKER_ALIVE_SECONDS` or a
    running job within :data:`JOB_BEAT_SECONDS` (PostgreSQL only)."""
    with store.session() as s:
        fresh = s.scalar(text(
            "SELECT count(*) FROM procrastinate_workers "
            "WHERE last_heartbeat > now() - make_interval(secs => :secs)"),
            {"secs": WORKER_ALIVE_SECONDS})
        if fresh:
            return True
        since = clock.utc() - timedelta(seconds=JOB_BEAT_SECONDS)
        beating = s.scalar(select(func.count()).select_from(JobRow).where(
            JobRow.status == RUNNING, JobRow.heartbeat > since))
        return bool(beating)


def no_service_hint(web: Any) -> str:
    """:data:`NO_SERVICE` when this server runs no jobs itself (``--no-worker``, on
    PostgreSQL) and no worker is alive; else ''. A failing look says nothing (the page
    must still open)."""
    if web.runner is not None or web.pg_app is None:
        return ""
    try:
        alive = workers_alive(web.store)
    except Exception:  # noqa: BLE001 - e.g. the database briefly unreachable
        log.exception("could not look for live planning workers")
        return ""
    if alive:
        return ""
    now = time.monotonic()
    if now - _warned[0] > WARN_EVERY:  # the page asks every 2 seconds: not each time
        _warned[0] = now
        log.warning("planning jobs wait and no 'hausbesuch worker' is alive (no heartbeat "
                    "for %s s)", WORKER_ALIVE_SECONDS)
    return NO_SERVICE
