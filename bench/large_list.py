"""A 50,000-row client list through ``hausbesuch plan``: peak memory and time.

The list repeats the real address points of the Bad Hersfeld extract with fresh ids
(written as people type them, with a spread of contact dates so that priorities differ),
runs ``hausbesuch plan`` as a subprocess (as a coordinator runs it) and prints the peak
resident memory of the child with its solver workers (sampled from /proc, and at least
``getrusage(RUSAGE_CHILDREN)``), the wall-clock time, and
how the rows were accounted for. The target (issue: hardening) is a plan, or a German
refusal, in under 4 GB and without a traceback.

    python bench/large_list.py [--rows 50000] [--time-limit 10] [--keep DIR]

For comparison the same run is repeated with a list of ``--baseline`` rows (default 500):
the ratio of the two peaks shows what the list size itself costs.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))
PBF = SHARED / "osm" / "bad-hersfeld_2021-10-27.osm.pbf"
HEADER = ["Kundennummer", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Besuchsdauer"]


def write_list(path: Path, rows: int, seed: int = 1) -> None:
    from geodata.geocode import load_index
    from hausbesuch.demo import real_addresses

    addresses = real_addresses(load_index(PBF))
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        for i in range(rows):
            street, hn, pc, town = addresses[i % len(addresses)]
            w.writerow([f"K-{i:06d}", street, hn, pc if i % 3 else "", town or "Bad Hersfeld",
                        f"{1 + i % 28:02d}.{1 + rng.randrange(12):02d}.{2019 + rng.randrange(7)}",
                        rng.choice(["", "", "30", "60"])])


def _tree_rss_kb(root: int) -> int:
    """Resident memory (kB) of ``root`` and all its descendants, from /proc."""
    parent: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                fields = fh.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{entry}/statm", encoding="ascii") as fh:
                pages = int(fh.read().split()[1])
        except (OSError, IndexError, ValueError):
            continue
        parent[int(entry)] = int(fields[1])
        rss[int(entry)] = pages * (os.sysconf("SC_PAGE_SIZE") // 1024)
    tree, todo = set(), [root]
    while todo:
        pid = todo.pop()
        tree.add(pid)
        todo += [c for c, p in parent.items() if p == pid and c not in tree]
    return sum(rss.get(p, 0) for p in tree)


def run_plan(clients: Path, out: Path, db: Path, time_limit: float
             ) -> tuple[int, float, int, str, str]:
    """Run the plan command; return (exit code, seconds, peak tree RSS in kB, stdout, stderr).

    The peak is the largest sum over the process and its solver workers, sampled every
    0.1 s (``getrusage`` alone reports the largest single process)."""
    cmd = [sys.executable, "-m", "hausbesuch", "plan", str(clients), "--city", "bad-hersfeld",
           "--start", "2026-12-07", "--days", "5", "--time-limit", str(time_limit),
           "--out", str(out), "--db", f"sqlite:///{db}"]
    t0 = time.perf_counter()
    with tempfile.TemporaryFile("w+") as so, tempfile.TemporaryFile("w+") as se:
        proc = subprocess.Popen(cmd, stdout=so, stderr=se, text=True,
                                env={**os.environ, "PYTHONPATH": str(REPO)})
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            time.sleep(0.1)
        so.seek(0)
        se.seek(0)
        return proc.returncode, time.perf_counter() - t0, peak, so.read(), se.read()


def measure(rows: int, base: Path, time_limit: float) -> dict[str, object]:
    """One run in a fresh child process: peak = the larger of the sampled process tree and
    getrusage's largest child so far (so runs go from small to large)."""
    clients = base / f"kunden-{rows}.csv"
    write_list(clients, rows)
    code, seconds, tree_kb, out, err = run_plan(clients, base / f"plan-{rows}",
                                                base / f"p-{rows}.db", time_limit)
    peak_kb = max(tree_kb, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    status: Counter[str] = Counter()
    report = base / f"plan-{rows}" / "report.csv"
    if report.exists():
        with report.open(encoding="utf-8-sig", newline="") as fh:
            status.update(r["status"] for r in csv.DictReader(fh, delimiter=";"))
    return {"rows": rows, "exit": code, "seconds": seconds, "peak_mb": peak_kb / 1024,
            "traceback": "Traceback" in err, "status": dict(status),
            "summary": out.strip().splitlines()[:1], "stderr": err.strip()[-500:]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--baseline", type=int, default=500)
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--keep", type=Path, default=None, help="keep lists and plans here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="hb-large-") as tmp:
        base = args.keep or Path(tmp)
        base.mkdir(parents=True, exist_ok=True)
        results = [measure(n, base, args.time_limit) for n in (args.baseline, args.rows)]
    for r in results:
        print(f"{r['rows']:>7} rows: exit {r['exit']}, {r['seconds']:.1f} s, peak RSS "
              f"{r['peak_mb']:.0f} MB, traceback: {r['traceback']}, report: {r['status']}")
        if r["exit"] != 0:
            print("   stderr:", r["stderr"])
        else:
            print("  ", *r["summary"])
    small, large = results
    print(f"peak ratio {large['rows']:,} / {small['rows']:,} rows: "
          f"{large['peak_mb'] / small['peak_mb']:.2f}x "
          f"(rows ratio {large['rows'] / small['rows']:.0f}x); target: under 4,096 MB: "
          f"{'met' if large['peak_mb'] < 4096 and not large['traceback'] else 'NOT met'}")


if __name__ == "__main__":
    main()
