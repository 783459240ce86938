"""Casework findings of QA 33: a list pin that an appointment agreed at the door outranks
is named by the import (row and case id), also on the web's upload; a list pin that will
replace a visit announced by letter is named too; ``address`` on a case still planned at
the old place says to re-plan, as the import does; an outcome for a visit called off too
late (the team went anyway) is recorded by ``outcomes``. Real SQLite, the real Bad
Hersfeld extract, the command line as users run it."""

from __future__ import annotations

import csv
import re
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow

TOWN = "36251 Bad Hersfeld"
#: the day of the list and the plan; the plan's day; the day after it
MON, TUE, WED = ClockedCli(date(2026, 12, 7)), ClockedCli(date(2026, 12, 8)), \
    ClockedCli(date(2026, 12, 9))


def _list(path: Path, rows: list[tuple[str, str, str, str, str]]) -> Path:
    """A client list: (id, address, team, day, time) per row; a name for the letters."""
    path.write_text("Kundennummer;Name;Adresse;Team;Datum;Uhrzeit\n"
                    + "".join(";".join([r[0], f"Erika Muster {r[0]}", *r[1:]]) + "\n"
                              for r in rows), encoding="utf-8")
    return path


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def _client(db: str, cid: str):  # noqa: ANN202 - a ClientRow
    from hausbesuch.store import ClientRow, Store

    with Store.open(db) as store, store.session() as s:
        return s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": cid})


FIRST = [("K-1", f"Breitenstraße 24, {TOWN}", "", "", ""),
         ("K-2", f"Dudenstraße 5, {TOWN}", "", "", "")]


def _planned(tmp_path: Path) -> tuple[str, list[str], str]:
    """Two cases imported on Monday and planned for Tuesday: (database, its options,
    the plan id)."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", FIRST)), *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    return path, db, re.search(r"Plan (\S+):", out)[1]


def test_a_list_pin_an_agreed_appointment_outranks_is_named(tmp_path, bad_hersfeld_pbf,
                                                            monkeypatch):
    """QA 33a F3: K-1 agreed an appointment at the door (Thu 10.12. 10:00); the list then
    pins it to Fri 11.12. 09:00. The import counted the row „unverändert“ without a word
    and the plan kept the appointment. The appointment stands; the import names the row,
    the case and both moments, and how to let the list's pin apply (also in ``--report``
    and on the web's upload). A list pin to a team only no longer replaces the
    appointment (it did, silently); once the appointment has passed, a later list pin
    applies."""
    path, db, _pid = _planned(tmp_path)
    outcome = tmp_path / "erg.csv"
    outcome.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                       "K-1;08.12.2026;Termin vereinbart;10.12.2026 10:00\n", encoding="utf-8")
    assert "1 erfasst" in TUE.ok("outcomes", str(outcome), *db)
    moved = _list(tmp_path / "b.csv", [("K-1", FIRST[0][1], "team-1", "11.12.2026", "09:00"),
                                       FIRST[1]])
    report = tmp_path / "bericht.csv"
    out = TUE.ok("import", str(moved), *db, "--report", str(report))
    note = ("Zeile 2 (K-1): Festlegung laut Liste (Team team-1, Fr, 11.12.2026, 09:00 Uhr) "
            "nicht übernommen: der beim Besuch vereinbarte Termin Do, 10.12.2026, 10:00 Uhr "
            "gilt. Hat sich der Termin geändert: im Web auf der Seite des Plans unter "
            "„Festlegungen“ den Termin aufheben, dann die Liste erneut einlesen (oder dort "
            "den Besuch neu festlegen).")
    assert f"Hinweis: {note}" in " ".join(out.split()), out
    assert "0 aktualisiert, 2 unverändert" in out, out
    assert _report(report)["K-1"]["grund"].startswith("Festlegung laut Liste (Team team-1, "
                                                      "Fr, 11.12.2026, 09:00 Uhr) nicht "
                                                      "übernommen"), report.read_text()
    row = _client(path, "K-1")
    assert (row.pin_source, row.pin_day, row.pin_time_min) == ("termin", date(2026, 12, 10),
                                                               600)
    # the web's upload calls the same import: its report shows the note (on the Tuesday,
    # as the command above: once the real date passes the appointment, the pin applies)
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store
    from hausbesuch.web.casework_api import import_clients

    monkeypatch.setenv(clock.ENV, "2026-12-08")
    with Store.open(path) as store:
        shown = import_clients(store, load_profile("bad-hersfeld"), str(moved), "kora",
                               name="b.csv")
    monkeypatch.delenv(clock.ENV)
    assert note in shown["warnings"], shown
    # the list as it was (no pin) and a list with the same moment say nothing
    same = _list(tmp_path / "c.csv", [("K-1", FIRST[0][1], "", "10.12.2026", "10:00"),
                                      FIRST[1]])
    assert "Festlegung laut Liste" not in TUE.ok("import", str(same), *db)
    # a pin to a team only: the appointment stays (it was replaced without a word)
    team_only = _list(tmp_path / "d.csv", [("K-1", FIRST[0][1], "team-2", "", ""), FIRST[1]])
    TUE.ok("import", str(team_only), *db)
    row = _client(path, "K-1")
    assert (row.pin_source, row.pin_day, row.pin_team) == ("termin", date(2026, 12, 10), None)
    # the appointment has passed (no outcome that day): the list's later pin applies
    later = _list(tmp_path / "e.csv", [("K-1", FIRST[0][1], "team-1", "14.12.2026", "09:00"),
                                       FIRST[1]])
    out = ClockedCli(date(2026, 12, 11)).ok("import", str(later), *db)
    assert "1 aktualisiert" in out and "nicht übernommen" not in out, out
    row = _client(path, "K-1")
    assert (row.pin_source, row.pin_day, row.pin_team) == ("liste", date(2026, 12, 14),
                                                           "team-1")


def test_address_on_a_case_planned_at_the_old_place_says_to_replan(tmp_path,
                                                                   bad_hersfeld_pbf):
    """QA 33b F5: ``address`` fixing a case with a visit ahead said only „Gespeichert“,
    while the import says for the same change that the plan still goes to the old
    address and to re-plan. ``address`` says it in the import's words, with the letter
    that announced the visit there; a fix to the place the plan visits says nothing."""
    path, db, pid = _planned(tmp_path)
    MON.ok("letters", pid, "--out", str(tmp_path / "briefe"), *db)
    from hausbesuch.store import CaseVisitRow, Store, VisitRow

    with Store.open(path) as store, store.session() as s:
        v = next(v for v in s.query(CaseVisitRow) if v.client_id == "K-1")
        stop = next(x for x in s.query(VisitRow) if x.visit_id == v.visit_id)
        at, lat, lon = v.start_at, stop.lat, stop.lon
    out = MON.ok("address", "K-1", "--set-point", f"{lat:.7f},{lon:.7f}", *db)
    assert "Hinweis" not in out, out  # the place the plan goes to: nothing to re-plan
    out = MON.ok("address", "K-1", "--set-address", f"Hainstraße 2, {TOWN}", *db)
    from hausbesuch.fields import format_moment

    assert (f"Hinweis: K-1: Adresse geändert, aber am {format_moment(at)} noch an der alten "
            f"Adresse eingeplant (Plan {pid}, mit Brief vom Mo, 07.12.2026 an die alte "
            f"Adresse angekündigt); bitte neu planen (hausbesuch replan {pid} --from …)."
            ) in " ".join(out.split()), out
    # a case no longer open: its visit is off, no re-plan takes it
    MON.ok("status", "K-2", "--set", "abgeschlossen", *db)
    out = MON.ok("address", "K-2", "--set-address", f"Klausstraße 12, {TOWN}", *db)
    assert re.search(r"Hinweis: K-2: Adresse geändert; der Besuch am Di, 08\.12\.2026, "
                     rf"\d\d:\d\d Uhr \(Plan {pid}\) an der alten Adresse entfällt, da der "
                     "Fall nicht offen ist\\.", " ".join(out.split())), out
    assert "replan" not in out, out


def test_an_outcome_of_a_visit_called_off_too_late_is_recorded(tmp_path, bad_hersfeld_pbf,
                                                               monkeypatch):
    """QA 33b F9: the visits announced for Tuesday were called off on Monday (a re-plan
    without both teams, its correction letters), too late for the post; a team went
    anyway and brought back „angetroffen“. ``outcomes`` refused it („keinen geplanten
    Besuch“), and nothing else could record it. It is recorded (the visit took place),
    with a note; the phone, which shows the visit as called off, is told what to do."""
    path, db, pid = _planned(tmp_path)
    MON.ok("letters", pid, "--out", str(tmp_path / "briefe"), *db)
    MON.ok("replan", pid, "--from", "2026-12-08 07:00", "--without-team", "team-1",
           "--without-team", "team-2", "--out", str(tmp_path / "v2"), "--time-limit", "1",
           "--threads", "1", *db)
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(path) as store:
        v2 = store.latest_plan("Bad Hersfeld").id
        with store.session() as s:
            visits = {v.client_id: v for v in s.query(CaseVisitRow)}
    assert visits["K-1"].status == visits["K-2"].status == "entfallen", visits
    MON.ok("letters", v2, "--correction", "--out", str(tmp_path / "korrektur"), *db)
    # the phone's way (the worker's page shows the visit as called off): refused, saying so
    from hausbesuch import clock
    from hausbesuch.casework import CaseworkError
    from hausbesuch.config import load_profile
    from hausbesuch.web.casework_api import record_outcome

    monkeypatch.setenv(clock.ENV, "2026-12-08")
    with Store.open(path) as store, pytest.raises(CaseworkError) as refused:
        record_outcome(store, load_profile("bad-hersfeld"), "telefon", "K-2",
                       date(2026, 12, 8), "angetroffen", time_min=None, appointment=None,
                       note=None, idempotency_key="k2-1")
    monkeypatch.delenv(clock.ENV)
    assert str(refused.value) == (
        "Der Besuch von „K-2“ am Di, 08.12.2026 ist abgesagt (entfällt seit Mo, "
        "07.12.2026). War das Team trotzdem dort: das Ergebnis bitte der Koordination "
        "melden (sie erfasst es auf der Seite des Falls oder mit hausbesuch outcomes).")
    sheet = tmp_path / "erg.csv"
    sheet.write_text("Kundennummer;Datum;Ergebnis\nK-1;08.12.2026;angetroffen\n",
                     encoding="utf-8")
    out = TUE.ok("outcomes", str(sheet), *db)
    assert "1 erfasst, 0 schon erfasst, 0 abgelehnt" in out, out
    assert ("Hinweis: Zeile 2 (K-1): der Besuch am Di, 08.12.2026 war abgesagt (entfällt "
            "seit Mo, 07.12.2026); das Ergebnis ist trotzdem erfasst, der Besuch gilt als "
            "durchgeführt.") in " ".join(out.split()), out
    with Store.open(path) as store, store.session() as s:
        v = s.get(CaseVisitRow, visits["K-1"].visit_id)
        assert (v.status, v.plan_id) == ("erledigt", pid)  # the version whose route held it
    assert _client(path, "K-1").status == "erreicht"
    assert "schon erfasst" in TUE.ok("outcomes", str(sheet), *db)  # a second run
    # the plan's pages and a re-plan of the newest version read it as done
    WED.ok("show", pid, "--out", str(tmp_path / "v1-neu"), *db)
    WED.ok("show", v2, "--out", str(tmp_path / "v2-neu"), *db)


def test_a_list_pin_that_moves_an_announced_visit_is_named(tmp_path, bad_hersfeld_pbf):
    """QA 33b F10: a list pin to another day than the one a letter announced made the next
    re-plan call the announced visit off, and the import said nothing. The import names
    the row, the pin and the announced visit, and how to keep the announced one; a pin
    inside the announced window says nothing."""
    path, db, pid = _planned(tmp_path)
    MON.ok("letters", pid, "--out", str(tmp_path / "briefe"), *db)
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(path) as store, store.session() as s:
        v = next(v for v in s.query(CaseVisitRow) if v.client_id == "K-1")
        ps, pe = v.promised_start, v.promised_end
    inside = _list(tmp_path / "b.csv", [("K-1", FIRST[0][1], "", "08.12.2026",
                                         f"{ps:%H:%M}"), FIRST[1]])
    out = MON.ok("import", str(inside), *db)
    assert "1 aktualisiert" in out and "angekündigten Besuch" not in out, out
    other = _list(tmp_path / "c.csv", [("K-1", FIRST[0][1], "team-1", "10.12.2026", "10:00"),
                                       FIRST[1]])
    report = tmp_path / "bericht.csv"
    out = MON.ok("import", str(other), *db, "--report", str(report))
    note = ("Zeile 2 (K-1): Festlegung laut Liste (Team team-1, Do, 10.12.2026, 10:00 Uhr) "
            f"weicht vom angekündigten Besuch ab (Di, 08.12.2026, {ps:%H:%M}–{pe:%H:%M} Uhr, "
            "Brief vom Mo, 07.12.2026): die nächste Neuplanung plant den Besuch nach der "
            "Festlegung, der angekündigte entfällt (Korrekturbrief nötig). Soll der "
            "angekündigte Besuch bleiben: die Festlegung aus der Liste nehmen und die Liste "
            "erneut einlesen.")
    assert f"Hinweis: {note}" in " ".join(out.split()), out
    assert "weicht vom angekündigten Besuch ab" in _report(report)["K-1"]["grund"]
    # a pin on the announced day after the shift: the re-plan cannot plan it; its notes
    # say that the case has no visit now, not only „jetzt gilt“ the pin (QA 33b F10)
    late = _list(tmp_path / "d.csv", [("K-1", FIRST[0][1], "", "08.12.2026", "18:30"),
                                      FIRST[1]])
    MON.ok("import", str(late), *db)
    out = " ".join(MON.ok("replan", pid, "--from", "2026-12-08 00:00", "--out",
                          str(tmp_path / "neu"), "--time-limit", "1", *db).split())
    assert (f"K-1: angekündigt für Di, 08.12.2026, {ps:%H:%M}–{pe:%H:%M} Uhr; jetzt gilt: "
            "Festlegung laut Liste (Di, 08.12.2026, 18:30 Uhr). Diese Festlegung lässt "
            "sich nicht einplanen (Grund unter „Nicht eingeplant“). Der angekündigte Besuch "
            "entfällt "
            "trotzdem: der Fall hat in diesem Plan keinen Besuch.") in out, out
    why = _report(tmp_path / "neu" / "report.csv")["K-1"]["grund"]
    assert why.endswith(f"; der angekündigte Besuch (Di, 08.12.2026, {ps:%H:%M}–{pe:%H:%M} "
                        "Uhr) entfällt trotzdem."), why


def test_a_passed_appointment_gives_way_to_a_list_pin_to_a_team() -> None:
    """Review 33 #8: after the appointment's day, a list pin naming only a team was
    dropped without a word (the passed appointment kept), against the README."""
    from types import SimpleNamespace

    from hausbesuch.casework.service import _appointment_stands

    today = date(2027, 1, 14)
    passed = SimpleNamespace(pin_source="termin", pin_day=date(2027, 1, 12), pin_time_min=600)
    ahead = SimpleNamespace(pin_source="termin", pin_day=date(2027, 1, 15), pin_time_min=600)

    def listed(team=None, day=None):  # noqa: ANN001, ANN202
        return SimpleNamespace(pin_team=team, pin_day=day, pin_time_min=None)
    assert not _appointment_stands(passed, listed(team="team-1"), today)
    assert not _appointment_stands(passed, listed(day=date(2027, 1, 18)), today)
    assert _appointment_stands(passed, listed(day=date(2027, 1, 11)), today)  # its old pin
    assert _appointment_stands(ahead, listed(team="team-1"), today)
    assert _appointment_stands(ahead, listed(day=date(2027, 1, 18)), today)


def test_a_list_pin_into_a_stored_plans_days_names_that_plan(tmp_path, bad_hersfeld_pbf,
                                                             monkeypatch):
    """QA 40 F4: a new case pinned by the list to a day (and time) of a plan already
    stored was read in without a word; the next plan said only „der Plan jenes Tages
    nimmt den Besuch auf“, and the visit was missed. The import names the plan and how to
    re-plan it (also on the web's upload); not for a pin the plan holds (K-1 on its
    planned day), nor one outside every plan, nor again for a pin read before."""
    from hausbesuch.fields import format_days

    path, db, pid = _planned(tmp_path)
    rows = [("K-1", FIRST[0][1], "", "08.12.2026", ""), FIRST[1],
            ("K-3", f"Linggplatz 1, {TOWN}", "", "08.12.2026", "10:00"),
            ("K-4", f"Breitenstraße 20, {TOWN}", "", "09.12.2026", "")]
    pinned = _list(tmp_path / "p.csv", rows)
    out = " ".join(MON.ok("import", str(pinned), *db).split())
    note = (f"Zeile 4 (K-3): Festlegung laut Liste (Di, 08.12.2026, 10:00 Uhr) fällt in den "
            f"gespeicherten Plan {pid} ({format_days(date(2026, 12, 8), date(2026, 12, 8))}),"
            " der den Besuch nicht enthält; nur eine Neuplanung jenes Plans nimmt ihn auf: im "
            f"Web auf seiner Seite „Neu planen“ (hausbesuch replan {pid} --from …).")
    assert note in out, out
    assert out.count("fällt in den gespeicherten Plan") == 1, out  # not K-1, not K-4
    again = MON.ok("import", str(pinned), *db)
    assert "fällt in den gespeicherten Plan" not in again, again
    # the web's upload says it in its own words: no command line (session 44)
    from hausbesuch import clock
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store
    from hausbesuch.web import casework_api

    (tmp_path / "web").mkdir()
    path, db, pid = _planned(tmp_path / "web")
    monkeypatch.setenv(clock.ENV, "2026-12-07")
    with Store.open(path) as store:
        shown = casework_api.import_clients(store, load_profile("bad-hersfeld"),
                                            str(pinned), "kora", name="p.csv")["warnings"]
    web = (f"Zeile 4 (K-3): Festlegung laut Liste (Di, 08.12.2026, 10:00 Uhr) fällt in den "
           f"gespeicherten Plan {pid} ({format_days(date(2026, 12, 8), date(2026, 12, 8))}),"
           " der den Besuch nicht enthält; nur eine Neuplanung jenes Plans nimmt ihn auf: im "
           "Web auf seiner Seite „Neu planen“.")
    assert web in shown, shown
    assert not any("hausbesuch" in w for w in shown), shown
