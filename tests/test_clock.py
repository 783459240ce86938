"""The day taken as today and the moment now: the date and wall-clock time in
Europe/Berlin, whatever zone the server's clock runs in (containers often run in UTC),
unless HAUSBESUCH_HEUTE says which day is today. The callers that compare a plan's day or
time with today or now ask :mod:`hausbesuch.clock`: the re-plan "from now" of the web app,
the demo's next Monday, the absences listed "from today" (command line and the Teams page),
the client list's dates.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from hausbesuch import clock
from hausbesuch.errors import UserError
from tests.fake_clock import SUMMER, WINTER, server_clock

BERLIN = ZoneInfo("Europe/Berlin")


def _berlin_today() -> date:
    return datetime.now(BERLIN).date()


def test_the_date_in_berlin_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    before = _berlin_today()
    assert clock.today() in {before, _berlin_today()}  # (midnight may pass in between)


def test_the_variable_sets_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, " 2027-01-15 ")
    assert clock.today() == date(2027, 1, 15)
    assert clock.exercise_day() == date(2027, 1, 15)  # (the phone page's data-heute)
    monkeypatch.setenv(clock.ENV, "")
    before = _berlin_today()
    assert clock.today() in {before, _berlin_today()}
    assert clock.exercise_day() is None


@pytest.mark.parametrize(("moment", "berlin"), [
    (WINTER, datetime(2031, 1, 7, 0, 30)), (SUMMER, datetime(2031, 7, 4, 0, 30))])
def test_today_and_now_are_berlins_on_a_server_in_utc(
        monkeypatch: pytest.MonkeyPatch, moment: datetime, berlin: datetime) -> None:
    """00:30 in Berlin is 23:30 (22:30 in summer) of the day before in UTC: the server's
    own date is still yesterday, today() and now() are Berlin's, and agree."""
    with server_clock(monkeypatch, moment):
        assert clock.date.today() == moment.date() < berlin.date()  # the machine's date
        assert clock.now() == berlin
        assert clock.today() == berlin.date() == clock.now().date()
        monkeypatch.setenv(clock.ENV, "2027-01-15")  # the variable still wins
        assert clock.today() == date(2027, 1, 15)
        assert clock.now() == berlin


# --------------------------------------------------------------------------- callers

#: Sunday 23:30 UTC = Monday 06.01.2031 00:30 in Berlin
SUNDAY_NIGHT = datetime.fromisoformat("2031-01-05T23:30:00+00:00")


def test_the_web_replan_is_from_now_in_berlin(monkeypatch: pytest.MonkeyPatch) -> None:
    """The web app's re-plan "from now" takes Berlin's wall-clock time (the plan's), not
    the server's: at 00:30 in Berlin a visit at 00:15 has passed."""
    from hausbesuch.planning import workflow
    from hausbesuch.web.jobs import Job
    from hausbesuch.web.planjobs import replan_job

    seen: dict[str, datetime] = {}

    class _Result:
        plan_id = "neu"

    def replan(store, plan_id, profile, *, moment, **kw):  # noqa: ANN001, ANN003, ANN202
        seen["moment"] = moment
        return _Result()

    monkeypatch.setattr(workflow, "replan", replan)
    job = Job(id="j1", kind="replan", city="Bad Hersfeld",
              params={"plan_id": "p1", "start": "2031-01-06", "profile": "bad-hersfeld"},
              status="laeuft", stage="", progress=0.0, plan_id=None, error=None,
              created_by="kora", created_at=datetime(2031, 1, 5, 12), finished_at=None)
    with server_clock(monkeypatch, SUNDAY_NIGHT):
        assert replan_job(None, job, lambda *a: None) == "neu"
    assert seen["moment"] == datetime(2031, 1, 6, 0, 30)
    # QA 16a #9: in an exercise (HAUSBESUCH_HEUTE) the moment lies on the day taken as
    # today, at the clock's time of day: not at the real date's, which re-planned the
    # whole week, days the teams had already worked included
    with server_clock(monkeypatch, SUNDAY_NIGHT):  # (it unsets HAUSBESUCH_HEUTE)
        monkeypatch.setenv(clock.ENV, "2031-01-08")
        assert replan_job(None, job, lambda *a: None) == "neu"
        assert clock.now_on_today() == datetime(2031, 1, 8, 0, 30)
    assert seen["moment"] == datetime(2031, 1, 8, 0, 30)


def test_the_demos_next_monday_follows_berlins_date(monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch.commands.demo import next_monday

    with server_clock(monkeypatch, SUNDAY_NIGHT):  # Monday in Berlin, Sunday in UTC
        assert next_monday() == date(2031, 1, 13)


def _absent_team(tmp_path) -> str:  # noqa: ANN001
    """A store with team-1 absent on Mon 06.01. and Tue 07.01.2031; its URL."""
    from hausbesuch import absences
    from hausbesuch.store import Store

    url = f"sqlite:///{tmp_path / 'abwesend.sqlite'}"
    with Store.open(url) as store:
        absences.add(store, "Bad Hersfeld", "team-1", date(2031, 1, 6), date(2031, 1, 7),
                     teams=["team-1"], actor="kora")
    return url


def test_absences_are_listed_from_berlins_today(monkeypatch: pytest.MonkeyPatch,
                                                tmp_path) -> None:  # noqa: ANN001
    """``absence list`` starts at today in Berlin: at 00:30 on Tuesday the Monday is past."""
    from tests.cli_helpers import ok

    url = _absent_team(tmp_path)
    with server_clock(monkeypatch, WINTER):  # Tuesday in Berlin, Monday in UTC
        out = ok("absence", "list", "--city", "bad-hersfeld", "--db", url)
    assert out.strip() == "team-1: Di, 07.01.2031"


def test_the_teams_page_offers_berlins_today(monkeypatch: pytest.MonkeyPatch,
                                             tmp_path) -> None:  # noqa: ANN001
    """The Teams page's form for an absence starts at today in Berlin."""
    from fastapi.testclient import TestClient

    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD, login

    app = create_app(_absent_team(tmp_path), cities=["bad-hersfeld"], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
    with server_clock(monkeypatch, WINTER), TestClient(app) as c:
        login(c, "kora")
        page = c.get("/teams")
    assert page.status_code == 200
    assert 'name="von" required value="2031-01-07"' in page.text


def test_client_lists_check_dates_against_berlins_today(monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path) -> None:  # noqa: ANN001
    """A contact that broke off today (in Berlin) is not "in the future" at 00:30, and the
    priority counts the months up to Berlin's today."""
    from types import SimpleNamespace

    from hausbesuch.clients import (
        client_priority,
        months_between,
        priority_from_months,
        read_clients,
    )

    path = tmp_path / "kunden.csv"
    path.write_text("Kundennummer;Adresse;Kontaktabbruch seit\n"
                    "K-1;Am Markt 1, 36251 Bad Hersfeld;07.01.2031\n", encoding="utf-8")
    with server_clock(monkeypatch, WINTER):  # Tuesday 07.01.2031 in Berlin
        listed = read_clients(path)
        year = client_priority(SimpleNamespace(kontakt_abbruch_seit=date(2030, 1, 7)))
    assert [c.id for c in listed.clients] == ["K-1"] and listed.rejected == []
    assert year == priority_from_months(months_between(date(2030, 1, 7), date(2031, 1, 7)))


@pytest.mark.parametrize("text", ["15.01.2027", "morgen", "2027-02-30"])
def test_a_bad_value_is_named_in_german(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv(clock.ENV, text)
    with pytest.raises(UserError, match=rf"HAUSBESUCH_HEUTE='{text}' ist kein Datum"):
        clock.today()


# --------------------------------------------------------------------------- stored records

def test_records_are_stamped_in_berlins_time_on_a_server_in_utc(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    """At 00:30 on Tuesday in Berlin (23:30 Monday in UTC) the audit log, an account and a
    job say Tuesday 00:30: the log answers "who did what on which German day", and its
    date filter (``audit --von``) cuts at German midnight."""
    from hausbesuch import absences
    from hausbesuch.store import Store
    from hausbesuch.web import jobs
    from hausbesuch.web.auth import add_user
    from hausbesuch.web.models import UserRow
    from tests.cli_helpers import ok
    from tests.web_fixtures import PASSWORD

    berlin = datetime(2031, 1, 7, 0, 30)
    url = f"sqlite:///{tmp_path / 'stempel.sqlite'}"
    with server_clock(monkeypatch, WINTER), Store.open(url) as store:
        absences.add(store, "Bad Hersfeld", "team-1", date(2031, 1, 8), date(2031, 1, 8),
                     teams=["team-1"], actor="kora")
        add_user(store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld",
                 actor="admin")
        job_id = jobs.submit(store, "plan", "Bad Hersfeld", {}, "kora")
        rows = store.audit_rows()
        with store.session() as s:
            account = s.get(UserRow, "kora")
            stamps = (account.created_at, account.password_changed_at)
        job = jobs.get(store, job_id)
        same_day = ok("audit", "--city", "bad-hersfeld", "--von", "07.01.2031", "--db", url)
        day_before = ok("audit", "--city", "bad-hersfeld", "--bis", "06.01.2031", "--db", url)
    assert rows and {r["at"].replace(microsecond=0) for r in rows} == {berlin}
    assert {t.replace(microsecond=0) for t in stamps} == {berlin}
    assert job is not None and job.created_at.replace(microsecond=0) == berlin
    assert "07.01.2031 00:30" in same_day and "07.01.2031" not in day_before


def test_sessions_and_login_tries_measure_time_in_utc(
        monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    """Durations (session idle time, login tries in the window, job heartbeats) are kept in
    UTC: the hour the clocks go back in October would otherwise keep an idle session alive
    an hour longer, and the hour skipped in March end sessions and jobs an hour early."""
    from hausbesuch.store import Store
    from hausbesuch.web.auth import Limits, LoginRefused, User, add_user, check_login, start_session
    from hausbesuch.web.models import LoginAttemptRow, SessionRow
    from tests.web_fixtures import PASSWORD

    url = f"sqlite:///{tmp_path / 'utc.sqlite'}"
    utc = WINTER.replace(tzinfo=None)
    with Store.open(url) as store:
        add_user(store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
        with server_clock(monkeypatch, WINTER, zone="Europe/Berlin"):
            assert clock.utc() == utc
            start_session(store, User(name="kora", role="koordination", city="Bad Hersfeld"))
            with pytest.raises(LoginRefused):
                check_login(store, "kora", "falsch", "10.0.0.9", Limits())
        with store.session() as s:
            session = s.scalars(select(SessionRow)).one()
            tries = list(s.scalars(select(LoginAttemptRow.at)))
    assert session.created_at == session.last_seen == utc
    assert tries == [utc]
