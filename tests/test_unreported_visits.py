"""Visits on past days without an outcome are named where a coordinator looks (QA 36 #4: a
team that did not report was invisible; only the case page said „Ohne Ergebnis“).

- The command line, on a real SQLite store with the real Bad Hersfeld extract (the module
  plan of :mod:`tests.test_casework_store`, Mo 07.12.2026 to Fr 11.12.2026, on Wednesday):
  ``show`` and ``replan`` say how many visits of Monday and Tuesday have no outcome, with
  their case ids (at most 20) and ``hausbesuch outcomes``; ``index.html`` says it among
  its notes, and ``report.csv`` says „kein Ergebnis erfasst“ in the row's ``grund``.

A visit with an outcome, and today's visits (the team may still be out), are not named.
"""

from __future__ import annotations

import csv
import html
from datetime import timedelta
from pathlib import Path

from hausbesuch.fields import format_day
from tests.cli_helpers import ClockedCli
from tests.test_casework_store import (  # noqa: F401 - the fixtures
    START,
    _common,
    _copy_of,
    base,
    planned,
)


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

    def named(pairs) -> str:  # noqa: ANN001
        groups: dict[tuple, list[str]] = {}
        for r, s in pairs:
            groups.setdefault((r.day, r.team_id), []).append(s.client_id)
        return "; ".join(f"{format_day(d)}, Team {t}: {', '.join(ids)}"
                         for (d, t), ids in groups.items())

    said = (f"Hinweis: {len(rest)} Besuche an vergangenen Tagen ohne Ergebnis: "
            f"{named(rest[:20])} … und {len(rest) - 20} weitere. Hat das Team berichtet? "
            "Ergebnis nachtragen mit „hausbesuch outcomes LISTE“ (Kundennummer; Datum; "
            "Uhrzeit; Ergebnis); bis dahin bleiben die Fälle offen.")
    out = cli.ok("show", v1.id, "--out", str(tmp_path / "show"), *_common(db))
    assert said in _said(out), out
    index = html.unescape((tmp_path / "show" / "index.html").read_text(encoding="utf-8"))
    assert said.removeprefix("Hinweis: ") in _said(index)
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
        assert not any("kein Ergebnis" in report[c]["grund"] for c in today if c in report)
