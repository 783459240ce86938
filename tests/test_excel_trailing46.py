"""Excel leaves the empty end off some rows of a CSV it writes (blocks of rows whose last
columns are empty: „How Excel writes empty cells“, Stata FAQ; Microsoft KB 77295). Since
session 45 every CSV row with fewer fields than the header was rejected when it lacked a
column read („Feldanzahl“), so a list saved from Excel lost every client without a note
or a window to „abgelehnt“. Such a row — ending with a line end, not one of two short
rows that make one row split by a line break, lacking only columns that may be empty (not
the id, the name or the address) — is read with those columns empty; a row cut off at
the file's end, a split row and a row lacking its address stay rejected. Real SQLite,
the real Bad Hersfeld extract, the command line as users run it."""

from __future__ import annotations

from pathlib import Path

from hausbesuch.clients import read_clients
from hausbesuch.tabular import read_table
from tests.cli_helpers import city_db, ok
from tests.test_short_rows45 import TODAY, _rows, _stored, _text


def _excel(rows: list[list[str]]) -> str:
    """``rows`` as Excel writes a block of them: trailing empty fields left off."""
    out = [r[:] for r in rows]
    for r in out:
        while r and r[-1] == "":
            r.pop()
    return _text(out)


def test_rows_without_their_empty_end_are_read_and_stored_empty(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    rows = _rows(bad_hersfeld_pbf, 6)
    for r in rows[1:5]:  # no note, no visit length (the two last columns): left off
        r[10] = r[11] = ""
    rows[3][8] = ""  # ... and one without a window either
    path = tmp_path / "kunden.csv"
    path.write_text(_excel(rows), encoding="utf-8")
    t = read_table(path)
    assert set(t.short_rows) == {3, 4, 5, 6} and t.split_rows == set(), t.short_rows
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    out = " ".join(ok("import", str(path), *city_db(db)).split())
    assert "6 neu" in out and "0 abgelehnt" in out, out
    assert _stored(db, rows[0][0])[2] == "Hund im Hof 0"
    address, window, note, _ = _stored(db, rows[3][0])
    assert note is None and window in (None, "", "[]"), (window, note)
    assert rows[3][3] in address  # the house number read


def test_a_note_emptied_in_the_export_is_emptied_in_the_store(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """A stored case whose note the export now leaves empty (the row written without its
    empty end) loses the note, as a row with the empty field would."""
    rows = _rows(bad_hersfeld_pbf, 3)
    path = tmp_path / "a.csv"
    path.write_text(_text(rows), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'x.sqlite'}"
    ok("import", str(path), *city_db(db))
    rows[1][11] = ""
    path.write_text(_excel(rows), encoding="utf-8")
    out = " ".join(ok("import", str(path), *city_db(db)).split())
    assert "1 aktualisiert" in out and "0 abgelehnt" in out, out
    assert _stored(db, rows[1][0])[2] is None


def test_split_cut_and_addressless_short_rows_stay_rejected(tmp_path: Path) -> None:
    """A line break in a field without quotes (the window „Mo-Fr 9-16“ broken: two short
    rows next to each other), a row lacking its address columns, and a row the file ends
    in without a line end are rejected, as before."""
    head = "Kundennummer;Adresse;Zeitfenster;Notiz\n"
    path = tmp_path / "k.csv"
    path.write_text(head
                    + "K-1;Am Markt 16, 36251 Bad Hersfeld;Mo-Fr 9-16;Hund\n"
                    + "K-2;Breitenstraße 5, 36251 Bad Hersfeld;Mo-Fr\n"  # broken here
                    + "9-16;Katze\n"
                    + "K-3;Linggplatz 11, 36251 Bad Hersfeld\n"  # Excel: empty end left off
                    + "K-4;Am Markt 1, 36251 Bad Hersfeld;;Igel\n"
                    + "K-5\n"  # no address
                    + "K-6;Am Markt 16, 36251 Bad Hersfeld;Mo 9-12;Maus\n"
                    + "K-7;Linggplatz 11, 36251 Bad Hersfeld", encoding="utf-8")  # cut off
    t = read_table(path)
    assert t.split_rows == {3, 4} and t.open_end_row == 9, (t.split_rows, t.open_end_row)
    res = read_clients(path, today=TODAY)
    assert [c.id for c in res.clients] == ["K-1", "K-3", "K-4", "K-6"], res.rejected
    assert [c.notiz for c in res.clients] == ["Hund", None, "Igel", "Maus"]
    assert [(r.row, r.field) for r in res.rejected] == [
        (3, "felder"), (4, "felder"), (7, "felder"), (9, "felder")], res.rejected
    assert "Zeilenumbruch in einem Feld ohne Anführungszeichen" in res.rejected[0].reason
    assert "Es fehlen „Adresse“" in res.rejected[2].reason
    assert "die Datei endet mitten in dieser Zeile" in res.rejected[3].reason


def test_a_row_split_anywhere_is_told_from_rows_around_it() -> None:
    """Property of ``_split_rows``: a row of ``n`` fields split by line breaks in fields
    (one or more, in fields other than the first and the last) between whole rows is
    found part by part; a short row between whole rows alone is not. (A break in the
    first field leaves a whole row after it, one in the last field a row of one field:
    both parts are then rows without the address, rejected for that.)"""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from hausbesuch.tabular import _split_runs

    def _split_rows(counts, short, n):  # noqa: ANN001, ANN202
        return {r for run in _split_runs(counts, short, n) for r in run}

    @settings(max_examples=300, deadline=None)
    @given(st.integers(3, 15).flatmap(lambda n: st.tuples(
        st.just(n), st.lists(st.integers(2, n - 1), min_size=1, max_size=4, unique=True))),
        st.integers(1, 3))
    def check(case: tuple[int, list[int]], alone: int) -> None:
        n, cuts = case
        parts, start = [], 1
        for c in sorted(cuts):  # a break inside field c: the part ends there
            parts.append(c - start + 1)
            start = c
        parts.append(n - start + 1)
        counts = [(1, n), *((2 + i, k) for i, k in enumerate(parts))]
        counts.append((len(counts) + 1, n))
        short = {r: k for r, k in counts if k < n}
        assert _split_rows(counts, short, n) == set(short), (n, cuts, counts)
        k = max(1, n - alone)
        if k < n:
            lone = [(1, n), (2, k), (3, n)]
            assert _split_rows(lone, {2: k}, n) == set()

    check()


def test_rows_that_keep_half_their_fields_or_less_are_still_rows_of_their_own(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """Two rows next to each other that both left off their empty end may count no more
    fields together than one row: a list of id and address without its note (3 columns,
    each row 2 fields), a 12-column list whose six last columns are all empty. Each has a
    Kundennummer of the list's shape: rows of their own, read; a row split by a line
    break (its second part begins with the rest of a field) stays rejected."""
    path = tmp_path / "schmal.csv"
    body = ["Kundennummer;Adresse;Notiz", "K-1;Am Markt 16, 36251 Bad Hersfeld;Hund"]
    body += [f"K-{i};Linggplatz {i}, 36251 Bad Hersfeld" for i in range(2, 21)]
    body += ["K-21;Breitenstraße 5,", "36251 Bad Hersfeld;Katze",  # split in the address
             "K-22;Am Markt 1, 36251 Bad Hersfeld;Igel", ""]
    path.write_text("\n".join(body), encoding="utf-8")
    assert read_table(path).split_rows  # (by the counts alone, runs of two)
    res = read_clients(path, today=TODAY)
    assert [c.id for c in res.clients] == [f"K-{i}" for i in (*range(1, 21), 22)], \
        res.rejected
    assert [(r.row, r.field) for r in res.rejected] == [(22, "felder"), (23, "felder")]

    rows = _rows(bad_hersfeld_pbf, 5)
    for r in rows:
        r[6:] = [""] * 6
    wide = tmp_path / "breit.csv"
    wide.write_text(_excel(rows), encoding="utf-8")
    res = read_clients(wide, today=TODAY)
    assert len(res.clients) == 5 and not res.rejected, res.rejected


def test_qa46b_rows_of_their_own_and_the_rest_of_split_rows(tmp_path: Path) -> None:
    """QA 46b: a narrow list of ids of two shapes (numeric and BG-Nummern) written by
    Excel is read whole (F1); the rest of a note split by a line break that begins with
    digits („066213579;45“) is no row of its own, and its text is no Kundennummer shown
    (F4, F8); with the address in the last columns a row may leave off PLZ and Ort, not
    the house number (F3); a file whose only short row is its last, saved with a line end
    after it was cut, is rejected (F5)."""
    path = tmp_path / "schmal.csv"
    ids = [f"{768835601 + i}" if i % 2 else f"{43481 + i}BG70152{i:02d}" for i in range(30)]
    body = ["Kundennummer;Adresse;Notiz"] + [
        f"{cid};Linggplatz {i + 1}, 36251 Bad Hersfeld" for i, cid in enumerate(ids)]
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    res = read_clients(path, today=TODAY)
    assert [c.id for c in res.clients] == ids and not res.rejected, res.rejected

    split = tmp_path / "split.csv"
    split.write_text(
        "Kundennummer;Adresse;Notiz;Besuchsdauer\n"
        "268746216;Am Markt 16, 36251 Bad Hersfeld;Hund;30\n"
        "268746217;Breitenstraße 5, 36251 Bad Hersfeld;Rückruf erbeten\n"  # broken here
        "066213579;45\n"
        "268746218;Linggplatz 11, 36251 Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(split, today=TODAY)
    assert [c.id for c in res.clients] == ["268746216", "268746218"], res.rejected
    assert [(r.row, r.id) for r in res.rejected] == [(3, "268746217"), (4, None)]
    assert "066213579" not in " ".join(r.reason for r in res.rejected)

    last = tmp_path / "hinten.csv"
    last.write_text(
        "Kundennummer;Name;Notiz;Straße;Hausnummer;PLZ;Ort\n"
        "K-1;Erika Muster;Hund;Am Markt;16;36251;Bad Hersfeld\n"
        "K-2;Otto Muster;;Breitenstraße;5;36251\n"
        "K-3;Anna Muster;;Linggplatz;11\n"
        "K-4;Eva Muster;;Linggplatz\n"
        "K-5;Max Muster;Katze;Am Markt;1;36251;Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(last, today=TODAY)
    assert [c.id for c in res.clients] == ["K-1", "K-2", "K-3", "K-5"], res.rejected
    assert [(r.row, r.id) for r in res.rejected] == [(5, "K-4")]
    assert "Es fehlen „Hausnummer“, „PLZ“, „Ort“" in res.rejected[0].reason

    cut = tmp_path / "cut.csv"
    cut.write_text("Kundennummer;Adresse;Notiz;Zeitfenster\n"
                   "K-1;Am Markt 16, 36251 Bad Hersfeld;Hund;Mo 9-12\n"
                   "K-2;Breitenstraße 5, 36251 Bad Hersfeld\n", encoding="utf-8")
    res = read_clients(cut, today=TODAY)
    assert [c.id for c in res.clients] == ["K-1"], res.rejected
    assert [(r.row, r.field) for r in res.rejected] == [(3, "felder")]
    assert "die letzte Zeile der Datei, als einzige zu kurz: abgeschnitten" in \
        res.rejected[0].reason


def test_qa46b_f6_outcome_rows_without_their_empty_end(tmp_path: Path,
                                                     bad_hersfeld_pbf: Path) -> None:
    """F6: an outcomes file in the order Kundennummer;Datum;Ergebnis;Uhrzeit;Termin;Notiz
    whose rows Excel wrote without their empty end (three fields each: two of them make
    no more than one row) is read row by row, not rejected in pairs (here each for the
    visit it names, which no plan holds)."""
    from tests.cli_helpers import run

    rows = _rows(bad_hersfeld_pbf, 6)
    path = tmp_path / "kunden.csv"
    path.write_text(_text(rows), encoding="utf-8")
    db = f"sqlite:///{tmp_path / 'erg.sqlite'}"
    ok("import", str(path), *city_db(db))
    results = tmp_path / "ergebnisse.csv"
    results.write_text("Kundennummer;Datum;Ergebnis;Uhrzeit;Termin;Notiz\r\n" + "".join(
        f"{r[0]};01.12.2026;nicht angetroffen\r\n" for r in rows), encoding="utf-8")
    out = " ".join(run("outcomes", str(results), *city_db(db)).output.split())
    assert "Feldanzahl" not in out, out  # (each row judged as itself: no visit planned)
    assert out.count("keinen geplanten Besuch") == 6, out
