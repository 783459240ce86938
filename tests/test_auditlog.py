"""Reading the audit log: every action has a German label, views through the commands are
audited, and ``hausbesuch audit --kundennummer`` finds what concerns one case (its own rows,
the views and exports of plans that hold it, a worker link of its team-day but not of
another) and nothing of other cases; reading the log is itself audited; no name anywhere.
"""

from __future__ import annotations

import csv
import random
import re
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest

from hausbesuch import clock
from hausbesuch.auditlog import ACTION_LABELS, AuditFilter, label, read, rows_concerning
from tests.cli_helpers import ok, run
from tests.planning_fixtures import real_addresses

REPO = Path(__file__).resolve().parents[1]
START = date(2026, 12, 14)



def test_every_action_written_has_a_german_label():
    """Scan the package for the action codes it writes (literal second argument of
    ``audit(...)``, ``AUDIT_*`` constants, the visit actions of the planning workflow)."""
    codes: set[str] = set()
    call = re.compile(r"\baudit\(\s*(?:[\w.]+,\s*)?[^,()]+(?:\([^()]*\))?,\s*\"([a-z_]+)\"")
    for path in (REPO / "hausbesuch").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        codes |= set(call.findall(text))
        codes |= set(re.findall(r"^AUDIT_\w+ = \"([a-z_]+)\"", text, re.M))
        codes |= set(re.findall(r"action = \"([a-z_]+)\"", text))
    assert {"plan_angezeigt", "worker_link_view", "brief_erstellt", "besuch_geplant",
            "besuch_verschoben", "ergebnis_erfasst", "protokoll_gelesen"} <= codes  # the scan finds them
    missing = sorted(c for c in codes if c not in ACTION_LABELS)
    assert not missing, missing
    assert label("plan_files_downloaded") == "Plandateien heruntergeladen"
    assert label("unbekannt_neu") == "unbekannt_neu"


@pytest.fixture(scope="module")
def casework_db(tmp_path_factory, bad_hersfeld_pbf):
    from geodata.geocode import load_index

    d = tmp_path_factory.mktemp("audit")
    addrs = random.Random(11).sample(real_addresses(load_index(bad_hersfeld_pbf)), 16)
    names = []
    with open(d / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            names.append(f"Vertraulich{i:02d}")
            w.writerow([f"A{i:03d}", names[-1], street, hn, pc, town or "Bad Hersfeld",
                        "01.02.2025"])
        w.writerow(["A099", "Vertraulich99", "Gibtesnichtweg", "1", "36251", "Bad Hersfeld",
                    "01.02.2025"])
        names.append("Vertraulich99")
    db = str(d / "faelle.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    ok("import", str(d / "kunden.csv"), *common)
    ok("plan", *common, "--start", START.isoformat(), "--days", "2", "--out", str(d / "plan"),
       "--time-limit", "1", "--threads", "1")
    return d, db, common, names


def test_audit_of_one_case(casework_db, monkeypatch):
    from hausbesuch.store import Store
    from hausbesuch.web.links import create_link

    d, db, common, names = casework_db
    monkeypatch.setenv("HAUSBESUCH_USER", "pruefer")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    routes = [r for r in plan.routes if r.stops]
    assert len(routes) >= 2
    mine, other = routes[0], routes[1]
    case = mine.stops[0].client_id
    stranger = other.stops[0].client_id
    # views and an export through the commands, a worker link for each of two team-days
    ok("status", case, *common)
    ok("status", stranger, *common)
    ok("addresses", *common)
    ok("export", plan.id, "--format", "xlsx", "--out", str(d / "plan.xlsx"), "--db", db)
    with Store.open(db) as store:
        for r in (mine, other):
            # made as on the morning of its day (a link ends after its day began)
            create_link(store, plan.id, r.team_id, r.day, actor="test",
                        now=datetime.combine(r.day, datetime.min.time()) + timedelta(hours=6))
            store.audit("test", "worker_link_created", city=plan.city, plan_id=plan.id,
                        details={"team": r.team_id, "day": r.day.isoformat()})
        found = rows_concerning(store, case, city="Bad Hersfeld")
    actions = [r["action"] for r in found]
    for a in ("klient_neu", "besuch_geplant", "plan_gespeichert", "fall_angezeigt",
              "plan_exportiert"):
        assert a in actions, (a, actions)
    assert actions.count("worker_link_created") == 1  # its own team-day's link only
    link_row = next(r for r in found if r["action"] == "worker_link_created")
    assert link_row["details"]["team"] == mine.team_id
    # nothing of the other case: its status view is not listed
    assert all(r["client_id"] in (None, case) for r in found)
    # an address list that did not show the case is not listed; one that did would be
    shown = next(r for r in reversed(read_all(db)) if r["action"] == "adressen_angezeigt")
    assert "A099" in shown["details"]["kundennummern"]
    assert (case in shown["details"]["kundennummern"]) == ("adressen_angezeigt" in actions)
    with Store.open(db) as store:
        assert "adressen_angezeigt" in [r["action"] for r in rows_concerning(store, "A099")]

    # the command: German labels, a CSV, and a row for the reading itself
    out = ok("audit", "--kundennummer", case.lower(), *common)
    assert "Fall angesehen (Status und Verlauf)" in out and "Plan exportiert" in out
    assert stranger not in out
    ok("audit", "--kundennummer", case, "--out", str(d / "protokoll.csv"), *common)
    with open(d / "protokoll.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh, delimiter=";"))
    assert {r["kundennummer"] for r in rows} <= {case, ""}
    assert "Besuch geplant" in {r["aktion"] for r in rows}
    with Store.open(db) as store:
        reads = store.audit_rows(action="protokoll_gelesen")
        assert reads[-1]["client_id"] == case and reads[-1]["actor"].endswith("pruefer")
        assert reads[-1]["details"]["ausgabe"] == "csv"
        everything = store.audit_rows()
    for row in everything:
        for name in names:
            assert name not in str(row)
    # filters: by action and day
    out = ok("audit", "--aktion", "fall_angezeigt", "--von", clock.today().strftime("%d.%m.%Y"),
             *common)
    assert case in out and stranger in out and "Plan gespeichert" not in out
    assert "Keine Einträge für Bad Hersfeld." in ok("audit", "--bis", "01.01.2020", *common)


def read_all(db: str) -> list[dict]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return read(store, AuditFilter())


def test_audit_refuses_bad_arguments(casework_db):
    _, _, common, _ = casework_db
    for args, text in ((["--kundennummer", "Z999"], "nicht bekannt"),
                       (["--aktion", "gelesen"], "gibt es nicht"),
                       (["--von", "32.13.2026"], "--von"),
                       (["--von", "02.12.2026", "--bis", "01.12.2026"], "nach --bis")):
        res = run("audit", *args, *common)
        assert res.exit_code == 2, (args, res.output)
        assert text in res.output, (args, res.output)


def test_details_read_in_german():
    """Detail keys written in English get German names, ISO dates German dates, nothing
    'None' (found in exploratory testing: 'day: 2026-12-14; vorgaenger: None')."""
    from hausbesuch.auditlog import describe

    assert describe({"link": "Ab3dEf", "team": "team-1", "day": "2026-12-14",
                     "valid_until": "2026-12-14T20:00:00", "vorgaenger": None,
                     "teams": ["nord", "sued"], "neu": 3, "anzeige": True,
                     "nicht_eingeplant": 17}) == (
        "Link: Ab3dEf; Team: team-1; Tag: 14.12.2026; Gültig bis: 14.12.2026 20:00; "
        "Vorgänger: –; Teams: nord, sued; Neu: 3; Anzeige: ja; Nicht eingeplant: 17")


def test_person_is_one_form_of_each_letter(tmp_path, monkeypatch):
    """An „ü“ typed as u + combining mark (a Mac's keyboard, a copied name) is the same
    person: in the actor the command line writes and in ``audit --person``."""
    from hausbesuch.casework import cli_actor
    from hausbesuch.store import Store

    decomposed, composed = "cli:mu\u0308ller", "cli:m\u00fcller"
    monkeypatch.setenv("HAUSBESUCH_USER", "mu\u0308ller")
    assert cli_actor() == composed
    with Store.open(f"sqlite:///{tmp_path / 'a.sqlite'}") as store:
        store.audit(cli_actor(), "fall_angezeigt", city="Bad Hersfeld", client_id="K-1")
        for typed in (decomposed, composed, f" {decomposed} "):
            rows = read(store, AuditFilter(city="Bad Hersfeld", actor=typed))
            assert [r["client_id"] for r in rows] == ["K-1"], typed


def test_the_command_lines_person_cannot_forge_the_log(tmp_path, monkeypatch):
    """QA 16b #6: ``$HAUSBESUCH_USER`` is the audit log's "who": a line break in it forged a
    line of ``hausbesuch audit``, a client's name could stand there. It follows the rule
    of account names (refused before any command runs); the operating-system user and
    rows of older versions are shown escaped, one line each."""
    from typer.testing import CliRunner

    from hausbesuch.casework import cli_actor
    from hausbesuch.cli import app
    from hausbesuch.store import Store

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Store.open(db) as store:
        store.audit("cli:alt\n03.12.2026 15:00:00 | kora | Fall angesehen", "fall_angezeigt",
                    city="Bad Hersfeld", client_id="K-1")
        before = len(store.audit_rows())
    for bad, why in (("Zwetschgenbaum Xyloid", "keine Leerzeichen"),
                     ("meier\n03.12.2026 | kora", "Steuerzeichen (Zeichen 6 ist U+000A)"),
                     ("cli:kora", "kein Doppelpunkt")):
        res = CliRunner(env={"HAUSBESUCH_USER": bad}).invoke(
            app, ["audit", "--db", db, "--city", "bad-hersfeld"])
        assert res.exit_code == 2, res.output
        assert res.output.startswith("Fehler: $HAUSBESUCH_USER: ") and why in res.output, \
            res.output
    with Store.open(db) as store:
        assert len(store.audit_rows()) == before  # refused before anything was read
    res = CliRunner(env={"HAUSBESUCH_USER": "Jürgen.M-2"}).invoke(
        app, ["audit", "--db", db, "--city", "bad-hersfeld"])
    assert res.exit_code == 0, res.output
    lines = res.output.splitlines()
    assert len(lines) == 3  # head, column names, the one row
    assert "| cli:alt\\u000a03.12.2026 15:00:00 | kora | Fall angesehen |" in lines[2]
    with Store.open(db) as store:
        assert store.audit_rows()[-1]["actor"] == "cli:Jürgen.M-2"
    monkeypatch.delenv("HAUSBESUCH_USER", raising=False)
    monkeypatch.setattr("getpass.getuser", lambda: "a\x1b[2Jb")
    assert cli_actor() == "cli:a\\u001b[2Jb"


def test_the_web_replans_teams_are_labelled_in_german():
    """QA 21b F2: the web's re-plan with a team out or back was audited as „Without teams:
    team-1“ / „With teams: team-1“ (keys without a German label)."""
    from hausbesuch.auditlog import describe

    line = describe({"without_teams": ["team-1"], "with_teams": ["team-2"]})
    assert line == "Team abgemeldet: team-1; Team wieder eingeplant: team-2", line


def test_a_filter_value_nothing_knows_is_refused_and_not_logged(tmp_path):
    """QA 42b F10: ``audit --person "Hannelore Quaschning"`` (a client's name taken for
    „Person“) and ``--plan "Quaschning"`` were written into the log's row of the reading,
    which outlives the case's erasure. Now a ``--person`` that is neither an account nor
    the actor of any entry, and a ``--plan`` that is neither a stored plan nor the plan of
    any entry, are refused without repeating them; known values still filter."""
    from typer.testing import CliRunner

    from hausbesuch.cli import app
    from hausbesuch.store import Store

    db = f"sqlite:///{tmp_path / 'a.sqlite'}"
    with Store.open(db) as store:
        store.audit("cli:meier", "fall_angezeigt", city="Bad Hersfeld", client_id="K-1",
                    plan_id="20261207-091500-a1b2c3")
    for args in (["--person", "Hannelore Quaschning"], ["--plan", "Quaschning"],
                 ["--person", "Hannelore", "--plan", "Quaschning"]):
        res = CliRunner().invoke(app, ["audit", "--city", "bad-hersfeld", "--db", db, *args])
        assert res.exit_code == 2, res.output
        assert "weder im Protokoll noch in der Datenbank bekannt" in res.output, res.output
        assert "Quaschning" not in res.output and "Hannelore" not in res.output, res.output
    with Store.open(db) as store:
        rows = store.audit_rows()
    assert len(rows) == 1  # nothing written for the refused readings
    assert not [r for r in rows if "Quaschning" in str(r)]
    for args in (["--person", "cli:meier"], ["--plan", "20261207-091500-a1b2c3"]):
        res = CliRunner().invoke(app, ["audit", "--city", "bad-hersfeld", "--db", db, *args])
        assert res.exit_code == 0 and "K-1" in res.output, res.output
