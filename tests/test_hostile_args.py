"""Hostile arguments and side files: German messages, exit code 2, never a traceback."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from hausbesuch.errors import UserError
from hausbesuch.planning import PlanOptions

CORPUS = Path(__file__).resolve().parent / "data" / "hostile"
MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"time_limit": float("nan")}, "--time-limit"),
        ({"time_limit": float("inf")}, "--time-limit"),
        ({"time_limit": 1e308}, "--time-limit"),
        ({"time_limit": -1}, "--time-limit"),
        ({"threads": 0}, "--threads"),
        ({"threads": 1000}, "--threads"),
        ({"seed": -5}, "--seed"),
        ({"seed": 2**40}, "--seed"),
        ({"start": date(9999, 12, 31)}, "--start"),
        ({"days": 0}, "--days"),
    ],
)
def test_plan_options_refuse_impossible_values(kwargs, fragment):
    args = {"start": MONDAY, **kwargs}
    with pytest.raises(UserError, match=fragment):
        PlanOptions(**args)


def test_a_start_out_of_bounds_is_named_with_the_bounds_and_their_weekdays():
    """The days read as the web form's refusal of the same bounds (planjobs)."""
    with pytest.raises(UserError) as refused:
        PlanOptions(start=date(9999, 12, 31))
    assert str(refused.value) == ("--start: Fr, 31.12.9999 liegt nicht zwischen "
                                  "Sa, 01.01.2000 und Di, 31.12.2199.")


def test_deeply_nested_team_and_profile_files(tmp_path):
    from hausbesuch.config import load_profile
    from hausbesuch.errors import ProfileError
    from hausbesuch.teams import TeamError, load_teams

    deep = tmp_path / "tief.toml"
    deep.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n", encoding="utf-8")
    with pytest.raises(TeamError, match="verschachtelt"):
        load_teams(deep)
    with pytest.raises(ProfileError, match="verschachtelt"):
        load_profile(str(deep))


def test_geocode_output_into_a_folder_and_a_table_as_districts(tmp_path, bad_hersfeld_pbf):
    from geodata.districts import load_districts
    from geodata.errors import GeodataError
    from hausbesuch.commands.geocode import write_csv

    with pytest.raises(UserError, match="Ordner"):
        write_csv(tmp_path, ["a"], [{"a": "1"}])
    with pytest.raises(GeodataError, match="keine Geometrien"):
        load_districts(bad_hersfeld_pbf, districts_file=CORPUS / "formulas.csv")


def test_a_nan_time_limit_from_the_command_line(tmp_path):
    res = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "plan", str(CORPUS / "formulas.csv"), "--city",
         "bad-hersfeld", "--start", "2026-12-07", "--time-limit", "nan", "--out",
         str(tmp_path / "o"), "--db", f"sqlite:///{tmp_path / 'x.db'}"],
        capture_output=True, text=True, timeout=300)
    assert res.returncode == 2 and "--time-limit" in res.stderr
    assert "Traceback" not in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_matrix_too_large_for_memory_is_refused_before_allocating(tmp_path):
    from typer.testing import CliRunner

    from hausbesuch.cli import app

    pts = tmp_path / "p.csv"
    pts.write_text("id,lat,lon\n" + "".join(f"P{i},50.86{i % 100:02d},9.70{i % 97:02d}\n"
                                            for i in range(20_000)), encoding="utf-8")
    res = CliRunner().invoke(app, ["matrix", str(pts), "--city", "bad-hersfeld", "--out",
                                   str(tmp_path / "m.csv")])
    assert res.exit_code == 2, res.output
    assert "Zu viele Orte" in res.stderr and "GB" in res.stderr
    assert not (tmp_path / "m.csv").exists()
