"""A case id (Kundennummer) that reveals the client's address or another person's name is
refused (QA 28 finding 3).

The id goes into URLs (``/faelle/<id>``), file names, ``geo:`` labels and the append-only
audit log, which outlives ``purge``. ``Weinstrasse-21`` for the client of „Weinstraße 21“,
``Meier 12`` and ``Schroeder-8`` were imported and audited as they were. Now an id is
refused when it holds a word of four letters or more of the row's street (or the street
with its house number), when it does not match the profile's ``[casework]
kundennummer_muster``, or, without a pattern, when it has five letters in a row. The
refusal never quotes the id: not in the output, the report, the stored rejections, the
rejections CSV or the audit log.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path

import httpx
import pytest

from hausbesuch.clients import read_clients
from hausbesuch.config import load_profile
from hausbesuch.errors import ProfileError

TODAY = date(2026, 12, 3)
CITY = "Bad Hersfeld"
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit"]
#: the ids of the audit: the client's street with its number, a surname with a number
REVEALING = ["Weinstrasse-21", "Meier 12", "Schroeder-8"]
#: ids as case-management software and the project's lists write them
REALISTIC = ["K-1001", "S00001", "H-01", "E01", "123A456789", "12345BG1234567", "BH-001",
             "K 7", "W-OUT", "OST-4711", "R100", "K-100014"]
STREET = "Kundennummer enthält die Straße der Anschrift"
LETTERS = ("Kundennummer enthält 5 oder mehr Buchstaben hintereinander (wie ein Name "
           "oder eine Straße)")
FORM = "Kundennummer hat nicht das Format der Fachanwendung"


def _row(cid: str, street: str = "Weinstraße", number: str = "21") -> list[str]:
    return [cid, "Eva Klein", street, number, "36251", CITY, "01.03.2025"]


def _write(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    return path


def _never_quoted(text: str, ids: list[str]) -> None:
    for cid in ids:
        assert cid.casefold() not in text.casefold(), (cid, text)


def _profile(tmp_path: Path, lines: str) -> Path:
    """The shipped Bad Hersfeld profile with ``lines`` added to its ``[casework]``."""
    from hausbesuch.config import PROFILE_DIR, resolve_data_file

    shipped = load_profile("bad-hersfeld")
    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    osm = resolve_data_file(shipped, shipped.osm.file or "")
    assert osm is not None
    text = text.replace(f'file = "{shipped.osm.file}"', f"file = '{osm}'")
    assert 'land = "HE"\n' in text
    path = tmp_path / "bad-hersfeld-muster.toml"
    path.write_text(text.replace('land = "HE"\n', f'land = "HE"\n{lines}\n'), encoding="utf-8")
    return path


def test_ids_with_the_street_or_a_word_are_refused_without_quoting_them(
        tmp_path: Path) -> None:
    """The audit's ids are refused with a reason naming the field; realistic ids pass."""
    rows = [_row(cid) for cid in REVEALING] + [
        _row("WEIN-21"),  # four letters: the street's word, not a run of five
        _row("Ring5", "Am Ring", "5"),  # no word of its own: the street with its number
        _row("AM-RING-5", "Am Ring", "5"),
        _row("Hauptstr5", "Hauptstraße", "5"),
    ] + [_row(cid, "Am Ring", "5") for cid in REALISTIC]
    result = read_clients(_write(tmp_path / "kunden.csv", rows), today=TODAY)
    assert [c.id for c in result.clients] == REALISTIC
    got = {r.row: (r.id, r.field, r.reason.split(":")[0]) for r in result.rejected}
    assert got == {2: (None, "id", STREET), 3: (None, "id", LETTERS),
                   4: (None, "id", LETTERS), 5: (None, "id", STREET),
                   6: (None, "id", STREET), 7: (None, "id", STREET), 8: (None, "id", STREET)}
    _never_quoted(" ".join(r.reason for r in result.rejected),
                  [*REVEALING, "WEIN-21", "Ring5", "AM-RING-5", "Hauptstr5"])


def test_the_profile_pattern_decides_the_form_and_the_street_stays_refused(
        tmp_path: Path) -> None:
    """With a pattern, an id must match it whole; the reason names the coordinator's
    example, never the id. A pattern allowing letters lets ``Schroeder-8`` through (the
    coordinator's choice), but not the client's own street."""
    rows = [_row("123A456789"), _row("K-1001"), _row("123A4567890"), _row("Meier 12")]
    result = read_clients(_write(tmp_path / "a.csv", rows), today=TODAY,
                          id_pattern="[0-9]{3}[A-Z][0-9]{6}", id_example="987Z654321")
    assert [c.id for c in result.clients] == ["123A456789"]
    assert {r.row: r.id for r in result.rejected} == {3: None, 4: None, 5: None}
    for r in result.rejected:
        assert r.reason.startswith(f"{FORM} (erwartet wird eine Nummer wie „987Z654321“)")
    _never_quoted(" ".join(r.reason for r in result.rejected),
                  ["K-1001", "123A4567890", "Meier 12"])

    rows = [_row("Schroeder-8"), _row("Weinstrasse-21"), _row("Wein-21"), _row("K-1001")]
    result = read_clients(_write(tmp_path / "b.csv", rows), today=TODAY,
                          id_pattern="[A-Za-z]+-[0-9]+")
    assert [c.id for c in result.clients] == ["Schroeder-8", "K-1001"]
    assert {r.row: (r.id, r.reason.split(":")[0]) for r in result.rejected} == {
        3: (None, STREET), 4: (None, STREET)}

    # without an example the reason names where the form is set
    result = read_clients(_write(tmp_path / "c.csv", [_row("K-1001")]), today=TODAY,
                          id_pattern="[0-9]+")
    assert result.rejected[0].reason.startswith(
        f"{FORM} (erwartet wird das Format, das im Stadtprofil unter [casework] "
        "kundennummer_muster festgelegt ist)")


def test_a_profile_pattern_is_checked_when_the_profile_is_loaded(tmp_path: Path) -> None:
    """A pattern Python cannot read, or an example it does not match, is a German profile
    error naming the field; a good one reaches the reader."""
    good = load_profile(_profile(tmp_path, "kundennummer_muster = '[0-9]{3}[A-Z][0-9]{6}'\n"
                                           "kundennummer_beispiel = '123A456789'"))
    form = good.casework.id_form()
    assert form["id_pattern"].pattern == "[0-9]{3}[A-Z][0-9]{6}"
    assert form["id_example"] == "123A456789"
    assert load_profile("bad-hersfeld").casework.id_form() == {"id_pattern": None,
                                                               "id_example": ""}

    with pytest.raises(ProfileError) as bad:
        load_profile(_profile(tmp_path, "kundennummer_muster = 'K-([0-9]+'"))
    msg = str(bad.value)
    assert "Feld „casework.kundennummer_muster“ ist kein gültiger regulärer Ausdruck " \
           "(Fehler an Stelle 3;" in msg, msg
    assert "(Wert: \"K-([0-9]+\")" in msg, msg

    with pytest.raises(ProfileError) as bad:
        load_profile(_profile(tmp_path, "kundennummer_muster = 'K-[0-9]+'\n"
                                        "kundennummer_beispiel = '123A456789'"))
    assert "Feld „casework.kundennummer_beispiel“: „123A456789“ passt nicht zu " \
           "kundennummer_muster" in str(bad.value), str(bad.value)

    with pytest.raises(ProfileError) as bad:
        load_profile(_profile(tmp_path, "kundennummer_beispiel = 'K-1'"))
    assert "gilt nur mit kundennummer_muster" in str(bad.value), str(bad.value)


@pytest.mark.slow
def test_import_refuses_the_audits_ids_and_shows_them_nowhere(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """``hausbesuch import``: without a pattern the audit's three ids are refused and
    realistic ids imported; neither the output, the report, the stored rejections nor the
    audit log hold a refused id. With the profile's pattern the pattern decides."""
    from typer.testing import CliRunner

    from hausbesuch import clock
    from hausbesuch.cli import app
    from hausbesuch.store import ClientRow, ImportRejectionRow, Store

    rows = [_row(cid, number=str(21 + 2 * i)) for i, cid in enumerate(REVEALING)] + [
        _row("K-1001", number="41"), _row("123A456789", number="43"),
        _row("12345BG1234567", number="45")]
    path = _write(tmp_path / "kunden.csv", rows)
    runner = CliRunner(env={clock.ENV: TODAY.isoformat(), "HAUSBESUCH_USER": "pruefer"})

    def run(db: Path, city: str) -> tuple[str, str, list, str, list[str]]:
        res = runner.invoke(app, ["import", str(path), "--city", city, "--db", str(db),
                                  "--report", str(db.with_suffix(".csv"))],
                            catch_exceptions=False)
        assert res.exit_code == 0, res.output
        with Store.open(str(db)) as store:
            with store.session() as s:
                kept = sorted(r.client_id for r in s.query(ClientRow))
                stored = [(r.client_id, r.field_name, r.reason)
                          for r in s.query(ImportRejectionRow)]
            audit = json.dumps(store.audit_rows(), default=str, ensure_ascii=False)
        return res.output, db.with_suffix(".csv").read_text("utf-8-sig"), stored, audit, kept

    out, report, stored, audit, kept = run(tmp_path / "ohne.sqlite", "bad-hersfeld")
    assert kept == sorted(["123A456789", "12345BG1234567", "K-1001"])
    assert "3 neu" in out and "3 abgelehnt" in out, out
    assert STREET in out and LETTERS in out, out
    assert [(cid, field) for cid, field, _ in stored] == [(None, "id")] * 3
    _never_quoted("\n".join([out, report, *(r for *_, r in stored), audit]), REVEALING)

    profile = _profile(tmp_path, "kundennummer_muster = '[0-9]{3}[A-Z][0-9]{6}'\n"
                                 "kundennummer_beispiel = '987Z654321'")
    out, report, stored, audit, kept = run(tmp_path / "muster.sqlite", str(profile))
    assert kept == ["123A456789"]
    assert "1 neu" in out and "5 abgelehnt" in out, out
    assert "erwartet wird eine Nummer wie „987Z654321“" in out, out
    # the stored rejections keep the profile's example (what was typed stands as „…“)
    assert [r.split(":")[0] for *_, r in stored] == [
        STREET, FORM + " (erwartet wird eine Nummer wie „987Z654321“)",
        FORM + " (erwartet wird eine Nummer wie „987Z654321“)",
        FORM + " (erwartet wird eine Nummer wie „987Z654321“)",
        FORM + " (erwartet wird eine Nummer wie „987Z654321“)"], stored
    _never_quoted("\n".join([out, report, *(r for *_, r in stored), audit]),
                  [*REVEALING, "K-1001", "12345BG1234567"])


@pytest.mark.slow
def test_web_upload_refuses_them_and_the_rejections_and_their_audit_do_not_name_them(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """The audit's upload: ``Schroeder-8`` was stored and the rejected ``Schroeder 7``
    stood in ``ablehnungen.csv`` and in the audit row ``import_ablehnungen_angezeigt``."""
    from tests.web_fixtures import bare_app, live_server, login, upload_list

    path = _write(tmp_path / "liste.csv", [
        _row("Schroeder-8", "Bahnhofstraße", "1"), _row("Schroeder 7", "Bahnhofstraße", "3"),
        _row("Weinstrasse-21"), _row("K-1001", "Bahnhofstraße", "5")])
    hidden = ["Schroeder-8", "Schroeder 7", "Weinstrasse-21", "Schroeder"]
    app = bare_app(tmp_path)
    store = app.state.web.store
    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        up = upload_list(kora, path, CITY)
        assert up.status_code == 200, up.text[-500:]
        assert "1</strong> neu" in up.text and "3</strong> abgelehnt" in up.text, up.text
        page = kora.get("/kunden/import")
        assert LETTERS in page.text and STREET in page.text
        got = kora.get(f"/kunden/ablehnungen.csv?stadt={CITY}")
        lines = list(csv.reader(io.StringIO(got.text.lstrip("\ufeff")), delimiter=";"))
        assert [r[:3] for r in lines[1:]] == [["2", "", "Kundennummer"],
                                              ["3", "", "Kundennummer"],
                                              ["4", "", "Kundennummer"]], lines
        _never_quoted("\n".join([up.text, page.text, got.text]), hidden)
    views = store.audit_rows(action="import_ablehnungen_angezeigt")
    assert len(views) >= 2 and all(v["details"]["kundennummern"] == [] for v in views), views
    _never_quoted(json.dumps(store.audit_rows(), default=str, ensure_ascii=False), hidden)


def test_the_web_case_search_echoes_only_what_the_import_would_take(tmp_path: Path) -> None:
    """Closing 28: an unknown id typed into the case search was repeated in the message
    and kept in the field when only the name check refused it, so ``Weinstrasse-21`` and
    ``Meier 12`` (a street, a surname: the import refuses them) stood on the page. Now
    the import's id rules decide (:func:`hausbesuch.clients.id_problem`): five letters in
    a row, or, with the profile's ``kundennummer_muster``, every id not of its form."""
    from tests.web_fixtures import bare_app, csrf_of, live_server, login

    def search(app, typed: str) -> str:  # noqa: ANN001
        with live_server(app) as live, httpx.Client(base_url=live.url, timeout=60) as kora:
            assert login(kora, "kora").status_code == 303
            page = kora.get("/faelle").text
            r = kora.post("/faelle", data={"csrf_token": csrf_of(page), "kundennummer": typed})
            assert r.status_code == 404, r.text[-300:]
            return r.text

    plain = bare_app(tmp_path)  # no pattern: five letters in a row are refused
    for typed in [*REVEALING, "Quirinella Zwackelmann"]:
        text = search(plain, typed)
        _never_quoted(text, [typed])
        assert "Die angegebene Kundennummer ist in Bad Hersfeld nicht bekannt; sie sieht " \
            "aus wie ein Name oder eine Anschrift" in text, text
    text = search(plain, "K-1099")  # a well-formed id: quoted, and kept in the field
    assert "Kundennummer „K-1099“ ist in Bad Hersfeld nicht bekannt" in text
    assert 'value="K-1099"' in text

    profile = _profile(tmp_path, "kundennummer_muster = '[0-9]{3}[A-Z][0-9]{6}'")
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD

    pattern = create_app(f"sqlite:///{tmp_path / 'muster.sqlite'}", cities=[str(profile)],
                         run_jobs=False)
    add_user(pattern.state.web.store, "kora", PASSWORD, role="koordination", city=CITY)
    text = search(pattern, "K-1099")  # not of the city's form: not quoted
    _never_quoted(text, ["K-1099"])
    text = search(pattern, "987Z654321")
    assert "Kundennummer „987Z654321“ ist in Bad Hersfeld nicht bekannt" in text
