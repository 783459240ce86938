"""QA 40 F2, second half: a list's date on a holiday, and later passed.

A case pinned by its list to Friday 25.12.2026 (Erster Weihnachtstag): the plan of the week
after, made while the holiday is ahead, leaves it out and says why (no plan takes it); a
re-plan of that week after the holiday plans the case freely. Before, that re-plan planned
it on another day without a word (an empty reason in report.csv, no note), ``status`` and
the web kept naming 25.12. as the case's day, and the plan page listed the pin without a
note. Now the re-plan names the passed day in its notes and in the case's row of
report.csv, a further re-plan says it once, and ``status``, the case page and the plan
page's „Festlegungen“ say what the pin's day does (nothing any more, or no plan takes it).

The real Bad Hersfeld extract, the command line with its clock (``ClockedCli``), the web
app over HTTP on loopback.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.cli_helpers import ClockedCli, city_db
from tests.planning_fixtures import real_addresses

pytestmark = pytest.mark.slow

CITY = "Bad Hersfeld"
HOLIDAY = date(2026, 12, 25)
MONDAY = date(2026, 12, 28)
PINNED = "K-90001"
HOLIDAY_WORDS = "Erster Weihnachtstag, Feiertag in HE"
AHEAD = (f"kein Arbeitstag ({HOLIDAY_WORDS}): kein Plan nimmt den Besuch auf; bitte in der "
         "Kundenliste einen Arbeitstag eintragen (oder das Datum leeren) und sie erneut "
         "einlesen")
PASSED = (f"Tag verstrichen (war kein Arbeitstag: {HOLIDAY_WORDS}): bindet nicht mehr, der "
          "nächste Plan plant den Fall frei")
PLAN_WORDS = f"laut Liste Fr, 25.12.2026, kein Arbeitstag: {HOLIDAY_WORDS}"
NOTE = ("Festgelegter Tag verstrichen, ohne Besuch oder ohne erfasstes Ergebnis; daher frei "
        f"eingeplant: {PINNED} ({PLAN_WORDS}).")
TEAMS = """[defaults]
schicht = "8:00-16:00"
modus = "drive"

[[team]]
id = "team-nord"
"""


def _report(folder: Path) -> dict[str, dict[str, str]]:
    text = (folder / "report.csv").read_text(encoding="utf-8-sig")
    return {r["id"]: r for r in csv.DictReader(io.StringIO(text), delimiter=";")}


def _write_list(folder: Path, rows: list[list[str]], extra: tuple[str, ...] = ()) -> Path:
    """``kunden.csv`` in ``folder``: each row (case id, name, street, house number,
    postcode, town, *values of the ``extra`` columns after „Datum“ …) under the header."""
    path = folder / "kunden.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", *extra])
        w.writerows(rows)
    return path


def _set_up(folder: Path, db: str, today: date) -> ClockedCli:
    """The one team of :data:`TEAMS` stored for the city of ``db``; the command line on
    ``today``, ``kunden.csv`` of ``folder`` imported."""
    (folder / "teams.toml").write_text(TEAMS, encoding="utf-8")
    cli = ClockedCli(today)
    cli.ok("teams", "--set", str(folder / "teams.toml"), *city_db(db))
    cli.ok("import", str(folder / "kunden.csv"), *city_db(db))
    return cli


@pytest.fixture(scope="module")
def weeks(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path):  # noqa: ANN201
    """(database, folder, first plan's id): six cases, one pinned to 25.12.2026 by the
    list, planned for 28.12.2026-01.01.2027 on 23.12.2026 and re-planned on 29.12.2026."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    d = tmp_path_factory.mktemp("feiertag41")
    addrs = random.Random(41).sample(real_addresses(load_index(bad_hersfeld_pbf)), 6)
    _write_list(d, [[PINNED if i == 0 else f"K-{i:03d}", f"Geheim F{i}", street, hn, pc,
                     town or CITY, f"{HOLIDAY:%d.%m.%Y}" if i == 0 else ""]
                    for i, (street, hn, pc, town) in enumerate(addrs)], ("Datum",))
    db = str(d / "feiertag.sqlite")
    before = _set_up(d, db, date(2026, 12, 23))
    before.ok("plan", *city_db(db), "--start", MONDAY.isoformat(), "--days", "5", "--out",
              str(d / "v1"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        first = store.latest_plan(CITY)
    return db, d, first.id


def test_before_the_holiday_the_pin_is_no_working_day_everywhere(weeks) -> None:  # noqa: ANN001
    db, d, _ = weeks
    row = _report(d / "v1")[PINNED]
    assert row["status"] == "nicht_eingeplant", row
    assert "ist kein Arbeitstag (Erster Weihnachtstag" in row["grund"], row
    out = ClockedCli(date(2026, 12, 23)).ok("status", PINNED, *city_db(db))
    assert f"festgelegt laut Liste: Fr, 25.12.2026 ({AHEAD})" in out, out


def test_a_replan_after_the_holiday_says_it_planned_the_case_freely(weeks, tmp_path) -> None:  # noqa: ANN001
    import shutil

    from hausbesuch.store import Store

    db0, _, first = weeks
    db = str(tmp_path / "neu.sqlite")
    shutil.copy(db0, db)
    after = ClockedCli(date(2026, 12, 29))
    after.ok("replan", first, "--from", "29.12.2026 07:00", "--out", str(tmp_path / "v2"),
             "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v2 = store.latest_plan(CITY)
    planned = {s.client_id: s for r in v2.routes for s in r.stops}
    assert PINNED in planned, [(u.client_id, u.reason) for u in v2.unassigned]
    assert planned[PINNED].start.date() >= date(2026, 12, 29)
    assert v2.warnings.count(NOTE) == 1, v2.warnings
    row = _report(tmp_path / "v2")[PINNED]
    assert row["status"] == "geplant", row
    assert (f"Hinweis: festgelegter Tag verstrichen ({PLAN_WORDS}), daher frei eingeplant"
            in row["grund"]), row
    # the other cases' rows say nothing of it
    assert not any("verstrichen" in r["grund"] for cid, r in _report(tmp_path / "v2").items()
                   if cid != PINNED)
    out = after.ok("status", PINNED, *city_db(db))
    assert f"festgelegt laut Liste: Fr, 25.12.2026 ({PASSED})" in out, out
    # a further re-plan makes the note again: once, not twice
    after.ok("replan", v2.id, "--from", "29.12.2026 12:00", "--out", str(tmp_path / "v3"),
             "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v3 = store.latest_plan(CITY)
    assert v3.version == v2.version + 1
    assert v3.warnings.count(NOTE) == 1, v3.warnings
    assert "festgelegter Tag verstrichen" in _report(tmp_path / "v3")[PINNED]["grund"]


def test_the_web_names_what_the_pins_day_does(weeks, tmp_path, monkeypatch) -> None:  # noqa: ANN001
    import html
    import re
    import shutil

    from hausbesuch import clock
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD, live_server, logged_in

    db0, _, first = weeks
    db = str(tmp_path / "web.sqlite")
    shutil.copy(db0, db)
    app = create_app(f"sqlite:///{db}", cities=["bad-hersfeld"], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city=CITY)
    city = quote(CITY, safe="")

    def text(c, path: str) -> str:  # noqa: ANN001
        page = c.get(path)
        assert page.status_code == 200, (path, page.status_code)
        return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page.text)))

    with live_server(app) as live:
        for today, words in ((date(2026, 12, 23), AHEAD), (date(2026, 12, 29), PASSED)):
            monkeypatch.setenv(clock.ENV, today.isoformat())
            with logged_in(live.url, "kora") as c:
                case = text(c, f"/faelle/{PINNED}?stadt={city}")
                assert f"Festgelegt: Fr, 25.12.2026 ({words})" in case, case
                plan = text(c, f"/plaene/{first}")
                # the plan page's note drops the „der nächste Plan …“ of an open case
                short = words.split(", der nächste Plan")[0]
                assert f"Fr, 25.12.2026: {short}." in plan, plan


def test_a_replan_that_leaves_cases_out_names_the_later_plan_without_them(
        weeks, tmp_path) -> None:  # noqa: ANN001
    """QA 40 F8: the plan of the next week is stored already when the week before is
    re-planned without its only team: the cases the re-plan leaves out are in no later
    plan, and the re-plan's notes say which plan takes them up only when re-planned."""
    import shutil

    from hausbesuch.store import Store

    db0, _, first = weeks
    db = str(tmp_path / "spaeter.sqlite")
    shutil.copy(db0, db)
    cli = ClockedCli(date(2026, 12, 29))
    cli.ok("plan", *city_db(db), "--start", "2027-01-04", "--days", "5", "--out",
           str(tmp_path / "w2"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        nxt = store.latest_plan(CITY)
        v1 = store.load_plan(first)
    assert nxt.start == date(2027, 1, 4)
    in_next = {s.client_id for r in nxt.routes for s in r.stops}
    # the only team is off for the rest of the week (entered on 29.12.)
    cli.ok("absence", "add", "team-nord", "29.12.2026", "--bis", "31.12.2026", *city_db(db))
    out = cli.ok("replan", first, "--from", "29.12.2026 07:00", "--out", str(tmp_path / "v2"),
                 "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v2 = store.latest_plan(CITY)
    assert v2.predecessor_id == first
    # the visits of 29.-31.12. have no team: out, and the next week's plan lacks them
    left = sorted({u.client_id for u in v2.unassigned} - in_next)
    was_planned = sorted({s.client_id for r in v1.routes for s in r.stops
                          if s.start.date() >= date(2026, 12, 29)})
    assert was_planned and set(was_planned) <= set(left), (was_planned, left)
    n = len(left)
    days = "Mo, 04.01.2027 bis Fr, 08.01.2027"
    note = (f"{n} Fälle, die diese Neuplanung nicht einplant, stehen in keinem späteren "
            f"Plan: {', '.join(left)}. Plan {nxt.id} ({days}) ist schon gespeichert und "
            "nimmt sie erst mit einer Neuplanung auf („Neu planen“ auf seiner Seite im Web, "
            f"„replan {nxt.id} --from …“ auf der Kommandozeile).")
    assert v2.warnings.count(note) == 1, v2.warnings
    assert note in out.replace("\n", " ") or note in out, out
    # re-planned „from now“, before its start: what to give instead (QA 41 F8)
    code, msg = cli.invoke("replan", nxt.id, "--from", "29.12.2026 12:00", "--out",
                           str(tmp_path / "w2x"), *city_db(db))
    assert code == 2 and ('Für eine Neuplanung vor seinem Beginn: --from "2027-01-04 00:00" '
                          "(Beginn des Plans).") in msg, msg
    # re-planned, the next week's plan takes them up; a re-plan of the first week then
    # says nothing of it (the note is made anew, not carried)
    cli.ok("replan", nxt.id, "--from", "04.01.2027 00:00", "--out", str(tmp_path / "w2b"),
           "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        nxt2 = store.latest_plan(CITY)
    # (a week of one team has room for the few cases)
    assert set(left) <= {s.client_id for r in nxt2.routes for s in r.stops}
    cli.ok("replan", v2.id, "--from", "29.12.2026 12:00", "--out", str(tmp_path / "v3"),
           "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v3 = store.latest_plan(CITY)
    assert v3.predecessor_id == v2.id
    assert not [w for w in v3.warnings if "in keinem späteren Plan" in w], v3.warnings


def test_a_later_weeks_replan_names_the_visits_it_plans_again_without_outcome(
        weeks, tmp_path) -> None:  # noqa: ANN001
    """QA 41 F9: the week of 04.01. re-planned on its Monday takes up the cases whose
    visits of 29.-31.12. (the plan before) have no outcome yet; it says so and asks whether
    the team reported, as ``plan`` does (before: planned again without a word)."""
    import shutil

    from hausbesuch.store import Store

    db0, _, first = weeks
    db = str(tmp_path / "ohne-ergebnis.sqlite")
    shutil.copy(db0, db)
    ClockedCli(date(2026, 12, 29)).ok(
        "plan", *city_db(db), "--start", "2027-01-04", "--days", "5", "--out",
        str(tmp_path / "w2"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        nxt = store.latest_plan(CITY)
        v1 = store.load_plan(first)
    done = sorted({s.client_id for r in v1.routes for s in r.stops})
    assert done and not {s.client_id for r in nxt.routes for s in r.stops} & set(done)
    out = ClockedCli(date(2027, 1, 4)).ok(
        "replan", nxt.id, "--from", "04.01.2027 07:00", "--out", str(tmp_path / "w2b"),
        "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v2 = store.latest_plan(CITY)
    [note] = [w for w in v2.warnings if "an vergangenen Tagen ohne Ergebnis" in w] or [out]
    assert f"{len(done)} Besuche an vergangenen Tagen ohne Ergebnis" in note, note
    assert "Hat das Team berichtet?" in note, note  # (one team)
    assert note.endswith("diese Neuplanung plant die Fälle erneut ein."), note
    assert all(c in note for c in done), note


def test_a_passed_pin_the_plan_cannot_hold_is_not_called_planned(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """Two cases pinned by the list to Friday 18.12.2026, planned on 23.12.2026 for the week
    after: one is planned freely, the other needs Arabic, which no team speaks, and stays
    out with its reason. Before, the plan's note said of both „daher frei eingeplant“ (it
    was written before the solve); now the second is named as not planned."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    addrs = random.Random(42).sample(real_addresses(load_index(bad_hersfeld_pbf)), 3)
    _write_list(tmp_path, [[f"K-9100{i}", f"Geheim P{i}", street, hn, pc, town or CITY,
                            "" if i == 2 else "18.12.2026", "arabisch" if i == 1 else ""]
                           for i, (street, hn, pc, town) in enumerate(addrs)],
                ("Datum", "Sprache"))
    db = str(tmp_path / "verstrichen.sqlite")
    cli = _set_up(tmp_path, db, date(2026, 12, 23))
    cli.ok("plan", *city_db(db), "--start", MONDAY.isoformat(), "--days", "5", "--out",
           str(tmp_path / "v1"), "--time-limit", "2", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan(CITY)
    planned = {s.client_id for r in plan.routes for s in r.stops}
    assert "K-91000" in planned and "K-91001" not in planned, plan.unassigned
    (note,) = [w for w in plan.warnings if w.startswith("Festgelegter Tag verstrichen")]
    head, _, tail = note.partition("; frei geplant, aber nicht eingeplant (Grund bei den "
                                   "nicht eingeplanten Fällen): ")
    assert "daher frei eingeplant: K-91000 (" in head and "K-91001" not in head, note
    assert tail.startswith("K-91001 (") and "K-91000" not in tail, note
    assert "K-91002" not in note, note
    reason = {u.client_id: u.reason for u in plan.unassigned}["K-91001"]
    assert "arabisch" in reason.lower(), reason


def test_a_case_pinned_to_a_later_plans_day_is_sent_to_that_plan(
        tmp_path: Path, bad_hersfeld_pbf: Path) -> None:
    """The plans of the weeks of 04.01., 11.01. and 18.01.2027 are stored; then two cases of
    the first week get a list date, 20.01. (in the third plan's days) and 27.01. (in no
    stored plan's), and the first week is re-planned without its only team. Its notes send
    the cases it leaves out to the plan of 11.01. (the next), the case pinned to 20.01. to
    the plan of 18.01. (re-planning 11.01. would not take it: its day is not there), and
    the case pinned to 27.01. nowhere (the plan of its days will take it). Before, every
    case was sent to the first later plan."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    addrs = random.Random(43).sample(real_addresses(load_index(bad_hersfeld_pbf)), 10)

    def write_list(n: int, pins: dict[str, str]) -> None:
        _write_list(tmp_path, [[f"K-920{i:02d}", f"Geheim S{i}", street, hn, pc, town or CITY,
                                pins.get(f"K-920{i:02d}", "")]
                               for i, (street, hn, pc, town) in enumerate(addrs[:n])],
                    ("Datum",))

    db = str(tmp_path / "spaeter.sqlite")
    write_list(6, {})
    cli = _set_up(tmp_path, db, date(2026, 12, 29))
    ids = {}
    # each week's plan gets the cases new to the list (the others are booked before it)
    for n, start in ((6, "2027-01-04"), (8, "2027-01-11"), (10, "2027-01-18")):
        if n > 6:
            write_list(n, {})
            cli.ok("import", str(tmp_path / "kunden.csv"), *city_db(db))
        cli.ok("plan", *city_db(db), "--start", start, "--days", "5", "--out",
               str(tmp_path / start), "--time-limit", "2", "--threads", "1")
        with Store.open(db) as store:
            ids[start] = store.latest_plan(CITY).id
    with Store.open(db) as store:
        first = store.load_plan(ids["2027-01-04"])
    in_first = sorted({s.client_id for r in first.routes for s in r.stops})
    assert len(in_first) == 6, first.unassigned
    write_list(10, {"K-92000": "20.01.2027", "K-92001": "27.01.2027"})
    cli.ok("import", str(tmp_path / "kunden.csv"), *city_db(db))
    cli.ok("absence", "add", "team-nord", "04.01.2027", "--bis", "08.01.2027", *city_db(db))
    cli.ok("replan", first.id, "--from", "04.01.2027 00:00", "--out", str(tmp_path / "v2"),
           "--time-limit", "2", "--threads", "1", *city_db(db))
    with Store.open(db) as store:
        v2 = store.latest_plan(CITY)
    assert v2.predecessor_id == first.id and not any(r.stops for r in v2.routes)
    notes = {w.split("Plan ", 2)[-1].split(" ", 1)[0]: w for w in v2.warnings
             if "in keinem späteren Plan" in w}
    assert set(notes) == {ids["2027-01-11"], ids["2027-01-18"]}, v2.warnings
    rest = ", ".join(c for c in in_first if c not in ("K-92000", "K-92001"))
    assert f"4 Fälle, die diese Neuplanung nicht einplant, stehen in keinem späteren Plan: " \
           f"{rest}. Plan {ids['2027-01-11']} (Mo, 11.01.2027 bis Fr, 15.01.2027)" \
           in notes[ids["2027-01-11"]], notes
    assert notes[ids["2027-01-18"]].startswith(
        "1 Fall, den diese Neuplanung nicht einplant, steht in keinem späteren Plan: K-92000. "
        f"Plan {ids['2027-01-18']} (Mo, 18.01.2027 bis Fr, 22.01.2027)"), notes
    assert "K-92001" not in " ".join(notes.values()), notes
