"""The coordination corrects a recorded outcome, or enters one a phone could not send
(QA 22 F5/F6; Art. 16 DSGVO): :meth:`Casework.correct_outcome` and
:meth:`Casework.enter_outcome` on a real SQLite store with a real plan of Bad Hersfeld.
Each change is audited with the old and new result and time (never the note), and the
case's status follows the corrected outcomes when the outcomes set it, not when the
coordination set it by hand afterwards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from hausbesuch import clock
from hausbesuch.casework import Casework, CaseworkError
from hausbesuch.config import load_profile
from hausbesuch.fields import format_day
from hausbesuch.store import ClientRow, OutcomeRow, Store
from tests.test_casework_store import START, _copy_of, base, planned  # noqa: F401

pytestmark = pytest.mark.slow


@pytest.fixture
def after_week(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, (START + timedelta(days=7)).isoformat())


def _cw(store: Store, actor: str = "cli:kora") -> Casework:
    return Casework(store, load_profile("bad-hersfeld"), actor=actor)


def _status(store: Store, cid: str) -> tuple[str, str]:
    with store.session() as s:
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": cid})
        return row.status, row.status_reason


def test_a_verzogen_corrected_to_nicht_angetroffen_reopens_the_case(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    db, plan, stops = _copy_of(planned, tmp_path, "berichtigen.sqlite")
    stop = stops[0]
    day = stop.start.date()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "verzogen", note="Briefkasten leer",
                          source="web", idempotency_key="k1")
        assert _status(store, stop.client_id)[0] == "in_klaerung"  # by the outcome
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day,
                                 time_min=9 * 60 + 5)
        assert fix.changed and not fix.status_kept
        assert (fix.status_before, fix.status_after) == ("in_klaerung", "offen")
        status, reason = _status(store, stop.client_id)
        assert status == "offen" and reason.startswith("Ergebnis berichtigt: 1. Versuch")
        with store.session() as s:
            o = s.query(OutcomeRow).filter_by(client_id=stop.client_id).one()
            assert (o.result, o.time_min, o.note) == ("nicht_angetroffen", 545,
                                                      "Briefkasten leer")
        st = cw.states([stop.client_id])[0]
        assert st.directive.failed_tries == 1 and "vormittag" in st.why, st.why
        rows = store.audit_rows(client_id=stop.client_id, action="ergebnis_berichtigt")
        assert len(rows) == 1 and rows[0]["actor"] == "cli:kora"
        details = rows[0]["details"]
        details = json.loads(details) if isinstance(details, str) else details
        assert details["ergebnis_alt"] == "verzogen"
        assert details["ergebnis_neu"] == "nicht_angetroffen"
        assert details["uhrzeit_neu"] == "09:05" and details["tag"] == day.isoformat()
        assert "Briefkasten" not in json.dumps(rows, default=str)
        changes = store.audit_rows(client_id=stop.client_id, action="status_geaendert")
        assert "ergebnis_berichtigt" in json.dumps(changes[-1], default=str)
        # the audit view says it in German words, not codes (review 22 #6)
        from hausbesuch.auditlog import describe

        said = describe(details)
        assert "Ergebnis vorher: verzogen" in said and "nicht_angetroffen" not in said, said
        assert "Notiz geändert: nein" in said, said
        last = changes[-1]["details"]
        last = json.loads(last) if isinstance(last, str) else last
        assert "Ergebnis berichtigt" in describe(last), describe(last)
        # the same again: nothing written, nothing audited
        again = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day,
                                   time_min=545)
        assert not again.changed
        assert len(store.audit_rows(action="ergebnis_berichtigt")) == 1
        # a corrected correction: angetroffen makes it erreicht (the status is the outcomes')
        fix = cw.correct_outcome(stop.client_id, "angetroffen", when=day)
        assert fix.status_after == "erreicht" and not fix.status_kept


def test_a_status_set_by_hand_after_the_outcome_stays(planned, tmp_path,  # noqa: F811
                                                       after_week) -> None:
    db, plan, stops = _copy_of(planned, tmp_path, "von-hand.sqlite")
    stop = stops[1]
    day = stop.start.date()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "verzogen", source="web", idempotency_key="k2")
        cw.set_status(stop.client_id, "abgeschlossen", "in der Fallverwaltung abgeschlossen")
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day)
        assert fix.changed and fix.status_kept
        assert _status(store, stop.client_id)[0] == "abgeschlossen"


def test_wrong_values_are_refused_naming_the_field_and_change_nothing(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    db, plan, stops = _copy_of(planned, tmp_path, "falsch.sqlite")
    stop = stops[2]
    day = stop.start.date()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "nicht angetroffen", source="web",
                          idempotency_key="k3")
        cases = [({"time_min": 22 * 60 + 30}, "uhrzeit", "außerhalb der Arbeitszeit"),
                 ({"result": "termin vereinbart"}, "termin", "Termins fehlen"),
                 ({"result": "angetroffen",
                   "appointment": datetime.combine(day, datetime.min.time())
                   + timedelta(days=2, hours=10)}, "termin", "nur zum Ergebnis"),
                 ({"result": "Kaffee"}, "ergebnis", "Ergebnis: unbekanntes Ergebnis")]
        for kwargs, fieldname, said in cases:
            kwargs = {"result": "nicht angetroffen", **kwargs}
            with pytest.raises(CaseworkError) as refused:
                cw.correct_outcome(stop.client_id, when=day, **kwargs)
            assert said in str(refused.value) and refused.value.field == fieldname
        with pytest.raises(CaseworkError, match="Kein Ergebnis von"):
            cw.correct_outcome(stop.client_id, "angetroffen", when=day + timedelta(days=1))
        assert not store.audit_rows(action="ergebnis_berichtigt")
        assert _status(store, stop.client_id)[0] == "offen"


def test_the_coordination_enters_an_outcome_a_phone_could_not_send(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    db, plan, stops = _copy_of(planned, tmp_path, "nachtragen.sqlite")
    stop = stops[3]
    with Store.open(db) as store:
        cw = _cw(store)
        todo = cw.visits_to_enter(stop.client_id)
        assert [v[1] for v in todo] == [stop.start.date()]
        with pytest.raises(CaseworkError) as refused:
            cw.enter_outcome(stop.client_id, todo[0][0], "angetroffen", time_min=23 * 60)
        assert refused.value.field == "uhrzeit"
        # the appointment's refusals name their field as a correction's do (review 22 #11:
        # one check for both; the phone and the form mark the appointment)
        day = stop.start.date()
        at = datetime.combine(day, datetime.min.time()) + timedelta(hours=11)
        for result, appointment, said in [
                ("termin vereinbart", None, "Termins fehlen"),
                ("termin vereinbart", at, "liegt nicht nach dem Besuchstag"),
                ("angetroffen", at + timedelta(days=2), "nur zum Ergebnis")]:
            with pytest.raises(CaseworkError) as refused:
                cw.enter_outcome(stop.client_id, todo[0][0], result, time_min=10 * 60,
                                 appointment=appointment)
            assert said in str(refused.value) and refused.value.field == "termin"
        row, new, _off = cw.enter_outcome(stop.client_id, todo[0][0], "verweigert",
                                    time_min=10 * 60)
        assert new and row.source == "koordination" and row.time_min == 600
        assert _status(store, stop.client_id)[0] == "abgeschlossen"
        assert cw.visits_to_enter(stop.client_id) == []
        rows = store.audit_rows(client_id=stop.client_id, action="ergebnis_erfasst")
        assert rows and rows[-1]["actor"] == "cli:kora"


def test_rectify_corrects_result_and_time_on_the_command_line(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    """``hausbesuch rectify ID --outcome TAG --result … --time …`` (QA 22 F6)."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app

    db, plan, stops = _copy_of(planned, tmp_path, "cli.sqlite")
    stop = stops[4]
    day = stop.start.date()
    with Store.open(db) as store:
        _cw(store).record_outcome(stop.client_id, day, "nicht angetroffen", time_min=16 * 60,
                                  source="web", idempotency_key="k5")
    runner = CliRunner()
    common = ["--city", "bad-hersfeld", "--db", db]
    res = runner.invoke(app, ["rectify", stop.client_id, "--outcome", f"{day:%d.%m.%Y}",
                              "--time", "22:30", *common])
    assert res.exit_code == 2 and "--time: Uhrzeit 22:30 Uhr liegt außerhalb" in res.output, \
        res.output
    res = runner.invoke(app, ["rectify", stop.client_id, "--status-change", f"{day:%d.%m.%Y}",
                              "--result", "angetroffen", *common])
    assert res.exit_code == 2 and "gehören zu --outcome" in res.output, res.output
    res = runner.invoke(app, ["rectify", stop.client_id, "--outcome", f"{day:%d.%m.%Y}",
                              "--time", "08:55", *common])
    assert res.exit_code == 0, res.output
    assert (f"Ergebnis von {stop.client_id} am {format_day(day)} berichtigt: „nicht angetroffen "
            "um 16:00 Uhr“ → „nicht angetroffen um 08:55 Uhr“.") in res.output
    res = runner.invoke(app, ["rectify", stop.client_id, "--outcome", f"{day:%d.%m.%Y}",
                              "--result", "angetroffen", *common])
    assert res.exit_code == 0 and "Status: „offen“ → „erreicht“." in res.output, res.output
    with Store.open(db) as store:
        assert len(store.audit_rows(client_id=stop.client_id,
                                    action="ergebnis_berichtigt")) == 2
        assert all(r["actor"].startswith("cli:") for r in store.audit_rows(
            client_id=stop.client_id, action="ergebnis_berichtigt"))


def test_an_outcome_of_a_visit_still_to_come_today_is_refused(
        planned, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    """Review 22 #10: the coordination could enter (or correct to) a visit time still ahead
    today; the phone refuses such a time. On the visit's day at 09:00 (real clock moved
    there), 15:00 is refused naming the field, 09:03 is taken."""
    from tests.fake_clock import server_clock

    db, plan, stops = _copy_of(planned, tmp_path, "voraus.sqlite")
    stop = stops[3]
    day = stop.start.date()
    with Store.open(db) as store, server_clock(
            monkeypatch, datetime.combine(day, datetime.min.time()).replace(
                hour=9, tzinfo=clock.ZONE)):
        cw = _cw(store)
        (visit,) = cw.visits_to_enter(stop.client_id)
        with pytest.raises(CaseworkError, match="15:00 Uhr liegt in der Zukunft") as refused:
            cw.enter_outcome(stop.client_id, visit[0], "angetroffen", time_min=15 * 60)
        assert refused.value.field == "uhrzeit"
        cw.enter_outcome(stop.client_id, visit[0], "nicht_angetroffen", time_min=9 * 60 + 3)
        with pytest.raises(CaseworkError, match="14:00 Uhr liegt in der Zukunft"):
            cw.correct_outcome(stop.client_id, None, when=day, time_min=14 * 60)


def _later_visit(store: Store, stop, day) -> None:  # noqa: ANN001
    """A second visit of the stop's case on ``day`` (as a later plan stores one)."""
    from hausbesuch.store import CaseVisitRow

    t = datetime.combine(day, datetime.min.time())
    with store.session() as s:
        s.add(CaseVisitRow(visit_id=f"spaeter-{stop.client_id}", city="Bad Hersfeld",
                           client_id=stop.client_id, try_no=2, plan_id="20261211-080000-spaet0",
                           team_id="team-1", day=day, start_at=t.replace(hour=10),
                           end_at=t.replace(hour=10, minute=30), status="geplant",
                           created_at=t, updated_at=t))


def _early(stops):  # noqa: ANN001, ANN202
    """Stops of the first three days, so that a second visit fits into the week."""
    return [st for st in stops if st.start.date() <= START + timedelta(days=2)]


def test_a_status_by_hand_changed_again_by_a_later_outcome_is_derived_anew(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    """Review 22 #5: the status was set by hand after o1, then a later outcome o2 changed
    it. Correcting o1 must not say „der von Hand gesetzte Status bleibt“: the status is
    o2's, and the outcomes (on the status set by hand) decide it again."""
    db, plan, stops = _copy_of(planned, tmp_path, "hand-dann-ergebnis.sqlite")
    stop = _early(stops)[0]
    day = stop.start.date()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "nicht angetroffen", source="web",
                          idempotency_key="h1")
        cw.set_status(stop.client_id, "in_klaerung", "Adresse prüfen")
        _later_visit(store, stop, START + timedelta(days=4))
        cw.record_outcome(stop.client_id, START + timedelta(days=4), "angetroffen",
                          source="web", idempotency_key="h2")
        assert _status(store, stop.client_id)[0] == "erreicht"  # by o2
        fix = cw.correct_outcome(stop.client_id, "nachricht hinterlassen", when=day)
        assert fix.changed and not fix.status_kept
        assert (fix.status_before, fix.status_after) == ("erreicht", "erreicht")
        # a status set by hand after o2 is the last change again: it stays
        cw.set_status(stop.client_id, "abgeschlossen", "erledigt")
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day)
        assert fix.status_kept and fix.status_after == "abgeschlossen"


def test_a_later_failed_try_does_not_reopen_a_case_put_in_klaerung_by_an_outcome(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    """The status is derived as the outcomes derived it when recorded: „verzogen“ put the
    case in Klärung and the later failed try left it there. Correcting the later try's
    time must not re-open the case (before: derived from „offen“ at once)."""
    db, plan, stops = _copy_of(planned, tmp_path, "verzogen-dann-versuch.sqlite")
    stop = _early(stops)[1]
    day = stop.start.date()
    later = START + timedelta(days=4)
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "verzogen", source="web", idempotency_key="v1")
        _later_visit(store, stop, later)
        cw.record_outcome(stop.client_id, later, "nicht angetroffen", source="web",
                          idempotency_key="v2")
        assert _status(store, stop.client_id)[0] == "in_klaerung"
        fix = cw.correct_outcome(stop.client_id, None, when=later, time_min=10 * 60 + 40)
        assert fix.changed and not fix.status_kept
        assert fix.status_after == "in_klaerung" == _status(store, stop.client_id)[0]
        # the „verzogen“ corrected to a failed try: the outcomes re-open the case
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day)
        assert (fix.status_before, fix.status_after) == ("in_klaerung", "offen")


def _appointments() -> tuple[datetime, datetime]:
    """An agreed appointment (the plan's start + 8 days, 10:00) and where a correction
    moves it (+ 9 days, 11:00)."""
    day = datetime.combine(START, datetime.min.time())
    return day + timedelta(days=8, hours=10), day + timedelta(days=9, hours=11)


def test_a_corrected_appointment_moves_its_pin_under_a_status_kept(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    """Review 22 #5: the status set by hand after „Termin vereinbart“ stays, but the pin
    follows the corrected appointment (before: it stayed on the old one)."""
    db, plan, stops = _copy_of(planned, tmp_path, "termin-hand.sqlite")
    stop = _early(stops)[2]
    day = stop.start.date()
    first, moved = _appointments()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "termin vereinbart", appointment=first,
                          source="web", idempotency_key="t1")
        cw.set_status(stop.client_id, "in_klaerung", "Termin mit Träger abstimmen")
        fix = cw.correct_outcome(stop.client_id, None, when=day, appointment=moved)
        assert fix.changed and fix.status_kept and fix.status_after == "in_klaerung"
        with store.session() as s:
            row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": stop.client_id})
            assert (row.pin_source, row.pin_day, row.pin_time_min) == (
                "termin", moved.date(), 11 * 60)
        # corrected to a result without appointment: the pin goes, the status stays
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day)
        assert fix.status_kept
        with store.session() as s:
            row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": stop.client_id})
            assert (row.pin_source, row.pin_day, row.status) == (None, None, "in_klaerung")


def test_a_visit_still_planned_at_the_old_appointment_is_named(
        planned, tmp_path, after_week) -> None:  # noqa: F811
    """Review 22 #4: a corrected appointment moves the pin, but a stored plan's visit at
    the old appointment stays on its route. The correction names it (service and
    ``hausbesuch rectify``), and says nothing when no plan holds one."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app
    from hausbesuch.store import CaseVisitRow

    db, plan, stops = _copy_of(planned, tmp_path, "alter-termin.sqlite")
    stop = _early(stops)[3]
    day = stop.start.date()
    first, moved = _appointments()
    with Store.open(db) as store:
        cw = _cw(store)
        cw.record_outcome(stop.client_id, day, "termin vereinbart", appointment=first,
                          source="web", idempotency_key="a1")
        fix = cw.correct_outcome(stop.client_id, None, when=day, appointment=moved)
        assert fix.changed and fix.old_visits == [] and fix.old_visit_notes() == []
        with store.session() as s:  # a later plan holds the visit at the appointment
            s.add(CaseVisitRow(visit_id="termin-1", city="Bad Hersfeld",
                               client_id=stop.client_id, try_no=2,
                               plan_id="20261214-080000-termin", team_id="team-1",
                               day=moved.date(), start_at=moved,
                               end_at=moved + timedelta(minutes=30), status="geplant",
                               pinned=True, created_at=moved, updated_at=moved))
    runner = CliRunner()
    res = runner.invoke(app, ["rectify", stop.client_id, "--outcome", f"{day:%d.%m.%Y}",
                              "--appointment", f"{first:%d.%m.%Y %H:%M}", "--city",
                              "bad-hersfeld", "--db", db])
    assert res.exit_code == 0, res.output
    assert (f"Der Besuch zum alten Termin am {format_day(moved)}, 11:00 Uhr steht noch in "
            "Plan 20261214-080000-termin: bitte neu planen.") in res.output, res.output
    with Store.open(db) as store:
        cw = _cw(store)
        assert cw.still_planned(stop.client_id, ["termin-1"])[0][2] == \
            "20261214-080000-termin"
        # the plan's visit is not at the appointment corrected now: nothing to name
        fix = cw.correct_outcome(stop.client_id, "nicht angetroffen", when=day)
        assert fix.changed and fix.old_visits == []
