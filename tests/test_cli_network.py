"""The ``hausbesuch network`` command, run as a user runs it (a subprocess); its usage
errors in this process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def run(*args: str, env_cache: str | None = None) -> subprocess.CompletedProcess[str]:
    import os

    env = dict(os.environ)
    if env_cache:
        env["HAUSBESUCH_CACHE_DIR"] = env_cache
    return subprocess.run(
        [sys.executable, "-m", "hausbesuch", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_network_json_and_cache(lauf_pbf, tmp_path):
    first = run("network", "--osm", str(lauf_pbf), "--mode", "walk", env_cache=str(tmp_path))
    assert first.returncode == 0, first.stderr
    a = json.loads(first.stdout)
    for key in ("nodes", "edges", "dropped_nodes", "bbox", "osm_timestamp", "seconds", "cache"):
        assert key in a
    assert a["cache"] == "miss" and a["nodes"] > 1000 and len(a["bbox"]) == 4
    assert "entfernt" in first.stderr  # says how many nodes were dropped
    second = json.loads(run("network", "--osm", str(lauf_pbf), "--mode", "walk",
                            env_cache=str(tmp_path)).stdout)
    assert second["cache"] == "hit" and second["nodes"] == a["nodes"]
    third = json.loads(run("network", "--osm", str(lauf_pbf), "--mode", "walk", "--walk-kmh", "5",
                           env_cache=str(tmp_path)).stdout)
    assert third["cache"] == "miss"


def test_network_by_city(bad_hersfeld_pbf):
    res = run("network", "--city", "bad-hersfeld", "--mode", "drive")
    assert res.returncode == 0, res.stderr
    assert json.loads(res.stdout)["osm"].endswith(bad_hersfeld_pbf.name)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["network", "--osm", "/nirgends/stadt.osm.pbf"], "OSM-Datei nicht gefunden"),
        (["network", "--osm", __file__], "Unbekanntes Dateiformat"),
        (["network", "--city", "bad-hersfeld", "--mode", "fly"], "Unbekannte Fortbewegungsart"),
        (["network", "--city", "atlantis"], "Unbekanntes Stadtprofil"),
    ],
)
def test_network_errors_are_german_without_traceback(args, message):
    """Run in this process (typer's runner, the same app): the command as a process of its
    own is the tests' above (each process start cost 3-5 s of CPU)."""
    from tests.cli_helpers import run as run_here

    res = run_here(*args)
    assert res.exit_code == 2, res.output
    assert message in res.stderr
    assert isinstance(res.exception, SystemExit), res.exception  # no error escaped
    assert "Traceback" not in res.output


def test_invalid_profile_field(tmp_path):
    p = tmp_path / "stadt.toml"
    p.write_text('name = "X"\ndefault_mode = 3\n[osm]\nplace = "X"\n[[depots]]\nname="a"\naddress="b"\n')
    res = run("network", "--city", str(p))
    assert res.returncode == 2 and "default_mode" in res.stderr and "Traceback" not in res.stderr
