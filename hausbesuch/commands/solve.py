"""``hausbesuch solve``: solve a VROOM-compatible problem file, write VROOM's output."""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from geodata.cache import atomic_write, refuse_special_target
from hausbesuch.commands._common import count, progress_enabled, user_errors
from hausbesuch.errors import UserError

#: Option bounds, the same values as for ``plan`` (``hausbesuch.planning.options``; not
#: imported from there: that module loads the whole planner, which ``solve`` does not need;
#: tests/test_qa34_limits.py checks that they agree).
MIN_TIME_LIMIT_S = 0.1
MAX_TIME_LIMIT_S = 86_400
MAX_THREADS = 16
MAX_SEED = 2**32 - 1


def _check_options(out: Path | None, time_limit: float, seed: int | None,
                   threads: int | None) -> None:
    """German messages for option values the solver cannot take (before any work)."""
    if not (math.isfinite(time_limit) and MIN_TIME_LIMIT_S <= time_limit <= MAX_TIME_LIMIT_S):
        raise UserError(f"--time-limit: zwischen 0,1 und {MAX_TIME_LIMIT_S} Sekunden, "
                        f"erhalten {time_limit}.")
    if seed is not None and not 0 <= seed <= MAX_SEED:
        raise UserError(f"--seed: eine ganze Zahl von 0 bis {MAX_SEED}, erhalten {seed}.")
    if threads is not None and not 1 <= threads <= MAX_THREADS:
        raise UserError(f"--threads: zwischen 1 und {MAX_THREADS}, erhalten {threads}.")
    if out is not None and out.is_dir():
        raise UserError(f"--out: {out} ist ein Ordner; bitte einen Dateinamen angeben, "
                        f"z. B. {out / 'loesung.json'}.")
    if out is not None:  # a symbolic link, a FIFO, a device such as /dev/null
        refuse_special_target(out, "--out")


def _read_stdin() -> str:
    """The problem from standard input (``-``, as VROOM reads it without ``-i``), at most
    :data:`routing.vroom_json.MAX_INPUT_BYTES`."""
    from routing.vroom_json import read_input

    return read_input(sys.stdin.buffer, "Standardeingabe")


def _write_json(path: Path, data: dict) -> None:
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


def register(app: typer.Typer) -> None:
    @app.command("solve")
    @user_errors
    def solve_cmd(
        problem: Annotated[Path, typer.Argument(
            help="Problem als VROOM-JSON (mit 'matrices'); '-' liest die Standardeingabe.")],
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Lösung als VROOM-JSON; ohne: Standardausgabe."),
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", "-t", help="Rechenzeit in Sekunden (0,1 bis 86400).")
        ] = 10.0,
        seed: Annotated[
            int | None,
            typer.Option(
                "--seed",
                help="Startwert: gleiche Eingabe + Startwert + Rechenzeit = gleicher Plan.",
            ),
        ] = None,
        threads: Annotated[
            int | None, typer.Option("--threads", help="Parallele Suchprozesse (1 bis 16).")
        ] = None,
    ) -> None:
        """Touren planen: liest ein VROOM-Problem und schreibt VROOMs Lösungsformat."""
        from routing.errors import RoutingInputError
        from routing.solve import default_threads, solve
        from routing.vroom_json import load_problem, problem_from_text, solution_to_json

        _check_options(out, time_limit, seed, threads)
        t0 = time.monotonic()
        try:
            if str(problem) == "-":
                prob = problem_from_text(_read_stdin(), "Standardeingabe")
            else:
                prob = load_problem(problem)
        except RoutingInputError as exc:
            if out is not None:  # VROOM style: the code also goes into the output
                _write_json(out, {"code": exc.code, "error": str(exc)})
            raise
        loading_ms = int(1000 * (time.monotonic() - t0))
        show = progress_enabled()

        def progress(elapsed: float, objective: int) -> None:
            if show:
                typer.echo(f"  {elapsed:6.1f} s  Zielwert {objective}", err=True)

        from routing import prepare as warm_up
        from routing import ready

        if not ready():  # once per installation; not part of the time limit
            typer.echo("Optimierer wird einmalig übersetzt (ca. 20 s) ...", err=True)
        warm_up()  # else loads the compiled code (about 1 s), also off the clock
        sol = solve(
            prob,
            time_limit=time_limit,
            seed=seed,
            threads=threads or default_threads(),
            progress=progress,
        )
        result = solution_to_json(prob, sol, loading_ms=loading_ms)
        if out is None:
            typer.echo(json.dumps(result, ensure_ascii=False, allow_nan=False))
        else:
            _write_json(out, result)
        n = len(prob.visits)
        typer.echo(
            f"{n - len(sol.unassigned)} von {count(n, 'Job', 'Jobs')} eingeplant in "
            f"{count(len(sol.routes), 'Tour', 'Touren')}, "
            f"Fahrzeit gesamt {sol.travel} s, nicht eingeplant: {len(sol.unassigned)}.",
            err=True,
        )
