"""Storage: plans round-trip identically through SQLite and PostgreSQL; migrations; upserts.

The PostgreSQL tests use the server that ``scripts/test.sh`` starts
(``HAUSBESUCH_TEST_PG_URL``); each test works in its own schema, dropped afterwards. Without
the URL they skip, except in CI (``CI`` set), where a missing server is a failure.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from shapely.geometry import Polygon, shape
from sqlalchemy import create_engine, inspect, text

from hausbesuch.clients import read_clients
from hausbesuch.plandata import (
    OUTSIDE,
    Client,
    Geocode,
    Plan,
    PlannedStop,
    Rejected,
    TeamDayRoute,
    TimeSlot,
    UnassignedVisit,
)
from hausbesuch.store import (
    DB_ENV,
    Store,
    StoreError,
    default_db_path,
    resolve_db_url,
)
from tests.pg import pg_url

TABLES = {"alembic_version", "clients", "districts", "plans", "plan_clients", "geocodes",
          "plan_routes", "visits", "unassigned", "rejected_rows"}


@pytest.fixture
def pg_schema() -> Iterator[tuple[str, str]]:
    """(url, schema): a fresh schema in the test server, dropped after the test."""
    url = pg_url()
    schema = f"t_{uuid.uuid4().hex[:16]}"
    yield url, schema
    admin_engine = create_engine(url)
    with admin_engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin_engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """A freshly migrated store on each backend."""
    if request.param == "sqlite":
        s = Store.open(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    else:
        url, schema = request.getfixturevalue("pg_schema")
        s = Store.open(url, schema=schema)
    yield s
    s.close()


def reopen(s: Store, request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    if s.engine.dialect.name == "sqlite":
        return Store.open(f"sqlite:///{tmp_path / 'plans.sqlite'}")
    url, schema = request.getfixturevalue("pg_schema")
    return Store.open(url, schema=schema)


# ------------------------------------------------------------------ a realistic plan


def make_plan(plan_id: str = "2026-12-07-bh", *, city: str = "bad-hersfeld") -> Plan:
    day0 = date(2026, 12, 7)
    clients = [
        Client(row=2, id="K0001", address="Breitenstraße 1, 36251 Bad Hersfeld",
               name="Müller, Jürgen", street="Breitenstraße", housenumber="1",
               postcode="36251", town="Bad Hersfeld", kontakt_abbruch_seit=date(2025, 3, 1),
               sprache=("Arabisch", "Französisch"),
               zeitfenster=(TimeSlot(frozenset({1}), 600, 720, "Di 10-12"),
                            TimeSlot(frozenset({0, 1, 2, 3, 4}), 840, 960, "Mo-Fr 14-16")),
               angekuendigt_ab=date(2026, 12, 3), besuchsdauer_min=45,
               notiz="<script>alert('x')</script> & \"Hund\""),
        Client(row=3, id="K0002", address="Klausstraße 10, Bad Hersfeld"),
        Client(row=5, id="K0003", address="Weinstraße 7", besuchsdauer_min=60,
               notiz="Zeile\u00a0mit ß, ğ, 中文"),
    ]
    geocodes = [
        Geocode("K0001", 9.706754312345678, 50.86813456789012, "exact", 1.0,
                "Breitenstraße 1", "", "Innenstadt"),
        Geocode("K0002", 9.712, 50.871, "interpolated", 0.875, "Klausstraße 10",
                "Hausnummer interpoliert", "Innenstadt"),
        Geocode("K0003", None, None, "unresolved", 0.0, "", "Straße nicht gefunden", OUTSIDE),
    ]

    def t(day: date, h: int, m: int, s: int = 0, us: int = 0) -> datetime:
        return datetime(day.year, day.month, day.day, h, m, s, us)

    stops = (
        PlannedStop("K0001", 1, t(day0, 8, 17, 31), t(day0, 10, 0), t(day0, 10, 45),
                    9.706754312345678, 50.86813456789012, clients[0].address, "Innenstadt",
                    "Di 10-12", clients[0].notiz or ""),
        PlannedStop("K0002", 2, t(day0, 10, 52, 3, 123456), t(day0, 10, 52, 3, 123456),
                    t(day0, 11, 37, 3, 123456), 9.712, 50.871, clients[1].address,
                    "Innenstadt"),
    )
    legs = (
        ((9.7068, 50.8683), (9.70671, 50.86801), (9.706754312345678, 50.86813456789012)),
        ((9.706754312345678, 50.86813456789012), (0.1 + 0.2, 50.869), (9.712, 50.871)),
        ((9.712, 50.871), (9.7068, 50.8683)),
    )
    routes = [
        TeamDayRoute("team-1", "A. Schmidt / B. Yılmaz", day0, "walk", (9.7068, 50.8683),
                     (9.7068, 50.8683), "Rathaus, Am Markt 16", t(day0, 8, 0),
                     t(day0, 12, 1, 7), stops, travel_s=1234, distance_m=4321, service_s=5400,
                     waiting_s=5549, lunch=(t(day0, 12, 0), t(day0, 12, 30)), legs=legs),
        TeamDayRoute("team-2", "Team 2", day0 + timedelta(days=1), "bike", (9.7, 50.8),
                     (9.71, 50.81), "Bahnhof", t(day0 + timedelta(days=1), 8, 0),
                     t(day0 + timedelta(days=1), 8, 0), (), travel_s=0, distance_m=0,
                     service_s=0, waiting_s=0),
    ]
    unassigned = [UnassignedVisit("K0003", "no_location", "Adresse nicht gefunden", None,
                                  None, "Weinstraße 7", OUTSIDE)]
    rejected = [
        Rejected(4, "K0001", "id", "Kundennummer „K0001“ doppelt (schon in Zeile 2)"),
        Rejected(6, None, "id", "Kundennummer fehlt"),
    ]
    solution = {
        "code": 0,
        "summary": {"cost": 1234, "routes": 2, "unassigned": 1, "duration": 1234,
                    "computing_times": {"loading": 1, "solving": 2}},
        "unassigned": [{"id": 3, "type": "job", "location": [9.7, 50.8]}],
        "routes": [{"vehicle": 0, "steps": [{"type": "start", "location": [9.7068, 50.8683],
                                             "arrival": 28800, "load": []},
                                            {"type": "job", "id": 1, "arrival": 29851,
                                             "description": "K0001"}]}],
        "meta": {"tuple": (1, 2.5, "x"), 7: "int key", "nested": [(0.1, 0.2)], "none": None,
                 "__tuple__": "a literal key"},
    }
    return Plan(id=plan_id, city=city, created_at=datetime(2026, 11, 28, 9, 15, 42, 987654),
                start=day0, days=5, routes=routes, unassigned=unassigned, rejected=rejected,
                clients=clients, geocodes=geocodes, solution=solution)


# ------------------------------------------------------------------ round trip


def test_plan_round_trip_is_identical(store: Store) -> None:
    plan = make_plan()
    assert store.save_plan(plan) == plan.id
    back = store.load_plan(plan.id)
    assert back == plan
    # exact types, not just equal values
    assert isinstance(back.routes[0].start_lonlat, tuple)
    assert isinstance(back.routes[0].legs[1][1], tuple)
    assert back.routes[0].legs[1][1][0] == 0.1 + 0.2
    assert back.routes[0].stops[1].arrival.microsecond == 123456
    assert back.created_at == datetime(2026, 11, 28, 9, 15, 42, 987654)
    assert back.solution["meta"]["tuple"] == (1, 2.5, "x")
    assert back.solution["meta"][7] == "int key"
    assert back.clients[0].zeitfenster[1].weekdays == frozenset(range(5))
    assert back.routes[1].lunch is None and back.routes[1].stops == ()


def test_a_plan_read_without_geometry_tells_open_routes_by_their_stored_legs(
        store: Store) -> None:
    """Review 19b: ``ends_open`` is read from the legs a route has (one more than stops
    with its way back), and the plan view reads routes without their geometry: the
    overview counts the stored legs in the database (empty legs of an erased client's
    door included), so it tells the same routes open as the full read. A last visit 0 s
    from the end point (return = end of that visit, other coordinates) is not open."""
    import dataclasses

    plan = make_plan()
    whole = plan.routes[0]
    last = whole.stops[-1]
    legs = whole.legs
    routes = [
        # 0 s from the end point: has its way back
        dataclasses.replace(whole, return_=last.end, end_lonlat=(last.lon + 1e-5, last.lat)),
        # the same with the leg to the erased client's door emptied (``purge``)
        dataclasses.replace(whole, return_=last.end, legs=(legs[0], (), legs[2])),
        # cut by a re-plan, stored without its way back: the legs to its visits
        dataclasses.replace(whole, team_id="team-3", return_=last.end, legs=legs[:2]),
        # cut before its figures were its own: fewer stops, every leg of the old route
        dataclasses.replace(whole, team_id="team-4", stops=whole.stops[:1],
                            return_=whole.stops[0].end),
        plan.routes[1],  # no visits
        # an erased client's two legs (to its door and on from it) side by side (review 20
        # #2: the count missed the second of two adjacent empty legs), and every leg empty
        dataclasses.replace(whole, team_id="team-5", legs=((), (), legs[2])),
        dataclasses.replace(whole, team_id="team-6", legs=((), (), ())),
    ]
    plan = dataclasses.replace(plan, routes=routes)
    store.save_plan(plan)
    full = store.load_plan(plan.id)
    light = store.load_plan(plan.id, overview=True)
    expected = [False, False, True, True, False, False, False]
    assert [r.ends_open for r in plan.routes] == expected
    assert [r.ends_open for r in full.routes] == expected
    assert [r.ends_open for r in light.routes] == expected
    assert [r.legs for r in light.routes] == [()] * len(routes)
    assert [r.leg_count for r in light.routes] == [len(r.legs) for r in routes]
    assert [r.leg_count for r in full.routes] == [None] * len(routes)


def test_same_plan_identical_on_sqlite_and_postgresql(tmp_path: Path,
                                                      pg_schema: tuple[str, str]) -> None:
    """The acceptance line: the same plan is read back identically from both databases."""
    url, schema = pg_schema
    plan = make_plan()
    with Store.open(tmp_path / "a.sqlite") as lite, Store.open(url, schema=schema) as pg:
        lite.save_plan(plan)
        pg.save_plan(plan)
        from_lite, from_pg = lite.load_plan(plan.id), pg.load_plan(plan.id)
    assert from_lite == plan
    assert from_pg == plan
    assert from_lite == from_pg


def test_saving_again_replaces_and_plans_are_listed(store: Store) -> None:
    first = make_plan("p1")
    store.save_plan(first)
    changed = replace(first, routes=first.routes[:1], unassigned=[])
    store.save_plan(changed)
    assert store.load_plan("p1") == changed
    later = replace(make_plan("p2", city="lauf"), created_at=datetime(2026, 11, 29, 7, 0))
    store.save_plan(later)

    infos = store.list_plans()
    assert [i.id for i in infos] == ["p2", "p1"]
    p1 = infos[1]
    assert (p1.city, p1.start, p1.days) == ("bad-hersfeld", date(2026, 12, 7), 5)
    assert (p1.routes, p1.visits, p1.unassigned, p1.rejected) == (1, 2, 0, 2)
    assert [i.id for i in store.list_plans("bad-hersfeld")] == ["p1"]
    assert store.latest_plan() == later
    assert store.latest_plan("bad-hersfeld") == changed
    assert store.latest_plan("kassel") is None

    assert store.delete_plan("p2") and not store.delete_plan("p2")
    with pytest.raises(StoreError, match="p2"):
        store.load_plan("p2")
    with store.engine.connect() as conn:  # nothing of p2 is left behind
        for table in ("visits", "plan_routes", "plan_clients", "geocodes"):
            n = conn.execute(text(f"SELECT count(*) FROM {table} WHERE plan_id = 'p2'"))
            assert n.scalar() == 0


def test_plan_without_id_gets_one(store: Store) -> None:
    plan = make_plan("")
    pid = store.save_plan(plan)
    assert pid.startswith("20261128-091542-") and plan.id == ""
    assert store.load_plan(pid) == replace(plan, id=pid)


def test_aware_datetimes_are_refused(store: Store) -> None:
    from datetime import UTC

    plan = replace(make_plan(), created_at=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="naive"):
        store.save_plan(plan)


# ------------------------------------------------------------------ migrations


def head_revision() -> str:
    """The newest revision shipped in the package's migrations folder."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from hausbesuch.store import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert head is not None
    return head


def test_migrations_on_empty_database_and_idempotent(store: Store,
                                                     request: pytest.FixtureRequest,
                                                     tmp_path: Path) -> None:
    assert store.current_revision() == head_revision()
    assert set(inspect(store.engine).get_table_names()) >= TABLES
    store.save_plan(make_plan())
    store.upsert_clients(make_plan().clients, "bad-hersfeld")
    store.migrate()  # again: no-op
    again = reopen(store, request, tmp_path)  # open runs the migrations once more
    try:
        assert again.current_revision() == head_revision()
        assert again.load_plan("2026-12-07-bh") == make_plan()
        assert again.count_clients() == 3
    finally:
        again.close()


def test_audit_log_is_append_only_in_the_database(store: Store) -> None:
    """Rows of the audit log can be added, never changed or removed (database triggers)."""
    from sqlalchemy import delete, update
    from sqlalchemy.exc import DBAPIError

    from hausbesuch.store import AuditRow

    store.audit("pruefer", "plan_angezeigt", city="Bad Hersfeld", plan_id="p1")
    for stmt in (update(AuditRow).values(actor="niemand"), delete(AuditRow)):
        with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
            s.execute(stmt)
    if store.engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), store.session() as s:
            s.execute(text("TRUNCATE audit_log"))
    rows = store.audit_rows()
    assert [r["actor"] for r in rows][-1] == "pruefer"
    store.audit("pruefer", "plan_angezeigt", city="Bad Hersfeld", plan_id="p2")
    assert len(store.audit_rows()) == len(rows) + 1


def test_database_errors_carry_no_values(store: Store) -> None:
    """An error's message (what a log line shows) names the statement, not its values:
    they can be a client's name or a worker's note."""
    from sqlalchemy.exc import IntegrityError

    from hausbesuch.store import AuditRow

    secret = "Geheimname Zwiebelmaier"
    with pytest.raises(IntegrityError) as exc, store.session() as s:
        s.add(AuditRow(actor=secret, action=None, at=None))  # NOT NULL columns left empty
        s.flush()
    assert secret not in str(exc.value)
    assert "hidden due to hide_parameters" in str(exc.value)


def test_models_and_migrations_agree(store: Store) -> None:
    """Autogenerate finds nothing to do: the ORM and the shipped migration match."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from hausbesuch.store import Base

    with store.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}),
                                 Base.metadata)
    assert diffs == []


def test_concurrent_first_open_of_a_new_sqlite_file(tmp_path: Path) -> None:
    """Several workers opening a brand-new database at once all succeed."""
    path = tmp_path / "shared.sqlite"
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Store.open(path) as s:
                assert s.current_revision() == head_revision()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


HOLD_PLANNING_LOCK = """
import sys
from hausbesuch.store import Store
with Store.open(sys.argv[1]) as store, store.planning_lock("Bad Hersfeld"):
    print("held", flush=True)
    sys.stdin.readline()
"""


def test_plans_of_one_city_wait_for_another_process_on_sqlite(tmp_path: Path) -> None:
    """A plan on the command line and one of the web app (two processes, one SQLite
    file) are made one at a time: the lock is taken only once the other process has
    let go of it; another city does not wait."""
    path = tmp_path / "fall.sqlite"
    Store.open(path).close()
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": root + os.pathsep + os.environ.get("PYTHONPATH", "")}
    holder = subprocess.Popen([sys.executable, "-c", HOLD_PLANNING_LOCK, str(path)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=env, cwd=root)
    try:
        assert holder.stdout.readline().strip() == "held"
        got = threading.Event()

        def plan() -> None:
            with Store.open(path) as store, store.planning_lock("Bad Hersfeld"):
                got.set()

        with Store.open(path) as store, store.planning_lock("Lauf"):
            pass  # another city: no wait
        waiting = threading.Thread(target=plan)
        waiting.start()
        assert not got.wait(1.0)  # the other process holds the city's lock
        holder.stdin.write("weiter\n")
        holder.stdin.flush()
        assert got.wait(60)
        waiting.join()
    finally:
        holder.kill()
        holder.wait()


@pytest.mark.postgres
def test_concurrent_first_open_on_postgresql(pg_schema: tuple[str, str]) -> None:
    url, schema = pg_schema
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with Store.open(url, schema=schema) as s:
                assert s.current_revision() == head_revision()
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []


def test_works_from_any_directory_without_alembic_ini(tmp_path: Path) -> None:
    """Migrations are found inside the package, whatever the working directory."""
    code = (
        "from hausbesuch.store import Store\n"
        "s = Store.open('x.sqlite'); print(s.current_revision()); s.close()\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == head_revision()
    assert (tmp_path / "x.sqlite").exists() and not (tmp_path / "alembic.ini").exists()


# ------------------------------------------------------------------ clients


def test_reimport_updates_clients_by_id(store: Store, tmp_path: Path) -> None:
    csv_path = tmp_path / "kunden.csv"
    csv_path.write_text(
        "Kundennummer;Name;Adresse;Kontaktabbruch seit;Zeitfenster;Besuchsdauer\n"
        "K1;Anna A;Breitenstraße 1, 36251 Bad Hersfeld;01.02.2025;Di 10-12;45\n"
        "K2;Bernd B;Klausstraße 10, 36251 Bad Hersfeld;;;\n"
        "K3;Cem C;Weinstraße 7, 36251 Bad Hersfeld;15.08.2024;Mo-Fr 14-16;30\n",
        encoding="utf-8")
    first = read_clients(csv_path, today=date(2026, 11, 28))
    r1 = store.upsert_clients(first.clients, "bad-hersfeld")
    assert (r1.inserted, r1.updated, r1.unchanged) == (3, 0, 0)
    stamps = store.client_updated_at("bad-hersfeld")
    assert store.load_clients("bad-hersfeld") == sorted(first.clients, key=lambda c: c.id)

    # the next export: K2 moved, K4 is new, K1 and K3 unchanged
    csv_path.write_text(
        "Kundennummer;Name;Adresse;Kontaktabbruch seit;Zeitfenster;Besuchsdauer\n"
        "K1;Anna A;Breitenstraße 1, 36251 Bad Hersfeld;01.02.2025;Di 10-12;45\n"
        "K2;Bernd B;Am Markt 3, 36251 Bad Hersfeld;;;\n"
        "K3;Cem C;Weinstraße 7, 36251 Bad Hersfeld;15.08.2024;Mo-Fr 14-16;30\n"
        "K4;Dora D;Am Markt 5, 36251 Bad Hersfeld;;;\n",
        encoding="utf-8")
    second = read_clients(csv_path, today=date(2026, 11, 28))
    r2 = store.upsert_clients(second.clients, "bad-hersfeld")
    assert (r2.inserted, r2.updated, r2.unchanged) == (1, 1, 2)
    assert store.count_clients("bad-hersfeld") == 4
    stored = {c.id: c for c in store.load_clients("bad-hersfeld")}
    assert stored["K2"].address == "Am Markt 3, 36251 Bad Hersfeld"
    assert stored["K1"].name == "Anna A"
    assert stored == {c.id: c for c in second.clients}
    after = store.client_updated_at("bad-hersfeld")
    assert after["K1"] == stamps["K1"] and after["K3"] == stamps["K3"]
    assert after["K2"] > stamps["K2"]

    # the same ids in another city are other people
    store.upsert_clients(second.clients[:1], "lauf")
    assert store.count_clients("bad-hersfeld") == 4 and store.count_clients() == 5


# ------------------------------------------------------------------ districts and views


def test_districts_round_trip(store: Store) -> None:
    poly = Polygon([(9.70, 50.86), (9.72, 50.86), (9.72, 50.88), (9.70, 50.88)])
    n = store.save_districts("bad-hersfeld", [("Innenstadt", poly),
                                              ("Hohe Luft", {"type": "Point",
                                                             "coordinates": [9.7, 50.9]})],
                             source="osm")
    assert n == 2
    loaded = dict(store.load_districts("bad-hersfeld"))
    assert shape(loaded["Innenstadt"]).equals(poly)
    assert loaded["Hohe Luft"] == {"type": "Point", "coordinates": [9.7, 50.9]}
    store.save_districts("bad-hersfeld", [("Innenstadt", poly)])  # replaces
    assert [name for name, _ in store.load_districts("bad-hersfeld")] == ["Innenstadt"]
    assert store.load_districts("lauf") == []


def test_notebook_views(store: Store) -> None:
    with pytest.raises(StoreError, match="kein Plan"):
        store.visits_frame()
    plan = make_plan()
    store.save_plan(plan)
    visits = store.visits_frame()
    assert list(visits["client_id"]) == ["K0001", "K0002"]
    assert "name" not in visits.columns
    assert not visits.astype(str).apply(lambda col: col.str.contains("Müller")).any().any()
    assert list(visits["visit_min"]) == [45.0, 45.0]

    per_district = store.visits_per_district(plan.id)
    rows = {r.district: (r.geplant, r.nicht_eingeplant, r.gesamt)
            for r in per_district.itertuples()}
    assert rows == {"Innenstadt": (2, 0, 2), OUTSIDE: (0, 1, 1)}

    summary = store.team_day_summary(plan.id)
    first = summary.iloc[0]
    assert (first.team_id, first.visits) == ("team-1", 2)
    assert first.travel_min == pytest.approx(1234 / 60)
    assert first.visit_min == pytest.approx(90.0)
    assert first.distance_km == pytest.approx(4.321)
    assert summary.iloc[1].visits == 0


# ------------------------------------------------------------------ URLs and errors


def test_default_database_in_user_data_dir(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(DB_ENV, raising=False)
    expected = tmp_path / "data" / "hausbesuch" / "hausbesuch.sqlite"
    assert default_db_path() == expected
    assert resolve_db_url() == f"sqlite:///{expected}"
    with Store.open() as s:
        s.upsert_clients([Client(row=2, id="x", address="Weg 1")], "lauf")
    assert expected.exists()

    other = tmp_path / "anders.sqlite"
    monkeypatch.setenv(DB_ENV, str(other))
    assert resolve_db_url() == f"sqlite:///{other}"
    with Store.open() as s:
        assert s.count_clients() == 0
    assert other.exists()
    # an explicit URL wins over the environment
    assert resolve_db_url("sqlite:///x.db") == "sqlite:///x.db"
    assert resolve_db_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"


def test_in_memory_sqlite_works() -> None:
    with Store.open("sqlite://") as s:
        s.save_plan(make_plan())
        assert s.load_plan("2026-12-07-bh") == make_plan()


def test_bad_urls_give_german_errors(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="nicht unterstützt"):
        Store.open("mysql://u@localhost/db")
    with pytest.raises(StoreError, match="Ungültige Datenbank-Adresse"):
        Store.open("postgresql+psycopg://u@localhost:port/db")
    with pytest.raises(StoreError, match="nicht nutzbar"):
        Store.open("sqlite+nope://x")
    # odd characters in a file path are fine
    with Store.open(tmp_path / "100% echt: Plan.sqlite") as s:
        assert s.current_revision() == head_revision()
    with pytest.raises(StoreError) as err:  # nothing listens on port 1 of loopback
        Store.open("postgresql+psycopg://user:geheim@127.0.0.1:1/db")
    assert "nicht erreichbar" in str(err.value) and "geheim" not in str(err.value)
    with pytest.raises(StoreError, match="Schema"):
        Store.open(tmp_path / "a.sqlite", schema="x")


def test_a_new_sqlite_store_is_readable_by_its_owner_only(tmp_path, monkeypatch) -> None:
    """The casework database holds names, addresses and notes: a file and folders this
    creates are 0600/0700 whatever the umask (SQLite's journal files take the file's mode);
    an existing folder keeps its mode."""
    import os
    import stat

    from hausbesuch.store import Store

    old = os.umask(0o022)
    try:
        db = tmp_path / "neu" / "tiefer" / "fall.sqlite"
        with Store.open(f"sqlite:///{db}") as store, store.session() as s:
            s.execute(text("select 1"))
    finally:
        os.umask(old)
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in db.parent.iterdir()}
    assert mode["fall.sqlite"] == 0o600, mode
    assert all(m == 0o600 for m in mode.values()), mode  # -wal, -shm when present
    assert stat.S_IMODE(db.parent.stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "neu").stat().st_mode) == 0o700
    shared = tmp_path / "geteilt"  # a folder the administrator made: its mode stays
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    with Store.open(f"sqlite:///{shared / 'fall.sqlite'}"):
        pass
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755
    assert stat.S_IMODE((shared / "fall.sqlite").stat().st_mode) == 0o600


def _alembic(url: str):  # noqa: ANN202 - an alembic Config
    """The migrations' configuration for ``url`` (to set a database to an older revision)."""
    from alembic.config import Config

    from hausbesuch.store import MIGRATIONS_DIR

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url)
    return cfg


def downgrade(s: Store, revision: str) -> None:
    """Take the database of ``s`` back to ``revision`` (a store stored before a migration;
    :meth:`Store.open` upgrades it to the head again, :func:`reopen`)."""
    from alembic import command

    cfg = _alembic(s.url.replace("%", "%%"))
    with s.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def test_cases_stored_before_the_list_date_count_as_listed_at_the_upgrade(tmp_path: Path) -> None:
    """Migration 0009: a case stored by an older version has no date of its last list; it
    gets the moment of the upgrade (never older: ``purge --absent-days`` must not erase it
    early), and a new import keeps it current."""
    from alembic import command
    from sqlalchemy import create_engine

    from hausbesuch import clock
    from hausbesuch.store import ClientRow

    url = f"sqlite:///{tmp_path / 'alt.sqlite'}"
    command.upgrade(_alembic(url), "0008")
    eng = create_engine(url)
    with eng.begin() as c:
        c.execute(text(
            "INSERT INTO clients (client_id, city, input_row, name, address, sprache, "
            "zeitfenster, extra, created_at, updated_at, status) VALUES ('K-1', "
            "'Bad Hersfeld', 2, 'x', 'y', '[]', '[]', '[]', '2025-01-01 00:00:00', "
            "'2025-01-01 00:00:00', 'offen')"))
    eng.dispose()
    before = clock.now()
    with Store.open(url) as store, store.session() as s:
        assert store.current_revision() == head_revision()
        row = s.get(ClientRow, {"city": "Bad Hersfeld", "client_id": "K-1"})
        assert row.last_listed_at is not None and row.last_listed_at >= before.replace(
            microsecond=0), row.last_listed_at


def test_upserting_clients_records_that_a_list_holds_them(store: Store) -> None:
    """Clients stored from a list (also unchanged ones) carry the moment a list last held
    them (``purge --absent-days``); their ``updated_at`` stays."""
    from sqlalchemy import select, update

    from hausbesuch.store import ClientRow

    clients = make_plan().clients
    store.upsert_clients(clients, "Bad Hersfeld")
    old = datetime(2026, 1, 1)
    with store.session() as s:
        s.execute(update(ClientRow).values(last_listed_at=old))
        updated = {r.client_id: r.updated_at for r in s.scalars(select(ClientRow))}
    store.upsert_clients(clients[:2], "Bad Hersfeld")
    with store.session() as s:
        rows = {r.client_id: r for r in s.scalars(select(ClientRow))}
    listed = {c.id for c in clients[:2]}
    for cid, row in rows.items():
        assert (row.last_listed_at > old) == (cid in listed), (cid, row.last_listed_at)
        assert row.updated_at == updated[cid]


def test_unused_list_columns_kept_by_older_versions_are_emptied(tmp_path: Path) -> None:
    """Migration 0011 (QA 16b #4, data minimisation): the unevaluated columns an older
    version stored with each case and plan snapshot (a phone number) are emptied, and an
    import stores none; the database file holds the value no more."""
    from alembic import command
    from sqlalchemy import create_engine


    path = tmp_path / "alt.sqlite"
    url = f"sqlite:///{path}"
    command.upgrade(_alembic(url), "0010")
    eng = create_engine(url)
    phone = '[["Telefon","0151 99007711"]]'
    with eng.begin() as c:
        c.execute(text(
            "INSERT INTO clients (client_id, city, input_row, name, address, sprache, "
            "zeitfenster, extra, created_at, updated_at, status) VALUES ('K-1', "
            "'Bad Hersfeld', 2, 'x', 'y', '[]', '[]', :e, '2025-01-01 00:00:00', "
            "'2025-01-01 00:00:00', 'offen')"), {"e": phone})
    eng.dispose()
    with Store.open(url) as store:
        assert store.current_revision() == head_revision()
        with store.session() as s:
            assert s.scalar(text("SELECT extra FROM clients")) == "[]"
        store.save_plan(make_plan())
        store.upsert_clients(make_plan().clients, "Bad Hersfeld")
        with store.session() as s:
            assert set(s.scalars(text("SELECT extra FROM clients UNION "
                                      "SELECT extra FROM plan_clients"))) == {"[]"}
        store.reclaim()
    assert b"99007711" not in path.read_bytes()


def test_changes_since_a_marker_include_rows_committed_late(store: Store) -> None:
    """A plan asks which of its cases changed after it read the store. A row numbered
    before the marker but committed after it (a transaction in flight on PostgreSQL) counts
    too; rows seen at the marker, views, other cities and other cases do not."""
    from hausbesuch.store import AuditRow, audit_values

    def add(action: str, client_id: str | None, city: str = "Bad Hersfeld",
            row_id: int | None = None) -> None:
        with store.session() as s:
            s.add(AuditRow(**audit_values("t", action, city=city, client_id=client_id),
                           **({"id": row_id} if row_id else {})))

    add("ergebnis_erfasst", "K-1")
    add("status_geaendert", "K-2", row_id=50)
    marker = store.change_marker()
    assert store.changes_since(marker, "Bad Hersfeld", {"K-1", "K-2"}) == []
    add("ergebnis_erfasst", "K-1", row_id=20)  # numbered before the marker, seen after it
    add("fall_angezeigt", "K-1")  # a view changes nothing
    add("ergebnis_erfasst", "K-1", city="Lauf a.d. Pegnitz")
    add("ergebnis_erfasst", "K-9")  # not a case of this plan
    add("abwesenheit_eingetragen", None)  # the city's teams: every plan of the city
    assert set(store.changes_since(marker, "Bad Hersfeld", {"K-1", "K-2"})) == {
        (None, "abwesenheit_eingetragen"), ("K-1", "ergebnis_erfasst")}


def test_a_change_committed_while_a_plan_is_stored_is_seen_or_comes_after(
        store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 16 #3: the change check ran at the start of the storing transaction; on
    PostgreSQL an outcome committed while the plan's rows were written was stored over
    unseen. Now the check comes last, under a lock the change's own transaction takes too:
    the change is either seen (nothing stored) or waits and comes after the plan."""
    from hausbesuch.planning.workflow import PlanOutdated, save_plan_and_visits

    plan = make_plan("p-alt")
    marker = store.change_marker()
    real_save = Store.save_plan
    writer: list[threading.Thread] = []

    def save_plan(self, p, **kw):  # noqa: ANN001, ANN202 - a phone sends meanwhile
        def phone() -> None:
            with store.session() as s:
                store.audit("link:abc", "ergebnis_erfasst", city=p.city, client_id="K0001",
                            session=s)
        writer.append(threading.Thread(target=phone))
        writer[0].start()
        writer[0].join(3)  # PostgreSQL: it commits now; SQLite: it waits for the plan
        return real_save(self, p, **kw)

    monkeypatch.setattr(Store, "save_plan", save_plan)
    try:
        save_plan_and_visits(store, plan, actor="t", unchanged_since=marker)
    except PlanOutdated as exc:
        stored = False
        assert "K0001" in str(exc)
    else:
        stored = True
    writer[0].join(30)
    assert not writer[0].is_alive()
    phone_row = store.audit_rows(action="ergebnis_erfasst")[-1]
    if store.engine.dialect.name == "postgresql":
        assert not stored  # the phone committed first: the plan saw it
        assert [p.id for p in store.list_plans()] == []
    else:  # the phone waited: its row comes after the plan's
        assert stored
        saved = store.audit_rows(action="plan_gespeichert")[-1]
        assert phone_row["id"] > saved["id"]


@pytest.mark.postgres
def test_the_upgrade_that_empties_unused_columns_rewrites_the_tables_on_postgresql(
        pg_schema) -> None:  # noqa: F811
    """QA 16c #4: migration 0011 emptied the unevaluated columns, but PostgreSQL keeps the
    old row versions in the table files until they are rewritten (VACUUM FULL: a new file)."""
    url, schema = pg_schema
    with Store.open(url, schema=schema) as store:  # made at head; go back to 0010
        downgrade(store, "0010")
        files = text("SELECT relfilenode FROM pg_class c JOIN pg_namespace n ON n.oid = "
                     "c.relnamespace WHERE n.nspname = current_schema() AND relname = :t")
        with store.engine.connect() as conn:
            before = {t: conn.execute(files, {"t": t}).scalar_one()
                      for t in ("clients", "plan_clients")}
    with Store.open(url, schema=schema) as store, store.engine.connect() as conn:
        assert store.current_revision() == head_revision()
        after = {t: conn.execute(files, {"t": t}).scalar_one() for t in before}
    assert all(after[t] != before[t] for t in before), (before, after)
