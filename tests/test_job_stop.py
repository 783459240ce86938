"""A job cut off by the end of its process (QA 19e #1, #2, #9): a runner stopped while its
job runs marks it failed at once (not „läuft“ for five more minutes), a runner that starts
takes over the jobs of a dead process of its own host at once, every such job is audited
(``plan_job_failed`` with ``grund`` „abgebrochen“), and a job's way is logged by its id only.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from hausbesuch import clock
from hausbesuch.errors import CasesRefused
from hausbesuch.store import Store

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def store(tmp_path):  # noqa: ANN001, ANN201
    with Store.open(f"sqlite:///{tmp_path / 'j.sqlite'}") as st:
        yield st


def _failed_audits(store: Store) -> list[dict]:
    return [r["details"] for r in store.audit_rows() if r["action"] == "plan_job_failed"]


def _wait(cond, seconds: float = 10.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + seconds
    while not cond():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def test_a_runner_stopped_mid_job_marks_it_failed_and_stores_nothing(store, monkeypatch) -> None:  # noqa: ANN001
    from hausbesuch.web import jobs

    started, stored = threading.Event(), []

    def slow(_store, _job, progress):  # noqa: ANN001, ANN202 - a solve that takes long
        started.set()
        for i in range(400):  # the solver's reports (0.5-0.9) do not raise in native code
            progress("Touren optimieren", 0.5 + 0.4 * i / 400)
            time.sleep(0.02)
        progress("Plan speichern", 0.95)
        stored.append(True)
        return "plan-x"

    monkeypatch.setitem(jobs.HANDLERS, "langsam", slow)
    runner = jobs.JobRunner(store, poll=0.05)
    job_id = jobs.submit(store, "langsam", "Bad Hersfeld", {"start": "2027-03-08"}, "kora")
    runner.start()
    assert started.wait(10)
    runner.stop(timeout=0.2)
    job = jobs.get(store, job_id)
    assert job.status == "fehlgeschlagen" and job.error == jobs.ABANDONED, job
    assert job.finished_at is not None and not job.active
    assert _failed_audits(store) == [{"job": job_id, "grund": "abgebrochen"}]
    # the handler's thread goes on a moment: at its next progress it gives up, storing
    # nothing, and the job keeps its reason (not „Interner Fehler“, not „fertig“)
    _wait(lambda: not runner._running, 60)  # the solve ran out; „Plan speichern“ raised
    assert not stored
    assert jobs.get(store, job_id).error == jobs.ABANDONED
    assert len(_failed_audits(store)) == 1


def test_a_stopped_runner_waits_for_a_job_that_ends_in_time(store, monkeypatch) -> None:  # noqa: ANN001
    from hausbesuch.web import jobs

    started = threading.Event()

    def short(_store, _job, progress):  # noqa: ANN001, ANN202
        started.set()
        time.sleep(0.3)
        return "plan-y"

    monkeypatch.setitem(jobs.HANDLERS, "kurz", short)
    runner = jobs.JobRunner(store, poll=0.05)
    job_id = jobs.submit(store, "kurz", "Bad Hersfeld", {}, "kora")
    runner.start()
    assert started.wait(10)
    runner.stop(timeout=5)
    job = jobs.get(store, job_id)
    assert job.status == "fertig" and job.plan_id == "plan-y", job
    assert _failed_audits(store) == []


def _running(store: Store, worker: str, *, beat_ago: timedelta = timedelta(0)) -> str:
    from hausbesuch.web import jobs, planjobs  # noqa: F401  (registers the job kinds)
    from hausbesuch.web.models import JobRow

    job_id = jobs.submit(store, "plan", "Bad Hersfeld", {"start": "2027-03-08", "days": 1},
                         "kora")
    with store.session() as s:
        s.execute(update(JobRow).where(JobRow.id == job_id).values(
            status="laeuft", stage="Touren optimieren", progress=0.5, worker=worker,
            heartbeat=clock.utc() - beat_ago))
    return job_id


def test_a_starting_runner_takes_over_the_jobs_of_a_dead_process_here_at_once(store) -> None:  # noqa: ANN001
    from hausbesuch.web import jobs

    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()  # its pid now names no process (short of a reuse within the test)
    host = socket.gethostname()
    dead = _running(store, f"{host}:{gone.pid}")  # heartbeat fresh: no 5-minute wait
    alive = _running(store, f"{host}:{os.getppid()}")  # a live process of this host
    elsewhere = _running(store, f"anderswo:{gone.pid}")  # another host's: left to heartbeat
    stale = _running(store, "anderswo:1", beat_ago=timedelta(hours=1))
    runner = jobs.JobRunner(store, poll=0.05)
    # the same host:pid as this process (a container's pid 1 started again): a job last
    # heard of before this process started is an earlier process's; a fresh one is ours
    before = _running(store, runner.name,
                      beat_ago=clock.utc() - jobs._PROCESS_START + timedelta(seconds=1))
    ours = _running(store, runner.name)
    runner.start()
    try:
        for job_id in (dead, stale, before):
            job = jobs.get(store, job_id)
            assert job.status == "fehlgeschlagen" and job.error == jobs.REAPED, job
        for job_id in (alive, elsewhere, ours):
            assert jobs.get(store, job_id).status == "laeuft"
    finally:
        runner.stop()
    # each reaped job is audited as a failure, with the reason and no client data
    assert sorted(_failed_audits(store), key=lambda d: d["job"]) == sorted(
        [{"job": j, "grund": "abgebrochen"} for j in (dead, stale, before)],
        key=lambda d: d["job"])
    rows = [r for r in store.audit_rows() if r["action"] == "plan_job_failed"]
    assert {(r["actor"], r["city"], r["client_id"]) for r in rows} == \
        {("kora", "Bad Hersfeld", None)}


def test_a_jobs_way_is_logged_by_its_id_only(store, monkeypatch, caplog) -> None:  # noqa: ANN001
    from hausbesuch.web import jobs

    def fine(_store, _job, progress):  # noqa: ANN001, ANN202
        progress("Touren optimieren", 0.5)
        return "plan-z"

    def refused(_store, _job, _progress):  # noqa: ANN001, ANN202
        raise CasesRefused("K4711 (Gundolfina Quastwerk, Nirgendwoweg 5) hat keine Adresse.",
                           client_ids=["K4711"], brief="K4711 hat keine Adresse.")

    monkeypatch.setitem(jobs.HANDLERS, "gut", fine)
    monkeypatch.setitem(jobs.HANDLERS, "abgelehnt", refused)
    caplog.set_level(logging.INFO, logger="hausbesuch")
    runner = jobs.JobRunner(store)
    ok = jobs.submit(store, "gut", "Bad Hersfeld", {}, "kora")
    bad = jobs.submit(store, "abgelehnt", "Bad Hersfeld", {"kunde": "K4711"}, "kora")
    while (job := runner.claim()) is not None:
        runner.run(job)
    dead = _running(store, "anderswo:1", beat_ago=timedelta(hours=1))
    assert runner.reap() == 1
    lines = [r.getMessage() for r in caplog.records if r.name.startswith("hausbesuch")]
    text = "\n".join(lines)
    assert f"job {ok} (gut) claimed by {runner.name}" in text, text
    assert f"job {ok} done: plan plan-z" in text, text
    assert f"job {bad} (abgelehnt) claimed" in text and f"job {bad} failed" in text, text
    assert f"job {dead}: its process died, marked failed" in text, text
    for secret in ("K4711", "Gundolfina", "Nirgendwo", "kora"):
        assert secret not in text, text
    assert jobs.get(store, bad).status == "fehlgeschlagen"


WORKER = """
import sys, time
from hausbesuch.commands.web import STOPPING, configure_logging
from hausbesuch.store import Store
from hausbesuch.web import jobs

def slow(_store, _job, progress):
    print("begonnen", flush=True)
    for _ in range(10):
        progress("Touren optimieren", 0.5)
        time.sleep(0.1)
    return "plan-w"

jobs.HANDLERS["langsam"] = slow
configure_logging()
with Store.open(sys.argv[1]) as store:
    jobs.submit(store, "langsam", "Bad Hersfeld", {}, "kora")
    jobs.JobRunner(store, poll=0.05).run_forever(
        on_signal=lambda: print(STOPPING, file=sys.stderr, flush=True))
"""


@pytest.mark.slow  # a worker process planning, stopped by SIGTERM (~8 s)
def test_a_worker_stops_after_its_running_job_on_sigterm_and_logs_it(tmp_path) -> None:  # noqa: ANN001
    """``hausbesuch worker`` (SQLite): the first SIGTERM says that it stops after the
    running job and lets that job end; the log lines carry a timestamp."""
    from hausbesuch.commands.web import STOPPING
    from hausbesuch.web import jobs

    db = f"sqlite:///{tmp_path / 'w.sqlite'}"
    Store.open(db).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-c", WORKER, db], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout.readline().strip() == "begonnen"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert STOPPING in err, err
    assert " INFO hausbesuch.web.jobs: job " in err and " done: plan plan-w" in err, err
    assert err.split()[0].count("-") == 2  # the line starts with its date
    with Store.open(db) as store:
        (job,) = jobs.recent(store, None)
        assert job.status == "fertig" and job.plan_id == "plan-w", job


@pytest.mark.slow  # `worker` started as a process
@pytest.mark.postgres
def test_the_postgresql_worker_says_it_stops_on_sigterm(request) -> None:  # noqa: ANN001
    """``hausbesuch worker`` on PostgreSQL (Procrastinate): the first SIGTERM is told
    („Beende nach dem laufenden Auftrag …“) and ends an idle worker at once."""
    from hausbesuch.commands.web import STOPPING
    from tests.pg import pg_url, schema_url

    url = schema_url(pg_url(), f"t_wsig_{os.getpid()}", request)
    Store.open(url).close()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "hausbesuch", "worker", "--db", url],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        deadline = time.monotonic() + 60
        while "Bereit" not in (line := proc.stdout.readline()):
            assert line or proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline
        time.sleep(1.0)  # the worker's loop runs
        proc.send_signal(signal.SIGTERM)
        _out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert STOPPING in err, err


PG_WORKER = """
import sys, time
from hausbesuch.commands.web import STOPPING, configure_logging
from hausbesuch.store import Store
from hausbesuch.web import jobs
from hausbesuch.web.pgqueue import run_worker

def slow(_store, _job, progress):
    for _ in range(15):
        progress("Touren optimieren", 0.5)
        time.sleep(0.1)
    return "plan-p"

jobs.HANDLERS["langsam"] = slow
configure_logging()
with Store.open(sys.argv[1]) as store:
    run_worker(store, ready=lambda: print("Bereit", flush=True),
               on_signal=lambda: print(STOPPING, file=sys.stderr, flush=True))
"""


@pytest.mark.slow  # `worker` started as a process
@pytest.mark.postgres
def test_the_postgresql_worker_ends_its_running_job_after_sigterm(request) -> None:  # noqa: ANN001
    """The first SIGTERM lets the Procrastinate worker's running job end („fertig“)."""
    from hausbesuch.commands.web import STOPPING
    from hausbesuch.web import jobs, pgqueue
    from tests.pg import pg_url, schema_url

    url = schema_url(pg_url(), f"t_wjob_{os.getpid()}", request)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    with Store.open(url) as store:
        app = pgqueue.make_app(store)
        proc = subprocess.Popen([sys.executable, "-c", PG_WORKER, url], stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=env)
        try:
            assert proc.stdout.readline().strip() == "Bereit", proc.stderr.read()
            jobs.HANDLERS.setdefault("langsam", lambda *_a: None)  # submit checks the kind
            job_id = jobs.submit(store, "langsam", "Bad Hersfeld", {}, "kora")
            pgqueue.defer(app, job_id)
            _wait(lambda: jobs.get(store, job_id).status == "laeuft", 60)
            proc.send_signal(signal.SIGTERM)
            _out, err = proc.communicate(timeout=60)
        finally:
            jobs.HANDLERS.pop("langsam", None)
            if proc.poll() is None:
                proc.kill()
        assert proc.returncode == 0, err
        assert STOPPING in err, err
        job = jobs.get(store, job_id)
        assert job.status == "fertig" and job.plan_id == "plan-p", (job, err)
