"""A re-plan's notes name every announced visit it gives up or moves out of its window,
with what to do, and the handed-out day links whose team-day it leaves without visits
(QA 38 F6, F4).

QA 38 F6: a web *Neu planen* (a team taken out, an absence entered meanwhile) dropped
seven visits announced by letter for the next day; the plan's *Hinweise* said nothing of
correction letters or phoning (only an announcement moved by a pin was ever named there).
QA 38 F4: a re-plan that left a team-day without visits said nothing of the team's day
link handed out.

Set-up, over the web on a small Bad Hersfeld list, as the coordinator works: the week is
planned, its letters written on the Sunday before (``HAUSBESUCH_HEUTE``: they reach the
clients on the Tuesday), day links handed out; then both teams are entered absent on the
Thursday of the week, and *Neu planen* with *Team abmelden* team-1 (from the Monday's
start: the week lies ahead). The Monday visits the re-plan gives up are to be phoned (a
correction letter written today arrives on the Tuesday), the Thursday ones get a
correction letter. The notes are the plan's stored ones: the web page shows them in its words, the
command line (``show``, ``replan``) with its command.
"""

from __future__ import annotations

import csv
import html
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from hausbesuch import clock
from hausbesuch.fields import format_day
from tests.web_fixtures import WEEK, bare_app, csrf_of, live_server, logged_in, run_jobs_now
from tests.web_helpers import plan_week

pytestmark = pytest.mark.slow  # two plan jobs, a letter run, a live server

CITY = "Bad Hersfeld"
MONDAY = WEEK
WEDNESDAY = WEEK + timedelta(days=2)
THURSDAY = WEEK + timedelta(days=3)
#: the letters' day and the re-plan's: the Sunday before the week (the post brings a
#: letter of that day on the Tuesday: 2 working days, the profile's default; the week has
#: no holiday, the days before it may have)
TODAY = WEEK - timedelta(days=1)
ARRIVES = WEEK + timedelta(days=1)
MONDAY_ONLY = 12  # more than one team manages: both teams have Monday visits, and more
#: than team-2 alone can do (team-1 taken out gives up announced Monday visits)
THURSDAY_ONLY = 4
FREE = 2


def _write_list(path: Path, index) -> None:  # noqa: ANN001
    from hausbesuch.demo import real_addresses

    rng = random.Random(38)
    addrs = rng.sample(real_addresses(index, (9.7075, 50.8683), at_least=80),
                       MONDAY_ONLY + THURSDAY_ONLY + FREE)
    rows = [*[(f"A-MO{i:02d}", "Mo 8-16") for i in range(MONDAY_ONLY)],
            *[(f"A-DO{i}", "Do 8-16") for i in range(THURSDAY_ONLY)],
            *[(f"A-FREI{i}", "") for i in range(FREE)]]
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Zeitfenster"])
        for k, ((cid, window), (street, hn, pc, town)) in enumerate(
                zip(rows, addrs, strict=True)):
            w.writerow([cid, f"Geheimname {k:03d}", street, hn, pc, town or CITY, window])


@dataclass
class Replanned:
    store: object
    first: object  # the planned week (Plan)
    new: object  # the re-plan (Plan)
    promised: dict  # case id -> (start, end) its letter announced
    page: str  # the re-plan's web page
    linked: dict  # what each day link was made for: name -> (team, day)
    moved: str  # the case whose announced Monday visit was pinned to the Wednesday


def _notes(page: str) -> list[str]:
    """The items of the plan page's „Hinweise“."""
    m = re.search(r'<section class="card" id="hinweise"[^>]*>(.*?)</section>', page, re.S)
    return [html.unescape(" ".join(li.split()))
            for li in re.findall(r"<li>(.*?)</li>", m.group(1), re.S)] if m else []


@pytest.fixture(scope="module")
def replanned(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
              ) -> Iterator[Replanned]:
    from geodata.geocode import load_index
    from hausbesuch import absences
    from hausbesuch.letters import run_letters
    from hausbesuch.web import casework_api, links

    tmp = tmp_path_factory.mktemp("replan-announced")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clock.ENV, TODAY.isoformat())
        app = bare_app(tmp, plan_time_limit=2.0)
        store = app.state.web.store
        profile = app.state.web.profile(CITY)
        _write_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf))
        plan_id = plan_week(app, tmp / "liste.csv")
        first = store.load_plan(plan_id)
        run = run_letters(store, first, profile, tmp / "briefe", actor="kora")
        promised = {a.client_id: a.window for a in run.announcements}
        days = {(r.team_id, r.day) for r in first.routes if r.stops}
        assert {("team-1", MONDAY), ("team-2", MONDAY)} <= days, days
        thursday_team = next(t for t, d in sorted(days) if d == THURSDAY)
        linked = {}
        for name, (team, day) in {"t1-mo-a": ("team-1", MONDAY), "t1-mo-b": ("team-1", MONDAY),
                                  "t2-mo": ("team-2", MONDAY),
                                  "do-revoked": (thursday_team, THURSDAY)}.items():
            token, _ = links.create_link(store, plan_id, team, day, actor="kora")
            linked[name] = (team, day)
            if name == "do-revoked":
                links.revoke(store, token[:links.PREFIX_LEN], actor="kora")
        # an announced Monday visit of team-2 pinned to its Wednesday (agreed on the phone)
        moved = next(s.client_id for r in first.routes if (r.team_id, r.day) == (
            "team-2", MONDAY) for s in r.stops if s.client_id in promised)
        casework_api.pin_visit(store, CITY, "kora", moved, plan_id, team="team-2",
                               day=WEDNESDAY, minutes=10 * 60, plan=first, profile=profile)
        for team in ("team-1", "team-2"):
            absences.add(store, CITY, team, THURSDAY, teams=["team-1", "team-2"],
                         actor="bernd")
        with live_server(app) as live, logged_in(live.url, "kora") as kora:
            page = kora.get(f"/plaene/{plan_id}").text
            r = kora.post(f"/plaene/{plan_id}/neu-planen",
                          data={"csrf_token": csrf_of(page), "team_abmelden": "team-1"})
            assert r.status_code == 303, r.text
            (new_id,) = run_jobs_now(store)
            page = kora.get(f"/plaene/{new_id}").text
        yield Replanned(store, first, store.load_plan(new_id), promised, page, linked, moved)


def _kept_in_window(plan, cid: str, window) -> bool:  # noqa: ANN001
    return any(window[0] <= s.start <= window[1]
               for r in plan.routes for s in r.stops if s.client_id == cid)


def _visits(n: int) -> str:
    return f"{n} angekündigte{'r Besuch ist' if n == 1 else ' Besuche sind'}"


def _listed(note: str) -> set[str]:
    return set(re.findall(r"(A-\w+) \(\w\w, \d\d\.\d\d\.\d{4}, \d\d:\d\d–\d\d:\d\d Uhr\)", note))


def test_every_announced_visit_given_up_is_named_with_a_call_or_a_letter(
        replanned: Replanned) -> None:
    """Every announced visit the re-plan no longer holds in its window is named once, by
    case id with its announced day and window: those of the Monday (before a correction
    letter written today arrives) with „bitte anrufen und absagen“, those of the
    Thursday with the correction letters to write. On the web without the command line,
    in the command line's notes (``show``, ``replan``) with it; no name."""
    from hausbesuch.planning.report import plan_notes

    new = replanned.new
    off = {cid for cid, w in replanned.promised.items() if not _kept_in_window(new, cid, w)}
    monday = {cid for cid in off if replanned.promised[cid][0].date() == MONDAY}
    thursday = {cid for cid in off if replanned.promised[cid][0].date() == THURSDAY}
    assert monday and thursday and off == monday | thursday, (off, replanned.promised)
    notes = _notes(replanned.page)
    monday.discard(replanned.moved)  # (its own note: the next test)
    call = [n for n in notes if "bitte anrufen und absagen" in n
            and not n.startswith(replanned.moved)]
    write = [n for n in notes if "Korrekturbriefe schreiben" in n
             or "einen Korrekturbrief schreiben" in n]
    assert len(call) == 1 and len(write) == 1, notes
    assert _listed(call[0]) == monday and _listed(write[0]) == thursday, notes
    arrives = format_day(ARRIVES)
    assert call[0].startswith(f"{_visits(len(monday))} in diesem Plan nicht mehr im "
                              "angekündigten Zeitfenster (entfallen oder verschoben), "), call
    assert (f"ein Korrekturbrief käme zu spät (heute geschrieben, erst am {arrives} im "
            "Briefkasten): bitte anrufen und absagen: ") in call[0], call
    for cid in sorted(monday):
        a, b = replanned.promised[cid]
        assert f"{cid} ({format_day(MONDAY)}, {a:%H:%M}–{b:%H:%M} Uhr)" in call[0], call
    assert ("schreiben (auf der Seite des Plans unter „Ankündigungsschreiben“): "
            in write[0]), write
    assert "hausbesuch" not in replanned.page.split('id="hinweise"')[1].split("</section>")[0]
    # the command line's notes of the stored plan: the same, with the command
    cli = plan_notes(new)
    assert any(n.startswith(f"{_visits(len(thursday))} in diesem Plan") and
               f"(hausbesuch letters {new.id} --correction): " in n for n in cli), cli
    assert "Geheimname" not in replanned.page and not [n for n in cli if "Geheimname" in n]


def test_an_announcement_moved_by_a_pin_before_a_letter_could_arrive_asks_to_phone(
        replanned: Replanned) -> None:
    """The announced Monday visit pinned to the Wednesday: its own note says what holds
    now and, by the same rule, to phone (before, always „Korrekturbrief schreiben“); the
    note of the other announcements does not name it again."""
    cid = replanned.moved
    a, b = replanned.promised[cid]
    assert [(r.team_id, r.day, f"{s.start:%H:%M}") for r in replanned.new.routes
            for s in r.stops if s.client_id == cid] == [("team-2", WEDNESDAY, "10:00")]
    notes = _notes(replanned.page)
    said = [n for n in notes if n.startswith(f"{cid}: ")]
    assert said == [f"{cid}: angekündigt für {format_day(MONDAY)}, {a:%H:%M}–{b:%H:%M} Uhr; "
                    f"jetzt gilt: Festlegung im Web (Team team-2, {format_day(WEDNESDAY)}, 10:00 "
                    "Uhr). Der angekündigte Besuch entfällt; ein Korrekturbrief käme zu spät "
                    f"(heute geschrieben, erst am {format_day(ARRIVES)} im Briefkasten): "
                    "bitte anrufen und absagen."], said


def test_the_team_days_left_without_visits_name_their_valid_day_links(
        replanned: Replanned) -> None:
    """team-1's Monday (taken out) has two valid links handed out: named once, with both;
    team-2's Monday keeps its tour, the Thursday's link was revoked: not named."""
    new = replanned.new
    toured = {(r.team_id, r.day) for r in new.routes if r.stops}
    assert ("team-1", MONDAY) not in toured and ("team-2", MONDAY) in toured
    assert replanned.linked["do-revoked"] not in toured  # (both teams absent)
    notes = [n for n in _notes(replanned.page) if "Tageslink" in n]
    assert notes == [f"Team team-1 hat am {format_day(MONDAY)} keine Besuche mehr "
                     "(Neuplanung); seine 2 ausgegebenen Tageslinks zeigen das an. Bitte "
                     "dem Team Bescheid geben."], notes


def test_the_next_replan_makes_these_notes_anew_instead_of_carrying_them(
        replanned: Replanned) -> None:
    """Each of these notes is one the next re-plan drops from the version it replaces
    (:data:`_REMADE_NOTE`), to make them again as things stand then (that a letter
    written or a link revoked meanwhile is then not named again is not re-planned here:
    review 38 #4)."""
    from hausbesuch.planning.workflow import _REMADE_NOTE

    made = [n for n in replanned.new.params["warnings"]
            if "angekündigt" in n or "Tageslink" in n]
    assert len(made) == 4 and all(_REMADE_NOTE.match(n) for n in made), made


