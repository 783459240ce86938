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
