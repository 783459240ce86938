"""Download the OSM data of a place once (via osmnx: Nominatim + Overpass) into the cache.

When a city profile names a place (``"Kassel, Germany"``) and no local extract
exists, :func:`download_place` fetches, for the place's polygon:

- every way with a ``highway`` tag (osmnx's ``"all"`` network filter) with its nodes,
- address points: nodes, ways and relations with ``addr:housenumber`` (with their nodes),
- place nodes (``suburb``, ``quarter``, ``neighbourhood``, ``village``, ``hamlet``,
  ``town``, ``city``) and boundary relations at admin levels 9 and 10 (with all
  member ways and nodes, so they are complete),

each with osmnx's own Overpass queries (``_download_overpass_network`` with the
``"all"`` filter, which keeps the raw way node lists, and ``_download_overpass_features``),

checks the merged answer (:func:`check_elements`: the ways' nodes are there and
address objects exist in a number that fits the streets; :func:`check_network`: a
walk network can be built from it) and writes it as ONE ``.osm.pbf`` file into
``cache_dir("downloads")``, keyed by
the place name and :data:`FORMAT_VERSION`. Later calls return that file without
any request; everything else (networks, geocoder, districts) reads it through
the normal local path. A sidecar ``<file>.json`` keeps the place's polygon and
name (see :func:`download_info`), which :func:`geodata.districts.load_districts`
uses to keep only the town's own districts; it also holds the size and SHA-256 of the
written file, checked once per process when the file is reused (:func:`verify_download`:
a file cut off later, e.g. at a block boundary, is refused as damaged). A download that
fails keeps nothing: neither the file nor osmnx's HTTP cache of the answers (the next
call asks the server again). Hidden leftovers of a download killed midway (temporary
folders, HTTP caches) are removed by the next download once they are
:data:`LEFTOVER_AGE_S` old.

A server that answers "overloaded" (HTTP 429 or 504, the everyday answers of the
public Overpass servers under load) is asked again :data:`OVERLOAD_RETRIES` times,
:data:`OVERLOAD_PAUSE_S` seconds apart, then the download ends with a German
:class:`DownloadError` (osmnx alone would retry every 55 s without end).

The endpoints are osmnx's ``settings.overpass_url`` and ``settings.nominatim_url``
(or the ``HAUSBESUCH_OVERPASS_URL`` / ``HAUSBESUCH_NOMINATIM_URL`` environment
variables, or the arguments of :func:`download_place`). This is the only part of
the project that talks to a server, and only with a place name, never client data.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import socket
import time
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from geodata.cache import (
    PUBLIC,
    atomic_path,
    atomic_write,
    cache_dir,
    cache_key,
    file_digest,
    remember_digest,
)
from geodata.errors import DownloadError

#: Bump when the downloaded content or file layout changes (old files are not reused).
FORMAT_VERSION = 1

#: Admin levels of district boundaries downloaded with the place.
ADMIN_LEVELS = (9, 10)

#: Place node types downloaded (seeds of the fallback districts, see geodata.districts).
PLACE_TYPES = ("suburb", "quarter", "neighbourhood", "village", "hamlet", "town", "city")

OVERPASS_ENV = "HAUSBESUCH_OVERPASS_URL"
NOMINATIM_ENV = "HAUSBESUCH_NOMINATIM_URL"

#: ``progress(message)``: receives one German status line per step
#: (``"Schritt 3/5: Lade das Straßennetz …"``).
ProgressCallback = Callable[[str], None]

_STEPS = 5

#: osmnx internals used for raw Overpass JSON (osmnx 2.0 and 2.1; pinned in pyproject).
_OSMNX_INTERNALS = ("_download_overpass_network", "_download_overpass_features")

#: How often a step is asked again after the server answered "overloaded" (HTTP 429/504).
OVERLOAD_RETRIES = 2

#: Seconds to wait before asking an overloaded server again.
OVERLOAD_PAUSE_S = 30.0

_OVERLOAD_STATUS = {429: "Too Many Requests", 504: "Gateway Timeout"}

#: Largest share of way node references whose node may be missing from the answer
#: (Overpass sends every node of the ways; a cut-off answer lacks them).
MAX_MISSING_NODE_SHARE = 0.01

#: Fewest address objects per named street way (German towns have 2 to 6; an answer
#: with far fewer lost its address query).
MIN_ADDRESSES_PER_STREET = 0.25

#: Fewest edges of the walk network built from the answer.
MIN_WALK_EDGES = 20

_NOT_KEPT_REASON = "Der Download wurde nicht gespeichert; bitte später erneut versuchen."
_NOT_KEPT = (
    "Der Download wurde nicht gespeichert; bitte später erneut versuchen oder einen lokalen "
    "OSM-Auszug mit --osm angeben."
)

#: Seconds after which a hidden leftover of a download (a temporary folder of a killed
#: write, an HTTP cache) is removed; younger ones may belong to a download running now.
LEFTOVER_AGE_S = 3600.0

_LEFTOVER = re.compile(r"\.(?:http-[a-z0-9-]+-[0-9a-f]{16}|[a-z0-9-]+-[0-9a-f]{16}\.osm\.pbf\..+)")


def _normalise_place(place: str) -> str:
    return " ".join(str(place).split())


def _slug(text: str) -> str:
    s = unicodedata.normalize("NFKD", text.replace("ß", "ss"))
    s = s.encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", s).strip("-")[:60] or "ort"


def download_path(place: str, admin_levels: Sequence[int] = ADMIN_LEVELS) -> Path:
    """Where the download of ``place`` lives in the cache (it need not exist yet)."""
    norm = _normalise_place(place)
    levels = sorted({int(x) for x in admin_levels})
    key = cache_key("download", FORMAT_VERSION, norm.casefold(), levels)
    return cache_dir("downloads") / f"{_slug(norm)}-{key[:16]}.osm.pbf"


def _sidecar(path: Path) -> Path:
    return path.with_name(path.name + ".json")


def is_download(path: str | os.PathLike[str]) -> bool:
    """True when ``path`` is a file made by :func:`download_place` (in the download cache)."""
    p = Path(path)
    if _sidecar(p).is_file():
        return True
    if p.parent.name != "downloads":
        return False
    try:
        return p.resolve().parent == cache_dir("downloads").resolve()
    except OSError:
        return False


def redownload_hint(path: str | os.PathLike[str], *, where: bool = False) -> str:
    """For a downloaded file: a German sentence saying that deleting it downloads it
    again (with ``where``: also its full path); ``""`` for any other file."""
    if not is_download(path):
        return ""
    if where:
        return (
            f"Die Datei wurde heruntergeladen und liegt unter {Path(path).resolve()}; "
            "wird sie gelöscht, lädt der nächste Aufruf sie neu herunter."
        )
    return (
        "Die Datei wurde heruntergeladen; wird sie gelöscht, lädt der nächste Aufruf "
        "sie neu herunter."
    )


_DOWNLOAD_NAME = re.compile(r"[a-z0-9-]+-[0-9a-f]{16}\.osm\.pbf")


def explain_download_file(message: str) -> str:
    """``message`` with :func:`redownload_hint` for a downloaded file it names by its bare
    name only (messages such as "Der OSM-Auszug kassel-germany-….osm.pbf enthält keine
    Wege …"); other messages are returned unchanged."""
    if "neu herunter" in message:
        return message
    for name in dict.fromkeys(_DOWNLOAD_NAME.findall(message)):
        candidate = cache_dir("downloads") / name
        if candidate.is_file():
            hint = redownload_hint(candidate, where=True)
            if hint:
                return f"{message.rstrip()} {hint}"
    return message


def download_info(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """Metadata of a file made by :func:`download_place`, or None for any other file.

    Keys: ``place`` (as asked), ``name`` (the place's own name), ``display_name``,
    ``polygon`` (shapely geometry, WGS84), ``osm_base`` (data timestamp),
    ``downloaded_at``, ``elements`` (counts per type), ``format_version``, and (in
    files written since they were added) ``size`` and ``sha256`` of the ``.osm.pbf``.
    """
    side = _sidecar(Path(path))
    if not side.is_file():
        return None
    try:
        info = json.loads(side.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(info, dict) or info.get("hausbesuch_download") != FORMAT_VERSION:
        return None
    if info.get("polygon"):
        import shapely

        info["polygon"] = shapely.from_geojson(json.dumps(info["polygon"]))
    return info


def verify_download(path: str | os.PathLike[str]) -> None:
    """Check a downloaded file against the size and SHA-256 its sidecar recorded.

    Raises :class:`geodata.errors.ExtractError` (the file is damaged; deleting it
    downloads it again) on a mismatch. Sidecars without these keys (written before
    they were recorded) are accepted. The digest is :func:`geodata.cache.file_digest`'s,
    memoised per path, size and mtime: each unchanged file is read once per process,
    also by the readers after this check (index and network caches key on it).
    """
    p = Path(path)
    st = p.stat()
    try:
        info = json.loads(_sidecar(p).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        info = None
    size = info.get("size") if isinstance(info, dict) else None
    digest = info.get("sha256") if isinstance(info, dict) else None
    detail = None
    if isinstance(size, int) and st.st_size != size:
        detail = f"{st.st_size} Bytes statt der heruntergeladenen {size} Bytes"
    elif isinstance(digest, str) and file_digest(p) != digest:
        detail = "die Prüfsumme weicht vom Download ab"
    if detail is not None:
        from geodata.osm import damaged_extract

        raise damaged_extract(p, detail)


def _newest_mtime(folder: Path) -> float:
    newest = folder.lstat().st_mtime
    with contextlib.suppress(OSError):
        for entry in os.scandir(folder):
            with contextlib.suppress(OSError):
                newest = max(newest, entry.stat(follow_symlinks=False).st_mtime)
    return newest


def remove_leftovers(folder: Path, max_age: float = LEFTOVER_AGE_S) -> list[Path]:
    """Remove hidden leftovers of downloads in ``folder`` older than ``max_age`` seconds.

    Leftovers are the temporary folders of a write that was killed
    (``.<file>.osm.pbf.<random>``, :func:`geodata.cache.atomic_path`) and osmnx's HTTP
    caches (``.http-<place>``). Age is the newest change of the folder or its entries;
    younger ones are kept (another process may be downloading). Returns what was removed.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    now = time.time()
    for entry in folder.iterdir():
        if not _LEFTOVER.fullmatch(entry.name) or not entry.is_dir() or entry.is_symlink():
            continue
        try:
            old = now - _newest_mtime(entry) > max_age
        except OSError:
            continue
        if old:
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed


# --------------------------------------------------------------------------- osmnx plumbing


class _Overloaded(Exception):
    """A server answered HTTP 429 or 504 (raised by :func:`_overload_hook`)."""

    def __init__(self, status: int) -> None:
        super().__init__(status)
        self.status = status


def _overload_hook(response: Any, *args: Any, **kwargs: Any) -> Any:
    """A ``requests`` response hook: 429/504 end the request at once.

    osmnx would sleep 55 s and ask again, without any limit; :func:`_patiently`
    asks again a bounded number of times instead.
    """
    if response.status_code in _OVERLOAD_STATUS:
        _ = response.content  # read the short body: the connection then closes cleanly
        raise _Overloaded(response.status_code)
    return response


def _patiently(
    fetch: Callable[[], Any],
    server: str,
    url: str,
    retries: int,
    pause: float,
    say: Callable[[str], None],
) -> Any:
    """``fetch()``, asked again up to ``retries`` times while the server is overloaded."""
    for attempt in range(retries + 1):
        try:
            return fetch()
        except _Overloaded as exc:
            status = f"HTTP {exc.status} {_OVERLOAD_STATUS[exc.status]}"
            if attempt >= retries:
                tries = "einem Versuch" if attempt == 0 else f"{attempt + 1} Versuchen"
                text = f"Der {server}-Server {url} ist überlastet ({status}, nach {tries})."
                raise DownloadError(
                    f"{text} Bitte später erneut versuchen oder einen lokalen OSM-Auszug mit "
                    "--osm angeben.",
                    reason=f"{text} Bitte später erneut versuchen.",
                ) from None
            say(f"Der {server}-Server ist überlastet ({status}); neuer Versuch in {pause:g} s …")
            time.sleep(pause)
    raise AssertionError("unreachable")  # pragma: no cover


@contextlib.contextmanager
def _osmnx_settings(
    http_cache: Path,
    overpass_url: str | None,
    nominatim_url: str | None,
    timeout: float | None,
) -> Iterator[Any]:
    """osmnx with its HTTP cache in our cache dir; every changed global is restored after."""
    import osmnx as ox

    s = ox.settings
    names = (
        "use_cache",
        "cache_folder",
        "overpass_url",
        "nominatim_url",
        "requests_timeout",
        "doh_url_template",
        "log_console",
        "requests_kwargs",
    )
    saved = {n: getattr(s, n) for n in names}
    saved_getaddrinfo = socket.getaddrinfo  # osmnx's _config_dns replaces it globally
    try:
        s.use_cache = True
        s.cache_folder = str(http_cache)
        s.log_console = False
        s.doh_url_template = None  # never resolve names through a third party (8.8.8.8)
        s.requests_kwargs = {**saved["requests_kwargs"], "hooks": {"response": [_overload_hook]}}
        if overpass_url or os.environ.get(OVERPASS_ENV):
            s.overpass_url = overpass_url or os.environ[OVERPASS_ENV]
        if nominatim_url or os.environ.get(NOMINATIM_ENV):
            s.nominatim_url = nominatim_url or os.environ[NOMINATIM_ENV]
        if timeout is not None:
            s.requests_timeout = timeout
        yield ox
    finally:
        for n, v in saved.items():
            setattr(s, n, v)
        socket.getaddrinfo = saved_getaddrinfo


def _translate(exc: BaseException, what: str, url: str) -> DownloadError:
    """A German :class:`DownloadError` for an exception raised while talking to ``url``."""
    import requests

    if isinstance(exc, requests.exceptions.Timeout):
        return DownloadError(f"{what}: Zeitüberschreitung beim Server {url} ({exc.__class__.__name__}).")
    if isinstance(exc, requests.exceptions.ConnectionError | OSError):
        text = f"{what}: der Server {url} ist nicht erreichbar."
        return DownloadError(
            f"{text} Ohne Internetzugang das Stadtprofil der eigenen Stadt mit --city PROFIL "
            "angeben (mit seinem OSM-Auszug unter [osm] file; ohne --city gilt Kassel), oder "
            "einen lokalen OSM-Auszug mit --osm.",
            reason=text,
        )
    text = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
    return DownloadError(f"{what}: der Server {url} lieferte keine brauchbare Antwort ({text}).")


def _check_reachable(url: str, timeout: float, requests_kwargs: dict[str, Any]) -> None:
    """Fail fast when the Overpass server cannot be reached (osmnx would wait 60 s first)."""
    import requests

    status = url.rstrip("/") + "/status"
    try:
        requests.get(status, timeout=min(timeout, 30.0), **requests_kwargs)
    except requests.exceptions.RequestException as exc:
        raise _translate(exc, "Overpass", url) from exc


def _check_response(resp: Any, url: str) -> dict[str, Any]:
    if not isinstance(resp, dict) or not isinstance(resp.get("elements"), list):
        raise DownloadError(f"Overpass: der Server {url} lieferte keine OSM-Daten.")
    remark = str(resp.get("remark") or "")
    if "error" in remark.lower():
        text = f"Overpass meldet einen Fehler (Antwort unvollständig): {remark[:300].rstrip(' .')}."
        raise DownloadError(
            f"{text} Bitte später erneut versuchen oder einen lokalen OSM-Auszug mit --osm angeben.",
            reason=f"{text} Bitte später erneut versuchen.",
        )
    return resp


def _feature_tags(admin_levels: Sequence[int]) -> list[tuple[str, dict[str, Any]]]:
    """The osmnx feature queries after the network: (progress text, osmnx ``tags``).

    osmnx ORs the tags of one query. Boundaries are selected by ``admin_level``
    alone (never ``boundary=administrative`` alone, which would pull the
    boundaries of the state and the country with every member way);
    :mod:`geodata.districts` keeps the ``boundary=administrative`` ones.
    """
    return [
        ("Adressen", {"addr:housenumber": True}),
        (
            "Ortsteile und Bezirksgrenzen",
            {
                "place": list(PLACE_TYPES),
                "admin_level": [str(int(x)) for x in sorted(set(admin_levels))],
            },
        ),
    ]


# --------------------------------------------------------------------------- checks


def check_elements(elements: dict[tuple[str, int], dict[str, Any]], name: str) -> None:
    """Refuse a merged Overpass answer that lacks the ways' nodes or almost all addresses.

    Raises :class:`DownloadError` when more than :data:`MAX_MISSING_NODE_SHARE` of the
    ways' node references name a node the answer lacks, or when there are fewer address
    objects (``addr:housenumber``) than :data:`MIN_ADDRESSES_PER_STREET` per named
    street way (and at least one).
    """
    nodes = {i for (k, i), el in elements.items() if k == "node" and "lat" in el and "lon" in el}
    refs = missing = named = addresses = 0
    for (kind, _), el in elements.items():
        tags = el.get("tags") or {}
        if "addr:housenumber" in tags:
            addresses += 1
        if kind != "way":
            continue
        if "highway" in tags and tags.get("name"):
            named += 1
        way_refs = el.get("nodes") or []
        refs += len(way_refs)
        missing += sum(1 for n in way_refs if n not in nodes)
    if refs and missing > MAX_MISSING_NODE_SHARE * refs:
        text = (
            f"Die Antwort des Overpass-Servers für {name!r} ist unvollständig: {missing} von "
            f"{refs} Knoten der Wege fehlen."
        )
        raise DownloadError(f"{text} {_NOT_KEPT}", reason=f"{text} {_NOT_KEPT_REASON}")
    if addresses < max(1.0, MIN_ADDRESSES_PER_STREET * named):
        text = (
            f"Die Antwort des Overpass-Servers für {name!r} ist vermutlich unvollständig: "
            f"nur {addresses} Adressen bei {named} benannten Straßenabschnitten."
        )
        raise DownloadError(f"{text} {_NOT_KEPT}", reason=f"{text} {_NOT_KEPT_REASON}")


def check_network(path: Path, name: str) -> None:
    """Refuse a written download from which no walk network (of :data:`MIN_WALK_EDGES`
    edges or more) can be built."""
    from geodata.errors import GeodataError
    from geodata.network import build_network

    try:
        edges = build_network(path, "walk").n_edges
    except GeodataError:
        edges = 0
    if edges < MIN_WALK_EDGES:
        text = (
            f"Aus der Antwort des Overpass-Servers für {name!r} lässt sich kein Fußwegenetz "
            f"bilden ({edges} Kanten)."
        )
        raise DownloadError(f"{text} {_NOT_KEPT}", reason=f"{text} {_NOT_KEPT_REASON}")


# --------------------------------------------------------------------------- writing


def _write_pbf(
    elements: dict[tuple[str, int], dict[str, Any]],
    path: Path,
    osm_base: str | None,
    bounds: tuple[float, float, float, float],
) -> dict[str, int]:
    """Write merged Overpass elements as a sorted ``.osm.pbf`` to ``path``; return counts."""
    import osmium
    from osmium.osm import mutable

    header = osmium.io.Header()
    header.set("generator", "hausbesuch (osmnx/Overpass download)")
    if osm_base:
        header.set("osmosis_replication_timestamp", osm_base)
    header.add_box(
        osmium.osm.Box(osmium.osm.Location(bounds[0], bounds[1]), osmium.osm.Location(bounds[2], bounds[3]))
    )
    counts = {"node": 0, "way": 0, "relation": 0}
    writer = osmium.SimpleWriter(str(path), header=header, overwrite=True)
    try:
        for kind in ("node", "way", "relation"):
            ids = sorted(i for k, i in elements if k == kind)
            for i in ids:
                el = elements[(kind, i)]
                tags = {str(k): str(v) for k, v in (el.get("tags") or {}).items()}
                if kind == "node":
                    if "lat" not in el or "lon" not in el:
                        continue
                    writer.add_node(
                        mutable.Node(id=i, location=(float(el["lon"]), float(el["lat"])), tags=tags)
                    )
                elif kind == "way":
                    writer.add_way(mutable.Way(id=i, nodes=[int(n) for n in el.get("nodes", [])], tags=tags))
                else:
                    members = [
                        (m["type"][0], int(m["ref"]), str(m.get("role", "")))
                        for m in el.get("members", [])
                        if m.get("type") in ("node", "way", "relation")
                    ]
                    writer.add_relation(mutable.Relation(id=i, members=members, tags=tags))
                counts[kind] += 1
    finally:
        writer.close()
    return counts


def _write_json_atomic(path: Path, data: dict[str, Any]) -> None:
    with atomic_write(path, "w", encoding="utf-8", file_mode=PUBLIC) as fh:
        json.dump(data, fh, ensure_ascii=False)


# --------------------------------------------------------------------------- entry point


def download_place(
    place: str,
    *,
    progress: ProgressCallback | None = None,
    admin_levels: Sequence[int] = ADMIN_LEVELS,
    overpass_url: str | None = None,
    nominatim_url: str | None = None,
    timeout: float | None = None,
    overload_retries: int | None = None,
    overload_pause: float | None = None,
) -> Path:
    """Download a place's streets, addresses, places and districts once; return the local file.

    Parameters
    ----------
    place
        A place name Nominatim resolves to a polygon, e.g. ``"Kassel, Germany"``.
    progress
        Called with one German status line per step (``"Schritt 1/5: Suche den Ort …"``).
    admin_levels
        Admin levels of the district boundaries to include (default 9 and 10).
    overpass_url, nominatim_url
        Endpoints; default: ``HAUSBESUCH_OVERPASS_URL`` / ``HAUSBESUCH_NOMINATIM_URL``,
        else osmnx's ``settings.overpass_url`` / ``settings.nominatim_url``.
    timeout
        Seconds per request (default: osmnx's ``settings.requests_timeout``).
    overload_retries, overload_pause
        How often a step is asked again when the server answers HTTP 429/504, and the
        seconds between (default: :data:`OVERLOAD_RETRIES`, :data:`OVERLOAD_PAUSE_S`).

    Returns
    -------
    pathlib.Path
        The ``.osm.pbf`` file in ``cache_dir("downloads")``. When it exists
        already, it is returned at once, without any request.

    Raises
    ------
    DownloadError
        Server unreachable or still overloaded after the retries, place not found
        (or not an area), empty or failed answer.
    """
    norm = _normalise_place(place)
    if not norm:
        raise DownloadError("Kein Ortsname für den Download angegeben.")
    target = download_path(norm, admin_levels)
    if target.is_file() and _sidecar(target).is_file():
        verify_download(target)
        return target

    def report(message: str, step: int) -> None:
        if progress is not None:
            progress(f"Schritt {step}/{_STEPS}: {message}")

    retries = OVERLOAD_RETRIES if overload_retries is None else max(0, int(overload_retries))
    pause = OVERLOAD_PAUSE_S if overload_pause is None else max(0.0, float(overload_pause))

    # hidden leftovers of downloads killed midway (an hour old: not one running now)
    remove_leftovers(target.parent)
    http_cache = cache_dir("downloads", f".http-{target.stem.split('.')[0]}")
    try:
        with _osmnx_settings(http_cache, overpass_url, nominatim_url, timeout) as ox:
            from osmnx import _overpass
            from osmnx._errors import InsufficientResponseError

            missing = [f for f in _OSMNX_INTERNALS if not hasattr(_overpass, f)]
            if missing:
                raise DownloadError(
                    f"Die installierte osmnx-Version {ox.__version__} wird nicht unterstützt "
                    f"(es fehlt {', '.join(missing)}); erwartet wird osmnx 2.0 oder 2.1."
                )
            s = ox.settings

            def patiently(fetch: Callable[[], Any], server: str, url: str, step: int) -> Any:
                return _patiently(fetch, server, url, retries, pause, lambda m: report(m, step))

            report(f"Suche den Ort {norm!r} (Nominatim) …", 1)
            try:
                gdf = patiently(lambda: ox.geocode_to_gdf(norm), "Nominatim", str(s.nominatim_url), 1)
            except DownloadError:
                raise
            except InsufficientResponseError as exc:
                raise DownloadError(
                    f"Ort nicht gefunden: der Nominatim-Server {s.nominatim_url} kennt keinen "
                    f"Ort namens {norm!r}. Bitte die Schreibweise des Ortsnamens prüfen (im "
                    "Stadtprofil unter [osm] place, z. B. place = \"Musterstadt, Deutschland\") oder "
                    "einen lokalen OSM-Auszug mit --osm angeben.",
                    server_problem=False,
                ) from exc
            except TypeError as exc:
                raise DownloadError(
                    f"Für {norm!r} liefert Nominatim keine Fläche, nur einen Punkt. Bitte einen "
                    "Gemeinde- oder Stadtnamen angeben (im Stadtprofil unter [osm] place).",
                    server_problem=False,
                ) from exc
            except Exception as exc:  # requests/JSON errors from the geocoder
                raise _translate(exc, "Nominatim", str(s.nominatim_url)) from exc
            row = gdf.iloc[0]
            polygon = row.geometry
            if polygon is None or polygon.is_empty or polygon.geom_type not in ("Polygon", "MultiPolygon"):
                raise DownloadError(f"Für {norm!r} liefert Nominatim keine Fläche.", server_problem=False)
            display_name = row.get("display_name")
            display_name = display_name if isinstance(display_name, str) and display_name else norm
            name = row.get("name")
            name = name.strip() if isinstance(name, str) and name.strip() else display_name.split(",")[0]

            timeout_s = float(s.requests_timeout)
            overpass = str(s.overpass_url)
            report("Prüfe die Verbindung zum Overpass-Server …", 2)
            patiently(lambda: _check_reachable(overpass, timeout_s, dict(s.requests_kwargs)),
                      "Overpass", overpass, 2)

            elements: dict[tuple[str, int], dict[str, Any]] = {}
            osm_base: str | None = None

            def collect(responses: Iterator[dict[str, Any]]) -> int:
                nonlocal osm_base
                n = 0
                for resp in responses:
                    resp = _check_response(resp, overpass)
                    osm_base = osm_base or (resp.get("osm3s") or {}).get("timestamp_osm_base")
                    for el in resp["elements"]:
                        kind, i = el.get("type"), el.get("id")
                        if kind in ("node", "way", "relation") and isinstance(i, int):
                            elements[(kind, i)] = el
                            n += 1
                return n

            try:
                report(f"Lade das Straßennetz von {name} (Overpass) …", 3)
                patiently(lambda: collect(_overpass._download_overpass_network(polygon, "all", None)),
                          "Overpass", overpass, 3)
                n_streets = sum(
                    1 for (k, _), el in elements.items() if k == "way" and "highway" in (el.get("tags") or {})
                )
                if n_streets == 0:
                    raise DownloadError(
                        f"Overpass lieferte für {name!r} keine Straßen: die Antwort ist leer."
                    )
                for step, (what, tags) in enumerate(_feature_tags(admin_levels), start=4):
                    report(f"Lade {what} von {name} (Overpass) …", step)
                    patiently(
                        lambda tags=tags: collect(_overpass._download_overpass_features(polygon, tags)),
                        "Overpass", overpass, step,
                    )
            except DownloadError:
                raise
            except Exception as exc:  # requests errors, InsufficientResponseError, bad JSON
                raise _translate(exc, "Overpass", overpass) from exc

        bounds = tuple(float(v) for v in polygon.bounds)
        counts = {kind: sum(1 for k, _ in elements if k == kind) for kind in ("node", "way", "relation")}
        info = {
            "hausbesuch_download": FORMAT_VERSION,
            "place": norm,
            "name": name,
            "display_name": display_name,
            "polygon": json.loads(_to_geojson(polygon)),
            "osm_base": osm_base,
            "downloaded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "overpass_url": overpass,
            "elements": counts,
            "admin_levels": sorted({int(x) for x in admin_levels}),
        }
        try:
            check_elements(elements, name)
            with atomic_path(target, suffix=".tmp.osm.pbf", mode=PUBLIC) as tmp:
                _write_pbf(elements, tmp, osm_base, bounds)  # type: ignore[arg-type]
                check_network(tmp, name)
                # what was written, checked when the file is reused (verify_download)
                info["size"] = tmp.stat().st_size
                info["sha256"] = file_digest(tmp)
                # the sidecar first: the download counts as done once the .osm.pbf appears
                _write_json_atomic(_sidecar(target), info)
            # the renamed file is the one just hashed: its readers need not hash it again
            remember_digest(target, info["sha256"])
        except BaseException:
            if not target.is_file():
                _sidecar(target).unlink(missing_ok=True)
            raise
    finally:
        # a failed download keeps none of the answers osmnx cached (an empty Nominatim
        # answer included), so that the next call asks again; a good one needs them no more
        shutil.rmtree(http_cache, ignore_errors=True)
    return target


def _to_geojson(geom: Any) -> str:
    import shapely

    return shapely.to_geojson(geom)
