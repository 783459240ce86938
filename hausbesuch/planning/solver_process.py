"""Solve in a child process, so that a server that plans keeps answering.

OR-Tools holds Python's global interpreter lock while it searches: it lets other threads
run only when it calls back into Python (at a new solution, every second or two on a
week of a few hundred visits). A web server that ran a plan job's solver in one of its
own threads therefore stopped answering every page, the field workers' included, for
up to a few seconds at a time (``bench/web.py --during-plan`` measures it).

:class:`SolverProcess` runs :func:`routing.solve.solve` in a child process started with
``spawn`` (never ``fork``: the server has threads and open database connections) and
kept for the next solve, so that only the first solve of a server pays the child's start
(about a second: Python, OR-Tools and the compiled search). The parent waits without
holding the lock and reports the solver's seconds to ``progress`` as the solve in
process does. The child sees only the routing problem (case ids, matrices, times), no
database and no name.

:func:`solving_in` makes the planning workflow of the current thread solve there (the
web app's job runner uses it); without it the workflow solves in its own process, as the
command line does.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing as mp
import os
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FuturesTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any

log = logging.getLogger(__name__)

#: A child solves at most this many problems before a fresh one takes over (the memory
#: a long-running server's solver keeps is given back).
SOLVES_PER_CHILD = 25

#: Seconds between two progress reports while the child solves.
TICK_S = 0.5


def _child_ready() -> None:
    """In the child, at its start: load OR-Tools and the compiled search (or compile it
    once per installation), so that no solve's clock pays for it.

    Strg+C in the terminal reaches the whole process group, a service manager's SIGTERM
    (systemd) the whole control group: the child ignores both and leaves its end to the
    server, which ends it (:meth:`SolverProcess.close`) after marking its job as given
    up; otherwise the child died first, printed its traceback under the server's
    messages, and its job read as an internal error. A server that dies without closing
    it (killed, out of memory) takes the child with it (:func:`_end_with_parent`)."""
    import signal

    from routing import prepare

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _end_with_parent()
    prepare()


def _end_with_parent() -> None:
    """A thread of the child that ends it when the parent process is gone (its sentinel
    becomes ready). Without it an orphaned child solved on, then waited for work for
    ever, holding its memory and the server's output streams. (Linux's
    ``PR_SET_PDEATHSIG`` would follow the parent *thread* that started the child, a job
    thread that may end while the server lives.) While OR-Tools searches, the thread
    runs at its next call back into Python, a second or two later."""
    from multiprocessing.connection import wait

    parent = mp.parent_process()
    if parent is None:
        return

    def watch() -> None:
        wait([parent.sentinel])
        os._exit(0)

    threading.Thread(target=watch, name="hausbesuch-solver-parent", daemon=True).start()


def _ping() -> int:
    return os.getpid()


def _child_solve(problem: Any, kwargs: dict[str, Any]) -> tuple[Any, int]:
    from routing.solve import solve

    return solve(problem, **kwargs), os.getpid()


class _CannotStart(Exception):
    """The child process did not start (or not answer its first call)."""


class SolverProcess:
    """A child process (or ``workers`` of them) that runs :func:`routing.solve.solve`.

    Thread-safe: up to ``workers`` solves run at once, more wait for a free child.
    :meth:`close` ends the children (``kill``: also one that is solving)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self._lock = threading.Lock()
        self._pool: ProcessPoolExecutor | None = None
        self._cannot_start = False
        #: solves done here, and the process id of the child of the last one
        self.solves = 0
        self.last_pid: int | None = None

    def _executor(self) -> ProcessPoolExecutor:
        """The pool, started when there is none: its first child must answer a call
        (:class:`_CannotStart` otherwise), so that a child that dies later is told from
        one that never started."""
        with self._lock:
            if self._pool is None:
                pool = ProcessPoolExecutor(
                    max_workers=self.workers, mp_context=mp.get_context("spawn"),
                    initializer=_child_ready, max_tasks_per_child=SOLVES_PER_CHILD)
                try:
                    pool.submit(_ping).result()
                except BrokenProcessPool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    raise _CannotStart from None
                self._pool = pool
            return self._pool

    def pids(self) -> list[int]:
        """Process ids of the children alive now."""
        with self._lock:
            pool = self._pool
        procs = (getattr(pool, "_processes", None) or {}) if pool is not None else {}
        return [p.pid for p in list(procs.values()) if p.is_alive()]

    def solve(self, problem: Any, *, time_limit: float, seed: int | None = None,
              threads: int = 1, initial: Mapping[tuple[str, int], Sequence[str]] | None = None,
              progress: Callable[[float, int | None], None] | None = None) -> Any:
        """:func:`routing.solve.solve` in a child; ``progress(elapsed, None)`` every
        :data:`TICK_S` seconds while it runs (the parent does not see the solver's
        objective; an error of ``progress`` is logged, the solve goes on). An exception
        of the solver is raised here; a child that died (killed, out of memory, ended by
        :meth:`close`) raises :class:`RuntimeError`, and the next solve starts a new one.
        When a child cannot even start (e.g. a script that starts the server without
        ``if __name__ == "__main__":``, which ``spawn`` runs again), this object solves
        in this process from then on (logged as a warning)."""
        kwargs = {"time_limit": time_limit, "seed": seed, "threads": threads,
                  "initial": None if initial is None else {k: list(v) for k, v in initial.items()}}
        if not self._cannot_start:
            try:
                pool = self._executor()
            except _CannotStart:
                self._cannot_start = True
                log.warning("the solver's child process did not start; solving in this "
                            "process (pages may pause while it solves)")
        if self._cannot_start:
            from routing.solve import solve

            return solve(problem, progress=progress, **kwargs)
        t0 = time.monotonic()
        try:
            future = pool.submit(_child_solve, problem, kwargs)
            while True:
                try:
                    solution, pid = future.result(timeout=TICK_S)
                    break
                except FuturesTimeout:
                    if progress is not None:
                        try:
                            progress(time.monotonic() - t0, None)
                        except Exception:  # e.g. the job's row briefly locked
                            log.exception("solver progress could not be reported")
        except BrokenProcessPool:
            with self._lock:
                if self._pool is pool:
                    self._pool = None
            pool.shutdown(wait=False, cancel_futures=True)
            raise RuntimeError("the solver's child process ended before its solve") from None
        with self._lock:
            self.solves += 1
            self.last_pid = pid
        return solution

    def close(self, kill: bool = False) -> None:
        """End the children: once their solves (also those waiting) are done, or with
        ``kill`` at once (their callers get :class:`RuntimeError`). With ``kill`` this
        returns when the pool has ended and its queues are closed and released: their
        semaphores are unlinked now, not by an exit handler that a process ended by a
        signal never runs (Python's resource tracker then warned about them)."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is None:
            return
        if not kill:
            pool.shutdown(wait=False)
            return
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.kill()  # SIGKILL: the child ignores SIGTERM (see _child_ready)
        pool.shutdown(wait=True, cancel_futures=True)  # the children are gone: at once
        del pool
        gc.collect()  # the queues' semaphores are unlinked as they are collected


_shared: SolverProcess | None = None
_shared_lock = threading.Lock()


def shared(workers: int = 1) -> SolverProcess:
    """The process's :class:`SolverProcess` for at least ``workers`` solves at once (job
    runners of one server share its children; a larger ``workers`` replaces it)."""
    global _shared
    old = None
    with _shared_lock:
        if _shared is None or _shared.workers < workers:
            old, _shared = _shared, SolverProcess(workers)
        new = _shared
    if old is not None:
        old.close()  # its solves (running or waiting) finish first
    return new


def close_shared(kill: bool = False) -> None:
    """End the children of :func:`shared` (``kill``: also a solve in progress, whose
    caller then gets a :class:`RuntimeError`); the next :func:`shared` starts anew."""
    global _shared
    with _shared_lock:
        old, _shared = _shared, None
    if old is not None:
        old.close(kill=kill)


_here = threading.local()


@contextmanager
def solving_in(process: SolverProcess | None) -> Iterator[None]:
    """While the block runs, the planning workflow of this thread solves in ``process``
    (None: in this process)."""
    before = getattr(_here, "process", None)
    _here.process = process
    try:
        yield
    finally:
        _here.process = before


def current() -> SolverProcess | None:
    """The :class:`SolverProcess` the workflow of this thread solves in, if any."""
    return getattr(_here, "process", None)
