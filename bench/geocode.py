"""Geocoder benchmark: index build time, cached load time and rows/s warm, per extract.

Run: ``nice python bench/geocode.py [--per-address 3]``. Prints, for both real extracts,
the index build time (cold, no cache), the load time from the disk cache, the rows/s of
geocoding a typed test set with a warm index (unique strings: no result memo; wall and
CPU time, since the machine may be shared) and of a list with repeated addresses, and the
ratio against a baseline measured in the same run: parsing the same strings only (the
lower bound of any geocoder that parses its input). It also prints the accuracy numbers
of ``bench/RESULTS-geocode.md``.

Parsing and geocoding are timed ``--repeats`` times each (default 7), alternately and in
alternating order, and the medians are printed: one pass of a few thousand rows takes
0.1–0.5 s, and on the shared machine a single pair of passes gave geocode/parse ratios
from 1.9 to 3.4 for the same code. The ratio printed is the median of the per-repeat
ratios, with their range and the absolute microseconds per row.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from geodata import addresses  # noqa: E402
from geodata.geocode import AddressIndex, load_index  # noqa: E402
from tests.geocode_testset import (  # noqa: E402
    distance_m,
    nonexistent_cases,
    read_osm_addresses,
    read_street_names,
    typed_cases,
)

SHARED = Path(os.environ.get("HAUSBESUCH_SHARED_DATA", REPO.parent / "shared" / "data"))
EXTRACTS = {
    "bad-hersfeld": (SHARED / "osm" / "bad-hersfeld_2021-10-27.osm.pbf", ("34117", "Kassel")),
    "lauf": (SHARED / "osm" / "lauf-an-der-pegnitz_2020-01-15.osm.pbf", ("36251", "Bad Hersfeld")),
}


def _timed(fn, *args):  # type: ignore[no-untyped-def]
    w, c = time.perf_counter(), time.process_time()
    out = fn(*args)
    return out, time.perf_counter() - w, time.process_time() - c


def _parse_pass(texts):  # type: ignore[no-untyped-def]
    """Parse every string once, no result kept from before (the baseline)."""
    addresses.parse_address.cache_clear()
    return _timed(lambda: [addresses.parse_address(t) for t in texts])


def _geocode_pass(idx, texts):  # type: ignore[no-untyped-def]
    """Geocode every string once, neither parse nor result memo kept from before."""
    addresses.parse_address.cache_clear()
    idx._memo.clear()
    return _timed(idx.geocode_many, texts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--per-address", type=int, default=3)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    os.environ.setdefault("HAUSBESUCH_CACHE_DIR", tempfile.mkdtemp(prefix="hb-bench-geocode-"))
    for name, (path, other) in EXTRACTS.items():
        _, build_w, build_c = _timed(AddressIndex.build, path)
        idx = load_index(path, rebuild=True)  # writes the cache
        from geodata import geocode as gmod

        gmod._LOADED.clear()
        idx, load_w, _ = _timed(load_index, path)
        addrs = read_osm_addresses(path)
        names = read_street_names(path)
        cases = typed_cases(addrs, per_address=args.per_address, seed=7, street_names=names)
        texts = [c.text for c in cases]

        base_ws, base_cs, geo_ws, geo_cs = [], [], [], []
        for r in range(max(1, args.repeats)):
            if r % 2 == 0:
                _, base_w, base_c = _parse_pass(texts)
                results, geo_w, geo_c = _geocode_pass(idx, texts)
            else:
                results, geo_w, geo_c = _geocode_pass(idx, texts)
                _, base_w, base_c = _parse_pass(texts)
            base_ws.append(base_w)
            base_cs.append(base_c)
            geo_ws.append(geo_w)
            geo_cs.append(geo_c)
        ratios = [g / b for g, b in zip(geo_cs, base_cs, strict=True)]
        med = statistics.median
        base_w, base_c, geo_w, geo_c = med(base_ws), med(base_cs), med(geo_ws), med(geo_cs)
        repeated = texts * 3
        _, rep_w, rep_c = _timed(idx.geocode_many, repeated)

        ok = Counter()
        tot = Counter()
        for c, r in zip(cases, results, strict=True):
            tot[c.variant] += 1
            if r.quality == "exact" and distance_m(c.truth, r.lon, r.lat) <= 40:
                ok[c.variant] += 1
        quality = Counter(r.quality for r in results)
        bad = nonexistent_cases(addrs, other_city=other, n=300,
                                street_names=names)
        bad_res = [idx.geocode(c.text) for c in bad]
        bad_exact = Counter(c.variant.split("_")[0] for c, r in zip(bad, bad_res, strict=True)
                            if r.quality == "exact")
        bad_q = Counter((c.variant.rsplit("_", 1)[0] if c.variant.startswith("other") else
                         c.variant, r.quality) for c, r in zip(bad, bad_res, strict=True))

        n = len(texts)
        print(f"== {name}: {idx.stats['addresses']} address objects, {idx.stats['streets']} streets,"
              f" {idx.stats['interpolation_ways']} interpolation ways")
        print(f"index build (cold): {build_w:.2f} s wall, {build_c:.2f} s CPU; "
              f"cached load: {load_w * 1000:.0f} ms")
        print(f"geocode warm, {n} unique rows: {n / geo_w:,.0f} rows/s wall, "
              f"{n / geo_c:,.0f} rows/s CPU (median of {len(ratios)} passes)")
        print(f"geocode warm, {len(repeated)} repeated rows: {len(repeated) / rep_w:,.0f} rows/s wall,"
              f" {len(repeated) / rep_c:,.0f} rows/s CPU")
        print(f"baseline (parse only): {n / base_w:,.0f} rows/s wall, {n / base_c:,.0f} rows/s CPU;"
              f" geocode/parse time ratio {med(ratios):.2f} (median of {len(ratios)},"
              f" range {min(ratios):.2f}-{max(ratios):.2f}; CPU per row: parse"
              f" {base_c / n * 1e6:.1f} µs, geocode {geo_c / n * 1e6:.1f} µs)")
        rate = sum(ok.values()) / n
        print(f"typed real addresses: {sum(ok.values())}/{n} = {rate:.2%} exact within 40 m;"
              f" qualities {dict(quality)}")
        for v in sorted(tot):
            print(f"   {v:12s} {ok[v]:5d}/{tot[v]:5d} = {ok[v] / tot[v]:.1%}")
        letter = [(c, r) for c, r in zip(cases, results, strict=True) if c.variant == "typo_letter"]
        offered = sum(1 for c, r in letter if r.quality == "unresolved" and r.suggestions
                      and r.suggestions[0].startswith(f"{c.truth.street} {c.truth.housenumber}"))
        print(f"   typo_letter not exact but offered as suggestion 1: {offered}/{len(letter)}")
        print(f"nonexistent addresses: {len(bad)}, exact: {sum(bad_exact.values())}; "
              f"{dict(sorted(bad_q.items()))}")


if __name__ == "__main__":
    main()
