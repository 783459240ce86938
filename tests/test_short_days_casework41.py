"""QA 41: a short day (``[casework] short_days``, 24.12. until 12:00) in the casework.

F5: a list pin at 14:00 on 24.12. was read in and shown (``status``) without a word, only
the plan's „nicht eingeplant“ said it. F2: the plan of the next week then sent it to „the
plan of that day“ (ihn neu planen), which could not take it either. F1: a re-plan's note
on cases „in keinem späteren Plan“ named such cases, so that re-planning the later plan as
told came back to the same note. F3: an appointment agreed for after the short day's end
got two notes, the second asking for a re-plan that cannot help.

The real Bad Hersfeld extract, the command line with its clock (``ClockedCli``), SQLite.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path

import pytest

from tests.cli_helpers import ClockedCli
from tests.planning_fixtures import real_addresses
from tests.test_short_days41 import _profile

pytestmark = pytest.mark.slow

CITY = "Bad Hersfeld"
LATE = "P-90100"  # pinned by the list to 24.12.2026 14:00
LATE_WORDS = ("14:00 Uhr liegt nach dem Ende des verkürzten Arbeitstags (Heiligabend laut "
              "Profil, bis 12:00 Uhr): kein Plan nimmt den Besuch auf; bitte in der "
              "Kundenliste eine frühere Uhrzeit (spätestens 11:15 Uhr, mit dem Rückweg früher) "
              "oder einen anderen Tag "
              "eintragen und sie erneut einlesen")


@pytest.fixture(scope="module")
def short_weeks(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path):  # noqa: ANN201
    """(options, folder, import output, plan of 21.-25.12., plan of 28.12.-01.01.): eight
    cases, one pinned to 24.12. 14:00, with the profile's short day 24.12. until 12:00."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    d = tmp_path_factory.mktemp("kurz41")
    _profile(d, bad_hersfeld_pbf, '["24.12. bis 12:00 Heiligabend"]')  # (checked, written)
    opts = ["--city", str(d / "bh-kurz.toml"), "--db", str(d / "kurz.sqlite")]
    addrs = random.Random(4141).sample(real_addresses(load_index(bad_hersfeld_pbf)), 8)
    with open(d / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Datum",
                    "Uhrzeit"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            pinned = i == 0
            w.writerow([LATE if pinned else f"P-{90101 + i}", f"Geheim K{i}", street, hn, pc,
                        town or CITY, "24.12.2026" if pinned else "",
                        "14:00" if pinned else ""])
    fri = ClockedCli(date(2026, 12, 18))
    imported = fri.ok("import", str(d / "kunden.csv"), *opts)
    fri.ok("plan", *opts, "--start", "2026-12-21", "--days", "5", "--out", str(d / "w52"),
           "--time-limit", "2", "--threads", "1")
    with Store.open(d / "kurz.sqlite") as store:
        w52 = store.latest_plan(CITY)
    ClockedCli(date(2026, 12, 21)).ok(
        "plan", *opts, "--start", "2026-12-28", "--days", "5", "--out", str(d / "w53"),
        "--time-limit", "2", "--threads", "1")
    with Store.open(d / "kurz.sqlite") as store:
        w53 = store.latest_plan(CITY)
    return opts, d, imported, w52, w53


def _copy(short_weeks, tmp_path: Path, name: str) -> tuple[list[str], Path]:  # noqa: ANN001
    """(options, database): a copy of the module's database, for a test that changes it."""
    import shutil

    opts, d = short_weeks[0], short_weeks[1]
    db = tmp_path / name
    shutil.copy(d / "kurz.sqlite", db)
    return [opts[0], opts[1], "--db", str(db)], db


def test_a_pin_after_the_short_days_end_is_named_where_it_is_read_and_shown(short_weeks
                                                                           ) -> None:  # noqa: ANN001
    opts, _, imported, w52, w53 = short_weeks
    assert f"({LATE}): Datum laut Liste Do, 24.12.2026: {LATE_WORDS}." in imported.replace(
        "\n", " "), imported
    out = ClockedCli(date(2026, 12, 21)).ok("status", LATE, *opts)
    assert f"festgelegt laut Liste: Do, 24.12.2026, 14:00 Uhr ({LATE_WORDS})" in out, out
    # the week's own plan: the solver's reason names the teams' end of work
    (u,) = [u for u in w52.unassigned if u.client_id == LATE]
    assert "arbeitet am Do, 24.12.2026 bis 12:00 Uhr" in u.reason, u.reason
    # the next week's plan: no plan takes it (before: „der Plan jenes Tages nimmt den
    # Besuch auf (ihn neu planen)“)
    (u,) = [u for u in w53.unassigned if u.client_id == LATE]
    assert (u.code, u.reason) == (
        "pin_after_short_day", f"Datum laut Liste am Do, 24.12.2026 um {LATE_WORDS}."), u


def test_the_later_plan_note_leaves_out_what_no_later_plan_takes(short_weeks, tmp_path
                                                                 ) -> None:  # noqa: ANN001
    from hausbesuch.store import Store

    w52, w53 = short_weeks[3:]
    opts, db = _copy(short_weeks, tmp_path, "spaeter.sqlite")
    cli = ClockedCli(date(2026, 12, 22))
    for team in ("team-1", "team-2"):
        cli.ok("absence", "add", team, "22.12.2026", "--bis", "24.12.2026", *opts)
    out = cli.ok("replan", w52.id, "--from", "22.12.2026 07:00", "--out",
                 str(tmp_path / "w52b"), "--time-limit", "2", "--threads", "1", *opts)
    with Store.open(db) as store:
        v2 = store.latest_plan(CITY)
    left = sorted({u.client_id for u in v2.unassigned} - {LATE})
    moved = sorted({s.client_id for r in w52.routes for s in r.stops
                    if s.start.date() >= date(2026, 12, 22)})
    assert moved and set(moved) <= set(left), (moved, left)
    [note] = [w for w in v2.warnings if "in keinem späteren Plan" in w] or [out]
    assert f"Plan {w53.id} (Mo, 28.12.2026 bis Fr, 01.01.2027)" in note, note
    assert all(c in note for c in moved), note
    assert LATE not in note, note  # (no later plan takes it: its own reason says why)


def test_an_appointment_after_the_short_days_end_gets_one_note(short_weeks, tmp_path
                                                               ) -> None:  # noqa: ANN001
    w52 = short_weeks[3]
    opts, _db = _copy(short_weeks, tmp_path, "termin.sqlite")
    first = min((s for r in w52.routes for s in r.stops), key=lambda s: s.start)
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis;Termin\n"
                    f"{first.client_id};{first.start:%d.%m.%Y};{first.start:%H:%M};"
                    "Termin vereinbart;24.12.2026 14:00\n", encoding="utf-8")
    out = ClockedCli(first.start.date()).ok("outcomes", str(rows), *opts)
    assert "1 erfasst" in out, out
    hints = [line for line in out.splitlines() if line.startswith("Hinweis: Zeile 2")]
    assert len(hints) == 1, out
    assert "nach Schichtende 12:00 Uhr" in hints[0] and "neu planen" not in hints[0], out
    # ``status`` likewise: the note that no plan can hold it, not „neu planen“ beside it
    out = ClockedCli(first.start.date()).ok("status", first.client_id, *opts)
    assert "nach Schichtende 12:00 Uhr" in out and "neu planen" not in out, out


def test_the_web_refuses_a_pin_after_the_short_days_end(short_weeks, tmp_path, monkeypatch
                                                        ) -> None:  # noqa: ANN001
    """QA 41 F4: the plan page's „Besuch verschieben oder festlegen“ took 14:00 on the
    short day without a word (16:30 on a normal day was refused)."""
    import html

    from hausbesuch import clock
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user
    from tests.web_fixtures import PASSWORD, live_server, logged_in
    from tests.web_helpers import pin

    w52 = short_weeks[3]
    opts, db = _copy(short_weeks, tmp_path, "web.sqlite")
    monkeypatch.setenv(clock.ENV, "2026-12-21")
    app = create_app(f"sqlite:///{db}", cities=[opts[1]], run_jobs=False)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination", city=CITY)
    cid = next(s.client_id for r in w52.routes for s in r.stops)
    team = next(r.team_id for r in w52.routes if r.stops)
    with live_server(app) as live, logged_in(live.url, "kora") as c:
        for at, cut in (("14:00", "14:00 Uhr liegt nach dem Ende"),
                        ("11:40", "11:40 Uhr – der Besuch (45 Min.) endet nach dem Ende")):
            r = pin(c, w52.id, cid, f"{team}|2026-12-24", at)
            assert r.status_code == 400, (at, r.status_code)
            text = html.unescape(r.text)
            assert (f"Uhrzeit {cut} des verkürzten Arbeitstags (Heiligabend laut Profil, "
                    "bis 12:00 Uhr): kein Plan nimmt den Besuch auf") in text, text[-3000:]
        # a time that ends by noon is taken
        r = pin(c, w52.id, cid, f"{team}|2026-12-24", "10:00")
        assert r.status_code in (200, 303), r.status_code


@pytest.mark.browser
def test_the_phone_refuses_an_appointment_after_the_short_days_end(short_weeks, tmp_path,
                                                                   monkeypatch) -> None:  # noqa: ANN001
    """QA 41 F6: the field worker's page knew the teams' hours per weekday only; an
    appointment for 14:00 on the short day passed its check and was queued (without
    signal the team learnt of the refusal after leaving the door). Now the page refuses
    it at once, in the server's words, and queues nothing."""
    from datetime import time as dtime

    from hausbesuch import clock
    from hausbesuch.web.app import create_app
    from hausbesuch.web.links import create_link, link_path
    from tests.browser import shared_browser
    from tests.test_web import _open_appointment, _visit_time
    from tests.test_worker_cache import QUEUE, _phone_at
    from tests.web_fixtures import live_server

    w52 = short_weeks[3]
    opts, db = _copy(short_weeks, tmp_path, "telefon.sqlite")
    day = date(2026, 12, 23)
    monkeypatch.setenv(clock.ENV, day.isoformat())
    route = next(r for r in w52.routes if r.day == day and r.stops)
    cid = route.stops[0].client_id
    app = create_app(f"sqlite:///{db}", cities=[opts[1]], run_jobs=False)
    token, _ = create_link(app.state.web.store, w52.id, route.team_id, day, actor="test")
    posts: list[str] = []
    with live_server(app) as live, shared_browser() as browser:
        ctx, page, errors = _phone_at(browser, live.url + link_path(token), day, dtime(10, 0))
        assert '"2026-12-24": 720' in page.get_attribute("body", "data-kurztage")
        page.on("request", lambda rq: posts.append(rq.url) if rq.method == "POST" else None)
        stop = page.locator(f"#stopp-{cid}")
        _visit_time(stop, "09:30")
        _open_appointment(stop)
        stop.locator("input[name=termin_datum]").fill("2026-12-24")
        stop.locator("input[name=termin_zeit]").fill("14:00")
        stop.locator("button[value=termin_vereinbart]").click()
        text = stop.locator("[data-state]").inner_text()
        assert text.startswith("Termin Do, 24.12.2026, 14:00 Uhr: der Besuch (45 Min.) "), text
        assert "nach Schichtende 12:00 Uhr" in text and "spätestens" in text, text
        assert page.evaluate(QUEUE) == [] and posts == []
        assert errors == []
        ctx.close()
