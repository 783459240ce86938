"""The field pages show one normalised form of a stop's address (QA 38 F5).

A list row of Lauf held „sankt-salvator-weg 9“ (no postcode, no town, lower case), found
exactly in the OSM data. The letter wrote „Sankt-Salvator-Weg 9 / 91207 Lauf a.d.Pegnitz“,
but the route page, the phone, the print sheet and the route map showed the address as
typed. Now every field view shows an address the plan found (exact or interpolated) in
the letter's form on one line: the street as found with the client's own house number, an
addition (a flat, „Hinterhaus“) and a typed c/o line kept, „PLZ Ort“ added from the
geocoder's match where the list left it out (:func:`hausbesuch.letters.field_address`).
At street level the street stays as typed, with „PLZ Ort“ after it; not found, found in
doubt (the street may be another one), a point set by hand or a coordinate of the list:
as typed. The stored address stays as typed
(the store and the letters compare it to see a client who moved); no view names the
client.

The rule on the real Lauf extract's geocoder; and through the commands as a coordinator
runs them (a list planned into a fresh SQLite store, the plan's files written again by
``show``, the phone page served over HTTP).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pytest

from hausbesuch.letters import field_address
from hausbesuch.plandata import Geocode
from tests.cli_helpers import ClockedCli

LAUF = "91207 Lauf a.d.Pegnitz"  # the postcode and town of the extract's addresses


@pytest.fixture(scope="module")
def index(lauf_pbf: Path):
    from geodata.geocode import load_index

    return load_index(lauf_pbf)


def _found(index, address: str, quality: str | None = None) -> Geocode:  # noqa: ANN001
    """The plan's geocode of ``address`` on the real extract (its quality as given)."""
    r = index.geocode(address)
    return Geocode("L-1", r.lon, r.lat, quality or r.quality, r.score, r.match, r.reason, "",
                   doubt=r.doubt)


@pytest.mark.parametrize(("typed", "quality", "shown"), [
    # found exactly, typed without postcode and town, in lower case (the finding)
    ("sankt-salvator-weg 9", "exact", f"Sankt-Salvator-Weg 9, {LAUF}"),
    # a flat or „Hinterhaus“ stays, after the street
    ("marktplatz 10 Hinterhaus", "exact", f"Marktplatz 10, Hinterhaus, {LAUF}"),
    ("hersbrucker str. 7, Wohnung 3", "exact", f"Hersbrucker Straße 7, Wohnung 3, {LAUF}"),
    # a c/o line the address holds stays (the name on the bell), first
    ("c/o Meier, marktplatz 3", "exact", f"c/o Meier, Marktplatz 3, {LAUF}"),
    # interpolated: the client's own number, never another of OSM
    ("hersbrucker straße 7a", "interpolated", f"Hersbrucker Straße 7a, {LAUF}"),
    # a postcode and town typed stay as typed (a coordinator's fix)
    ("Marktplatz 25, 91207 Lauf an der Pegnitz", "exact",
     "Marktplatz 25, 91207 Lauf an der Pegnitz"),
    # street level: the street as typed, „PLZ Ort“ added where the address has neither
    ("sankt-salvator-weg 11", "street", f"sankt-salvator-weg 11, {LAUF}"),
    ("sankt-salvator-weg 11, 91207 lauf", "street", "sankt-salvator-weg 11, 91207 lauf"),
    # found in doubt (the street may be another one): as typed, as everywhere
    ("Marktplaz 10", "exact", "Marktplaz 10"),
    # not found: as typed
    ("Bitterbachstraße 3", "unresolved", "Bitterbachstraße 3"),
])
def test_a_found_address_is_shown_in_the_letters_form(index, typed, quality, shown):
    geocode = _found(index, typed)
    assert geocode.quality == quality, geocode
    assert field_address(typed, geocode) == shown


@pytest.mark.parametrize("quality", ["manual", "given"])
def test_a_point_set_by_hand_or_given_in_the_list_keeps_the_typed_address(index, quality):
    """A coordinator's point or a coordinate of the list says nothing of the address."""
    typed = "sankt-salvator-weg 9"
    assert field_address(typed, _found(index, typed, quality)) == typed
    assert field_address(typed, None) == typed


# -- through the commands -------------------------------------------------------------

NAME = ("Quaschning", "Hannelore")
LIST = """\
Kundennummer;Name;Adresse;Breite;Länge;Kontaktabbruch seit
L-1;Quaschning, Hannelore;sankt-salvator-weg 9;;;12.03.2025
L-2;Quaschning, Hannelore;marktplatz 10 Hinterhaus;;;12.03.2025
L-3;Quaschning, Hannelore;hersbrucker str. 7, Wohnung 3;;;12.03.2025
L-4;Quaschning, Hannelore;c/o Meier, marktplatz 3;;;12.03.2025
L-5;Quaschning, Hannelore;sankt-salvator-weg 5;49.5127;11.2810;12.03.2025
L-6;Quaschning, Hannelore;sankt-salvator-weg 11;;;12.03.2025
L-7;Quaschning, Hannelore;Marktplatz 25, 91207 Lauf an der Pegnitz;;;12.03.2025
L-8;Quaschning, Hannelore;Hannelore Quaschning marktplatz 12;;;12.03.2025
L-9;Quaschning, Hannelore;Marktplaz 14;;;12.03.2025
"""
#: the address each field view shows of each case
SHOWN = {
    "L-1": f"Sankt-Salvator-Weg 9, {LAUF}",
    "L-2": f"Marktplatz 10, Hinterhaus, {LAUF}",
    "L-3": f"Hersbrucker Straße 7, Wohnung 3, {LAUF}",
    "L-4": f"c/o Meier, Marktplatz 3, {LAUF}",
    "L-5": "sankt-salvator-weg 5",  # the list's coordinate: as typed
    "L-6": f"sankt-salvator-weg 11, {LAUF}",  # street level
    "L-7": "Marktplatz 25, 91207 Lauf an der Pegnitz",
    "L-8": f"Marktplatz 12, {LAUF}",  # the client's own name left out, as before
    "L-9": "Marktplaz 14",  # found in doubt: as typed, „Adresse unsicher“ beside it
}
#: the address each stop keeps in the store (as typed, without the client's name)
STORED = {**{f"L-{i}": row.split(";")[2] for i, row in enumerate(LIST.splitlines()[1:], 1)},
          "L-8": "marktplatz 12"}


@dataclass
class Run:
    db: str
    plan_id: str
    planned: Path  # the plan's files as ``plan`` wrote them
    shown: Path  # written again by ``show`` from the store


@pytest.fixture(scope="module")
def run(tmp_path_factory, lauf_pbf) -> Run:
    from datetime import date

    tmp = tmp_path_factory.mktemp("feldadresse")
    ok = ClockedCli(date(2026, 12, 1)).ok
    db = f"sqlite:///{tmp / 's.sqlite'}"
    (tmp / "k.csv").write_text(LIST, encoding="utf-8")
    out = ok("plan", str(tmp / "k.csv"), "--city", "lauf", "--db", db, "--start",
             "2026-12-07", "--days", "1", "--out", str(tmp / "plan"), "--time-limit", "1",
             "--threads", "1", "--seed", "1")
    assert "9 geplant" in out, out
    plan_id = re.search(r"Plan (\S+):", out)[1]
    ok("show", plan_id, "--db", db, "--out", str(tmp / "gezeigt"))
    return Run(db, plan_id, tmp / "plan", tmp / "gezeigt")


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _cid(text: str) -> str:
    return re.search(r"L-\d", text)[0]


def _views(folder: Path) -> dict[str, dict[str, str]]:
    """Per field view of the plan's files in ``folder``, each stop's address (route page)
    or text (sheet row, map popup), by case id."""
    out: dict[str, dict[str, str]] = {"routen": {}, "druck": {}, "karten": {}}
    for page in (folder / "routen").glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for cid, addr in re.findall(
                r'id="stopp-\d+"[^>]*>.*?<span class="cid">(L-\d)</span>.*?'
                r'<div class="addr">(.*?)</div>', text, re.S):
            out["routen"][cid] = _text(addr)
        for row in re.findall(r'<tr class="stopp">(.*?)</tr>',
                              (folder / "druck" / page.name).read_text(encoding="utf-8"),
                              re.S):
            out["druck"][_cid(_text(row))] = _text(row)
        for popup in re.findall(r'<div class="hb-popup">(.*?)</div>',
                                (folder / "karten" / page.name).read_text(encoding="utf-8")):
            out["karten"][_cid(_text(popup))] = _text(popup)
    assert all(len(v) == len(SHOWN) for v in out.values()), out
    return out


@pytest.mark.slow
def test_every_field_view_shows_the_normalised_address(run):
    for folder in (run.planned, run.shown):
        views = _views(folder)
        assert views["routen"] == SHOWN, folder.name
        for kind in ("druck", "karten"):
            for cid, text in views[kind].items():
                assert SHOWN[cid] in text, (folder.name, kind, cid, text)
                if STORED[cid] not in SHOWN[cid]:
                    assert STORED[cid] not in text, (folder.name, kind, cid, text)


@pytest.mark.slow
def test_no_field_view_names_the_client(run):
    for folder in (run.planned, run.shown):
        for kind in ("routen", "druck", "karten", "gpx"):
            for f in (folder / kind).iterdir():
                text = f.read_text(encoding="utf-8")
                assert not any(w in text for w in NAME), (folder.name, kind, f.name)


@pytest.mark.slow
def test_the_store_keeps_the_address_as_typed(run):
    """The stored address is what a move is told by: never the shown form."""
    from hausbesuch.store import Store

    with Store.open(run.db) as store:
        plan = store.load_plan(run.plan_id)
    assert {s.client_id: s.address for r in plan.routes for s in r.stops} == STORED


@pytest.mark.slow
def test_the_phone_shows_the_same_and_its_stamp_follows_the_stored_address(run):
    from hausbesuch.store import Store
    from hausbesuch.web.app import create_app
    from hausbesuch.web.links import create_link
    from hausbesuch.web.pages_worker import tour_stamp
    from tests.web_fixtures import links_open, live_server

    with Store.open(run.db) as store:
        routes = [r for r in store.load_plan(run.plan_id).routes if r.stops]
    app = create_app(run.db, cities=["lauf"], run_jobs=False)
    shown: dict[str, str] = {}
    with live_server(app) as server, pytest.MonkeyPatch.context() as monkeypatch:
        for route in routes:
            links_open(monkeypatch, route.day)
            token, _ = create_link(app.state.web.store, run.plan_id, route.team_id,
                                   route.day, actor="test")
            page = httpx.get(f"{server.url}/w/{token}/").text
            assert not any(w in page for w in NAME)
            for cid, addr in re.findall(r'id="stopp-(L-\d)".*?<div class="addr">(.*?)</div>',
                                        page, re.S):
                shown[cid] = _text(addr)
            # the page's stamp is over the stored address: a client who moved changes it
            moved = replace(route, stops=(replace(route.stops[0], address="Marktplatz 1"),
                                          *route.stops[1:]))
            assert tour_stamp(moved) != tour_stamp(route)
    assert shown == SHOWN
