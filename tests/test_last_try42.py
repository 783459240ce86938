"""QA 42a F10, second half: a visit whose failure ends the visits says so.

The casework puts a case in Klärung once its failed tries since the last contact (not
met, a message left) reach ``[casework] max_failed_tries``
(:func:`hausbesuch.casework.rules.directive`). The route page, the print sheet and the
phone said „3. Versuch“ for that visit like for any other; they now say „3. Versuch
(letzter)“, counting as the casework counts (:attr:`PlannedStop.failed_before`).

The end-to-end test runs as a coordinator does: ``hausbesuch demo`` with a profile that
allows two failed tries, the Monday's outcomes read by ``hausbesuch outcomes`` (one client
not met, one with a message left), the rest of the week planned by ``hausbesuch plan``, and the phone page
served over real HTTP from that database.
"""

from __future__ import annotations

import dataclasses
import html
import re
from datetime import date
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from hausbesuch.config import load_profile
from hausbesuch.maps import MapSettings
from hausbesuch.pages import RouteLinks, print_sheet, route_page
from tests.cli_helpers import write_outcomes
from tests.test_maps import sample_plan

MONDAY = date(2026, 12, 7)


def _stop(failed: int | None, tries: int = 0):  # noqa: ANN202
    stop = sample_plan().routes[0].stops[0]
    return dataclasses.replace(stop, failed_before=failed, tries_before=tries)


@pytest.mark.parametrize(("failed", "tries", "limit", "said"), [
    (2, 2, 3, "3. Versuch (letzter)"),
    (1, 1, 3, "2. Versuch"),
    (1, 1, 2, "2. Versuch (letzter)"),
    (4, 4, 3, "5. Versuch (letzter)"),  # the limit lowered since: still the last
    (2, 2, None, "3. Versuch"),  # no limit known
    # tries before a contact do not count: after a contact it is a follow-up
    (0, 3, 3, "Folgebesuch"),
    (0, 3, 1, "Folgebesuch (letzter Versuch)"),
    (0, 0, 3, ""),
    (0, 0, 1, "1. Versuch (letzter)"),
    # failed tries since the last contact not known (tries_before counts every outcome):
    # nothing is claimed
    (None, 2, 3, "3. Versuch"),
])
def test_the_last_try_counts_the_failed_tries_as_the_casework(
        failed: int | None, tries: int, limit: int | None, said: str) -> None:
    stop = _stop(failed, tries)
    assert stop.try_words(limit) == said
    assert stop.is_last_try(limit) == ("letzter" in said)


def test_the_profiles_limit_reaches_the_pages() -> None:
    profile = load_profile("bad-hersfeld")
    assert MapSettings.from_profile(profile).max_failed_tries == \
        profile.casework.max_failed_tries == 3
    two = profile.model_copy(update={"casework": profile.casework.model_copy(
        update={"max_failed_tries": 2})})
    assert MapSettings.from_profile(two).max_failed_tries == 2
    # a profile that keeps such a case open: no visit is the last one
    kept = profile.model_copy(update={"casework": profile.casework.model_copy(
        update={"status_after": {**profile.casework.status_after, "fehlversuche": "offen"}})})
    assert MapSettings.from_profile(kept).max_failed_tries is None


def test_route_page_and_sheet_mark_the_last_try_only() -> None:
    plan = sample_plan()
    route = plan.routes[0]
    stops = list(route.stops)
    stops[0] = dataclasses.replace(stops[0], failed_before=2, tries_before=2)
    stops[1] = dataclasses.replace(stops[1], failed_before=1, tries_before=1)
    route = dataclasses.replace(route, stops=tuple(stops))
    settings = MapSettings(max_failed_tries=3)
    links = RouteLinks()
    for page in (route_page(route, settings, links=links),
                 print_sheet(route, settings, links=links)):
        text = _text(page)
        assert text.count("3. Versuch (letzter)") == 1, text
        assert text.count("2. Versuch") == 1 and "2. Versuch (letzter)" not in text
        assert text.count("letzter") == 1
    # without a limit (no profile): as before
    plain = _text(route_page(route, MapSettings(), links=links))
    assert "3. Versuch" in plain and "letzter" not in plain
    # the map's popups say it as the pages do
    from hausbesuch.maps import route_map

    drawn = route_map(route, settings).get_root().render()
    assert drawn.count("3. Versuch (letzter)") == 1 and "2. Versuch (letzter)" not in drawn
    assert "letzter" not in route_map(route, MapSettings()).get_root().render()


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


# --------------------------------------------------------------------------- end to end


def _cli(*args: str, today: date) -> str:
    from hausbesuch import clock
    from hausbesuch.cli import app

    r = CliRunner().invoke(app, list(args), catch_exceptions=False,
                           env={clock.ENV: today.isoformat(), "HAUSBESUCH_USER": "test"})
    assert r.exit_code == 0, r.output
    return r.output


@pytest.fixture(scope="module")
def week(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path) -> dict:
    """A week of Bad Hersfeld with ``max_failed_tries = 2``: on Monday one client not met
    and one with a message left (both failed tries), the rest of the week planned."""
    from hausbesuch.store import Store

    base = tmp_path_factory.mktemp("letzter")
    text = (Path(__file__).parents[1] / "hausbesuch" / "profiles" / "bad-hersfeld.toml"
            ).read_text(encoding="utf-8")
    assert '\nland = "HE"\n' in text
    profile = base / "zwei-versuche.toml"
    profile.write_text(text.replace('\nland = "HE"\n', '\nland = "HE"\nmax_failed_tries = 2\n'),
                       encoding="utf-8")
    city = ["--city", str(profile)]
    db = str(base / "fall.sqlite")
    first, second = base / "montag", base / "rest"
    _cli("demo", *city, "--clients", "15", "--start", MONDAY.isoformat(), "--days", "1",
         "--out", str(first), "--db", db, "--time-limit", "5", today=MONDAY)
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    route = max(plan.routes, key=lambda r: len(r.stops))
    missed, left = route.stops[0], route.stops[1]
    results = base / "ergebnisse.csv"
    write_outcomes(results, MONDAY, [(missed, "nicht angetroffen", ""),
                                     (left, "Nachricht hinterlassen", "")])
    out = _cli("outcomes", str(results), *city, "--db", db, today=MONDAY)
    assert "2 erfasst" in out, out
    _cli("plan", *city, "--teams", str(first / "eingabe" / "teams.toml"), "--db", db,
         "--start", "2026-12-09", "--days", "3", "--out", str(second), "--time-limit", "5",
         today=date(2026, 12, 8))
    with Store.open(db) as store:
        later = store.latest_plan("Bad Hersfeld")
    assert later.id != plan.id
    return {"db": db, "profile": profile, "second": second, "plan": later,
            "tried": {missed.client_id, left.client_id}}


def _stop_texts(week: dict) -> dict[str, dict[str, str]]:
    """Per view (route page, sheet), the text of each live stop of the second plan."""
    out: dict[str, dict[str, str]] = {"routen": {}, "druck": {}}
    for route in week["plan"].routes:
        page = (week["second"] / "routen" / f"{route.slug}.html").read_text(encoding="utf-8")
        sheet = (week["second"] / "druck" / f"{route.slug}.html").read_text(encoding="utf-8")
        rows = re.findall(r'<tr class="stopp">(.*?)</tr>', sheet, re.S)
        live = [s for s in route.stops if not s.off]
        assert len(rows) == len(live)
        for s, row in zip(live, rows, strict=True):
            item = page.split(f'id="stopp-{s.position}"', 1)[1].split("</li>", 1)[0]
            out["routen"][s.client_id] = _text(item)
            out["druck"][s.client_id] = _text(row)
    return out


@pytest.mark.slow
def test_the_second_try_of_two_says_it_is_the_last_on_page_and_sheet(week: dict) -> None:
    seen = set()
    for kind, stops in _stop_texts(week).items():
        for cid, text in stops.items():
            if cid in week["tried"]:  # one failed try each (not met, a message left)
                seen.add((kind, cid))
                assert "2. Versuch (letzter)" in text, (kind, cid, text)
            else:
                assert "Versuch" not in text and "letzter" not in text, (kind, cid, text)
    assert {k for k, _ in seen} == {"routen", "druck"}, seen


@pytest.mark.slow
def test_the_phone_says_it_too(week: dict, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch.web.app import create_app
    from tests.web_fixtures import lasting_link, links_open, live_server

    app = create_app(f"sqlite:///{week['db']}", cities=[str(week["profile"])], run_jobs=False)
    store = app.state.web.store
    plan = week["plan"]
    seen = set()
    with live_server(app) as server:
        for route in plan.routes:
            links_open(monkeypatch, route.day)
            token, _ = lasting_link(store, plan.id, route.team_id, route.day)
            page = httpx.get(f"{server.url}/w/{token}/", timeout=60).text
            for s in route.stops:
                item = page.split(f'id="stopp-{s.client_id}"', 1)[1].split("</li>", 1)[0]
                text = _text(item.split("<form", 1)[0])
                if s.client_id in week["tried"]:
                    seen.add(s.client_id)
                    assert "2. Versuch (letzter)" in text, text
                else:
                    assert "letzter" not in text, text
    assert seen, "no revisit planned"
