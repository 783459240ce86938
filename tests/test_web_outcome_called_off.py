"""„Trotzdem Ergebnis nachtragen“ for a visit called off since its plan, on the case page
(session 33): the visits announced for Tuesday were called off on Monday (a re-plan
without both teams, its correction letters), too late for the post, and a team went
anyway. ``hausbesuch outcomes`` records such an outcome (QA 33b F9,
tests/test_casework_qa33.py); the case page listed only planned visits, so the
coordination could not. It lists the called-off visit under *Entfallen*, „entfällt seit …“,
and records it with the same store function and checks as the command line (the time in
the team's hours, none in the future, the same outcome twice „unverändert“, another one
refused, the audit row without names, CSRF); the command line and the page agree on what
the other recorded. Real SQLite, the real Bad Hersfeld extract, the command line as users
run it and the app through its test client (a Chromium check at 390 px at the end)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from datetime import time as dtime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from hausbesuch import clock
from tests.browser import page_width
from tests.cli_helpers import ClockedCli, city_db
from tests.fake_clock import exercise_time_of_day
from tests.web_fixtures import PASSWORD, login, page_text

pytestmark = pytest.mark.slow

CITY = "Bad Hersfeld"
TOWN = "36251 Bad Hersfeld"
NAME = "Erika Muster"  # every client's name starts so: never in an audit row or a page
#: the day of the list, the plan's and the re-plan's; the plan's day; the day after it
MON, TUE, WED = date(2026, 12, 7), date(2026, 12, 8), date(2026, 12, 9)
ROWS = [("K-1", f"Breitenstraße 24, {TOWN}"), ("K-2", f"Dudenstraße 5, {TOWN}")]


def _list(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A client list: (id, address, day, time) per row; a name for the letters."""
    path.write_text("Kundennummer;Name;Adresse;Datum;Uhrzeit\n"
                    + "".join(";".join([r[0], f"{NAME} {r[0]}", *r[1:]]) + "\n"
                              for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def called_off(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
               ) -> tuple[Path, str]:
    """Two cases imported on Monday and planned for Tuesday, their letters written; then a
    re-plan from Tuesday 07:00 without both teams called both visits off, with correction
    letters (as tests/test_casework_qa33.py): (the database file, the first plan's id)."""
    tmp = tmp_path_factory.mktemp("abgesagt")
    path = tmp / "f.sqlite"
    db = city_db(str(path))
    mon = ClockedCli(MON)
    mon.ok("import", str(_list(tmp / "a.csv", [(c, a, "", "") for c, a in ROWS])), *db)
    out = mon.ok("plan", *db, "--start", TUE.isoformat(), "--days", "1", "--out",
                 str(tmp / "plan"), "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    mon.ok("letters", pid, "--out", str(tmp / "briefe"), *db)
    mon.ok("replan", pid, "--from", f"{TUE.isoformat()} 07:00", "--without-team", "team-1",
           "--without-team", "team-2", "--out", str(tmp / "v2"), "--time-limit", "1",
           "--threads", "1", *db)
    from hausbesuch.store import Store

    with Store.open(f"sqlite:///{path}") as store:
        v2 = store.latest_plan(CITY).id
    mon.ok("letters", v2, "--correction", "--out", str(tmp / "korrektur"), *db)
    return path, pid


@pytest.fixture
def db(called_off: tuple[Path, str], tmp_path: Path) -> str:
    """A copy of the module's database for one test (sqlite URL)."""
    shutil.copyfile(called_off[0], tmp_path / "f.sqlite")
    return f"sqlite:///{tmp_path / 'f.sqlite'}"


def _tuesday_at(monkeypatch: pytest.MonkeyPatch, at: dtime = dtime(23, 50)) -> None:
    """Today is the visits' Tuesday, the server's clock at ``at`` (default 23:50: after
    every visit, and no time of the day lies ahead; never before the import's rows)."""
    monkeypatch.setenv(clock.ENV, TUE.isoformat())
    exercise_time_of_day(monkeypatch, at, never_back=True)


def _app(db: str):  # noqa: ANN202 - the app
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    app = create_app(db, cities=["bad-hersfeld"], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city=CITY)
    return app


def _visit(db: str, cid: str):  # noqa: ANN202 - a CaseVisitRow
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(db) as store, store.session() as s:
        return next(v for v in s.query(CaseVisitRow) if v.client_id == cid)


def _form(page: str, visit_id: str) -> dict[str, str]:
    """The hidden fields of the page's „nachtragen“ form of ``visit_id``."""
    m = re.search(rf'<form method="post" action="/fall-ergebnis[^"]*" '
                  rf'id="nachtragen-{re.escape(visit_id)}">(.*?)</form>', page, re.S)
    assert m, page_text(page)[-2000:]
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', m[1]))


def _outcomes(db: str, tmp_path: Path, cid: str, result: str, at: str = "") -> str:
    """``hausbesuch outcomes`` on Tuesday with one row (Uhrzeit ``at``, may be empty): its
    output (a refused row: exit code 2, as the command line ends without a row taken)."""
    sheet = tmp_path / f"erg-{cid}-{result}-{at.replace(':', '')}.csv"
    sheet.write_text(f"Kundennummer;Datum;Uhrzeit;Ergebnis\n{cid};{TUE:%d.%m.%Y};{at};"
                     f"{result}\n", encoding="utf-8")
    code, out = ClockedCli(TUE).invoke("outcomes", str(sheet), *city_db(db))
    assert code == (2 if " 1 abgelehnt" in out else 0), out
    return " ".join(out.split())


@contextmanager
def _kora(db: str) -> Iterator[TestClient]:
    """The app on ``db`` through its test client, the coordinator kora logged in."""
    with TestClient(_app(db), base_url="https://testserver", follow_redirects=False) as c:
        assert login(c, "kora").status_code == 303
        yield c


def _page(c: TestClient, cid: str) -> str:
    r = c.get(f"/faelle/{cid}?stadt={CITY}")
    assert r.status_code == 200, r.text[-800:]
    return r.text


def _section(page: str) -> str:
    """What the page's *Ergebnisse* shows, as text."""
    return page_text(page.split('id="ergebnisse"', 1)[1].split("</section>", 1)[0])


def _audit(db: str, cid: str) -> list[dict]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return store.audit_rows(client_id=cid, action="ergebnis_erfasst")


def test_a_called_off_visit_gets_its_outcome_on_the_case_page(
        db: str, called_off: tuple[Path, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The called-off visit is listed under *Entfallen* („entfällt seit …“), its form is
    „Trotzdem Ergebnis nachtragen“, checked as a row of ``hausbesuch outcomes`` is; the
    outcome is stored as the command line stores it (the visit „erledigt“ in the version
    whose route held it, the case „erreicht“, one audit row without a name); the same
    form again changes nothing, and the command line finds it „schon erfasst“."""
    pid = called_off[1]
    _tuesday_at(monkeypatch)
    visit = _visit(db, "K-1")
    assert visit.status == "entfallen"
    with _kora(db) as c:
        page = _page(c, "K-1")
        shown = _section(page)
        assert (f"Entfallen Besuch Di, 08.12.2026, geplant {visit.start_at:%H:%M} Uhr · Plan "
                f"{pid} · entfällt seit Mo, 07.12.2026 Ein Ergebnis nur eintragen, wenn das "
                "Team trotzdem dort war; der Besuch gilt dann als durchgeführt. Trotzdem "
                "Ergebnis nachtragen") in shown, shown
        assert "Ohne Ergebnis" not in shown
        fields = _form(page, visit.visit_id)
        assert fields["abgesagt"] == "1" and fields["aktion"] == "nachtragen", fields
        base = {**fields, "ergebnis": "angetroffen", "uhrzeit": "08:15"}
        # without the form's token: refused before anything
        r = c.post("/fall-ergebnis", data={k: v for k, v in base.items() if k != "csrf_token"})
        assert r.status_code == 403
        # the checks of an outcomes file's row, named next to this visit's form
        r = c.post("/fall-ergebnis", data={**base, "uhrzeit": "22:30"})
        assert r.status_code == 400
        assert re.search(r"Uhrzeit 22:30 Uhr liegt außerhalb der Arbeitszeit von „team-\d“",
                         page_text(r.text)), page_text(r.text)[-1500:]
        form = r.text.split(f'id="nachtragen-{visit.visit_id}"', 1)[1].split("</form>", 1)[0]
        assert 'id="fehler-' in form and 'name="abgesagt" value="1"' in form
        assert 'value="22:30" required aria-invalid="true"' in form
        r = c.post("/fall-ergebnis", data={**base, "ergebnis": "termin_vereinbart"})
        assert r.status_code == 400
        assert "Termin vereinbart: Datum und Uhrzeit des Termins fehlen" in page_text(r.text)
        r = c.post("/fall-ergebnis", data={**base, "ergebnis": "gibt-es-nicht"})
        assert r.status_code == 400 and "Ergebnis: unbekanntes Ergebnis" in page_text(r.text)
        # no outcome in the future: at 08:00, a visit at 10:30 has not taken place yet
        exercise_time_of_day(monkeypatch, dtime(8, 0))
        r = c.post("/fall-ergebnis", data={**base, "uhrzeit": "10:30"})
        assert r.status_code == 400
        assert "Uhrzeit 10:30 Uhr liegt in der Zukunft (jetzt 08:00 Uhr)" in page_text(r.text)
        _tuesday_at(monkeypatch)
        assert _visit(db, "K-1").status == "entfallen" and _audit(db, "K-1") == []
        r = c.post("/fall-ergebnis", data=base)
        assert r.status_code == 303, page_text(r.text)[-800:]
        assert "ergebnis=nachgetragen-abgesagt" in r.headers["location"]
        page = c.get(r.headers["location"]).text
        assert ("Ergebnis des abgesagten Besuchs nachgetragen; der Besuch gilt als "
                "durchgeführt. Status jetzt: „erreicht“.") in page_text(page)
        shown = _section(page)
        assert "Besuch Di, 08.12.2026, 08:15 Uhr: Angetroffen Ergebnis berichtigen" in shown
        assert "Entfallen" not in shown and "entfällt seit" not in shown, shown
        # the same form again (sent twice): nothing changes
        r = c.post("/fall-ergebnis", data=base)
        assert r.status_code == 303 and "ergebnis=unveraendert" in r.headers["location"]
    # stored as ``hausbesuch outcomes`` stores it (tests/test_casework_qa33.py)
    done = _visit(db, "K-1")
    assert (done.status, done.plan_id) == ("erledigt", pid)
    rows = _audit(db, "K-1")
    assert len(rows) == 1, rows
    assert (rows[0]["actor"], rows[0]["plan_id"], rows[0]["visit_id"]) == (
        "kora", pid, visit.visit_id)
    assert rows[0]["details"] == {"ergebnis": "angetroffen", "tag": TUE.isoformat(),
                                  "quelle": "koordination"}, rows[0]
    from hausbesuch.store import Store

    with Store.open(db) as store:
        assert NAME not in json.dumps(store.audit_rows(), default=str)
    # the command line: the same outcome is „schon erfasst“, another one is refused
    out = _outcomes(db, tmp_path, "K-1", "angetroffen")
    assert "0 erfasst, 1 schon erfasst, 0 abgelehnt" in out, out
    out = _outcomes(db, tmp_path, "K-1", "verweigert")
    assert "0 erfasst, 0 schon erfasst, 1 abgelehnt" in out, out
    assert "bereits ein Ergebnis erfasst: „angetroffen“" in out, out
    assert len(_audit(db, "K-1")) == 1




def test_the_page_and_the_command_line_agree_on_a_called_off_visit(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An outcome ``hausbesuch outcomes`` recorded for the called-off visit is what the
    page shows: its form from before („Trotzdem Ergebnis nachtragen“ of a page loaded
    earlier) with the same outcome changes nothing, with another one is refused naming
    the stored one. A form of the visit from before it was called off (without the
    page's word that it is) is refused, saying that it was called off since, next to the
    called-off visit's form; nothing is stored."""
    _tuesday_at(monkeypatch)
    k1, k2 = _visit(db, "K-1"), _visit(db, "K-2")
    with _kora(db) as c:
        stale = _form(_page(c, "K-2"), k2.visit_id)
        out = _outcomes(db, tmp_path, "K-2", "nicht angetroffen", "09:00")
        assert "1 erfasst, 0 schon erfasst, 0 abgelehnt" in out, out
        shown = _section(_page(c, "K-2"))
        assert ("Besuch Di, 08.12.2026, 09:00 Uhr: Nicht angetroffen Ergebnis berichtigen"
                in shown and "Entfallen" not in shown), shown
        r = c.post("/fall-ergebnis", data={**stale, "ergebnis": "angetroffen",
                                           "uhrzeit": "09:00"})
        assert r.status_code == 400
        assert ("Ergebnis: Für den Besuch von „K-2“ am Di, 08.12.2026 ist bereits ein "
                "Ergebnis erfasst: „nicht angetroffen“.") in page_text(r.text), page_text(r.text)[-900:]
        r = c.post("/fall-ergebnis", data={**stale, "ergebnis": "nicht_angetroffen",
                                           "uhrzeit": "09:00"})
        assert r.status_code == 303 and "ergebnis=unveraendert" in r.headers["location"]
        assert len(_audit(db, "K-2")) == 1  # the command line's
        # K-1: the form as a page loaded before the re-plan had it (no „abgesagt“)
        fields = {k: v for k, v in _form(_page(c, "K-1"), k1.visit_id).items()
                  if k != "abgesagt"}
        r = c.post("/fall-ergebnis", data={**fields, "ergebnis": "angetroffen",
                                           "uhrzeit": "08:15"})
        assert r.status_code == 400
        form = r.text.split('id="entfallen"', 1)[1].split("</form>", 1)[0]
        assert ("Der Besuch von „K-1“ am Di, 08.12.2026 ist inzwischen abgesagt (entfällt "
                "seit Mo, 07.12.2026). Sein Ergebnis nur erfassen, wenn das Team trotzdem "
                "dort war: als abgesagten Besuch („Trotzdem Ergebnis nachtragen“); er gilt "
                "dann als durchgeführt.") in page_text(form), page_text(form)
        assert 'name="abgesagt" value="1"' in form and 'value="08:15"' in form
    assert _visit(db, "K-1").status == "entfallen" and _audit(db, "K-1") == []


def test_a_called_off_visit_beside_another_that_day_is_not_offered(
        db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The teams came back in the afternoon: a re-plan from Tuesday 07:00 with them gives
    each case a new visit that day. ``hausbesuch outcomes`` records a row of that day on
    the new visit; so the page offers that one (*Ohne Ergebnis*) and not the called-off
    one, and refuses the called-off one sent anyway, naming the other visit."""
    from hausbesuch.store import Store

    with Store.open(db) as store:
        v2 = store.latest_plan(CITY).id
    ClockedCli(TUE).ok("replan", v2, "--from", f"{TUE.isoformat()} 07:00", "--with-team",
                       "team-1", "--with-team", "team-2", "--out", str(tmp_path / "v3"),
                       "--time-limit", "1", "--threads", "1", *city_db(db))
    off = _visit(db, "K-1")
    from sqlalchemy import select

    from hausbesuch.store import CaseVisitRow

    with Store.open(db) as store, store.session() as s:
        again = s.scalar(select(CaseVisitRow).where(CaseVisitRow.client_id == "K-1",
                                                    CaseVisitRow.status == "geplant"))
    assert off.status == "entfallen" and again.day == TUE, (off, again)
    _tuesday_at(monkeypatch)
    with _kora(db) as c:
        page = _page(c, "K-1")
        shown = _section(page)
        assert f"Ohne Ergebnis Besuch Di, 08.12.2026, geplant {again.start_at:%H:%M} Uhr" \
            in shown, shown
        assert "Entfallen" not in shown and "entfällt seit" not in shown, shown
        fields = {**_form(page, again.visit_id), "besuch": off.visit_id, "abgesagt": "1"}
        r = c.post("/fall-ergebnis", data={**fields, "ergebnis": "angetroffen",
                                           "uhrzeit": "08:15"})
        assert r.status_code == 400
        assert (f"Der Besuch von „K-1“ am Di, 08.12.2026 um {off.start_at:%H:%M} Uhr ist "
                "abgesagt (entfällt seit Mo, 07.12.2026); an dem Tag hat der Fall einen "
                f"anderen Besuch ({again.start_at:%H:%M} Uhr): das Ergebnis bitte bei diesem "
                "erfassen.") in page_text(r.text), page_text(r.text)[-900:]
        assert _visit(db, "K-1").status == "entfallen" and _audit(db, "K-1") == []
        # the form of the visit planned again, sent with the called-off form's word (a
        # page loaded before the re-plan, whose visit the re-plan planned again): the
        # outcome goes to the planned visit, and the confirmation says what was stored,
        # not what the form asked (review 34 #6)
        fields = {**_form(_page(c, "K-1"), again.visit_id), "abgesagt": "1"}
        r = c.post("/fall-ergebnis", data={**fields, "ergebnis": "angetroffen",
                                           "uhrzeit": f"{again.start_at:%H:%M}"})
        assert r.status_code == 303, page_text(r.text)[-800:]
        assert re.search(r"ergebnis=nachgetragen(&|#|$)", r.headers["location"]), \
            r.headers["location"]
        shown = page_text(c.get(r.headers["location"]).text)
        assert "Ergebnis nachgetragen" in shown and "abgesagten" not in shown, shown
    with Store.open(db) as store, store.session() as s:
        assert s.get(CaseVisitRow, again.visit_id).status == "erledigt"
        assert s.get(CaseVisitRow, off.visit_id).status == "entfallen"


@pytest.fixture(scope="module")
def called_off_early(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
                     ) -> str:
    """The two cases imported on Monday and planned for Wednesday; a re-plan on Monday
    from Wednesday 07:00 without both teams called both visits off two days ahead, before
    their eve: the database file."""
    tmp = tmp_path_factory.mktemp("frueh-abgesagt")
    path = tmp / "f.sqlite"
    db = city_db(str(path))
    mon = ClockedCli(MON)
    mon.ok("import", str(_list(tmp / "a.csv", [(c, a, "", "") for c, a in ROWS])), *db)
    out = mon.ok("plan", *db, "--start", WED.isoformat(), "--days", "1", "--out",
                 str(tmp / "plan"), "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    mon.ok("replan", pid, "--from", f"{WED.isoformat()} 07:00", "--without-team", "team-1",
           "--without-team", "team-2", "--out", str(tmp / "v2"), "--time-limit", "1",
           "--threads", "1", *db)
    return str(path)


def test_a_visit_called_off_before_its_eve_is_not_offered_on_the_case_page(
        called_off_early: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A visit a re-plan called off two days ahead was off the team's route in good time:
    on its day the case page offers no form for it (a dropped visit per re-plan would
    pile up there, review 34 #7); ``hausbesuch outcomes`` still takes its row (a visit
    that took place is not refused for when it was called off: nothing is lost)."""
    shutil.copyfile(called_off_early, tmp_path / "f.sqlite")
    db = f"sqlite:///{tmp_path / 'f.sqlite'}"
    visit = _visit(db, "K-1")
    assert (visit.status, visit.day, visit.updated_at.date()) == ("entfallen", WED, MON)
    monkeypatch.setenv(clock.ENV, WED.isoformat())
    exercise_time_of_day(monkeypatch, dtime(23, 50), never_back=True)
    with _kora(db) as c:
        shown = _section(_page(c, "K-1"))
        assert "Entfallen" not in shown and "Trotzdem" not in shown, shown
        assert "Noch keine Ergebnisse." in shown, shown
    sheet = tmp_path / "erg.csv"
    sheet.write_text(f"Kundennummer;Datum;Uhrzeit;Ergebnis\nK-1;{WED:%d.%m.%Y};;"
                     "angetroffen\n", encoding="utf-8")
    code, out = ClockedCli(WED).invoke("outcomes", str(sheet), *city_db(db))
    out = " ".join(out.split())
    assert code == 0 and "1 erfasst, 0 schon erfasst, 0 abgelehnt" in out, out
    assert ("der Besuch am Mi, 09.12.2026 war abgesagt (entfällt seit Mo, 07.12.2026); das "
            "Ergebnis ist trotzdem erfasst") in out, out
    assert _visit(db, "K-1").status == "erledigt"


def test_the_eve_of_a_monday_is_the_friday() -> None:
    """A Monday's visit called off on the Friday before may still have been made (the
    team's sheets for Monday printed on Friday); one called off on Thursday was not."""
    from hausbesuch.casework.service import called_off_late

    monday = date(2026, 12, 14)
    assert called_off_late(monday, date(2026, 12, 11))  # Friday
    assert called_off_late(monday, date(2026, 12, 13))  # Sunday
    assert called_off_late(monday, date(2026, 12, 15))  # after its day
    assert not called_off_late(monday, date(2026, 12, 10))  # Thursday
    assert called_off_late(TUE, MON) and not called_off_late(WED, MON)


@pytest.mark.browser
def test_the_called_off_form_in_chromium_at_390_px(
        db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """In Chromium at a phone's width: the called-off visit's line says „entfällt seit …“,
    its form opens from „Trotzdem Ergebnis nachtragen“, and the outcome is stored; the
    page it returns to says that the called-off visit counts as made."""
    from tests.shots import shoot
    from tests.web_fixtures import coordinator_on_phone, live_server

    _tuesday_at(monkeypatch)
    visit = _visit(db, "K-2")
    with live_server(_app(db)) as live, coordinator_on_phone(live.url) as page:
        page.goto(live.url + f"/faelle/K-2?stadt={CITY}#ergebnisse")
        line = page.locator("#entfallen li").first
        assert "entfällt seit Mo, 07.12.2026" in line.inner_text()
        assert page_width(page) <= 390
        line.locator("summary").click()
        form = line.locator(f"#nachtragen-{visit.visit_id}")
        form.locator("select[name=ergebnis]").select_option("nachricht_hinterlassen")
        assert form.locator("input[name=uhrzeit]").input_value() == f"{visit.start_at:%H:%M}"
        shoot(page, "fall-abgesagt-nachtragen.png", full_page=True)
        form.locator("button[type=submit]").click()
        page.wait_for_url("**ergebnis=nachgetragen-abgesagt**")
        assert ("Ergebnis des abgesagten Besuchs nachgetragen; der Besuch gilt als "
                "durchgeführt.") in page.inner_text("#gespeichert")
        assert "Entfallen" not in page.inner_text("#ergebnisse")
    assert _visit(db, "K-2").status == "erledigt"
