"""Strg+C and SIGTERM during a command that stores (QA 45b F6): one German line on stderr
saying what is stored, the exit code of the signal kept (130, 143), nothing half-stored
and no hidden folder left behind. Commands run as processes and get the real signal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from hausbesuch.store import Store

pytestmark = pytest.mark.slow  # a plan computed as a process, interrupted

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(("sig", "code", "how"), [(signal.SIGTERM, 143, "SIGTERM"),
                                                   (signal.SIGINT, 130, "Strg+C")])
def test_a_plan_interrupted_while_it_computes_says_nothing_is_stored(
        planned_week, tmp_path: Path, sig: int, code: int, how: str) -> None:
    db = tmp_path / "fall.sqlite"
    shutil.copy(planned_week.db_url.removeprefix("sqlite:///"), db)
    with Store.open(db) as store:
        before = len(store.list_plans())
    out = tmp_path / "woche"
    proc = subprocess.Popen(
        [sys.executable, "-m", "hausbesuch", "plan", "--city", "bad-hersfeld", "--db",
         str(db), "--start", "2026-12-14", "--days", "3", "--out", str(out),
         "--time-limit", "60", "--threads", "1"],
        env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True,
        # SIGINT as a terminal's Strg+C delivers it (not ignored, as in a background job)
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(12)  # the extract read, the solver computing (60 s allowed)
    assert proc.poll() is None, proc.communicate()
    proc.send_signal(sig)
    _out, err = proc.communicate(timeout=120)
    assert proc.returncode == code, err
    assert err.strip().splitlines()[-1] == f"Abgebrochen ({how}): nichts gespeichert.", err
    assert "Traceback" not in err
    with Store.open(db) as store:
        assert len(store.list_plans()) == before
    # no plan folder, no hidden half-written one (the database and its lock file only)
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith("fall.sqlite")] == []
