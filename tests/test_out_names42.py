"""QA 42b F1: an output path that names a client, for every command whose path the audit
log keeps.

The log outlives the erasure of the cases (``purge`` never reaches it). ``disclose --out``
refused only the case's own name (another client's was taken), ``addresses --out`` and
``show --out`` refused none (a list of one case linked its name to its id in the log). Now
each of them, and ``plan``/``replan``/``export``, refuse a file or folder whose own name
holds a word of any stored client's name of the city, without repeating it, before
anything is written or logged.

The real planned Bad Hersfeld week (tests/planning_fixtures.py), copied.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from hausbesuch.cli import app


def test_a_path_naming_any_client_of_the_city_is_refused(planned_week, tmp_path: Path) -> None:
    from hausbesuch.store import Store

    db_file = tmp_path / "p.db"
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), db_file)
    db = f"sqlite:///{db_file}"
    from sqlalchemy import update

    from hausbesuch.store import ClientRow

    plan = planned_week.result.plan
    named, other = sorted(s.client_id for r in plan.routes for s in r.stops)[:2]
    # one client's stored name, as a later list gave it (in no plan's copy of the list)
    surname = "Pfefferkorn"
    with Store.open(db) as store:
        with store.session() as s:
            s.execute(update(ClientRow).where(ClientRow.client_id == named)
                      .values(name=f"Paula {surname}"))
        before = len(store.audit_rows())
    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    calls = {
        "disclose": ["disclose", other, "--out", str(tmp_path / f"{surname}.txt"),
                     "--city", "bad-hersfeld"],
        "addresses": ["addresses", "--out", str(tmp_path / f"liste-{surname}.csv"),
                      "--city", "bad-hersfeld"],
        "show": ["show", planned_week.plan_id, "--out", str(tmp_path / surname)],
        "export": ["export", planned_week.plan_id, "--format", "xlsx",
                   "--out", str(tmp_path / f"{surname.lower()}.xlsx")],
    }
    for what, args in calls.items():
        res = runner.invoke(app, [*args, "--db", db])
        assert res.exit_code == 2, (what, res.output)
        assert "Namen einer Kundin oder eines Kunden" in res.output \
            or "Namen aus dem Plan" in res.output, (what, res.output)
        assert surname not in res.output, (what, res.output)
    assert not [p for p in tmp_path.iterdir() if surname.lower() in p.name.lower()]
    with Store.open(db) as store:
        rows = store.audit_rows()
    assert len(rows) == before  # nothing read, nothing logged
    # a neutral name is taken
    res = runner.invoke(app, ["show", planned_week.plan_id, "--out", str(tmp_path / "ordner"),
                              "--db", db])
    assert res.exit_code == 0, res.output
    res = runner.invoke(app, ["disclose", other, "--out", str(tmp_path / "auskunft.txt"),
                              "--city", "bad-hersfeld", "--db", db])
    assert res.exit_code == 0, res.output
    with Store.open(db) as store:
        logged = json.dumps(store.audit_rows(), default=str)
    assert surname not in logged


def test_a_common_word_that_is_also_a_name_is_no_reason_to_refuse(planned_week,
                                                                 tmp_path: Path) -> None:
    """Review 42 #1: clients „Frank Neu“ and „Thi Mai Nguyen“ made ``adressen-neu.csv`` and
    ``adressen-mai.csv`` refused. Words of file names (new, old, months, seasons …) and
    words under four letters are not looked for city-wide; the rest of a name is."""
    from sqlalchemy import update

    from hausbesuch.store import ClientRow, Store

    db_file = tmp_path / "p.db"
    shutil.copyfile(Path(planned_week.db_url.removeprefix("sqlite:///")), db_file)
    db = f"sqlite:///{db_file}"
    first, second = sorted(c.id for c in planned_week.result.plan.clients)[:2]
    with Store.open(db) as store, store.session() as s:
        s.execute(update(ClientRow).where(ClientRow.client_id == first)
                  .values(name="Frank Neu"))
        s.execute(update(ClientRow).where(ClientRow.client_id == second)
                  .values(name="Thi Mai Nguyen"))
    runner = CliRunner(env={"HAUSBESUCH_USER": "tester"})
    for name, code in (("adressen-neu.csv", 0), ("adressen-mai.csv", 0),
                       ("adressen-nguyen.csv", 2), ("frank.csv", 2)):
        res = runner.invoke(app, ["addresses", "--out", str(tmp_path / name), "--city",
                                  "bad-hersfeld", "--db", db])
        assert res.exit_code == code, (name, res.output)
