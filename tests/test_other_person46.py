"""One person under two ids, checked: two people after all (closing 44/45: the import's and
the plan's note „doppelt angelegt?“ came back with every list although the coordinator
had checked the pair in the case-management system). ``status ID --other-person ID``
marks the pair, ``--undo`` takes the mark back; both audited by ids, never a name. Real
SQLite (and PostgreSQL for the mark and the import), the real Bad Hersfeld extract, the
command line as users run it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cli_helpers import city_db
from tests.test_fix_respelled44 import MON, NAMES, SAID, TOWN, TWICE, _audit_text, _list, _said


def _db(tmp_path: Path, backend: str, request: pytest.FixtureRequest) -> str:
    from tests.pg import pg_url, schema_url

    return str(tmp_path / "f.sqlite") if backend == "sqlite" else schema_url(
        pg_url(), f"t_other_{tmp_path.name[-12:].lower()}", request)


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_a_pair_checked_as_two_people_is_no_longer_named(
        tmp_path: Path, bad_hersfeld_pbf: Path, backend: str,
        request: pytest.FixtureRequest) -> None:
    """The mark silences the note for that pair on the next import; a third id of the
    same name at the door names its pairs again; ``--undo`` brings the note back. The
    case's status shows the mark; the audit log has it under both ids, no name."""
    db = city_db(_db(tmp_path, backend, request))
    out = _said(MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)), *db))
    assert f"K-1036 und K-1037: {SAID}" in out, out
    assert "hausbesuch status K-1036 --other-person K-1037" in out, out

    out = _said(MON.ok("status", "k-1037", "--other-person", "K-1036", *db))
    assert "Vermerkt: K-1037 und K-1036 sind zwei Personen" in out, out
    assert "andere Person als K-1036" in out, out
    assert SAID not in out, out  # (the status's own note is gone too)
    again = _said(MON.ok("status", "K-1036", "--other-person", "K-1037", *db))
    assert "waren schon als andere Person vermerkt; nichts geändert" in again, again
    assert "andere Person als K-1037" in again, again

    out = _said(MON.ok("import", str(_list(tmp_path / "b.csv", TWICE, names=NAMES)), *db))
    assert SAID not in out, out
    # the Auskunft (Art. 15) says the mark, not the other person's id
    told = tmp_path / "auskunft.txt"
    MON.ok("disclose", "K-1036", "--out", str(told), *db)
    text = told.read_text("utf-8")
    assert "andere Person als ein Fall mit gleichem Namen und gleicher Anschrift" in text
    assert "K-1037" not in text, text
    # the person under a third id: its pairs with both are unchecked, all three named
    out = _said(MON.ok("import", str(_list(tmp_path / "c.csv", [
        *TWICE, ("K-2001", f"Walnußweg 3, {TOWN}")],
        names={**NAMES, "K-2001": "Quaschnik, Jana"})), *db))
    assert f"K-1036, K-1037 und K-2001: {SAID}" in out, out
    # ... its hint names a pair not marked yet (QA 46 F5)
    assert "hausbesuch status K-1036 --other-person K-2001" in out, out

    out = _said(MON.ok("status", "K-1036", "--other-person", "K-1037", "--undo", *db))
    assert "Vermerk zurückgenommen: K-1036 und K-1037" in out, out
    assert "andere Person als" not in out, out
    out = _said(MON.ok("import", str(_list(tmp_path / "d.csv", TWICE, names=NAMES)), *db))
    assert f"K-1036, K-1037 und K-2001: {SAID}" in out, out  # (K-2001 is stored, open)

    audit = _audit_text(_db_path(db))
    for action in ("andere_person ", "andere_person_zurueck "):
        assert f"{action}K-1036" in audit and f"{action}K-1037" in audit, audit
    for name in ("Jana", "Quaschnik"):
        assert name not in audit


def _db_path(db: list[str]) -> str:
    return db[db.index("--db") + 1]


def test_only_a_pair_of_one_name_at_one_door_can_be_marked(tmp_path: Path,
                                                           bad_hersfeld_pbf: Path) -> None:
    """Two names at one door (C-3014, C-3015), one id twice, an unknown id and ``--undo``
    without ``--other-person`` are refused in German; nothing is stored or audited."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)), *db)
    for args, said in [
        (("C-3014", "--other-person", "C-3015"),
         "C-3014 und C-3015 haben nicht den gleichen Namen an der gleichen Anschrift"),
        (("K-1036", "--other-person", "k-1036"), "zweimal dieselbe Kundennummer"),
        (("K-1036", "--other-person", "K-9999"), "K-9999"),
        (("K-1036", "--undo"), "--undo gehört zu --other-person"),
    ]:
        code, out = MON.invoke("status", *args, *db)
        assert code != 0 and said in _said(out), (args, out)
        assert "Traceback" not in out
    undo = _said(MON.ok("status", "K-1036", "--other-person", "K-1037", "--undo", *db))
    assert "waren nicht als andere Person vermerkt; nichts geändert" in undo, undo
    assert "andere_person" not in _audit_text(path)


@pytest.mark.slow
def test_a_plan_of_the_stored_cases_leaves_a_checked_pair_out(tmp_path: Path,
                                                              bad_hersfeld_pbf: Path) -> None:
    """``plan`` without a list names one person under two ids (QA 44a F2), but not a pair
    marked as two people; a re-plan of a plan that named the pair does not name it again
    once it is marked (QA 46 F2), and names it again once the mark is taken back."""
    db = city_db(str(tmp_path / "f.sqlite"))
    MON.ok("import", str(_list(tmp_path / "a.csv", TWICE, names=NAMES)), *db)
    out = MON.ok("plan", *db, "--start", "2026-12-08", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    assert f"K-1036 und K-1037: {SAID}" in _said(out), out
    pid = _plan_id(db)
    MON.ok("status", "K-1036", "--other-person", "K-1037", *db)
    out = MON.ok("replan", pid, "--from", "2026-12-08 07:00", "--out",
                 str(tmp_path / "neu"), "--time-limit", "1", "--threads", "1", *db)
    assert SAID not in _said(out), out
    pages = " ".join(p.read_text("utf-8") for p in (tmp_path / "neu").rglob("*.html"))
    assert SAID not in _said(pages)
    MON.ok("status", "K-1036", "--other-person", "K-1037", "--undo", *db)
    out = MON.ok("replan", _plan_id(db), "--from", "2026-12-08 07:30", "--out",
                 str(tmp_path / "neu2"), "--time-limit", "1", "--threads", "1", *db)
    assert _said(out).count(f"K-1036 und K-1037: {SAID}") == 1, out


def _plan_id(db: list[str]) -> str:
    from hausbesuch.store import Store

    with Store.open(_db_path(db)) as store:
        return store.latest_plan("Bad Hersfeld").id


def test_the_case_page_marks_two_people_and_takes_the_mark_back(tmp_path: Path,
                                                                bad_hersfeld_pbf: Path) -> None:
    """The web-only coordinator: the case page names the other id of the same name at the
    door (no name), „K-1037 ist eine andere Person“ marks the pair (audited, the next
    upload of the list says nothing), „Vermerk zurücknehmen“ takes it back; a forged
    pair of two names is refused on the page (400), a form without its token (403)."""
    import httpx

    from tests.web_fixtures import (
        bare_app,
        csrf_of,
        live_server,
        login,
        page_text,
        upload_list,
    )

    app = bare_app(tmp_path)
    path = _list(tmp_path / "liste.csv", TWICE, names=NAMES)

    def upload(kora: httpx.Client) -> str:
        res = upload_list(kora, path, "Bad Hersfeld")
        assert res.status_code == 200, res.text[-500:]
        return page_text(res.text)

    def mark(kora: httpx.Client, other: str, **extra: str) -> httpx.Response:
        page = kora.get("/faelle/K-1036", params={"stadt": "Bad Hersfeld"}).text
        return kora.post("/fall-andere-person", data={
            "csrf_token": csrf_of(page), "stadt": "Bad Hersfeld", "kundennummer": "K-1036",
            "andere": other, **extra})

    with live_server(app) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
        assert login(kora, "kora").status_code == 303
        listed = upload(kora)
        assert (f"K-1036 und K-1037: {SAID} (zwei Personen: auf der Seite des Falls als "
                "„andere Person“ vermerken)") in listed, listed
        assert "--other-person" not in listed, listed  # (no command line in the web)
        page = page_text(kora.get("/faelle/K-1036", params={"stadt": "Bad Hersfeld"}).text)
        assert f"K-1036 und K-1037: {SAID}." in page and "K-1037 ist eine andere Person" in page
        assert "--other-person" not in page  # (the page has its own button)
        assert "Quaschnik" not in page and "Jana" not in page

        # a link that claims a mark the store does not have says nothing (QA 46 F6)
        page = page_text(kora.get("/faelle/K-1036", params={
            "stadt": "Bad Hersfeld", "person": "vermerkt", "andere": "K-1037"}).text)
        assert "als zwei Personen vermerkt" not in page
        res = mark(kora, "K-1037")
        assert res.status_code == 303 and res.headers["location"].endswith(
            "person=vermerkt&andere=K-1037#andere-person"), res.headers
        page = page_text(kora.get(res.headers["location"]).text)
        assert "K-1036 und K-1037 als zwei Personen vermerkt" in page, page
        assert "Andere Person als K-1037" in page
        assert SAID not in page
        assert SAID not in upload(kora)

        refused = mark(kora, "C-3015")
        assert refused.status_code == 400
        assert ("K-1036 und C-3015 haben nicht den gleichen Namen an der gleichen Anschrift"
                in page_text(refused.text))
        page = kora.get("/faelle/K-1036", params={"stadt": "Bad Hersfeld"}).text
        forged = kora.post("/fall-andere-person", data={
            "stadt": "Bad Hersfeld", "kundennummer": "K-1036", "andere": "K-1037",
            "zurueck": "1"})
        assert forged.status_code == 403

        res = mark(kora, "K-1037", zurueck="1")
        assert res.status_code == 303 and "person=zurueck" in res.headers["location"]
        page = page_text(kora.get(res.headers["location"]).text)
        assert "Vermerk zu K-1036 und K-1037 zurückgenommen" in page, page
        assert "K-1037 ist eine andere Person" in page
        again = mark(kora, "K-1037", zurueck="1")  # (a second tab's older page)
        page = page_text(kora.get(again.headers["location"]).text)
        assert "K-1036 und K-1037 waren nicht als zwei Personen vermerkt; nichts geändert" \
            in page, page
        assert f"K-1036 und K-1037: {SAID}" in upload(kora)

    audit = _audit_text(str(tmp_path / "bare.sqlite"))
    assert audit.count("andere_person K-1036") == 1 and "andere_person_zurueck K-1036" in audit
    assert "Jana" not in audit and "Quaschnik" not in audit
