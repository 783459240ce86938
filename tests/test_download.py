"""The download path (osmnx → Nominatim + Overpass) against a loopback server with real data.

The server (``tests/overpass_server.py``) answers osmnx's real HTTP requests with
data from ``../shared/data/osm/bad-hersfeld_2021-10-27.osm.pbf``; osmnx's endpoint
settings point at it. ``deny_network()`` proves nothing else is contacted.
"""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import osmium
import osmnx as ox
import pytest
import shapely
from pyproj import Transformer

from geodata.cache import cache_dir
from geodata.districts import OUTSIDE, load_districts
from geodata.download import PLACE_TYPES, download_info, download_path, download_place
from geodata.errors import DownloadError, GeodataError
from geodata.network import load_network
from geodata.osm import check_extract, osm_timestamp
from tests.netguard import OutboundConnection, deny_network
from tests.overpass_server import OverpassServer, answer_query, load_osm, parse_query
from tests.test_districts import write_boundary_extract

PLACE = "Bad Hersfeld, Germany"
TOWN_NODE = (9.7068, 50.8681)  # place=town "Bad Hersfeld" in the extract


def town_polygon(radius_m: float = 2500.0) -> shapely.Polygon:
    """A 2.5 km disc around Bad Hersfeld's town node, as Nominatim's place polygon."""
    to_utm = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)
    x, y = to_utm.transform(*TOWN_NODE)
    disc = shapely.Point(x, y).buffer(radius_m, quad_segs=8)
    return shapely.transform(disc, lambda c: np.column_stack(to_wgs.transform(c[:, 0], c[:, 1])))


@pytest.fixture(scope="module")
def polygon() -> shapely.Polygon:
    return town_polygon()


@pytest.fixture(scope="module")
def served(tmp_path_factory, bad_hersfeld_pbf):
    """What the server serves: the real extract plus complete admin_level 10 relations
    "Nord" and "Süd" (and a cut-off one) over real nodes (tests/test_districts.py)."""
    dst = tmp_path_factory.mktemp("served") / "bad-hersfeld-boundaries.osm.pbf"
    return write_boundary_extract(bad_hersfeld_pbf, dst)


@pytest.fixture(scope="module")
def server(served, polygon):
    with OverpassServer(served[0], {PLACE: polygon}) as srv:
        yield srv


@pytest.fixture(scope="module")
def reference_walk(bad_hersfeld_pbf):
    """The local extract's walk network, from the run's shared test cache."""
    return load_network(bad_hersfeld_pbf, "walk")


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch) -> Path:
    """A cache of its own, so that a download really happens."""
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.delenv("HAUSBESUCH_OVERPASS_URL", raising=False)
    monkeypatch.delenv("HAUSBESUCH_NOMINATIM_URL", raising=False)
    return tmp_path / "cache"


def point_osmnx_at(monkeypatch, srv: OverpassServer) -> None:
    monkeypatch.setattr(ox.settings, "overpass_url", srv.overpass_url)
    monkeypatch.setattr(ox.settings, "nominatim_url", srv.nominatim_url)


def _town_objects(path: Path, polygon) -> tuple[set[tuple[str, int]], set[str]]:
    """Address objects (type, id) with a node inside ``polygon``, and names of place nodes there.

    Place nodes count when their type is one :func:`download_place` fetches.
    """
    addresses: set[tuple[str, int]] = set()
    places: set[str] = set()
    fp = (
        osmium.FileProcessor(str(path))
        .with_locations()
        .with_filter(osmium.filter.KeyFilter("addr:housenumber", "place"))
    )
    for obj in fp:
        if isinstance(obj, osmium.osm.Node):
            if not shapely.contains_xy(polygon, obj.location.lon, obj.location.lat):
                continue
            if "addr:housenumber" in obj.tags:
                addresses.add(("n", obj.id))
            if obj.tags.get("place") in PLACE_TYPES:
                places.add(obj.tags.get("name", str(obj.id)))
        elif isinstance(obj, osmium.osm.Way) and "addr:housenumber" in obj.tags:
            locs = [n.location for n in obj.nodes if n.location.valid()]
            if any(shapely.contains_xy(polygon, loc.lon, loc.lat) for loc in locs):
                addresses.add(("w", obj.id))
    return addresses, places


def test_download_place_end_to_end(
    server, served, polygon, reference_walk, fresh_cache, monkeypatch, bad_hersfeld_pbf
):
    point_osmnx_at(monkeypatch, server)
    saved_cache_folder = ox.settings.cache_folder
    before = server.count()
    messages: list[str] = []
    with deny_network() as attempts:
        path = download_place(PLACE, progress=messages.append)
        assert attempts == []  # not one connection beyond loopback during the download
        with pytest.raises(OutboundConnection):  # … and the guard was really on
            socket.create_connection(("192.0.2.1", 80), timeout=1)
        assert len(attempts) == 1
    # osmnx really asked the loopback server: geocoding, then the Overpass queries
    assert server.count("/nominatim/search") == 1
    assert server.count("/api/interpreter") >= 3
    assert server.count() > before
    assert len(messages) == 5 and messages[0].startswith("Schritt 1/5")
    assert any("Straßennetz" in m for m in messages)
    # globals osmnx mutates are restored
    assert ox.settings.cache_folder == saved_cache_folder
    assert socket.getaddrinfo.__module__ == "socket"

    # one local OSM file in our cache, read through the normal local path
    assert path == download_path(PLACE)
    assert path.parent == cache_dir("downloads") and path.is_relative_to(fresh_cache)
    assert path.name.endswith(".osm.pbf")
    check_extract(path)
    assert osm_timestamp(path) == "2021-10-27T14:42:29Z"
    info = download_info(path)
    assert info is not None and info["name"] == "Bad Hersfeld" and info["place"] == PLACE
    assert info["polygon"].symmetric_difference(polygon).area < 1e-9

    # the walk network inside the place polygon matches the local extract's
    got = load_network(path, "walk")
    ref = reference_walk
    n_got = int(shapely.contains_xy(polygon, got.node_lon, got.node_lat).sum())
    n_ref = int(shapely.contains_xy(polygon, ref.node_lon, ref.node_lat).sum())
    assert n_ref > 1000
    assert 0.97 * n_ref <= n_got <= 1.03 * n_ref, (n_got, n_ref)
    assert got.n_nodes < ref.n_nodes  # … and the download is the town, not the whole extract
    # every address object and place node of the town is in the download
    ref_addr, ref_places = _town_objects(bad_hersfeld_pbf, polygon)
    got_addr, got_places = _town_objects(path, polygon)
    assert len(ref_addr) > 1000 and ref_addr <= got_addr
    assert len(ref_places) >= 5 and ref_places <= got_places

    # a second call makes no request at all
    count = server.count()
    with deny_network() as attempts:
        again = download_place(PLACE)
    assert again == path and server.count() == count and attempts == []

    # districts of the download: the boundary relations came complete with their members
    _, sued, nord = served
    d = load_districts(path)
    assert d.source == "osm" and sorted(d.names) == ["Nord", "Süd"]
    got_geoms = dict(zip(d.names, d.geometries, strict=True))
    assert got_geoms["Süd"].symmetric_difference(sued).area < 1e-9
    assert got_geoms["Nord"].symmetric_difference(nord).area < 1e-9
    assert any("Abgeschnitten" in n for n in d.notes)  # still incomplete: skipped
    assert d.assign([9.71, 9.71, 9.4], [50.858, 50.877, 50.8]).tolist() == ["Süd", "Nord", OUTSIDE]
    assert load_districts(path, admin_level=9).names == ["Kernstadt"]


def test_place_not_found(server, fresh_cache, monkeypatch):
    point_osmnx_at(monkeypatch, server)
    with pytest.raises(DownloadError, match="Ort nicht gefunden: .* Ort namens 'Atlantis, Germany'"):
        download_place("Atlantis, Germany")
    assert not download_path("Atlantis, Germany").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_overpass_unreachable(server, fresh_cache, monkeypatch):
    point_osmnx_at(monkeypatch, server)
    monkeypatch.setattr(ox.settings, "overpass_url", f"http://127.0.0.1:{_closed_port()}/api")
    with deny_network() as attempts, pytest.raises(DownloadError, match="Overpass.*nicht erreichbar"):
        download_place(PLACE)
    assert attempts == []
    assert not download_path(PLACE).exists()


def test_nominatim_unreachable_via_env(fresh_cache, monkeypatch):
    """The HAUSBESUCH_NOMINATIM_URL variable overrides osmnx's setting."""
    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", f"http://127.0.0.1:{_closed_port()}/")
    with pytest.raises(DownloadError, match="Nominatim.*nicht erreichbar") as exc:
        download_place(PLACE)
    assert isinstance(exc.value, GeodataError)
    # QA 18b #3: „--osm“ alone stored a Lauf list under the default city Kassel
    text = str(exc.value)
    assert text.index("--city PROFIL") < text.index("--osm") and "ohne --city gilt Kassel" in text


@pytest.mark.slow  # three failed downloads and a whole one from the loopback server (~9 s)
def test_bad_overpass_answers(server, fresh_cache, monkeypatch):
    """Empty answers, runtime-error remarks and HTTP 500 pages each give a German error.

    The attempts share one cache, but a failed download keeps none of osmnx's cached
    answers (QA 19c #2): each attempt asks Nominatim again.
    """
    point_osmnx_at(monkeypatch, server)
    cases = [
        ("remark", "Overpass meldet einen Fehler"),
        ("broken", "keine brauchbare Antwort"),
        ("empty", "keine Straßen"),
    ]
    nominatim = server.count("/nominatim/search")
    try:
        for mode, message in cases:
            server.mode = mode
            before = server.count("/api/interpreter")
            with pytest.raises(DownloadError, match=message):
                download_place(PLACE)
            assert server.count("/api/interpreter") > before
            assert not download_path(PLACE).exists()
    finally:
        server.mode = "ok"
    assert server.count("/nominatim/search") == nominatim + len(cases)
    assert _kept(fresh_cache) == []
    # no failed answer stays cached: a retry with a working server succeeds
    interpreter = server.count("/api/interpreter")
    path = download_place(PLACE)
    assert path.is_file() and server.count("/api/interpreter") >= interpreter + 3


def test_empty_place_name(fresh_cache):
    with pytest.raises(DownloadError, match="Kein Ortsname"):
        download_place("   ")


def test_download_path_is_keyed_by_place(fresh_cache):
    a = download_path("Kassel, Germany")
    assert a == download_path("  Kassel,   Germany ")
    assert a != download_path("Bad Hersfeld, Germany")
    assert a != download_path("Kassel, Germany", admin_levels=(10,))
    assert a.name.startswith("kassel-germany-")


def test_server_answers_overpass_ql_like_overpass(bad_hersfeld_pbf, polygon):
    """The loopback server's query subset itself: filters, areas and recursion."""
    data = load_osm(str(bad_hersfeld_pbf))
    poly = " ".join(f"{y:.6f} {x:.6f}" for x, y in polygon.exterior.coords)
    q = parse_query(
        f"[out:json][timeout:180];(way[\"highway\"][\"highway\"!~\"footway|path\"]"
        f"(poly:'{poly}');>;);out;"
    )
    assert not q.selections[0].filters[1].match({"highway": "footway"})
    assert q.recurse_down and len(q.selections) == 1
    els = answer_query(data, q)
    ways = [e for e in els if e["type"] == "way"]
    nodes = {e["id"] for e in els if e["type"] == "node"}
    assert ways and all(e["tags"]["highway"] not in ("footway", "path") for e in ways)
    assert all(set(w["nodes"]) <= nodes for w in ways)  # recursion gave the ways' nodes
    bbox = answer_query(data, parse_query('node["place"="town"](50.86,9.70,50.87,9.71);out;'))
    assert [e["tags"]["name"] for e in bbox] == ["Bad Hersfeld"]


def test_kassel_default_offline_explains_how_to_work_offline(fresh_cache, monkeypatch):
    """The default profile downloads Kassel once; offline, the message says what to do."""
    from hausbesuch.config import load_profile, resolve_osm
    from hausbesuch.errors import ProfileError

    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", f"http://127.0.0.1:{_closed_port()}/")
    with deny_network() as attempts, pytest.raises(ProfileError) as exc:
        resolve_osm(load_profile("kassel"))
    assert attempts == []
    text = str(exc.value)
    assert "nicht erreichbar" in text and "--osm DATEI" in text and "--city bad-hersfeld" in text
    assert "nie Kundendaten" in text


# --------------------------------------------------------------------------- overloaded servers


@pytest.mark.parametrize("status", [504, 429])
def test_overloaded_overpass_ends_with_german_error(server, fresh_cache, monkeypatch, status):
    """A server answering 504/429 to every query: a bounded number of attempts, then a
    German DownloadError (osmnx alone would retry every 55 s forever); nothing is kept."""
    point_osmnx_at(monkeypatch, server)
    messages: list[str] = []
    before = server.count("/api/interpreter")
    server.mode = str(status)
    try:
        with pytest.raises(DownloadError) as exc:
            download_place(PLACE, progress=messages.append, overload_retries=2, overload_pause=0.01)
    finally:
        server.mode = "ok"
    text = str(exc.value)
    assert f"Der Overpass-Server {server.overpass_url} ist überlastet (HTTP {status}" in text
    assert "nach 3 Versuchen" in text
    assert "später erneut versuchen" in text and "--osm" in text
    assert server.count("/api/interpreter") - before == 3
    assert sum("überlastet" in m and "neuer Versuch" in m for m in messages) == 2
    assert not download_path(PLACE).exists()


@pytest.mark.slow  # a whole download from the loopback server through busy answers (~6 s)
def test_overloaded_server_recovers(server, fresh_cache, monkeypatch):
    """Busy answers of Nominatim and Overpass in between: the download waits and succeeds."""
    point_osmnx_at(monkeypatch, server)
    server.busy = {"/nominatim/search": [429], "/api/interpreter": [504, 429]}
    messages: list[str] = []
    try:
        path = download_place(PLACE, progress=messages.append, overload_pause=0.01)
    finally:
        server.busy = {}
    assert path.is_file() and download_info(path) is not None
    assert [m.split(":")[0] for m in messages if "überlastet" in m] == [
        "Schritt 1/5", "Schritt 3/5", "Schritt 3/5"]


def test_overload_pause_and_retries_default(server, fresh_cache, monkeypatch):
    """The module settings are the defaults (the CLI uses them)."""
    import geodata.download as dl

    point_osmnx_at(monkeypatch, server)
    monkeypatch.setattr(dl, "OVERLOAD_RETRIES", 1)
    monkeypatch.setattr(dl, "OVERLOAD_PAUSE_S", 0.01)
    server.busy = {"/api/interpreter": [504, 504]}
    try:
        with pytest.raises(DownloadError, match="nach 2 Versuchen"):
            download_place(PLACE)
    finally:
        server.busy = {}
    assert ox.settings.requests_kwargs == {}  # our response hook is gone again


def test_kassel_cli_with_overloaded_overpass(server, fresh_cache, monkeypatch):
    """`hausbesuch network` (default profile Kassel) against a server answering 504:
    exit 2 with the German message, in seconds instead of never."""
    from typer.testing import CliRunner

    import geodata.download as dl
    from hausbesuch.cli import app

    server.places["kassel, germany"] = ("Kassel, Germany", town_polygon())
    monkeypatch.setenv("HAUSBESUCH_OVERPASS_URL", server.overpass_url)
    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", server.nominatim_url)
    monkeypatch.setattr(dl, "OVERLOAD_PAUSE_S", 0.01)
    server.mode = "504"
    try:
        res = CliRunner().invoke(app, ["network", "--mode", "walk"], catch_exceptions=False)
    finally:
        server.mode = "ok"
        del server.places["kassel, germany"]
    assert res.exit_code == 2, res.output
    assert "Der Overpass-Server" in res.stderr and "überlastet (HTTP 504" in res.stderr
    assert "--osm" in res.stderr and "Traceback" not in res.output


# --------------------------------------------------------------------------- inconsistent answers


def _kept(fresh_cache: Path) -> list[str]:
    """What the download left in the cache (hidden files included)."""
    folder = fresh_cache / "downloads"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


@pytest.mark.slow  # a refused and a whole download from the loopback server, per case (~8-10 s)
@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("nodes_missing", r"unvollständig: \d+ von \d+ Knoten der Wege fehlen"),
        ("few_addresses", r"vermutlich unvollständig: nur \d+ Adressen bei \d+ benannten"),
    ],
)
def test_inconsistent_answer_is_not_kept(server, fresh_cache, monkeypatch, mode, message):
    """Ways without their nodes, or almost no addresses: DownloadError, nothing kept, and
    the next call asks the server again (and succeeds once the answer is complete)."""
    point_osmnx_at(monkeypatch, server)
    server.mode = mode
    try:
        with pytest.raises(DownloadError, match=message) as exc:
            download_place(PLACE)
    finally:
        server.mode = "ok"
    assert "nicht gespeichert" in str(exc.value) and "--osm" in str(exc.value)
    assert _kept(fresh_cache) == []  # no .osm.pbf, no sidecar, no cached answers
    before = server.count("/api/interpreter")
    path = download_place(PLACE)
    assert server.count("/api/interpreter") >= before + 3
    assert path.is_file() and download_info(path) is not None
    assert _kept(fresh_cache) == sorted([path.name, path.name + ".json"])


def _el(kind: str, i: int, **kw):
    return (kind, i), {"type": kind, "id": i, **kw}


def _street(i: int, nodes: list[int], name: str | None = "Weg") -> tuple:
    tags = {"highway": "residential", **({"name": name} if name else {})}
    return _el("way", i, nodes=nodes, tags=tags)


def test_check_elements_thresholds():
    from geodata.download import check_elements

    nodes = dict(_el("node", n, lat=50.0 + n * 1e-4, lon=9.0) for n in range(1, 201))
    addrs = dict(_el("node", 1000 + k, lat=50.0, lon=9.0, tags={"addr:housenumber": str(k)})
                 for k in range(10))
    ways = dict(_street(w, list(range(1 + 5 * w, 6 + 5 * w))) for w in range(40))
    check_elements({**nodes, **addrs, **ways}, "Ort")  # 200 refs, 10 addresses for 40 streets
    # one missing node of 202 refs is tolerated (0.5 %), three of 200 are not
    check_elements({**nodes, **addrs, **ways, **dict([_street(99, [1, 9999], None)])}, "Ort")
    gone = {k: v for k, v in nodes.items() if k[1] > 3}
    with pytest.raises(DownloadError, match="3 von 200 Knoten der Wege fehlen"):
        check_elements({**gone, **addrs, **ways}, "Ort")
    few = dict(list(addrs.items())[:9])
    with pytest.raises(DownloadError, match="nur 9 Adressen bei 40 benannten"):
        check_elements({**nodes, **few, **ways}, "Ort")
    unnamed = dict(_street(w, [1, 2], name=None) for w in range(40))
    check_elements({**nodes, **dict(list(addrs.items())[:1]), **unnamed}, "Ort")
    with pytest.raises(DownloadError, match="nur 0 Adressen"):
        check_elements({**nodes, **unnamed}, "Ort")


def test_check_network_refuses_answer_without_walk_network(tmp_path):
    """Streets only a car may use (motorway): no walk network, the download is refused."""
    from geodata.download import _write_pbf, check_network

    nodes = dict(_el("node", n, lat=50.0 + n * 1e-3, lon=9.0 + (n % 2) * 1e-3) for n in range(1, 60))
    motorway = dict([_el("way", 1, nodes=list(range(1, 60)), tags={"highway": "motorway"})])
    path = tmp_path / "motorway.osm.pbf"
    _write_pbf({**nodes, **motorway}, path, None, (9.0, 50.0, 9.1, 50.1))
    with pytest.raises(DownloadError, match=r"kein Fußwegenetz bilden \(0 Kanten\)"):
        check_network(path, "Ort")
    path.unlink()
    footway = dict([_el("way", 1, nodes=list(range(1, 60)), tags={"highway": "footway"})])
    _write_pbf({**nodes, **footway}, path, None, (9.0, 50.0, 9.1, 50.1))
    with pytest.raises(DownloadError, match=r"\(2 Kanten\)"):  # one way both directions: too small
        check_network(path, "Ort")


# --------------------------------------------------------------------------- QA 19c: what a download leaves


@pytest.mark.slow  # a refused and a whole download from the loopback server (~7 s)
def test_empty_nominatim_answer_is_not_cached(server, polygon, fresh_cache, monkeypatch):
    """QA 19c #2: Nominatim answering ``[]`` once must not be remembered: osmnx cached the
    empty answer in ``.http-…`` and every later run on the same URL said „Ort nicht
    gefunden“ without asking again."""
    point_osmnx_at(monkeypatch, server)
    place = "Hersfeld Neu, Germany"
    nominatim = server.count("/nominatim/search")
    with pytest.raises(DownloadError, match="Ort nicht gefunden") as exc:
        download_place(place)
    assert server.count("/nominatim/search") == nominatim + 1
    assert _kept(fresh_cache) == []  # no .http-… folder with the empty answer
    # QA 19c #7: says that the server knows no such place and where the name is set,
    # instead of suggesting the very name that failed
    text = str(exc.value)
    assert f"Nominatim-Server {server.nominatim_url} kennt keinen Ort namens {place!r}" in text
    assert "[osm] place" in text and "Kassel, Germany" not in text
    assert not exc.value.server_problem
    server.places["hersfeld neu, germany"] = (place, polygon)  # the server knows it now
    try:
        path = download_place(place)
    finally:
        del server.places["hersfeld neu, germany"]
    assert server.count("/nominatim/search") == nominatim + 2  # asked again, same URL
    assert path.is_file() and download_info(path)["place"] == place


def _pbf_blocks(data: bytes) -> list[int]:
    """Offsets where the PBF blocks of ``data`` end (from each BlobHeader's ``datasize``)."""
    ends, pos = [], 0
    while pos < len(data):
        head_len = int.from_bytes(data[pos:pos + 4], "big")
        head, i, datasize = data[pos + 4:pos + 4 + head_len], 0, None
        while i < len(head):  # protobuf fields: 1 type (bytes), 2 indexdata (bytes), 3 datasize
            key = head[i]
            i += 1
            if key & 7 == 0:
                value = shift = 0
                while True:
                    b = head[i]
                    i += 1
                    value |= (b & 0x7F) << shift
                    shift += 7
                    if not b & 0x80:
                        break
                if key >> 3 == 3:
                    datasize = value
            else:
                length = head[i]  # short strings only (the type name)
                i += 1 + length
        pos += 4 + head_len + int(datasize)
        ends.append(pos)
    return ends


def test_damaged_download_is_refused_on_reuse(server, fresh_cache, monkeypatch):
    """QA 19c #5: a cached download cut at a block boundary reads without error (only the
    last objects are gone); the sidecar's size and SHA-256 catch it when it is reused."""
    import json

    from geodata.errors import ExtractError

    point_osmnx_at(monkeypatch, server)
    path = download_place(PLACE)
    good = path.read_bytes()
    side = path.with_name(path.name + ".json")
    info = json.loads(side.read_text(encoding="utf-8"))
    assert info["size"] == len(good) and len(info["sha256"]) == 64
    ends = _pbf_blocks(good)
    assert ends[-1] == len(good) and len(ends) >= 3
    count = server.count()

    path.write_bytes(good[:ends[-2]])  # the last block gone
    check_extract(path)  # pyosmium alone sees nothing wrong
    with pytest.raises(ExtractError, match="beschädigt oder unvollständig") as exc:
        download_place(PLACE)
    assert "neu herunter" in str(exc.value) and str(path) in str(exc.value)

    damaged = bytearray(good)
    damaged[len(good) // 2] ^= 0xFF  # same size, other content
    path.write_bytes(bytes(damaged))
    with pytest.raises(ExtractError, match="Prüfsumme"):
        download_place(PLACE)

    path.write_bytes(good)
    assert download_place(PLACE) == path
    # a sidecar written before size and hash were kept is still accepted
    del info["size"], info["sha256"]
    side.write_text(json.dumps(info), encoding="utf-8")
    path.write_bytes(good[:ends[-2]])
    assert download_place(PLACE) == path
    assert server.count() == count  # never a request: damaged files are refused, not fetched


def test_fresh_download_is_hashed_once(server, fresh_cache, monkeypatch):
    """Review 19b: the file written is hashed for its sidecar; after the rename into place
    its readers (the reuse check, the index and network caches) take that digest instead
    of reading the whole extract a second time."""
    import hashlib

    from geodata import cache

    point_osmnx_at(monkeypatch, server)
    monkeypatch.setattr(cache, "_digest_memo", {})
    reads = []
    real = hashlib.sha256
    # file_digest starts an empty hash per file read (cache_key hashes its text at once)
    monkeypatch.setattr(cache.hashlib, "sha256", lambda *a: (None if a else reads.append(1)) or real(*a))
    path = download_place(PLACE)
    assert len(reads) == 1
    assert cache.file_digest(path) == real(path.read_bytes()).hexdigest()
    assert download_place(PLACE) == path  # reuse: checked against the sidecar
    assert len(reads) == 1


def test_old_leftovers_of_killed_downloads_are_removed(fresh_cache, monkeypatch):
    """QA 19c #6: temporary folders of a write killed midway and osmnx HTTP caches are
    removed by the next download once an hour old; younger ones may belong to a download
    running now and stay, as does anything else."""
    import os
    import time

    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", f"http://127.0.0.1:{_closed_port()}/")
    folder = cache_dir("downloads")
    old = time.time() - 2 * 3600
    names = {
        "old": [".kassel-germany-0123456789abcdef.osm.pbf.x1y2z3",
                ".kassel-germany-0123456789abcdef.osm.pbf.json.a1b2c3",
                ".http-kassel-germany-0123456789abcdef"],
        "young": [".lauf-0123456789abcdef.osm.pbf.q1w2e3", ".http-lauf-0123456789abcdef"],
        "other": [".eigene-notizen", "kassel-germany-0123456789abcdef.osm.pbf.x1y2z3"],
    }
    for kind, group in names.items():
        for name in group:
            (folder / name).mkdir()
            inner = folder / name / "part.tmp.osm.pbf"
            inner.write_bytes(b"partial")
            if kind != "young":
                os.utime(inner, (old, old))
                os.utime(folder / name, (old, old))
    with pytest.raises(DownloadError, match="nicht erreichbar"):
        download_place(PLACE)
    left = set(_kept(fresh_cache))
    assert left == set(names["young"]) | set(names["other"])


def test_profile_download_errors_give_one_advice(server, fresh_cache, monkeypatch):
    """QA 19c #7: the profile's offline advice replaces the download's own (it said
    „Ohne Internetzugang …“ / „… mit --osm angeben“ twice), and no „..“ after a remark."""
    from hausbesuch.config import load_profile, resolve_osm
    from hausbesuch.errors import ProfileError

    monkeypatch.setenv("HAUSBESUCH_OVERPASS_URL", server.overpass_url)
    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", server.nominatim_url)
    with pytest.raises(ProfileError) as exc:  # the server knows no Kassel
        resolve_osm(load_profile("kassel"))
    text = str(exc.value)
    assert "kennt keinen Ort namens 'Kassel, Germany'" in text and "[osm] place" in text
    assert "Ohne Internetzugang" not in text and "nie Kundendaten" in text

    server.places["kassel, germany"] = ("Kassel, Germany", town_polygon())
    server.mode = "remark"
    try:
        with pytest.raises(ProfileError) as exc:
            resolve_osm(load_profile("kassel"))
    finally:
        server.mode = "ok"
        del server.places["kassel, germany"]
    text = str(exc.value)
    assert "after 180 seconds. Bitte später erneut versuchen." in text and ".." not in text
    assert text.count("--osm") == 1 and text.count("Ohne Internetzugang") == 1

    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", f"http://127.0.0.1:{_closed_port()}/")
    with pytest.raises(ProfileError) as exc:
        resolve_osm(load_profile("kassel"))
    text = str(exc.value)
    assert "nicht erreichbar" in text and text.count("Ohne Internetzugang") == 1
    assert text.count("--osm") == 1 and text.index("--city PROFIL") < text.index("--osm")
