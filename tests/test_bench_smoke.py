"""The benchmarks stay runnable: each answers ``--help``, and the web benchmark (the
acceptance figure of the web app) runs through once with a short solve (QA 20b #1: its
password had fallen foul of the password rules, and no test ran it)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
BENCHES = sorted(p.name for p in (REPO / "bench").glob("*.py") if p.name != "population.py")


def _run(*args: str, timeout: float, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), **extra}
    return subprocess.run([sys.executable, *args], cwd=REPO, env=env, text=True,
                          capture_output=True, timeout=timeout)


#: Runs each benchmark's ``--help`` in one process (the imports shared): prints
#: "name: ok" or "name: FAILED <why>" per benchmark.
_HELP_ALL = """
import contextlib, io, runpy, sys
for name in sys.argv[1:]:
    sys.argv = [name, "--help"]
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            runpy.run_path("bench/" + name, run_name="__main__")
        why = "no exit"
    except SystemExit as exc:
        why = "" if exc.code in (0, None) and "usage" in out.getvalue().lower() \
            else f"exit {exc.code}"
    except Exception as exc:  # an import or argument set-up that fails
        why = f"{type(exc).__name__}: {exc}"
    print(f"{name}: " + ("ok" if not why else "FAILED " + why))
"""


def test_every_benchmark_answers_help():
    r = _run("-c", _HELP_ALL, *BENCHES, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert r.stdout.splitlines() == [f"{name}: ok" for name in BENCHES], r.stdout


def test_population_is_a_module_not_a_script():
    text = (REPO / "bench" / "population.py").read_text(encoding="utf-8")
    assert "__main__" not in text  # (so it is rightly left out above)


def test_p95_is_the_nearest_rank():
    sys.path.insert(0, str(REPO))
    from bench.web import p95_of

    assert p95_of([3.0, 1.0]) == 3.0
    assert p95_of([float(i) for i in range(1, 21)]) == 19.0
    assert p95_of([float(i) for i in range(1, 101)]) == 95.0


@pytest.mark.slow
def test_web_benchmark_runs_through(shared_data):
    r = _run("bench/web.py", "--repeat", "1", "--time-limit", "1", timeout=600,
             HAUSBESUCH_SHARED_DATA=str(shared_data))
    assert r.returncode == 0, r.stderr[-3000:]
    lines = r.stdout.splitlines()
    assert lines[0].startswith("week: 5 teams available"), r.stdout
    assert any(ln.startswith("worker page (") for ln in lines), r.stdout
    assert any(ln.startswith("plan view (") for ln in lines), r.stdout
