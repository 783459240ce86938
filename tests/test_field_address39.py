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

A plan keeps one geocode per client, and a re-plan replaces it for a client it plans
again (after an address fix or a move) while a stop kept from before still carries the
old address: the address is normalised only when the match names its street and house
number, else shown as typed, never the old number on the new street (review 39 #2).

The rule on the real Lauf and Bad Hersfeld extracts' geocoders; and through the commands
as a coordinator runs them (a list planned into a fresh SQLite store, the plan's files
written again by ``show``, the phone page served over HTTP; a week re-planned after an
address fix).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
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


@pytest.fixture(scope="module")
def hersfeld(bad_hersfeld_pbf: Path):
    from geodata.geocode import load_index

    return load_index(bad_hersfeld_pbf)


@pytest.mark.parametrize(("typed", "found", "shown"), [
    # the review's case: a stop kept from before the re-plan, the client's new geocode
    ("Am Markt 5, Whg 2", "Breitenstraße 20", "Am Markt 5, Whg 2"),
    # the same street, another house: not the new number's point either
    ("Breitenstraße 21", "Breitenstraße 20", "Breitenstraße 21"),
    # a street-level match of another street: no „PLZ Ort“ of it either
    ("Am Markt 5", "Breitenstraße 999", "Am Markt 5"),
    # the address's own match: normalised as before (a typo the geocoder is sure of, a
    # short form of the export, another spelling of the same street, street level)
    ("Breitenstrase 20", "Breitenstrase 20", "Breitenstraße 20, 36251 Bad Hersfeld"),
    ("Markt 5", "Markt 5", "Am Markt 5, 36251 Bad Hersfeld"),
    ("Breitenstr. 20 Hinterhaus", "Breitenstraße 20",
     "Breitenstraße 20, Hinterhaus, 36251 Bad Hersfeld"),
    ("Breitenstraße 999", "Breitenstraße 999", "Breitenstraße 999, 36251 Bad Hersfeld"),
])
def test_a_geocode_of_another_address_leaves_the_stops_address_as_typed(
        hersfeld, typed, found, shown):
    r = hersfeld.geocode(found)
    geocode = Geocode("K-1", r.lon, r.lat, r.quality, r.score, r.match, r.reason, "",
                      doubt=r.doubt)
    assert geocode.quality in {"exact", "interpolated", "street"} and not geocode.doubt, r
    assert field_address(typed, geocode) == shown


def test_a_plan_stored_without_the_doubt_verdict_keeps_a_street_only_similar(hersfeld):
    """„Breite Straße 20“ is found, in doubt, at the Breitenstraße (another street in many
    towns): a plan stored before the verdict was kept (``doubt`` None) counts the
    interpolated match as sure, and the page must not swap in the street found."""
    r = hersfeld.geocode("Breite Straße 20")
    assert (r.quality, r.match, r.doubt) == (
        "interpolated", "Breitenstraße 20, 36251 Bad Hersfeld", True)
    old = Geocode("K-1", r.lon, r.lat, r.quality, r.score, r.match, r.reason, "", doubt=None)
    assert field_address("Breite Straße 20", old) == "Breite Straße 20"
    # a plain typo of the street in such a plan is the street: normalised
    r = hersfeld.geocode("Klaustraße 10")
    old = Geocode("K-1", r.lon, r.lat, r.quality, r.score, r.match, r.reason, "", doubt=None)
    assert field_address("Klaustraße 10", old) == "Klausstraße 10, 36251 Bad Hersfeld"


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
#: the line on its point that a stop shows below its address, where it has one: the
#: address found in doubt says so (the others are found exactly, at street level, or
#: given as a coordinate; L-8's number is interpolated)
WHERE = {"L-6": "Lage nur auf Straßenebene – Hausnummer vor Ort suchen",
         "L-9": "Adresse unsicher – vor Ort prüfen"}
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
        # the sheet says what is uncertain about a stop's point, as the phone does
        for cid, text in views["druck"].items():
            assert (WHERE[cid] in text) if cid in WHERE else "vor Ort" not in text, \
                (folder.name, cid, text)


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
    from hausbesuch.maps import field_stops
    from hausbesuch.store import Store
    from hausbesuch.web.app import create_app
    from hausbesuch.web.pages_worker import tour_stamp
    from tests.web_fixtures import lasting_link, links_open, live_server

    with Store.open(run.db) as store:
        plan = store.load_plan(run.plan_id)
    routes = [r for r in plan.routes if r.stops]
    geocodes = {g.client_id: g for g in plan.geocodes}
    app = create_app(run.db, cities=["lauf"], run_jobs=False)
    shown: dict[str, str] = {}
    where: dict[str, str] = {}
    stamps: list[tuple[str, str, str]] = []
    with live_server(app) as server, pytest.MonkeyPatch.context() as monkeypatch:
        for route in routes:
            links_open(monkeypatch, route.day)
            token, _ = lasting_link(app.state.web.store, run.plan_id, route.team_id,
                                    route.day)
            page = httpx.get(f"{server.url}/w/{token}/").text
            assert not any(w in page for w in NAME)
            for cid, addr, line in re.findall(
                    r'id="stopp-(L-\d)".*?<div class="addr">(.*?)</div>\s*'
                    r'(?:<p class="hint where">(.*?)</p>)?', page, re.S):
                shown[cid] = _text(addr)
                if line:
                    where[cid] = _text(line)
            stamps.append((re.search(r'data-tour="([0-9a-f]{16})"', page)[1],
                           tour_stamp(route), tour_stamp(field_stops(route, geocodes))))
    assert shown == SHOWN
    assert where == WHERE
    # the page's stamp is over the stored addresses, not the shown ones (which a new
    # rule of showing would change on every open page; a client who moved changes both)
    assert [page for page, _, _ in stamps] == [stored for _, stored, _ in stamps]
    assert all(page != of_shown for page, _, of_shown in stamps), stamps


@pytest.mark.slow
def test_a_stop_kept_by_a_re_plan_shows_its_own_address_not_the_new_ones_street(
        tmp_path, bad_hersfeld_pbf):
    """Review 39 #2, as a coordinator runs it: a visit „nicht angetroffen“, the client's
    address fixed to another street, the week re-planned from the next day. The visit
    kept from before shows the address it was made for; the revisit the new one; no view
    mixes the new street with the old house number („Breitenstraße 5“)."""
    from datetime import timedelta

    from hausbesuch.maps import WHERE_INTERPOLATED
    from hausbesuch.store import Store
    from tests.test_cli_wording import write_list, write_outcomes

    db = str(tmp_path / "f.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    before = ClockedCli(date(2026, 12, 4))
    before.ok("import", str(write_list(tmp_path / "k.csv", [
        ("K-1", ["Am Markt", "5", "36251", "Bad Hersfeld"]),
        ("K-2", ["Breitenstraße", "1", "36251", "Bad Hersfeld"])])), *common)
    before.ok("plan", *common, "--start", "2026-12-07", "--days", "5", "--out",
              str(tmp_path / "v1"), "--time-limit", "1", "--threads", "1", "--seed", "1")
    with Store.open(db) as store:
        v1 = store.latest_plan("Bad Hersfeld")
    day = next(r.day for r in v1.routes for s in r.stops if s.client_id == "K-1")
    assert day < date(2026, 12, 11)  # a day of the week left for the revisit
    cli = ClockedCli(day)
    cli.ok("outcomes", str(write_outcomes(tmp_path / "e.csv", [
        ["K-1", f"{day:%d.%m.%Y}", "10:00", "nicht angetroffen"]])), *common)
    cli.ok("address", "K-1", "--set-address", "Breitenstraße 20, 36251 Bad Hersfeld",
           *common)
    cli.ok("replan", v1.id, *common, "--from", f"{day + timedelta(days=1)} 06:00",
           "--out", str(tmp_path / "v2"), "--time-limit", "1", "--threads", "1",
           "--seed", "1")
    with Store.open(db) as store:
        v2 = store.latest_plan("Bad Hersfeld")
    stops = {r.day: s for r in v2.routes for s in r.stops if s.client_id == "K-1"}
    assert v2.version == 2 and len(stops) == 2 and day in stops, stops
    assert stops[day].address == "Am Markt 5, 36251 Bad Hersfeld"  # kept as it was
    # the address and the line on its point (Am Markt 5 was found exactly, Breitenstraße
    # 20 interpolated), of the stop's own geocode
    shown = {day: ("Am Markt 5, 36251 Bad Hersfeld", ""),
             max(stops): ("Breitenstraße 20, 36251 Bad Hersfeld", WHERE_INTERPOLATED)}
    for d, (address, where) in shown.items():
        name = f"{next(r.team_id for r in v2.routes if r.day == d and stops[d] in r.stops)}_{d}"
        page = (tmp_path / "v2" / "routen" / f"{name}.html").read_text(encoding="utf-8")
        stop = re.search(r'<span class="cid">K-1</span>(.*?)</li>', page, re.S)[1]
        addr = re.search(r'<div class="addr">(.*?)</div>', stop, re.S)[1]
        assert _text(addr) == address, (d, addr)
        notes = [_text(w) for w in re.findall(r'<p class="where">(.*?)</p>', stop, re.S)]
        assert notes == ([where] if where else []), (d, notes)
        for kind in ("routen", "druck", "karten"):
            text = (tmp_path / "v2" / kind / f"{name}.html").read_text(encoding="utf-8")
            assert address in _text(text), (kind, d)
            assert "Breitenstraße 5" not in _text(text), (kind, d)
