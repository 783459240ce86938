"""The at-home learning bench runs end to end on the real town (a small smoke run)."""

from __future__ import annotations


def test_learning_bench_prints_every_arm(capsys, bad_hersfeld_pbf) -> None:
    from bench.athome_learning import ARMS, main

    main(["--seeds", "1", "--weeks", "1", "--clients", "30", "--new-per-week", "5",
          "--visits", "20", "--per-family", "20"])
    out = capsys.readouterr().out
    rows = [line.split("|") for line in out.splitlines() if line.startswith("| 1 |")]
    assert [r[2].strip() for r in rows] == list(ARMS)
    errors = {r[2].strip(): float(r[3].split("±")[0]) for r in rows}
    assert errors["wahrheit"] == 0.0 and 0.0 < errors["modell"] < 0.5
