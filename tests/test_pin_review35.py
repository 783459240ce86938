"""Review 35 of the pin advice (findings 3, 4, 5, 9, 11): the web's pin form, its table of
pins and the re-plan give the same first cause; under hard responsibility the district of
a case the plan does not hold (new, or moved since) is the one the re-plan gives it; the
German words of a team that can never take a visit; a pin to a team alone is listed; the
form does not repeat a case id that looks like a name.

Over real HTTP against the small planned week of :mod:`tests.test_pin_advice` (an app of
this module's own: team-1 speaks no Arabisch, team-2 and team-3 do) and, for hard
responsibility, against a week planned with a profile whose teams are each responsible for
one district of Bad Hersfeld; the jobs run in the test's thread."""

from __future__ import annotations

import csv
import json
import random
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from hausbesuch.fields import format_day
from tests.test_pin_advice import (  # noqa: F401 - fixtures
    CITY,
    FRI,
    NEVER_1,
    _replan,
    _save_teams,
    _store_pin,
    clean,
    kora,
    site,
)
from tests.web_fixtures import PASSWORD, live_server, logged_in
from tests.web_helpers import pin, pin_alert, pin_notes, plan_week

NEVER_1_STORED = (f"{NEVER_1} Bitte die Festlegung aufheben oder ein Team festlegen, das "
                  "ihn übernehmen kann (team-2, team-3).")


def _newest(store, plan_id: str):  # noqa: ANN001, ANN202
    from hausbesuch.versions import newest_version

    return store.load_plan(newest_version(store, plan_id))


# --------------------------------------------------------------------------- #3


def test_a_team_day_absent_with_a_shorter_shift_is_refused_for_the_absence_first(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """team-1 works 8:00–12:00 on Friday since the plan (the city's teams) and is entered as
    absent then too. A pin there at 14:00 is refused for the absence (field „ziel“), as the
    table of pins notes a pin stored there and the re-plan gives its reason: the team-day's
    cause first (before, the form said the shorter shift, and once the time was fixed, the
    absence)."""
    from hausbesuch import absences
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import base_teams
    from tests.test_pin_advice import TEAMS

    _, store, first, folder = site
    plan = _newest(store, first)
    clean.append("D-FREI4")
    _save_teams(store, folder, TEAMS.replace('id = "team-1"\n',
                                             'id = "team-1"\nschicht = "8:00-12:00"\n'))
    absences.add(store, CITY, "team-1", FRI,
                 teams=base_teams(store, load_profile("bad-hersfeld")), actor="kora")
    cause = f"Team „team-1“ ist am {format_day(FRI)} abwesend (eingetragen)"
    r = pin(kora, plan.id, "D-FREI3", f"team-1|{FRI}", "14:00")
    assert r.status_code == 400, r.status_code
    assert pin_alert(r.text).startswith(f"{cause}: dort lässt sich kein Besuch festlegen."), \
        pin_alert(r.text)
    assert 'name="ziel" aria-invalid="true"' in r.text

    _store_pin(store, "D-FREI4", "team-1", FRI, 14 * 60)
    note = pin_notes(kora.get(f"/plaene/{plan.id}").text)["D-FREI4"]
    assert note.startswith(f"{cause}. Bitte die Festlegung aufheben"), note
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reason = {u.client_id: u.reason for u in v2.unassigned}["D-FREI4"]
    assert reason.startswith(f"Festlegung im Web (Team team-1, {format_day(FRI)}, 14:00 Uhr): "
                             f"{cause}. "), reason


# --------------------------------------------------------------------------- #9


def test_a_pin_to_a_team_alone_that_never_can_is_listed_with_the_replans_note(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """A-FREI2 (Arabisch) is pinned to team-1 without a day, D-FREI4 to team-1 alone too.
    The table of pins lists both (before: only pins with a day), A-FREI2 with the note
    the next re-plan gives as its reason (team-1 speaks no Arabisch), D-FREI4 without one;
    their day reads „beliebig“."""
    _, store, first, _ = site
    plan = _newest(store, first)
    clean += ["A-FREI2", "D-FREI4"]
    _store_pin(store, "A-FREI2", "team-1", None)
    _store_pin(store, "D-FREI4", "team-1", None)
    page = kora.get(f"/plaene/{plan.id}").text
    notes = pin_notes(page)
    assert notes.get("A-FREI2") == NEVER_1_STORED, notes
    assert notes.get("D-FREI4") == "", notes
    row = re.search(r'data-label="Festgelegt">A-FREI2</td>(.*?)</tr>', page, re.S).group(1)
    assert '<td role="cell" data-label="Tag">beliebig</td>' in row, row
    v2 = store.load_plan(_replan(kora, store, plan.id))
    reasons = {u.client_id: u.reason for u in v2.unassigned}
    assert reasons.get("A-FREI2", "").endswith(f": {NEVER_1_STORED}"), reasons.get("A-FREI2")


# --------------------------------------------------------------------------- #11


def test_the_pin_form_does_not_repeat_a_case_id_that_looks_like_a_name(
        site: tuple[str, object, str, Path], kora: httpx.Client,  # noqa: F811
        clean: list[str]) -> None:  # noqa: F811
    """A case imported after the plan whose id has two words of letters („AB 12CD“, which
    the import takes) and who speaks Arabisch is pinned to team-1: the refusal says why
    without the id (as the form's field keeps it out), where one of the usual form keeps
    it („A-NEU1: …“). The language is named: the plan page shows the clients' languages
    anyway (each team-day's sheet, „Sprache: Arabisch“, and the reasons of „Nicht
    eingeplant“)."""
    from hausbesuch.config import load_profile
    from hausbesuch.errors import UserError
    from hausbesuch.web import casework_api

    _, store, first, folder = site
    plan = _newest(store, first)
    with open(folder / "neu.csv", "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Sprache"])
        w.writerow(["AB 12CD", "Geheimname 900", "Am Markt", "16", "36251", CITY, "Arabisch"])
        w.writerow(["A-NEU1", "Geheimname 901", "Am Markt", "16", "36251", CITY, "Arabisch"])
    casework_api.import_clients(store, load_profile("bad-hersfeld"), str(folder / "neu.csv"),
                                "kora")
    said = f"{NEVER_1} Bitte ein Team wählen, das ihn übernehmen kann (team-2, team-3)."
    r = pin(kora, plan.id, "AB 12CD", f"team-1|{FRI}")
    assert r.status_code == 400, r.status_code
    assert pin_alert(r.text) == said, pin_alert(r.text)
    assert "AB 12CD" not in r.text
    with pytest.raises(UserError) as refused:
        casework_api.pin_visit(store, CITY, "kora", "AB 12CD", plan.id, team="team-1",
                               day=FRI, minutes=None)
    assert str(refused.value) == said
    r = pin(kora, plan.id, "A-NEU1", f"team-1|{FRI}")
    assert pin_alert(r.text) == f"A-NEU1: {said}", pin_alert(r.text)


# --------------------------------------------------------------------------- #5


def test_a_team_that_never_can_is_worded_for_any_language_name() -> None:
    """No article before a language (before: „kein Gebärdensprache“, „kein Leichte
    Sprache“), and several are one „weder … noch“ (before: „kein Arabisch und kein Türkisch
    und kein …“)."""
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.teams import TeamConfig

    team = TeamConfig("team-1", skills=frozenset({"Deutsch"}))
    assert VisitNeeds(("Gebärdensprache",)).lacks(team) == "spricht Gebärdensprache nicht"
    assert VisitNeeds(("Leichte Sprache",)).lacks(team) == "spricht Leichte Sprache nicht"
    assert VisitNeeds(("Arabisch", "Türkisch")).lacks(team) == \
        "spricht weder Arabisch noch Türkisch"
    assert VisitNeeds(("Arabisch", "Deutsch", "Türkisch", "Gebärdensprache")).lacks(team) == \
        "spricht weder Arabisch, Türkisch noch Gebärdensprache"


def test_when_no_team_can_the_fix_is_worded_per_cause_and_per_where_the_teams_come_from(
) -> None:
    """No team of the plan may take the visit: team-1 lacks the language, team-2 the
    district (hard responsibility). The fix names both columns (before: only the pinned
    team's), and where to change them: in a plan the teams and plan again (the city's
    teams: page or ``teams --set``; a ``--teams`` file: that file), in a re-plan that only
    a new plan uses changed teams, in the web its page only (before, always „Seite
    „Teams““, and a new plan was told „erst ein neuer Plan“)."""
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.planning.workflow import _pin_never_text
    from hausbesuch.teams import TeamConfig
    from hausbesuch.web.app import web_reason

    teams = (TeamConfig("team-1", districts=("Hohe Luft",)),
             TeamConfig("team-2", skills=frozenset({"Arabisch"}),
                        districts=("Johannesberg",)))
    needs = VisitNeeds(("Arabisch",), "Hohe Luft", "hard",
                       ("Hohe Luft", "Johannesberg", "Kernstadt"))
    cause = ("Team „team-1“ spricht Arabisch nicht und kann den Besuch daher an keinem Tag "
             "übernehmen. ")
    cols = "Spalten „sprachen“ und „stadtteile“"
    assert _pin_never_text(teams[0], needs, teams, replan=False) == (
        f"{cause}Auch kein anderes Team kann ihn übernehmen: bitte die Festlegung aufheben "
        f"oder die Teams ändern ({cols} der Teams der Stadt: Seite „Teams“; hausbesuch "
        "teams --set) und neu planen.")
    assert _pin_never_text(teams[0], needs, teams, replan=False, teams_file=True) == (
        f"{cause}Auch kein anderes Team kann ihn übernehmen: bitte die Festlegung aufheben "
        f"oder die Teams-Datei ändern ({cols}) und neu planen.")
    replan = _pin_never_text(teams[0], needs, teams)
    assert replan == (
        f"{cause}Auch kein anderes Team des Plans kann ihn übernehmen: bitte die Festlegung "
        "aufheben. Eine Neuplanung behält die Teams des Plans; erst ein neuer Plan nutzt "
        f"geänderte Teams ({cols} der Teams der Stadt: Seite „Teams“; hausbesuch teams "
        "--set).")
    # the plan page shows a stored reason without the command line
    assert web_reason(replan).endswith(f"({cols} der Teams der Stadt: Seite „Teams“).")
    assert _pin_never_text(teams[0], needs, teams, teams_file=True).endswith(
        f"erst ein neuer Plan nutzt geänderte Teams ({cols} der Teams-Datei).")
    assert _pin_never_text(teams[0], needs, teams, pinned=False, web=True) == (
        f"{cause}Auch kein anderes Team des Plans kann ihn übernehmen. Eine Neuplanung "
        "behält die Teams des Plans; erst ein neuer Plan nutzt geänderte Teams (Seite "
        f"„Teams“, {cols}).")
    # the language alone: one column
    soft = VisitNeeds(("Arabisch",), "Hohe Luft", "soft")
    assert _pin_never_text(teams[0], soft, teams[:1], web=True).endswith(
        "(Seite „Teams“, Spalte „sprachen“).")


# --------------------------------------------------------------------------- #4

HARD_TEAMS = ('[defaults]\nschicht = "8:00-16:00"\n\n'
              '[[team]]\nid = "team-1"\nstadtteile = ["Bad Hersfeld"]\n\n'
              '[[team]]\nid = "team-2"\nstadtteile = ["Hohe Luft"]\n')


def _hard_profile(folder: Path) -> Path:
    """The shipped Bad Hersfeld profile under hard responsibility."""
    from hausbesuch.config import PROFILE_DIR

    text = (PROFILE_DIR / "bad-hersfeld.toml").read_text(encoding="utf-8")
    assert "visit_minutes = 45\n" in text
    path = folder / "hart.toml"
    path.write_text(text.replace("visit_minutes = 45\n",
                                 'visit_minutes = 45\nresponsibility = "hart"\n'),
                    encoding="utf-8")
    return path


def _addresses(pbf: Path, profile) -> dict[str, list[tuple[str, str, str, str]]]:  # noqa: ANN001
    """Real addresses of the extract found exactly, by district („Bad Hersfeld“, „Hohe
    Luft“), in a fixed order."""
    import numpy as np

    from geodata.districts import load_districts
    from geodata.geocode import load_index
    from hausbesuch.config import district_options
    from hausbesuch.demo import real_addresses

    index = load_index(pbf)
    districts = load_districts(pbf, **district_options(profile))
    rng = random.Random(35)
    found = []
    for street, hn, pc, town in rng.sample(sorted(real_addresses(index)), 400):
        res = index.geocode(f"{street} {hn}, {pc} {town or CITY}")
        if res.quality == "exact":
            found.append(((street, hn, pc, town or CITY), float(res.lon), float(res.lat)))
    names = districts.assign(np.array([f[1] for f in found]), np.array([f[2] for f in found]))
    out: dict[str, list] = {"Bad Hersfeld": [], "Hohe Luft": []}
    for (addr, _, _), name in zip(found, names, strict=True):
        if str(name) in out:
            out[str(name)].append(addr)
    return out


def _list(path: Path, rows: list[tuple[str, tuple[str, str, str, str]]]) -> None:
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort"])
        for k, (cid, (street, hn, pc, town)) in enumerate(rows):
            w.writerow([cid, f"Geheimname {k:03d}", street, hn, pc, town])


@pytest.fixture(scope="module")
def hard_site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
              ) -> Iterator[tuple[str, object, str]]:
    """A week planned under hard responsibility, team-1 responsible for „Bad Hersfeld“,
    team-2 for „Hohe Luft“ (H-BH* in the first, H-HL* in the second). Then the list again
    with a new case in „Hohe Luft“ (H-NEU) and H-BH2 moved there: the URL, the store and
    the plan's id."""
    from hausbesuch.config import load_profile
    from hausbesuch.team_store import save_teams
    from hausbesuch.web import casework_api
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    tmp = tmp_path_factory.mktemp("pin-hard")
    path = _hard_profile(tmp)
    profile = load_profile(str(path))
    assert profile.workday.responsibility == "hard"
    app = create_app(f"sqlite:///{tmp / 'hard.sqlite'}", cities=[str(path)], run_jobs=False,
                     plan_time_limit=2.0)
    store = app.state.web.store
    add_user(store, "kora", PASSWORD, role="koordination", city=CITY)
    (tmp / "teams.toml").write_text(HARD_TEAMS, encoding="utf-8")
    save_teams(store, profile, tmp / "teams.toml", actor="kora")
    where = _addresses(bad_hersfeld_pbf, profile)
    bh, hl = where["Bad Hersfeld"], where["Hohe Luft"]
    assert len(bh) >= 4 and len(hl) >= 5, {k: len(v) for k, v in where.items()}
    rows = [*((f"H-BH{i}", bh[i]) for i in range(3)), *((f"H-HL{i}", hl[i]) for i in range(3))]
    _list(tmp / "liste.csv", rows)
    plan_id = plan_week(app, tmp / "liste.csv", profile=str(path))
    rows = [(cid, hl[3] if cid == "H-BH2" else addr) for cid, addr in rows]
    _list(tmp / "liste2.csv", [*rows, ("H-NEU", hl[4])])
    casework_api.import_clients(store, app.state.web.profile(CITY), str(tmp / "liste2.csv"),
                                "kora")
    with live_server(app) as live:
        yield live.url, store, plan_id


def test_under_hard_responsibility_a_new_or_moved_case_is_pinned_by_its_district_now(
        hard_site: tuple[str, object, str]) -> None:
    """H-NEU (imported after the plan) and H-BH2 (moved since from „Bad Hersfeld“) live in
    „Hohe Luft“ now: a pin of either to team-1 is refused naming the district and team-2,
    as the re-plan refuses it (before: the form knew no district of H-NEU and the plan's
    old one of H-BH2, and took both). H-BH0 is still team-1's. A pin of H-NEU stored before
    is noted in the table of pins and given that reason by the re-plan."""
    url, store, first = hard_site
    plan = _newest(store, first)
    never = ("Team „team-1“ ist für den Stadtteil Hohe Luft nicht zuständig und kann den "
             "Besuch daher an keinem Tag übernehmen.")
    with logged_in(url, "kora") as c:
        for cid in ("H-NEU", "H-BH2"):
            r = pin(c, plan.id, cid, f"team-1|{FRI}")
            assert r.status_code == 400, (cid, r.status_code)
            assert pin_alert(r.text) == (f"{cid}: {never} Bitte ein Team wählen, das ihn "
                                         "übernehmen kann (team-2)."), pin_alert(r.text)
        assert pin(c, plan.id, "H-BH0", f"team-1|{FRI}").status_code == 303
        _store_pin(store, "H-NEU", "team-1", FRI)
        note = (f"{never} Bitte die Festlegung aufheben oder ein Team festlegen, das ihn "
                "übernehmen kann (team-2).")
        assert pin_notes(c.get(f"/plaene/{plan.id}").text).get("H-NEU") == note
        v2 = store.load_plan(_replan(c, store, plan.id))
    reasons = {u.client_id: u.reason for u in v2.unassigned}
    assert reasons.get("H-NEU") == f"Festlegung im Web (Team team-1, {format_day(FRI)}): {note}", \
        reasons


def test_a_plan_whose_extract_is_gone_still_shows_its_pins_and_takes_a_pin(
        hard_site: tuple[str, object, str]) -> None:
    """Under hard responsibility the pin checks locate cases in the plan's extract. When
    that file is gone (the city's extract replaced by a newer file at another path), the
    plan page and the pin form fall back to the plan's districts (review 35b #1: both were
    a 500, so a pin could not even be lifted). Runs last: it points the stored plans of
    the module's site at a file that does not exist."""
    from sqlalchemy import select, update

    from hausbesuch.store import PlanRow

    url, store, first = hard_site
    plan = _newest(store, first)
    gone = str(Path(plan.params["osm"]).with_name("ersetzt-und-geloescht.osm.pbf"))
    assert not Path(gone).exists()
    with store.session() as s:
        for row in s.scalars(select(PlanRow).where(PlanRow.city == plan.city)):
            params = json.loads(row.params)
            params["osm"] = gone
            s.execute(update(PlanRow).where(PlanRow.id == row.id).values(
                params=json.dumps(params)))
    assert _newest(store, first).params["osm"] == gone
    with logged_in(url, "kora") as c:
        page = c.get(f"/plaene/{plan.id}")
        assert page.status_code == 200, page.status_code
        assert "H-NEU" in pin_notes(page.text)
        assert pin(c, plan.id, "H-BH1", f"team-1|{FRI}").status_code == 303


def test_a_team_kept_out_by_language_and_district_is_told_both() -> None:
    """Under hard responsibility a team that lacks the language and is not responsible for
    the district is told both, and the fix names both columns (review 35b #4: only the
    language was named; a coordinator who added it was then told of the district)."""
    from hausbesuch.planning.builder import VisitNeeds
    from hausbesuch.planning.workflow import _pin_never_text
    from hausbesuch.teams import TeamConfig

    teams = (TeamConfig("a", skills=frozenset({"Arabisch"}), districts=("Nord",)),
             TeamConfig("b", skills=frozenset({"Türkisch"}), districts=("Nord",)))
    needs = VisitNeeds(("Farsi",), "Süd", "hard", ("Nord", "Süd"))
    assert needs.causes(teams[0]) == ["skill", "district"]
    assert needs.lacks(teams[0]) == ("spricht Farsi nicht und ist für den Stadtteil Süd "
                                     "nicht zuständig")
    text = _pin_never_text(teams[0], needs, teams, replan=False, web=True)
    assert text.startswith("Team „a“ spricht Farsi nicht und ist für den Stadtteil Süd nicht "
                           "zuständig und kann den Besuch daher an keinem Tag übernehmen."), text
    assert "Spalten „sprachen“ und „stadtteile“" in text, text
    assert VisitNeeds(("Farsi",), "Nord", "hard", ("Nord", "Süd")).causes(teams[0]) == ["skill"]
    assert VisitNeeds((), "Süd", "soft", ("Nord", "Süd")).causes(teams[0]) == []
