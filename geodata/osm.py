"""Read local OSM extracts (``.osm.pbf``, ``.osm``, ``.osm.gz``, ``.osm.bz2``) with pyosmium.

Extracts cut at a bounding box contain ways that name nodes the file lacks (the
Lauf extract does). :func:`iter_ways` keeps the parts of such ways whose nodes
are present: a way is split at every missing node and each run of at least two
present nodes is yielded as its own segment.

Every pass over a file's objects goes through :func:`read_objects`: a file that
is cut off or damaged after its header (pyosmium raises ``RuntimeError`` while
reading on, e.g. "PBF error: unexpected EOF") becomes an :class:`ExtractError`
naming the file (:func:`damaged_extract`).
"""

from __future__ import annotations

import bz2
import gzip
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import osmium

from geodata.errors import ExtractError

T = TypeVar("T")

#: File name endings pyosmium reads (compression detected from the ending).
SUFFIXES = (
    ".osm.pbf",
    ".pbf",
    ".osm",
    ".osm.gz",
    ".osm.bz2",
    ".xml",
    ".osm.xml",
    ".xml.gz",
    ".xml.bz2",
)


def check_extract(path: str | Path) -> Path:
    """Return the extract's path, or raise :class:`ExtractError` with a German message.

    Checks that the file exists, has a known OSM ending and that its header can
    be read (so a text file renamed to ``.osm`` is refused here, not later).
    """
    p = Path(path).expanduser()
    if not p.exists():
        raise ExtractError(f"OSM-Datei nicht gefunden: {p}")
    if not p.is_file():
        raise ExtractError(f"OSM-Datei ist keine Datei: {p}")
    name = p.name.lower()
    if not name.endswith(SUFFIXES):
        raise ExtractError(
            f"Unbekanntes Dateiformat: {p.name}. Erwartet wird ein OSM-Auszug "
            "(.osm.pbf, .osm, .osm.gz oder .osm.bz2)."
        )
    if p.stat().st_size == 0:
        raise ExtractError(_with_hint(f"Die OSM-Datei ist leer: {p}", p))
    if not name.endswith(".pbf") and not _looks_like_osm_xml(p):
        raise ExtractError(f"Keine OSM-Datei (kein <osm>-Element gefunden): {p}")
    try:
        reader = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING)
        reader.header()
        reader.close()
    except Exception as exc:  # pyosmium raises RuntimeError subclasses of its own
        raise ExtractError(
            _with_hint(f"Die OSM-Datei kann nicht gelesen werden: {p} ({exc})", p)
        ) from exc
    return p


def _with_hint(text: str, p: Path) -> str:
    """``text`` plus, for a downloaded file, how to download it again."""
    from geodata.download import redownload_hint

    hint = redownload_hint(p)
    return f"{text}. {hint}" if hint else text


def damaged_extract(path: str | Path, detail: object) -> ExtractError:
    """The German error for an extract that cannot be read to its end (cut off or damaged).

    Names the file; for a file in the download cache it says that deleting it
    downloads it again (:func:`geodata.download.redownload_hint`).
    """
    from geodata.download import redownload_hint

    p = Path(path)
    text = f"Die OSM-Datei {p} ist beschädigt oder unvollständig ({detail})."
    hint = redownload_hint(p) or "Bitte die Datei neu herunterladen oder erneut kopieren."
    return ExtractError(f"{text} {hint}")


def read_objects(path: str | Path, source: Iterable[T]) -> Iterator[T]:
    """The objects of a pyosmium pass over ``path`` (a ``FileProcessor`` or similar).

    A read error of pyosmium (``RuntimeError``: unexpected end of file, broken
    compression, invalid XML, …) becomes :func:`damaged_extract`'s
    :class:`ExtractError`. Only pyosmium's own reading is guarded, never the
    caller's work on an object.
    """
    try:
        it = iter(source)
    except RuntimeError as exc:
        raise damaged_extract(path, exc) from exc
    while True:
        try:
            obj = next(it)
        except StopIteration:
            return
        except RuntimeError as exc:
            raise damaged_extract(path, exc) from exc
        yield obj


def _open_text_head(p: Path, size: int = 4096) -> str:
    name = p.name.lower()
    try:
        if name.endswith(".gz"):
            with gzip.open(p, "rb") as fh:
                head = fh.read(size)
        elif name.endswith(".bz2"):
            with bz2.open(p, "rb") as fh:
                head = fh.read(size)
        else:
            with open(p, "rb") as fh:
                head = fh.read(size)
    except (OSError, EOFError) as exc:
        raise ExtractError(f"Die OSM-Datei kann nicht gelesen werden: {p} ({exc})") from exc
    return head.decode("utf-8", errors="replace")


def _looks_like_osm_xml(p: Path) -> bool:
    return "<osm" in _open_text_head(p)


def osm_timestamp(path: str | Path) -> str | None:
    """The data's timestamp (ISO 8601, UTC), from the header, Overpass meta or the newest object.

    Order: the header's ``osmosis_replication_timestamp`` or ``timestamp``; for
    Overpass XML the ``osm_base`` of its ``<meta>`` element; otherwise the
    newest object timestamp in the file (when objects carry metadata).
    """
    p = check_extract(path)
    reader = osmium.io.Reader(str(p), osmium.osm.osm_entity_bits.NOTHING)
    header = reader.header()
    reader.close()
    for key in ("osmosis_replication_timestamp", "timestamp"):
        value = header.get(key)
        if value:
            return value
    if not p.name.lower().endswith(".pbf"):
        m = re.search(r'osm_base="([^"]+)"', _open_text_head(p))
        if m:
            return m.group(1)
    newest = None
    for obj in read_objects(p, osmium.FileProcessor(str(p))):
        ts = obj.timestamp
        if ts is not None and ts.year > 1970 and (newest is None or ts > newest):
            newest = ts
    return newest.strftime("%Y-%m-%dT%H:%M:%SZ") if newest is not None else None


@dataclass(frozen=True)
class WaySegment:
    """A run of consecutive present nodes of one OSM way."""

    way_id: int
    tags: dict[str, str]
    node_ids: np.ndarray  # int64
    lon: np.ndarray  # float64
    lat: np.ndarray  # float64
    clipped: bool  # True when the way lost nodes to the extract's boundary


def iter_ways(path: str | Path, keys: Iterable[str] = ("highway",)) -> Iterator[WaySegment]:
    """Yield every way carrying one of ``keys`` as segments of present nodes.

    A way whose nodes are all present yields one segment; a clipped way yields
    one segment per run of two or more present nodes.
    """
    p = check_extract(path)
    fp = (
        osmium.FileProcessor(str(p), osmium.osm.NODE | osmium.osm.WAY)
        .with_locations()
        .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
        .with_filter(osmium.filter.KeyFilter(*keys))
    )
    for way in read_objects(p, fp):
        tags = {t.k: t.v for t in way.tags}
        ids: list[int] = []
        lons: list[float] = []
        lats: list[float] = []
        clipped = False
        runs: list[tuple[list[int], list[float], list[float]]] = []
        for nd in way.nodes:
            loc = nd.location
            if loc.valid():
                ids.append(nd.ref)
                lons.append(loc.lon)
                lats.append(loc.lat)
            else:
                clipped = True
                if len(ids) >= 2:
                    runs.append((ids, lons, lats))
                ids, lons, lats = [], [], []
        if len(ids) >= 2:
            runs.append((ids, lons, lats))
        for r_ids, r_lons, r_lats in runs:
            yield WaySegment(
                way_id=way.id,
                tags=tags,
                node_ids=np.asarray(r_ids, dtype=np.int64),
                lon=np.asarray(r_lons, dtype=np.float64),
                lat=np.asarray(r_lats, dtype=np.float64),
                clipped=clipped,
            )
