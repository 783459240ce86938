"""Retention (``hausbesuch cleanup``): old sessions, failed logins, expired links and
finished jobs go; the audit log ages out only when asked, only through its gate, and
records its own shortening; every other change of the log is still refused."""

from __future__ import annotations

import json
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text, update
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.store import Store
from tests.test_store import pg_schema, store  # noqa: F401 - fixtures

runner = CliRunner(env={"HAUSBESUCH_USER": "admin"})
CITY = "Bad Hersfeld"


def _audit_at(st: Store, at: datetime, n: int = 1, action: str = "fall_angezeigt") -> None:
    from hausbesuch.store import AuditRow

    with st.session() as s:
        for i in range(n):
            s.add(AuditRow(at=at, actor="kora", action=action, city=CITY,
                           client_id=f"K-{i}", details="{}"))


def _web_rows(st: Store) -> None:
    """Rows of every housekeeping kind: one of each old enough to go, one to stay."""
    from hausbesuch.web.models import JobRow, LoginAttemptRow, SessionRow, WorkerLinkRow

    now = clock.now()
    old, recent = now - timedelta(days=40), now - timedelta(days=5)
    # a day to the hour: sessions and failed logins store UTC (German time is one or two
    # hours ahead: a session 23½ hours old must not go as one of a day)
    utc = clock.utc()
    with st.session() as s:
        for i, at in enumerate((utc - timedelta(hours=24.5), utc - timedelta(hours=23.5))):
            s.add(SessionRow(id_hash=f"s{i}", user_name="kora", csrf_token="x",
                             created_at=at, last_seen=at))
            s.add(LoginAttemptRow(at=at, user_name="k", address="127.0.0.1"))
        for key, until, revoked in (("gone", old, None),             # expired long ago
                                    ("revoked", now + timedelta(days=1), old),
                                    ("lately", recent, None),        # expired 5 days ago
                                    ("live", now + timedelta(days=3), recent)):  # revoked lately
            s.add(WorkerLinkRow(token_hash=key, prefix=key, city=CITY, plan_id="p1",
                                team_id="team-1", day=date(2026, 11, 2), valid_until=until,
                                created_by="kora", created_at=old, revoked_at=revoked))
        for key, status, finished, beat in (
                ("done", "fertig", old, None), ("failed", "fehlgeschlagen", old, None),
                ("fresh", "fertig", recent, None), ("stuck", "laeuft", None, recent),
                ("orphan", "laeuft", None, old), ("never", "wartet", None, None)):
            s.add(JobRow(id=key, kind="plan", city=CITY, status=status, created_by="kora",
                         created_at=old, finished_at=finished, heartbeat=beat))


def _devices(st: Store) -> None:
    """Device cookies (``web_devices``): one last used just over
    :data:`~hausbesuch.web.auth.DEVICE_DAYS` days ago (expired: goes), one just under (stays).
    """
    from hausbesuch.web.auth import DEVICE_DAYS
    from hausbesuch.web.models import DeviceRow

    utc = clock.utc()
    with st.session() as s:
        for key, days in (("expired", DEVICE_DAYS + 0.1), ("valid", DEVICE_DAYS - 0.1)):
            at = utc - timedelta(days=days)
            s.add(DeviceRow(id_hash=key, user_name="kora", created_at=at, last_used=at))


def _device_keys(st: Store) -> list[str]:
    from hausbesuch.web.models import DeviceRow

    with st.session() as s:
        return sorted(s.scalars(select(DeviceRow.id_hash)))


def _left(st: Store) -> dict[str, list[str]]:
    from hausbesuch.web.models import JobRow, LoginAttemptRow, SessionRow, WorkerLinkRow

    with st.session() as s:
        return {"sessions": sorted(s.scalars(select(SessionRow.id_hash))),
                "attempts": [str(n) for n in [s.scalar(select(func.count(LoginAttemptRow.id)))]],
                "links": sorted(s.scalars(select(WorkerLinkRow.token_hash))),
                "jobs": sorted(s.scalars(select(JobRow.id)))}


def test_cleanup_deletes_what_has_aged_out_and_keeps_the_rest(store: Store) -> None:  # noqa: F811
    from hausbesuch.web.retention import cleanup

    _web_rows(store)
    before = _left(store)
    dry = cleanup(store, actor="admin")
    assert (dry.sessions, dry.login_attempts, dry.links, dry.jobs) == (1, 1, 2, 4)
    assert not dry.done and _left(store) == before  # a dry run deletes nothing
    assert "aufgeraeumt" not in {r["action"] for r in store.audit_rows()}
    done = cleanup(store, actor="admin", dry_run=False)
    assert (done.sessions, done.login_attempts, done.links, done.jobs) == (1, 1, 2, 4)
    assert _left(store) == {"sessions": ["s1"], "attempts": ["1"],
                            "links": ["lately", "live"], "jobs": ["fresh", "stuck"]}
    row = store.audit_rows(action="aufgeraeumt")[-1]
    assert row["actor"] == "admin"
    assert row["details"] == {"sitzungen": 1, "anmeldeversuche": 1, "geraete": 0,
                              "tageslinks": 2, "auftraege": 4}
    again = cleanup(store, actor="admin", dry_run=False)  # nothing more: nothing audited
    assert again.housekeeping == 0
    assert len(store.audit_rows(action="aufgeraeumt")) == 1


def test_cleanup_deletes_expired_device_cookies(store: Store) -> None:  # noqa: F811
    """Closing 28: a login deletes expired device rows, but a server nobody logs in to
    kept them (they name staff members' accounts); cleanup deletes them, counted in a dry
    run, audited with the other housekeeping (``geraete``), the valid one stays."""
    from hausbesuch.web.retention import cleanup

    _devices(store)
    dry = cleanup(store, actor="admin")
    assert dry.devices == 1 and dry.housekeeping == 1
    assert _device_keys(store) == ["expired", "valid"]
    done = cleanup(store, actor="admin", dry_run=False)
    assert done.devices == 1
    assert _device_keys(store) == ["valid"]
    row = store.audit_rows(action="aufgeraeumt")[-1]
    assert row["details"]["geraete"] == 1 and row["actor"] == "admin"
    assert cleanup(store, actor="admin", dry_run=False).housekeeping == 0


def test_the_audit_log_ages_out_only_through_its_gate(store: Store) -> None:  # noqa: F811
    """Rows before the cutoff go, younger ones stay, the shortening is recorded in the
    log; a plain DELETE is refused before and after, and the gate is left empty."""
    from sqlalchemy import delete
    from sqlalchemy.exc import DBAPIError

    from hausbesuch.store import AuditPruneGateRow, AuditRow
    from hausbesuch.web.retention import audit_cutoff, cleanup

    cutoff = audit_cutoff(365)
    _audit_at(store, cutoff - timedelta(days=30), 3)
    _audit_at(store, cutoff - timedelta(seconds=1), 1)
    _audit_at(store, cutoff, 2)  # the cutoff's own moment stays
    _audit_at(store, clock.now(), 1)
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.execute(delete(AuditRow).where(AuditRow.at < cutoff))
    dry = cleanup(store, actor="admin", audit_days=365)
    assert (dry.audit_rows, dry.audit_oldest) == (4, cutoff - timedelta(days=30))
    assert len(store.audit_rows()) == 7
    done = cleanup(store, actor="admin", audit_days=365, dry_run=False)
    assert done.audit_rows == 4
    rows = store.audit_rows()
    assert min(r["at"] for r in rows) == cutoff
    assert len(rows) == 4  # 3 kept + the record of the shortening
    record = rows[-1]
    assert record["action"] == "protokoll_gekuerzt" and record["actor"] == "admin"
    assert record["details"] == {
        "vor": cutoff.isoformat(timespec="seconds"), "anzahl": 4, "tage": 365}
    with store.session() as s:
        assert s.scalar(select(func.count()).select_from(AuditPruneGateRow)) == 0
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.execute(delete(AuditRow))
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
            s.execute(text("TRUNCATE audit_log"))
    # the gate lets nothing younger than its cutoff go, even inside its transaction
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.add(AuditPruneGateRow(cutoff=cutoff))
        s.flush()
        s.execute(delete(AuditRow))
    # and a cutoff younger than 90 days opens nothing (review 16 #5: a row put into the
    # gate by hand could delete today's rows without a trace)
    with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
        s.add(AuditPruneGateRow(cutoff=clock.now() + timedelta(days=1)))
        s.flush()
        s.execute(delete(AuditRow).where(AuditRow.at >= cutoff))
    assert len(store.audit_rows()) == 4


def test_audit_retention_below_the_minimum_is_refused() -> None:
    from hausbesuch.web.retention import MIN_AUDIT_DAYS, audit_cutoff

    with pytest.raises(ValueError):
        audit_cutoff(MIN_AUDIT_DAYS - 1)
    assert audit_cutoff(MIN_AUDIT_DAYS).date() == clock.now().date() - timedelta(
        days=MIN_AUDIT_DAYS)


def test_the_audit_age_follows_the_real_clock_not_an_exercise_day(tmp_path, monkeypatch):
    """Review 16 #2: with ``HAUSBESUCH_HEUTE`` half a year ahead (an exercise, a
    simulation), ``cleanup --audit-days 90`` deleted every row, today's too."""
    from hausbesuch.web.retention import cleanup

    with Store.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as st:
        _audit_at(st, clock.now(), 3)
        monkeypatch.setenv(clock.ENV, (clock.now().date() + timedelta(days=200)).isoformat())
        result = cleanup(st, actor="admin", audit_days=90, dry_run=False)
        assert result.audit_rows == 0
        assert len(st.audit_rows(action="fall_angezeigt")) == 3


@pytest.mark.postgres
def test_finished_queue_rows_go_on_postgresql(pg_schema) -> None:  # noqa: F811
    """``hausbesuch worker`` leaves Procrastinate's rows of finished jobs behind."""
    from hausbesuch.web import pgqueue
    from hausbesuch.web.retention import cleanup

    url, schema = pg_schema
    with Store.open(url, schema=schema) as pg:
        pgqueue.make_app(pg)
        with pg.session() as s:
            ids = [s.scalar(text(
                "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
                "VALUES ('hausbesuch', 'hausbesuch.run_web_job', '{}', 'todo') RETURNING id"))
                for _ in range(3)]
            for status in ("doing", "succeeded"):  # as a worker moves them (with events)
                s.execute(text("UPDATE procrastinate_jobs SET status = :st WHERE id IN "
                               "(:a, :b)"), {"st": status, "a": ids[0], "b": ids[1]})
            s.execute(text("UPDATE procrastinate_events SET at = now() - interval '40 days' "
                           "WHERE job_id IN (:a, :c)"), {"a": ids[0], "c": ids[2]})
        assert cleanup(pg, actor="admin").queue_jobs == 1
        assert cleanup(pg, actor="admin", dry_run=False).queue_jobs == 1
        with pg.session() as s:
            left = sorted(s.scalars(text("SELECT id FROM procrastinate_jobs")))
        assert left == sorted(ids[1:])


@pytest.mark.postgres
def test_killed_workers_queue_rows_go_when_their_job_is_over(pg_schema) -> None:  # noqa: F811
    """QA 19e #10: a Procrastinate row left ``doing`` (worker killed) or ``todo`` goes at
    ``cleanup`` once its web job is finished or gone and the row is older than 30 days;
    one whose web job still waits or runs stays."""
    from hausbesuch.web import jobs, pgqueue, planjobs  # noqa: F401  (the job kinds)
    from hausbesuch.web.models import JobRow
    from hausbesuch.web.retention import cleanup

    url, schema = pg_schema
    with Store.open(url, schema=schema) as pg:
        pgqueue.make_app(pg)
        finished, running = (jobs.submit(pg, "plan", "Bad Hersfeld", {}, "kora")
                             for _ in range(2))
        with pg.session() as s:
            s.execute(update(JobRow).where(JobRow.id == running).values(status=jobs.RUNNING))
        with pg.session() as s:
            s.execute(update(JobRow).where(JobRow.id == finished).values(
                status=jobs.FAILED, finished_at=clock.now()))
        rows = {}
        for name, job_id, status, old in (
                ("doing_finished", finished, "doing", True),
                ("doing_running", running, "doing", True),
                ("todo_gone", "0" * 32, "todo", True),
                ("doing_finished_new", finished, "doing", False)):
            with pg.session() as s:
                rows[name] = s.scalar(text(
                    "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
                    "VALUES ('hausbesuch', 'hausbesuch.run_web_job', :args, 'todo') "
                    "RETURNING id"), {"args": json.dumps({"job_id": job_id})})
                if status == "doing":
                    s.execute(text("UPDATE procrastinate_jobs SET status = 'doing' "
                                   "WHERE id = :id"), {"id": rows[name]})
                if old:
                    s.execute(text("UPDATE procrastinate_events SET at = now() - "
                                   "interval '40 days' WHERE job_id = :id"), {"id": rows[name]})
        assert cleanup(pg, actor="admin").queue_jobs == 2
        assert cleanup(pg, actor="admin", dry_run=False).queue_jobs == 2
        with pg.session() as s:
            left = set(s.scalars(text("SELECT id FROM procrastinate_jobs")))
        assert left == {rows["doing_running"], rows["doing_finished_new"]}


def test_cleanup_command(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'fall.sqlite'}"
    with Store.open(db) as st:
        _web_rows(st)
        _devices(st)
        _audit_at(st, datetime(2024, 3, 5, 9, 0), 5)
    res = runner.invoke(app, ["cleanup", "--db", db, "--audit-days", "30"])
    assert res.exit_code == 2 and "mindestens 90 erwartet" in res.output, res.output
    res = runner.invoke(app, ["cleanup", "--db", db, "--audit-days", "365"])
    assert res.exit_code == 0, res.output
    # the days with their weekday, as the pages write them
    before = clock.today() - timedelta(days=365)
    cutoff = f"{('Mo', 'Di', 'Mi', 'Do', 'Fr', 'Sa', 'So')[before.weekday()]}, {before:%d.%m.%Y}"
    assert ("Zu löschen: 1 Anmeldesitzung; 1 fehlgeschlagene Anmeldung; 1 Gerätecookie (seit "
            "über 180 Tagen ohne Anmeldung abgelaufen); 2 Tageslinks (seit "
            "über 30 Tagen abgelaufen oder widerrufen); 4 Planungsaufträge (seit über 30 "
            "Tagen beendet oder ohne Lebenszeichen); 5 Protokolleinträge vom Di, 05.03.2024 bis "
            f"vor dem {cutoff}.") in res.output, res.output
    assert "Probelauf: nichts gelöscht" in res.output
    res = runner.invoke(app, ["cleanup", "--db", db, "--audit-days", "365", "--yes"])
    assert res.exit_code == 0, res.output
    assert res.output.startswith("Gelöscht: 1 Anmeldesitzung;")
    assert "Protokoll gekürzt" in res.output
    with Store.open(db) as st:
        assert _device_keys(st) == ["valid"]
    res = runner.invoke(app, ["cleanup", "--db", db, "--audit-days", "365", "--yes"])
    assert res.output.startswith("Nichts zu löschen. Das Protokoll hat keine Einträge vor dem "
                                 f"{cutoff}."), res.output
    res = runner.invoke(app, ["audit", "--db", db, "--ohne-stadt"])  # no city: the whole log
    assert "Protokoll gekürzt (alte Einträge gelöscht)" in res.output, res.output
    assert "Einträge vor: " in res.output and "Anzahl: 5" in res.output


def test_a_job_waiting_without_progress_keeps_its_heartbeat(store, monkeypatch) -> None:  # noqa: F811
    """Review 16 #1: a plan job that waits for its city's planning lock reports no
    progress; the reaper (every 30 s in a PostgreSQL worker now) took it for dead and
    marked it failed while it went on, and it ended „fertig“ with the failure text. The
    runner beats for a running job itself."""
    import time

    from hausbesuch.web import jobs

    def slow(_store, _job, _progress):  # noqa: ANN001, ANN202 - waits, says nothing
        time.sleep(2.5)
        return None

    monkeypatch.setitem(jobs.HANDLERS, "langsam", slow)
    job_id = jobs.submit(store, "langsam", CITY, {}, "kora")
    runner = jobs.JobRunner(store, stale_after=1.5, beat_every=0.3)
    job = runner.claim(job_id)
    reaped: list[int] = []
    worker = threading.Thread(target=runner.run, args=(job,))
    worker.start()
    deadline = time.monotonic() + 2.2
    while time.monotonic() < deadline:  # a reaper looking again and again meanwhile
        reaped.append(runner.reap())
        time.sleep(0.2)
    worker.join(10)
    assert sum(reaped) == 0
    done = jobs.get(store, job_id)
    assert (done.status, done.error) == ("fertig", None)
