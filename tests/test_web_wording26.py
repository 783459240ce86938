"""QA 26 F8: the same words and formats on every page of the plan.

- an outcome sent from a phone is „Telefon“ on *Ergebnisse* (the phone and the README say
  so), not „Handy“;
- a result is labelled the same on the phone, *Ergebnisse* and the case page
  („Nicht angetroffen“; one function, ``casework.rules.result_label``);
- the plan map's layers are named with German days („team-1 · Mo, 07.12.2026“) in day
  order, and the page gives the key of the teams' colours;
- the web's ZIP says where the web fixes an address („Korrigieren unter „Adressen““),
  not the command line (``hausbesuch address …``), which the command line's files keep.

Over real HTTP against the planned week of :mod:`tests.test_web`."""

from __future__ import annotations

import csv
import html
import io
import json
import re
import zipfile
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from tests.test_web import CITY, _current_plan, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, logged_in, sqlite_only


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


@sqlite_only()
def test_results_are_labelled_alike_and_a_phone_is_a_telefon(
        site: Site, kora: httpx.Client, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    from hausbesuch import clock
    from hausbesuch.web import casework_api

    plan = _current_plan(site)
    route = next(r for r in plan.routes if len(r.stops) >= 2)
    stop = route.stops[-1]
    monkeypatch.setenv(clock.ENV, route.day.isoformat())  # the visit's day (as on the phone)
    casework_api.record_outcome(
        site.store, site.app.state.web.profile(CITY), "test", stop.client_id, route.day,
        "nicht_angetroffen", time_min=route.stops[-1].start.hour * 60, appointment=None,
        note=None, idempotency_key="wording26-telefon")
    page = html.unescape(kora.get(f"/plaene/{plan.id}/ergebnisse").text)
    row = page.split(f'data-kunde="{stop.client_id}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-label="Ergebnis">Nicht angetroffen<' in row, row
    assert 'data-label="Quelle">Telefon<' in row, row
    assert "Handy" not in page
    case = html.unescape(kora.get(f"/faelle/{stop.client_id}", params={"stadt": CITY}).text)
    assert ": Nicht angetroffen" in case, case[-3000:]
    options = re.findall(r'<option value="(?:angetroffen|nicht_angetroffen|verzogen)"'
                         r'(?: selected)?>([^<]*)<', case)
    assert options and set(options) <= {"Angetroffen", "Nicht angetroffen", "Verzogen"}, options


@sqlite_only()
def test_the_plan_maps_layers_are_german_days_in_order_with_a_colour_key(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.maps import fmt_date

    plan = _current_plan(site)
    page = kora.get(f"/plaene/{plan.id}").text
    data = json.loads(page.split('id="plandaten">', 1)[1].split("</script>", 1)[0])
    order = [(r["day"], r["team"]) for r in data["routes"]]
    assert order == sorted(order) and len(order) == len(plan.routes)
    assert all(r["day_label"] == fmt_date(date.fromisoformat(r["day"])) for r in data["routes"])
    js = httpx.get(site.url + "/static/web/planmap.js").text
    assert 'r.team + " · " + (r.day_label' in js
    key = re.search(r'<p class="kartenschluessel" id="karten-schluessel">(.*?)</p>', page, re.S)
    assert key, "no colour key"
    teams = sorted({r.team_id for r in plan.routes})
    for team, colour, letter in data["teams"]:  # (the letter: QA 45a F6)
        assert f'fill="{colour}"/><text' in key.group(1)
        assert f'>{letter}</text></svg> {letter}: {team}</span>' in key.group(1)
    assert [t for t, _, _ in data["teams"]] == teams


@sqlite_only()
def test_the_web_zip_says_where_the_web_fixes_an_address(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.planning.workflow import show_plan

    plan = _current_plan(site)
    profile = site.app.state.web.profile(CITY)
    cli = show_plan(site.store, plan.id, profile)  # the command line's files: as stored
    assert any("hausbesuch address" in r.reason for r in cli.plan.rejected), \
        "the fixture's plan has an address rejected with the command line's fix"
    r = kora.get(f"/plaene/{plan.id}/dateien.zip")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        report = zf.read("report.csv").decode("utf-8-sig")
        index = zf.read("index.html").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(report), delimiter=";"))
    assert rows
    for text in (report, html.unescape(index)):
        assert "hausbesuch address" not in text
        assert "Korrigieren unter „Adressen“." in text


@sqlite_only()
def test_the_web_zip_of_a_plan_without_a_list_points_to_the_kundenliste(
        site: Site, kora: httpx.Client) -> None:  # noqa: F811
    """The week was planned from the database (its list imported first): the ZIP's
    index.html says where the import's rejected rows are in the web's words, not
    „Keine Zeile wurde abgelehnt“ nor the command line (QA 32b F5)."""
    plan = _current_plan(site)
    assert (plan.params or {}).get("total_rows") is None, "a plan of the open cases"
    r = kora.get(f"/plaene/{plan.id}/dateien.zip")
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as zf:
        index = " ".join(html.unescape(zf.read("index.html").decode("utf-8")).split())
    assert ("Dieser Plan hat keine Liste eingelesen: die beim Import abgelehnten Zeilen der "
            "Kundenliste stehen bis zum nächsten Import unter „Kundenliste“") in index
    assert "Keine Zeile wurde abgelehnt" not in index and "„hausbesuch import“" not in index
