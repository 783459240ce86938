"""``hausbesuch delete-plan``: one plan version is deleted only when the casework needs
nothing of it (hausbesuch.versions.delete_plan_version), on real SQLite with a real small
plan of Bad Hersfeld (the list and the clock of tests/test_purge.py)."""

from __future__ import annotations

import csv
import json
import random
import shutil
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.fields import WEEKDAYS_DE
from tests.planning_fixtures import real_addresses
from tests.test_purge import (  # noqa: F401 - _december_clock: the module's clock fixture
    SATURDAY,
    WEEK1,
    WEEK2,
    _december_clock,
    _name,
    _stops,
    _write_list,
    run,
)

pytestmark = pytest.mark.slow


def _versions(db: str, start: date) -> list[tuple[str, int, str | None]]:
    """(id, version, predecessor) of the stored versions of the week, oldest first."""
    from hausbesuch.store import Store

    with Store.open(db) as store:
        ids = [r.id for r in store.list_plans("Bad Hersfeld") if r.start == start]
        out = [(i, *store.plan_version(i)) for i in ids]
    return sorted(out, key=lambda x: x[1])


@pytest.fixture(scope="module")
def weeks(tmp_path_factory, bad_hersfeld_pbf):
    """Week 1 planned and its outcomes recorded; week 2 planned (version 1), a day link
    made on it, then re-planned twice (versions 2 and 3)."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from tests.web_fixtures import lasting_link

    d = tmp_path_factory.mktemp("delplan")
    addrs = random.Random(14).sample(real_addresses(load_index(bad_hersfeld_pbf)), 10)
    _write_list(d / "kunden.csv", addrs)
    db = str(d / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    before = date(2026, 12, 4)
    run("import", str(d / "kunden.csv"), *common, today=before)
    run("plan", *common, "--start", WEEK1.isoformat(), "--days", "3", "--out",
        str(d / "woche1"), "--time-limit", "2", "--threads", "1", today=before)
    with open(d / "ergebnisse.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"])
        w.writerows([s.client_id, f"{r.day:%d.%m.%Y}", f"{s.start:%H:%M}",
                     "nicht angetroffen"] for r, s in _stops(db, WEEK1))
    run("outcomes", str(d / "ergebnisse.csv"), *common)
    run("plan", *common, "--start", WEEK2.isoformat(), "--days", "5", "--out",
        str(d / "woche2"), "--time-limit", "2", "--threads", "1")
    ((v1, _, _),) = _versions(db, WEEK2)
    team, day = next((r.team_id, r.day) for r, _ in _stops(db, WEEK2))
    with Store.open(db) as store:
        lasting_link(store, v1, team, day, actor="pruefer")
    for moment, out in (("2026-12-14 07:00", "woche2b"), ("2026-12-14 07:30", "woche2c")):
        run("replan", v1 if out == "woche2b" else _versions(db, WEEK2)[-1][0], "--from",
            moment, "--out", str(d / out), "--time-limit", "2", "--db", db)
    return {"db": db, "dir": d, "week1": _versions(db, WEEK1)[0][0],
            "week2": [v[0] for v in _versions(db, WEEK2)], "team_day": (team, day)}


def _copy(weeks, tmp_path: Path) -> str:  # noqa: ANN001
    db = str(tmp_path / "fall.sqlite")
    shutil.copy(weeks["db"], db)
    return db


def _delete(db: str, plan_id: str, *extra: str, code: int = 0, input: str | None = None
            ) -> tuple[str, str]:
    res = CliRunner(env={clock.ENV: SATURDAY.isoformat(), "HAUSBESUCH_USER": "pruefer"}
                    ).invoke(app, ["delete-plan", plan_id, "--db", db, *extra], input=input,
                             catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.stdout, res.stderr


def _plan_ids(db: str) -> set[str]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return {p.id for p in store.list_plans(None)}


def test_the_valid_version_with_open_visits_is_refused(weeks, tmp_path):
    db = _copy(weeks, tmp_path)
    newest = weeks["week2"][-1]
    out, err = _delete(db, newest, "--yes", code=2)
    assert "wird nicht gelöscht" in err and "offene Besuche" in err, err
    assert f"hausbesuch replan {newest} --from" in err, err
    team, day = weeks["team_day"]
    # the team-day with its weekday, as every page and message writes a day
    text = " ".join(err.split())
    assert f"Team {team} am {WEEKDAYS_DE[day.weekday()]}, {day:%d.%m.%Y}" in text, err
    assert newest in _plan_ids(db)
    assert not any(_name(i) in out + err for i in range(10))


def test_a_version_with_recorded_outcomes_is_refused(weeks, tmp_path):
    db = _copy(weeks, tmp_path)
    out, err = _delete(db, weeks["week1"], "--yes", code=2)
    assert "mit erfasstem Ergebnis" in err and "hausbesuch purge" in err, err
    assert " gehören zu dieser Version; die Ergebnisse beziehen sich auf sie und bleiben " \
        "für Statistik" in err, err
    assert weeks["week1"] in _plan_ids(db)


def test_one_recorded_outcome_is_said_in_the_singular(weeks, tmp_path):
    """„1 Besuch mit erfasstem Ergebnis (…) gehört zu dieser Version“, not „gehören“ (QA 32b
    F6): week 1 with one visit recorded, the others called off (not announced)."""
    from sqlalchemy import select, update

    from hausbesuch.store import CaseVisitRow, Store

    db = _copy(weeks, tmp_path)
    with Store.open(db) as store, store.session() as s:
        done = list(s.scalars(select(CaseVisitRow.visit_id).where(
            CaseVisitRow.plan_id == weeks["week1"], CaseVisitRow.status == "erledigt")
            .order_by(CaseVisitRow.visit_id)))
        assert len(done) > 1
        s.execute(update(CaseVisitRow).where(CaseVisitRow.visit_id.in_(done[1:]))
                  .values(status="entfallen"))
    out, err = _delete(db, weeks["week1"], "--yes", code=2)
    text = " ".join(err.split())
    assert "1 Besuch mit erfasstem Ergebnis (1 Team-Tag: Team " in text, text
    assert ") gehört zu dieser Version; das Ergebnis bezieht sich auf sie und bleibt für " \
        "Statistik und Protokoll." in text, text
    assert "gehören" not in text, text
    assert weeks["week1"] in _plan_ids(db)


def test_a_replaced_version_is_deleted_and_the_line_of_versions_stays_whole(weeks, tmp_path):
    from sqlalchemy import select

    from hausbesuch.store import AuditRow, CaseVisitRow, Store
    from hausbesuch.versions import replaced_note
    from hausbesuch.web.models import WorkerLinkRow

    db = _copy(weeks, tmp_path)
    v1, v2, v3 = weeks["week2"]
    with Store.open(db) as store, store.session() as s:
        visits_before = {(v.visit_id, v.plan_id, v.status) for v in s.scalars(
            select(CaseVisitRow))}
    out, err = _delete(db, v2, "--yes")
    assert f"Plan {v2} (Version 2) gelöscht" in out, out
    # the folder its files were written to is named as a copy outside the database
    assert str((weeks["dir"] / "woche2b").resolve()) in out, out
    assert str((weeks["dir"] / "woche2c").resolve()) not in out, out
    assert v2 not in _plan_ids(db) and {v1, v3} <= _plan_ids(db)
    with Store.open(db) as store:
        assert store.plan_version(v3) == (3, v1)  # v3 follows v1 now
        # the oldest version still names the newest one as valid
        assert f"Plan {v3}" in replaced_note(store, v1)
        with store.session() as s:
            visits_after = {(v.visit_id, v.plan_id, v.status) for v in s.scalars(
                select(CaseVisitRow))}
            (row,) = s.scalars(select(AuditRow).where(AuditRow.action == "plan_geloescht"))
            (link,) = s.scalars(select(WorkerLinkRow))
    assert visits_after == visits_before  # the casework kept all it had
    assert row.plan_id == v2 and row.actor == "cli:pruefer" and row.client_id is None
    assert json.loads(row.details)["nachfolger"] == [v3], row.details
    assert not any(_name(i) in row.details for i in range(10))
    assert link.plan_id == v1  # (made on v1: it follows the versions of v1 as before)
    # the newest version is shown as before
    run("show", v3, "--out", str(tmp_path / "neu"), "--db", db)


def test_without_yes_it_asks_first(weeks, tmp_path):
    from sqlalchemy import select

    from hausbesuch.store import Store
    from hausbesuch.web.models import WorkerLinkRow

    db = _copy(weeks, tmp_path)
    v1, v2, v3 = weeks["week2"]
    out, _ = _delete(db, v1, code=1, input="nein\n")
    assert f"Zu löschen: Plan {v1}" in out and "Nichts gelöscht." in out, out
    assert f"Zu löschen: Plan {v1} (Bad Hersfeld, Mo, 14.12.2026 bis Fr, 18.12.2026, " \
        "Version 1, " in out, out
    assert "Tageslink geht auf " f"Plan {v2} über" in out, out
    assert v1 in _plan_ids(db)
    _, _ = _delete(db, v1, code=1, input="")  # no answer: no
    assert v1 in _plan_ids(db)
    out, _ = _delete(db, v1, input="ja\n")
    assert f"Plan {v1} (Version 1) gelöscht" in out, out
    assert v1 not in _plan_ids(db)
    with Store.open(db) as store:
        assert store.plan_version(v2) == (2, None)
        with store.session() as s:
            (link,) = s.scalars(select(WorkerLinkRow))
    assert link.plan_id == v2  # the day link follows the versions still there


def test_an_unknown_plan_is_refused(weeks, tmp_path):
    db = _copy(weeks, tmp_path)
    _, err = _delete(db, "20261201-000000-abcdef", "--yes", code=2)
    assert "Kein gespeicherter Plan" in err, err


def test_a_plan_made_by_mistake_goes_with_its_open_visits(tmp_path, bad_hersfeld_pbf):
    """A first version that no re-plan followed, nothing of it announced or due yet (the
    wrong week planned): deleted with its open visits, whose cases stay open and are
    planned again by the next plan. Once a visit of it is due, it is refused (the visit
    may have taken place: its outcome comes first)."""
    from datetime import timedelta

    from sqlalchemy import select

    from geodata.geocode import load_index
    from hausbesuch.store import AuditRow, CaseVisitRow, Store

    addrs = random.Random(15).sample(real_addresses(load_index(bad_hersfeld_pbf)), 6)
    _write_list(tmp_path / "kunden.csv", addrs)
    db = str(tmp_path / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    run("import", str(tmp_path / "kunden.csv"), *common)
    plan = ["plan", *common, "--start", WEEK2.isoformat(), "--days", "5", "--time-limit",
            "1", "--threads", "1"]
    run(*plan, "--out", str(tmp_path / "falsch"))
    ((mistake, _, _),) = _versions(db, WEEK2)
    with Store.open(db) as store, store.session() as s:
        planned = {v.client_id for v in s.scalars(select(CaseVisitRow))}
    assert planned
    # a visit of it due (the clock on its last day; planned on the Saturday before, its
    # visits prefer the days after Tuesday, when the letters arrive): refused
    later = (WEEK2 + timedelta(days=4)).isoformat()
    due = CliRunner(env={clock.ENV: later, "HAUSBESUCH_USER": "pruefer"}).invoke(
        app, ["delete-plan", mistake, "--yes", "--db", db])
    assert due.exit_code == 2 and "offene Besuche" in due.stderr, due.output
    # a day link still valid on it (no later version takes it over): refused until revoked
    from hausbesuch.web.links import revoke
    from hausbesuch.web.models import WorkerLinkRow
    from tests.web_fixtures import lasting_link

    with Store.open(db) as store, store.session() as s:
        team, day = s.execute(select(CaseVisitRow.team_id, CaseVisitRow.day)).first()
    with Store.open(db) as store:
        _, link = lasting_link(store, mistake, team, day, actor="pruefer")
    _, err = _delete(db, mistake, "--yes", code=2)
    assert "1 Tageslink ist für ihn noch gültig" in err, err
    assert mistake in _plan_ids(db)
    with Store.open(db) as store:
        revoke(store, link.prefix, actor="pruefer")
    out, _ = _delete(db, mistake, "--yes")
    assert "offene Besuche entfallen mit ihm" in out, out
    assert mistake not in _plan_ids(db)
    with Store.open(db) as store, store.session() as s:
        assert list(s.scalars(select(CaseVisitRow))) == []
        (row,) = s.scalars(select(AuditRow).where(AuditRow.action == "plan_geloescht"))
        assert json.loads(row.details)["offene_besuche_verworfen"] == len(planned)
        # the revoked link stays until cleanup (a phone opening it is told it was revoked)
        (kept,) = s.scalars(select(WorkerLinkRow))
        assert (kept.plan_id, kept.revoked_at is not None) == (mistake, True)
    # the cases are open again: the next plan takes them up
    run(*plan, "--out", str(tmp_path / "richtig"))
    with Store.open(db) as store, store.session() as s:
        assert {v.client_id for v in s.scalars(select(CaseVisitRow))} == planned
