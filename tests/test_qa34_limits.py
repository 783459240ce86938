"""QA 34a findings 3, 4, 6 and 7: length limits, echoed values and late refusals.

- ``teams --csv`` then ``teams --set`` gives back the same teams: the apostrophe that
  protects a formula-like cell is not kept, and a ``+`` that begins a name does not split it;
- a long outcome note is cut with a visible marker and the row is named; a status reason
  has the web's limit on the command line too;
- messages shorten what they echo, and a value that cannot be used later is refused at once;
- a header-only outcomes file ends with exit 2.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from hausbesuch.config import load_profile
from tests.cli_helpers import ClockedCli, city_db, ok, run, teams_csv_round_trip

MEMBERS_TOML = """
[[team]]
id = "team-1"
mitglieder = ["@Frau Muster", "B. Yilmaz"]
sprachen = ["=Türkisch", "-Arabisch"]

[[team]]
id = "team-2"
mitglieder = ["+49 Herr", "-Tab", "C. Weiß"]
"""


def test_teams_csv_then_set_gives_back_the_same_teams(tmp_path: Path) -> None:
    """QA 34a F3: the documented edit cycle (``--csv``, edit, ``--set``) kept the „'“ that
    protects a formula-like cell („'-arabisch“ no longer matched a client's language) and
    split „+49 Herr“ at its „+“ into „'“ and „49 Herr“."""
    written, before, after, common = teams_csv_round_trip(tmp_path, MEMBERS_TOML)
    assert "'+49 Herr" in written and "'-arabisch" in written  # still protected
    assert after == before
    assert after[0].skills == {"=türkisch", "-arabisch"}
    assert after[1].members == ("+49 Herr", "-Tab", "C. Weiß")
    assert "Sprachen: -arabisch, =türkisch" in ok("teams", *common)


def test_a_plus_between_names_still_separates_them(tmp_path: Path) -> None:
    """A „+“ after a name separates members as before („A. Schmidt + B. Yilmaz“); only a
    „+“ that begins a name is part of it."""
    from hausbesuch.teams import load_teams

    (tmp_path / "t.csv").write_text("id;mitglieder\nnord;A. Schmidt + B. Yilmaz+C. Weiß, "
                                    "+49 Herr\n", encoding="utf-8")
    got = load_teams(tmp_path / "t.csv")
    assert got[0].members == ("A. Schmidt", "B. Yilmaz", "C. Weiß", "+49 Herr")


# ---- F4: one limit for every route in, and a word when a text is cut

TOWN = "36251 Bad Hersfeld"
#: the day of the list and the plan; the plan's day
MON, TUE = ClockedCli(date(2026, 12, 7)), ClockedCli(date(2026, 12, 8))


def _imported(tmp_path: Path) -> tuple[str, list[str]]:
    """Two cases imported on Monday: (database, its options)."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    (tmp_path / "a.csv").write_text(
        "Kundennummer;Name;Adresse\n"
        f"K-1;Erika Muster;Breitenstraße 24, {TOWN}\n"
        f"K-2;Max Muster;Dudenstraße 5, {TOWN}\n", encoding="utf-8")
    MON.ok("import", str(tmp_path / "a.csv"), *db)
    return path, db


def _planned(tmp_path: Path) -> tuple[str, list[str], str]:
    """The two cases planned for Tuesday: (database, its options, the plan id)."""
    path, db = _imported(tmp_path)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    return path, db, re.search(r"Plan (\S+):", out)[1]


def _notes(path: str) -> dict[str, str | None]:
    from sqlalchemy import select

    from hausbesuch.store import OutcomeRow, Store

    with Store.open(path) as store, store.session() as s:
        return {o.client_id: o.note for o in s.scalars(select(OutcomeRow))}


def test_a_long_outcome_note_is_cut_with_a_marker_and_the_row_named(tmp_path,
                                                                     bad_hersfeld_pbf):
    """QA 34a F4 case 1: a 100,000-character note was stored as its first 2,000
    characters, without a marker and without a word („1 erfasst“). It is cut to 2,000
    characters ending in „[…gekürzt]“, and the output names the row."""
    path, db, _pid = _planned(tmp_path)
    sheet = tmp_path / "erg.csv"
    sheet.write_text("Kundennummer;Datum;Ergebnis;Notiz\n"
                     f"K-1;08.12.2026;nicht angetroffen;{'N' * 100_000}\n"
                     f"K-2;08.12.2026;nicht angetroffen;{'M' * 2_000}\n", encoding="utf-8")
    out = TUE.ok("outcomes", str(sheet), *db)
    assert "2 erfasst" in out
    assert ("Hinweis: Zeile 2 (K-1): die Notiz hat 100000 Zeichen, gespeichert sind "
            "höchstens 2000: sie ist gekürzt und endet mit „[…gekürzt]“.") in out, out
    assert "K-2" not in out  # a note of 2,000 characters is whole
    notes = _notes(path)
    assert len(notes["K-1"]) == 2_000 and notes["K-1"].endswith(" […gekürzt]")
    assert notes["K-2"] == "M" * 2_000


def test_status_reason_has_the_webs_limit_on_the_command_line(tmp_path, bad_hersfeld_pbf):
    """QA 34a F4 case 3: ``status --reason`` stored a reason of 100,000 characters (the
    web's form takes 500) and ``status`` and ``disclose`` printed it whole. The command
    line refuses a reason over 500 characters naming the option, as the web does, and
    stores nothing; so does ``rectify --status-change --text``, and ``rectify --outcome
    --text`` a note over the web's 2,000."""
    path, db = _imported(tmp_path)
    code, out = MON.invoke("status", "K-1", "--set", "erreicht", "--reason", "R" * 501, *db)
    assert code == 2, out
    assert "--reason: höchstens 500 Zeichen, erhalten 501." in out
    assert "K-1: offen" in MON.ok("status", "K-1", *db)  # nothing changed
    MON.ok("status", "K-1", "--set", "erreicht", "--reason", "R" * 500, *db)
    code, out = MON.invoke("rectify", "K-1", "--status-change", "07.12.2026", "--text",
                           "S" * 501, *db)
    assert code == 2 and "--text: höchstens 500 Zeichen, erhalten 501." in out, out
    code, out = MON.invoke("rectify", "K-1", "--outcome", "07.12.2026", "--text",
                           "S" * 2_001, *db)
    assert code == 2, out
    assert "--text: eine Notiz hat höchstens 2000 Zeichen, erhalten 2001." in out
    from hausbesuch.casework.rules import MAX_REASON_LENGTH
    from hausbesuch.web.pages_cases import MAX_REASON

    assert MAX_REASON == MAX_REASON_LENGTH == 500  # one limit for the web and the CLI


def test_the_casework_refuses_a_too_long_reason_whoever_calls_it(tmp_path, bad_hersfeld_pbf):
    """The service keeps the limit too (the web checks before it): a reason over 500
    characters is refused, not stored."""
    from hausbesuch.casework import Casework
    from hausbesuch.errors import UserError
    from hausbesuch.store import Store

    path, _db = _imported(tmp_path)
    with Store.open(path) as store:
        cw = Casework(store, load_profile("bad-hersfeld"), actor="kora")
        with pytest.raises(UserError, match="Grund: höchstens 500 Zeichen, erhalten 501"):
            cw.set_status("K-1", "erreicht", "R" * 501)
        assert cw.states(["K-1"])[0].status == "offen"


# ---- F6: messages shorten what they echo; what cannot be used later is refused at once


def _set_teams(tmp_path: Path, body: str) -> tuple[int, str]:
    (tmp_path / "teams.toml").write_text(body, encoding="utf-8")
    res = run("teams", "--set", str(tmp_path / "teams.toml"), "--city", "bad-hersfeld",
              "--db", str(tmp_path / "t.sqlite"))
    return res.exit_code, res.output


def test_a_huge_number_is_named_as_typed(tmp_path: Path) -> None:
    """QA 34a F6: ``mittag_dauer = 1e308`` was echoed as a 309-digit number, twice."""
    code, out = _set_teams(tmp_path, '[[team]]\nid = "t1"\nmittag_dauer = 1e308\n'
                                     'max_besuche = 99999999999999999999\n')
    assert code == 2, out
    flat = " ".join(out.split())
    assert "Feld „mittag_dauer“: 1e+308 ist viel zu groß (erlaubt 0 bis 180)" in flat, out
    assert "Feld „max_besuche“: 99999999999999999999 ist viel zu groß (erlaubt 1 bis 50)" \
        in flat, out
    assert "0000000000000000000000" not in out and len(out) < 400


def test_a_long_team_id_is_shortened_in_the_message(tmp_path: Path) -> None:
    """QA 34a F6: an id of 4,000 characters was repeated whole in the message."""
    code, out = _set_teams(tmp_path, f'[[team]]\nid = "{"x" * 4_000}"\n')
    assert code == 2, out
    assert "[…gekürzt]“: Feld „id“: nur Buchstaben" in " ".join(out.split()), out
    assert "x" * 61 not in out and len(out) < 600


def test_a_nul_in_a_toml_text_is_named_as_what_it_is(tmp_path: Path) -> None:
    """QA 34a F6: ``"\\u0000"`` in a TOML text was blamed on a backslash of a Windows
    path („Pfade mit „/“ schreiben …“), which the user did not type. The message says
    which control character it is, where, and how it is written."""
    code, out = _set_teams(tmp_path, '[[team]]\nid = "t1"\nmitglieder = ["A\\u0000B"]\n')
    assert code == 2, out
    flat = " ".join(out.split())
    assert ("Feld „mitglieder“ enthält ein Steuerzeichen (Zeichen 2 ist U+0000, ein "
            "Null-Byte; in TOML „\\u0000“ geschrieben): Steuerzeichen gehören in keinen "
            "Text, bitte entfernen") in flat, out
    assert "Pfade" not in out
    # a Windows path keeps its hint
    code, out = _set_teams(tmp_path, '[[team]]\nid = "t1"\nstart = "C:\\test"\n')
    assert code == 2 and "Pfade mit „/“ schreiben" in " ".join(out.split()), out


def test_too_many_teams_are_refused_when_set(tmp_path: Path) -> None:
    """QA 34a F6: 5,000 teams were stored (exit 0), and only ``plan`` refused them („10002
    Orte … etwa 8.9 GB“). ``teams --set`` refuses more than MAX_TEAMS and stores nothing."""
    from hausbesuch.teams import MAX_TEAMS

    many = "".join(f'[[team]]\nid = "t{i}"\n' for i in range(MAX_TEAMS + 1))
    code, out = _set_teams(tmp_path, many)
    assert code == 2, out
    assert f"{MAX_TEAMS + 1} Teams, erlaubt sind höchstens {MAX_TEAMS}" in " ".join(out.split())
    assert "Stadtprofil" in ok("teams", "--city", "bad-hersfeld", "--db",
                               str(tmp_path / "t.sqlite"))  # nothing stored
    (tmp_path / "many.csv").write_text("id\n" + "".join(f"t{i}\n" for i in range(MAX_TEAMS + 1)),
                                       encoding="utf-8")
    res = run("teams", "--set", str(tmp_path / "many.csv"), "--city", "bad-hersfeld",
              "--db", str(tmp_path / "t.sqlite"))
    assert res.exit_code == 2 and f"höchstens {MAX_TEAMS}" in res.output, res.output
    code, out = _set_teams(tmp_path, "".join(f'[[team]]\nid = "t{i}"\n'
                                             for i in range(MAX_TEAMS)))
    assert code == 0, out


def test_an_unknown_team_lists_a_long_list_of_teams_with_a_count(tmp_path: Path) -> None:
    """QA 34a F6: ``absence add`` for an unknown team listed every team id of the file
    (5,000 of them) in one message: at most 20, then how many more."""
    code, out = _set_teams(tmp_path, "".join(f'[[team]]\nid = "t{i:02d}"\n' for i in range(30)))
    assert code == 0, out
    res = run("absence", "add", "team-x", "2027-01-11", "--city", "bad-hersfeld", "--db",
              str(tmp_path / "t.sqlite"))
    assert res.exit_code == 2, res.output
    flat = " ".join(res.output.split())
    assert "Teams: t00, t01," in flat and "t19 und 10 weitere)." in flat, flat
    assert "t20" not in flat


def test_plan_and_replan_refuse_a_time_limit_under_solves_minimum(tmp_path, bad_hersfeld_pbf):
    """QA 34a F6: ``plan --time-limit 0.01`` was taken and stored an empty plan, while
    ``solve`` refuses anything under 0.1 s. ``plan``, ``replan`` and ``serve`` (the web's
    plans) take the same minimum, one constant (``solve`` holds the same value)."""
    from hausbesuch.commands import solve
    from hausbesuch.planning import options

    _path, db = _imported(tmp_path)
    code, out = MON.invoke("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                           str(tmp_path / "plan"), "--time-limit", "0.01")
    assert code == 2, out
    assert "--time-limit: zwischen 0,1 und 86400 Sekunden, erhalten 0.01." in out
    assert not (tmp_path / "plan").exists()
    assert "Keine gespeicherten Pläne" in MON.ok("plans", *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    code, out = MON.invoke("replan", pid, "--from", "2026-12-08 10:00", "--time-limit",
                           "0.05", *db)
    assert code == 2 and "--time-limit: zwischen 0,1 und 86400 Sekunden" in out, out
    res = run("serve", "--time-limit", "0.01", "--port", "1")
    assert res.exit_code == 2 and "--time-limit: zwischen 0,1" in res.output, res.output
    assert (options.MIN_TIME_LIMIT_S, options.MAX_TIME_LIMIT_S) == (
        solve.MIN_TIME_LIMIT_S, solve.MAX_TIME_LIMIT_S)


def test_letters_take_a_case_id_as_report_csv_writes_it(tmp_path, bad_hersfeld_pbf):
    """QA 34a F6: ``letters PLAN --clients "'=F-14"`` (the id as ``report.csv`` writes
    it) said „nicht im Plan eingeplant“; ``disclose``, ``outcomes`` and ``address`` take
    that form. ``letters`` does too."""
    db = city_db(str(tmp_path / "f.sqlite"))
    (tmp_path / "a.csv").write_text(
        "Kundennummer;Name;Adresse\n"
        f"-K-3;Erika Muster;Breitenstraße 24, {TOWN}\n"
        f"K-2;Max Muster;Dudenstraße 5, {TOWN}\n", encoding="utf-8")
    MON.ok("import", str(tmp_path / "a.csv"), *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    assert ";'-K-3;geplant;" in (tmp_path / "plan" / "report.csv").read_text(encoding="utf-8-sig")
    out = MON.ok("letters", pid, "--clients", "'-K-3", "--out", str(tmp_path / "briefe"), *db)
    assert out.startswith("1 Brief "), out
    assert (tmp_path / "briefe" / "brief_-K-3.pdf").exists()


# ---- F7: a header-only outcomes file is an error, as a header-only client list is


def test_a_header_only_outcomes_file_exits_2(tmp_path, bad_hersfeld_pbf):
    """QA 34a F7: „0 Zeilen … 0 erfasst“ with exit 0, while an empty file and a client
    list of a header only exit 2 („enthält keine Datenzeilen“)."""
    _path, db = _imported(tmp_path)
    sheet = tmp_path / "erg.csv"
    sheet.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin;Notiz\n", encoding="utf-8")
    code, out = TUE.invoke("outcomes", str(sheet), *db)
    assert code == 2, out
    assert ("Die Ergebnisliste " in out and "enthält keine Datenzeilen (nur die Kopfzeile). "
            "Es gibt nichts zu erfassen." in " ".join(out.split())), out


# ---- F5: a logo too large in pixels is refused; one that makes every letter larger
# than the target is warned about (session 35)


def _png(path: Path, w: int, h: int, *, noise: bool) -> None:
    """A PNG written by hand (no imaging library): one flat colour, or random pixels that
    no compression shrinks."""
    import random
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rnd = random.Random(1)
    raw = b"".join(b"\x00" + (rnd.randbytes(w * 3) if noise else b"\xcc\x00\x00" * w)
                   for _ in range(h))
    path.write_bytes(b"\x89PNG\r\n\x1a\n"
                     + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def _logo_letters(tmp_path: Path, w: int, h: int, *, noise: bool) -> tuple[int, str]:
    """``letters`` of the planned Tuesday with a ``w`` × ``h`` PNG as the profile's logo:
    (exit code, output flattened)."""
    from hausbesuch.config import PROFILE_DIR

    _path, db, pid = _planned(tmp_path)
    prof = tmp_path / "profil"
    prof.mkdir()
    _png(prof / "logo.png", w, h, noise=noise)
    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    (prof / "bh.toml").write_text(text.replace("[brief]\n", '[brief]\nlogo = "logo.png"\n'),
                                  encoding="utf-8")
    code, out = MON.invoke("letters", pid, "--out", str(tmp_path / "briefe"), "--city",
                           str(prof / "bh.toml"), "--db", db[-1])
    return code, " ".join(out.split())


def test_a_logo_of_too_many_pixels_is_refused(tmp_path, bad_hersfeld_pbf):
    """QA 34a F5: a 20,000 × 20,000 PNG of 1.1 MB was taken as the letters' logo: 1.46 GB
    of memory, each letter's PDF 1.19 MB (README: under 100 KB). A logo of more than 4
    million pixels is refused by its header, before it is decoded and before any letter,
    in German, with what to do."""
    code, flat = _logo_letters(tmp_path, 2_100, 2_000, noise=False)
    assert code == 2, flat
    assert ("„logo.png“ hat 2100 × 2000 Pixel, höchstens 4 Millionen sind erlaubt") in flat, \
        flat
    assert "bitte das Bild verkleinern" in flat
    assert not list((tmp_path / "briefe").glob("*.pdf")) if (tmp_path / "briefe").exists() \
        else True


def test_a_logo_that_makes_every_letter_larger_than_the_target_is_warned_about(
        tmp_path, bad_hersfeld_pbf):
    """A logo within the pixels that would add more than 70 KB to every letter (by the
    size of a PDF holding it alone) was refused (QA 34a F5); the letters are now written
    with it, and a German warning says that they become larger than the 100 KB target
    and how to shrink the logo (session 35)."""
    code, flat = _logo_letters(tmp_path, 600, 600, noise=True)
    assert code == 0, flat
    letters = sorted((tmp_path / "briefe").glob("*.pdf"))
    assert letters, flat
    assert max(p.stat().st_size for p in letters) > 100 * 1024  # the warning is true
    assert ("Warnung: Profil bh: [brief] logo „logo.png“ macht jeden Brief um etwa 1058 KB "
            "größer: die PDFs werden größer als die angestrebten 100 KB je Brief (das Logo "
            "sollte höchstens 70 KB dazutun). Die Briefe sind trotzdem geschrieben; für "
            "kleinere Briefe bitte das Bild verkleinern") in flat, flat
