"""Visits on past days without an outcome are named where a coordinator looks (QA 36 #4: a
team that did not report was invisible; only the case page said „Ohne Ergebnis“).

- The command line, on a real SQLite store with the real Bad Hersfeld extract (the module
  plan of :mod:`tests.test_casework_store`, Mo 07.12.2026 to Fr 11.12.2026, on Wednesday):
  ``show`` and ``replan`` say how many visits of Monday and Tuesday have no outcome, with
  their case ids (at most 20) and ``hausbesuch outcomes``; ``index.html`` says it among
  its notes, and ``report.csv`` says „kein Ergebnis erfasst“ in the row's ``grund``.
- The web's *Ergebnisse* page (over real HTTP, the app and week of
  :mod:`tests.test_web_plan_notes`) lists them under „Besuche ohne Ergebnis“ with day,
  team, stop number and case id, linking to the case page, whose „Ohne Ergebnis“ takes the
  outcome, asking the teams as the command line does; at 390 px without sideways
  scrolling. The plan page says them among its *Hinweise*, as ``show`` does.

A visit with an outcome, and today's visits (the team may still be out), are not named. A
case closed after its visit's day is named with its status, and the note does not say it
stays open (review 36 #5).
"""

from __future__ import annotations

import csv
import html
import re
from datetime import datetime, time, timedelta
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.browser import page_width
from tests.cli_helpers import ClockedCli
from tests.shots import shoot
from tests.test_casework_store import (  # noqa: F401 - the fixtures
    START,
    _common,
    _copy_of,
    base,
    planned,
)
from tests.test_web_plan_notes import kora, notes_site  # noqa: F401 - fixtures


def _report(path: Path) -> dict[str, dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return {r["id"]: r for r in csv.DictReader(fh, delimiter=";")}


def _said(out: str) -> str:
    return " ".join(out.split())


def test_show_and_replan_name_past_visits_without_an_outcome(planned, tmp_path):  # noqa: F811
    db, v1, _ = _copy_of(planned, tmp_path, "ohne.sqlite")
    wednesday = START + timedelta(days=2)
    past = sorted(((r, s) for r in v1.routes if r.day < wednesday for s in r.to_visit),
                  key=lambda rs: (rs[0].day, rs[0].team_id, rs[1].position))
    assert len(past) > 21  # more than the note names
    # one of Monday's visits has its outcome: it is not named
    (r0, made), rest = past[0], past[1:]
    rows = tmp_path / "erg.csv"
    rows.write_text("Kundennummer;Datum;Uhrzeit;Ergebnis\n"
                    f"{made.client_id};{r0.day:%d.%m.%Y};{made.start:%H:%M};angetroffen\n",
                    encoding="utf-8")
    cli = ClockedCli(wednesday)
    assert "1 erfasst" in cli.ok("outcomes", str(rows), *_common(db))
    # one of Tuesday's cases closed on Monday: its visit is off, as on the case page
    # („Entfallen“), not one without an outcome (the status's moment is the real clock's:
    # set to Monday noon, whatever the day the test runs)
    closed = rest.pop()[1]
    assert closed.start.date() == START + timedelta(days=1)
    cli.ok("status", closed.client_id, "--set", "abgeschlossen", "--reason", "Akte zu",
           *_common(db))
    from sqlalchemy import update

    from hausbesuch.store import ClientRow, Store

    # one of Monday's cases closed on Wednesday, after its visit's day: its visit still
    # has no outcome, but the case does not stay open until one is entered
    later = rest[1][1]
    assert sum(s.client_id == later.client_id for _, s in past) == 1
    cli.ok("status", later.client_id, "--set", "abgeschlossen", "--reason", "Akte zu",
           *_common(db))
    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == closed.client_id)
                  .values(status_since=datetime.combine(START, time(12))))
        s.execute(update(ClientRow).where(ClientRow.client_id == later.client_id)
                  .values(status_since=datetime.combine(wednesday, time(7))))

    def named(pairs) -> str:  # noqa: ANN001
        groups: dict[tuple, list[str]] = {}
        for r, s in pairs:
            groups.setdefault((r.day, r.team_id), []).append(
                f"{s.client_id} (Fall „abgeschlossen“ seit {format_day(wednesday)})"
                if s is later else s.client_id)
        return "; ".join(f"{format_day(d)}, Team {t}: {', '.join(ids)}"
                         for (d, t), ids in groups.items())

    asked = ("Haben die Teams" if len({r.team_id for r, _ in rest[:20]}) > 1
             else "Hat das Team")
    said = (f"Hinweis: {len(rest)} Besuche an vergangenen Tagen ohne Ergebnis: "
            f"{named(rest[:20])} … und {len(rest) - 20} weitere. {asked} berichtet? "
            "Ergebnis nachtragen mit „hausbesuch outcomes LISTE“ (Kundennummer; Datum; "
            "Uhrzeit; Ergebnis); bis dahin bleiben die übrigen Fälle offen.")
    out = cli.ok("show", v1.id, "--out", str(tmp_path / "show"), *_common(db))
    assert said in _said(out), out
    index = html.unescape((tmp_path / "show" / "index.html").read_text(encoding="utf-8"))
    assert said.removeprefix("Hinweis: ") in _said(index)
    # the table of visits says each one's outcome, as report.csv (QA 37 #9: done and
    # failed visits read like open ones)
    cells = {m[1]: m[2] for m in re.finditer(
        r"<tr><td>[^<]*</td><td>[^<]*</td><td class=\"num\">[^<]*</td><td>([^<]+?)"
        r"(?: <strong>[^<]*</strong>)?</td><td>[^<]*</td><td>([^<]*)</td>", index)}
    assert "<th>Beginn</th><th>Ergebnis</th>" in index
    assert cells[made.client_id].startswith("erledigt ") and "Angetroffen" in cells[
        made.client_id], cells[made.client_id]
    assert all(cells[s.client_id] == "kein Ergebnis erfasst" for _, s in rest)
    assert cells[closed.client_id] == ""
    _exports_agree(cli, db, tmp_path, v1.id, rest, made, closed,
                   _report(tmp_path / "show" / "report.csv"))
    today = {s.client_id for r in v1.routes if r.day >= wednesday for s in r.to_visit}
    for folder in ("show", "v2"):
        if folder == "v2":  # the re-plan from Wednesday morning keeps them, and says so
            out = cli.ok("replan", v1.id, "--from", f"{wednesday} 07:00", "--out",
                         str(tmp_path / "v2"), "--time-limit", "1", "--threads", "1",
                         *_common(db))
            assert said in _said(out), out
        report = _report(tmp_path / folder / "report.csv")
        for _, s in rest:
            row = report[s.client_id]
            assert (row["status"], row["datum"]) == ("geplant", s.start.date().isoformat())
            assert row["grund"].startswith("kein Ergebnis erfasst"), (folder, row)
        assert report[made.client_id]["grund"].startswith("erledigt "), folder
        assert "kein Ergebnis" not in report[closed.client_id]["grund"], folder
        assert not any("kein Ergebnis" in report[c]["grund"] for c in today if c in report)

    # when every case without an outcome is closed since, none is said to stay open
    from dataclasses import replace

    from hausbesuch.casework.stops import mark_unreported, unreported_note

    with Store.open(db) as store:
        marked = mark_unreported(store, store.load_plan(v1.id), wednesday)
    r = next(r for r in marked.routes if later.visit_id in {s.visit_id for s in r.stops})
    only = replace(marked, routes=[replace(r, stops=tuple(
        replace(s, unreported=s.visit_id == later.visit_id) for s in r.stops))])
    assert unreported_note(only) == (
        f"1 Besuch an einem vergangenen Tag ohne Ergebnis: {format_day(r.day)}, Team "
        f"{r.team_id}: {later.client_id} (Fall „abgeschlossen“ seit {format_day(wednesday)}). "
        "Hat das Team berichtet? Ergebnis nachtragen mit „hausbesuch outcomes LISTE“ "
        "(Kundennummer; Datum; Uhrzeit; Ergebnis).")


def _exports_agree(cli, db, tmp_path, plan_id, rest, made, closed, report) -> None:  # noqa: ANN001
    """``export`` says of each visit what ``show``'s report.csv says (QA 36: the exports
    listed a past visit without an outcome as plain „geplant“): the workbook's *Bericht*
    the same ``grund``, the team-day sheets' „Ergebnis“ and the GeoPackage's ``ergebnis``
    „kein Ergebnis erfasst“ (a visit made: „erledigt …“; a visit off: nothing)."""
    import geopandas as gpd
    from openpyxl import load_workbook

    paths = {fmt: tmp_path / f"plan.{fmt}" for fmt in ("xlsx", "gpkg")}
    for fmt, path in paths.items():
        cli.ok("export", plan_id, "--db", db, "--format", fmt, "--out", str(path))
    wb = load_workbook(paths["xlsx"])
    sheet = wb["Bericht"]
    head = [c.value for c in sheet[1]]
    grund = {row[head.index("Kundennummer")]: row[head.index("Grund")] or ""
             for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert grund == {k: row["grund"] for k, row in report.items()}
    outcome: dict[str, str] = {}
    for title in wb.sheetnames[2:]:
        sheet = wb[title]
        head = [c.value for c in sheet[1]]
        for row in sheet.iter_rows(min_row=2, values_only=True):
            outcome[row[head.index("Kundennummer")]] = row[head.index("Ergebnis")] or ""
    visits = gpd.read_file(paths["gpkg"], layer="besuche")
    assert outcome == {k: v or "" for k, v in zip(visits["kundennummer"], visits["ergebnis"],
                                                    strict=True)}
    assert {k for k, v in outcome.items() if v == "kein Ergebnis erfasst"} == {
        s.client_id for _, s in rest}
    assert outcome[made.client_id].startswith("erledigt ") and outcome[closed.client_id] == ""


def _box(page: str) -> str | None:
    """The text of the box „Besuche ohne Ergebnis“, None when the page has none."""
    m = re.search(r'<section class="card" id="ohne-ergebnis".*?</section>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", m[0])).split()) if m else None


def _notes(page: str) -> list[str]:
    """The items of the plan page's *Hinweise*, as text."""
    m = re.search(r'<section class="card" id="hinweise".*?</section>', page, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", " ", li)).split())
            for li in re.findall(r"<li>(.*?)</li>", m[0], re.S)] if m else []


@pytest.mark.browser
def test_the_outcomes_page_lists_past_visits_without_an_outcome(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.versions import newest_version

    url, store, first = notes_site
    v1 = store.load_plan(newest_version(store, first))
    monday = v1.start
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    # on the plan's first day nothing is past: today's visits are still to be made
    assert _box(kora.get(f"/plaene/{v1.id}/ergebnisse").text) is None
    assert not [w for w in _notes(kora.get(f"/plaene/{v1.id}").text) if "ohne Ergebnis" in w]
    past = sorted(((r, nr, s) for r in v1.routes if r.day == monday
                   for s, nr in zip(r.stops, r.numbers, strict=True) if not s.off),
                  key=lambda x: (x[0].team_id, x[2].position))
    assert len(past) >= 2
    made, rest = past[0][2], past[1:]
    Casework(store, load_profile("bad-hersfeld"), actor="kora", today=lambda: monday
             ).record_outcome(made.client_id, monday, "angetroffen",
                              time_min=made.start.hour * 60 + made.start.minute,
                              source="web", idempotency_key="ohne-ergebnis-1")
    monkeypatch.setenv(clock.ENV, (monday + timedelta(days=1)).isoformat())
    page = kora.get(f"/plaene/{v1.id}/ergebnisse")
    assert page.status_code == 200
    n = len(rest)
    items, last = [], None  # by team-day
    for r, nr, s in rest:
        if (r.day, r.team_id) != last:
            items.append(f"{format_day(r.day)} · Team {r.team_id}")
            last = (r.day, r.team_id)
        items.append(f"Stopp {nr} · {s.client_id} · Ergebnis nachtragen")
    items = " ".join(items)
    # both teams worked on Monday: the question is to both, as the command line asks it
    # (review 36: „Hat das Team berichtet?“)
    assert len({r.team_id for r, _, _ in rest}) > 1
    asked = "Haben die Teams berichtet?"
    assert _box(page.text) == (
        f"Besuche ohne Ergebnis {n} {'Besuch an einem vergangenen Tag hat' if n == 1 else 'Besuche an vergangenen Tagen haben'} "
        f"kein Ergebnis. {asked} Bis zum Ergebnis "
        f"{'bleibt der Fall' if n == 1 else 'bleiben die Fälle'} offen. {items}"), _box(page.text)
    # a static page's box, no live region (review 36: role="status")
    section = re.search(r'<section class="card" id="ohne-ergebnis"[^>]*>', page.text)[0]
    assert "role=" not in section and "aria-live" not in section, section
    # the plan page says it among its notes, as ``show`` does (review 36: not there)
    plan_page = kora.get(f"/plaene/{v1.id}").text
    notes = _notes(plan_page)
    # nor are the plan page's notes a live region: only a message after an action is
    # („… ist festgelegt“), not what stands on the page when it opens
    hinweise = re.search(r'<section class="card" id="hinweise"[^>]*>', plan_page)[0]
    assert "role=" not in hinweise and "aria-live" not in hinweise, hinweise
    said = [w for w in notes if "ohne Ergebnis" in w]
    assert len(said) == 1, notes
    assert said[0].startswith(f"{n} Besuche an vergangenen Tagen ohne Ergebnis: "
                              f"{format_day(monday)}, Team {rest[0][0].team_id}: "), said
    assert said[0].endswith(f"{asked} Ergebnis nachtragen unter „Fälle“ beim Besuch oder "
                            "über „Ergebnisse“ des Plans; bis dahin bleiben die Fälle "
                            "offen."), said
    assert made.client_id not in said[0]
    # each links to its case's form for that visit, whose „Ohne Ergebnis“ takes the
    # outcome (the one rule), opened (QA 45c F11: the first form was the older visit's)
    cid, vid = rest[0][2].client_id, rest[0][2].visit_id
    link = re.search(rf'href="(/faelle/{re.escape(cid)}\?stadt=[^"#]+&amp;besuch='
                     rf'{re.escape(quote(vid, safe=""))}#nachtragen-[^"]+)"', page.text)
    assert link, page.text
    case = kora.get(html.unescape(link[1]))
    assert case.status_code == 200
    assert "<h3>Ohne Ergebnis</h3>" in case.text and "Ergebnis nachtragen" in case.text
    opened = re.findall(r'<details class="ergebnis-form" open><summary>[^<]*</summary>\s*'
                        r'<form[^>]* id="([^"]+)"', case.text)
    assert opened == [f"nachtragen-{vid}"], opened
    assert html.unescape(link[1]).endswith(f"#nachtragen-{quote(vid, safe='')}")
    assert not re.search(r'<details class="ergebnis-form" open>',
                         kora.get(f"/faelle/{quote(cid, safe='')}").text)
    assert made.client_id not in (_box(page.text) or "")

    # the plan's files (*Dateien (ZIP)*) say it in the web's words, and so does the report
    import io
    import zipfile

    r = kora.get(f"/plaene/{v1.id}/dateien.zip")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        index = _said(html.unescape(zf.read("index.html").decode("utf-8")))
        report = {row["id"]: row for row in csv.DictReader(
            io.StringIO(zf.read("report.csv").decode("utf-8-sig")), delimiter=";")}
    assert (f"{n} Besuche an vergangenen Tagen ohne Ergebnis: {format_day(monday)}, Team "
            f"{rest[0][0].team_id}: ") in index, index
    assert ("Ergebnis nachtragen unter „Fälle“ beim Besuch oder über „Ergebnisse“ des Plans; "
            "bis dahin bleiben die Fälle offen.") in index
    assert "hausbesuch outcomes" not in index
    assert sorted(c for c, row in report.items() if row["grund"].startswith(
        "kein Ergebnis erfasst")) == sorted(s.client_id for _, _, s in rest), report

    from tests.web_fixtures import coordinator_on_phone

    with coordinator_on_phone(url) as phone:  # the box at 390 px
        phone.goto(f"{url}/plaene/{v1.id}/ergebnisse")
        phone.locator("#ohne-ergebnis").scroll_into_view_if_needed()
        assert page_width(phone) <= 390
        shoot(phone, "ergebnisse-ohne-ergebnis.png")
        phone.goto(f"{url}/plaene/{v1.id}")  # ... and the plan page's notes
        phone.locator("#hinweise").scroll_into_view_if_needed()
        assert page_width(phone) <= 390
        shoot(phone, "plan-hinweise-ohne-ergebnis-390.png")

    # after „Neu planen“ (from Tuesday), the old version's page lists those of the newest,
    # which keeps Monday as it was, and names that version
    from tests.test_web_plan_notes import _replan

    v2 = _replan(kora, store, v1.id)
    old = _box(kora.get(f"/plaene/{v1.id}/ergebnisse").text)
    assert old == _box(kora.get(f"/plaene/{v2}/ergebnisse").text).replace(
        "kein Ergebnis.", f"kein Ergebnis (Plan {v2} , neueste Version).")
    # a case closed after its visit's day is named so, and not said to stay open (review
    # 36 #5, as the command line's note: the web's box said „bleiben die Fälle offen“)
    from datetime import datetime
    from datetime import time as clock_time

    from sqlalchemy import update

    from hausbesuch.store import ClientRow

    shut = rest[-1][2].client_id
    with store.session() as s:
        before = s.get(ClientRow, (v1.city, shut))
        kept = (before.status, before.status_since)
        s.execute(update(ClientRow).where(ClientRow.client_id == shut).values(
            status="abgeschlossen",
            status_since=datetime.combine(monday + timedelta(days=1), clock_time(7))))
    try:
        box = _box(kora.get(f"/plaene/{v2}/ergebnisse").text)
        assert (f"{shut} (Fall „abgeschlossen“ seit "
                f"{format_day(monday + timedelta(days=1))}) · Ergebnis nachtragen") in box, box
        assert ("Bis zum Ergebnis bleiben die übrigen Fälle offen." if n > 2 else
                "Bis zum Ergebnis bleibt der übrige Fall offen.") in box, box
    finally:
        with store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.client_id == shut).values(
                status=kept[0], status_since=kept[1]))
