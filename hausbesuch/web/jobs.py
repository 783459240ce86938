"""Background jobs (planning, re-planning) outside the request.

The queue is the ``web_jobs`` table of the app's own database: a request inserts a row
(``wartet``) and answers at once; a runner claims the oldest waiting job (PostgreSQL:
``SELECT … FOR UPDATE SKIP LOCKED``, so several workers on several machines never take
the same job; SQLite: the claim runs in a ``BEGIN IMMEDIATE`` transaction), runs it and
writes progress, the resulting plan id, or the reason it failed. With SQLite the runner
lives in the server process (threads); with PostgreSQL, ``hausbesuch worker`` runs the
same loop in other processes or on other machines, and ``hausbesuch serve`` also runs one
unless told not to (``--no-worker``).

A job that raises is marked ``fehlgeschlagen`` with its reason; a job whose process died
(no heartbeat for :attr:`JobRunner.stale_after` seconds, or, on this machine, a worker
process ``host:pid`` that no longer exists) is marked failed by the next runner that
starts or polls. A runner that is stopped while a job of its own still runs (``serve``
stopped by SIGTERM) marks that job failed when it gives up waiting for it, rather than
leaving it „läuft“; the job is not put back to ``wartet``, because a plan stored just
before the stop would then be made a second time. The planning code writes a plan in one
transaction, so a failed job never leaves a half-written plan. Every failure is audited
(``plan_job_failed``).
"""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from hausbesuch import clock
from hausbesuch.auditlog import SHOWN
from hausbesuch.errors import UserError
from hausbesuch.planning import solver_process
from hausbesuch.planning.solver_process import solving_in
from hausbesuch.store import PlanRow, Store, db_unavailable, describe_db_error
from hausbesuch.web.models import JobRow

log = logging.getLogger(__name__)

WAITING, RUNNING, DONE, FAILED = "wartet", "laeuft", "fertig", "fehlgeschlagen"
STATUS_LABELS = {WAITING: "wartet", RUNNING: "läuft", DONE: "fertig", FAILED: "fehlgeschlagen"}

#: A job handler: (store, job, progress) -> id of the plan it made (or None).
Handler = Callable[[Store, "Job", Callable[[str, float], None]], str | None]
HANDLERS: dict[str, Handler] = {}

#: Seconds between two looks for jobs whose process died (every runner and worker).
REAP_EVERY = 30.0

#: The reason of a job whose process died (no heartbeat, or its process is gone).
REAPED = "Abgebrochen: der rechnende Prozess wurde beendet."
#: The reason of a job cut off by a stop of its runner (``serve`` stopped while it ran).
ABANDONED = ("Abgebrochen: der Server wurde beendet, bevor die Planung fertig war; "
             "bitte neu starten.")


#: When this process started (near enough: when the module was first imported), UTC as a
#: heartbeat: a running job recorded under this process's own ``host:pid`` whose last
#: heartbeat is older was left by an earlier process of the same pid (a container's pid 1
#: restarted with the same host name).
_PROCESS_START = clock.utc()


class _Abandoned(Exception):
    """Raised at the next progress report of a job its stopped runner gave up (so that a
    job already marked failed does not store its plan afterwards)."""


def _pid_gone(pid: int) -> bool:
    """True when no process ``pid`` exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except (PermissionError, OSError):  # another user's process (or unknown): alive
        return False
    return False


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def deco(fn: Handler) -> Handler:
        HANDLERS[kind] = fn
        return fn

    return deco


@dataclass(frozen=True)
class Job:
    id: str
    kind: str
    city: str
    params: dict[str, Any]
    status: str
    stage: str
    progress: float
    plan_id: str | None
    error: str | None
    created_by: str
    created_at: datetime
    finished_at: datetime | None
    #: the plan it made was deleted since (``hausbesuch delete-plan``): the job stays, as
    #: a record of who planned what and when, but links to no plan (read by :func:`get`
    #: and :func:`recent`; False where the job was read without looking)
    plan_deleted: bool = False
    #: when a runner took it (:meth:`JobRunner.claim`, :func:`hausbesuch.clock.now`);
    #: None while it waits
    started_at: datetime | None = None

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def active(self) -> bool:
        return self.status in (WAITING, RUNNING)

    @property
    def client_ids(self) -> list[str]:
        """The case ids the message of a failed job names (none for any other)."""
        return list(self.params.get(SHOWN) or ()) if self.status == FAILED else []


def _job(row: JobRow, plan_there: object = True) -> Job:
    return Job(id=row.id, kind=row.kind, city=row.city, params=json.loads(row.params or "{}"),
               status=row.status, stage=row.stage, progress=row.progress, plan_id=row.plan_id,
               error=row.error, created_by=row.created_by, created_at=row.created_at,
               finished_at=row.finished_at,
               plan_deleted=row.plan_id is not None and plan_there is None,
               started_at=row.started_at)


def _with_plan() -> Any:
    """Jobs with the id of their plan when it is still stored (None: deleted since)."""
    return select(JobRow, PlanRow.id).outerjoin(PlanRow, PlanRow.id == JobRow.plan_id)


def submit(store: Store, kind: str, city: str, params: dict[str, Any], actor: str) -> str:
    """Queue a job; returns its id."""
    if kind not in HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job_id = uuid.uuid4().hex
    with store.session() as s:
        s.add(JobRow(id=job_id, kind=kind, city=city, params=json.dumps(params), status=WAITING,
                     stage="wartet auf einen freien Rechenplatz", progress=0.0,
                     created_by=actor, created_at=clock.now()))
    return job_id


def get(store: Store, job_id: str) -> Job | None:
    with store.session() as s:
        found = s.execute(_with_plan().where(JobRow.id == job_id)).first()
        return _job(*found) if found is not None else None


def recent(store: Store, city: str | None, limit: int = 20) -> list[Job]:
    with store.session() as s:
        q = _with_plan().order_by(JobRow.created_at.desc()).limit(limit)
        if city is not None:
            q = q.where(JobRow.city == city)
        return [_job(row, there) for row, there in s.execute(q)]


class JobRunner:
    """Claims and runs queued jobs in ``workers`` threads until :meth:`stop`."""

    def __init__(self, store: Store, *, workers: int = 1, poll: float = 1.0,
                 stale_after: float = 300.0, beat_every: float = 30.0) -> None:
        self.store = store
        self.workers = max(1, workers)
        self.poll = poll
        self.stale_after = stale_after
        #: seconds between two heartbeats of a running job (well below ``stale_after``)
        self.beat_every = min(beat_every, stale_after / 3)
        #: ``host:pid``: who runs a job (``web_jobs.worker``); a runner on the same host
        #: tells from it whether the job's process still exists
        self.name = f"{socket.gethostname()}:{os.getpid()}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._running: set[str] = set()  # ids of the jobs this runner runs now
        self._abandoned: set[str] = set()  # ids of jobs marked failed by stop()

    # ---- lifecycle

    def start(self) -> None:
        self.reap()
        for i in range(self.workers):
            t = threading.Thread(target=self._loop, name=f"hausbesuch-job-{i}", daemon=True)
            t.start()
            self._threads.append(t)

    def request_stop(self) -> None:
        """Take no further job; a running job goes on to its end."""
        self._stop.set()
        self._wake.set()

    def stop(self, timeout: float | None = 5.0) -> None:
        """Stop taking jobs and wait up to ``timeout`` seconds (None: without end) for the
        running ones; a job still running then (or when the wait is interrupted) is marked
        failed („Abgebrochen: der Server wurde beendet …“) and audited, so that it does not
        show „läuft“ until the heartbeat reaper of another runner takes it."""
        self.request_stop()
        try:
            deadline = None if timeout is None else time.monotonic() + timeout
            for t in self._threads:
                while t.is_alive():
                    left = 0.5 if deadline is None else deadline - time.monotonic()
                    if left <= 0:
                        break
                    t.join(min(left, 0.5))  # short: a signal (Strg+C) is handled in between
        finally:
            self._threads.clear()
            self._abandon()

    def _abandon(self) -> None:
        """Mark the jobs this runner still runs as failed (see :meth:`stop`)."""
        with self._lock:
            ids = sorted(self._running - self._abandoned)
            self._abandoned.update(ids)
        if not ids:
            return
        # their solves are of no use now, and would keep the process from ending
        solver_process.close_shared(kill=True)
        try:
            failed = self._fail_where(JobRow.id.in_(ids), JobRow.worker == self.name,
                                      error=ABANDONED)
        except Exception:  # noqa: BLE001 - the database is gone: the reaper takes them later
            log.exception("jobs %s: could not mark them failed at the stop", ", ".join(ids))
            return
        for job in failed:
            log.warning("job %s: given up at the stop of %s, marked failed", job.id, self.name)

    def wake(self) -> None:
        """A job was queued: look now instead of at the next poll."""
        self._wake.set()

    def run_forever(self, on_signal: Callable[[], None] | None = None) -> None:
        """Run in the foreground (``hausbesuch worker``) until interrupted.

        The first SIGTERM or Strg+C (SIGINT) stops taking jobs and waits for the running one
        to end (``on_signal`` is called then, to say so); a second one stops at once (the
        running job is then marked failed, or, killed, taken by the next runner here)."""
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {}

        def first_signal(signum: int, _frame: Any) -> None:
            for sig, old in previous.items():  # the next signal: stop at once
                signal.signal(sig, signal.SIG_DFL if old is None else old)
            log.info("signal %d: stopping after the running job", signum)
            if on_signal is not None:
                on_signal()
            self.request_stop()

        if threading.current_thread() is threading.main_thread():
            for sig in handled:
                previous[sig] = signal.signal(sig, first_signal)
        self.start()
        try:
            while not self._stop.is_set():
                time.sleep(0.2)
            self.stop(timeout=None)
        finally:
            self.stop(timeout=0)
            for sig, old in previous.items():
                signal.signal(sig, signal.SIG_DFL if old is None else old)

    # ---- the loop

    def _loop(self) -> None:
        last_reap = time.monotonic()
        away = False  # the database is unreachable (said once, not at every poll)
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_reap > REAP_EVERY:
                    self.reap()
                    last_reap = time.monotonic()
                job = self.claim()
            except Exception as exc:  # database briefly unreachable: try again later
                if not db_unavailable(exc):
                    log.exception("job queue: claim failed")
                elif not away:
                    log.warning("job queue: database unavailable, trying again every %g s: "
                                "%s", self.poll, describe_db_error(exc))
                away = away or db_unavailable(exc)
                job = None
            else:
                if away:
                    log.warning("job queue: database reachable again")
                away = False
            if job is None:
                self._wake.wait(self.poll)
                self._wake.clear()
                continue
            try:
                self.run(job)
            except Exception:  # e.g. the database went away while writing the result
                log.exception("job %s: could not record its end", job.id)

    def claim(self, job_id: str | None = None) -> Job | None:
        """Take the oldest waiting job, or the job ``job_id`` if it still waits (or None)."""
        now, beat = clock.now(), clock.utc()
        with self.store.session() as s:
            q = select(JobRow).where(JobRow.status == WAITING).order_by(JobRow.created_at)
            if job_id is not None:
                q = q.where(JobRow.id == job_id)
            if s.bind.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            row = s.scalars(q.limit(1)).first()
            if row is None:
                return None
            row.status, row.started_at, row.heartbeat = RUNNING, now, beat
            row.worker, row.stage = self.name, "startet"
            job = _job(row)
        log.info("job %s (%s) claimed by %s", job.id, job.kind, self.name)
        return job

    def run(self, job: Job) -> None:
        """Run one claimed job to its end (done or failed).

        While the handler runs, a thread gives the job a heartbeat every
        :attr:`beat_every` seconds: a plan that waits for its city's planning lock (a plan
        of the command line, up to three attempts of the change check) reports no progress
        for minutes, and a reaper must not take it for a job whose process died (review
        16 #1)."""
        done = threading.Event()

        def beat() -> None:
            while not done.wait(self.beat_every):
                try:
                    with self.store.session() as s:
                        s.execute(update(JobRow).where(JobRow.id == job.id,
                                                       JobRow.status == RUNNING)
                                  .values(heartbeat=clock.utc()))
                except Exception:  # noqa: BLE001 - the next beat tries again
                    log.exception("job %s: heartbeat failed", job.id)

        beating = threading.Thread(target=beat, name=f"hausbesuch-beat-{job.id[:8]}",
                                   daemon=True)
        beating.start()
        with self._lock:
            self._running.add(job.id)
        try:
            self._run(job)
        finally:
            with self._lock:
                self._running.discard(job.id)
            done.set()
            beating.join(5)

    def _run(self, job: Job) -> None:
        last = [0.0]  # when the job's progress was last written

        def progress(stage: str, fraction: float) -> None:
            if job.id in self._abandoned:  # marked failed by stop(): store nothing more
                if 0.5 < fraction <= 0.9:  # the solver's own callback (native code): do
                    return  # not raise through it; „Plan speichern“ (0.95) raises
                raise _Abandoned(job.id)
            if time.monotonic() - last[0] < 0.5 and fraction < 1.0:
                return
            last[0] = time.monotonic()
            self._set(job.id, stage=stage[:500], progress=max(0.0, min(1.0, float(fraction))),
                      heartbeat=clock.utc())

        try:
            # the solver runs in a child process: OR-Tools holds the interpreter lock
            # while it searches, and this process serves pages (solver_process)
            with solving_in(solver_process.shared(self.workers)):
                plan_id = HANDLERS[job.kind](self.store, job, progress)
        except Exception as exc:  # noqa: BLE001 - every failure is recorded on the job
            if job.id in self._abandoned:  # already marked failed and audited by stop()
                log.info("job %s: stopped after its runner gave it up", job.id)
                return
            self._failed(job, exc)
        else:
            self._set(job.id, status=DONE, plan_id=plan_id, progress=1.0, stage="fertig",
                      finished_at=clock.now(), error=None)
            log.info("job %s done: plan %s", job.id, plan_id)

    def _failed(self, job: Job, exc: Exception) -> None:
        """Record ``exc`` (being handled) as the job's failure, and audit it."""
        if isinstance(exc, UserError):
            # a refusal that names cases is stored without their addresses (its case ids
            # are kept with the job: a view of its message is audited with them)
            cases = list(getattr(exc, "client_ids", ()))
            self._set(job.id, status=FAILED, error=getattr(exc, "brief", None) or str(exc),
                      finished_at=clock.now(),
                      params=json.dumps({**job.params, SHOWN: cases} if cases else job.params))
            self._audit_failed(job, cases)
            # the message is not logged: it may name cases
            log.info("job %s failed: refused (the reason is on the job's page)", job.id)
        else:
            log.error("job %s (%s) failed:\n%s", job.id, job.kind, traceback.format_exc())
            self._set(job.id, status=FAILED, finished_at=clock.now(),
                      error=f"Interner Fehler ({type(exc).__name__}); Details im Server-Protokoll.")
            self._audit_failed(job, [])

    def _audit_failed(self, job: Job, cases: list[str], *, reason: str | None = None,
                      session: Any = None) -> None:
        """The audit row of a failed job (``plan_job_failed``): the job, the case ids its
        message names (never the message: it may quote what the cases hold), and for a job
        cut off by the end of its process ``grund`` „abgebrochen“."""
        details: dict[str, Any] = {"job": job.id}
        if cases:
            details[SHOWN] = cases
        if reason:
            details["grund"] = reason
        self.store.audit(job.created_by, "plan_job_failed", city=job.city,
                         plan_id=job.params.get("plan_id"), details=details, session=session)

    def _fail_where(self, *where: Any, error: str) -> list[Job]:
        """Mark the running jobs matching ``where`` as failed with ``error`` and audit each
        (``grund`` „abgebrochen“) in the same transaction; returns them."""
        with self.store.session() as s:
            q = select(JobRow).where(JobRow.status == RUNNING, *where).order_by(JobRow.id)
            if s.bind.dialect.name == "postgresql":
                q = q.with_for_update(skip_locked=True)
            failed = []
            for row in s.scalars(q).all():
                row.status, row.finished_at, row.error = FAILED, clock.now(), error
                job = _job(row)
                self._audit_failed(job, [], reason="abgebrochen", session=s)
                failed.append(job)
        return failed

    def _dead_here(self) -> list[str]:
        """Workers (``host:pid``) of running jobs on this host whose process is gone."""
        host = socket.gethostname()
        with self.store.session() as s:
            workers = s.scalars(select(JobRow.worker).distinct().where(
                JobRow.status == RUNNING, JobRow.worker.like(f"{host}:%"))).all()
        dead = []
        for worker in workers:
            name, _, pid = (worker or "").rpartition(":")
            if name == host and pid.isdigit() and int(pid) != os.getpid() and _pid_gone(int(pid)):
                dead.append(worker)
        return dead

    def reap(self) -> int:
        """Mark as failed (and audit) the running jobs whose process died: no heartbeat for
        :attr:`stale_after` seconds, or a worker process of this host that no longer exists
        (taken at once: a ``serve`` or ``worker`` killed here and started again; also one
        of this very ``host:pid`` last heard of before this process started). Returns how
        many."""
        limit = clock.utc() - timedelta(seconds=self.stale_after)
        failed = self._fail_where(JobRow.heartbeat < limit, error=REAPED)
        dead = self._dead_here()
        if dead:
            failed += self._fail_where(JobRow.worker.in_(dead), error=REAPED)
        failed += self._fail_where(JobRow.worker == self.name,
                                   JobRow.heartbeat < _PROCESS_START, error=REAPED)
        for job in failed:
            log.warning("job %s: its process died, marked failed", job.id)
        return len(failed)

    def _set(self, job_id: str, **values: Any) -> None:
        with self.store.session() as s:
            s.execute(update(JobRow).where(JobRow.id == job_id).values(**values))
