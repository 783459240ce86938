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


class _DetailKeys:
    """The detail keys the package writes into the log, found in its source: every
    ``details=`` argument of a call, followed through dict literals (``**`` parts too),
    the names it is built in (assignments, ``name["key"] = …``, ``.update``), the
    functions that return it and, for a parameter, what the callers pass. What the scan
    cannot follow is collected in :attr:`unresolved` (the test fails on it: extend the
    scan, or write the details more plainly)."""

    def __init__(self, package: Path) -> None:
        import ast

        self.ast = ast
        self.keys: dict[str, str] = {}  # key -> where it is written (file:line)
        self.unresolved: list[str] = []
        self.trees = []
        self.functions: dict[str, list] = {}
        self.constants: dict[str, str] = {}
        for path in sorted(package.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            self.trees.append(tree)
            name = path.relative_to(package.parent)
            for node in ast.walk(tree):
                node.where = f"{name}:{getattr(node, 'lineno', 0)}"  # type: ignore[attr-defined]
                for child in ast.iter_child_nodes(node):
                    child.parent = node  # type: ignore[attr-defined]
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    self.functions.setdefault(node.name, []).append(node)
            for node in tree.body:  # module constants: SHOWN = "kundennummern"
                if (isinstance(node, ast.Assign) and len(node.targets) == 1
                        and isinstance(node.targets[0], ast.Name)
                        and isinstance(node.value, ast.Constant)
                        and isinstance(node.value.value, str)):
                    self.constants[node.targets[0].id] = node.value.value
        for tree in self.trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    for kw in node.keywords:
                        if kw.arg == "details":
                            self._value(kw.value, self._function(node), frozenset())

    def _function(self, node):  # noqa: ANN001, ANN202
        while node is not None and not isinstance(
                node, self.ast.FunctionDef | self.ast.AsyncFunctionDef):
            node = getattr(node, "parent", None)
        return node

    def _loops_over(self, fn, name: str) -> list:  # noqa: ANN001
        """The literal tuples ``name`` runs through in ``fn`` (``for key, value in …``)."""
        ast = self.ast
        return [f.iter for f in ast.walk(fn) if isinstance(f, ast.For)
                and isinstance(f.iter, ast.Tuple | ast.List)
                and name in {n.id for n in ast.walk(f.target) if isinstance(n, ast.Name)}]

    def _key(self, node, fn) -> None:  # noqa: ANN001
        ast = self.ast
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            self.keys.setdefault(node.value, node.where)
        elif isinstance(node, ast.Name) and node.id in self.constants:
            self.keys.setdefault(self.constants[node.id], node.where)
        elif isinstance(node, ast.Name) and fn is not None and self._loops_over(fn, node.id):
            for items in self._loops_over(fn, node.id):
                for item in items.elts:
                    self._key(item.elts[0] if isinstance(item, ast.Tuple) else item, None)
        else:
            self.unresolved.append(f"{node.where}: key {ast.unparse(node)}")

    def _value(self, node, fn, seen: frozenset) -> None:  # noqa: ANN001
        ast = self.ast
        if isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if key is None:
                    self._value(value, fn, seen)
                else:
                    self._key(key, fn)
        elif isinstance(node, ast.Constant) and node.value is None:
            pass
        elif isinstance(node, ast.IfExp | ast.BoolOp | ast.BinOp):
            parts = {ast.IfExp: lambda n: (n.body, n.orelse), ast.BoolOp: lambda n: n.values,
                     ast.BinOp: lambda n: (n.left, n.right)}[type(node)](node)
            for part in parts:
                self._value(part, fn, seen)
        elif isinstance(node, ast.Name) and fn is not None:
            self._name(node, fn, seen)
        elif isinstance(node, ast.Call) and (
                name := getattr(node.func, "attr", None) or getattr(node.func, "id", None)
        ) in self.functions and name not in seen:
            for f in self.functions[name]:
                for ret in ast.walk(f):
                    if isinstance(ret, ast.Return) and ret.value is not None:
                        self._value(ret.value, f, seen | {name})
        else:
            self.unresolved.append(f"{node.where}: {ast.unparse(node)}")

    def _name(self, node, fn, seen: frozenset) -> None:  # noqa: ANN001
        ast = self.ast
        built = False
        for step in ast.walk(fn):
            if isinstance(step, ast.Assign | ast.AnnAssign | ast.AugAssign):
                for target in getattr(step, "targets", None) or [step.target]:
                    if isinstance(target, ast.Name) and target.id == node.id and step.value:
                        built = True
                        self._value(step.value, fn, seen)
                    elif (isinstance(target, ast.Subscript)
                          and getattr(target.value, "id", None) == node.id):
                        built = True
                        self._key(target.slice, fn)
            elif (isinstance(step, ast.Call) and getattr(step.func, "attr", None) == "update"
                  and getattr(step.func.value, "id", None) == node.id):
                built = True
                for arg in step.args:
                    self._value(arg, fn, seen)
        args = [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]
        if built or node.id not in args + [a.arg for a in fn.args.kwonlyargs]:
            if not built:
                self.unresolved.append(f"{node.where}: {node.id}")
            return
        if (fn.name, node.id) in seen:
            return
        # a parameter: what the callers pass (by keyword or in its place)
        place = args.index(node.id) - (args[:1] in (["self"], ["cls"])) \
            if node.id in args else -1
        for tree in self.trees:
            for call in ast.walk(tree):
                if isinstance(call, ast.Call) and fn.name in (
                        getattr(call.func, "attr", None), getattr(call.func, "id", None)):
                    passed = [kw.value for kw in call.keywords if kw.arg == node.id]
                    if 0 <= place < len(call.args):
                        passed.append(call.args[place])
                    for value in passed:
                        self._value(value, self._function(call), seen | {(fn.name, node.id)})


def test_every_detail_key_written_has_a_german_label():
    """QA 42b F5: detail keys without a label were shown as made from the key: „Abgesagte
    besuche ohne plan“, „Offene besuche verworfen“, „Unveraendert“, „Geraete“. Every key
    the package writes has a German label; a new key without one fails here."""
    from hausbesuch.auditlog import DETAIL_LABELS, describe

    found = _DetailKeys(REPO / "hausbesuch")
    assert not found.unresolved, found.unresolved
    # the scan finds the keys of literals, of names built up, of helpers and of callers
    assert {"abgesagte_besuche_ohne_plan", "unveraendert", "geraete", "kundennummern",
            "weitere_versuche", "zuvor_nicht_protokolliert", "ip", "person",
            "nicht_wieder_eingelesen", "fallstatus"} <= set(found.keys), sorted(found.keys)
    missing = sorted(f"{k} ({where})" for k, where in found.keys.items()
                     if k not in DETAIL_LABELS)
    assert not missing, missing
    # and an empty value reads „–“ as a missing one does
    assert describe({"version": 1, "vorgaenger": None, "nachfolger": [], "besuche": 1,
                     "tageslinks_verschoben": 0, "abgesagte_besuche_ohne_plan": 0,
                     "offene_besuche_verworfen": 1, "grund": ""}) == (
        "Version: 1; Vorgänger: –; Nachfolger: –; Besuche: 1; Tageslinks verschoben: 0; "
        "Abgesagte Besuche ohne Plan: 0; Offene Besuche verworfen: 1; Grund: –")
    assert describe({"gleiche_person": [["K-1036", "K-1037"], ["K-2", "K-3", "K-9"]],
                     "nachdruck": True}) == (
        "Gleicher Name und gleiche Anschrift: K-1036 und K-1037, K-2 und K-3 und K-9; "
        "Nachdruck: ja")
    assert describe({"sitzungen": 1, "anmeldeversuche": 0, "geraete": 0, "tageslinks": 2,
                     "auftraege": 0}) == ("Sitzungen: 1; Anmeldeversuche: 0; Geräte: 0; "
                                          "Tageslinks: 2; Aufträge: 0")


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
    # an account that has not acted yet is known, whatever the case typed (as at login)
    from hausbesuch.web.auth import add_user

    with Store.open(db) as store:
        add_user(store, "koord1", "Tintenfass-Ruder-78", role="koordination",
                 city="Bad Hersfeld")
    res = CliRunner().invoke(app, ["audit", "--city", "bad-hersfeld", "--db", db,
                                   "--person", "Koord1"])
    assert res.exit_code == 0, res.output
