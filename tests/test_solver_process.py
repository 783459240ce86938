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


@pytest.mark.slow  # two solver children started, one killed mid-solve (~16 s)
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


@pytest.mark.slow  # a solver child signalled, then solving again (~6 s)
def test_strg_c_and_sigterm_to_the_group_leave_the_child_to_the_server(r101, child) -> None:  # noqa: ANN001
    """Strg+C reaches the whole process group, a service manager's SIGTERM the whole
    control group: the child ignores both (the server ends it after marking its job),
    instead of dying with a traceback and failing its job as an internal error."""
    import signal

    child.solve(r101, time_limit=0.3, seed=1)
    pid = child.last_pid
    os.kill(pid, signal.SIGINT)
    os.kill(pid, signal.SIGTERM)
    time.sleep(0.5)
    child.solve(r101, time_limit=0.3, seed=1)
    assert child.last_pid == pid and child.solves == 2


@pytest.mark.slow  # a solver child started and killed (~6 s)
def test_a_child_that_dies_in_its_first_solve_is_not_solved_again_here(r101, child) -> None:  # noqa: ANN001
    """Only a child that never started makes the solve run in this process; one that
    died while solving (killed, out of memory) fails its solve, as any later one."""
    import signal

    def kill_when_up() -> None:
        deadline = time.monotonic() + 60
        while not child.pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        for pid in child.pids():
            os.kill(pid, signal.SIGKILL)

    threading.Thread(target=kill_when_up, daemon=True).start()
    with pytest.raises(RuntimeError, match="child process ended"):
        child.solve(r101, time_limit=30, seed=None)
    assert child.solves == 0


ORPHAN = """
import os, signal, sys
from routing import solomon
from hausbesuch.planning.solver_process import SolverProcess

if __name__ == "__main__":
    problem = solomon.load(sys.argv[1])[1]
    child = SolverProcess()
    child.solve(problem, time_limit=0.3, seed=1)
    print(child.last_pid, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)  # the server killed: no close, no exit hooks
"""

UNGUARDED = """
import sys
from routing import solomon
from hausbesuch.planning.solver_process import SolverProcess

problem = solomon.load(sys.argv[1])[1]
child = SolverProcess()
solution = child.solve(problem, time_limit=0.3, seed=1)
print("geplant", len(solution.routes), child.solves, flush=True)
"""


def _run_script(tmp_path: Path, name: str, text: str, shared_data: Path):  # noqa: ANN202
    import subprocess
    import sys

    script = tmp_path / name
    script.write_text(text)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    return subprocess.run([sys.executable, str(script),
                           str(shared_data / "vrp" / "solomon" / "R101.txt")],
                          capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow  # a Python process and its solver child, killed (~9 s)
def test_the_child_ends_with_a_killed_server(tmp_path: Path, shared_data: Path) -> None:
    done = _run_script(tmp_path, "orphan.py", ORPHAN, shared_data)
    pid = int(done.stdout.split()[0])
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.1)
    os.kill(pid, 9)
    raise AssertionError(f"the solver's child {pid} outlived its killed parent")


@pytest.mark.slow  # a Python process whose solver child fails to start (~11 s)
def test_a_script_without_main_guard_solves_in_its_own_process(tmp_path: Path,
                                                               shared_data: Path) -> None:
    """``spawn`` runs the main script again in the child; a script that starts the
    solve unguarded makes the child fail at its start: the solve runs in the process,
    with a warning, instead of failing."""
    done = _run_script(tmp_path, "unguarded.py", UNGUARDED, shared_data)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1].startswith("geplant ")
    assert done.stdout.strip().splitlines()[-1].endswith(" 0")  # no solve in a child
    assert "did not start; solving in this process" in done.stderr


def test_a_stopped_runner_ends_the_solve_of_its_given_up_job(tmp_path: Path,
                                                             bad_hersfeld_pbf: Path) -> None:
    """The server stops while a job solves (60 s limit): the job is marked given up at
    once and its solve ends with it, the child killed, not solved to its end."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from tests.web_fixtures import CITY_PROFILE, START_ISO, write_web_client_list

    app = create_app(f"sqlite:///{tmp_path / 'j.sqlite'}", cities=[CITY_PROFILE],
                     run_jobs=False)
    store = app.state.web.store
    write_web_client_list(tmp_path / "kunden.csv", load_index(bad_hersfeld_pbf), n=30)
    casework_api.import_clients(store, app.state.web.profile("Bad Hersfeld"),
                                str(tmp_path / "kunden.csv"), "kora")
    job_id = jobs.submit(store, "plan", "Bad Hersfeld",
                         {"start": START_ISO, "days": 5, "time_limit": 60.0,
                          "profile": CITY_PROFILE}, "kora")
    runner = jobs.JobRunner(store, poll=0.05)
    runner.start()
    deadline = time.monotonic() + 120
    while not (jobs.get(store, job_id).stage or "").startswith("Touren optimieren ("):
        assert time.monotonic() < deadline, jobs.get(store, job_id)
        time.sleep(0.1)
    pids = solver_process.shared().pids()
    assert pids
    t0 = time.monotonic()
    runner.stop(timeout=0.2)
    job = jobs.get(store, job_id)
    assert job.status == "fehlgeschlagen" and job.error == jobs.ABANDONED, job
    while runner._running:
        assert time.monotonic() - t0 < 30, "the given-up job's solve ran on"
        time.sleep(0.05)
    for pid in pids:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
    assert jobs.get(store, job_id).error == jobs.ABANDONED


@pytest.mark.slow  # `serve` with a plan job in its solver child, twice (~15 s each)
@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT"])
def test_serve_stopped_after_a_plan_job_leaves_no_semaphore_behind(
        tmp_path: Path, bad_hersfeld_pbf: Path, stop: str) -> None:
    """QA 25 (web): ``serve`` stopped by a signal after a plan job printed Python's warning
    „There appear to be 5 leaked semaphore objects“: uvicorn raises the signal again once
    it has shut down, the process ended before ``serve``'s own cleanup, and the queues of
    the solver's pool were never released. The real command, stopped as Strg+C and a
    service manager stop it: no warning, and the child is gone."""
    import signal
    import socket
    import subprocess
    import sys

    from geodata.geocode import load_index
    from hausbesuch.store import Store
    from hausbesuch.web import casework_api, jobs
    from hausbesuch.web.app import create_app
    from tests.web_fixtures import CITY_PROFILE, START_ISO, write_web_client_list

    db = f"sqlite:///{tmp_path / 'j.sqlite'}"
    app = create_app(db, cities=[CITY_PROFILE], run_jobs=False)
    store = app.state.web.store
    write_web_client_list(tmp_path / "kunden.csv", load_index(bad_hersfeld_pbf), n=12)
    casework_api.import_clients(store, app.state.web.profile("Bad Hersfeld"),
                                str(tmp_path / "kunden.csv"), "kora")
    job_id = jobs.submit(store, "plan", "Bad Hersfeld", {
        "start": START_ISO, "days": 2, "time_limit": 1.0, "profile": CITY_PROFILE}, "kora")
    store.close()
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen(
        [sys.executable, "-m", "hausbesuch", "serve", "--db", db, "--city", CITY_PROFILE,
         "--host", "127.0.0.1", "--port", str(port)],
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONUNBUFFERED": "1"},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        with Store.open(db) as watch:
            while (job := jobs.get(watch, job_id)).active:
                assert proc.poll() is None, proc.communicate()
                assert time.monotonic() < deadline, job
                time.sleep(0.3)
        assert job.status == "fertig", job.error
        children = [int(p) for task in Path(f"/proc/{proc.pid}/task").iterdir()
                    for p in (task / "children").read_text().split()]
        assert children  # the solver's child (and the resource tracker)
        proc.send_signal(getattr(signal, stop))
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "leaked semaphore" not in err, err
    assert "Traceback" not in err, err
    for pid in children:
        deadline = time.monotonic() + 10
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not Path(f"/proc/{pid}").exists(), f"process {pid} outlived the server"
