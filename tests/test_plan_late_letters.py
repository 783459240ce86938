"""QA 36 #3: a new plan whose first visits lie on or before the day the post brings a
letter written today says so when it is made, not only ``hausbesuch letters`` afterwards
(a week planned on Friday from Monday had 24 of 31 letters too late, and the coordinator
learnt it after printing them). The note counts the visits the letters would announce
(one per client, none for a time agreed at the door) per day; a plan whose days all lie
after that day and a profile without the check (``postlaufzeit_werktage = 0``) say
nothing of it. A re-plan drops the first version's note and makes its own, of the letters
written on its day, naming the case ids (session 38).

Real plans of Bad Hersfeld through the command line, the clock set to the day planned on.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from hausbesuch.config import load_profile
from hausbesuch.fields import format_day
from hausbesuch.letters import announcements
from hausbesuch.planning.report import (
    LATE_LETTER_NOTE,
    LATE_LETTER_REPLAN_NOTE,
    late_letter_note,
)
from hausbesuch.store import Store
from tests.cli_helpers import ClockedCli
from tests.web_fixtures import WEEK, write_web_client_list

FRIDAY = WEEK - timedelta(days=3)  # the Friday before the week planned (a working day)
CITY = "Bad Hersfeld"


@pytest.fixture(scope="module")
def clients(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path) -> Path:
    from geodata.geocode import load_index

    path = tmp_path_factory.mktemp("late") / "kunden.csv"
    write_web_client_list(path, load_index(bad_hersfeld_pbf), n=24)
    return path


def _plan(tmp_path: Path, clients: Path, today, days: int = 3) -> tuple[str, object, str]:  # noqa: ANN001
    """Plan the week from WEEK on ``today``: (output, the stored plan, the database)."""
    db = f"sqlite:///{tmp_path / 'p.sqlite'}"
    code, out = ClockedCli(today).invoke(
        "plan", str(clients), "--city", "bad-hersfeld", "--start", WEEK.isoformat(),
        "--days", str(days), "--out", str(tmp_path / "woche"), "--db", db,
        "--time-limit", "1", "--threads", "1")
    assert code == 0, out
    with Store.open(db) as store:
        plan = store.load_plan(store.latest_plan(CITY).id)
    return " ".join(out.split()), plan, db


def _late_notes(notes) -> list[str]:  # noqa: ANN001
    return [n for n in notes if n.startswith(LATE_LETTER_NOTE)]


def test_a_week_planned_on_friday_from_monday_names_the_letters_too_late(
        tmp_path: Path, clients: Path) -> None:
    """Dated Friday, the letters are in the letterbox on Tuesday (2 working days): the
    visits the letters would announce on Monday and Tuesday are counted per day, in the
    command's output and in the stored plan's notes (the web's plan page and index show
    them); later days' are not."""
    said, plan, _ = _plan(tmp_path, clients, FRIDAY)
    per_day = Counter(a.day for a in announcements(plan) if not a.appointment)
    late = {d: n for d, n in per_day.items() if d <= WEEK + timedelta(days=1)}
    assert late, per_day
    (note,) = _late_notes(plan.warnings)
    assert not [d for d in per_day if d not in late and format_day(d) in note], note
    days = "; ".join(f"{format_day(d)}: {n}" for d, n in sorted(late.items()))
    assert note == (
        f"Ankündigungsbriefe vom Tag des Plans ({format_day(FRIDAY)}) sind erst am "
        f"{format_day(WEEK + timedelta(days=1))}, im Briefkasten (Postlaufzeit 2 Werktage, im "
        "Profil [brief] postlaufzeit_werktage): für "
        f"{sum(late.values())} Besuche bis dahin ({days}) kommt ein Brief zu spät. Diese "
        "Besuche anders ankündigen (Telefon) oder den Plan an einem späteren Tag beginnen "
        "lassen."), note
    assert note in said
    assert note in " ".join((tmp_path / "woche" / "index.html").read_text(
        encoding="utf-8").split())


def test_no_note_when_the_letters_arrive_in_time_or_the_check_is_off(
        tmp_path: Path, clients: Path) -> None:
    """Planned a week ahead, every letter arrives before its visit: no note. The same
    plan judged with ``postlaufzeit_werktage = 0`` (no letters by post) and on the Friday
    before: none either; with 1 working day only Monday's visits are too late."""
    said, plan, _ = _plan(tmp_path, clients, WEEK - timedelta(days=7))
    assert not _late_notes(plan.warnings) and LATE_LETTER_NOTE not in said
    profile = load_profile("bad-hersfeld")
    assert late_letter_note(plan, profile, FRIDAY) is not None  # the same visits, Friday
    off = profile.model_copy(update={"brief": profile.brief.model_copy(
        update={"postlaufzeit_werktage": 0})})
    assert late_letter_note(plan, off, FRIDAY) is None
    one = profile.model_copy(update={"brief": profile.brief.model_copy(
        update={"postlaufzeit_werktage": 1})})
    note = late_letter_note(plan, one, FRIDAY)
    assert note is not None and "Postlaufzeit 1 Werktag," in note
    assert format_day(WEEK) in note and format_day(WEEK + timedelta(days=1)) not in \
        note.split("bis dahin", 1)[1], note


def test_a_replan_drops_the_note_of_the_first_version(tmp_path: Path, clients: Path) -> None:
    """The note is about letters written on the day the first version was made; a re-plan
    (whose letters ``letters`` judges by the date each carries) does not keep it. It makes
    its own of the letters written on its day: no letter was written for the first
    version, so every visit up to Tuesday is named, by case id."""
    _, plan, db = _plan(tmp_path, clients, FRIDAY)
    assert _late_notes(plan.warnings)
    code, out = ClockedCli(FRIDAY).invoke(
        "replan", plan.id, "--from", f"{WEEK.isoformat()} 06:00", "--out",
        str(tmp_path / "v2"), "--db", db, "--time-limit", "1", "--threads", "1")
    assert code == 0, out
    with Store.open(db) as store:
        v2 = store.load_plan(store.latest_plan(CITY).id)
    assert v2.version == 2 and not _late_notes(v2.warnings), v2.warnings
    assert not re.search(re.escape(LATE_LETTER_NOTE), " ".join(out.split()))
    late: dict = {}
    for a in announcements(v2):
        if not a.appointment and a.day <= WEEK + timedelta(days=1):
            late.setdefault(a.day, []).append(a.client_id)
    assert late, announcements(v2)
    (own,) = [n for n in v2.warnings if n.startswith(LATE_LETTER_REPLAN_NOTE)]
    named = "; ".join(f"{format_day(d)}: {', '.join(sorted(ids))}"
                      for d, ids in sorted(late.items()))
    n = sum(len(ids) for ids in late.values())
    assert f"für {n} Besuch{'' if n == 1 else 'e'} bis dahin, " in own, own
    assert f"kommt ein Brief zu spät ({named})." in own, own
    assert own in " ".join(out.split())
