"""What the command line says, in German that is right for one and for many, without
technical codes (found in exploratory testing): "1 Zeile", "1 Team-Tag", "zeigt ihn";
German outcome and status words in ``audit`` and ``status``; ``audit`` names the city it
read, gives the same hint as ``status`` for an unknown case id and reads the rows without a
city with ``--ohne-stadt``; ``status --reason`` needs ``--set``; ``outcomes`` exits with
code 2 when no row is recorded and rows are rejected; the report's geocoding quality in
words; ``link`` names its arguments as its help does.
"""

from __future__ import annotations

import csv
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.commands._common import count
from tests.cli_helpers import ClockedCli

START = date(2026, 12, 7)  # a Monday
#: outcomes can be recorded from the visit's day on: the commands run as two weeks later
cli = ClockedCli(START + timedelta(days=14))
runner, invoke, ok = cli.runner, cli.invoke, cli.ok
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit"]
GOOD = ["Breitenstraße", "1", "36251", "Bad Hersfeld"]
UNKNOWN_STREET = ["Gibtesnichtweg", "1", "36251", "Bad Hersfeld"]
CODES = ("nicht_angetroffen", "in_klaerung", "nachricht_hinterlassen", "termin_vereinbart")


def fails(*args: str) -> str:
    """Run a command that must end with a German error and exit code 2."""
    code, out = invoke(*args)
    assert code == 2, out
    assert "Fehler:" in out and "Traceback" not in out, out
    return out


def write_list(path: Path, rows: list[tuple[str, list[str]]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for cid, address in rows:
            w.writerow([cid, f"Name {cid}", *address, "01.03.2025"])
    return path


def write_outcomes(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"])
        w.writerows(rows)
    return path


# ------------------------------------------------------------------ without a plan (fast)


def _new_db(path) -> str:  # noqa: ANN001
    """An empty store (the commands that read refuse a database that is not there)."""
    from hausbesuch.store import Store

    db = f"sqlite:///{path}"
    Store.open(db).close()
    return db


def test_reading_commands_refuse_a_database_that_is_not_there(tmp_path):
    """A mistyped --db: the commands that read or change what is stored say so (exit 2)
    and make no file and no folder; import makes the database."""
    missing = tmp_path / "tippfehler" / "x.sqlite"
    for args in (["plans"], ["status", "K-1"], ["audit"], ["addresses"],
                 ["absence", "list"], ["show", "20261207-000000-abcdef", "--out",
                                       str(tmp_path / "aus")]):
        out = fails(*args, "--city", "bad-hersfeld", "--db", str(missing))
        assert f"Die Datenbank {missing} gibt es nicht" in out, (args, out)
    assert not missing.parent.exists()


def test_count_says_one_and_many():
    assert count(1, "Zeile", "Zeilen") == "1 Zeile"
    assert count(0, "Zeile", "Zeilen") == "0 Zeilen"
    assert count(2, "Team-Tag", "Team-Tage") == "2 Team-Tage"


def test_plan_summary_in_singular_and_plural(tmp_path):
    from types import SimpleNamespace

    from hausbesuch.commands.plan import summary_lines

    def summary(rows: list[tuple[str, str]], routes: int) -> str:
        result = SimpleNamespace(
            report_rows=[{"zeile": z, "status": s} for z, s in rows],
            plan=SimpleNamespace(routes=[object()] * routes, warnings=[]))
        return "\n".join(summary_lines(result, "P1", tmp_path))

    one = summary([("", "geplant")], 1)
    assert "Plan P1: 1 Fall: 1 geplant, 0 nicht eingeplant, 0 abgelehnt." in one
    assert "\n1 Team-Tag. Übersicht:" in one
    assert "Plan P1: 1 Zeile: " in summary([("2", "geplant")], 1)
    mixed = summary([("2", "geplant"), ("", "nicht_eingeplant")], 2)
    assert "2 Fälle (1 aus der Liste)" in mixed and "\n2 Team-Tage." in mixed
    assert "1 Fall (" not in summary([("2", "geplant")], 0)
    assert "\n0 Team-Tage." in summary([("", "abgelehnt"), ("", "abgelehnt")], 0)
    # nothing to plan (every open case is in another plan): no "0 Zeilen" of a list
    assert "Plan P1: 0 Fälle: 0 geplant" in summary([], 0)
    # a plan shown again after a visit was called off: every case counted once; the
    # cases of a plan, not „offene Fälle“ (a re-plan's hold those reached or closed
    # since, QA 32b F4)
    assert "Plan P1: 3 Fälle: 1 geplant, 1 entfallen, 1 nicht eingeplant, " \
        "0 abgelehnt." in summary([("", "geplant"), ("", "entfallen"),
                                   ("", "nicht_eingeplant")], 1)


def test_plan_help_names_every_teams_format():
    res = runner.invoke(app, ["plan", "--help"], terminal_width=200)
    assert res.exit_code == 0
    assert "TOML, CSV oder XLSX" in res.output


@pytest.mark.parametrize(("command", "option"), [(["plan"], "--start"),
                                                  (["user", "add"], "--role")])
def test_help_marks_options_required_in_practice(command, option):
    """``plan --start`` is refused when missing („--start fehlt“) but its help did not say
    so (QA 20a F3); options checked by the command itself read as typer's own required ones
    („[Pflicht]“, as ``replan --from``)."""
    res = runner.invoke(app, [*command, "--help"], terminal_width=200)
    assert res.exit_code == 0, res.output
    line = next(row for row in res.output.splitlines() if f" {option} " in row)
    assert "[Pflicht]" in line, line


def test_plan_without_start_says_so_in_german(tmp_path):
    db = _new_db(tmp_path / "f.sqlite")
    assert "Fehler: --start fehlt: erster Planungstag" in fails(
        "plan", "--city", "bad-hersfeld", "--out", str(tmp_path / "x"), "--db", db)


def test_link_names_its_arguments_as_the_help_does(tmp_path):
    db = _new_db(tmp_path / "f.sqlite")
    res = runner.invoke(app, ["link", "--help"], terminal_width=200)
    assert "[PLAN] [TEAM] [TAG]" in res.output and "DATE" not in res.output
    assert "PLAN, TEAM und TAG fehlen" in fails("link", "--db", db)
    assert "Fehler: TEAM und TAG fehlen" in fails("link", "P1", "--db", db)
    assert "Fehler: TAG fehlt" in fails("link", "P1", "team-1", "--db", db)
    assert "TAG: kein gültiges Datum" in fails("link", "P1", "team-1", "2026-13-01",
                                               "--db", db)
    # a weekday that does not fit the day is named, not stripped unread (QA 15a F7)
    assert "TAG: „Fr“ passt nicht zu 29.12.2026 (Dienstag)" in fails(
        "link", "P1", "team-1", "Fr 29.12.2026", "--db", db)
    assert "--start: „Fr“ passt nicht zu 29.12.2026 (Dienstag)" in fails(
        "plan", "--start", "Fr, 29.12.2026", "--db", db)


def test_status_reason_needs_set(tmp_path):
    db = _new_db(tmp_path / "f.sqlite")
    out = fails("status", "K-1", "--reason", "hat angerufen", "--city", "bad-hersfeld",
                "--db", db)
    assert "--reason gehört zu --set" in out


def test_audit_names_the_city_it_read_and_hints_at_another(tmp_path):
    from hausbesuch.config import load_profile

    db = _new_db(tmp_path / "f.sqlite")
    default = load_profile(None).name
    assert f"Keine Einträge für {default}." in ok("audit", "--db", db)
    out = fails("audit", "--kundennummer", "K-1019", "--db", db)
    assert f"„K-1019“ ist in {default} nicht bekannt (andere Stadt: --city angeben)" in out
    # the same words as status gives
    out = fails("status", "K-1019", "--db", db)
    assert f"„K-1019“ ist in {default} nicht bekannt (andere Stadt: --city angeben)" in out
    out = fails("status", "K-1019", "--set", "erreicht", "--db", db)
    assert "(andere Stadt: --city angeben)" in out
    out = ok("audit", "--db", db)  # the reading was logged: now there is a row to show
    assert out.startswith(f"Protokoll für {default}: 1 Eintrag\n"), out


def test_audit_reads_the_rows_without_a_city(tmp_path):
    from hausbesuch.store import Store

    db = _new_db(tmp_path / "f.sqlite")
    with Store.open(db) as store:
        store.audit("admin", "anmeldung_fehlgeschlagen", city=None,
                    details={"user": "niemand", "ip": "10.0.0.1", "grund": "konto_unbekannt"})
        store.audit("admin", "user_added", city=None, details={"user": "kora", "role": "admin"})
        store.audit("cli:meier", "ergebnis_erfasst", city="Bad Hersfeld", client_id="K-1",
                    details={"ergebnis": "nicht_angetroffen", "tag": "2026-12-07",
                             "quelle": "csv"})
        store.audit("cli:meier", "status_geaendert", city="Bad Hersfeld", client_id="K-1",
                    details={"von": "offen", "nach": "in_klaerung"})
        store.audit("kora", "visit_pinned", city="Bad Hersfeld", client_id="K-2",
                    details={"team": "team-2", "day": "2026-12-08", "time_min": 660})
    out = ok("audit", "--ohne-stadt", "--db", db)
    assert out.startswith("Protokoll ohne Stadt: 2 Einträge\n"), out
    assert "Grund: Konto unbekannt" in out and "Rolle: Administration" in out
    assert "K-1" not in out and "konto_unbekannt" not in out
    # the city's rows, with German words for the outcome and the statuses
    out = ok("audit", "--city", "bad-hersfeld", "--db", db)
    assert "Ergebnis: nicht angetroffen; Tag: 07.12.2026; Quelle: Datei" in out
    assert "Von: offen; Nach: in Klärung" in out
    assert "Team: team-2; Tag: 08.12.2026; Uhrzeit: 11:00" in out  # minutes as a clock time
    assert not any(code in out for code in CODES), out
    assert "Anmeldung fehlgeschlagen" not in out
    # the CSV keeps the action code in its own column, the details in German
    ok("audit", "--city", "bad-hersfeld", "--db", db, "--out", str(tmp_path / "p.csv"))
    with open(tmp_path / "p.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    row = next(r for r in rows if r["code"] == "ergebnis_erfasst")
    assert row["aktion"] == "Besuchsergebnis erfasst"
    assert "nicht angetroffen" in row["angaben"] and "nicht_angetroffen" not in row["angaben"]
    # without a city there is no case id and no other city
    assert "schließen sich aus" in fails("audit", "--ohne-stadt", "--city", "kassel",
                                         "--db", db)
    assert "schließen sich aus" in fails("audit", "--ohne-stadt", "--kundennummer", "K-1",
                                         "--db", db)
    with Store.open(db) as store:
        read = store.audit_rows(action="protokoll_gelesen")
    assert read[0]["city"] is None and read[0]["details"]["stadt"] == "ohne"


def test_audit_details_in_german_words():
    from hausbesuch.auditlog import describe

    assert describe({"felder": ["street", "pin_day"], "aktion": "plan_angezeigt",
                     "grund": "leerlauf", "ausgabe": "anzeige"}) == (
        "Felder: Straße, Datum; Aktion: Plan angesehen; Grund: zu lange inaktiv; "
        "Ausgabe: Anzeige")
    # a value that is no code stays as it is (a window's "von" is a time)
    assert describe({"von": "10:00", "nach": "erreicht", "grund": "hat angerufen"}) == (
        "Von: 10:00; Nach: erreicht; Grund: hat angerufen")


def test_outcomes_of_which_none_is_recorded_exit_2(tmp_path, monkeypatch):
    from hausbesuch.commands import casework

    db = _new_db(tmp_path / "f.sqlite")
    one = write_outcomes(tmp_path / "eins.csv", [["X-1", "07.12.2026", "", "angetroffen"]])
    out = fails("outcomes", str(one), "--city", "bad-hersfeld", "--db", db)
    assert "1 Zeile aus" in out and "0 erfasst, 0 schon erfasst, 1 abgelehnt." in out
    assert "Zeile 2 (X-1)" in out
    assert "Keine Zeile erfasst: die Zeile ist abgelehnt" in out
    assert "gelesen für Bad Hersfeld, andere Stadt: --city angeben" in out
    # the rows not listed: one more, without a --report that outcomes does not have
    monkeypatch.setattr(casework, "MAX_LINES", 1)
    two = write_outcomes(tmp_path / "zwei.csv", [["X-1", "07.12.2026", "", "angetroffen"],
                                                 ["X-2", "07.12.2026", "", "verzogen"]])
    out = fails("outcomes", str(two), "--city", "bad-hersfeld", "--db", db)
    assert "2 Zeilen aus" in out and "alle 2 Zeilen sind abgelehnt" in out
    assert "  … und 1 weitere abgelehnte Zeile.\n" in out and "--report" not in out


def test_outcomes_refused_for_a_known_case_do_not_point_to_another_city(tmp_path):
    """QA 40 F9: every row of a known case refused (an appointment on a holiday) ended
    with „gelesen für …, andere Stadt: --city angeben“, though the city was right."""
    db = _new_db(tmp_path / "f.sqlite")
    ok("import", str(write_list(tmp_path / "k.csv", [("K-1", GOOD)])), "--city",
       "bad-hersfeld", "--db", db)
    rows = tmp_path / "termin.csv"
    rows.write_text("Kundennummer;Datum;Ergebnis;Termin\n"
                    f"K-1;{START:%d.%m.%Y};Termin vereinbart;25.12.2026 10:00\n",
                    encoding="utf-8")
    out = fails("outcomes", str(rows), "--city", "bad-hersfeld", "--db", db)
    assert "kein Arbeitstag" in out, out
    assert "Keine Zeile erfasst: die Zeile ist abgelehnt (Gründe oben)." in out, out
    assert "andere Stadt" not in out and "--city" not in out, out


def test_outcomes_name_the_missing_column_in_its_number(tmp_path):
    db = _new_db(tmp_path / "f.sqlite")
    one = tmp_path / "ohne_ergebnis.csv"
    one.write_text("Kundennummer;Datum\nX-1;07.12.2026\n", encoding="utf-8")
    out = fails("outcomes", str(one), "--city", "bad-hersfeld", "--db", db)
    assert "fehlt die Spalte Ergebnis. Erwartet:" in out
    two = tmp_path / "nur_id.csv"
    two.write_text("Kundennummer;Notiz\nX-1;x\n", encoding="utf-8")
    out = fails("outcomes", str(two), "--city", "bad-hersfeld", "--db", db)
    assert "fehlen die Spalten Datum, Ergebnis. Erwartet:" in out


# ------------------------------------------------------------------ with a small plan


@pytest.fixture(scope="module")
def small(tmp_path_factory, bad_hersfeld_pbf):
    """A store with two cases (one address not found) and a one-day plan of the other."""
    d = tmp_path_factory.mktemp("wording")
    db = f"sqlite:///{d / 'f.sqlite'}"
    common = ["--city", "bad-hersfeld", "--db", db]  # the profile's extract: bad_hersfeld_pbf
    out = ok("import", str(write_list(d / "kunden.csv", [("K-1", GOOD),
                                                         ("K-2", UNKNOWN_STREET)])), *common)
    plan = ok("plan", *common, "--start", START.isoformat(), "--days", "1", "--out",
              str(d / "plan"), "--time-limit", "1", "--threads", "1")
    return d, db, common, out, plan


@pytest.mark.slow
def test_import_and_plan_summaries_in_singular(small):
    d, _, common, imported, plan = small
    assert "2 Zeilen aus" in imported
    assert ("1 Adresse zu prüfen (nicht, nur straßengenau oder unsicher gefunden, Korrektur "
            "nicht mehr gültig oder Fall in Klärung): hausbesuch addresses zeigt sie mit "
            "Vorschlägen.") in imported
    # one row again: "1 Zeile", unchanged
    again = ok("import", str(write_list(d / "eins.csv", [("K-1", GOOD)])), *common)
    assert again.startswith("1 Zeile aus ") and "1 unverändert" in again
    assert ": 2 Fälle: 1 geplant, 0 nicht eingeplant, 1 abgelehnt." in plan, plan
    assert "\n1 Team-Tag. Übersicht:" in plan, plan


@pytest.mark.slow
def test_report_shows_the_geocoding_quality_in_words(small):
    from hausbesuch.planning.report import QUALITY_DE

    d = small[0]
    with open(d / "plan" / "report.csv", encoding="utf-8-sig", newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}
    assert rows["K-1"]["geo_qualitaet"] == "exakt", rows["K-1"]
    for r in rows.values():
        assert r["geo_qualitaet"] not in QUALITY_DE, r  # never a code


@pytest.mark.slow
def test_status_of_a_final_case_shows_no_revisit_rule(small):
    d, db, common, _, _ = small
    outcomes = write_outcomes(d / "ergebnisse.csv",
                              [["K-1", "07.12.2026", "09:00", "nicht angetroffen"]])
    out = ok("outcomes", str(outcomes), *common)
    assert out.startswith("1 Zeile aus ") and "1 erfasst" in out
    # recorded before: nothing new, nothing wrong
    assert "1 schon erfasst" in ok("outcomes", str(outcomes), *common)
    assert "frühestens wieder" in ok("status", "K-1", *common)
    out = ok("status", "k-1", "--set", "erreicht", "--reason", "hat angerufen", *common)
    headline = out.splitlines()[0]
    assert headline == "K-1: erreicht (Kontakt hergestellt); hat angerufen", out
    assert "Besuch Mo, 07.12.2026: nicht angetroffen" in out
    # the status history: each change at its moment, with the weekday
    assert re.search(r"^  (Mo|Di|Mi|Do|Fr|Sa|So), \d\d\.\d\d\.\d{4}, \d\d:\d\d Uhr "
                     r"erreicht: hat angerufen \(", out, re.M), out
    out = ok("status", "K-1", "--set", "Erreicht", "--reason", "nochmal", *common)
    assert out.startswith("Der Status war schon „erreicht“; nichts geändert.\n"), out
    assert "nochmal" not in out
    out = ok("status", "K-1", "--set", "in_klaerung", *common)
    assert "frühestens" not in out.splitlines()[0], out
    assert "in Klärung: von Hand gesetzt" in out and "in_klaerung" not in out, out
    out = ok("status", "K-1", "--set", "offen", *common)
    assert "frühestens wieder" in out.splitlines()[0], out  # open: the rule applies again
    audit = ok("audit", "--kundennummer", "K-1", *common)
    assert "Ergebnis: nicht angetroffen" in audit and "Nach: in Klärung" in audit
    assert not any(code in audit for code in CODES), audit


def test_import_checks_its_report_target_before_it_stores_anything(tmp_path):
    """``import --report`` into a folder that cannot be written: refused in German before
    the list is read in; no database is made, no client stored."""
    from tests.cli_helpers import run_with_read_only_folder

    clients = tmp_path / "kunden.csv"
    with open(clients, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerow(["K-1", "Erika Mustermann", *GOOD, ""])
    folder = tmp_path / "nurlesen"
    folder.mkdir()
    db = tmp_path / "neu.sqlite"
    done = run_with_read_only_folder(folder, [
        "import", str(clients), "--city", "bad-hersfeld", "--db", str(db),
        "--report", str(folder / "bericht.csv")])
    assert done.returncode == 2, done.stdout + done.stderr
    assert (f"Fehler: --report {folder / 'bericht.csv'}: in {folder} kann nicht geschrieben "
            "werden") in done.stderr, done.stderr
    assert "neu" not in done.stdout and not db.exists(), done.stdout


@pytest.mark.parametrize("args", [
    ["audit", "--city", "bad-hersfeld", "--von", "11.2026", "--bis", "03.12.2026"],
    ["audit", "--city", "bad-hersfeld", "--bis", "12.2026"],
    ["absence", "add", "team-1", "Februar 2027", "--bis", "28.02.2027", "--city", "bad-hersfeld"],
    ["absence", "add", "team-2", "01.2027", "--city", "bad-hersfeld"],
    ["absence", "list", "--city", "bad-hersfeld", "--von", "Dez 2026"],
    ["plan", "--city", "bad-hersfeld", "--start", "Dezember 2026", "--days", "1"],
    ["link", "P1", "team-1", "12.2026"],
])
def test_an_option_naming_one_day_refuses_a_month_alone(tmp_path, args):
    """„12.2026“ is no day: refused, naming the option and an example day, not read as
    the month's first day (``audit --bis 12.2026`` found nothing in December)."""
    db = _new_db(tmp_path / "fall.sqlite")
    code, out = invoke(*args, "--db", db)
    assert code == 2, out
    assert "ist ein Monat, kein Tag: bitte einen Tag angeben, z. B. 01." in out, out
    from sqlalchemy import text

    from hausbesuch.store import Store

    with Store.open(db, create=False) as store, store.engine.connect() as conn:
        assert not store.list_plans(), "nothing planned"
        assert conn.execute(text("SELECT count(*) FROM team_absences")).scalar() == 0


def test_an_option_naming_one_day_refuses_a_time_part(tmp_path):
    db = _new_db(tmp_path / "fall.sqlite")
    for args in (["audit", "--city", "bad-hersfeld", "--von", "03.12.2026 23:00"],
                 ["plan", "--city", "bad-hersfeld", "--start", "2026-12-07 08:00", "--days", "1"],
                 ["absence", "add", "team-1", "07.12.2026 10:00", "--city", "bad-hersfeld"]):
        code, out = invoke(*args, "--db", db)
        assert code == 2, out
        assert "hat eine Uhrzeit: bitte einen Tag angeben, z. B." in out, out
    # a cell of the client list keeps the spreadsheet forms
    from hausbesuch.fields import parse_date

    assert parse_date("12.2026") == date(2026, 12, 1)
    assert parse_date("07.12.2026 00:00") == date(2026, 12, 7)


@pytest.mark.slow
def test_plan_warns_of_a_first_day_before_today(small):
    """The web form refuses a span that began; the command line plans it (simulations and
    the tests plan weeks gone) but says so, in the form's words (QA 15 a, F5)."""
    d, db, common, _, plan = small  # planned from START while today is two weeks later
    today = START + timedelta(days=14)
    # the days it describes with their weekday; the one to type as it is typed
    assert (f"Warnung: --start: Mo, {START:%d.%m.%Y} liegt in der Vergangenheit (heute ist "
            f"Mo, {today:%d.%m.%Y}). Besuche an vergangenen Tagen werden trotzdem eingeplant; "
            f"für einen Plan ab heute --start {today:%d.%m.%Y} angeben.") in plan, plan
    # on the day itself, in a database of its own: the fixture's plan holds K-1 on START
    # (the test ran only after a test that recorded its outcome, QA 32)
    heute = CliRunner(env={clock.ENV: START.isoformat()})
    own = ["--city", "bad-hersfeld", "--db", f"sqlite:///{d / 'heute.sqlite'}"]
    imported = heute.invoke(app, ["import", str(d / "kunden.csv"), *own])
    assert imported.exit_code == 0, imported.output
    on_the_day = heute.invoke(
        app, ["plan", *own, "--start", START.isoformat(), "--days", "1", "--out",
              str(d / "plan-heute"), "--time-limit", "1", "--threads", "1"])
    assert on_the_day.exit_code == 0, on_the_day.output
    assert "Warnung" not in on_the_day.output and "Vergangenheit" not in on_the_day.output


def test_a_number_out_of_its_range_is_told_in_german(tmp_path):
    """typer's own bounds („Input should be greater than or equal to 1“) in German."""
    db = _new_db(tmp_path / "f.sqlite")
    code, out = invoke("purge", "--absent-days", "0", "--db", db)
    assert code == 2 and "--absent-days': mindestens 1 erwartet" in out, out
    code, out = invoke("purge", "--closed-days", "40000", "--db", db)
    assert code == 2 and "--closed-days': höchstens 36500 erwartet" in out, out
    assert "greater" not in out and "less than" not in out


@pytest.mark.slow
def test_replan_warns_of_a_moment_before_today(small):
    """``replan --from`` a moment of a day gone re-plans from there (a replay: tests and
    simulations use it) but says that visits may be moved onto days over, and how to
    re-plan from now (QA 32: `plan` warned of a first day gone, `replan` did not)."""
    import re

    d, db, common, _, plan = small  # planned from START while today is two weeks later
    plan_id = re.search(r"Plan (\d{8}-\d{6}-\w+)", plan)[1]
    today = START + timedelta(days=14)
    res = cli.runner.invoke(app, ["replan", plan_id, "--from", f"{START} 10:00", *common,
                                  "--out", str(d / "neu"), "--time-limit", "1",
                                  "--threads", "1"])
    assert res.exit_code == 0, res.output
    assert (f"Warnung: --from: Mo, {START:%d.%m.%Y}, 10:00 Uhr liegt vor heute "
            f"(Mo, {today:%d.%m.%Y}). Besuche ab diesem Zeitpunkt werden trotzdem neu "
            "verteilt, auch auf vergangene Tage; für eine Neuplanung ab jetzt --from "
            f"\"{today}") in res.output, res.output
    # on the day itself: no warning (the newest version is re-planned)
    newest = re.search(r"^Plan (\d{8}-\d{6}-\w+):", res.output, re.MULTILINE)[1]
    on_the_day = CliRunner(env={clock.ENV: START.isoformat()}).invoke(
        app, ["replan", newest, "--from", f"{START} 10:00", *common, "--out",
              str(d / "neu-heute"), "--time-limit", "1", "--threads", "1"])
    assert on_the_day.exit_code == 0, on_the_day.output
    assert "Warnung" not in on_the_day.output, on_the_day.output
