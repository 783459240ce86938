"""A large client list through ``hausbesuch import``: first import, re-import, changed list.

Writes an N-row list the way ``bench/large_list.py`` does (the real address points of the
Bad Hersfeld extract with fresh ids) and runs ``hausbesuch import`` as a subprocess (as a
coordinator runs it) into a fresh SQLite store three times:

- ``erst``: the first import (every row new: clients, status history, audit rows);
- ``wieder``: the same list again (every row compared with the store, nothing changes);
- ``geändert``: the list written with another seed (other contact dates and durations:
  nearly every row updated and audited).

The same is done for a ``--baseline`` list (default 5,000 rows) in the same run; the
script prints the wall-clock seconds of each step, and the ratio large / baseline next to
the ratio of the row counts (a ratio well below the row ratio is the fixed start-up cost:
imports, store, the geocoder index for the address check).

    python bench/import_list.py [--rows 50000] [--baseline 5000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.large_list import write_list  # noqa: E402

STEPS = ("erst", "wieder", "geändert")
#: the command's summary line: "N Zeilen aus …: a neu, b aktualisiert, c unverändert, d abgelehnt."
SUMMARY = re.compile(r"(\d+) neu, (\d+) aktualisiert, (\d+) unverändert, (\d+) abgelehnt")


def run_import(clients: Path, db: Path) -> tuple[float, str]:
    """Run ``hausbesuch import``; return (seconds, summary line). Raises on a failure."""
    cmd = [sys.executable, "-m", "hausbesuch", "import", str(clients),
           "--city", "bad-hersfeld", "--db", f"sqlite:///{db}"]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)})
    seconds = time.perf_counter() - t0
    if proc.returncode != 0:
        raise SystemExit(f"hausbesuch import {clients.name} failed (exit {proc.returncode}):\n"
                         f"{proc.stderr.strip()[-2000:]}")
    summary = next((line for line in proc.stdout.splitlines() if SUMMARY.search(line)), "")
    return seconds, summary


def measure(rows: int, base: Path) -> dict[str, tuple[float, str]]:
    """The three imports of an ``rows``-row list into a fresh store."""
    first, changed = base / f"kunden-{rows}.csv", base / f"kunden-{rows}-geaendert.csv"
    write_list(first, rows)
    write_list(changed, rows, seed=2)
    db = base / f"import-{rows}.db"
    db.unlink(missing_ok=True)
    lists = {"erst": first, "wieder": first, "geändert": changed}
    return {step: run_import(lists[step], db) for step in STEPS}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--baseline", type=int, default=5_000)
    ap.add_argument("--keep", type=Path, default=None, help="keep lists and stores here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hb-import-") as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        small, large = measure(args.baseline, base), measure(args.rows, base)
    for rows, res in ((args.baseline, small), (args.rows, large)):
        print(f"{rows:>7,} rows:")
        for step in STEPS:
            seconds, summary = res[step]
            counts = SUMMARY.search(summary)
            print(f"  {step:<9} {seconds:6.1f} s   "
                  f"(neu/aktualisiert/unverändert/abgelehnt: "
                  f"{'/'.join(counts.groups()) if counts else '?'})")
    print(f"ratio {args.rows:,} / {args.baseline:,} rows (rows ratio "
          f"{args.rows / args.baseline:.0f}x):")
    for step in STEPS:
        print(f"  {step:<9} {large[step][0] / small[step][0]:5.2f}x")


if __name__ == "__main__":
    main()
