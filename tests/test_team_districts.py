"""Teams responsible for their districts (Stadtteile), through the command line on the real
Bad Hersfeld extract and its real (fallback) districts (QA 33a F5): a teams file's
``stadtteile`` are stored in the city's spelling and shown, an unknown one is refused
naming the team, the district and the city's districts; the profile's ``[workday]
responsibility`` keeps visits with their teams (hard: only there, else reported with the
routing library's reason; soft: outside at a cost), and teams without districts plan as
before.
"""

from __future__ import annotations

import csv
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from tests.cli_helpers import ok, run

CITY = "Bad Hersfeld"
START = "2026-12-14"  # a Monday


@pytest.fixture(scope="module")
def places(bad_hersfeld_pbf):
    """Every real address of the extract with its point and district, in a fixed order:
    [(street, number, postcode, town, lon, lat, district)]."""
    from geodata.districts import load_districts
    from geodata.geocode import load_index
    from hausbesuch.config import district_options, load_profile
    from hausbesuch.demo import real_addresses

    profile = load_profile("bad-hersfeld")
    index = load_index(bad_hersfeld_pbf)
    districts = load_districts(bad_hersfeld_pbf, **district_options(profile))
    found = []
    for street, hn, pc, town in sorted(real_addresses(index)):
        res = index.geocode(f"{street} {hn}, {pc} {town or CITY}")
        if res.quality == "exact":
            found.append((street, hn, pc, town or CITY, float(res.lon), float(res.lat)))
    names = districts.assign(np.array([f[4] for f in found]), np.array([f[5] for f in found]))
    return [(*f, str(n)) for f, n in zip(found, names, strict=True)]


def _near(places, district: str, n: int, at: tuple[float, float] | None = None) -> list:
    """The ``n`` addresses of ``district`` nearest ``at`` (default: its first address)."""
    inside = [p for p in places if p[6] == district]
    lon, lat = at if at is not None else inside[0][4:6]
    return sorted(inside, key=lambda p: (p[4] - lon) ** 2 + (p[5] - lat) ** 2)[:n]


def _client_list(path: Path, rows: list) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit"])
        for i, (street, hn, pc, town, *_rest) in enumerate(rows):
            w.writerow([f"K-{4000 + i}", f"N{i}", street, hn, pc, town, "01.02.2025"])


def _profile(tmp_path: Path, name: str, workday: str) -> str:
    """The shipped Bad Hersfeld profile with ``workday`` lines added to its ``[workday]``."""
    from hausbesuch.config import PROFILE_DIR

    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    assert "visit_minutes = 45\n" in text
    path = tmp_path / f"{name}.toml"
    path.write_text(text.replace("visit_minutes = 45\n", f"visit_minutes = 45\n{workday}\n"),
                    encoding="utf-8")
    return str(path)


def _report(folder: Path) -> list[dict[str, str]]:
    with open(folder / "report.csv", encoding="utf-8-sig") as fh:
        return list(csv.DictReader(fh, delimiter=";"))


def _plan(db: str, city: str, out: Path, *more: str) -> list[dict[str, str]]:
    ok("plan", "--city", city, "--db", db, "--start", START, "--days", "1", "--out", str(out),
       "--time-limit", "3", "--threads", "1", *more)
    return _report(out)


# --------------------------------------------------------------------------- the teams file


def test_a_teams_file_keeps_districts_and_refuses_unknown_ones(tmp_path, bad_hersfeld_pbf):
    """TOML lists, CSV and XLSX cells (``,`` or ``;``) are stored in the city's spelling,
    shown by ``teams`` and written back by ``teams --csv``; a district the city does not
    have is refused naming team, district and the city's districts, and nothing changes."""
    from openpyxl import Workbook

    from hausbesuch.config import load_profile
    from hausbesuch.store import Store
    from hausbesuch.team_store import stored_teams
    from hausbesuch.teams import load_teams

    common = ["--city", "bad-hersfeld", "--db", str(tmp_path / "t.sqlite")]
    (tmp_path / "teams.toml").write_text(
        '[[team]]\nid = "nord"\nstadtteile = ["hohe luft", "Johannesberg"]\n\n'
        '[[team]]\nid = "mitte"\n', encoding="utf-8")
    assert "2 Teams für Bad Hersfeld gespeichert" in ok("teams", "--set",
                                                        str(tmp_path / "teams.toml"), *common)
    shown = {line.split(":")[0].strip(): line for line in ok("teams", *common).splitlines()}
    assert shown["nord"].endswith("; Stadtteile: Hohe Luft, Johannesberg")
    assert "Stadtteile" not in shown["mitte"]
    # the CSV of the stored teams reads back to the same teams (and sets them again)
    ok("teams", "--csv", str(tmp_path / "t.csv"), *common)
    profile = load_profile("bad-hersfeld")
    with Store.open(str(tmp_path / "t.sqlite")) as store:
        saved = stored_teams(store, profile)[0]
    assert load_teams(tmp_path / "t.csv", profile=profile) == saved
    assert saved[0].districts == ("Hohe Luft", "Johannesberg") and saved[1].districts == ()
    # a CSV cell separated by „;“ (quoted), an XLSX cell by „,“
    (tmp_path / "teams.csv").write_text('id;stadtteile\nost;"Sorga; Kathus"\n',
                                        encoding="utf-8")
    ok("teams", "--set", str(tmp_path / "teams.csv"), *common)
    assert "ost: " in ok("teams", *common) and "Stadtteile: Sorga, Kathus" in ok("teams", *common)
    wb = Workbook()
    wb.active.append(["id", "stadtteile"])
    wb.active.append(["west", "Petersberg, wehneberg"])
    wb.save(tmp_path / "teams.xlsx")
    ok("teams", "--set", str(tmp_path / "teams.xlsx"), *common)
    assert "Stadtteile: Petersberg, Wehneberg" in ok("teams", *common)
    # unknown: refused, naming team and district and listing the city's districts
    (tmp_path / "falsch.toml").write_text(
        '[[team]]\nid = "nord"\nstadtteile = ["Altstadt", "Hohe Luft"]\n', encoding="utf-8")
    res = run("teams", "--set", str(tmp_path / "falsch.toml"), *common)
    assert res.exit_code == 2
    assert ("Ungültige Teams in falsch.toml: Team „nord“: Stadtteil „Altstadt“ gibt es in "
            "Bad Hersfeld nicht (Stadtteile von Bad Hersfeld: Allmershausen, Bad Hersfeld, "
            "Eichhof, Hohe Luft, Johannesberg, Kathus, Oberrode, Petersberg, Sorga, "
            "Wehneberg, Zellersgrund).") in " ".join(res.output.split())
    assert "Stadtteile: Petersberg, Wehneberg" in ok("teams", *common)  # nothing changed


def test_teams_stored_with_a_plan_before_districts_read_back():
    """A plan's stored teams (``params["teams"]``, read again by a re-plan) written before
    districts existed have no ``districts`` key: read as teams for the whole city; a
    plan's teams with districts keep them."""
    from hausbesuch.planning.builder import team_from_dict, team_to_dict
    from hausbesuch.teams import TeamConfig

    t = TeamConfig(id="nord", districts=("Hohe Luft", "Sorga"))
    assert team_from_dict(team_to_dict(t)) == t
    old = team_to_dict(TeamConfig(id="alt"))
    del old["districts"]
    assert team_from_dict(old).districts == ()


def test_the_profile_reads_responsibility_and_its_costs(tmp_path):
    """``[workday] responsibility`` takes the German words too; the costs are bounded;
    the defaults: soft, 30 minutes outside, no cost per district. ``[[teams]]`` of the
    profile take ``stadtteile``."""
    from hausbesuch.config import load_profile
    from hausbesuch.errors import UserError
    from hausbesuch.teams import default_teams

    wd = load_profile("bad-hersfeld").workday
    assert (wd.responsibility, wd.outside_minutes, wd.district_minutes) == ("soft", 30, 0)
    wd = load_profile(_profile(tmp_path, "hart", 'responsibility = "hart"\n'
                                                 "district_minutes = 15")).workday
    assert (wd.responsibility, wd.district_minutes) == ("hard", 15)
    with pytest.raises(UserError) as err:
        load_profile(_profile(tmp_path, "falsch", 'responsibility = "streng"'))
    assert "workday.responsibility" in str(err.value) and '"weich"' in str(err.value)
    with pytest.raises(UserError, match="workday.outside_minutes"):
        load_profile(_profile(tmp_path, "teuer", "outside_minutes = 1000"))
    # the profile's own teams take districts too (checked when a plan is built)
    path = Path(_profile(tmp_path, "bezirke", ""))
    path.write_text(path.read_text(encoding="utf-8")
                    + '\n[[teams]]\nid = "team-3"\nstadtteile = ["Sorga"]\n', encoding="utf-8")
    assert [t.districts for t in default_teams(load_profile(path))] == [(), (), ("Sorga",)]


# --------------------------------------------------------------------------- plans


def test_hard_responsibility_plans_each_visit_with_a_responsible_team(tmp_path, places):
    """Hard: team nord serves Bad Hersfeld's core only, sued Hohe Luft only; a visit in
    Johannesberg, which neither team is responsible for, is reported with the routing
    library's reason, in report.csv and the plan's unassigned list. A ``--teams`` file
    naming a district the city does not have is refused when the plan is built."""
    from hausbesuch.store import Store

    core, hill, other = (_near(places, "Bad Hersfeld", 3), _near(places, "Hohe Luft", 3),
                         _near(places, "Johannesberg", 1))
    _client_list(tmp_path / "kunden.csv", core + hill + other)
    db = str(tmp_path / "h.sqlite")
    hard = _profile(tmp_path, "hart", 'responsibility = "hart"')
    ok("import", str(tmp_path / "kunden.csv"), "--city", hard, "--db", db)
    (tmp_path / "teams.toml").write_text(
        '[defaults]\nmodus = "drive"\n\n[[team]]\nid = "nord"\nstadtteile = ["Bad Hersfeld"]'
        '\n\n[[team]]\nid = "sued"\nstadtteile = ["Hohe Luft"]\n', encoding="utf-8")
    ok("teams", "--set", str(tmp_path / "teams.toml"), "--city", hard, "--db", db)
    rows = {r["id"]: r for r in _plan(db, hard, tmp_path / "p")}
    responsible = {"Bad Hersfeld": "nord", "Hohe Luft": "sued"}
    for i, place in enumerate(core + hill):
        row = rows[f"K-{4000 + i}"]
        assert row["stadtteil"] == place[6]
        assert (row["status"], row["team"]) == ("geplant", responsible[place[6]]), row
    lost = rows["K-4006"]
    assert (lost["stadtteil"], lost["status"]) == ("Johannesberg", "nicht_eingeplant")
    assert lost["grund"] == "Kein Team ist für den Stadtteil Johannesberg zuständig."
    with Store.open(db) as store:
        plan = store.latest_plan(CITY)
    assert [(u.client_id, u.code) for u in plan.unassigned] == [("K-4006", "district")]
    assert plan.params["teams"][0]["districts"] == ["Bad Hersfeld"]
    # a teams file given to the plan is checked against the plan's districts
    (tmp_path / "falsch.toml").write_text(
        '[[team]]\nid = "nord"\nstadtteile = ["Altstadt"]\n', encoding="utf-8")
    res = run("plan", "--city", hard, "--db", db, "--start", "2026-12-15", "--days", "1",
              "--out", str(tmp_path / "p2"), "--teams", str(tmp_path / "falsch.toml"),
              "--time-limit", "1", "--threads", "1")
    assert res.exit_code != 0
    said = " ".join(res.output.split())
    assert "Team „nord“: Stadtteil „Altstadt“ gibt es in Bad Hersfeld nicht" in said
    assert "Stadtteile von Bad Hersfeld: Allmershausen, Bad Hersfeld," in said
    assert not (tmp_path / "p2").exists()


def test_soft_responsibility_keeps_visits_with_their_teams(tmp_path, places):
    """Soft: each team starts beside the other's district (crossed on purpose). Planned
    for travel alone (the same teams without districts) every team serves the visits
    beside its start, all outside its district; with soft responsibility (60 minutes a
    visit outside, minutes of driving against it) each serves its own."""
    core, hill = _near(places, "Bad Hersfeld", 3), _near(places, "Hohe Luft", 3)
    _client_list(tmp_path / "kunden.csv", core + hill)
    soft = _profile(tmp_path, "weich", 'responsibility = "weich"\noutside_minutes = 60')
    teams = ('[defaults]\nmodus = "drive"\n\n'
             '[[team]]\nid = "nord"\nstart = [{hill}]\n{nord}\n\n'
             '[[team]]\nid = "sued"\nstart = [{core}]\n{sued}\n')
    where = {"hill": f"{hill[0][4]}, {hill[0][5]}", "core": f"{core[0][4]}, {core[0][5]}"}
    (tmp_path / "ohne.toml").write_text(teams.format(**where, nord="", sued=""),
                                        encoding="utf-8")
    (tmp_path / "mit.toml").write_text(teams.format(
        **where, nord='stadtteile = ["Bad Hersfeld"]', sued='stadtteile = ["Hohe Luft"]'),
        encoding="utf-8")
    responsible = {"Bad Hersfeld": "nord", "Hohe Luft": "sued"}
    outside = {}
    for name in ("ohne", "mit"):
        db = str(tmp_path / f"{name}.sqlite")
        ok("import", str(tmp_path / "kunden.csv"), "--city", soft, "--db", db)
        rows = _plan(db, soft, tmp_path / name, "--teams", str(tmp_path / f"{name}.toml"))
        assert [r["status"] for r in rows] == ["geplant"] * 6, rows
        outside[name] = sum(r["team"] != responsible[r["stadtteil"]] for r in rows)
    assert outside["mit"] == 0 and outside["ohne"] > 0, outside


def test_teams_without_districts_plan_as_before(tmp_path, places, monkeypatch):
    """No team has districts (the shipped profile's teams): the solver gets the problem it
    got before districts reached the app but for the visits' district names, which then
    weigh nothing, so its plan is the one of that problem (compared when both seeded solves
    kept to their fixed amount of work, as the at-home model's test does)."""
    from hausbesuch.planning import workflow
    from routing.solve import visit_costs

    real = workflow._run_solver
    solved: list = []

    def run_solver(problem, options, say, initial=None):  # noqa: ANN001, ANN202
        solution = real(problem, options, say, initial)
        solved.append((problem, options, solution))
        return solution

    monkeypatch.setattr(workflow, "_run_solver", run_solver)
    rows = _near(places, "Bad Hersfeld", 4) + _near(places, "Hohe Luft", 4)
    _client_list(tmp_path / "kunden.csv", rows)
    db = str(tmp_path / "n.sqlite")
    ok("import", str(tmp_path / "kunden.csv"), "--city", "bad-hersfeld", "--db", db)
    _plan(db, "bad-hersfeld", tmp_path / "p")
    (problem, options, solution), = solved
    assert {v.district for v in problem.visits} == {"Bad Hersfeld", "Hohe Luft"}
    assert not any(t.districts for t in problem.teams) and problem.district_cost == 0
    assert visit_costs(problem, problem.vehicles()) is None
    before = replace(problem, visits=tuple(replace(v, district=None) for v in problem.visits),
                     responsibility="hard", outside_cost=0, district_cost=0)
    again = real(before, options, lambda *_: None)
    if solution.stats.get("deterministic") and again.stats.get("deterministic"):
        assert [(r.team, r.day, r.visits) for r in again.routes] == [
            (r.team, r.day, r.visits) for r in solution.routes]
