"""The README's main job: ``hausbesuch demo --city bad-hersfeld`` plans a week, every time."""

from __future__ import annotations

import re

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app

pytestmark = pytest.mark.slow


def test_demo_plans_a_week_and_again(tmp_path, monkeypatch, bad_hersfeld_pbf):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))  # the user data directory
    monkeypatch.delenv("HAUSBESUCH_DB", raising=False)
    runner = CliRunner()
    planned = []
    for _ in range(2):  # a second run starts from scratch, not from the first run's plan
        res = runner.invoke(app, ["demo", "--city", "bad-hersfeld", "--out", str(tmp_path / "demo"),
                                  "--clients", "30", "--time-limit", "3", "--start",
                                  "2026-12-07"], catch_exceptions=False)
        assert res.exit_code == 0, res.output
        m = re.search(r"(\d+) geplant", res.output)
        assert m, res.output
        planned.append(int(m[1]))
        # the first route's day with its weekday, as every page writes it
        assert re.search(r"Erste Route \(team-[\w-]+, (Mo|Di|Mi|Do|Fr|Sa), \d\d\.12\.2026\): ",
                         res.output), res.output
        assert (tmp_path / "demo" / "index.html").is_file()
        assert (tmp_path / "demo" / "eingabe").is_dir()
    assert planned[0] > 10 and planned[1] == planned[0]
    assert (tmp_path / "data" / "hausbesuch" / "demo-bad-hersfeld.sqlite").is_file()
    assert not (tmp_path / "data" / "hausbesuch" / "hausbesuch.sqlite").exists()


def test_the_demo_list_gives_each_client_one_house_number(tmp_path, bad_hersfeld_pbf):
    """QA 40 F6: the demo's list took OSM's ranges and lists of numbers on one building
    („30-31“, „8;10“) as a client's house number; a client lives at one house. Bad
    Hersfeld's addresses around the office hold seven such numbers among 480."""
    import csv as _csv
    from datetime import date as _date

    from geodata.geocode import load_index
    from hausbesuch.config import load_profile
    from hausbesuch.demo import ONE_HOUSE, make_demo_files, real_addresses
    from hausbesuch.planning.builder import depot_lonlat

    index = load_index(bad_hersfeld_pbf)
    near = depot_lonlat(load_profile("bad-hersfeld"), index)  # as `hausbesuch demo` draws
    pool = real_addresses(index, near, at_least=6 * 80)
    assert sum(1 for a in pool if not ONE_HOUSE.fullmatch(a[1])) >= 5
    numbers = []
    for seed in range(1, 7):
        files = make_demo_files(index, tmp_path / str(seed), start=_date(2026, 12, 14),
                                n_clients=80, seed=seed, town="Bad Hersfeld", near=near)
        with open(files.clients, encoding="utf-8-sig", newline="") as fh:
            numbers += [r["Hausnummer"] for r in _csv.DictReader(fh, delimiter=";")
                        if r["Hausnummer"]]
    assert len(numbers) >= 6 * 80
    assert all(ONE_HOUSE.fullmatch(n.strip()) for n in numbers), [
        n for n in numbers if not ONE_HOUSE.fullmatch(n.strip())]
