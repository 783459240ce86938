"""Lists as an office writes them (QA 37): a results list and a teams file with a title
row above the header are read as a client list is (#6); a mistyped result is refused
with the result it most likely means (#7); ``import`` and ``plan`` say what to do about
rejected rows (#10). Real SQLite, through the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.casework.rules import parse_result
from hausbesuch.cli import app
from hausbesuch.teams import load_teams
from tests.cli_helpers import city_db
from tests.test_casework_datum import _seed_visits, _times


def test_a_results_list_with_a_title_row_is_read(tmp_path: Path) -> None:
    db = str(tmp_path / "erg.sqlite")
    _seed_visits(db, ["E-1", "E-2"])
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ergebnisse Woche 50"])
    ws.append([])
    ws.append(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis"])
    ws.append(["E-1", "08.12.2026", "10:10", "nicht angetroffen"])
    ws.append(["E-2", "08.12.2026", "10:40", "nicht angetrofen"])  # a typo: asked, not taken
    wb.save(tmp_path / "erg.xlsx")
    res = CliRunner(env={clock.ENV: "2026-12-09"}).invoke(
        app, ["outcomes", str(tmp_path / "erg.xlsx"), *city_db(db)], catch_exceptions=False)
    out = " ".join(res.output.split())
    assert "die Kopfzeile steht in Zeile 3; Zeile 1 darüber wurde als Titel übersprungen" \
        in out, out
    assert "Zeile 5 (E-2), Ergebnis: unbekanntes Ergebnis „nicht angetrofen“ (gemeint: " \
        "„nicht angetroffen“?)" in out, out
    assert _times(db) == {"E-1": 610}


@pytest.mark.parametrize(("typed", "meant"), [
    ("nicht angetrofen", "nicht angetroffen"), ("Nachricht hinterlasen",
                                                "Nachricht hinterlassen"),
    ("verzogn", "verzogen"), ("Termin veinbart", "Termin vereinbart"),
    ("angetrofen", "angetroffen"),
])
def test_a_mistyped_result_names_the_one_it_likely_means(typed: str, meant: str) -> None:
    with pytest.raises(ValueError, match=f"„{typed}“ \\(gemeint: „{meant}“\\?\\); erlaubt"):
        parse_result(typed)


@pytest.mark.parametrize("typed", ["xyz", "ja", "erledigt gestern", "an"])
def test_a_result_close_to_none_is_refused_without_a_guess(typed: str) -> None:
    with pytest.raises(ValueError) as exc:
        parse_result(typed)
    assert "gemeint" not in str(exc.value)


def test_a_teams_file_with_a_title_row_is_read(tmp_path: Path) -> None:
    path = tmp_path / "teams.csv"
    path.write_text("Teams Februar 2027;;\n;;\nTeam;Schicht;Sprachen\n"
                    "nord;8:00-16:00;Türkisch\nsued;8:30-12:30;\n", encoding="utf-8")
    teams = load_teams(path)
    assert [(t.id, sorted(t.skills)) for t in teams] == [("nord", ["Türkisch"]), ("sued", [])]


def test_import_says_what_to_do_about_rejected_rows(tmp_path: Path, bad_hersfeld_pbf) -> None:
    path = tmp_path / "kunden.csv"
    path.write_text("Kundennummer;Adresse\nK-1;Breitenstraße 1, 36251 Bad Hersfeld\n"
                    ";Breitenstraße 2, 36251 Bad Hersfeld\n", encoding="utf-8")
    res = CliRunner(env={clock.ENV: "2026-12-07"}).invoke(
        app, ["import", str(path), *city_db(str(tmp_path / "f.sqlite"))],
        catch_exceptions=False)
    out = " ".join(res.output.split())
    assert res.exit_code == 0, out
    assert "Zeile 3, Kundennummer fehlt Abgelehnte Zeilen wurden nicht eingelesen: bitte in " \
        "der Fachanwendung berichtigen und die Liste erneut einlesen" in out, out


def test_a_shift_of_six_hours_or_less_inherits_no_lunch_break(tmp_path: Path) -> None:
    """QA 37 #5: a team working 8:30-12:30 had the profile's break clipped into its last
    half hour. A shift of six hours or less inherits none (ArbZG § 4); its own break
    stays, and a longer shift keeps the inherited one."""
    path = tmp_path / "teams.toml"
    path.write_text('''[defaults]
mittag = "12:00-13:30"
mittag_dauer = 30

[[team]]
id = "kurz"
schicht = "8:30-12:30"
tage = "Mo, Mi, Fr"

[[team]]
id = "sechs"
schicht = "8:00-14:00"

[[team]]
id = "eigen"
schicht = "8:30-12:30"
mittag = "12:00-12:30"

[[team]]
id = "lang"
schicht = "8:00-14:30"
tage = "Di-Do"
''', encoding="utf-8")
    teams = {t.id: t for t in load_teams(path)}
    assert not teams["kurz"].has_lunch and not teams["sechs"].has_lunch
    assert teams["eigen"].lunch_window == (12 * 60, 12 * 60 + 30)
    assert teams["eigen"].lunch_min == 30
    assert teams["lang"].lunch_window == (12 * 60, 13 * 60 + 30)
    assert teams["lang"].lunch_min == 30
    assert teams["kurz"].weekdays == frozenset({0, 2, 4})
    assert teams["lang"].weekdays == frozenset({1, 2, 3})


def test_a_stored_case_at_two_doors_in_a_list_keeps_its_stored_address(
        tmp_path: Path, bad_hersfeld_pbf) -> None:
    """Review 37 #8: two rows of a stored case at two doors take neither row; the case
    keeps the address stored before, and a plan goes there: the reason says so."""
    db = city_db(str(tmp_path / "f.sqlite"))
    runner = CliRunner(env={clock.ENV: "2026-12-07"})
    first = tmp_path / "a.csv"
    first.write_text("Kundennummer;Adresse\nK-1;Breitenstraße 1, 36251 Bad Hersfeld\n",
                     encoding="utf-8")
    assert runner.invoke(app, ["import", str(first), *db]).exit_code == 0
    both = tmp_path / "b.csv"
    both.write_text("Kundennummer;Adresse\nK-1;Breitenstraße 1, 36251 Bad Hersfeld\n"
                    "K-1;Am Markt 16, 36251 Bad Hersfeld\nK-2;Am Markt 1, 36251 Bad Hersfeld\n",
                    encoding="utf-8")
    res = runner.invoke(app, ["import", str(both), *db], catch_exceptions=False)
    out = " ".join(res.output.split())
    assert res.exit_code == 0, out
    kept = ("Bis dahin bleibt der Fall mit seiner gespeicherten Anschrift („Breitenstraße 1, "
            "36251 Bad Hersfeld“) und wird so geplant")
    assert out.count(kept) == 2, out
    assert "Zeile 4" not in out  # K-2, new: taken
