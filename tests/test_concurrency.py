"""Several users changing one case (or one city's teams) at the same moment (QA 18a #1-#5).

On PostgreSQL (READ COMMITTED) two transactions may read the same rows before either
writes; the case's client row is the unit of serialisation (``SELECT … FOR UPDATE``,
:func:`hausbesuch.store.lock_clients`), the teams' rows are written by upserts. The
interleavings are made deterministic: a third connection holds the change lock that every
audited change takes just before its audit row (so the first writer stops there, inside
its transaction, with what it has read and locked), and the test waits until the
database shows the writers waiting; or a hook stops a writer between its steps. SQLite
(write transactions one at a time) runs the hook variants as well.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import create_engine, func, select, text

from hausbesuch import absences, clock, team_store
from hausbesuch.casework import Casework, CaseworkError
from hausbesuch.config import load_profile
from hausbesuch.store import (
    AddressFixRow,
    AuditRow,
    CaseVisitRow,
    CityTeamsRow,
    ClientRow,
    OutcomeRow,
    Store,
    TeamAbsenceRow,
)
from tests.pg import pg_url, schema_url

CITY = "Bad Hersfeld"
DAY = date(2026, 12, 8)
CASE = "K-100041"
POINT_A, POINT_B = (9.7071, 50.8675), (9.7080, 50.8680)  # (lon, lat) in the extract

BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def _db(backend: str, tmp_path, request) -> str:  # noqa: ANN001
    """A store of its own; on PostgreSQL a schema of its own whose connections carry the
    schema's name as their application name (so :func:`_waiting` counts only this test's
    lock requests, not those of tests running beside it on the same server)."""
    if backend == "sqlite":
        return str(tmp_path / "zugleich.sqlite")
    schema = f"t_conc_{uuid.uuid4().hex[:12]}"
    return f"{schema_url(pg_url(), schema, request)}&application_name={schema}"


def _seed(db: str, *, status: str = "offen", visit: bool = True) -> None:
    """One case of Bad Hersfeld (status ``status``) with a visit planned on DAY."""
    now = datetime(2026, 12, 1, 8, 0)
    with Store.open(db) as store, store.session() as s:
        s.add(ClientRow(city=CITY, client_id=CASE, input_row=2, name="Quirinella Zwackel",
                        address="An der Obergeis 4, 36251 Bad Hersfeld",
                        street="An der Obergeis", housenumber="4", postcode="36251",
                        town="Bad Hersfeld", created_at=now, updated_at=now, status=status,
                        status_since=now, status_reason="", last_listed_at=now))
        if visit:
            start = datetime.combine(DAY, datetime.min.time()) + timedelta(hours=9)
            s.add(CaseVisitRow(visit_id="Bvisit0001", city=CITY, client_id=CASE, try_no=1,
                               plan_id=None, team_id="team-1", day=DAY, start_at=start,
                               end_at=start + timedelta(minutes=30), status="geplant",
                               created_at=now, updated_at=now))


def _casework(store: Store, actor: str) -> Casework:
    return Casework(store, load_profile("bad-hersfeld"), actor=actor, today=lambda: DAY)


def _waiting(db: str) -> int:
    """How many lock requests of this test's connections wait (PostgreSQL): those of
    other tests on the same server (``-n 2``) are not counted, they come and go at any
    moment and would let the second writer start before the first waits."""
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            return int(c.execute(text(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                "WHERE NOT l.granted AND a.application_name = current_setting("
                "'application_name')")).scalar_one())
    finally:
        eng.dispose()


def _until_waiting(db: str, n: int, threads: list[threading.Thread] = (),
                   timeout: float = 60.0) -> None:
    """Until ``n`` lock requests wait (or one of ``threads`` ended: it did not wait)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if _waiting(db) >= n or any(not t.is_alive() for t in threads):
            return
        time.sleep(0.05)
    raise AssertionError(f"{n} waiting lock requests expected")


@contextmanager
def _change_lock_held(db: str) -> Iterator[None]:
    """A third connection holds the city's change lock (exclusive, as a plan being stored
    does): every audited change of the city stops just before its audit row."""
    eng = create_engine(db)
    try:
        with eng.connect() as c:
            c.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(current_schema() "
                           "|| ':aenderung:' || :city, 0))"), {"city": CITY})
            try:
                yield
            finally:
                c.rollback()
    finally:
        eng.dispose()


class _Runner:
    """Runs calls in threads, each with its own store (connections); keeps what each
    returned or raised."""

    def __init__(self, db: str) -> None:
        self.db = db
        self.threads: list[threading.Thread] = []
        self.results: dict[str, Any] = {}
        self.errors: dict[str, BaseException] = {}

    def start(self, name: str, call: Callable[[Store], Any]) -> threading.Thread:
        def run() -> None:
            try:
                with Store.open(self.db) as store:
                    self.results[name] = call(store)
            except BaseException as exc:  # noqa: BLE001 - the test looks at it
                self.errors[name] = exc

        t = threading.Thread(target=run, name=name, daemon=True)
        self.threads.append(t)
        t.start()
        return t

    def join(self) -> None:
        for t in self.threads:
            t.join(120)
            assert not t.is_alive(), f"{t.name} hangs"


def _in_two(db: str, first: tuple[str, Callable[[Store], Any]],
            second: tuple[str, Callable[[Store], Any]]) -> _Runner:
    """``first`` runs until it waits for the change lock (inside its transaction), then
    ``second`` runs until it waits too (for the first's lock on the case, or for the change
    lock); then the lock is released and both finish."""
    r = _Runner(db)
    with _change_lock_held(db):
        base = _waiting(db)
        a = r.start(*first)
        _until_waiting(db, base + 1, [a])
        b = r.start(*second)
        _until_waiting(db, base + 2, [a, b])
    r.join()
    return r


def _count(db: str, q: Any) -> Any:
    with Store.open(db) as store, store.session() as s:
        return s.scalar(q)


@pytest.mark.postgres
@pytest.mark.parametrize("sources", [("web", "web"), ("web", "csv")])
def test_two_outcomes_for_one_visit_at_once_store_one(tmp_path, request, sources):
    """QA 18a #1: two phones of a team (or a phone and the coordinator's file) record the
    same visit at the same moment with different keys: one outcome is stored, the other
    is refused as already recorded (before, both were, and one knock counted twice)."""
    db = _db("postgresql", tmp_path, request)
    _seed(db)

    def send(key: str, result: str, source: str) -> Callable[[Store], Any]:
        return lambda store: _casework(store, f"link:{key}").record_outcome(
            CASE, DAY, result, source=source, idempotency_key=key,
            only_open=source == "web")

    r = _in_two(db, ("a", send("ph-a", "nicht_angetroffen", sources[0])),
                ("b", send("ph-b", "angetroffen", sources[1])))
    assert _count(db, select(func.count()).select_from(OutcomeRow)) == 1
    assert set(r.results) == {"a"}, r.errors
    assert isinstance(r.errors["b"], CaseworkError), r.errors
    assert "bereits ein Ergebnis erfasst" in str(r.errors["b"])
    assert _count(db, select(func.count()).select_from(AuditRow).where(
        AuditRow.action == "ergebnis_erfasst")) == 1


@pytest.mark.postgres
def test_the_same_outcome_sent_twice_at_once_is_recorded_once(tmp_path, request):
    """The same key twice at once (two tabs of a link): one row, the other 'doppelt'."""
    db = _db("postgresql", tmp_path, request)
    _seed(db)

    def send(store: Store) -> bool:
        return _casework(store, "link:x").record_outcome(
            CASE, DAY, "nicht_angetroffen", source="web", idempotency_key="same",
            only_open=True)[1]

    r = _in_two(db, ("a", send), ("b", send))
    assert not r.errors, r.errors
    assert sorted(r.results.values()) == [False, True]
    assert _count(db, select(func.count()).select_from(OutcomeRow)) == 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_phone_outcome_never_overrides_the_coordinators_closing(tmp_path, request,
                                                                  backend, monkeypatch):
    """QA 18a #4: the phone has read the case as open and is about to store „angetroffen“
    when the coordinator closes the case: the closing is not overwritten (before, the phone
    set the case to „erreicht“ from the status it had read). Whichever comes first, the
    case ends „abgeschlossen“."""
    db = _db(backend, tmp_path, request)
    _seed(db)
    go_on = threading.Event()
    visit_on = Casework._visit_on

    def paused(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if threading.current_thread().name == "phone":
            go_on.wait(60)  # the phone stops after it read the case
        return visit_on(self, *args, **kwargs)

    monkeypatch.setattr(Casework, "_visit_on", paused)
    r = _Runner(db)
    phone = r.start("phone", lambda store: _casework(store, "link:abc").record_outcome(
        CASE, DAY, "angetroffen", source="web", idempotency_key="k1", only_open=True))
    time.sleep(1.0)  # the phone is in its transaction, stopped
    coordinator = r.start("anna", lambda store: _casework(store, "anna").set_status(
        CASE, "abgeschlossen", "Fall übergeben"))
    if backend == "postgresql":  # it waits for the phone's lock on the case, or is done
        _until_waiting(db, 1, [coordinator], timeout=20)
    else:  # SQLite: it waits for the phone's write transaction
        coordinator.join(1.0)
    go_on.set()
    r.join()
    assert phone.name in r.results or isinstance(r.errors.get("phone"), CaseworkError), r.errors
    assert "anna" in r.results, r.errors
    with Store.open(db) as store, store.session() as s:
        assert s.get(ClientRow, {"city": CITY, "client_id": CASE}).status == "abgeschlossen"
    with Store.open(db) as store:
        history = [h[1] for h in _casework(store, "x").status_history(CASE)]
    assert history[-1] == "abgeschlossen", history


@pytest.mark.postgres
def test_two_coordinators_fixing_one_address_at_once_both_succeed(tmp_path, request):
    """QA 18a #2: two coordinators set the point of the same case at once: the second
    waits and updates the first's fix (last one wins, both audited), instead of a 500."""
    db = _db("postgresql", tmp_path, request)
    _seed(db)
    with Store.open(db) as store:  # the extract's index loaded once, before the race
        _casework(store, "x").index  # noqa: B018

    def fix(actor: str, point: tuple[float, float]) -> Callable[[Store], Any]:
        return lambda store: _casework(store, actor).fix_address(CASE, point=point)

    r = _in_two(db, ("anna", fix("anna", POINT_A)), ("bert", fix("bert", POINT_B)))
    assert not r.errors, r.errors
    with Store.open(db) as store, store.session() as s:
        (row,) = s.scalars(select(AddressFixRow)).all()
        assert (row.lon, row.lat, row.fixed_by) == (*POINT_B, "bert")
        assert sorted(s.scalars(select(AuditRow.actor).where(
            AuditRow.action == "adresse_korrigiert"))) == ["anna", "bert"]


def _purge(store: Store) -> Any:
    return _casework(store, "cli:root").purge([CASE])


def _fix(store: Store) -> Any:
    return _casework(store, "anna").fix_address(CASE, point=POINT_A)


@pytest.mark.postgres
@pytest.mark.parametrize("purge_first", [True, False])
def test_an_address_fixed_while_the_case_is_purged_does_not_survive(tmp_path, request,
                                                                    purge_first):
    """QA 18a #5: a coordinator fixes the address of a closed case while ``purge`` erases
    it: the fix either comes first and is erased with the case, or comes after and is
    refused as erased; no address and no exact point stay behind (before, the fix survived
    the purge, or a fix failed with a 500)."""
    db = _db("postgresql", tmp_path, request)
    _seed(db, status="abgeschlossen", visit=False)
    with Store.open(db) as store:  # the extract's index loaded once, before the race
        _casework(store, "x").index  # noqa: B018
    first, second = (("purge", _purge), ("fix", _fix))[::1 if purge_first else -1]
    r = _in_two(db, first, second)
    assert "purge" in r.results, r.errors
    assert r.results["purge"].erased is not None
    assert r.results["purge"].to_erase == [CASE]
    if purge_first:
        assert isinstance(r.errors.get("fix"), CaseworkError), r.errors
        assert "gelöscht" in str(r.errors["fix"])
    else:
        assert "fix" in r.results, r.errors
    with Store.open(db) as store, store.session() as s:
        assert s.scalars(select(AddressFixRow)).all() == []
        assert s.get(ClientRow, {"city": CITY, "client_id": CASE}).erased_at is not None


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_purge_while_the_address_is_looked_up_refuses_the_fix(tmp_path, request, backend,
                                                                monkeypatch):
    """QA 18a #5: the purge erases the case between the fix's first check and its writing
    (while the point is checked against the extract): the fix is refused, not stored."""
    db = _db(backend, tmp_path, request)
    _seed(db, status="abgeschlossen", visit=False)
    inside = Casework.inside_extract

    def purge_meanwhile(self, lon: float, lat: float) -> bool:  # noqa: ANN001
        with Store.open(db) as other:
            assert _purge(other).erased is not None
        return inside(self, lon, lat)

    monkeypatch.setattr(Casework, "inside_extract", purge_meanwhile)
    with Store.open(db) as store:
        with pytest.raises(CaseworkError, match="gelöscht"):
            _fix(store)
        with store.session() as s:
            assert s.scalars(select(AddressFixRow)).all() == []


@pytest.mark.postgres
def test_the_same_absence_entered_by_two_coordinators_at_once(tmp_path, request):
    """QA 18a #3: the same team absence entered twice at once: the day is marked once,
    the second entry finds it marked (before: a 500)."""
    db = _db("postgresql", tmp_path, request)
    Store.open(db).close()
    day = date(2026, 12, 14)

    def add(actor: str) -> Callable[[Store], int]:
        return lambda store: absences.add(store, CITY, "team-1", day, day + timedelta(days=1),
                                          teams=["team-1", "team-2"], actor=actor)

    r = _in_two(db, ("anna", add("anna")), ("bert", add("bert")))
    assert not r.errors, r.errors
    assert r.results == {"anna": 2, "bert": 0}
    assert _count(db, select(func.count()).select_from(TeamAbsenceRow)) == 2
    # the second entry again, alone: nothing new, nothing audited
    with Store.open(db) as store:
        assert add("carla")(store) == 0
        assert len(store.audit_rows(action="abwesenheit_eingetragen")) == 1


TEAMS_TOML = """
[[team]]
id = "{id}"
mitglieder = ["A. Schmidt", "B. Yilmaz"]
"""


@pytest.mark.postgres
def test_the_first_teams_uploaded_by_two_coordinators_at_once(tmp_path, request):
    """QA 18a #3: two coordinators upload the city's first teams at once: the second
    overwrites the first (last one wins, both audited), instead of a 500."""
    db = _db("postgresql", tmp_path, request)
    Store.open(db).close()
    profile = load_profile("bad-hersfeld")
    for name in ("nord", "sued"):
        (tmp_path / f"{name}.toml").write_text(TEAMS_TOML.format(id=name), encoding="utf-8")

    def save(actor: str, name: str) -> Callable[[Store], Any]:
        return lambda store: team_store.save_teams(store, profile, tmp_path / f"{name}.toml",
                                                   actor=actor)

    r = _in_two(db, ("anna", save("anna", "nord")), ("bert", save("bert", "sued")))
    assert not r.errors, r.errors
    with Store.open(db) as store:
        teams, source, _ = team_store.stored_teams(store, profile)
        assert ([t.id for t in teams], source) == (["sued"], "sued.toml")
        assert [a["actor"] for a in store.audit_rows(action="teams_gespeichert")] == [
            "anna", "bert"]
        with store.session() as s:
            assert s.get(CityTeamsRow, CITY).updated_by == "bert"
        assert team_store.reset_teams(store, profile, actor="anna")
        assert not team_store.reset_teams(store, profile, actor="anna")


@pytest.mark.postgres
def test_a_pin_set_while_the_case_is_closed_is_refused(tmp_path, request, monkeypatch):
    """A coordinator closes the case while another pins its visit on the plan page: the
    pin waits for the closing and is refused (before, it read the case as open and was
    stored on a closed case, which no re-plan takes up)."""
    from hausbesuch.plandata import Plan
    from hausbesuch.web import casework_api

    db = _db("postgresql", tmp_path, request)
    _seed(db)
    # the plan page's plan, as it has it loaded (a first version: no team taken out), so
    # that the pin's own checks (casework_api.pin_refusal) pass and only the case decides
    plan = Plan(id="plan-1", city=CITY, created_at=datetime(2026, 12, 1, 8, 0), start=DAY,
                days=5)
    monkeypatch.setenv(clock.ENV, (DAY - timedelta(days=1)).isoformat())  # DAY is ahead
    r = _in_two(
        db, ("anna", lambda store: _casework(store, "anna").set_status(
            CASE, "abgeschlossen", "Fall übergeben")),
        ("bert", lambda store: casework_api.pin_visit(
            store, CITY, "bert", CASE, "plan-1", team="team-1", day=DAY, minutes=600,
            plan=plan)))
    assert not r.errors, r.errors
    assert r.results["bert"] == "abgeschlossen"
    with Store.open(db) as store, store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": CASE})
        assert row.status == "abgeschlossen" and row.pin_day is None and row.pin_team is None
    assert _count(db, select(func.count()).select_from(AuditRow).where(
        AuditRow.action == "visit_pinned")) == 0


@pytest.mark.postgres
def test_an_import_does_not_overwrite_an_appointment_agreed_meanwhile(tmp_path, request):
    """Review 18 #4: an import read the cases unlocked and decided their pins from that
    snapshot; an appointment agreed at the door at that moment lost its pin to the list's
    date. Now the import waits for the case and keeps the appointment."""
    db = _db("postgresql", tmp_path, request)
    _seed(db)
    src = tmp_path / "liste.csv"
    src.write_text("Kundennummer;Name;Adresse;Datum\n"
                   f"{CASE};Quirinella Zwackel;An der Obergeis 4, 36251 Bad Hersfeld;"
                   "10.12.2026\n", encoding="utf-8")
    agreed = datetime(2026, 12, 9, 10, 0)
    r = _in_two(
        db, ("phone", lambda store: _casework(store, "link:abc").record_outcome(
            CASE, DAY, "termin_vereinbart", appointment=agreed, source="web",
            idempotency_key="t1", only_open=True)),
        ("import", lambda store: _casework(store, "anna").import_clients(str(src))))
    assert not r.errors, r.errors
    with Store.open(db) as store, store.session() as s:
        row = s.get(ClientRow, {"city": CITY, "client_id": CASE})
        assert (row.pin_source, row.pin_day) == ("termin", agreed.date())


@pytest.mark.postgres
def test_the_same_outcome_resent_as_the_first_closes_the_case_is_a_repeat(tmp_path, request,
                                                                          monkeypatch):
    """QA 18 verify-a N1: a phone's second sending of an outcome read the key (not yet
    stored), then the case (just closed by the first sending) and was refused as „Fall
    erreicht … der Koordination melden“ although its outcome was recorded."""
    db = _db("postgresql", tmp_path, request)
    _seed(db)
    first_done = threading.Event()
    row_of = Casework._row

    def paused(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003
        if threading.current_thread().name == "second":
            first_done.wait(60)  # the first sending is recorded meanwhile
        return row_of(self, *args, **kwargs)

    monkeypatch.setattr(Casework, "_row", paused)

    def send(store: Store) -> bool:
        return _casework(store, "link:x").record_outcome(
            CASE, DAY, "angetroffen", source="web", idempotency_key="same", only_open=True)[1]

    r = _Runner(db)
    r.start("second", send)
    time.sleep(0.5)  # the second sending is in its check, before it reads the case
    first = r.start("first", send)
    first.join(60)
    first_done.set()
    r.join()
    assert not r.errors, r.errors
    assert r.results == {"first": True, "second": False}  # new, then a repeat
    assert _count(db, select(func.count()).select_from(OutcomeRow)) == 1
