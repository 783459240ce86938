"""Cold build vs warm (cached) load of the street networks of both shared extracts.

Prints, per extract and mode, the cold build time, the warm load time and their
ratio, measured in the same run (a fresh temporary cache directory, so "cold"
is really cold). Run: ``python bench/network.py [--repeat 5]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DATA = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data")) / "osm"
EXTRACTS = {
    "bad-hersfeld": DATA / "bad-hersfeld_2021-10-27.osm.pbf",
    "lauf": DATA / "lauf-an-der-pegnitz_2020-01-15.osm.pbf",
}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=5, help="warm loads per case (median is used)")
    ap.add_argument("--modes", default="walk,bike,drive")
    args = ap.parse_args()
    missing = [str(p) for p in EXTRACTS.values() if not p.exists()]
    if missing:
        print(f"shared data missing: {missing}", file=sys.stderr)
        return 1
    os.environ["HAUSBESUCH_CACHE_DIR"] = tempfile.mkdtemp(prefix="hausbesuch-bench-")
    from geodata import cache
    from geodata.network import load_network

    print(f"{'extract':<14}{'mode':<7}{'nodes':>7}{'cold s':>9}{'warm s':>9}{'ratio':>8}")
    ratios = []
    for name, path in EXTRACTS.items():
        for mode in args.modes.split(","):
            cache._digest_memo.clear()
            t0 = time.perf_counter()
            net = load_network(path, mode)
            cold = time.perf_counter() - t0
            assert net.cache == "miss"
            warm_times = []
            for _ in range(args.repeat):
                cache._digest_memo.clear()  # a warm load in a new process hashes the file again
                t0 = time.perf_counter()
                again = load_network(path, mode)
                warm_times.append(time.perf_counter() - t0)
                assert again.cache == "hit"
            warm = statistics.median(warm_times)
            ratios.append(cold / warm)
            print(f"{name:<14}{mode:<7}{net.n_nodes:>7}{cold:>9.3f}{warm:>9.4f}{cold / warm:>8.1f}")
    print(f"minimum cold/warm ratio: {min(ratios):.1f} (target >= 20)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
