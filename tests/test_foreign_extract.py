"""QA 28: the check that the extract holds the profile's depot lives in the casework.

It lived in the command line only (QA 27 F2/F3): the web's upload of a client list and
its address fixes used the casework directly, so a profile whose ``[osm] file`` is
another town's extract stored that town's cases and offered addresses 250 km away. And
a fix stored with such an extract before the check (an old database) was used as it
was. Real app, real SQLite, the real extracts of Lauf and Bad Hersfeld.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import httpx
from typer.testing import CliRunner

from hausbesuch.cli import app as cli_app
from tests.test_depot_message import _lauf_list, _lauf_profile_copy
from tests.web_fixtures import PASSWORD, csrf_of, live_server, login, page_text, upload_list

CITY = "Lauf a.d. Pegnitz"
#: a point in Bad Hersfeld's old town, 250 km from Lauf (Breite, Länge)
HERSFELD_POINT = (50.8686, 9.7078)
#: the change actions neither refusal may audit
CHANGES = {"import", "kunden_importiert", "adresse_korrigiert"}


def _cli(*args: str) -> str:
    res = CliRunner().invoke(cli_app, list(args))
    assert res.exit_code == 0, res.output
    return res.output


def _stored(db: Path) -> tuple[list[str], int]:
    from hausbesuch.store import AddressFixRow, ClientRow, Store

    with Store.open(str(db)) as store, store.session() as s:
        return (sorted(c.client_id for c in s.query(ClientRow)),
                s.query(AddressFixRow).count())


def test_the_web_refuses_a_profile_whose_extract_is_of_another_town(
        tmp_path: Path, lauf_pbf: Path, bad_hersfeld_pbf: Path) -> None:
    """A Lauf profile whose ``[osm] file`` is Bad Hersfeld's extract: the web's upload,
    its address page and its address fix show the German message (no 500), store
    nothing and audit no change; the same database with the right extract works."""
    from hausbesuch.store import Store
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    (tmp_path / "ok").mkdir()
    right = _lauf_profile_copy(tmp_path / "ok", lauf_pbf)
    wrong = _lauf_profile_copy(tmp_path, bad_hersfeld_pbf)
    db = tmp_path / "s.sqlite"
    _cli("import", str(_lauf_list(tmp_path)), "--city", str(right), "--db", str(db))
    assert _stored(db) == (["L-1", "L-2"], 0)
    more = tmp_path / "neu.csv"
    more.write_text("Kundennummer;Name;Adresse\nL-3;Probe, Petra;Marktplatz 3, 91207 Lauf\n",
                    encoding="utf-8")
    message = (f"Die Kartendaten (OSM-Auszug) für {CITY} enthalten den Standort von {CITY} "
               "nicht (Beispiel-Standort Rathaus Lauf, Urlasstraße 22, 91207 Lauf an der "
               "Pegnitz): der Auszug deckt eine andere Gegend ab. Bitte die Administration "
               "informieren")

    web = create_app(f"sqlite:///{db}", cities=[str(wrong)], run_jobs=False)
    store: Store = web.state.web.store
    add_user(store, "kora", PASSWORD, role="koordination", city=CITY)
    before = len(store.audit_rows())
    with live_server(web) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        up = upload_list(kora, more, CITY)
        assert up.status_code == 400, up.text[-800:]
        text = page_text(up.text)
        assert message in text and "Es wurde nichts gespeichert." in text, text
        # no server path and no option of the command line on the page
        assert str(bad_hersfeld_pbf) not in up.text and str(wrong) not in up.text
        assert "--osm" not in text

        page = kora.get(f"/adressen?stadt={CITY}")
        assert page.status_code == 503, page.text[-800:]
        text = page_text(page.text)
        assert message in text and "36251" not in text and "Bad Hersfeld" not in text, text
        assert 'id="adressen"' not in page.text  # no table, no form

        fixed = kora.post("/adressen/L-2", data={
            "csrf_token": csrf_of(kora.get("/kunden/import").text), "stadt": CITY,
            "vorschlag": "1"})
        assert fixed.status_code == 400, fixed.text[-800:]
        text = page_text(fixed.text)
        assert message in text and "36251" not in text, text
        one = kora.get(f"/adressen?stadt={CITY}&kundennummer=L-2")
        assert one.status_code == 503 and message in page_text(one.text)
    assert _stored(db) == (["L-1", "L-2"], 0)
    actions = [r["action"] for r in store.audit_rows()[before:]]
    assert not CHANGES & set(actions) and "adressen_angezeigt" not in actions, actions
    assert all(r["client_id"] is None for r in store.audit_rows()[before:])

    # the same database with the right extract: the upload is stored
    good = create_app(f"sqlite:///{db}", cities=[str(right)], run_jobs=False)
    with live_server(good) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        up = upload_list(kora, more, CITY)
        assert up.status_code == 200, up.text[-800:]
        assert kora.get(f"/adressen?stadt={CITY}").status_code == 200
    assert _stored(db)[0] == ["L-1", "L-2", "L-3"]


def _monday() -> date:
    from tests.web_fixtures import planning_week

    return planning_week(land="BY")


def test_a_stored_fix_outside_the_extract_is_listed_and_not_planned(
        tmp_path: Path, lauf_pbf: Path) -> None:
    """A fix stored with another area's extract (an old database: a point and an address
    in Bad Hersfeld for cases of Lauf): ``addresses`` lists both as to be fixed again,
    ``plan`` rejects both with that reason and plans the others; a new fix counts."""
    from hausbesuch import clock
    from hausbesuch.store import AddressFixRow, ClientRow, Store

    right = _lauf_profile_copy(tmp_path, lauf_pbf)
    db = tmp_path / "s.sqlite"
    src = _lauf_list(tmp_path)
    src.write_text(src.read_text(encoding="utf-8")
                   + "L-3;Probe, Petra;Marktplatz 3, 91207 Lauf\n", encoding="utf-8")
    common = ["--city", str(right), "--db", str(db)]
    _cli("import", str(src), *common)
    with Store.open(str(db)) as store, store.session() as s:  # as an old database has them
        for cid, point, address in (("L-1", HERSFELD_POINT, None),
                                    ("L-2", None, "Breitenstraße 5, 36251 Bad Hersfeld")):
            row = s.get(ClientRow, {"city": CITY, "client_id": cid})
            s.add(AddressFixRow(city=CITY, client_id=cid, source_address=row.address,
                                address=address, lat=point and point[0],
                                lon=point and point[1], fixed_by="cli:alt",
                                fixed_at=clock.now(), stale=False))

    listed = " ".join(_cli("addresses", *common).split())
    outside = (f"Die gespeicherte Korrektur ({{}}) liegt außerhalb des OSM-Auszugs von {CITY} "
               "und gilt nicht (gespeichert mit dem Auszug einer anderen Gegend?): bitte die "
               "Adresse neu korrigieren")
    assert "2 Adressen zu prüfen" in listed, listed
    assert "L-1: Marktplatz 1, 91207 Lauf (nicht gefunden): " + outside.format(
        "der von Hand gesetzte Punkt") in listed, listed
    assert "L-2: Hirschberger Straße 4, 91207 Lauf (nicht gefunden): " + outside.format(
        "die korrigierte Adresse") in listed, listed
    assert "L-3" not in listed

    monday = _monday()
    _cli("plan", *common, "--start", monday.isoformat(), "--days", "1", "--out",
         str(tmp_path / "plan"), "--time-limit", "2", "--threads", "1")
    with Store.open(str(db)) as store:
        plan = store.latest_plan(CITY)
    assert plan is not None
    planned = {s.client_id for r in plan.routes for s in r.stops}
    assert planned == {"L-3"}, planned
    why = {r.id: r.reason for r in plan.rejected}
    assert set(why) >= {"L-1", "L-2"}, why
    assert outside.format("der von Hand gesetzte Punkt") in why["L-1"], why
    assert "hausbesuch address L-1 --set-address" in why["L-1"], why
    assert outside.format("die korrigierte Adresse") in why["L-2"], why

    # fixed again: a point of Lauf; the list's address (Vorschlag 1): both planned
    assert "Vorschlag 1 übernimmt die Adresse der Liste" in listed
    _cli("address", "L-1", "--set-point", "49.5103,11.2794", *common)
    _cli("address", "L-2", "--suggestion", "1", *common)
    assert "Alle Adressen" in _cli("addresses", *common)
    with Store.open(str(db)) as store, store.session() as s:
        fix = s.get(AddressFixRow, {"city": CITY, "client_id": "L-2"})
        assert "91207" in fix.address and fix.lon is None, fix.address
    _cli("plan", *common, "--start", (monday + timedelta(weeks=1)).isoformat(), "--days", "1",
         "--out", str(tmp_path / "plan2"), "--time-limit", "2", "--threads", "1")
    with Store.open(str(db)) as store:
        plan = store.latest_plan(CITY)
    assert {"L-1", "L-2"} <= {s.client_id for r in plan.routes for s in r.stops}


def test_plan_with_an_extract_of_another_city_than_the_profile_stores_nothing(
        tmp_path: Path, lauf_pbf: Path) -> None:
    """``plan LISTE --osm lauf.pbf`` without --city imported Lauf's list as Kassel's cases
    before the depot was found outside the extract (``import`` refused it since QA 18b
    #3); now the import inside ``plan`` refuses it in the same words, storing nothing."""
    from hausbesuch.store import ClientRow, Store

    db = str(tmp_path / "s.sqlite")
    res = CliRunner().invoke(cli_app, [
        "plan", str(_lauf_list(tmp_path)), "--osm", str(lauf_pbf), "--db", db, "--start",
        _monday().isoformat(), "--days", "1", "--out", str(tmp_path / "plan")])
    assert res.exit_code == 2, res.output
    with Store.open(db) as store, store.session() as s:
        assert [(c.city, c.client_id) for c in s.query(ClientRow)] == []
    text = " ".join(res.output.split())
    assert ("enthält den Standort des Stadtprofils nicht (Jobcenter Stadt Kassel, "
            "Lewinskistraße 4, 34127 Kassel; ohne --city gilt das Profil von Kassel). Bitte "
            "--city mit dem Profil der Stadt dieses Auszugs angeben.") in text, text
