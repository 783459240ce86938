"""The simulator's table (``bench/simulate.py report``) from made-up runs, no simulation:
QA 19f found that ``--arms modell`` (without the baseline ``ohne``) crashed after the whole
run, that the spread carried a sign and that one seed printed a spread of 0."""

from __future__ import annotations

import json

import pytest

from bench import simulate
from bench.simulate import ArmRun, WeekStats, report


def _run(arm: str, seed: int, contacts: int, travel_min: int) -> ArmRun:
    return ArmRun(arm, seed, [WeekStats(visits=100, contacts=contacts, travel_s=travel_min * 60,
                                        work_s=100 * 3600)])


def _rows(text: str) -> dict[str, list[str]]:
    return {cells[1].strip(): [c.strip() for c in cells[2:-1]]
            for cells in (line.split("|") for line in text.splitlines())
            if len(cells) > 3 and not cells[1].strip().startswith(("arm", "---"))}


def test_without_the_baseline_arm_the_ratios_say_dash() -> None:
    rows = _rows(report([_run("modell", 1, 40, 1300), _run("modell", 2, 30, 1200)]))
    assert list(rows) == ["with the at-home model"]
    assert rows["with the at-home model"][-2:] == ["–", "–"]
    assert rows["with the at-home model"][1] == "0.350 ± 0.071"


def test_spread_has_no_sign_and_the_baseline_row_says_zero() -> None:
    runs = [_run("modell", 1, 40, 1300), _run("ohne", 1, 40, 1250),
            _run("modell", 2, 33, 1300), _run("ohne", 2, 30, 1300),
            _run("zufall", 1, 20, 1800), _run("zufall", 2, 15, 1800)]
    rows = _rows(report(runs))
    assert rows["with the at-home model"][-2:] == ["+5.0 ± 7.1 %", "+2.0 ± 2.8 %"]
    assert rows["(a) same planner, model ignored"][-2:] == ["±0", "±0"]
    assert rows["(b) revisits at random times"][-2:] == ["-50.0 ± 0.0 %", "+41.2 ± 3.9 %"]


def test_one_seed_has_no_spread() -> None:
    rows = _rows(report([_run("modell", 1, 40, 1300), _run("ohne", 1, 38, 1250)]))
    assert rows["with the at-home model"] == ["100", "0.400 ± –", "0.400 ± –", "13.00 ± –",
                                              "+5.3 % ± –", "+4.0 % ± –"]


@pytest.mark.parametrize(("values", "shown"), [
    ([46.3], "+46.3 % ± –"),                 # one seed: the unit follows the mean
    ([-0.04, -0.05], "0.0 ± 0.0 %"),         # no negative zero
    ([0.04, 0.05], "0.0 ± 0.0 %"),           # nor a positive one
    ([-0.04], "0.0 % ± –"),
    ([-0.04, 0.03], "0.0 ± 0.0 %"),          # a spread that rounds to zero
    ([-1.0, -3.0], "-2.0 ± 1.4 %"),
    ([], "–")])
def test_the_ratio_cells(values, shown) -> None:
    """Review 19b #5: ``+46.3 ± – %`` put the unit after the dash, ``-0.0`` was printed."""
    assert simulate._ms(values, "{:+.1f}", " %") == shown


def test_plain_figures_have_no_negative_zero_either() -> None:
    assert simulate._ms([-0.0001, -0.0002]) == "0.000 ± 0.000"
    assert simulate._ms([-0.0001]) == "0.000 ± –"


def test_json_is_written_before_the_report(tmp_path, monkeypatch) -> None:
    """A long run's figures are on disk even when printing the table fails."""
    def broken(runs: list[ArmRun]) -> str:
        raise RuntimeError("report")

    monkeypatch.setattr(simulate, "town_setup", lambda town, n: (None, None, None))
    monkeypatch.setattr(simulate, "run_arm",
                        lambda arm, seed, args, places, base: _run(arm, seed, 40, 1300))
    monkeypatch.setattr(simulate, "report", broken)
    out = tmp_path / "sim.json"
    with pytest.raises(RuntimeError):
        simulate.main(["--arms", "modell", "--seeds", "2", "--out", str(tmp_path),
                       "--json", str(out)])
    assert [(r["arm"], r["seed"]) for r in json.loads(out.read_text())] == [("modell", 1),
                                                                           ("modell", 2)]


def test_an_arms_profile_takes_the_contact_minutes_given(tmp_path) -> None:
    """The README's tables were measured with 20 minutes per contact, the default before
    session 42 (now 60): ``--contact-minutes 20`` repeats them."""
    from bench.simulate import arm_profile
    from hausbesuch.config import load_profile

    given = load_profile(arm_profile("bad-hersfeld", "modell", tmp_path, 20.0))
    shipped = load_profile(arm_profile("bad-hersfeld", "aus", tmp_path))
    assert given.erreichbarkeit.contact_minutes == 20.0
    assert given.erreichbarkeit.mode == "modell"
    assert shipped.erreichbarkeit.contact_minutes == 60.0
