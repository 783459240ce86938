"""``hausbesuch worker`` on PostgreSQL marks jobs whose process died as failed while it runs,
not only once when it starts (QA 16a #3): a job of a killed worker must not stay „läuft“."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hausbesuch import clock
from hausbesuch.store import Store
from tests.pg import pg_url, schema_url

pytestmark = pytest.mark.postgres

REAPED = "Abgebrochen: der rechnende Prozess wurde beendet."


def _dead_job(store: Store) -> str:
    """A job row as a killed worker leaves it: „laeuft“, last heartbeat an hour ago."""
    from hausbesuch.web import jobs, planjobs  # noqa: F401  (registers the job kinds)
    from hausbesuch.web.models import JobRow

    job_id = jobs.submit(store, "plan", "bad-hersfeld",
                         {"start": "2027-01-04", "days": 1}, "kora")
    with store.session() as s:
        s.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="laeuft", stage="Touren optimieren", progress=0.9, worker="tot:1",
            heartbeat=clock.utc() - timedelta(hours=1)))
    return job_id


def _wait_failed(store: Store, job_id: str, seconds: float) -> None:
    from hausbesuch.web import jobs

    deadline = time.monotonic() + seconds
    while (job := jobs.get(store, job_id)).status == "laeuft":
        assert time.monotonic() < deadline, f"job still {job.status!r} after {seconds} s"
        time.sleep(0.2)
    assert job.status == "fehlgeschlagen" and job.error == REAPED, job
    assert job.finished_at is not None


def test_reap_periodically_marks_every_dead_job_until_stopped(request) -> None:
    """The worker's reaper thread: a dead job that appears after it started is marked failed
    at its next turn, again and again; setting ``stop`` ends the thread at once."""
    from hausbesuch.web import jobs
    from hausbesuch.web.pgqueue import reap_periodically

    db = schema_url(pg_url(), f"t_reap_{os.getpid()}", request)
    with Store.open(db) as store:
        stop = threading.Event()
        runner = jobs.JobRunner(store)
        thread = threading.Thread(target=reap_periodically, args=(runner, stop, 0.3),
                                  daemon=True)
        thread.start()
        try:
            time.sleep(0.5)  # at least one turn passed before the jobs die
            for _ in range(2):
                _wait_failed(store, _dead_job(store), 10)
            # a running job with a fresh heartbeat is left alone
            alive = _dead_job(store)
            from hausbesuch.web.models import JobRow

            with store.session() as s:
                s.execute(update(JobRow).where(JobRow.id == alive).values(
                    heartbeat=clock.utc()))
            time.sleep(1.0)
            assert jobs.get(store, alive).status == "laeuft"
        finally:
            stop.set()
            thread.join(5)
        assert not thread.is_alive()


def test_worker_command_reaps_a_dead_job_while_it_runs(request) -> None:
    """End to end: a ``hausbesuch worker`` process (its reap interval lowered to 0.5 s)
    marks a job that died after the worker had started as failed, with the reaper's German
    reason, and ends cleanly on Ctrl+C."""
    db = schema_url(pg_url(), f"t_reapw_{os.getpid()}", request)
    with Store.open(db) as store:
        code = ("import sys; from hausbesuch.web import jobs; jobs.REAP_EVERY = 0.5; "
                "from hausbesuch.cli import app; "
                "sys.argv = ['hausbesuch', 'worker', '--db', sys.argv[1]]; app()")
        env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1]),
               "PYTHONUNBUFFERED": "1"}
        proc = subprocess.Popen([sys.executable, "-c", code, db], env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            deadline = time.monotonic() + 120
            while "Bereit" not in (line := proc.stdout.readline()):
                assert line or proc.poll() is None, "worker ended"
                assert time.monotonic() < deadline
            time.sleep(1.0)  # the start-up reap is over: only a periodic one can find it
            _wait_failed(store, _dead_job(store), 20)
            assert proc.poll() is None
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        out = proc.stdout.read()
        assert "Traceback" not in out, out
