"""``hausbesuch solve``: solve a VROOM-compatible problem file, write VROOM's output."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from geodata.cache import atomic_write
from hausbesuch.commands._common import count, progress_enabled, user_errors
from routing.errors import RoutingInputError


def _write_json(path: Path, data: dict) -> None:
    with atomic_write(path, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.write("\n")


def register(app: typer.Typer) -> None:
    @app.command("solve")
    @user_errors
    def solve_cmd(
        problem: Annotated[Path, typer.Argument(help="Problem als VROOM-JSON (mit 'matrices').")],
        out: Annotated[
            Path | None,
            typer.Option("--out", "-o", help="Lösung als VROOM-JSON; ohne: Standardausgabe."),
        ] = None,
        time_limit: Annotated[
            float, typer.Option("--time-limit", "-t", min=0.1, help="Rechenzeit in Sekunden.")
        ] = 10.0,
        seed: Annotated[
            int | None,
            typer.Option(
                "--seed",
                help="Startwert: gleiche Eingabe + Startwert + Rechenzeit = gleicher Plan.",
            ),
        ] = None,
        threads: Annotated[
            int | None, typer.Option("--threads", min=1, help="Parallele Suchprozesse.")
        ] = None,
    ) -> None:
        """Touren planen: liest ein VROOM-Problem und schreibt VROOMs Lösungsformat."""
        from routing.solve import default_threads, solve
        from routing.vroom_json import load_problem, solution_to_json

        t0 = time.monotonic()
        try:
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
            typer.echo(json.dumps(result, ensure_ascii=False))
        else:
            _write_json(out, result)
        n = len(prob.visits)
        typer.echo(
            f"{n - len(sol.unassigned)} von {count(n, 'Besuch', 'Besuchen')} eingeplant in "
            f"{count(len(sol.routes), 'Tour', 'Touren')}, "
            f"Fahrzeit gesamt {sol.travel} s, nicht eingeplant: {len(sol.unassigned)}.",
            err=True,
        )
