"""City profiles: shipped ones load, bad ones get German messages naming the field."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from hausbesuch.config import available_profiles, load_profile, resolve_osm
from hausbesuch.errors import ProfileError


def _refused(tmp_path: Path, body: str, name: str = "bad.toml") -> str:
    """The message with which a profile file of ``body`` named ``name`` is refused."""
    p = tmp_path / name
    p.write_text(body, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(p)
    return str(info.value)


def test_shipped_profiles():
    assert {"kassel", "bad-hersfeld", "lauf"} <= set(available_profiles())
    kassel = load_profile("kassel")
    assert kassel.osm.place == "Kassel, Germany"
    assert kassel.depot.address == "Lewinskistraße 4, 34127 Kassel"
    assert kassel.districts.admin_level == 10
    assert len(kassel.districts.names) == 23
    assert load_profile(None).slug == "kassel"  # the default city


def test_sample_towns_resolve_to_shared_extracts(bad_hersfeld_pbf, lauf_pbf):
    assert resolve_osm(load_profile("bad-hersfeld")).resolve() == bad_hersfeld_pbf.resolve()
    assert resolve_osm(load_profile("lauf")).resolve() == lauf_pbf.resolve()


def test_osm_override_wins(lauf_pbf):
    assert resolve_osm(load_profile("bad-hersfeld"), lauf_pbf) == lauf_pbf


def test_profile_by_path(tmp_path: Path, lauf_pbf):
    p = tmp_path / "meine-stadt.toml"
    p.write_text(
        f'name = "Meine Stadt"\n[osm]\nfile = "{lauf_pbf}"\n'
        '[[depots]]\nname = "JC"\naddress = "Marktplatz 1, 91207 Lauf"\n'
        '[casework]\nland = "BY"\n',
        encoding="utf-8",
    )
    prof = load_profile(p)
    assert prof.slug == "meine-stadt" and prof.workday.start == "08:00"
    assert resolve_osm(prof) == lauf_pbf


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "X"\n[osm]\nfile = "a.pbf"\n', "Feld „depots“ fehlt"),
        ('name = "X"\n[osm]\n[[depots]]\nname="a"\naddress="b"\n', "weder 'file' noch 'place'"),
        ('name = "X"\ndefault_mode = "fly"\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\n',
         "Feld „default_mode“ muss einer dieser Werte sein"),
        ('name = "X"\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\n[workday]\nstart = "8 Uhr"\n',
         "Feld „workday.start“"),
        ('name = "X"\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\n[workday]\nstart="17:00"\n',
         "Ende des Arbeitstags"),
        ('name = "X"\ncolour = 1\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\n',
         "Feld „colour“ ist kein bekanntes Feld"),
        ('name = "X"\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\nlat = 123\n',
         r"Feld „depots\[0\]\.lat“ muss höchstens 90"),
        ("name = \n", "kein gültiges TOML"),
    ],
)
def test_invalid_profiles(tmp_path: Path, body: str, message: str):
    msg = _refused(tmp_path, body)
    assert re.search(message, msg) and "bad.toml" in msg, msg


def test_unknown_profile_name():
    with pytest.raises(ProfileError, match="Unbekanntes Stadtprofil „atlantis“.*kassel"):
        load_profile("atlantis")


def test_missing_profile_file(tmp_path):
    with pytest.raises(ProfileError, match="nicht gefunden"):
        load_profile(tmp_path / "nope.toml")


def test_missing_local_extract_without_place(tmp_path):
    p = tmp_path / "x.toml"
    p.write_text('name = "X"\n[osm]\nfile = "gibt-es-nicht.osm.pbf"\n'
                 '[[depots]]\nname="a"\naddress="b"\n[casework]\nland = "HE"\n',
                 encoding="utf-8")
    with pytest.raises(ProfileError, match="gibt-es-nicht.osm.pbf.*--osm"):
        resolve_osm(load_profile(p))


@pytest.mark.parametrize(("key", "value"), [("slug", "x/../hausbesuch"), ("slug", "bad-hersfeld"),
                                            ("origin", "/etc")])
def test_slug_and_origin_come_from_the_path_only(tmp_path, key, value):
    p = tmp_path / "meine-stadt.toml"
    p.write_text(f'name = "X"\n{key} = "{value}"\n[osm]\nplace = "X"\n'
                 '[[depots]]\nname="a"\naddress="b"\n', encoding="utf-8")
    with pytest.raises(ProfileError, match=f"meine-stadt.toml: Feld „{key}“ ist kein bekanntes Feld"):
        load_profile(p)


_WORKDAY = ('name = "X"\n[casework]\nland = "HE"\n[osm]\nplace = "X"\n[[depots]]\nname="a"\n'
            'address="b"\n[workday]\n')


@pytest.mark.parametrize(
    ("body", "messages"),
    [
        ('lunch_start = "17:00"\nlunch_end = "18:00"\nlunch_minutes = 120\n',
         ["Feld „workday.lunch_start“: das Mittagspausen-Fenster 17:00–18:00 liegt nicht im "
          "Arbeitstag 08:00–16:00",
          "Feld „workday.lunch_minutes“: 120 Minuten Pause passen nicht in das Fenster "
          "17:00–18:00 (60 Minuten)"]),
        ('lunch_start = "12:00"\nlunch_end = "12:30"\nlunch_minutes = 45\n',
         ["Feld „workday.lunch_minutes“: 45 Minuten"]),
        ('end = "13:00"\n', ["Feld „workday.lunch_end“: das Mittagspausen-Fenster 12:00–13:30 "
                             "endet nach dem Arbeitstag 08:00–13:00"]),
        ('start = "06:00"\nend = "11:00"\n', ["Feld „workday.lunch_start“"]),
        ('weekdays = []\n', ["Feld „workday.weekdays“ darf nicht leer sein"]),
        ('lunch_start = "12:00"\nlunch_end = "11:00"\n', ["Feld „workday.lunch_end“"]),
        ('start = "08:00"\nend = "09:00"\nlunch_minutes = 0\nvisit_minutes = 90\n',
         ["Feld „workday.visit_minutes“: ein Besuch von 90 Minuten"]),
    ],
)
def test_workday_mistakes_are_named(tmp_path, body, messages):
    msg = _refused(tmp_path, _WORKDAY + body)
    for m in messages:
        assert m in msg


def test_workday_without_lunch_needs_no_window_inside(tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text(_WORKDAY + 'start = "06:00"\nend = "11:00"\nlunch_minutes = 0\n', encoding="utf-8")
    assert load_profile(p).workday.lunch_minutes == 0


#: a profile's required keys but ``[casework] land`` (and the depot)
_NO_LAND = 'name = "X"\n[osm]\nplace = "X"\n'
_BASE = 'name = "X"\n[casework]\nland = "HE"\n[osm]\nplace = "X"\n'
_DEPOT = '[[depots]]\nname = "a"\naddress = "b"\n'


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_BASE + _DEPOT + "[workday]\nvisit_minutes = 45.5\n",
         "Feld „workday.visit_minutes“ muss eine ganze Zahl sein (Wert: 45.5)"),
        (_BASE + 'default_mode = "car"\n' + _DEPOT, 'ist kein bekanntes Feld (Wert: "car") – nach '
         "der Überschrift [osm] gehört in TOML jede Zeile zu dieser Tabelle, „default_mode“ also "
         "vor die erste Tabelle"),
        ('name = "X"\ndefault_mode = "car"\n[osm]\nplace = "X"\n' + _DEPOT,
         "Feld „default_mode“ muss einer dieser Werte sein: \"walk\", \"bike\" oder \"drive\" "
         '(Wert: "car")'),
        (_BASE + _DEPOT + "[workday]\nstart = 2026-12-07\n",
         "Feld „workday.start“ muss Text in Anführungszeichen sein, z. B. \"08:00\" (Wert: 2026-12-07)"),
        (_BASE + _DEPOT + "[workday]\nstart = 08:00:30\n",
         "Feld „workday.start“ muss eine Uhrzeit ohne Sekunden sein, z. B. \"08:00\""),
        ('name = "   "\n[osm]\nplace = "X"\n' + _DEPOT, "Feld „name“ darf nicht leer sein"),
        (_BASE + '[[depots]]\nname = "a"\naddress = ""\n', "Feld „depots[0].address“ darf nicht leer"),
        (_BASE + '[[depots]]\nname = " "\naddress = "b"\n', "Feld „depots[0].name“ darf nicht leer"),
        ('name = "X"\nosm = 5\n' + _DEPOT, "Feld „osm“ muss eine Tabelle sein (Wert: 5)"),
        # values in TOML's spelling, not Python's (True, 'BY', ['Mo', 3], {'a': 1})
        (_BASE + _DEPOT + "[map]\ngoogle_maps_links = \"ja\"\n",
         "Feld „map.google_maps_links“ muss true oder false sein (Wert: \"ja\")"),
        (_BASE + _DEPOT + "[workday]\nstart = true\n",
         "Feld „workday.start“ muss ein Text sein (Wert: true)"),
        (_BASE + _DEPOT + '[workday]\nstart = "8 Uhr"\n',
         "Feld „workday.start“: keine Uhrzeit im Format HH:MM (Wert: \"8 Uhr\")"),
        (_NO_LAND + _DEPOT + "[casework]\nland = [\"BY\"]\n",
         "Feld „casework.land“ muss ein Text sein (Wert: [\"BY\"])"),
        (_BASE + _DEPOT + "x = [{a = 1, \"b c\" = \"d\"}]\n",
         "Feld „depots[0].x“ ist kein bekanntes Feld (Wert: [{a = 1, \"b c\" = \"d\"}])"),
        (_BASE + _DEPOT + '[workday]\nweekdays = ["Mo", 3]\n',
         "Feld „workday.weekdays“: jeder Wochentag muss ein Text sein, z. B. [\"Mo\", \"Di\"] "
         "(Wert: [\"Mo\", 3])"),
        (_BASE + _DEPOT + '[workday]\nweekdays = [["Mo"]]\n',
         "Feld „workday.weekdays“: jeder Wochentag muss ein Text sein, z. B. [\"Mo\", \"Di\"] "
         "(Wert: [[\"Mo\"]])"),
        (_BASE + _DEPOT + "[workday]\nweekdays = {a = 1}\n",
         "Feld „workday.weekdays“ muss ein Text sein, z. B. \"Mo-Fr\", oder eine Liste von "
         "Texten, z. B. [\"Mo\", \"Di\"]"),
        (_BASE + _DEPOT + "[workday]\nweekdays = true\n",
         "Feld „workday.weekdays“ muss ein Text sein, z. B. \"Mo-Fr\", oder eine Liste von "
         "Texten, z. B. [\"Mo\", \"Di\"] (Wert: true)"),
        (_BASE + _DEPOT + "[erreichbarkeit]\nprior_rate = 1\n",
         "Feld „erreichbarkeit.prior_rate“ muss kleiner als 1 sein"),
        # QA 42a F4: German decimals, a misspelt section or key named with the known one,
        # a validator's own sentence after a colon
        (_BASE + _DEPOT + "[erreichbarkeit]\nweekday_weight = 1.5\n",
         "Feld „erreichbarkeit.weekday_weight“ muss höchstens 1 sein (Wert: 1.5)"),
        (_BASE + _DEPOT + "[erreichbarkait]\nmode = \"aus\"\n",
         "Feld „erreichbarkait“ ist kein bekanntes Feld – gemeint „erreichbarkeit“?"),
        (_BASE + _DEPOT + "[erreichbarkeit]\nwekday_weight = 0.5\n",
         "Feld „erreichbarkeit.wekday_weight“ ist kein bekanntes Feld (Wert: 0.5) – gemeint "
         "„weekday_weight“?"),
        (_BASE + _DEPOT + "[erreichbarkeit]\nbands = [\"08:00-10:30\", \"10:00-12:00\"]\n",
         "Feld „erreichbarkeit.bands“: die Zeitbänder müssen aufsteigend sein"),
        (_NO_LAND + _DEPOT + "[casework]\nland = \"HE\"\nstatus_after = 5\n",
         "Feld „casework.status_after“ muss eine Tabelle sein"),
    ],
)
def test_profile_messages_are_german(tmp_path, body, message):
    msg = _refused(tmp_path, body)
    assert message in msg
    assert not any(w in msg for w in ("Input should", " or ", "datetime.", "True",
                                                  "(Wert: '", "['", "{'", "'walk'"))


def test_toml_times_are_read_as_clock_times(tmp_path):
    p = tmp_path / "ok.toml"
    p.write_text(_NO_LAND + '[[depots]]\nname = " Rathaus "\naddress = "Markt 1"\n'
                 "[workday]\nstart = 07:30:00\nend = 15:30:00\n[casework]\nland = \"HE\"\n"
                 "noon = 12:00:00\n",
                 encoding="utf-8")
    prof = load_profile(p)
    assert (prof.workday.start, prof.workday.end, prof.casework.noon) == ("07:30", "15:30", "12:00")
    assert prof.depot.name == "Rathaus"


#: An ASCII-quoted name in a message (``'brief.text'``, ``'lon'``, ``':'``).
_ASCII_QUOTED = re.compile(r"'[^'\s]{1,40}'")


@pytest.mark.parametrize(
    ("body", "names"),
    [
        ('name = "X"\n[osm]\nfile = "a.pbf"\n', ["„depots“ fehlt", "„casework.land“ fehlt"]),
        ('slug = "x"\n' + _BASE + _DEPOT, ["Feld „slug“ ist kein bekanntes Feld"]),
        (_BASE + _DEPOT + "[brief]\ntext = 'Hallo {name!r}'\n",
         ["Feld „brief.text“", "(nach „:“ oder „!“)"]),
        (_BASE + _DEPOT + "lat = 9.7\nlon = 50.9\n", ["Feld „depots[0].lat“/„lon“: "]),
        (_BASE + _DEPOT + '[workday]\nstart = "16:00"\nend = "08:00"\n',
         ["Feld „workday.end“: "]),
        (_BASE + "default_mode = \"walk\"\n" + _DEPOT,
         ["Feld „osm.default_mode“", "„default_mode“ also vor die erste Tabelle"]),
        (_BASE + _DEPOT + '[[teams]]\nid = "T1"\nmitglieder = ["A"]\nmembers = ["B"]\n',
         ["Feld „teams[0].mitglieder“", "„members“ und „mitglieder“ meinen dasselbe"]),
    ],
)
def test_a_profile_error_quotes_its_fields_in_german(tmp_path, body, names):
    # German user text quotes with „…“ (as the teams file's messages do); the profile's
    # messages wrote Feld 'brief.text', 'lat'/'lon', 'members' und 'mitglieder'
    msg = _refused(tmp_path, body)
    for name in names:
        assert name in msg, (name, msg)
    assert _ASCII_QUOTED.findall(msg) == [], msg


@pytest.mark.parametrize(
    ("key", "text", "shown", "bare"),
    [
        ("anrede", "Guten Tag {name:x},", "{name:x}", "{name}"),
        ("text", "Am {datum:%d.%m.} kommen wir.", "{datum:%d.%m.}", "{datum}"),
        ("betreff", "Besuch bei {name!r}", "{name!r}", "{name}"),
        ("korrektur_text", "Hallo {name:>300}", "{name:>300}", "{name}"),
        ("absage_text", "Hallo {name:>300}", "{name:>300}", "{name}"),
        ("absage_betreff", "Absage {datum:%d}", "{datum:%d}", "{datum}"),
        ("folge_text", "Neu am {datum:%d}", "{datum:%d}", "{datum}"),
        ("text", "Am {datum!s:{von}} kommen wir.", "{datum!s:{von}}", "{datum}"),
    ],
)
def test_letter_placeholders_with_a_format_spec_are_refused(tmp_path, key, text, shown, bare):
    # a format spec or conversion passed the check and crashed `letters` with a traceback
    msg = _refused(tmp_path, _BASE + _DEPOT + f"[brief]\ntelefon = \"06621 1\"\n{key} = '{text}'\n")
    assert f"Feld „brief.{key}“" in msg
    assert f"Platzhalter {shown}: Formatangaben" in msg and f"bitte nur {bare} schreiben" in msg


@pytest.mark.parametrize("key", ["betreff", "anrede", "text"])
def test_the_first_letters_texts_refuse_the_date_of_an_earlier_letter(tmp_path, key):
    """``{angekuendigt_am}`` has a value only in a correction or cancellation letter: in
    the first announcement's texts (and the salutation all letters share) it printed empty
    („angekündigt am , S-05“, QA 27 F4); it is refused, naming the field and the keys where
    it belongs."""
    msg = _refused(tmp_path, _BASE + _DEPOT + "[brief]\ntelefon = \"06621 1\"\n"
                   f"{key} = 'angekündigt am {{angekuendigt_am}}, {{kundennummer}}'\n")
    assert f"Feld „brief.{key}“" in msg
    assert ("Platzhalter {angekuendigt_am} (Datum des ersten Briefs) hat im Ankündigungsbrief "
            "keinen Wert") in msg
    assert ("korrektur_betreff, korrektur_text, absage_betreff, absage_text, folge_betreff "
            "und folge_text") in msg
    allowed = msg.split("Erlaubt hier:")[1].split("(Wert:")[0]
    assert "{kundennummer}" in allowed and "{angekuendigt_am}" not in allowed


@pytest.mark.parametrize("key", ["korrektur_betreff", "korrektur_text", "absage_betreff",
                                 "absage_text", "folge_betreff", "folge_text"])
def test_correction_texts_keep_the_date_of_the_first_letter(tmp_path, key):
    p = tmp_path / "ok.toml"
    p.write_text(_BASE + _DEPOT + "[brief]\ntelefon = \"06621 1\"\n"
                 f"{key} = 'Schreiben vom {{angekuendigt_am}}'\n", encoding="utf-8")
    assert getattr(load_profile(p).brief, key) == "Schreiben vom {angekuendigt_am}"


def test_an_unknown_placeholder_is_named_before_its_format_spec(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text(_BASE + _DEPOT + "[brief]\nanrede = 'Guten Tag {nam!r},'\n", encoding="utf-8")
    with pytest.raises(ProfileError, match=r"unbekannte Platzhalter \{nam\}"):
        load_profile(p)


_LETTER = _NO_LAND + _DEPOT + "[brief]\n"


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_LETTER + "telefon = 09123 18-4711\n",
         'Zeile 8, Spalte 12: „telefon“: Texte stehen in Anführungszeichen, '
         'z. B. telefon = "09123 18-4711".'),
        (_LETTER + "telefon = 0912318471\n", 'z. B. telefon = "0912318471"'),
        (_LETTER + "ansprechpartner = „Frau Kraus“\n",
         'Zeile 8, Spalte 19: „ansprechpartner“: Texte stehen in geraden Anführungszeichen, '
         'z. B. ansprechpartner = "Frau Kraus" (nicht „…“ wie in der Textverarbeitung).'),
        (_LETTER + 'telefonzeiten = "Mo–Do 8–15 Uhr\nemail = "a@b.de"\n',
         "Zeile 8, Spalte 32: ein Anführungszeichen wird in dieser Zeile nicht geschlossen."),
        (_NO_LAND + _DEPOT + "[workday]\nvisit_minutes = 40\nvisit_minutes = 45\n",
         "Zeile 9, Spalte 19: der Name „visit_minutes“ kommt doppelt vor."),
        (_NO_LAND + _DEPOT + "[workday]\nstart = \"07:30\"\n[workday]\nend = \"15:30\"\n",
         "Zeile 9, Spalte 9: die Überschrift [workday] kommt doppelt vor."),
        (_NO_LAND + "[[depots]\nname = \"a\"\n",
         "Zeile 4, Spalte 9: „]]“ fehlt am Ende einer Überschrift wie [[depots]]."),
        # an empty value got the hint on typographic quotation marks („“ ends with "")
        (_NO_LAND + _DEPOT + "[workday]\nvisit_minutes =\n",
         "Zeile 8, Spalte 16: „visit_minutes“: Wert fehlt nach „=“."),
        (_NO_LAND + _DEPOT + "[workday]\nvisit_minutes = # Minuten\n",
         "Zeile 8, Spalte 17: „visit_minutes“: Wert fehlt nach „=“."),
        # a Windows path got only „Schreibfehler“
        (_NO_LAND + 'file = "C:\\Daten\\osm\\bh.osm.pbf"\n' + _DEPOT,
         "Zeile 4, Spalte 13: „file“: ein „\\“ in einem Text: Pfade mit „/“ schreiben "
         "(file = \"C:/Daten/osm/bh.osm.pbf\") oder in einfachen Anführungszeichen "
         "(file = 'C:\\Daten\\osm\\bh.osm.pbf')."),
        (_LETTER + 'logo = "C:\\Users\\kraus\\logo.png"\n',
         "Zeile 8, Spalte 13: „logo“: ein „\\“ in einem Text: Pfade mit „/“ schreiben "
         "(logo = \"C:/Users/kraus/logo.png\")"),
        (_LETTER + 'telefon = "06621\\x"\n',
         "Zeile 8, Spalte 19: „telefon“: ein „\\“ in einem Text: Pfade mit „/“ schreiben oder "
         "in einfachen Anführungszeichen ('C:\\Daten\\…')."),
        # a LINE SEPARATOR (U+2028) pasted into a text is no line break in TOML: the key of
        # the parser's line was lost (str.splitlines counted one line more)
        (_LETTER + 'abteilung = "Aufsuchende\u2028Beratung"\ntelefon = 09123 18-4711\n',
         'Zeile 9, Spalte 12: „telefon“: Texte stehen in Anführungszeichen, '
         'z. B. telefon = "09123 18-4711".'),
        ((_LETTER + 'telefon = 09123 18-4711\n').replace("\n", "\r\n"),
         'Zeile 8, Spalte 12: „telefon“: Texte stehen in Anführungszeichen, '
         'z. B. telefon = "09123 18-4711".'),
    ],
)
def test_toml_mistakes_in_a_profile_are_german(tmp_path, body, message):
    # the parser's English text ("Expected newline or end of document …") came through
    msg = _refused(tmp_path, body, "lauf-jc.toml")
    assert msg.startswith("Profil lauf-jc.toml ist kein gültiges TOML. Zeile "), msg
    assert message in msg
    assert not any(w in msg for w in ("Expected", "Invalid", "Cannot", "Illegal", "(at line"))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        # backslashes that are valid TOML escapes (\t, \b, \n) loaded as a tab, a backspace
        # and a line break in the path, and the file was then "not found"
        (_BASE + 'file = "C:\\test\\bh.pbf"\n' + _DEPOT,
         "Feld „osm.file“ enthält ein Steuerzeichen – ein „\\“ in einem Text: Pfade mit „/“ "
         "schreiben (file = \"C:/test/bh.pbf\") oder in einfachen Anführungszeichen "
         "(file = 'C:\\test\\bh.pbf')"),
        (_BASE + 'file = "D:\\neu\\bh.pbf"\n' + _DEPOT,
         "Feld „osm.file“ enthält ein Steuerzeichen – ein „\\“ in einem Text: Pfade mit „/“ "
         "schreiben (file = \"D:/neu/bh.pbf\")"),
        (_BASE + 'file = "osm\\bh.pbf"\n' + _DEPOT,
         "Feld „osm.file“ enthält ein Steuerzeichen – ein „\\“ in einem Text: Pfade mit „/“ "
         "schreiben oder in einfachen Anführungszeichen ('C:\\Daten\\…')"),
        (_BASE + _DEPOT + '[districts]\nfile = "D:\\neu\\bezirke.geojson"\n',
         "Feld „districts.file“ enthält ein Steuerzeichen – ein „\\“ in einem Text: Pfade mit "
         "„/“ schreiben (file = \"D:/neu/bezirke.geojson\")"),
        (_LETTER + 'logo = "C:\\temp\\bild.png"\n',
         "Feld „brief.logo“ enthält ein Steuerzeichen – ein „\\“ in einem Text: Pfade mit „/“ "
         "schreiben (logo = \"C:/temp/bild.png\")"),
    ],
)
def test_a_windows_path_with_valid_escapes_is_refused(tmp_path, body, message):
    msg = _refused(tmp_path, body, "pfad.toml")
    assert message in msg, msg
    assert "\t" not in msg and "\b" not in msg and "\n" not in msg and "\x08" not in msg


def test_a_path_written_with_slashes_or_single_quotes_loads(tmp_path):
    p = tmp_path / "pfad.toml"
    p.write_text(_BASE + "file = 'C:\\test\\bh.pbf'\n" + _DEPOT
                 + '[brief]\nlogo = "C:/bilder/logo.png"\n', encoding="utf-8")
    profile = load_profile(p)
    assert profile.osm.file == "C:\\test\\bh.pbf"
    assert profile.brief.logo == "C:/bilder/logo.png"


def test_a_profile_with_a_utf8_byte_order_mark_is_read(tmp_path):
    # Windows editors save "UTF-8 mit BOM"; teams files were read, profiles refused
    p = tmp_path / "bom.toml"
    p.write_bytes(b"\xef\xbb\xbf" + (_BASE + _DEPOT).encode("utf-8"))
    assert load_profile(p).name == "X"


def test_a_profile_not_saved_as_utf8_names_the_line(tmp_path):
    p = tmp_path / "cp1252.toml"
    p.write_bytes((_NO_LAND + '[[depots]]\nname = "Jobcenter"\naddress = "Nürnberger Straße 37"\n')
                  .encode("cp1252"))
    with pytest.raises(ProfileError) as info:
        load_profile(p)
    assert str(info.value) == (
        "Profil cp1252.toml ist nicht als UTF-8 gespeichert (Zeile 6): bitte als UTF-8 "
        "speichern (im Editor „Speichern unter“, Codierung UTF-8).")


def test_swapped_depot_coordinates_are_named_in_the_profile(tmp_path):
    # they were blamed on every team's „start“/„ende“ at planning time, in the teams file
    assert _refused(tmp_path, _BASE + _DEPOT + "lat = 11.27\nlon = 49.51\n", "lauf-jc.toml") == (
        "Ungültiges Profil lauf-jc.toml: Feld „depots[0].lat“/„lon“: lat = 11.27, lon = 49.51 "
        "sehen vertauscht aus: in Deutschland ist lat (Breite) etwa 47 bis 55, lon (Länge) "
        "etwa 6 bis 15")
    p = tmp_path / "lauf-jc.toml"
    p.write_text(_BASE + _DEPOT + "lat = 49.51\nlon = 11.27\n", encoding="utf-8")
    assert (load_profile(p).depot.lat, load_profile(p).depot.lon) == (49.51, 11.27)


@pytest.mark.parametrize(
    ("section", "body", "attr", "expected"),
    [
        # what a teams file (schicht = "8-14", tage = ["Montag"]) and a client's
        # Zeitfenster ("Di 9-11") accept, the profile accepts as well
        ("erreichbarkeit", 'bands = ["8-10", "10-12", "13 bis 15 Uhr"]',
         lambda p: p.erreichbarkeit.band_minutes(), [(480, 600), (600, 720), (780, 900)]),
        ("workday", 'weekdays = ["Montag", "Dienstag", "donnerstag"]',
         lambda p: p.workday.weekdays, ["Mo", "Di", "Do"]),
        ("workday", 'weekdays = "Mo-Do"', lambda p: p.workday.weekdays, ["Mo", "Di", "Mi", "Do"]),
        ("casework", 'land = "Bayern"', lambda p: p.casework.land, "BY"),
        ("casework", 'land = "Nordrhein-Westfalen"', lambda p: p.casework.land, "NW"),
        ("casework", 'land = "Baden-Wuerttemberg"', lambda p: p.casework.land, "BW"),
        ("casework", 'land = "de-by"', lambda p: p.casework.land, "BY"),
    ],
)
def test_profile_reads_what_a_teams_file_reads(tmp_path, section, body, attr, expected):
    p = tmp_path / "ok.toml"
    base = _NO_LAND if section == "casework" else _BASE
    p.write_text(base + _DEPOT + f"[{section}]\n{body}\n", encoding="utf-8")
    assert attr(load_profile(p)) == expected


@pytest.mark.parametrize(
    ("section", "body", "message"),
    [
        ("casework", 'land = "Bavaria"',
         "Feld „casework.land“: unbekanntes Bundesland „Bavaria“ (erwartet das Kürzel, z. B. HE, "
         "BY, NW, oder den Namen, z. B. Hessen, Bayern)"),
        ("workday", 'weekdays = ["Montag", "Feiertag"]',
         "Feld „workday.weekdays“: „Feiertag“ ist kein Wochentag"),
        ("erreichbarkeit", 'bands = ["8-10", "10"]',
         "Feld „erreichbarkeit.bands“: kein Zeitraum: „10“"),
        ("erreichbarkeit", 'bands = ["10-8"]',
         "Feld „erreichbarkeit.bands“: das Zeitband „10-8“ endet nicht nach seinem Beginn"),
    ],
)
def test_profile_spelling_mistakes_quote_the_value_as_typed(tmp_path, section, body, message):
    base = _NO_LAND if section == "casework" else _BASE
    msg = _refused(tmp_path, base + _DEPOT + f"[{section}]\n{body}\n")
    assert message in msg


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "X"\ngoogle_maps_links = true\n[osm]\nplace = "X"\n' + _DEPOT,
         "Feld „google_maps_links“ ist kein bekanntes Feld (Wert: true) – gehört unter [map]"),
        (_BASE + _DEPOT + '[brief]\ntelefon = "09123 1"\nland = "BY"\n',
         "Feld „brief.land“ ist kein bekanntes Feld (Wert: \"BY\") – gehört unter [casework]"),
        (_BASE + _DEPOT + '[workday]\nbands = ["8-10"]\n',
         "Feld „workday.bands“ ist kein bekanntes Feld (Wert: [\"8-10\"]) – gehört unter "
         "[erreichbarkeit]"),
        ('name = "X"\nfile = "a.pbf"\n[osm]\nplace = "X"\n' + _DEPOT,
         "Feld „file“ ist kein bekanntes Feld (Wert: \"a.pbf\") – gehört unter [osm] oder "
         "[districts]"),
        (_BASE + _DEPOT + "visit_minutes = 40\n",
         "Feld „depots[0].visit_minutes“ ist kein bekanntes Feld (Wert: 40) – gehört unter "
         "[workday]"),
        # [districts] source clashed with the profile's own file path (a derived field):
        # „Kurzname und Ordner … ergeben sich aus dem Dateipfad“, or no hint at all
        ('name = "X"\nsource = "file"\n[osm]\nplace = "X"\n' + _DEPOT,
         "Feld „source“ ist kein bekanntes Feld (Wert: \"file\") – gehört unter [districts]"),
        (_BASE + _DEPOT + '[workday]\nsource = "file"\n',
         "Feld „workday.source“ ist kein bekanntes Feld (Wert: \"file\") – gehört unter "
         "[districts]"),
    ],
)
def test_a_key_of_another_section_says_where_it_belongs(tmp_path, body, message):
    msg = _refused(tmp_path, body)
    assert message in msg


def test_the_profile_file_is_kept_apart_from_the_profile_keys(tmp_path):
    from hausbesuch.config import PROFILE_DIR, profile_ref

    p = tmp_path / "meine-stadt.toml"
    p.write_text(_BASE + _DEPOT + '[districts]\nsource = "auto"\n', encoding="utf-8")
    profile = load_profile(p)
    assert profile.profile_file == str(p.resolve()) and profile.districts.source == "auto"
    assert "source" not in type(profile).model_fields
    # the copies the letters and tests make keep it (a plan names the profile by it)
    copy = profile.model_copy(update={"name": "Y"})
    assert copy.profile_file == str(p.resolve()) and profile_ref(copy) == str(p.resolve())
    assert profile_ref(load_profile(PROFILE_DIR / "kassel.toml")) == "kassel"
    for key in ("profile_file", "_profile_file"):
        p.write_text(f'name = "X"\n{key} = "/etc/x.toml"\n[osm]\nplace = "X"\n' + _DEPOT,
                     encoding="utf-8")
        with pytest.raises(ProfileError, match=f"Feld „{key}“ ist kein bekanntes Feld"):
            load_profile(p)


_LAND_MISSING = (
    "Feld „casework.land“ fehlt: das Bundesland für die Feiertage, z. B. [casework] "
    'land = "BY" oder land = "Bayern" (erlaubt: das Kürzel BW, BY, BE, BB, HB, HH, HE, MV, '
    "NI, NW, RP, SL, SN, ST, SH, TH oder der Name des Landes)")


@pytest.mark.parametrize("casework", ["", "[casework]\nmax_failed_tries = 4\n"])
def test_a_profile_without_land_is_refused(tmp_path, casework):
    # QA 18b #4: a Bavarian profile written without [casework] land planned on Hessen's
    # holidays (06.01. Heilige Drei Könige), with only a note to show for it
    assert _refused(tmp_path, _NO_LAND + _DEPOT + casework, "lauf-jc.toml") == (
        f"Ungültiges Profil lauf-jc.toml: {_LAND_MISSING}")
    p = tmp_path / "lauf-jc.toml"
    p.write_text(_NO_LAND + _DEPOT + '[casework]\nland = "Bayern"\n', encoding="utf-8")
    assert load_profile(p).casework.land == "BY"
    assert all(load_profile(slug).casework.land for slug in available_profiles())


def test_plan_and_teams_refuse_a_profile_without_land(tmp_path):
    from tests.cli_helpers import run

    shipped = (Path(__file__).parents[1] / "hausbesuch/profiles/bad-hersfeld.toml").read_text(
        encoding="utf-8")
    assert '\nland = "HE"\n' in shipped
    p = tmp_path / "hersfeld-eigen.toml"
    p.write_text(shipped.replace('\nland = "HE"\n', "\n"), encoding="utf-8")
    (tmp_path / "kunden.csv").write_text("Kundennummer;Name;Straße;PLZ;Ort\n"
                                         "B1;N;Am Markt 1;36251;Bad Hersfeld\n",
                                         encoding="utf-8")
    common = ["--city", str(p), "--db", str(tmp_path / "f.sqlite")]
    for args in (["teams"], ["plan", str(tmp_path / "kunden.csv"), "--start", "2026-12-14",
                             "--out", str(tmp_path / "plan")]):
        res = run(*args, *common)
        assert res.exit_code == 2, res.output
        assert "Ungültiges Profil hersfeld-eigen.toml: Feld „casework.land“ fehlt" in res.output
        assert not (tmp_path / "plan").exists()


def test_the_template_profile_loads_with_the_teams_file_keys(tmp_path):
    # QA 18b #11: the README's only team example used „mitglieder“, the profile refused it
    from hausbesuch.config import PROFILE_DIR
    from hausbesuch.teams import default_teams

    p = tmp_path / "jobcenter-musterstadt.toml"
    text = (PROFILE_DIR / "vorlage.toml.example").read_text(encoding="utf-8")
    # the example teams and the Land are commented out: the user fills them in (QA 27 F1)
    lines = text.split("\n")
    start = lines.index('# [[teams]]')
    end = lines.index("[casework]")
    lines[start:end] = [line.removeprefix("# ").removeprefix("#") for line in lines[start:end]]
    text = "\n".join(lines).replace('\n# land = "BY"\n', '\nland = "BY"\n')
    p.write_text(text, encoding="utf-8")
    profile = load_profile(p)
    assert "vorlage" not in available_profiles()
    assert (profile.name, profile.casework.land, profile.depot.address) == (
        "Musterstadt", "BY", "Am Markt 1, 12345 Musterstadt")
    # no example sender, phone or e-mail reaches a real letter (QA 18 verify-b N6)
    brief = profile.brief
    assert (brief.absender, brief.anschrift, brief.telefon, brief.email) == ("", [], "", "")
    one, two = default_teams(profile)
    assert one.members == ("Frau Beispiel", "Herr Muster") and one.skills == {"Türkisch"}
    assert (one.shift_start_min, one.shift_end_min) == (480, 960)
    assert (two.shift_start_min, two.shift_end_min, two.mode, two.max_visits_per_day) == (
        450, 930, "bike", 6)


def test_the_template_with_only_name_extract_and_depot_is_refused_naming_land(tmp_path):
    # QA 27 F1: the template came with land = "HE" filled in, so a Bavarian town that set
    # only what the README calls required planned on Hessian holidays, silently
    from hausbesuch.config import PROFILE_DIR

    text = (PROFILE_DIR / "vorlage.toml.example").read_text(encoding="utf-8")
    for old, new in (('name = "Musterstadt"', 'name = "Lauf an der Pegnitz"'),
                     ('file = "osm/musterstadt.osm.pbf"', 'file = "lauf.osm.pbf"'),
                     ('name = "Jobcenter Musterstadt"', 'name = "Jobcenter Lauf"'),
                     ('address = "Am Markt 1, 12345 Musterstadt"',
                      'address = "Röntgenstraße 22, 91207 Lauf an der Pegnitz"')):
        assert old in text
        text = text.replace(old, new, 1)
    message = _refused(tmp_path, text, "jobcenter-lauf.toml")
    assert message.startswith("Ungültiges Profil jobcenter-lauf.toml: Feld „casework.land“ ")
    assert 'z. B. [casework] land = "BY"' in message
    # no example team of the template is planned as if it were real
    assert not re.search(r"^\[\[teams\]\]", text, re.M)


@pytest.mark.parametrize(
    ("team", "message"),
    [
        ('mitglieder = ["A"]\nmembers = ["B"]\n',
         "Feld „teams[0].mitglieder“ ist kein bekanntes Feld (Wert: [\"A\"]) – doppelt: "
         "„members“ und „mitglieder“ meinen dasselbe"),
        ('tage = "Mo-Mi"\n',
         "Feld „teams[0].tage“ ist kein bekanntes Feld (Wert: \"Mo-Mi\") – bekannt in "
         "[[teams]] des Profils: id, members/mitglieder, skills/sprachen, shift/schicht, "
         "mode/modus, max_visits_per_day/max_besuche, districts/stadtteile; alles Weitere "
         "(tage, start, mittag …) "
         "in einer Teams-Datei (--teams)"),
        ('schicht = "16-8"\n', "Feld „teams[0].schicht“: das Zeitband „16-8“ endet nicht nach"),
    ],
)
def test_profile_teams_name_the_keys_they_know(tmp_path, team, message):
    assert message in _refused(tmp_path, _BASE + _DEPOT + '[[teams]]\nid = "a"\n' + team)


def test_a_profile_without_a_depot_gets_an_example(tmp_path):
    assert "Feld „depots“ fehlt: der Standort, an dem die Touren beginnen, z. B. [[depots]] " \
        'name = "Jobcenter", address = "Am Markt 1, 12345 Musterstadt"' in _refused(
            tmp_path, _BASE)


def test_an_empty_land_is_refused_like_a_missing_one(tmp_path: Path, lauf_pbf) -> None:
    """QA 18 verify-b N4: ``land = ""`` passed and planned on the nationwide holidays only
    (tours on Heilige Drei Könige in Bayern), without a word."""
    text = _refused(tmp_path, f'name = "X"\n[osm]\nfile = "{lauf_pbf}"\n'
                    '[[depots]]\nname = "JC"\naddress = "Marktplatz 1, 91207 Lauf"\n'
                    '[casework]\nland = " "\n')
    assert "Feld „casework.land“ ist leer: das Bundesland für die Feiertage" in text, text


@pytest.mark.parametrize(("text", "why"), [
    ("Hallo und ein } allein", "eine schließende Klammer } ohne öffnende"),
    ("Hallo und ein { allein", "eine öffnende Klammer { ohne schließende"),
    ("Hallo {name", "eine öffnende Klammer { ohne schließende"),
])
def test_an_unbalanced_brace_is_explained_in_german(tmp_path, text, why):
    # Python's English message ("Single '}' encountered in format string") was shown (QA 19b #7)
    msg = _refused(tmp_path, _BASE + _DEPOT + f"[brief]\ntelefon = \"06621 1\"\ntext = '{text}'\n")
    assert "Feld „brief.text“" in msg and f"Platzhalter nicht lesbar ({why})" in msg, msg
    assert "encountered" not in msg and "format string" not in msg and "expected" not in msg


def test_a_missing_extract_says_where_it_was_looked_for(tmp_path, monkeypatch):
    # QA 27 F8: „… wurde nicht gefunden: osm/lauf.osm.pbf.“ did not say where it looked
    (tmp_path / "jc").mkdir()
    (tmp_path / "daten").mkdir()
    p = tmp_path / "jc" / "fehlt.toml"
    p.write_text('name = "X"\n[casework]\nland = "BY"\n[osm]\nfile = "osm/lauf.osm.pbf"\n'
                 + _DEPOT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HAUSBESUCH_DATA_DIR", raising=False)
    monkeypatch.setenv("HAUSBESUCH_SHARED_DATA", str(tmp_path / "daten"))
    with pytest.raises(ProfileError) as info:
        resolve_osm(load_profile(p))
    msg = " ".join(str(info.value).split())
    assert msg.startswith("Die OSM-Datei des Profils „fehlt“ wurde nicht gefunden: "
                          "osm/lauf.osm.pbf (gesucht: "
                          f"{tmp_path / 'jc' / 'osm' / 'lauf.osm.pbf'} (neben dem Profil); "
                          f"{tmp_path / 'osm' / 'lauf.osm.pbf'} (im aktuellen Ordner); "
                          f"{tmp_path / 'daten' / 'osm' / 'lauf.osm.pbf'} (im gemeinsamen "
                          "Datenordner"), msg
    assert "--osm DATEI" in msg
    # an absolute path: just that one
    absent = tmp_path / "nirgends.osm.pbf"
    p.write_text(p.read_text(encoding="utf-8").replace("osm/lauf.osm.pbf", str(absent)),
                 encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        resolve_osm(load_profile(p))
    assert f"(gesucht: {absent})" in str(info.value)
