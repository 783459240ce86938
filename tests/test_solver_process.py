"""A server's plan job solves in a child process (``hausbesuch.planning.solver_process``).

OR-Tools holds Python's interpreter lock while it searches; solved in a thread of the web
server, a plan stopped every page (the field workers' phones too) for up to a few seconds
at a time (``bench/web.py --during-plan`` measures it). The child gives the same routes
as a solve here, reports progress, ends when told, and a job of the server's runner uses
it; the command line keeps solving in its own process.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from hausbesuch.planning import solver_process
from hausbesuch.planning.solver_process import SolverProcess, solving_in


@pytest.fixture(scope="module")
def r101(shared_data: Path):  # noqa: ANN201
    from routing import solomon

    return solomon.load(shared_data / "vrp" / "solomon" / "R101.txt")[1]


@pytest.fixture
def child():  # noqa: ANN201
    proc = SolverProcess()
    yield proc
    proc.close(kill=True)


def test_the_child_gives_the_routes_a_solve_here_gives(r101, child) -> None:  # noqa: ANN001
    from routing.solve import solve

    there = child.solve(r101, time_limit=2, seed=7)
    here = solve(r101, time_limit=2, seed=7)
    assert there.routes == here.routes
    assert there.unassigned == here.unassigned
    assert child.solves == 1 and child.last_pid not in (None, os.getpid())


def test_the_child_reports_progress_and_is_kept_for_the_next_solve(r101, child) -> None:  # noqa: ANN001
    seen: list[float] = []
    child.solve(r101, time_limit=1.5, seed=None, progress=lambda el, obj: seen.append(el))
    assert seen and seen == sorted(seen), seen  # seconds of the solve, rising
    first = child.last_pid
    child.solve(r101, time_limit=0.5, seed=1)
    assert child.last_pid == first and child.solves == 2


def test_a_killed_child_ends_its_solve_and_the_next_solve_starts_another(r101, child) -> None:  # noqa: ANN001
    child.solve(r101, time_limit=0.3, seed=1)
    first = child.last_pid
    threading.Timer(1.0, lambda: child.close(kill=True)).start()
    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="child process ended"):
        child.solve(r101, time_limit=30, seed=None)
    assert time.monotonic() - t0 < 25  # not after the whole time limit
    child.solve(r101, time_limit=0.3, seed=1)
    assert child.last_pid not in (first, os.getpid())


def test_solving_in_holds_for_the_thread_that_set_it() -> None:
    proc, other = SolverProcess(), []
    assert solver_process.current() is None
    with solving_in(proc):
        assert solver_process.current() is proc
        t = threading.Thread(target=lambda: other.append(solver_process.current()))
        t.start()
        t.join()
    assert other == [None] and solver_process.current() is None


def test_a_plan_job_of_the_servers_runner_solves_in_a_child(tmp_path: Path,
                                                              bad_hersfeld_pbf: Path) -> None:
    """The whole job (import, plan, store) on a real list of Bad Hersfeld, run by the job
    runner as the server runs it: its solve happened in another process."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from tests.web_fixtures import CITY_PROFILE, START_ISO, run_jobs_now, write_web_client_list

    app = create_app(f"sqlite:///{tmp_path / 'j.sqlite'}", cities=[CITY_PROFILE],
                     run_jobs=False, plan_time_limit=1.0)
    store = app.state.web.store
    write_web_client_list(tmp_path / "kunden.csv", load_index(bad_hersfeld_pbf), n=12)
    casework_api.import_clients(store, app.state.web.profile("Bad Hersfeld"),
                                str(tmp_path / "kunden.csv"), "kora")
    jobs.submit(store, "plan", "Bad Hersfeld", {"start": START_ISO, "days": 2,
                                                "time_limit": 1.0, "profile": CITY_PROFILE},
                "kora")
    before = solver_process.shared().solves
    plan_id = run_jobs_now(store)[0]
    assert store.load_plan(plan_id).routes
    shared = solver_process.shared()
    assert shared.solves == before + 1
    assert shared.last_pid not in (None, os.getpid())
    assert solver_process.current() is None  # the runner's thread is back to solving here


def test_strg_c_in_the_terminal_leaves_the_child_to_the_server(r101, child) -> None:  # noqa: ANN001
    """Strg+C reaches the whole process group: the child ignores it (the server ends
    it), instead of dying with a traceback under the server's messages."""
    import signal

    child.solve(r101, time_limit=0.3, seed=1)
    pid = child.last_pid
    os.kill(pid, signal.SIGINT)
    time.sleep(0.5)
    child.solve(r101, time_limit=0.3, seed=1)
    assert child.last_pid == pid and child.solves == 2
