"""Notes about visits announced by letter (QA 44b F1, F6, F4): a ``Zeitfenster`` changed
after the letter is named by the import and planned anew by the re-plan in the new window,
the announced visit called off for a correction letter; ``status --set abgeschlossen`` of
an announced case names the letter and the cancellation to write; the web's pin form on
an announced visit names the letter it calls off. Real SQLite, the real Bad Hersfeld
extract, the command line as users run it and the web app over HTTP."""

from __future__ import annotations

import csv
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow  # plans, re-plans and letter runs

TOWN = "36251 Bad Hersfeld"
#: the day of the lists, the letters and the re-plan (Monday); the planned day (Thursday:
#: a letter of Monday arrives on Wednesday); the Wednesday (a letter then comes late)
MON, WED = ClockedCli(date(2026, 12, 7)), ClockedCli(date(2026, 12, 9))
THURSDAY = "Do, 10.12.2026"


def _list(path: Path, rows: list[tuple[str, str, str]]) -> Path:
    """A client list: (id, address, Zeitfenster) per row; a name for the letters."""
    path.write_text("Kundennummer;Name;Adresse;Zeitfenster\n"
                    + "".join(f"{cid};Erika Muster {cid};{address};{window}\n"
                              for cid, address, window in rows), encoding="utf-8")
    return path


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def _visits(db: str, cid: str) -> list[tuple[str, datetime, datetime | None, datetime | None]]:
    """The case visits of ``cid``: (status, start, promised start, promised end)."""
    from hausbesuch.store import CaseVisitRow, Store

    with Store.open(db) as store, store.session() as s:
        return sorted((v.status, v.start_at, v.promised_start, v.promised_end)
                      for v in s.query(CaseVisitRow) if v.client_id == cid)


def _one_line(text: str) -> str:
    return " ".join(text.split())


FIRST = [("K-1", f"Breitenstraße 24, {TOWN}", "Do 8-12"),
         ("K-2", f"Dudenstraße 5, {TOWN}", "")]


def _announced(tmp_path: Path) -> tuple[str, list[str], str]:
    """Two cases imported on Monday, planned for Thursday and announced by letters of
    Monday: (database, its options, the plan id)."""
    path = str(tmp_path / "f.sqlite")
    db = city_db(path)
    MON.ok("import", str(_list(tmp_path / "a.csv", FIRST)), *db)
    out = MON.ok("plan", *db, "--start", "2026-12-10", "--days", "1", "--out",
                 str(tmp_path / "plan"), "--time-limit", "1", "--threads", "1")
    pid = re.search(r"Plan (\S+):", out)[1]
    MON.ok("letters", pid, "--out", str(tmp_path / "briefe"), *db)
    return path, db, pid


def test_a_window_changed_after_the_letter_is_named_and_planned_anew(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """QA 44b F1: a client announced for Thursday morning who can now only on Thursday
    afternoon. Before, the import said nothing (it does for a pin and an address), and the
    re-plan dropped the visit („das Fenster passt nicht (mehr)“) although the new window
    was free, so that the correction letter promised a new date no plan held. Now the
    import names the row, the new window and the letter; the re-plan plans the visit in
    the new window as a visit of its own and names the announced one for the correction
    letter, which the correction run writes; the announcement run then writes the new
    date's letter. A window changed that still holds the promise says nothing."""
    path, db, pid = _announced(tmp_path)
    ((_, _, ps, pe),) = _visits(path, "K-1")
    assert ps is not None and ps.hour < 12, ps
    wider = _list(tmp_path / "b.csv", [("K-1", FIRST[0][1], "Do 8-13"), FIRST[1]])
    out = MON.ok("import", str(wider), *db)
    assert "1 aktualisiert" in out and "angekündigt" not in out, out
    later = _list(tmp_path / "c.csv", [("K-1", FIRST[0][1], "Do 14-16"), FIRST[1]])
    report = tmp_path / "bericht.csv"
    out = _one_line(MON.ok("import", str(later), *db, "--report", str(report)))
    note = (f"Zeile 2 (K-1): Zeitfenster geändert („Do 14-16“), aber mit Brief vom Mo, "
            f"07.12.2026 für {THURSDAY}, {ps:%H:%M}–{pe:%H:%M} Uhr angekündigt (Plan {pid}): "
            "bitte neu planen; die Neuplanung plant den Besuch im neuen Zeitfenster, der "
            "angekündigte entfällt (Korrekturbrief nötig).")
    assert f"Hinweis: {note}" in out, out
    assert "Zeitfenster geändert („Do 14-16“)" in _report(report)["K-1"]["grund"]
    out = _one_line(MON.ok("replan", pid, "--from", "2026-12-10 00:00", "--out",
                           str(tmp_path / "neu"), "--time-limit", "1", "--threads", "1",
                           *db))
    v2 = re.search(r"Plan (\S+):", out)[1]
    assert (f"K-1: angekündigt für {THURSDAY}, {ps:%H:%M}–{pe:%H:%M} Uhr; jetzt gilt: "
            "Zeitfenster „Do 14-16“ (nach dem Brief geändert). Der angekündigte Besuch "
            "entfällt; bitte für diesen Plan einen Korrekturbrief schreiben") in out, out
    row = _report(tmp_path / "neu" / "report.csv")["K-1"]
    assert row["status"] == "geplant" and "14:00" <= row["beginn"] < "16:00", row
    # the new visit in the new window; the announced one still to be called off
    now = [v for v in _visits(path, "K-1") if v[0] == "geplant"]
    assert [v[1].hour for v in now if v[2] is None] and all(
        14 <= v[1].hour < 16 for v in now if v[2] is None), now
    out = _one_line(MON.ok("letters", v2, "--correction", "--out",
                           str(tmp_path / "korrektur"), *db))
    assert (tmp_path / "korrektur" / "korrektur_K-1.pdf").exists(), out
    out = _one_line(MON.ok("letters", v2, "--out", str(tmp_path / "briefe2"), *db))
    assert (tmp_path / "briefe2" / "brief_K-1.pdf").exists(), out
    states = _visits(path, "K-1")
    assert [v[0] for v in states] == ["entfallen", "geplant"], states
    assert 14 <= states[1][2].hour < 16, states


def _case_page(db: str, cid: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The web app's case page of ``cid`` (database ``db``, Monday), as one line of text."""
    import html

    from hausbesuch import clock
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD, live_server, logged_in

    monkeypatch.setenv(clock.ENV, "2026-12-07")
    app = create_app(f"sqlite:///{db}", cities=["bad-hersfeld"], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city="Bad Hersfeld")
    with live_server(app) as live, logged_in(live.url, "kora") as kora:
        r = kora.get(f"/faelle/{cid}", params={"stadt": "Bad Hersfeld"})
        assert r.status_code == 200, r.text
    return _one_line(html.unescape(r.text))


def test_closing_an_announced_case_names_the_letter_and_the_cancellation(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 44b F6: ``status --set abgeschlossen`` of a case whose visit a letter announced
    asked only for a re-plan. It names the letter (its date, the announced day and
    window) and the cancellation to write with its command (the web's case page
    without it); two days later, when a
    cancellation written then would arrive after the visit, to phone instead. Once the
    cancellation is written, nothing more is asked."""
    path, db, pid = _announced(tmp_path)
    ((_, _, ps, pe),) = _visits(path, "K-2")
    out = _one_line(MON.ok("status", "K-2", "--set", "abgeschlossen", "--reason",
                           "Arbeitsaufnahme", *db))
    letter = (f"Hinweis: K-2: der Besuch ist mit Brief vom Mo, 07.12.2026 für {THURSDAY}, "
              f"{ps:%H:%M}–{pe:%H:%M} Uhr angekündigt")
    assert "bitte neu planen" in out, out  # (as before)
    assert (f"{letter}: bitte eine Absage schreiben (hausbesuch letters {pid} "
            "--correction).") in out, out
    # the web's case page says it too, without the command line
    assert (f"{letter[9:]}: bitte eine Absage schreiben (auf der Seite des Plans unter "
            "„Ankündigungsschreiben“).") in _case_page(path, "K-2", monkeypatch)
    out = _one_line(WED.ok("status", "K-2", *db))
    assert (f"{letter}; eine Absage käme zu spät (heute geschrieben, erst am Fr, "
            "11.12.2026 im Briefkasten): bitte anrufen und absagen.") in out, out
    MON.ok("letters", pid, "--correction", "--out", str(tmp_path / "absage"), *db)
    assert (tmp_path / "absage" / "korrektur_K-2.pdf").exists()
    out = _one_line(MON.ok("status", "K-2", *db))
    assert "Absage" not in out and "anrufen" not in out, out
    # an open case says nothing of it
    assert "Absage" not in _one_line(MON.ok("status", "K-1", *db))


def test_the_web_pin_of_an_announced_visit_names_the_letter_it_calls_off(
        tmp_path: Path, bad_hersfeld_pbf: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """QA 44b F4: the plan page's „Besuch verschieben oder festlegen“ on an announced
    visit confirmed „… ist festgelegt; „Neu planen“ übernimmt es.“ with no word of the
    letter; only the re-plan's notes said it, after the decision. The confirmation names
    the announced window and the letter's date, that the announced visit is called off
    (a correction letter) and how to keep it; a pin inside the announced window says
    nothing of it. Over HTTP, the real app and its store."""
    import html
    from datetime import timedelta

    from geodata.geocode import load_index
    from hausbesuch import clock
    from hausbesuch.demo import real_addresses
    from hausbesuch.fields import format_day
    from hausbesuch.letters import run_letters
    from tests.web_fixtures import WEEK, bare_app, csrf_of, live_server, logged_in
    from tests.web_helpers import plan_week

    today = WEEK - timedelta(days=7)
    monkeypatch.setenv(clock.ENV, today.isoformat())
    app = bare_app(tmp_path, plan_time_limit=2.0)
    store = app.state.web.store
    addrs = real_addresses(load_index(bad_hersfeld_pbf), (9.7075, 50.8683), at_least=10)[:4]
    with open(tmp_path / "liste.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for k, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"W-{k}", f"Geheimname {k}", street, hn, pc, town or "Bad Hersfeld"])
    plan_id = plan_week(app, tmp_path / "liste.csv")
    plan = store.load_plan(plan_id)
    run = run_letters(store, plan, app.state.web.profile("Bad Hersfeld"), tmp_path / "briefe",
                      actor="kora")
    promised = {a.client_id: a.window for a in run.announcements}
    stops = {s.client_id: (r.team_id, r.day, s.start) for r in plan.routes for s in r.stops}
    moved, kept = sorted(promised)[:2]
    (ps, pe), (team, day, _) = promised[moved], stops[moved]
    other = next(d for d in (WEEK + timedelta(days=k) for k in range(5)) if d != day)
    with live_server(app) as live, logged_in(live.url, "kora") as kora:
        def pin(cid: str, target: str, at: str) -> str:
            page = kora.get(f"/plaene/{plan_id}").text
            r = kora.post(f"/plaene/{plan_id}/verschieben", data={
                "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": target,
                "uhrzeit": at})
            assert r.status_code == 303, r.text
            return " ".join(html.unescape(kora.get(r.headers["location"]).text).split())

        page = pin(moved, f"{team}|{other.isoformat()}", "10:00")
        assert f"{moved} ist festgelegt; „Neu planen“ übernimmt es." in page
        assert (f"{moved} ist angekündigt ({format_day(day)}, {ps:%H:%M}–{pe:%H:%M} Uhr, "
                f"Brief vom {format_day(today)}): „Neu planen“ plant den Besuch nach dieser "
                "Festlegung, der angekündigte entfällt; Korrekturbrief nötig (auf der Seite des "
                "Plans unter „Ankündigungsschreiben“). Soll der angekündigte Besuch "
                "bleiben: die Festlegung unter „Festlegungen“ aufheben.") in page, page
        (ks, _), (kteam, kday, _) = promised[kept], stops[kept]
        page = pin(kept, f"{kteam}|{kday.isoformat()}", f"{ks:%H:%M}")
        assert f"{kept} ist festgelegt; „Neu planen“ übernimmt es." in page
        assert "ist angekündigt" not in page and "Geheimname" not in page, page
