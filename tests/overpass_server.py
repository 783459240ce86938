"""A loopback stand-in for the Overpass API and Nominatim, serving a real OSM extract.

Tests start :class:`OverpassServer` on ``127.0.0.1`` (a free port) and point
osmnx's ``settings.overpass_url`` / ``settings.nominatim_url`` at it, so the
download path runs end to end through osmnx and ``requests`` without the internet.

What it answers:

- ``GET  <base>/api/status``: an Overpass status text with free slots (osmnx reads
  line 5 before every query).
- ``POST|GET <base>/api/interpreter`` with ``data=<Overpass QL>``: the subset of
  Overpass QL that osmnx and :mod:`geodata.download` send: selections
  ``node|way|relation|nwr`` with tag filters (``[k]``, ``[!k]``, ``[k=v]``,
  ``[k!=v]``, ``[k~re]``, ``[k!~re]``, ``,i``) and an area (``poly:"lat lon …"``
  or a bbox ``(s,w,n,e)``), unions, and recursion down (``>``). The answer is
  Overpass JSON (``{"osm3s": …, "elements": […]}``) built from the real extract.
  A way is inside when one of its nodes is; a relation when one of its member
  nodes or member ways is.
- ``GET <base>/nominatim/search?q=…``: a Nominatim result list with the polygon
  registered for that place name (``[]`` for unknown places).

Every request is recorded in :attr:`OverpassServer.requests`.
"""

from __future__ import annotations

import json
import re
import threading
from dataclasses import dataclass, field
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import numpy as np
import osmium
import shapely

# --------------------------------------------------------------------------- the data


@dataclass
class OsmData:
    """A whole OSM extract in memory (node coordinates in arrays)."""

    node_ids: np.ndarray  # sorted int64
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_tags: dict[int, dict[str, str]]
    ways: dict[int, tuple[np.ndarray, dict[str, str]]]
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]]
    osm_base: str | None

    def node_index(self, ids: np.ndarray) -> np.ndarray:
        """Positions of ``ids`` in the node arrays (-1 when absent)."""
        ids = np.asarray(ids, dtype=np.int64)
        pos = np.searchsorted(self.node_ids, ids)
        pos = np.minimum(pos, len(self.node_ids) - 1)
        return np.where(self.node_ids[pos] == ids, pos, -1)


@lru_cache(maxsize=4)
def load_osm(path: str) -> OsmData:
    """Read an extract once per process."""
    ids: list[int] = []
    lons: list[float] = []
    lats: list[float] = []
    node_tags: dict[int, dict[str, str]] = {}
    ways: dict[int, tuple[np.ndarray, dict[str, str]]] = {}
    relations: dict[int, tuple[list[tuple[str, int, str]], dict[str, str]]] = {}
    for obj in osmium.FileProcessor(path):
        if isinstance(obj, osmium.osm.Node):
            if not obj.location.valid():
                continue
            ids.append(obj.id)
            lons.append(obj.location.lon)
            lats.append(obj.location.lat)
            if len(obj.tags):
                node_tags[obj.id] = {t.k: t.v for t in obj.tags}
        elif isinstance(obj, osmium.osm.Way):
            ways[obj.id] = (
                np.fromiter((n.ref for n in obj.nodes), dtype=np.int64),
                {t.k: t.v for t in obj.tags},
            )
        elif isinstance(obj, osmium.osm.Relation):
            relations[obj.id] = (
                [(m.type, m.ref, m.role) for m in obj.members],
                {t.k: t.v for t in obj.tags},
            )
    reader = osmium.io.Reader(path, osmium.osm.osm_entity_bits.NOTHING)
    header = reader.header()
    reader.close()
    order = np.argsort(np.asarray(ids, dtype=np.int64))
    return OsmData(
        node_ids=np.asarray(ids, dtype=np.int64)[order],
        node_lon=np.asarray(lons)[order],
        node_lat=np.asarray(lats)[order],
        node_tags=node_tags,
        ways=ways,
        relations=relations,
        osm_base=header.get("osmosis_replication_timestamp") or None,
    )


# --------------------------------------------------------------------------- Overpass QL subset

_Q = r"(?:\"((?:[^\"\\]|\\.)*)\"|'((?:[^'\\]|\\.)*)'|([\w:.\-]+))"
_FILTER_RE = re.compile(
    r"\[\s*(!)?\s*" + _Q + r"\s*(?:(=|!=|~|!~)\s*" + _Q + r"\s*(,\s*i)?)?\s*\]"
)
_STMT_RE = re.compile(
    r"\b(node|way|relation|rel|nwr)\s*((?:\[[^\[\]]*\]\s*)*)\(\s*"
    r"(?:poly\s*:\s*(?:\"([^\"]*)\"|'([^']*)')"
    r"|(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?))"
    r"\s*\)"
)


def _unq(m: re.Match[str], first: int) -> str | None:
    for g in (first, first + 1, first + 2):
        v = m.group(g)
        if v is not None:
            return v.encode().decode("unicode_escape") if "\\" in v else v
    return None


@dataclass
class TagFilter:
    key: str
    op: str | None  # None: key present; "!": key absent; =, !=, ~, !~
    value: str | None
    ignore_case: bool = False

    def match(self, tags: dict[str, str]) -> bool:
        has = self.key in tags
        if self.op is None:
            return has
        if self.op == "!":
            return not has
        v = tags.get(self.key)
        if self.op == "=":
            return v == self.value
        if self.op == "!=":
            return v != self.value
        flags = re.IGNORECASE if self.ignore_case else 0
        found = v is not None and re.search(self.value or "", v, flags) is not None
        return found if self.op == "~" else not found


@dataclass
class Selection:
    kind: str  # node, way, relation, nwr
    filters: list[TagFilter]
    area: Any  # shapely geometry (lon/lat)


@dataclass
class Query:
    selections: list[Selection] = field(default_factory=list)
    recurse_down: bool = False


def parse_query(text: str) -> Query:
    """Parse the Overpass QL subset described in the module docstring."""
    q = Query()
    for m in _STMT_RE.finditer(text):
        kind = {"rel": "relation"}.get(m.group(1), m.group(1))
        filters = []
        for f in _FILTER_RE.finditer(m.group(2) or ""):
            negate, key = f.group(1), _unq(f, 2)
            op = f.group(5)
            value = _unq(f, 6) if op else None
            if negate:
                op = "!"
            filters.append(TagFilter(key or "", op, value, bool(f.group(9))))
        poly = m.group(3) if m.group(3) is not None else m.group(4)
        if poly is not None:
            nums = [float(v) for v in poly.split()]
            ring = list(zip(nums[1::2], nums[0::2], strict=True))  # lat lon -> lon lat
            area = shapely.Polygon(ring)
        else:
            s, w, n, e = (float(m.group(i)) for i in (5, 6, 7, 8))
            area = shapely.box(w, s, e, n)
        q.selections.append(Selection(kind, filters, area))
    q.recurse_down = re.search(r">\s*;", text) is not None
    return q


def answer_query(data: OsmData, q: Query) -> list[dict[str, Any]]:
    """Overpass JSON elements for a parsed query (nodes, ways, relations in id order)."""
    nodes: set[int] = set()
    ways: set[int] = set()
    rels: set[int] = set()
    for sel in q.selections:
        inside = shapely.intersects_xy(sel.area, data.node_lon, data.node_lat)
        if sel.kind in ("node", "nwr"):
            if sel.filters:
                for nid, tags in data.node_tags.items():
                    if all(f.match(tags) for f in sel.filters):
                        pos = data.node_index(np.array([nid]))[0]
                        if pos >= 0 and inside[pos]:
                            nodes.add(nid)
            else:
                nodes.update(data.node_ids[inside].tolist())
        way_inside: dict[int, bool] = {}

        def way_in(wid: int, inside: np.ndarray = inside, memo: dict[int, bool] = way_inside) -> bool:
            if wid not in memo:
                w = data.ways.get(wid)
                if w is None:
                    memo[wid] = False
                else:
                    pos = data.node_index(w[0])
                    pos = pos[pos >= 0]
                    memo[wid] = bool(pos.size and inside[pos].any())
            return memo[wid]

        if sel.kind in ("way", "nwr"):
            for wid, (_, tags) in data.ways.items():
                if all(f.match(tags) for f in sel.filters) and way_in(wid):
                    ways.add(wid)
        if sel.kind in ("relation", "nwr"):
            for rid, (members, tags) in data.relations.items():
                if not all(f.match(tags) for f in sel.filters):
                    continue
                for mtype, ref, _ in members:
                    if mtype == "n":
                        pos = data.node_index(np.array([ref]))[0]
                        hit = pos >= 0 and bool(inside[pos])
                    elif mtype == "w":
                        hit = way_in(ref)
                    else:
                        hit = False
                    if hit:
                        rels.add(rid)
                        break
    if q.recurse_down:
        for rid in list(rels):
            for mtype, ref, _ in data.relations[rid][0]:
                if mtype == "w" and ref in data.ways:
                    ways.add(ref)
                elif mtype == "n":
                    nodes.add(ref)
        for wid in ways:
            nodes.update(data.ways[wid][0].tolist())
    out: list[dict[str, Any]] = []
    node_list = np.array(sorted(nodes), dtype=np.int64)
    pos = data.node_index(node_list) if node_list.size else node_list
    for nid, p in zip(node_list.tolist(), pos.tolist(), strict=True):
        if p < 0:
            continue  # not in the extract
        el: dict[str, Any] = {
            "type": "node",
            "id": nid,
            "lat": round(float(data.node_lat[p]), 7),
            "lon": round(float(data.node_lon[p]), 7),
        }
        if nid in data.node_tags:
            el["tags"] = data.node_tags[nid]
        out.append(el)
    for wid in sorted(ways):
        refs, tags = data.ways[wid]
        el = {"type": "way", "id": wid, "nodes": refs.tolist()}
        if tags:
            el["tags"] = tags
        out.append(el)
    names = {"n": "node", "w": "way", "r": "relation"}
    for rid in sorted(rels):
        members, tags = data.relations[rid]
        el = {
            "type": "relation",
            "id": rid,
            "members": [{"type": names[t], "ref": r, "role": role} for t, r, role in members],
        }
        if tags:
            el["tags"] = tags
        out.append(el)
    return out


# --------------------------------------------------------------------------- HTTP

STATUS_TEXT = (
    "Connected as: 2130706433\n"
    "Current time: 2021-10-27T14:42:29Z\n"
    "Announced endpoint: none\n"
    "Rate limit: 2\n"
    "2 slots available now.\n"
    "Currently running queries (pid, space limit, time limit, start time):\n"
)


class OverpassServer:
    """Loopback Overpass + Nominatim server over a real extract (see the module docstring).

    Parameters
    ----------
    osm_path
        The extract whose data is served.
    places
        Place name (as a user writes it, e.g. ``"Bad Hersfeld, Germany"``) →
        polygon (WGS84) answered by the Nominatim search.
    mode
        ``"ok"``; ``"empty"`` (Overpass answers no elements); ``"remark"`` (an
        Overpass runtime error remark); ``"broken"`` (HTTP 500 with a text body);
        ``"504"`` / ``"429"`` (every Overpass query answered "Gateway Timeout" /
        "Too Many Requests", as a busy public server does); ``"nodes_missing"``
        (answers without their nodes, as a cut-off answer without a remark looks);
        ``"few_addresses"`` (at most 5 address objects per answer).

    :attr:`busy` maps a path (``"/api/interpreter"``, ``"/nominatim/search"``) to the
    HTTP statuses its next requests get, one each, before normal service resumes.
    """

    def __init__(self, osm_path: str | Path, places: dict[str, Any], mode: str = "ok") -> None:
        self.data = load_osm(str(osm_path))
        self.places = {_norm(k): (k, v) for k, v in places.items()}
        self.mode = mode
        self.busy: dict[str, list[int]] = {}
        self.requests: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # URLs ------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._httpd is not None, "server not started"
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def overpass_url(self) -> str:
        return self.base_url + "/api"

    @property
    def nominatim_url(self) -> str:
        return self.base_url + "/nominatim/"

    def count(self, prefix: str = "") -> int:
        """Number of requests whose path starts with ``prefix``."""
        with self._lock:
            return sum(1 for _, p in self.requests if p.startswith(prefix))

    # lifecycle ---------------------------------------------------------------
    def start(self) -> OverpassServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_GET(self) -> None:  # noqa: N802
                self._dispatch("GET", b"")

            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                self._dispatch("POST", self.rfile.read(length))

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _dispatch(self, method: str, body: bytes) -> None:
                url = urlparse(self.path)
                with server._lock:
                    server.requests.append((method, url.path))
                params = parse_qs(url.query)
                if body:
                    params.update(parse_qs(body.decode("utf-8")))
                try:
                    status, payload, ctype = server._route(url.path, params)
                except Exception as exc:  # noqa: BLE001 - report to the client, as a server would
                    status, payload, ctype = 500, f"server error: {exc}".encode(), "text/plain"
                self._send(status, payload, ctype)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self) -> OverpassServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # routes ------------------------------------------------------------------
    def _route(self, path: str, params: dict[str, list[str]]) -> tuple[int, bytes, str]:
        path = path.rstrip("/")
        with self._lock:
            queue = self.busy.get(path)
            status = queue.pop(0) if queue else None
        if status is None and path == "/api/interpreter" and self.mode in ("504", "429"):
            status = int(self.mode)
        if status is not None:
            reason = {429: "Too Many Requests", 504: "Gateway Timeout"}.get(status, "Error")
            return status, f"<html><body>{status} {reason}</body></html>".encode(), "text/html"
        if path == "/api/status":
            return 200, STATUS_TEXT.encode(), "text/plain"
        if path == "/api/interpreter":
            if self.mode == "broken":
                return 500, b"Internal Server Error: the dispatcher is gone", "text/plain"
            query = (params.get("data") or [""])[0]
            result: dict[str, Any] = {
                "version": 0.6,
                "generator": "Overpass API (hausbesuch loopback test server)",
                "osm3s": {
                    "timestamp_osm_base": self.data.osm_base or "",
                    "copyright": "The data included in this document is from "
                    "www.openstreetmap.org. The data is made available under ODbL.",
                },
                "elements": [],
            }
            if self.mode == "remark":
                result["remark"] = 'runtime error: Query timed out in "query" at line 1 after 180 seconds.'
            elif self.mode in ("ok", "nodes_missing", "few_addresses"):
                elements = answer_query(self.data, parse_query(query))
                if self.mode == "nodes_missing":
                    elements = [e for e in elements if e["type"] != "node"]
                elif self.mode == "few_addresses":
                    addr = [e for e in elements if "addr:housenumber" in e.get("tags", {})]
                    drop = {id(e) for e in addr[5:]}
                    elements = [e for e in elements if id(e) not in drop]
                result["elements"] = elements
            return 200, json.dumps(result).encode(), "application/json"
        if path == "/nominatim/search":
            q = (params.get("q") or [""])[0]
            hit = self.places.get(_norm(q))
            results = [] if hit is None else [_nominatim_result(*hit)]
            return 200, json.dumps(results).encode(), "application/json"
        return 404, b"not found", "text/plain"


def _norm(s: str) -> str:
    return " ".join(s.split()).casefold()


def _nominatim_result(name: str, polygon: Any) -> dict[str, Any]:
    minx, miny, maxx, maxy = polygon.bounds
    c = polygon.representative_point()
    short = name.split(",")[0].strip()
    return {
        "place_id": 1,
        "licence": "Data © OpenStreetMap contributors, ODbL 1.0. http://osm.org/copyright",
        "osm_type": "relation",
        "osm_id": 1,
        "lat": f"{c.y:.7f}",
        "lon": f"{c.x:.7f}",
        "class": "boundary",
        "type": "administrative",
        "place_rank": 16,
        "importance": 0.6,
        "addresstype": "town",
        "name": short,
        "display_name": f"{short}, Deutschland",
        "boundingbox": [f"{miny:.7f}", f"{maxy:.7f}", f"{minx:.7f}", f"{maxx:.7f}"],
        "geojson": json.loads(shapely.to_geojson(polygon)),
    }
