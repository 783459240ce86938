"""Optimistic concurrency of the forms that change a case (QA 38 F1).

Two coordinators had the same page open: on *Adressen* one set a point for a case, the
other, on her page loaded before, typed an address for it and saved; on the case page one
closed the case, the other, on his page still showing „offen“, set „erreicht“. The second
write was stored, the first gone, nobody told. Now each form carries the stamp of what
its page showed (the case's address fix; its last status change); when that changed
since, nothing is stored (no audit row either: a refusal is not a change) and the page
comes again (409) naming what changed, by whom and when, with the values as typed and
the new stamp, so that sending again stores on purpose. A form without the stamp (a page
from before, a script) is refused so too.

Two accounts of Bad Hersfeld over real HTTP, on SQLite and PostgreSQL, with the city's
real OSM extract (no plan: the forms do not need one).
"""

from __future__ import annotations

import csv
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.pg import drop_schema, store_url
from tests.web_fixtures import (
    CITY_PROFILE,
    PASSWORD,
    live_server,
    logged_in,
    write_web_client_list,
)

CITY = "Bad Hersfeld"
UNFOUND = "W010"  # Zzyzx-Allee 12: not found, listed on *Adressen*
TAIL = "Ihre Eingabe ist nicht gespeichert; bitte prüfen und erneut senden."


@dataclass
class StaleSite:
    url: str
    store: object
    real_address: str  # an address of the list that the geocoder finds
    list_path: Path  # the list imported
    profile: object  # the city's


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def stale_site(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               bad_hersfeld_pbf: Path) -> Iterator[StaleSite]:
    """The city's imported list and two coordinators, ``kora`` and ``kurt``."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    tmp = tmp_path_factory.mktemp(f"web-stale-{request.param}")
    db, schema = store_url(request.param, tmp, "stale")
    app = create_app(db, schema=schema, cities=[CITY_PROFILE], run_jobs=False)
    store = app.state.web.store
    path = tmp / "kunden.csv"
    write_web_client_list(path, load_index(bad_hersfeld_pbf))
    for name in ("kora", "kurt"):
        add_user(store, name, PASSWORD, role="koordination", city=CITY)
    casework_api.import_clients(store, app.state.web.profile(CITY), str(path), "kora")
    with open(path, encoding="utf-8-sig", newline="") as fh:
        first = next(r for r in csv.DictReader(fh, delimiter=";") if r["Kundennummer"] == "W000")
    real = f"{first['Straße']} {first['Hausnummer']}, {first['PLZ']} {first['Ort']}"
    try:
        with live_server(app) as live:
            yield StaleSite(live.url, store, real, path, app.state.web.profile(CITY))
    finally:
        if schema is not None:
            drop_schema(db, schema)


@pytest.fixture
def kora(stale_site: StaleSite) -> Iterator[httpx.Client]:
    with logged_in(stale_site.url, "kora") as c:
        yield c


@pytest.fixture
def kurt(stale_site: StaleSite) -> Iterator[httpx.Client]:
    with logged_in(stale_site.url, "kurt") as c:
        yield c


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def _address_form(page: str, cid: str) -> dict[str, str]:
    """The hidden fields of the address form of case ``cid`` on an *Adressen* page."""
    row = re.search(rf'<tr id="adresse-{re.escape(cid)}" role="row">(.*?)</tr>', page, re.S)
    assert row, f"no form for {cid}"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', row[1]))
    assert fields.get("stand"), fields
    return fields


def _one_case(c: httpx.Client, cid: str) -> str:
    """The address page of case ``cid`` alone (the link of its case page)."""
    return c.get("/adressen", params={"kundennummer": cid, "stadt": CITY}).text


def _status_form(page: str) -> dict[str, str]:
    """The hidden fields of the status form of a case page."""
    form = re.search(r'<form [^>]*id="status-setzen">(.*?)</form>', page, re.S)
    assert form, "no status form"
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form[1]))
    assert fields.get("stand"), fields
    return fields


def _fix(site: StaleSite, cid: str):  # noqa: ANN202
    from hausbesuch.store import AddressFixRow

    with site.store.session() as s:
        fix = s.get(AddressFixRow, {"city": CITY, "client_id": cid})
        if fix is not None:
            s.expunge(fix)
        return fix


def _drop_fix(site: StaleSite, cid: str) -> None:
    from hausbesuch.store import AddressFixRow

    with site.store.session() as s:
        fix = s.get(AddressFixRow, {"city": CITY, "client_id": cid})
        if fix is not None:
            s.delete(fix)


def _count(site: StaleSite, action: str) -> int:
    return sum(r["action"] == action for r in site.store.audit_rows())


def _status(site: StaleSite, cid: str) -> tuple[str, str, int]:
    """The case's status, its reason and how many history rows it has."""
    from sqlalchemy import func, select

    from hausbesuch.store import ClientRow, StatusHistoryRow

    with site.store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": cid})
        n = s.scalar(select(func.count()).select_from(StatusHistoryRow).where(
            StatusHistoryRow.city == CITY, StatusHistoryRow.client_id == cid))
        return row.status, row.status_reason, n


def test_a_fix_from_a_page_older_than_a_colleagues_fix_is_not_stored(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client) -> None:
    """QA 38 F1 (a): kurt sets a point; kora's address typed on her older page is not
    stored, she is told whose fix, which and when; sent again from the page she gets
    back, it is stored."""
    _drop_fix(stale_site, UNFOUND)
    kora_form = _address_form(kora.get("/adressen").text, UNFOUND)
    kurt_form = _address_form(kurt.get("/adressen").text, UNFOUND)
    assert kora_form["stand"] == kurt_form["stand"] == "keine"
    r = kurt.post(f"/adressen/{UNFOUND}", data={**kurt_form, "breite": "50,8675",
                                                 "laenge": "9,7071"})
    assert r.status_code == 303, _text(r.text)[-800:]
    fixes = _count(stale_site, "adresse_korrigiert")
    typed = stale_site.real_address
    r = kora.post(f"/adressen/{UNFOUND}", data={**kora_form, "adresse": typed})
    assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
    fix = _fix(stale_site, UNFOUND)
    assert (fix.fixed_by, fix.address, round(fix.lat, 4)) == ("kurt", None, 50.8675)
    assert _count(stale_site, "adresse_korrigiert") == fixes  # a refusal is no change
    said = (f"{UNFOUND} wurde inzwischen von kurt korrigiert (Punkt Breite 50,867500, "
            f"Länge 9,707100, {fix.fixed_at:%H:%M} Uhr). {TAIL}")
    assert said in _text(r.text), _text(r.text)[:1500]
    assert "Nicht gespeichert: " + said not in _text(r.text)  # said once
    # the form as typed, with the stamp of kurt's fix: sending again stores on purpose
    again = _address_form(r.text, UNFOUND)
    assert again["stand"] != kora_form["stand"]
    assert f'name="adresse" aria-invalid="true" aria-describedby="fehlermeldung" ' \
           f'placeholder="Straße Hausnummer, PLZ Ort" value="{html.escape(typed)}"' in r.text
    r = kora.post(f"/adressen/{UNFOUND}", data={**again, "adresse": typed})
    assert r.status_code == 303, _text(r.text)[-800:]
    fix = _fix(stale_site, UNFOUND)
    assert (fix.fixed_by, fix.address) == ("kora", typed)
    assert _count(stale_site, "adresse_korrigiert") == fixes + 1
    # kurt's page is older now: his next point is refused, naming kora's address
    r = kurt.post(f"/adressen/{UNFOUND}", data={**kurt_form, "breite": "50,8676",
                                                 "laenge": "9,7072"})
    assert r.status_code == 409
    assert f"{UNFOUND} wurde inzwischen von kora korrigiert (Adresse „{typed}“, " in \
        _text(r.text)
    assert _fix(stale_site, UNFOUND).address == typed


def test_a_stale_suggestion_is_told_what_changed(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client) -> None:
    """A suggestion's button on a stale page is refused naming the colleague's fix, before
    the suggestions are looked at (it was refused before too, as „Vorschläge … gibt es
    keine“, without saying why)."""
    cid = UNFOUND
    form = _address_form(_one_case(kora, cid), cid)
    r = kurt.post(f"/adressen/{cid}", data={**_address_form(_one_case(kurt, cid), cid),
                                            "breite": "50,8675", "laenge": "9,7071"})
    assert r.status_code == 303
    r = kora.post(f"/adressen/{cid}", data={**form, "vorschlag": "1"})
    assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
    assert f"{cid} wurde inzwischen von kurt korrigiert (Punkt Breite 50,867500" in _text(r.text)
    assert "Vorschläge" not in _text(r.text).split(TAIL)[0]
    assert _fix(stale_site, cid).fixed_by == "kurt"


def test_an_address_form_without_its_stamp_is_refused(
        stale_site: StaleSite, kora: httpx.Client) -> None:
    """A form that does not say what its page showed (a page from before the stamp, a
    script) cannot tell whether it overwrites a fix unseen: refused so too (409), nothing
    stored, and the page it gets back carries the stamp."""
    form = _address_form(_one_case(kora, UNFOUND), UNFOUND)
    before = _fix(stale_site, UNFOUND)
    fixes = _count(stale_site, "adresse_korrigiert")
    r = kora.post(f"/adressen/{UNFOUND}", data={"csrf_token": form["csrf_token"],
                                                "stadt": CITY, "breite": "50,8677",
                                                "laenge": "9,7073"})
    assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
    assert f"Das Formular sagt nicht, welchen Stand von {UNFOUND} es zeigte (eine ältere " \
           "Seite?)" in _text(r.text)
    assert TAIL in _text(r.text)
    after = _fix(stale_site, UNFOUND)
    assert (after and (after.fixed_at, after.lat)) == (before and (before.fixed_at, before.lat))
    assert _count(stale_site, "adresse_korrigiert") == fixes
    again = _address_form(r.text, UNFOUND)
    assert 'value="50,8677"' in r.text  # as typed
    r = kora.post(f"/adressen/{UNFOUND}", data={**again, "breite": "50,8677",
                                                "laenge": "9,7073"})
    assert r.status_code == 303
    assert round(_fix(stale_site, UNFOUND).lat, 4) == 50.8677


def test_a_status_from_a_page_older_than_a_colleagues_change_is_not_set(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client) -> None:
    """QA 38 F1 (b): kora closes the case; kurt, on his page still showing „offen“, sets
    „erreicht“: not set, he is told by whom, to what and when; sent again, it is set."""
    cid = "W001"
    kora_form = _status_form(kora.get(f"/faelle/{cid}").text)
    kurt_form = _status_form(kurt.get(f"/faelle/{cid}").text)
    assert kora_form["stand"] == kurt_form["stand"]
    r = kora.post(f"/faelle/{cid}", data={**kora_form, "status": "abgeschlossen",
                                          "grund": "laut Fachanwendung"})
    assert r.status_code == 303, _text(r.text)[-800:]
    before, changes = _status(stale_site, cid), _count(stale_site, "status_geaendert")
    assert before[0] == "abgeschlossen"
    r = kurt.post(f"/faelle/{cid}", data={**kurt_form, "status": "erreicht",
                                          "grund": "hat angerufen"})
    assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
    assert _status(stale_site, cid) == before  # no status, no history row
    assert _count(stale_site, "status_geaendert") == changes  # a refusal is no change
    from hausbesuch.store import StatusHistoryRow

    with stale_site.store.session() as s:
        at = max(h.changed_at for h in s.query(StatusHistoryRow).filter_by(
            city=CITY, client_id=cid))
    said = (f"Der Status von {cid} wurde inzwischen von kora auf „abgeschlossen“ gesetzt "
            f"({at:%H:%M} Uhr). {TAIL}")
    assert said in _text(r.text), _text(r.text)[:1500]
    # the status and reason as chosen, with the stamp of kora's change
    assert '<option value="erreicht" selected>' in r.text
    assert 'value="hat angerufen"' in r.text
    again = _status_form(r.text)
    assert again["stand"] != kurt_form["stand"]
    r = kurt.post(f"/faelle/{cid}", data={**again, "status": "erreicht",
                                          "grund": "hat angerufen"})
    assert r.status_code == 303
    assert _status(stale_site, cid)[:2] == ("erreicht", "hat angerufen")
    assert _count(stale_site, "status_geaendert") == changes + 1


def test_a_status_form_without_its_stamp_is_refused(
        stale_site: StaleSite, kora: httpx.Client) -> None:
    cid = "W002"
    form = _status_form(kora.get(f"/faelle/{cid}").text)
    before, changes = _status(stale_site, cid), _count(stale_site, "status_geaendert")
    r = kora.post(f"/faelle/{cid}", data={"csrf_token": form["csrf_token"], "stadt": CITY,
                                          "status": "in_klaerung"})
    assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
    assert f"Das Formular sagt nicht, welchen Status von {cid} es zeigte (eine ältere " \
           "Seite?); jetzt: „offen“, gesetzt von " in _text(r.text)
    assert _status(stale_site, cid) == before
    assert _count(stale_site, "status_geaendert") == changes
    r = kora.post(f"/faelle/{cid}", data={**_status_form(r.text), "status": "in_klaerung"})
    assert r.status_code == 303
    assert _status(stale_site, cid)[0] == "in_klaerung"


def test_a_refused_entry_keeps_the_stamp_its_page_showed(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client) -> None:
    """A form refused for its input (a point that is no number, a reason too long) comes
    back with the stamp it sent, not the one of now: corrected and sent again, it is told
    about the colleague's change meanwhile rather than overwriting it."""
    cid = "W003"
    form = _address_form(_one_case(kora, cid), cid)
    r = kurt.post(f"/adressen/{cid}", data={**_address_form(_one_case(kurt, cid), cid),
                                            "breite": "50,8675", "laenge": "9,7071"})
    assert r.status_code == 303
    r = kora.post(f"/adressen/{cid}", data={**form, "breite": "fünfzig", "laenge": "9,7"})
    assert r.status_code == 400 and "Breite und Länge als Zahlen" in _text(r.text)
    assert _address_form(r.text, cid)["stand"] == form["stand"]
    r = kora.post(f"/adressen/{cid}", data={**_address_form(r.text, cid), "breite": "50,87",
                                            "laenge": "9,7"})
    assert r.status_code == 409 and f"{cid} wurde inzwischen von kurt korrigiert" in \
        _text(r.text)
    assert _fix(stale_site, cid).fixed_by == "kurt"

    form = _status_form(kora.get(f"/faelle/{cid}").text)
    r = kurt.post(f"/faelle/{cid}", data={**_status_form(kurt.get(f"/faelle/{cid}").text),
                                          "status": "in_klaerung"})
    assert r.status_code == 303
    r = kora.post(f"/faelle/{cid}", data={**form, "status": "erreicht", "grund": "x" * 501})
    assert r.status_code == 400 and "Grund: höchstens 500 Zeichen" in _text(r.text)
    assert _status_form(r.text)["stand"] == form["stand"]
    r = kora.post(f"/faelle/{cid}", data={**_status_form(r.text), "status": "erreicht"})
    assert r.status_code == 409
    assert f"Der Status von {cid} wurde inzwischen von kurt auf „in Klärung“ gesetzt" in \
        _text(r.text)
    assert _status(stale_site, cid)[0] == "in_klaerung"


def test_two_forms_sent_at_once_from_the_same_page_store_one(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client) -> None:
    """Of two forms sent at the same moment from pages showing the same state, one is
    stored, the other refused (409), whichever comes first. (Nothing here makes the two
    requests overlap inside the service, so this does not prove that the comparison under
    the case's lock is needed: review 38 #3.)"""
    from concurrent.futures import ThreadPoolExecutor

    cid = "W004"
    forms = {"kora": _status_form(kora.get(f"/faelle/{cid}").text),
             "kurt": _status_form(kurt.get(f"/faelle/{cid}").text)}
    fixes = {"kora": _address_form(_one_case(kora, cid), cid),
             "kurt": _address_form(_one_case(kurt, cid), cid)}
    before = _status(stale_site, cid)
    clients = {"kora": (kora, "abgeschlossen", "50,8675"), "kurt": (kurt, "erreicht", "50,8676")}

    def send(name: str) -> tuple[int, int]:
        c, status, lat = clients[name]
        a = c.post(f"/faelle/{cid}", data={**forms[name], "status": status}).status_code
        b = c.post(f"/adressen/{cid}", data={**fixes[name], "breite": lat,
                                              "laenge": "9,7071"}).status_code
        return a, b

    with ThreadPoolExecutor(2) as pool:
        got = list(pool.map(send, ["kora", "kurt"]))
    assert sorted(a for a, _ in got) == [303, 409], got
    assert sorted(b for _, b in got) == [303, 409], got
    assert _status(stale_site, cid)[2] == before[2] + 1  # one change in the history
    winner = ["kora", "kurt"][[a for a, _ in got].index(303)]
    assert _status(stale_site, cid)[0] == clients[winner][1]
    fixer = ["kora", "kurt"][[b for _, b in got].index(303)]
    assert _fix(stale_site, cid).fixed_by == fixer


def _import_changed(site: StaleSite, tmp: Path, changes: dict[str, dict[str, str]]) -> None:
    """Import the site's list as ``kurt`` with these cells changed ({case id: {column:
    value}}); ``changes`` empty: the list as it was."""
    from hausbesuch.web import casework_api

    with open(site.list_path, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    for r in rows:
        r.update(changes.get(r["Kundennummer"], {}))
    path = tmp / "kunden-neu.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=";")
        w.writeheader()
        w.writerows(rows)
    casework_api.import_clients(site.store, site.profile, str(path), "kurt")


def test_a_fix_typed_for_an_address_a_list_changed_since_is_not_stored(
        stale_site: StaleSite, kora: httpx.Client, tmp_path: Path) -> None:
    """stale38's notes: an import that changes the case's address between the address
    page's load and the fix being sent changed nothing of the form's stamp, and the fix
    typed for the old address was stored for the new one. Now the stamp holds when a
    list last changed the address: the fix is refused, naming the address of now and
    when it was read; sent again from the page it gets back, it is stored. A list that
    changes something else of the case (its note) leaves the form as it was."""
    from hausbesuch.store import ClientRow

    cid, other = "W012", "W013"  # found addresses, no other test's cases
    form, kept = (_address_form(_one_case(kora, c), c) for c in (cid, other))
    assert form["stand"] == kept["stand"] == "keine"
    fixes = _count(stale_site, "adresse_korrigiert")
    try:
        _import_changed(stale_site, tmp_path, {
            cid: {"Straße": "Zzyzx-Allee", "Hausnummer": "14"}, other: {"Notiz": "neu"}})
        r = kora.post(f"/adressen/{cid}", data={**form, "breite": "50,8675",
                                                "laenge": "9,7071"})
        assert r.status_code == 409, (r.status_code, _text(r.text)[-800:])
        with stale_site.store.session() as s:
            row = s.get(ClientRow, {"city": CITY, "client_id": cid})
            address, since = row.address, row.address_since
        assert address.startswith("Zzyzx-Allee 14")
        assert _fix(stale_site, cid) is None
        assert _count(stale_site, "adresse_korrigiert") == fixes  # a refusal is no change
        said = (f"Die Kundenliste hat die Adresse von {cid} inzwischen geändert (eingelesen "
                f"{since:%H:%M} Uhr): jetzt „{address}“. {TAIL}")
        assert said in _text(r.text), _text(r.text)[:1500]
        again = _address_form(r.text, cid)
        assert again["stand"] != form["stand"]
        r = kora.post(f"/adressen/{cid}", data={**again, "breite": "50,8675",
                                                "laenge": "9,7071"})
        assert r.status_code == 303, _text(r.text)[-800:]
        assert round(_fix(stale_site, cid).lat, 4) == 50.8675
        # the other case's note changed, not its address: its form stores
        r = kora.post(f"/adressen/{other}", data={**kept, "breite": "50,8676",
                                                  "laenge": "9,7072"})
        assert r.status_code == 303, _text(r.text)[-800:]
    finally:
        _drop_fix(stale_site, cid)
        _drop_fix(stale_site, other)
        _import_changed(stale_site, tmp_path, {})


def test_the_address_page_reads_the_stamps_of_its_rows_only(
        stale_site: StaleSite, kora: httpx.Client, kurt: httpx.Client,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 39 #3: *Adressen* read the stamps of every case with a fix or an address a
    list ever changed (``Casework.fix_stamps()``, a number that grows with each import)
    on each view. Now those of the rows it shows only (``fix_stamps`` is wrapped to note
    the cases it is given, the real one answers), read after them: a fix stored after
    the page began to read its rows is left out of the row's stamp, so that its form is
    stale rather than the fix unseen."""
    from hausbesuch import clock
    from hausbesuch.casework.service import Casework

    asked: list[list[str] | None] = []
    real = Casework.fix_stamps

    def noting(self, client_ids=None, **kw):  # noqa: ANN001, ANN003, ANN202
        asked.append(None if client_ids is None else list(client_ids))
        return real(self, client_ids, **kw)

    monkeypatch.setattr(Casework, "fix_stamps", noting)
    page = kora.get("/adressen", params={"stadt": CITY}).text
    rows = re.findall(r'<tr id="adresse-([^"]+)" role="row">', page)
    assert rows and asked == [rows], (asked, rows)

    cid = "W014"  # a found address, no other test's case
    cw = Casework(stale_site.store, stale_site.profile, actor="kurt")
    began = clock.now()
    form = _address_form(_one_case(kurt, cid), cid)
    try:
        r = kurt.post(f"/adressen/{cid}", data={**form, "breite": "50,8677",
                                                 "laenge": "9,7073"})
        assert r.status_code == 303, _text(r.text)[-800:]
        assert real(cw, [cid], before=began) == {cid: form["stand"]}  # the fix left out
        assert real(cw, [cid])[cid] != form["stand"]
    finally:
        _drop_fix(stale_site, cid)
