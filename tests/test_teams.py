"""Teams from TOML, CSV and XLSX; defaults; German validation messages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest

from hausbesuch.config import load_profile
from hausbesuch.errors import UserError
from hausbesuch.teams import (
    TeamConfig,
    TeamError,
    default_teams,
    load_teams,
    teams_for_profile,
)

TOML = """
[defaults]
schicht = "7:30-15:30"
modus = "Fahrrad"

[[team]]
id = "nord"
mitglieder = ["A. Schmidt", "B. Yilmaz"]
sprachen = ["arabisch", "Türkisch"]
start = "Am Markt 16, 36251 Bad Hersfeld"
ende = [9.7068, 50.8683]
max_besuche = 6

[[team]]
id = "sued"
members = ["C. Nowak"]
shift = "9:00 - 17:00"
lunch = "12:30-14:00"
lunch_minutes = 45
mode = "drive"
start = { lon = 9.70, lat = 50.86, adresse = "Bahnhof" }
days = "Mo-Do"

[[team]]
id = "ost"
mittag = "keine"
"""


def test_default_teams_match_the_issue() -> None:
    teams = default_teams()
    assert [t.id for t in teams] == ["team-1", "team-2"]
    for t in teams:
        assert (t.shift_start_min, t.shift_end_min) == (8 * 60, 16 * 60)
        assert t.lunch_window == (12 * 60, 13 * 60 + 30) and t.lunch_min == 30
        assert t.mode == "walk" and t.has_lunch
        assert t.start_address is None and t.start_lonlat is None and t.uses_depot
        assert t.weekdays == frozenset(range(5))
    with pytest.raises(dataclasses.FrozenInstanceError):
        teams[0].mode = "drive"  # type: ignore[misc]


def test_load_teams_toml(tmp_path: Path) -> None:
    path = tmp_path / "teams.toml"
    path.write_text(TOML, encoding="utf-8")
    nord, sued, ost = load_teams(path)

    assert nord.members == ("A. Schmidt", "B. Yilmaz")
    assert nord.label == "A. Schmidt / B. Yilmaz"
    assert nord.skills == frozenset({"Arabisch", "Türkisch"})
    assert (nord.shift_start_min, nord.shift_end_min) == (450, 930)  # from [defaults]
    assert nord.mode == "bike"
    assert nord.start_address == "Am Markt 16, 36251 Bad Hersfeld" and nord.start_lonlat is None
    assert nord.end_lonlat == (9.7068, 50.8683) and nord.end_address is None
    assert nord.max_visits_per_day == 6

    assert (sued.shift_start_min, sued.shift_end_min) == (540, 1020)
    assert sued.lunch_window == (750, 840) and sued.lunch_min == 45
    assert sued.mode == "drive"
    assert sued.start_address == "Bahnhof" and sued.start_lonlat == (9.70, 50.86)
    assert sued.weekdays == frozenset({0, 1, 2, 3})

    assert not ost.has_lunch and ost.lunch_window is None
    assert ost.label == "Team ost"


def test_with_depot_fills_start_and_end() -> None:
    t = TeamConfig(id="a").with_depot("Rathaus", (9.7, 50.87))
    assert (t.start_address, t.start_lonlat, t.end_address, t.end_lonlat) == (
        "Rathaus", (9.7, 50.87), "Rathaus", (9.7, 50.87))
    own = TeamConfig(id="b", start_address="Weg 1").with_depot("Rathaus")
    assert own.start_address == "Weg 1" and own.end_address == "Weg 1"
    assert not own.uses_depot


def test_teams_for_profile_uses_profile_defaults_and_depot() -> None:
    profile = load_profile("bad-hersfeld")
    teams = teams_for_profile(profile)
    assert [t.id for t in teams] == [t.id for t in profile.teams]
    assert all(t.start_address == profile.depot.address for t in teams)
    assert all(t.mode == profile.default_mode for t in teams)
    assert teams[0].members == tuple(profile.teams[0].members)


def test_load_teams_csv(tmp_path: Path) -> None:
    path = tmp_path / "teams.csv"
    path.write_text(
        "Team;Mitglieder;Sprachen;Beginn;Ende;Mittag;Mittag Dauer;Start lon;Start lat;Modus;"
        "Max. Besuche\n"
        "A;A. Schmidt, B. Yilmaz;Russisch/Polnisch;8:00;16:00;12-13:30;30;9,7068;50,8683;"
        "zu Fuß;7\n"
        "B;C. Nowak;;08:30;14:30;;;;;Auto;\n",
        encoding="utf-8",
    )
    a, b = load_teams(path)
    assert a.members == ("A. Schmidt", "B. Yilmaz")
    assert a.skills == frozenset({"Russisch", "Polnisch"})
    assert a.start_lonlat == (9.7068, 50.8683) and a.mode == "walk"
    assert a.max_visits_per_day == 7 and a.lunch_window == (720, 810)
    assert (b.shift_start_min, b.shift_end_min) == (510, 870)
    assert b.mode == "drive" and b.max_visits_per_day is None


def test_load_teams_xlsx(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["id", "members", "shift", "mode", "max_visits"])
    ws.append(["x1", "Anna", "8-12", "bike", 4])
    path = tmp_path / "teams.xlsx"
    wb.save(path)
    (team,) = load_teams(path)
    assert (team.id, team.mode, team.max_visits_per_day) == ("x1", "bike", 4)
    assert (team.shift_start_min, team.shift_end_min) == (480, 720)
    # the inherited lunch window 12:00-13:30 does not fit a morning shift: no lunch break
    assert not team.has_lunch


def test_inherited_lunch_is_clipped_to_the_shift(tmp_path: Path) -> None:
    path = tmp_path / "t.toml"
    # (six and a half hours: a shift of six or less inherits no break at all)
    path.write_text('[[team]]\nid = "a"\nschicht = "6:30-13:00"\n', encoding="utf-8")
    (team,) = load_teams(path)
    assert team.lunch_window == (720, 780) and team.lunch_min == 30


@pytest.mark.parametrize(
    ("body", "fragments"),
    [
        ('[[team]]\nid = "a"\nschicht = "16:00-8:00"', ["Team „a“", "schicht", "nach dem Beginn"]),
        ('[[team]]\nid = "a"\nmodus = "Hubschrauber"', ["Team „a“", "modus", "Hubschrauber"]),
        ('[[team]]\nid = "a"\nmax_besuche = 0', ["Team „a“", "max_besuche"]),
        ('[[team]]\nid = "a"\nmax_besuche = "viele"', ["Team „a“", "max_besuche", "viele"]),
        ('[[team]]\nid = "a"\nmittag = "14:00-15:00"\nschicht="8-13"', ["Team „a“", "mittag"]),
        ('[[team]]\nid = "a"\nmittag_dauer = 120', ["Team „a“", "mittag_dauer", "passen nicht"]),
        ('[[team]]\nid = "a"\nstart = [50.87, 9.70]', ["Team „a“", "start", "vertauscht"]),
        ('[[team]]\nid = "a"\nstart = [200, 9.70]', ["Team „a“", "start", "außerhalb"]),
        ('[[team]]\nid = "a"\nfarbe = "rot"', ["Team „a“", "farbe", "unbekannt"]),
        ('[[team]]\nid = "a b/c"', ["id", "Dateinamen"]),
        ('[[team]]\nid = "-EVIL"', ["id", "am Anfang ein Buchstabe oder eine Ziffer"]),
        ('[[team]]\nmitglieder = ["X"]', ["Team Nr. 1", "id", "fehlt"]),
        ('[[team]]\nid = "a"\n[[team]]\nid = "A"', ["doppelt"]),
        ('[[team]]\nid = "a"\ntage = "Mo-Xy"', ["Team „a“", "tage", "Wochentag"]),
        ('[[team]]\nid = "a"\nschicht = "acht bis vier"', ["Team „a“", "schicht", "Uhrzeit"]),
        ("[defaults]\nmodus = 'walk'", ["keine Teams"]),
        # values spelt as the file writes them, not as Python's reprs
        ('[[team]]\nid = "a"\nmax_besuche = true', ["max_besuche", "keine ganze Zahl: true"]),
        ('[[team]]\nid = "a"\nstart = [9.7, 50.8, 1]',
         ["start", "erwartet [Länge, Breite], nicht [9.7, 50.8, 1]"]),
        ('[[team]]\nid = "a"\nstart = [true, 50.8]', ["start", "keine Zahl: true"]),
        ('[[team]]\nid = "a"\nmodus = "x"\n[[team]]\nid = "b"\nschicht = "9"',
         ["Team „a“", "Team „b“"]),
        ('[[team]]\nid = "a"\nstart = [9.7, true, 1]',
         ["start", "erwartet [Länge, Breite], nicht [9.7, true, 1]"]),
        ('[[team]]\nid = "a"\nstart = {lon = 9.7, lat = 50.8, foo = 1}',
         ["start", "unbekannte Schlüssel foo (erlaubt"]),
        ('[[team]]\nid = "a"\nmax_besuche = ["6"]', ['keine ganze Zahl: ["6"]']),
        ('[[team]]\nid = "a"\nmax_besuche = {a = 1}', ["keine ganze Zahl: {a = 1}"]),
        ('[[team]]\nid = "a"\nstart_lon = [9.7]\nstart_lat = 50.8', ["keine Zahl: [9.7]"]),
        ('[[team]]\nid = "a"\nmodus = true', ["modus", "muss ein Text sein", "(nicht true)"]),
        ('[[team]]\nid = "a"\nschicht = true', ["schicht", "muss ein Text sein", "(nicht true)"]),
        ('[[team]]\nid = "a"\nschicht = ["8-16"]', ['schicht', 'kein Zeitraum: ["8-16"]']),
        ('[[team]]\nid = "a"\nschicht_beginn = ["8"]', ['muss ein Text sein', '(nicht ["8"])']),
        ('[[team]]\nid = "a"\nmittag = true', ["mittag", "muss ein Text sein"]),
        ('[[team]]\nid = ["a"]', ["Team Nr. 1", "id", 'muss ein Text sein', '(nicht ["a"])']),
        ('[[team]]\nid = 1', ["Team Nr. 1", "id", "muss ein Text sein", "(nicht 1)"]),
        # non-text values were turned into text without a word
        ('[[team]]\nid = "a"\nstart = {adresse = ["Am Markt 16"]}',
         ["start", "muss ein Text sein", '(nicht ["Am Markt 16"])']),
        ('[[team]]\nid = "a"\nstart = true', ["start", "muss eine Adresse (Text)"]),
        ('[[team]]\nid = "a"\nmitglieder = [1, true]',
         ["mitglieder", "jeder Eintrag muss ein Text sein", "(nicht [1, true])"]),
        ('[[team]]\nid = "a"\nsprachen = 3', ["sprachen", "muss ein Text sein"]),
        ('[[team]]\nid = "a"\nmodus = ["walk"]', ["modus", "muss ein Text sein"]),
        ('[[team]]\nid = "a"\nende = {name = 5}', ["ende", "muss ein Text sein"]),
        ('[[team]]\nid = "a"\n[extra]\nx = 1\n[more]\ny = 2', ["Abschnitte extra, more"]),
    ],
)
def test_invalid_teams_give_german_messages(tmp_path: Path, body: str,
                                            fragments: list[str]) -> None:
    path = tmp_path / "t.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(path)
    assert isinstance(err.value, UserError)
    msg = str(err.value)
    assert "t.toml" in msg
    for fragment in fragments:
        assert fragment in msg
    assert "True" not in msg and "'" not in msg.replace("t.toml", ""), msg


@pytest.mark.parametrize("body", [
    '[[team]]\nid = "a"\nstart = "C:\\test"\n',
    '[defaults]\nstart = {adresse = "C:\\test"}\n[[team]]\nid = "a"\n',
])
def test_a_text_with_valid_escapes_is_refused(tmp_path: Path, body: str) -> None:
    # "C:\test" (a tab: a valid TOML escape) became the start address "C: est"
    path = tmp_path / "t.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(path)
    msg = str(err.value)
    assert "Feld „start“ enthält ein Steuerzeichen – ein „\\“ in einem Text" in msg, msg
    assert "C:/test" in msg and "\t" not in msg


def test_csv_errors_name_the_row(tmp_path: Path) -> None:
    path = tmp_path / "teams.csv"
    path.write_text("id;schicht;modus\nA;8-16;walk\n;8-16;walk\nC;8-16;Rakete\n",
                    encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(path)
    msg = str(err.value)
    assert "Zeile 3" in msg and "id" in msg and "fehlt" in msg
    assert "Team „C“" in msg and "Rakete" in msg


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TeamError, match="nicht gefunden"):
        load_teams(tmp_path / "fehlt.toml")
    bad = tmp_path / "kaputt.toml"
    bad.write_text("[[team]\nid=", encoding="utf-8")
    with pytest.raises(TeamError, match="kein gültiges TOML"):
        load_teams(bad)


def test_direct_construction_validates() -> None:
    with pytest.raises(TeamError, match="Team „z“: Feld „schicht“"):
        TeamConfig(id="z", shift_start_min=600, shift_end_min=500)


def test_a_teams_file_not_saved_as_utf8_names_the_line(tmp_path: Path) -> None:
    # the codec's English text ("'utf-8' codec can't decode byte 0xfc …") came through
    p = tmp_path / "teams.toml"
    p.write_bytes('[[team]]\nid = "nord"\nmitglieder = ["A. Müller"]\n'.encode("cp1252"))
    with pytest.raises(TeamError) as err:
        load_teams(p)
    assert str(err.value) == (
        "Teams-Datei teams.toml ist nicht als UTF-8 gespeichert (Zeile 3): bitte als UTF-8 "
        "speichern (im Editor „Speichern unter“, Codierung UTF-8).")


@pytest.mark.parametrize(("text", "expected"), [
    ('[[team]]\nid = "nord"\nstart = Am Markt 16\n',
     'Zeile 3, Spalte 9: „start“: Texte stehen in Anführungszeichen, z. B. start = '
     '"Am Markt 16".'),
    # „Texte stehen in geraden Anführungszeichen“ was said for an empty value
    ('[[team]]\nid = "nord"\nstart =\n', "Zeile 3, Spalte 8: „start“: Wert fehlt nach „=“."),
    ('[[team]]\nid = "nord"\nstart =',  # no line break at the end
     "Am Ende der Datei: „start“: Wert fehlt nach „=“."),
])
def test_a_teams_file_names_the_key_of_a_toml_mistake(tmp_path: Path, text: str,
                                                       expected: str) -> None:
    p = tmp_path / "teams.toml"
    p.write_text(text, encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(p)
    assert str(err.value) == f"Teams-Datei teams.toml ist kein gültiges TOML. {expected}"


@pytest.mark.parametrize("value", ['["Mo", 3]', '[["Mo"]]', "{a = 1}", "5"])
def test_a_weekday_that_is_no_text_is_not_quoted_as_python_writes_it(tmp_path: Path,
                                                                       value: str) -> None:
    # „{'a':“ ist kein Wochentag; „['Mo']“ ist kein Wochentag
    p = tmp_path / "teams.toml"
    p.write_text(f'[[team]]\nid = "nord"\ntage = {value}\n', encoding="utf-8")
    with pytest.raises(TeamError) as err:
        load_teams(p)
    msg = str(err.value)
    assert "Team „nord“: Feld „tage“: " in msg and "muss ein Text sein" in msg, msg
    assert "kein Wochentag" not in msg and "'" not in msg, msg
