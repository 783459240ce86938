"""Procrastinate on PostgreSQL: planning jobs handed to ``hausbesuch worker`` processes.

With PostgreSQL, :func:`defer` puts a Procrastinate job next to the ``web_jobs`` row;
``hausbesuch worker`` runs a Procrastinate worker that is woken by PostgreSQL's
LISTEN/NOTIFY and runs the job (:func:`run_web_job`). The ``web_jobs`` row stays the one
record of the job's state: a job runs only after it was claimed there (``wartet`` →
``laeuft`` in one statement), so a job is never run twice, also when the server's own
runner (:class:`hausbesuch.web.jobs.JobRunner`) polls the same table.

Procrastinate's tables and functions live in the database's search path (the same schema
as the app's tables); :func:`make_app` creates them on first use.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from hausbesuch.store import Store

if TYPE_CHECKING:
    from hausbesuch.web.jobs import JobRunner

log = logging.getLogger(__name__)

QUEUE = "hausbesuch"
_LOCK_KEY = 0x4B5543  # advisory lock serialising the first creation of the schema

_STORE: Store | None = None
_DEFER_LOCK = threading.Lock()


def _conn_kwargs(store: Store) -> dict[str, Any]:
    """psycopg connection parameters of the store (host, db, user, options, password)."""
    raw = store.engine.raw_connection()
    try:
        info = raw.driver_connection.info  # type: ignore[union-attr]
        params = dict(info.get_parameters())
        if info.password:
            params["password"] = info.password
        return params
    finally:
        raw.close()


def make_app(store: Store):  # noqa: ANN201
    """A Procrastinate app on the store's PostgreSQL database (schema created if missing)."""
    import procrastinate

    global _STORE
    _STORE = store
    app = procrastinate.App(connector=procrastinate.PsycopgConnector(
        kwargs=_conn_kwargs(store)))
    app.task(name="hausbesuch.run_web_job", queue=QUEUE, pass_context=False)(run_web_job)
    raw = store.engine.raw_connection()  # the schema script is run as it is (no parameters)
    try:
        with raw.cursor() as cur:
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_LOCK_KEY,))
            cur.execute("SELECT to_regclass('procrastinate_jobs')")
            if cur.fetchone()[0] is None:
                cur.execute(app.schema_manager.get_schema())
        raw.commit()
    finally:
        raw.close()
    return app


def defer(app: Any, job_id: str) -> None:
    """Hand a queued ``web_jobs`` row to the Procrastinate workers."""
    with _DEFER_LOCK, app.open():  # one opening of the app's pool at a time
        app.tasks["hausbesuch.run_web_job"].defer(job_id=job_id)


def run_web_job(job_id: str) -> None:
    """The Procrastinate task: claim the ``web_jobs`` row and run it (if still waiting)."""
    from hausbesuch.web.jobs import JobRunner

    if _STORE is None:  # pragma: no cover - make_app sets it in every worker process
        raise RuntimeError("pgqueue.make_app was not called")
    runner = JobRunner(_STORE)
    job = runner.claim(job_id)
    if job is not None:
        runner.run(job)


def reap_periodically(runner: JobRunner, stop: threading.Event, every: float) -> None:
    """Every ``every`` seconds until ``stop`` is set: mark running jobs whose process died
    (no heartbeat for ``runner.stale_after`` seconds) as failed, as the table runner's
    loop does. A database that is briefly unreachable is tried again at the next turn."""
    while not stop.wait(every):
        try:
            runner.reap()
        except Exception as exc:  # noqa: BLE001 - the worker goes on; the next turn tries
            from hausbesuch.store import db_unavailable, describe_db_error

            if db_unavailable(exc):  # one line, not a traceback per turn (QA 45b F10)
                log.warning("job queue: reaping jobs without heartbeat failed: %s",
                            describe_db_error(exc))
            else:
                log.exception("job queue: reaping jobs without heartbeat failed")


async def _work(app: Any, concurrency: int, on_signal: Callable[[], None] | None) -> None:
    """Run the Procrastinate worker until it is stopped. The first SIGTERM or SIGINT stops
    it after the running job (``on_signal`` says so); a second one stops at once."""
    import asyncio
    import signal

    from procrastinate.worker import Worker

    worker = Worker(app=app, queues=[QUEUE], concurrency=concurrency, wait=True,
                    install_signal_handlers=False)
    loop = asyncio.get_running_loop()
    handled = (signal.SIGINT, signal.SIGTERM) \
        if threading.current_thread() is threading.main_thread() else ()

    def first_signal(signum: int) -> None:
        for sig in handled:  # the next signal: the default (stop at once)
            loop.remove_signal_handler(sig)
        log.info("signal %d: stopping after the running job", signum)
        if on_signal is not None:
            on_signal()
        worker.stop()

    for sig in handled:
        loop.add_signal_handler(sig, first_signal, int(sig))
    try:
        async with app.open_async():
            await worker.run()
    finally:
        for sig in handled:
            loop.remove_signal_handler(sig)


def run_worker(store: Store, *, concurrency: int = 1,
               ready: Callable[[], None] | None = None,
               reap_every: float | None = None,
               on_signal: Callable[[], None] | None = None) -> None:
    """``hausbesuch worker`` on PostgreSQL: run Procrastinate jobs until interrupted.

    Rows queued before the worker started (or while no worker ran) are taken first by the
    table runner, so nothing waits for a notification that was sent before. While the
    worker runs, a thread marks jobs whose process died as failed every ``reap_every``
    seconds (default :data:`hausbesuch.web.jobs.REAP_EVERY`), so a job of a killed worker
    does not stay „läuft“ while this one runs. The first SIGTERM or Strg+C lets the running
    job end (``on_signal`` is called to say so), a second one stops at once.
    """
    import asyncio

    from hausbesuch.web import jobs

    backlog = jobs.JobRunner(store)
    while (job := backlog.claim()) is not None:
        backlog.run(job)
    backlog.reap()
    app = make_app(store)
    stop = threading.Event()
    reaper = threading.Thread(
        target=reap_periodically, name="hausbesuch-reaper", daemon=True,
        args=(backlog, stop, jobs.REAP_EVERY if reap_every is None else reap_every))
    reaper.start()
    try:
        if ready is not None:
            ready()
        with app.open():
            asyncio.run(_work(app, concurrency, on_signal))
    finally:
        stop.set()
        reaper.join(10)
