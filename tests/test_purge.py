"""Erasing the personal data of closed cases: ``hausbesuch purge``.

A small history on Bad Hersfeld through the commands (import with notes and an extra
column, an address fix, two planned weeks, outcomes with notes, statuses with reasons that
name people) is erased for the closed cases; every table and the database file itself are
then searched for what must be gone, and what must stay (the open cases, case ids,
districts, outcome codes, the audit) is checked, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch import clock
from hausbesuch.cli import app
from hausbesuch.fields import format_day
from tests.pg import pg_url, schema_url
from tests.planning_fixtures import real_addresses

pytestmark = pytest.mark.slow

WEEK1, WEEK2 = date(2026, 12, 7), date(2026, 12, 14)
SATURDAY = date(2026, 12, 12)  # after week 1, before week 2
N = 10
HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Notiz", "Telefon", "Zeitfenster"]


def _name(i: int) -> str:
    return f"Quirinella Zwackelmann-{chr(65 + i)}"


def _note(i: int) -> str:
    return f"Hund im Hof {chr(65 + i)}xq"


def _phone(i: int) -> str:
    return f"0151 7730{i:02d}9"


def _window(i: int) -> str:
    return f"Mo-Fr 8-16 (nach Dialyse {chr(65 + i)}qz)"


#: The moment the store's clock starts from in this module (it runs on from there).
CLOCK_START = datetime(2026, 12, 3, 8, 0)


@pytest.fixture(scope="module", autouse=True)
def _december_clock():
    """The weeks of this module lie in December 2026, and the moments the store records
    (status changes, erasures) are taken by :func:`hausbesuch.clock.now`, not by
    ``HAUSBESUCH_HEUTE``: a clock that starts on 03.12.2026 and runs on, whatever the real
    date, so that a status set in the fixture lies nine days before the Saturday the
    commands take as today."""
    import time

    from hausbesuch import clock as store_clock

    t0 = time.monotonic()
    patch = pytest.MonkeyPatch()
    patch.setattr(store_clock, "now",
                  lambda: CLOCK_START + timedelta(seconds=time.monotonic() - t0))
    yield
    patch.undo()


def run(*args: str, today: date = SATURDAY, code: int = 0) -> str:
    res = CliRunner(env={clock.ENV: today.isoformat(), "HAUSBESUCH_USER": "pruefer"}).invoke(
        app, list(args), catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.output


def _write_list(path: Path, addrs) -> None:  # noqa: ANN001
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"E{i:02d}", _name(i), street, hn, pc, town or "Bad Hersfeld",
                        "01.03.2025", _note(i), _phone(i), _window(i)])
        # the same person again, its id in small letters: rejected, the reason quotes it
        street, hn, pc, town = addrs[1]
        w.writerow(["e01", _name(1), street, hn, pc, town or "Bad Hersfeld", "01.03.2025",
                    "", "", "Mo-Fr 9-15 nur wenn Ehemann Rudolf Kleinschmidt nicht da"])


def _stops(db: str, start: date) -> list:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        plan = next(p for p in (store.load_plan(r.id) for r in store.list_plans("Bad Hersfeld"))
                    if p.start == start)
    return [(r, s) for r in plan.routes for s in r.stops]


@pytest.fixture(scope="module")
def history(tmp_path_factory, bad_hersfeld_pbf):
    """The SQLite database before any erasure, and who is who in it."""
    from geodata.geocode import load_index

    d = tmp_path_factory.mktemp("purge")
    addrs = random.Random(14).sample(real_addresses(load_index(bad_hersfeld_pbf)), N)
    _write_list(d / "kunden.csv", addrs)
    db = str(d / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    before = WEEK1 - timedelta(days=3)
    run("import", str(d / "kunden.csv"), *common, today=before)
    # a coordinator's fix of one address (a point a little off the house)
    run("address", "E01", "--set-point", "50.86811,9.70733", *common, today=before)
    # planned with the list: its rejected rows are stored with the plan
    run("plan", str(d / "kunden.csv"), *common, "--start", WEEK1.isoformat(), "--days", "3",
        "--out",
        str(d / "woche1"), "--time-limit", "2", "--threads", "1", today=before)
    stops = _stops(db, WEEK1)
    planned = [s.client_id for _, s in stops]
    assert {"E00", "E01", "E02", "E03"} <= set(planned), planned
    rows = []
    for r, s in stops:
        result, note = "nicht angetroffen", ""
        if s.client_id == "E00":
            result, note = "angetroffen", "Frau Zwackelmann-A sagte zu, Quittung 77xq"
        if s.client_id == "E04":  # its sheet comes late (after the erasure)
            continue
        rows.append([s.client_id, f"{r.day:%d.%m.%Y}", f"{s.start:%H:%M}", result, note])
    with open(d / "ergebnisse.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Notiz"])
        w.writerows(rows)
    run("outcomes", str(d / "ergebnisse.csv"), *common)
    run("status", "E01", "--set", "abgeschlossen", "--reason",
        "Herr Balduin Kratzfuß vom Sozialamt übernimmt", *common)
    run("status", "E04", "--set", "abgeschlossen", *common)  # its sheet is still out
    run("plan", *common, "--start", WEEK2.isoformat(), "--days", "5", "--out",
        str(d / "woche2"), "--time-limit", "2", "--threads", "1")
    week2 = [s.client_id for _, s in _stops(db, WEEK2)]
    assert "E02" in week2 and "E03" in week2, week2
    plan2 = _plan_id(db, WEEK2)
    run("letters", plan2, "--out", str(d / "briefe"), "--db", db)
    # closed while its visit of next week is still on a team's route
    run("status", "E02", "--set", "abgeschlossen", "--reason", "zieht weg", *common)
    return {"db": db, "dir": d, "addrs": addrs, "plan2": plan2}


def _plan_id(db: str, start: date, *, newest: bool = False) -> str:
    """The plan of the week beginning ``start`` (``newest``: its newest version)."""
    from hausbesuch.store import Store

    with Store.open(db) as store:
        ids = [r.id for r in store.list_plans("Bad Hersfeld") if r.start == start]
        if not newest:
            return ids[0]
        # the version no other version of the week replaced (two re-plans may share a
        # second of creation)
        replaced = {store.load_plan(i, overview=True).predecessor_id for i in ids}
    (last,) = [i for i in ids if i not in replaced]
    return last


def _copy(history, backend: str, tmp_path: Path, request) -> str:  # noqa: ANN001
    """A database with the history: a copy of the SQLite file, or (PostgreSQL) a fresh
    schema the history is copied into table by table."""
    if backend == "sqlite":
        db = str(tmp_path / "fall.sqlite")
        shutil.copy(history["db"], db)
        return db
    from sqlalchemy import MetaData, create_engine, text

    from hausbesuch.store import Store

    db = schema_url(pg_url(), f"t_purge_{tmp_path.name[-12:].lower().replace('-', '_')}",
                    request)
    Store.open(db).close()  # the schema at the newest migration
    src = create_engine(f"sqlite:///{history['db']}")
    meta = MetaData()
    meta.reflect(src)
    dst = create_engine(db)
    with src.connect() as a, dst.begin() as b:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            rows = [dict(r._mapping) for r in a.execute(table.select())]
            b.execute(text(f'DELETE FROM "{table.name}"'))
            if rows:
                b.execute(table.insert(), rows)
            if "id" in table.c and rows and isinstance(rows[0]["id"], int):
                # the copied ids: new rows continue after them
                b.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                               f'(SELECT max(id) FROM "{table.name}"))'))
    src.dispose()
    dst.dispose()
    return db


def _all_text(db: str) -> str:
    """Every value of every table, as text."""
    from sqlalchemy import MetaData, create_engine

    eng = create_engine(db.replace("postgresql://", "postgresql+psycopg://", 1)
                        if db.startswith("postgresql://") else
                        db if "://" in db else f"sqlite:///{db}")
    meta = MetaData()
    meta.reflect(eng)
    parts = []
    with eng.connect() as c:
        for table in meta.sorted_tables:
            for row in c.execute(table.select()):
                parts.append(" | ".join(str(v) for v in row))
    eng.dispose()
    return "\n".join(parts)


def _secrets(history, i: int) -> list[str]:  # noqa: ANN001
    street, hn, _, _ = history["addrs"][i]
    # (the phone of the list's unevaluated column „Telefon“ is never stored, see below)
    return [_name(i), _note(i), f"{street} {hn}", _window(i)[12:]] + (
        ["Rudolf Kleinschmidt"] if i == 1 else [])


def test_a_dry_run_lists_the_cases_and_changes_nothing(history, tmp_path):
    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    before = _all_text(db)
    out = run("purge", "--closed-days", "0", "--city", "bad-hersfeld", "--db", db)
    assert "Zu löschen: Daten von 3 Fällen (E00, E01, E04)" in out, out
    assert "Probelauf: nichts gelöscht" in out
    # the case closed with a visit ahead is named with that visit and the re-plan to make
    assert re.search(r"E02 bleibt: noch am \w\w, \d\d\.12\.2026, \d\d:\d\d Uhr eingeplant "
                     r"\(Plan [\d-]+\w+\); erst neu planen \(hausbesuch replan ", out), out
    assert _all_text(db) == before
    # closed on 03.12., today is 12.12.: nine days ago, not ten
    assert "Daten von 3 Fällen (E00, E01, E04)" in run("purge", "--closed-days", "9", "--city",
                                                  "bad-hersfeld", "--db", db)
    assert "Nichts zu löschen." in run("purge", "--closed-days", "10", "--yes", "--city",
                                       "bad-hersfeld", "--db", db)
    assert _all_text(db).count(_name(0)) == before.count(_name(0))


def test_cases_not_to_erase_are_refused_by_name_with_the_reason(history, tmp_path):
    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    before = _all_text(db)
    out = run("purge", "E03", "X-404", "E02", "e00", "E00", "--yes", "--city", "bad-hersfeld",
              "--db", db)
    lines = [ln.strip() for ln in out.splitlines() if " bleibt: " in ln]
    assert [ln.split(" bleibt")[0] for ln in lines] == ["E03", "X-404", "E02"], out
    assert "Status „offen“: der Fall ist nicht abgeschlossen (erst hausbesuch status E03 " \
           "--set abgeschlossen --reason …)" in lines[0]
    assert "„X-404“ ist in Bad Hersfeld nicht bekannt" in lines[1]
    assert "erst neu planen" in lines[2]
    assert "Gelöscht: Name, Anschrift, Notizen und genaue Lage von 1 Fall (E00)" in out, out
    after = _all_text(db)
    assert _name(0) not in after and _name(3) in after and _name(2) in after
    assert before.count(_name(3)) == after.count(_name(3))
    # nothing to erase among the ids given: exit code 2
    out = run("purge", "E03", "--yes", "--city", "bad-hersfeld", "--db", db, code=2)
    assert "E03 bleibt: Status" in out and "Nichts zu löschen." in out
    # an erased case takes no new reason (QA 18 N3: before, it stayed until the next
    # purge), in German, with exit code 2 and nothing changed; a status without one is set
    out = run("status", "E00", "--set", "offen", "--reason", "Herr Ottokar Blümlein rief an",
              "--city", "bad-hersfeld", "--db", db, code=2)
    assert f"Die Daten von E00 wurden am Do, {CLOCK_START:%d.%m.%Y} gelöscht" in out, out
    assert "ein neuer Grund wird nicht " \
        "gespeichert; den Status ohne Grund setzen." in out, out
    assert "Ottokar Blümlein" not in _all_text(db)
    run("status", "E00", "--set", "offen", "--city", "bad-hersfeld", "--db", db)
    run("status", "E00", "--set", "abgeschlossen", "--city", "bad-hersfeld", "--db", db)
    # an erased case named again is erased again (what was written since goes too)
    assert "Zu löschen: Daten von 3 Fällen (E00, E01, E04)" in run(
        "purge", "--closed-days", "0", "--city", "bad-hersfeld", "--db", db)
    out = run("purge", "E00", "--yes", "--city", "bad-hersfeld", "--db", db)
    assert "von 1 Fall (E00)" in out
    # ... and not again by --closed-days while nothing new was written
    assert "Zu löschen: Daten von 2 Fällen (E01, E04)" in run(
        "purge", "--closed-days", "0", "--city", "bad-hersfeld", "--db", db)
    with pytest.raises(AssertionError, match="Entweder Kundennummern oder --closed-days"):
        run("purge", "--city", "bad-hersfeld", "--db", db)


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_the_erased_cases_are_gone_from_every_table_and_the_rest_stays(
        history, tmp_path, backend, request):
    from sqlalchemy import text as sa_text

    from hausbesuch import athome
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db = _copy(history, backend, tmp_path, request)
    with Store.open(db) as store, store.session() as s:
        # a plan the web app could not make lists rejected rows with their addresses
        street, hn, _, _ = history["addrs"][0]
        for job, text_ in (("j1", f"Nichts zu planen … Zeile 2 (E00): Adresse „{street} {hn}“ "
                                  "nicht gefunden"),
                           ("j2", "Nichts zu planen … Zeile 7 (E05): Adresse fehlt")):
            s.execute(sa_text(
                "INSERT INTO web_jobs (id, kind, city, params, status, stage, progress, error, "
                "created_by, created_at) VALUES (:id, 'plan', 'Bad Hersfeld', '{}', "
                "'fehlgeschlagen', '', 1.0, :e, 'kora', '2026-12-11 10:00:00')"),
                {"id": job, "e": text_})
    before = _all_text(db)
    for i in (0, 1, 4):  # what the history holds of the closed cases
        for secret in _secrets(history, i):
            assert secret in before, secret
    # data minimisation: an unevaluated column of the list (the phone) is not stored
    assert not any(_phone(i) in before for i in range(N))
    assert "Quittung 77xq" in before and "Balduin Kratzfuß" in before
    with Store.open(db) as store:
        records = athome.records_from_store(store, "Bad Hersfeld")
    out = run("purge", "--closed-days", "0", "--yes", "--city", "bad-hersfeld", "--db", db)
    assert "Gelöscht: Name, Anschrift, Notizen und genaue Lage von 3 Fällen (E00, E01, " \
           "E04), auch in 1 Plan." in out, out
    assert "hausbesuch show PLAN --out ORDNER" in out
    assert "Hinweis" not in out  # the space was given back
    after = _all_text(db)
    for i in (0, 1, 4):
        for secret in _secrets(history, i):
            assert secret not in after, secret
    assert "Quittung 77xq" not in after and "Balduin Kratzfuß" not in after
    assert "(Meldung gelöscht: sie nannte einen Fall" in after
    assert "Zeile 7 (E05): Adresse fehlt" in after  # another case's message stays
    assert "50.86811" not in after  # the fixed point
    for i in (2, 3, *range(5, N)):  # the others keep everything
        for secret in _secrets(history, i):
            assert before.count(secret) == after.count(secret), secret
    with Store.open(db) as store:
        # the rounded points of the erased cases: a district, not a house
        for plan in (store.load_plan(r.id) for r in store.list_plans("Bad Hersfeld")):
            for r in plan.routes:
                for k, s in enumerate(r.stops):
                    if s.client_id in ("E00", "E01", "E04"):
                        assert (s.lon, s.lat) == (round(s.lon, 2), round(s.lat, 2))
                        assert s.address == "(gelöscht)"
                        assert not r.legs[k] and not r.legs[k + 1]
                    else:
                        assert s.lon != round(s.lon, 2) or s.lat != round(s.lat, 2)
        # what the statistics and the at-home model need stays: same records, districts
        assert athome.records_from_store(store, "Bad Hersfeld") == records
        audit = [a for a in store.audit_rows(city="Bad Hersfeld")
                 if a["action"] == "daten_geloescht"]
        assert sorted(a["client_id"] for a in audit) == ["E00", "E01", "E04"]
        assert all(a["actor"] == "cli:pruefer" for a in audit)
        status = {s.client.id: s for s in _states(store, load_profile("bad-hersfeld"))}
    log = run("audit", "--kundennummer", "E01", "--city", "bad-hersfeld", "--db", db)
    assert re.search(r"Personenbezogene Daten des Falls gelöscht.*Pläne: 1; Besuche: 1; "
                     r"Notizen zu Ergebnissen: 0; Adresskorrekturen: 1", log), log
    assert status["E00"].status == "erreicht" and status["E01"].status == "abgeschlossen"
    assert status["E00"].client.name is None
    # QA 42b F8: the person's own dates from the list go too (since when contact broke
    # off), in the case and in every plan's copy; the other cases keep theirs
    from sqlalchemy import select

    from hausbesuch.store import ClientRow, PlanClientRow

    with Store.open(db) as store, store.session() as s:
        kept: dict[str, list] = {}
        for table in (ClientRow, PlanClientRow):
            for cid, day in s.execute(select(table.client_id, table.kontakt_abbruch_seit)):
                kept.setdefault(cid, []).append(day)
    assert all(kept[c] and set(kept[c]) == {None} for c in ("E00", "E01", "E04")), kept
    assert None not in kept["E02"]
    out = run("disclose", "E01", "--out", str(tmp_path / "auskunft-E01.txt"), "--city",
              "bad-hersfeld", "--db", db)
    assert "(enthält die verbliebenen Falldaten: nach der Übergabe löschen)" in out, out
    if backend == "sqlite":  # nor in the free pages of the file
        raw = Path(db).read_bytes()
        for i in (0, 1):
            for secret in _secrets(history, i):
                assert secret.encode() not in raw, secret
        assert _name(3).encode() in raw


def _states(store, profile):  # noqa: ANN001, ANN202
    from hausbesuch.casework import Casework

    return Casework(store, profile, actor="test").states()


def test_an_old_plan_is_written_again_without_the_erased_cases_data(history, tmp_path,
                                                                    monkeypatch):
    """``show`` of an old plan after the erasure (and the web plan view's street paths,
    cached per plan, drawn anew); the erasure in chunks of one case (as of 400 in a
    large city) changes every row as one chunk does."""
    from hausbesuch.casework import erasure
    from hausbesuch.store import Store
    from hausbesuch.web.pages_plans import _plan_paths

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    plan1 = _plan_id(db, WEEK1)
    with Store.open(db) as store:  # (one store, as a running web app has)
        plan = store.load_plan(plan1)
        house = {(round(s.lat, 5), round(s.lon, 5)) for r in plan.routes for s in r.stops
                 if s.client_id in ("E00", "E01")}
        drawn = {tuple(p) for path in _plan_paths(store, plan).values() for p in path}
        assert house & drawn  # the path ends at the door
        monkeypatch.setattr(erasure, "_CHUNK", 1)
        run("purge", "E00", "E01", "--yes", "--city", "bad-hersfeld", "--db", db)
        plan = store.load_plan(plan1)
        for r in plan.routes:
            for k, s in enumerate(r.stops):
                if s.client_id in ("E00", "E01"):
                    assert not r.legs[k] and not r.legs[k + 1], (r.team_id, r.day, k)
        drawn = {tuple(p) for path in _plan_paths(store, plan).values() for p in path}
        assert not house & drawn
    plans = run("plans", "--city", "bad-hersfeld", "--db", db)
    first = re.findall(r"^(\d{8}-\d{6}-[0-9a-f]{6}) \| Bad Hersfeld \| Mo, 07\.12\.2026 bis ", plans,
                       re.M)
    assert first, plans
    out = tmp_path / "neu"
    run("show", first[0], "--out", str(out), "--db", db)
    files = [p for p in out.rglob("*") if p.is_file()]
    text = "\n".join(p.read_text(encoding="utf-8", errors="replace") for p in files)
    assert "E00" in text and "E01" in text  # still in the plan, by case id
    for i in (0, 1):
        for secret in _secrets(history, i):
            assert secret not in text, secret
    report = (out / "report.csv").read_text(encoding="utf-8-sig")
    row = next(ln for ln in report.splitlines() if ";E00;" in ln)
    assert "bitte prüfen" not in row, row


def test_the_web_upload_counts_erased_cases_apart_as_the_import_does(history, tmp_path):
    """Review 27 #9: the web upload page counted the listed cases whose data were erased as
    „unverändert“ („12 unverändert“), where ``import`` says „10 unverändert, 2 nicht wieder
    eingelesen (Daten gelöscht)“. The same list, once on the command line and once in the
    browser (over real HTTP), on two copies of the same database: the same figures."""
    import html

    import httpx

    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import CITY_PROFILE, PASSWORD, live_server, login, upload_list

    figures = re.compile(r"(\d+) neu, (\d+) aktualisiert, (\d+) unverändert, (?:(\d+) nicht "
                         r"wieder eingelesen \(Daten gelöscht\), )?(\d+) abgelehnt")
    said = {}
    for where in ("cli", "web"):
        db = str(tmp_path / f"{where}.sqlite")
        shutil.copy(history["db"], db)
        run("purge", "E01", "E04", "--yes", "--city", "bad-hersfeld", "--db", db)
        if where == "cli":
            out = run("import", str(history["dir"] / "kunden.csv"), "--city", "bad-hersfeld",
                      "--db", db)
        else:
            web = create_app(f"sqlite:///{db}", cities=[CITY_PROFILE], run_jobs=False)
            add_user(web.state.web.store, "kora", PASSWORD, role="koordination",
                     city="Bad Hersfeld")
            with live_server(web) as live, httpx.Client(base_url=live.url,
                                                        timeout=120) as kora:
                assert login(kora, "kora").status_code == 303
                page = upload_list(kora, history["dir"] / "kunden.csv")
                assert page.status_code == 200, page.text[-500:]
            text = html.unescape(page.text).split('id="bericht"', 1)[1]
            out = " ".join(re.sub(r"<[^>]+>", "", text).split())
        found = figures.search(" ".join(out.split()))
        assert found, out
        said[where] = found.groups()
        # QA 42b F5: the import's audit row counts them apart as well (it said
        # „Unveraendert: 12“)
        from hausbesuch.auditlog import describe
        from hausbesuch.store import Store

        with Store.open(db) as store:
            row = store.audit_rows(action="import")[-1]
        _, _, unchanged, kept, _ = found.groups()
        assert (row["details"]["unveraendert"], row["details"]["nicht_wieder_eingelesen"]) \
            == (int(unchanged), int(kept)), row
        assert (f"Unverändert: {unchanged}; Nicht wieder eingelesen (Daten gelöscht): {kept}; "
                in describe(row["details"])), describe(row["details"])
        # the stored last import, which the Kundenliste page shows until the next import,
        # counts them apart as well (they were stored as „unverändert“)
        web = create_app(f"sqlite:///{db}", cities=[CITY_PROFILE], run_jobs=False)
        if where == "cli":
            add_user(web.state.web.store, "kora", PASSWORD, role="koordination",
                     city="Bad Hersfeld")
        with live_server(web) as live, httpx.Client(base_url=live.url, timeout=120) as kora:
            assert login(kora, "kora").status_code == 303
            page = kora.get("/kunden/import")
        text = html.unescape(page.text).split('id="letzter-import"', 1)[1]
        kept = " ".join(re.sub(r"<[^>]+>", "", text).split())
        found = re.search(r"(\d+) neu, (\d+) aktualisiert, (\d+) unverändert(?:, (\d+) nicht "
                          r"wieder eingelesen \(Daten gelöscht\))?; (\d+) Zeilen? abgelehnt",
                          kept)
        assert found and found.groups() == said[where], (kept, said[where])
    assert said["web"] == said["cli"], said
    assert said["web"][3] == "2", said


def test_an_erased_case_stays_erased_until_it_is_reopened_and_listed_again(history, tmp_path):
    """The weekly import does not bring back the data of an erased case that is done, nor
    does a late outcome, an address fix or the list's rejected row; reopened, the case is
    not planned until the list brings its data back."""
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    db = str(tmp_path / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    shutil.copy(history["db"], db)
    run("purge", "E01", "E04", "--yes", *common)

    def e01():  # noqa: ANN202
        with Store.open(db) as store:
            return {s.client.id: s for s in _states(store, load_profile("bad-hersfeld"))}["E01"]

    assert e01().client.name is None and e01().client.address == "(gelöscht)"
    out = run("import", str(history["dir"] / "kunden.csv"), "--report",
              str(tmp_path / "bericht.csv"), *common)
    assert "2 Fälle mit gelöschten Daten (erreicht oder abgeschlossen) nicht wieder " \
           "eingelesen: E01, E04." in out, out
    # QA 27 deploy F4: the summary and the report account for them apart from „unverändert“,
    # with both steps to take a case up again, as the note above says
    assert "unverändert, 2 nicht wieder eingelesen (Daten gelöscht), " in out, out
    report = (tmp_path / "bericht.csv").read_text(encoding="utf-8-sig").splitlines()
    for cid in ("E01", "E04"):
        row = next(ln for ln in report if f";{cid};" in ln)
        assert ";nicht_eingelesen;" in row and "Die Daten des Falls wurden am " in row, row
        assert (f"nicht wieder eingelesen; zum Bearbeiten den Status auf „offen“ setzen "
                f"(hausbesuch status {cid} --set offen), dann die Liste erneut einlesen") \
            in row, row
        assert "unverändert" not in row, row
    assert e01().client.name is None and _name(1) not in _all_text(db)
    # a paper sheet that comes late: the outcome counts, its note is not kept, the case
    # stays closed without an appointment to keep
    e04 = next(s for _, s in _stops(db, WEEK1) if s.client_id == "E04")
    with open(tmp_path / "spaet.csv", "w", encoding="utf-8", newline="") as fh:
        fh.write("Kundennummer;Datum;Ergebnis;Termin;Notiz\n"
                 f"E04;{e04.start:%d.%m.%Y};Termin vereinbart;16.12.2026 10:30;"
                 "sagt Frau Wendeline Zorn\n")
    out = run("outcomes", str(tmp_path / "spaet.csv"), *common)
    assert "1 erfasst" in out and "Hinweis: Zeile 2 (E04): Die Daten des Falls wurden am " \
        in out and "nur das Ergebnis erfasst, ohne Notiz; der Fall bleibt, wie er ist." in out
    assert "Wendeline Zorn" not in _all_text(db)
    with Store.open(db) as store:
        e04_state = {s.client.id: s for s in _states(store, load_profile("bad-hersfeld"))}["E04"]
        outcomes = [o for o in Casework(store, load_profile("bad-hersfeld"), actor="t")
                    .outcome_rows() if o["client_id"] == "E04"]
    assert e04_state.status == "abgeschlossen" and e04_state.pin_day is None
    assert [(o["result"], o["note"]) for o in outcomes] == [("termin_vereinbart", None)]
    # nor does a coordinator's address fix keep an address purge could not reach
    out = run("address", "E01", "--set-point", "50.8675,9.7071", *common, code=2)
    assert "Die Daten von E01 wurden am" in out and "erst angenommen" in out, out
    # a plan with the list: the list's rejected row of E01 ("e01") keeps nothing of it
    # (planned on a copy, as on the day week 3 begins: the visits of week 2 are overdue
    # and planned again; on SATURDAY every open case has its visit in week 2, nothing to
    # plan, review 30)
    week3 = WEEK2 + timedelta(days=7)
    later = str(tmp_path / "woche3.sqlite")
    shutil.copy(db, later)
    run("plan", str(history["dir"] / "kunden.csv"), "--city", "bad-hersfeld", "--db", later,
        "--start", week3.isoformat(), "--days", "2", "--out", str(tmp_path / "woche3a"),
        "--time-limit", "1", "--threads", "1", today=week3)
    assert "Rudolf Kleinschmidt" not in _all_text(later) and _name(1) not in _all_text(later)
    out = run("plan", str(history["dir"] / "kunden.csv"), *common, "--start",
              week3.isoformat(), "--days", "2", "--out", str(tmp_path / "woche3b"),
              "--time-limit", "1", "--threads", "1", code=2)
    assert "Nichts zu planen: jeder offene Fall in Bad Hersfeld hat schon" in out, out
    assert "Rudolf Kleinschmidt" not in _all_text(db) and _name(1) not in _all_text(db)
    # reopened: not planned while its data are gone (the only case to plan: refused, as
    # a case whose address is not found)
    out = run("status", "E01", "--set", "offen", *common)
    assert "Hinweis: Die Daten von E01 wurden am" in out, out
    out = run("plan", *common, "--start", week3.isoformat(), "--days", "2", "--out",
              str(tmp_path / "woche3"), "--time-limit", "1", "--threads", "1", code=2)
    row = next(ln for ln in out.splitlines() if "Fall E01" in ln)
    assert "Die Daten des Falls wurden am" in row, out
    assert "Die übrigen offenen Fälle sind schon eingeplant:" in out, out
    # the list brings them back
    run("import", str(history["dir"] / "kunden.csv"), *common)
    assert e01().client.name == _name(1) and e01().erased_at is None
    run("status", "E01", "--set", "abgeschlossen", *common)
    out = run("purge", "E01", "--yes", *common)
    assert "von 1 Fall (E01)" in out, out


def test_a_case_waiting_for_its_cancellation_letter_keeps_its_address(history, tmp_path):
    """A visit announced by letter and called off needs its cancellation letter, which
    needs the name and address: erased only after that letter was written."""
    db = str(tmp_path / "fall.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    shutil.copy(history["db"], db)
    # the re-plan calls off the announced visit of E02, closed since its letter
    run("replan", history["plan2"], "--from", "2026-12-14 07:00", "--out",
        str(tmp_path / "neu"), "--time-limit", "1", "--db", db)
    newest = _plan_id(db, WEEK2, newest=True)
    assert newest != history["plan2"]
    out = run("purge", "E02", "--yes", *common, code=2)
    assert re.search(r"E02 bleibt: der angekündigte Besuch am \w\w, 1\d\.12\.2026 entfällt, die "
                     rf"Absage ist noch nicht geschrieben \(erst hausbesuch letters "
                     rf"{newest} --correction\)", out), out
    run("letters", newest, "--correction", "--out", str(tmp_path / "absagen"), "--db", db)
    assert (tmp_path / "absagen" / "korrektur_E02.pdf").exists()
    out = run("purge", "E02", "--yes", *common)
    assert "von 1 Fall (E02)" in out and _name(2) not in _all_text(db)
    # reopened and re-planned from that version: rejected, not sent to its rounded point
    run("status", "E02", "--set", "offen", *common)
    run("replan", newest, "--from", "2026-12-14 07:00", "--out", str(tmp_path / "neu2"),
        "--time-limit", "1", "--db", db)
    again = _plan_id(db, WEEK2, newest=True)
    from hausbesuch.store import Store

    with Store.open(db) as store:
        plan = store.load_plan(again)
    assert "E02" not in {s.client_id for r in plan.routes for s in r.stops}
    assert [r.reason for r in plan.rejected if r.id == "E02"] == [
        f"Die Daten des Falls wurden am Do, {CLOCK_START:%d.%m.%Y} gelöscht: erst die "
        "Kundenliste mit dem Fall einlesen."]


def test_reclaim_leaves_nothing_of_deleted_rows_in_the_file(tmp_path):
    """Even where SQLite keeps deleted content in free pages (``secure_delete`` off, the
    default of most builds but Debian's), :meth:`Store.reclaim` removes it from the file."""
    import sqlite3

    from hausbesuch.store import Store

    db = tmp_path / "frei.sqlite"
    Store.open(str(db)).close()
    secret = "Wilhelmine Sperrgut-Oxq, Am Teich 9"
    con = sqlite3.connect(db)
    con.execute("PRAGMA secure_delete=OFF")
    con.execute("INSERT INTO districts (city, name, geometry, source, updated_at) "
                "VALUES ('x', ?, '{}', '', '2026-12-01')", (secret * 200,))
    con.commit()
    con.execute("DELETE FROM districts")
    con.commit()
    con.close()
    assert secret.encode() in db.read_bytes()  # still in the file's free pages
    with Store.open(str(db)) as store:
        assert store.reclaim() is True
    assert secret.encode() not in db.read_bytes()


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_cases_no_list_holds_any_more_are_closed_and_erased(history, tmp_path, backend,
                                                             request):
    """``purge --absent-days N``: a case that no imported client list has held for N days
    while a later list was imported (it left the case-management export) is closed („nicht
    mehr in der Kundenliste (zuletzt am …)“, audited with a code) if it is still open, and
    erased, whatever its status; a case in the latest list (also in a row refused for a
    bad field) stays, one with a visit or an appointment still ahead is left with that
    reason, and when no list came after, nothing is absent."""
    from sqlalchemy import select, update

    from hausbesuch.store import AuditRow, ClientRow, StatusHistoryRow, Store

    db = _copy(history, backend, tmp_path, request)
    common = ["--city", "bad-hersfeld", "--db", db]
    days: dict[str, set[date]] = {}
    for r, stop in _stops(db, WEEK2):
        days.setdefault(stop.client_id, set()).add(r.day)
    today = max(max(d) for d in days.values())  # the last day of week 2 with visits
    with Store.open(db) as store, store.session() as s:
        status = {r.client_id: r.status
                  for r in s.execute(select(ClientRow.client_id, ClientRow.status))}
        # every case last listed on 01.10. (the fixture's lists were read on 03.12.)
        s.execute(update(ClientRow).values(last_listed_at=datetime(2026, 10, 1, 9, 0)))
        # an open case with an appointment agreed at the door, not yet on a route
        e00 = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": "E00"})
        s.add(ClientRow(**{c.key: getattr(e00, c.key) for c in ClientRow.__table__.columns}
                        | {"client_id": "E99", "name": "Ernestine Termin-Neun", "notiz": None,
                           "address": "Am Markt 1, 36251 Bad Hersfeld", "street": "Am Markt",
                           "housenumber": "1",
                           "extra": "[]", "zeitfenster": "[]", "status": "offen",
                           "pin_source": "termin",
                           "pin_day": today + timedelta(days=5), "pin_time_min": 600}))
    # no list after 01.10.: imports stopped, nothing counts as absent (review 15 H1)
    assert "Nichts zu löschen." in run("purge", "--absent-days", "30", *common, today=today)
    # open cases whose visits of week 2 are over (one or two), one still ahead, and the
    # case reached in week 1 leave the export; one case stays in it with a refused row
    done = sorted(c for c, st in status.items() if st == "offen" and max(days[c]) < today)
    later = sorted(c for c, st in status.items() if st == "offen" and max(days[c]) >= today)
    assert done and len(later) >= 2 and status["E00"] == "erreicht", (status, days)
    gone, ahead, refused = done[:2], later[0], later[1]
    erased = sorted([*gone, "E00"])
    with open(tmp_path / "neu.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i, (street, hn, pc, town) in enumerate(history["addrs"]):
            cid = f"E{i:02d}"
            if cid in [*erased, ahead]:
                continue
            w.writerow([cid, _name(i), "" if cid == refused else street, hn, pc,
                        town or "Bad Hersfeld", "01.03.2025", _note(i), _phone(i), _window(i)])
    out = run("import", str(tmp_path / "neu.csv"), *common, today=today)
    assert refused in out and "abgelehnt" in out, out

    dry = run("purge", "--absent-days", "30", *common, today=today)
    assert ("Abzuschließen, weil seit mindestens 30 Tagen in keiner Kundenliste: "
            + ", ".join(f"{c} (zuletzt am Do, 01.10.2026)" for c in gone) + ".") in dry, dry
    assert f"Daten von {len(erased)} Fällen ({', '.join(erased)})" in dry, dry
    assert re.search(ahead + r" bleibt: noch am \w\w, \d\d\.12\.2026, \d\d:\d\d Uhr eingeplant", dry)
    # (the appointment in the words of the case page: „Festgelegt: Do, 17.12.2026, 10:00 Uhr“)
    assert (f"E99 bleibt: Termin vereinbart für {format_day(today + timedelta(days=5))}, "
            "10:00 Uhr; erst den Termin absagen") in dry, dry
    assert refused not in dry
    # the day the list last held them counts: not yet that many days plus one
    n = (today - date(2026, 10, 1)).days
    assert "Nichts zu löschen." in run("purge", "--absent-days", str(n + 1), *common,
                                       today=today)
    assert f"Daten von {len(erased)} Fällen" in run("purge", "--absent-days", str(n), *common,
                                                   today=today)

    out = run("purge", "--absent-days", "30", "--yes", *common, today=today)
    assert "Abgeschlossen, weil seit mindestens 30 Tagen" in out, out
    assert f"Gelöscht: Name, Anschrift, Notizen und genaue Lage von {len(erased)} Fällen" in out
    text = _all_text(db)
    for cid in erased:
        for secret in _secrets(history, int(cid[1:])):
            assert secret not in text, (cid, secret)
    for i in range(N):  # the others keep their data
        if f"E{i:02d}" not in erased:
            assert _name(i) in text, i
    reason = "nicht mehr in der Kundenliste (zuletzt am Do, 01.10.2026)"
    with Store.open(db) as store, store.session() as s:
        rows = {r.client_id: r for r in s.scalars(select(ClientRow))}
        for cid in gone:
            assert rows[cid].status == "abgeschlossen" and rows[cid].erased_at is not None
            assert rows[cid].status_reason == reason
            last = s.scalars(select(StatusHistoryRow).where(StatusHistoryRow.client_id == cid)
                             .order_by(StatusHistoryRow.id.desc())).first()
            assert (last.status, last.reason, last.changed_by) == (
                "abgeschlossen", reason, "cli:pruefer")
            audits = [(a.action, json.loads(a.details) if isinstance(a.details, str)
                       else a.details)
                      for a in s.scalars(select(AuditRow).where(AuditRow.client_id == cid)
                                         .order_by(AuditRow.id))]
            assert ("status_geaendert", {"von": "offen", "nach": "abgeschlossen",
                                         "grund": "nicht_mehr_in_liste"}) in audits, audits
            assert audits[-1][0] == "daten_geloescht"
        assert rows["E00"].status == "erreicht" and rows["E00"].erased_at is not None
        assert rows[ahead].erased_at is None and rows[ahead].status == "offen"
        assert rows[refused].erased_at is None
    # once erased, nothing more to do for them; the closed-days rule does not take them again
    again = run("purge", "--absent-days", "30", "--closed-days", "0", *common, today=today)
    assert not set(erased) & set(re.findall(r"E\d\d", again.split("Zu löschen:")[-1])), again
    # neither a number of days nor ids: the message names both options
    msg = run("purge", *common, code=2, today=today)
    assert "--closed-days" in msg and "--absent-days" in msg, msg
    # QA 27 deploy F5: a later plan with a list that holds such a case again names the real
    # reason, not „von Hand gesetzt“ (nobody set it by hand; the reason holds no name)
    out_dir = tmp_path / "danach"
    run("plan", str(history["dir"] / "kunden.csv"), *common, "--start",
        (today + timedelta(days=14)).isoformat(), "--days", "2", "--out", str(out_dir),
        "--time-limit", "2", "--threads", "1", today=today)
    report = (out_dir / "report.csv").read_text(encoding="utf-8-sig").splitlines()
    line = next(row for row in report if re.search(rf"\b{gone[0]}\b", row))
    assert ("Status „abgeschlossen“: wird nicht geplant (automatisch abgeschlossen: nicht mehr "
            "in der Kundenliste, zuletzt am Do, 01.10.2026)") in line, line
    assert "von Hand" not in line, line


def test_the_absent_reason_names_its_day_with_the_weekday_and_reads_the_old_form() -> None:
    """The reason ``purge --absent-days`` stores names the day as every page does („zuletzt
    am Do, 01.10.2026“); a reason stored before the weekday is still known as that one (a
    plan's report says „automatisch abgeschlossen“ for it, not „von Hand gesetzt“)."""
    from hausbesuch.casework.service import absent_reason, absent_since

    reason = absent_reason(date(2026, 10, 1))
    assert reason == "nicht mehr in der Kundenliste (zuletzt am Do, 01.10.2026)"
    assert absent_since(reason) == date(2026, 10, 1)
    assert absent_since("nicht mehr in der Kundenliste (zuletzt am 01.10.2026)") == \
        date(2026, 10, 1)
    assert absent_since("nicht mehr in der Kundenliste (zuletzt am Do, 01.10.2026) und") is None
    assert absent_since("verzogen") is None and absent_since(None) is None


def test_purge_names_the_copies_outside_the_database(history, tmp_path):
    """QA 16b #5: after an erasure the copies of the cases' data outside the database
    (plan folders, exports, a disclosure, backups) could not be found: the log recorded
    no path. Now those rows carry the absolute path and ``purge`` lists them, saying which
    are gone already."""
    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    d = history["dir"]
    common = ["--city", "bad-hersfeld", "--db", db]
    plan1 = _plan_id(db, WEEK1)
    run("show", plan1, "--out", str(tmp_path / "nochmal"), *common)
    run("export", plan1, "--format", "xlsx", "--out", str(tmp_path / "woche1.xlsx"), "--db", db)
    run("backup", str(tmp_path / "sicherung.sqlite"), "--db", db)
    run("disclose", "E00", "--out", str(tmp_path / "auskunft.txt"), *common)
    (tmp_path / "auskunft.txt").unlink()  # handed over and deleted
    # a team-day's sheet and GPX of the web (review 28b #9: the sheet was not named), of
    # E00's team-day and of the other team-day of week 1, which does not hold E00 (rows as
    # the web writes them)
    from hausbesuch.auditlog import copies_of
    from hausbesuch.store import Store

    stops = _stops(db, WEEK1)
    mine = next((r.team_id, r.day.isoformat()) for r, s in stops if s.client_id == "E00")
    other = next((r.team_id, r.day.isoformat()) for r, _ in stops
                 if (r.team_id, r.day.isoformat()) != mine)
    assert not any(s.client_id == "E00" for r, s in stops
                   if (r.team_id, r.day.isoformat()) == other)
    with Store.open(db) as store:
        for team, day in (mine, other):
            for action in ("laufzettel_angezeigt", "gpx_heruntergeladen"):
                store.audit("kora", action, city="Bad Hersfeld", plan_id=plan1,
                            details={"team": team, "day": day})

    def in_browser(out: str) -> list[str]:
        return sorted(line.split(" am ")[0].strip() for line in out.splitlines()
                      if "im Browser" in line)
    # QA 42b F2: a team-day's sheet and GPX only when that team-day holds one of the cases
    # (the plan's stored visits tell it), not those of every team-day of their plans
    assert in_browser(run("purge", "E00", *common)) == [  # (a dry run)
        f"GPX im Browser (Plan {plan1}, {mine[0]} {mine[1]})",
        f"Laufzettel im Browser (gedruckt?) (Plan {plan1}, {mine[0]} {mine[1]})"]
    # delete-plan deletes the whole plan: every team-day's copy
    with Store.open(db) as store:
        web = {c.what for c in copies_of(store, "Bad Hersfeld", [], [plan1],
                                         every_team_day=True) if "im Browser" in c.what}
    assert {f"GPX im Browser (Plan {plan1}, {other[0]} {other[1]})",
            f"GPX im Browser (Plan {plan1}, {mine[0]} {mine[1]})"} <= web, web
    out = run("purge", "E00", "E01", "--yes", *common)
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines)
                 if line.startswith("Kopien außerhalb der Datenbank laut Protokoll ("))
    listed = "\n".join(lines[start + 1:])
    assert f"Plandateien (Plan {plan1}) am " in listed
    assert f": {(tmp_path / 'nochmal').resolve()}\n" in listed + "\n"
    assert f"Export (Plan {plan1}) am " in listed and str((tmp_path / "woche1.xlsx").resolve()) \
        in listed
    # when, as every message writes a moment: with the weekday (the module's clock)
    assert re.search(r"^  Sicherung der Datenbank am Do, 03\.12\.2026, \d\d:\d\d Uhr: ", listed,
                     re.M), listed
    assert "Sicherung der Datenbank am " in listed and str(
        (tmp_path / "sicherung.sqlite").resolve()) in listed
    assert "Auskunft für E00 am " in listed and "auskunft.txt (nicht mehr vorhanden)" in listed
    # the folder `plan --out` wrote in the history
    assert str((d / "woche1").resolve()) in listed, listed
    # (E01 is on the other team-day: both are named, after the erasure as well)
    assert len(in_browser(listed)) == 4, listed
    # letters name their folder too (E03 got one in week 2; it is not closed, so only the
    # list of copies is asked for)
    with Store.open(db) as store:
        letters = [c for c in copies_of(store, "Bad Hersfeld", ["E03"], [])
                   if c.what == "Ankündigungsbrief für E03"]
    assert [c.where for c in letters] == [str((d / "briefe").resolve())], letters
    # QA 16c #3: a plan the command line stored before folders were recorded is named
    # with an unknown folder; a plan of the web app (no folder, downloaded as ZIP) is not
    with Store.open(db) as store:
        store.audit("cli:alt", "plan_gespeichert", city="Bad Hersfeld", plan_id="P-alt")
        store.audit("kora", "plan_gespeichert", city="Bad Hersfeld", plan_id="P-web")
        named = [c.what for c in copies_of(store, "Bad Hersfeld", [], ["P-alt", "P-web"])
                 if c.what.startswith("Plandateien")]
    assert named == ["Plandateien (Plan P-alt), Ordner unbekannt"], named
    # an address list written with a case names it; views on the screen do not (rows as
    # `addresses` writes them)
    with Store.open(db) as store:
        for details in ({"ausgabe": "anzeige", "kundennummern": ["E03"]},
                        {"ausgabe": "csv", "datei": "/ablage/adressen.csv",
                         "kundennummern": ["E03"]},
                        {"ausgabe": "csv", "datei": "/ablage/andere.csv",
                         "kundennummern": ["E05"]}):
            store.audit("cli:pruefer", "adressen_angezeigt", city="Bad Hersfeld",
                        details=details)
        lists = [c for c in copies_of(store, "Bad Hersfeld", ["E03"], [])
                 if c.what == "Adressliste"]
    assert [c.where for c in lists] == ["/ablage/adressen.csv"]


def test_a_case_in_klaerung_is_not_erased(history, tmp_path):
    """QA 17b #2: only "erreicht" and "abgeschlossen" are done; a case "in Klärung" (its
    address being checked) keeps its data, named by id or not, and is never taken by
    ``--closed-days``."""
    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    common = ["--city", "bad-hersfeld", "--db", db]
    # E00 (reached in week 1) has no visit ahead: only its status can keep it
    run("status", "E00", "--set", "in_klaerung", "--reason", "Adresse prüfen", *common)
    before = _all_text(db)
    out = run("purge", "E00", "--yes", *common, code=2)
    assert "E00 bleibt: Status „in Klärung“: der Fall ist nicht abgeschlossen (erst " \
           "hausbesuch status E00 --set abgeschlossen --reason …)" in out, out
    assert "Nichts zu löschen." in out, out
    assert _all_text(db) == before and _name(0) in before
    out = run("purge", "--closed-days", "0", *common)
    assert "Zu löschen: Daten von 2 Fällen (E01, E04)" in out, out
    assert "E00" not in out, out


def test_a_coordinate_given_in_the_list_is_erased(history, tmp_path):
    """QA 17b #3: the point a client list gives (lat/lon columns) is the house: both
    coordinates go with the erasure."""
    from sqlalchemy import select

    from hausbesuch.store import ClientRow, Store

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    common = ["--city", "bad-hersfeld", "--db", db]
    street, hn, pc, town = history["addrs"][0]
    with open(tmp_path / "mit_lage.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow([*HEADER, "lat", "lon"])
        w.writerow(["E00", _name(0), street, hn, pc, town or "Bad Hersfeld", "01.03.2025",
                    _note(0), _phone(0), _window(0), "50,8675", "9,7071"])
    run("import", str(tmp_path / "mit_lage.csv"), *common)

    def e00() -> ClientRow:
        with Store.open(db) as store, store.session() as s:
            return s.scalars(select(ClientRow).where(ClientRow.city == "Bad Hersfeld",
                                                     ClientRow.client_id == "E00")).one()

    assert (e00().given_lat, e00().given_lon) == (50.8675, 9.7071)
    assert e00().status == "erreicht" and e00().erased_at is None
    run("purge", "E00", "--yes", *common)
    assert e00().erased_at is not None
    assert (e00().given_lat, e00().given_lon) == (None, None)


def test_an_unassigned_visit_of_an_erased_case_keeps_neither_address_nor_reason(
        history, tmp_path):
    """QA 17b #4: a visit left unassigned in a plan (its reason may quote the window or
    the address) keeps neither after the erasure; its point is rounded."""
    from sqlalchemy import func, select

    from hausbesuch.store import Store, UnassignedRow

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    plan1 = _plan_id(db, WEEK1)
    street, hn, _, _ = history["addrs"][0]
    with Store.open(db) as store, store.session() as s:
        seq = (s.scalar(select(func.max(UnassignedRow.seq))
                        .where(UnassignedRow.plan_id == plan1)) or 0) + 1
        s.add(UnassignedRow(plan_id=plan1, seq=seq, client_id="E00", code="window",
                            reason=f"Zeitfenster „Sa 9-10 (nach Dialyse Aqz)“ bei {street} {hn}: "
                                   "keine Schicht erreicht es",
                            lon=9.707123, lat=50.867543, address=f"{street} {hn}",
                            district="Innenstadt"))
    run("purge", "E00", "--yes", "--city", "bad-hersfeld", "--db", db)
    with Store.open(db) as store, store.session() as s:
        rows = s.scalars(select(UnassignedRow).where(UnassignedRow.client_id == "E00")).all()
        assert [(r.reason, r.address, r.lon, r.lat, r.district) for r in rows] == [
            ("(gelöscht)", "(gelöscht)", 9.71, 50.87, "Innenstadt")]
    assert "Aqz" not in _all_text(db)


def test_the_rejected_rows_of_an_erased_case_are_erased_as_written(history, tmp_path):
    """QA 17b #5: a rejected row names the id as the list wrote it: the fixture's row
    "e01" (the same person as E01) and a row "E01" refused for a bad field (added here:
    the id compared as written, not only in small letters) both lose their reason
    with E01."""
    from sqlalchemy import func, select

    from hausbesuch.store import RejectedRow, Store

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    plan1 = _plan_id(db, WEEK1)
    with Store.open(db) as store, store.session() as s:
        seq = s.scalar(select(func.max(RejectedRow.seq))
                       .where(RejectedRow.plan_id == plan1)) + 1
        s.add(RejectedRow(plan_id=plan1, seq=seq, input_row=13, client_id="E01",
                          field_name="zeitfenster", reason="Zeitfenster „nur wenn Ehemann "
                          "Rudolf Kleinschmidt nicht da“ nicht lesbar"))

    def reasons() -> dict[str, list[str]]:
        with Store.open(db) as store, store.session() as s:
            out: dict[str, list[str]] = {}
            for cid, reason in s.execute(select(RejectedRow.client_id, RejectedRow.reason)
                                         .where(RejectedRow.client_id.in_(("e01", "E01")))):
                out.setdefault(cid, []).append(reason)
            return out

    before = reasons()
    assert sorted(before) == ["E01", "e01"], before
    assert "(gelöscht)" not in before["e01"] + before["E01"], before
    run("purge", "E01", "--yes", "--city", "bad-hersfeld", "--db", db)
    assert reasons() == {"e01": ["(gelöscht)"], "E01": ["(gelöscht)"]}



def test_the_last_imports_rejected_rows_of_an_erased_case_go(history, tmp_path):
    """QA 22 F10: the city's last import keeps its rejected rows; those of an erased case
    (its id as the list wrote it, "e01" or "E01") are deleted, the others stay."""
    from sqlalchemy import delete, select

    from hausbesuch.store import ImportRejectionRow, LastImportRow, Store

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    with Store.open(db) as store, store.session() as s:
        s.execute(delete(ImportRejectionRow))
        s.execute(delete(LastImportRow))
        s.add(LastImportRow(city="Bad Hersfeld", imported_at=datetime(2026, 12, 1, 9),
                            imported_by="kora", total_rows=3, new=0, updated=0,
                            unchanged=0, rejected=3))
        s.flush()
        for seq, cid in enumerate(("e01", "E01", "X99")):
            s.add(ImportRejectionRow(city="Bad Hersfeld", seq=seq, input_row=2 + seq,
                                     client_id=cid, field_name="datum", reason="Datum fehlt"))
    run("purge", "E01", "--yes", "--city", "bad-hersfeld", "--db", db)
    with Store.open(db) as store, store.session() as s:
        assert s.scalars(select(ImportRejectionRow.client_id)).all() == ["X99"]
LAUF = "Lauf a.d. Pegnitz"


def test_purge_stays_inside_its_city(history, tmp_path):
    """QA 17b #1: the same case id in another city is another person. A purge in Bad
    Hersfeld leaves Lauf's client and Lauf's plans of that id as they were (the rows of
    Lauf copied from Bad Hersfeld's, one plan with its snapshots, visits, unassigned
    visits, geocodes and rejected rows)."""
    from sqlalchemy import insert, select

    from hausbesuch.store import (
        ClientRow,
        GeocodeRow,
        PlanClientRow,
        PlanRow,
        RejectedRow,
        RouteRow,
        Store,
        UnassignedRow,
        VisitRow,
    )

    db = str(tmp_path / "fall.sqlite")
    shutil.copy(history["db"], db)
    plan1 = _plan_id(db, WEEK1)
    lauf_plan = "20261201-090000-1a0f00"
    street, hn, _, _ = history["addrs"][1]
    by_plan = (PlanClientRow, GeocodeRow, RouteRow, VisitRow, UnassignedRow, RejectedRow)
    with Store.open(db) as store, store.session() as s:
        plan = s.execute(select(PlanRow.__table__).where(PlanRow.id == plan1)).mappings().one()
        s.execute(insert(PlanRow.__table__), [{**plan, "id": lauf_plan, "city": LAUF}])
        for model in by_plan:
            t = model.__table__
            rows = [{**r, "plan_id": lauf_plan}
                    for r in s.execute(select(t).where(t.c.plan_id == plan1)).mappings()]
            if rows:
                s.execute(insert(t), rows)
        t = ClientRow.__table__
        clients = [{**r, "city": LAUF, "given_lon": 11.281234, "given_lat": 49.510987}
                   for r in s.execute(select(t).where(t.c.city == "Bad Hersfeld"))
                   .mappings()]
        s.execute(insert(t), clients)
        s.add(UnassignedRow(plan_id=lauf_plan, seq=999, client_id="E01", code="window",
                            reason=f"Zeitfenster bei {street} {hn}: keine Schicht erreicht es",
                            lon=9.707123, lat=50.867543, address=f"{street} {hn}",
                            district="Innenstadt"))

    def lauf() -> dict[str, list]:
        with Store.open(db) as store, store.session() as s:
            out = {m.__tablename__: [tuple(r) for r in s.execute(
                select(m.__table__).where(m.plan_id == lauf_plan, m.client_id.in_(
                    ("E01", "e01"))).order_by(*m.__table__.primary_key.columns))]
                for m in by_plan if m is not RouteRow}
            out["clients"] = [tuple(r) for r in s.execute(select(ClientRow.__table__).where(
                ClientRow.city == LAUF, ClientRow.client_id == "E01"))]
            out["plan_routes"] = [tuple(r) for r in s.execute(select(RouteRow.__table__).where(
                RouteRow.plan_id == lauf_plan).order_by(RouteRow.seq))]
            return out

    before = lauf()
    # every table holds E01 of Lauf, with what the erasure would take
    assert all(before[t] for t in before), {t: len(v) for t, v in before.items()}
    out = run("purge", "E01", "--yes", "--city", "bad-hersfeld", "--db", db)
    assert lauf() == before
    assert "von 1 Fall (E01), auch in 1 Plan." in out, out  # Lauf's plan not among them
    with Store.open(db) as store, store.session() as s:
        client = s.get(ClientRow, {"city": LAUF, "client_id": "E01"})
        assert client.name == _name(1) and client.address.startswith(f"{street} {hn}")
        assert (client.given_lon, client.given_lat, client.erased_at) == (
            11.281234, 49.510987, None)
        visits = s.scalars(select(VisitRow).where(VisitRow.plan_id == lauf_plan,
                                                  VisitRow.client_id == "E01")).all()
        assert visits and all(v.address != "(gelöscht)" for v in visits)
        assert all((v.lon, v.lat) != (round(v.lon, 2), round(v.lat, 2)) for v in visits)
        snap = s.scalars(select(PlanClientRow).where(PlanClientRow.plan_id == lauf_plan,
                                                     PlanClientRow.client_id == "E01")).one()
        assert snap.name == _name(1)
        # and in Bad Hersfeld it is gone
        assert s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": "E01"}).name is None
        assert all(v.address == "(gelöscht)" for v in s.scalars(select(VisitRow).where(
            VisitRow.plan_id == plan1, VisitRow.client_id == "E01")))


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_absent_days_in_a_city_without_cases_has_nothing_to_delete(history, tmp_path, backend,
                                                                   request):
    """QA 19a #1: ``purge --absent-days N`` for a city no list has held a case of (a
    second city before its first import, or an empty database) answers „Nichts zu
    löschen.“ as ``--closed-days`` does; it crashed comparing with the newest listing of
    none. The cases of the other city stay as they were."""
    from sqlalchemy import select

    from hausbesuch.store import ClientRow, Store

    if backend == "sqlite":
        empty = str(tmp_path / "leer.sqlite")
        Store.open(empty).close()
    else:
        empty = schema_url(pg_url(), f"t_purge_leer_{tmp_path.name[-12:].lower()}"
                           .replace("-", "_"), request)
        Store.open(empty).close()
    both = _copy(history, backend, tmp_path, request)  # Bad Hersfeld's cases only

    def cases() -> list[tuple]:
        with Store.open(both) as store, store.session() as s:
            return [(r.city, r.client_id, r.name, r.status, r.erased_at)
                    for r in s.scalars(select(ClientRow).order_by(ClientRow.client_id))]

    before = cases()
    assert before and {c[0] for c in before} == {"Bad Hersfeld"}
    for db in (empty, both):
        for city in ("lauf", "bad-hersfeld") if db == empty else ("lauf",):
            common = ["--city", city, "--db", db]
            assert "Nichts zu löschen." in run("purge", "--absent-days", "30", *common)
            assert "Nichts zu löschen." in run("purge", "--absent-days", "30", "--yes",
                                               *common)
            out = run("purge", "--absent-days", "1", "--closed-days", "0", *common)
            assert "Nichts zu löschen." in out, out
    assert cases() == before


@pytest.mark.parametrize("backend", ["sqlite",
                                     pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_on_postgresql_purge_says_it_cannot_know_the_backups(history, tmp_path, backend,
                                                             request):
    """QA 27 deploy F3: on PostgreSQL no backup is ever recorded (``hausbesuch backup`` sends
    to ``pg_dump``), so the list of copies never names one; ``purge`` says so, in the dry
    run and after erasing. On SQLite the backups of ``hausbesuch backup`` are listed."""
    db = _copy(history, backend, tmp_path, request)
    common = ["--city", "bad-hersfeld", "--db", db]
    for extra in ((), ("--yes",)):
        said = " ".join(run("purge", "E00", *extra, *common).split())
        assert ("Sicherungen mit pg_dump kennt hausbesuch nicht" in said) \
            == (backend == "postgresql"), said
