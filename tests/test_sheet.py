"""The printed route sheet (``druck/<team>_<date>.html``) of a really planned week: its
outcome boxes are exactly the six results that ``hausbesuch outcomes`` and the field
worker's page accept, in their order, plus a field for an appointment's date and time
(found in exploratory testing: a „Wiederholungsbesuch“ box the outcomes command rejected,
no box for verzogen, verweigert and Termin vereinbart)."""

from __future__ import annotations

import csv
import html
import re
import shutil
from datetime import timedelta
from pathlib import Path

from tests.planning_fixtures import PlannedWeek

_STOP_ROW = re.compile(r'<tr class="stopp">(.*?)</tr>', re.S)
_RESULT_CELL = re.compile(r'<td class="ergebnis">(.*?)</td>', re.S)


def _sheets(week: PlannedWeek) -> list[Path]:
    sheets = sorted((week.out_dir / "druck").glob("*.html"))
    assert sheets, "the planned week wrote no route sheets"
    return sheets


def _result_cells(page: str) -> list[str]:
    """The outcome cell of each stop of a sheet."""
    cells = []
    for row in _STOP_ROW.findall(page):
        found = _RESULT_CELL.search(row)
        assert found, row
        cells.append(found.group(1))
    return cells


def _box_labels(cell: str) -> list[str]:
    return [html.unescape(t).strip() for t in re.findall(r'<span class="box"></span>([^<]+)',
                                                         cell)]


def test_sheet_offers_the_six_accepted_results_and_an_appointment_field(
        planned_week: PlannedWeek) -> None:
    from hausbesuch.casework import RESULT_LABELS, RESULTS, parse_result
    from hausbesuch.web.pages_worker import OUTCOMES

    expected = [RESULT_LABELS[r] for r in RESULTS]
    assert len(expected) == 6
    stops = 0
    for sheet in _sheets(planned_week):
        page = sheet.read_text(encoding="utf-8")
        assert "Wiederholungsbesuch" not in page, sheet.name
        for cell in _result_cells(page):
            stops += 1
            labels = _box_labels(cell)
            assert labels == expected, (sheet.name, labels)
            # what the outcomes command reads for each box, and what the phone offers
            assert [parse_result(label) for label in labels] == list(RESULTS)
            assert [label.casefold() for label in labels] == [
                text.casefold() for _, text in OUTCOMES]
            text = " ".join(re.sub(r"<[^>]+>", " ", cell).split())
            assert text.endswith("Termin vereinbart Termin am um Uhr"), text
            # a line for the visit's time (QA 28 F11), one for the date, one for the time
            assert cell.count('class="blank') == 3
    planned = sum(len(r.stops) for r in planned_week.result.plan.routes)
    assert stops == planned > 0


def test_the_ticked_boxes_are_recorded_by_the_outcomes_command(
        planned_week: PlannedWeek, tmp_path: Path) -> None:
    """Each box's label, typed as it is printed into the results file, is recorded by
    ``hausbesuch outcomes`` (on a copy of the week's database); nothing is rejected."""
    from typer.testing import CliRunner

    from hausbesuch import clock
    from hausbesuch.cli import app as cli

    plan = planned_week.result.plan
    route = max(plan.routes, key=lambda r: len(r.stops))
    sheet = next(p for p in _sheets(planned_week)
                 if p.stem.endswith(route.day.isoformat()) and route.team_id in p.stem)
    cells = _result_cells(sheet.read_text(encoding="utf-8"))
    assert len(cells) == len(route.stops) >= 6
    labels = _box_labels(cells[0])
    db = tmp_path / "kopie.db"
    shutil.copy(planned_week.db_url.removeprefix("sqlite:///"), db)
    results = tmp_path / "ergebnisse.csv"
    appointment = route.day + timedelta(days=7)
    with open(results, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Datum", "Uhrzeit", "Ergebnis", "Termin", "Notiz"])
        for stop, label in zip(route.stops, labels, strict=False):
            termin = f"{appointment:%d.%m.%Y} 10:30" if label == "Termin vereinbart" else ""
            w.writerow([stop.client_id, f"{route.day:%d.%m.%Y}", f"{stop.start:%H:%M}",
                        label, termin, ""])
    r = CliRunner(env={clock.ENV: route.day.isoformat(), "HAUSBESUCH_USER": "test"}).invoke(
        cli, ["outcomes", str(results), "--city", "bad-hersfeld", "--db", f"sqlite:///{db}"])
    assert r.exit_code == 0, r.output
    assert "6 Zeilen" in r.output and "6 erfasst" in r.output and "0 abgelehnt" in r.output, \
        r.output
