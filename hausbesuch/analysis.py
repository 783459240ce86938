"""Tables of a plan for analysis (pandas): what the notebook and reports show.

Pure functions over :class:`hausbesuch.plandata.Plan`; they work the same on a plan
fresh from the planner or read back from the store. Column names are German, as
these tables are shown to coordinators.

A visit called off since the plan was made (:attr:`PlannedStop.called_off`) is counted
apart (``entfallen``), not among the planned visits, as on the pages; times and km stay
those of the plan as made (with the detour), as on the pages.
"""

from __future__ import annotations

import base64
import mimetypes
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from hausbesuch.plandata import Plan

if TYPE_CHECKING:  # pragma: no cover
    import folium


def visits_per_district(plan: Plan) -> pd.DataFrame:
    """Per district: planned, unassigned and total visits (rejected rows have no district),
    and the planned visits called off since (not in ``geplant`` nor ``gesamt``).

    Columns: ``stadtteil``, ``geplant``, ``nicht_eingeplant``, ``gesamt``, ``entfallen``;
    sorted by ``gesamt`` descending, then name.
    """
    planned = [s.district for r in plan.routes for s in r.to_visit]
    off = [s.district for r in plan.routes for s in r.stops if s.called_off]
    unassigned = [u.district for u in plan.unassigned]
    df = pd.DataFrame(
        {
            "stadtteil": planned + unassigned + off,
            "status": ["geplant"] * len(planned) + ["nicht_eingeplant"] * len(unassigned)
            + ["entfallen"] * len(off),
        }
    )
    columns = ["stadtteil", "geplant", "nicht_eingeplant", "gesamt", "entfallen"]
    if df.empty:
        return pd.DataFrame(columns=columns)
    table = (
        df.groupby(["stadtteil", "status"]).size().unstack(fill_value=0)
        .reindex(columns=["geplant", "nicht_eingeplant", "entfallen"], fill_value=0)
    )
    table["gesamt"] = table["geplant"] + table["nicht_eingeplant"]
    table = table[columns[1:]]
    table = table.reset_index().sort_values(["gesamt", "stadtteil"], ascending=[False, True])
    table.columns.name = None
    return table.reset_index(drop=True)


def time_per_team_day(plan: Plan) -> pd.DataFrame:
    """Per team-day: visits, travel, visit (service), waiting and total minutes, and km.

    Columns: ``team``, ``datum``, ``besuche`` (the visits still to do), ``fahrt_min``,
    ``besuch_min``, ``warten_min``, ``arbeitszeit_min`` (from leaving to returning), ``km``,
    ``entfallen`` (visits called off since; the minutes and km are the plan's, with them).
    """
    rows = []
    for r in sorted(plan.routes, key=lambda r: (r.team_id, r.day)):
        rows.append(
            {
                "team": r.team_id,
                "datum": r.day,
                "besuche": len(r.to_visit),
                "fahrt_min": round(r.travel_s / 60, 1),
                "besuch_min": round(r.service_s / 60, 1),
                "warten_min": round(r.waiting_s / 60, 1),
                "arbeitszeit_min": round((r.return_ - r.depart).total_seconds() / 60, 1),
                "km": round(r.distance_m / 1000, 2),
                "entfallen": len(r.stops) - len(r.to_visit),
            }
        )
    cols = ["team", "datum", "besuche", "fahrt_min", "besuch_min", "warten_min",
            "arbeitszeit_min", "km", "entfallen"]
    return pd.DataFrame(rows, columns=cols)


def unassigned_reasons(plan: Plan) -> pd.DataFrame:
    """Counts of unassigned visits per reason code, with one example sentence each."""
    rows: dict[str, dict[str, object]] = {}
    for u in plan.unassigned:
        entry = rows.setdefault(u.code, {"grund": u.code, "anzahl": 0, "beispiel": u.reason})
        entry["anzahl"] = int(entry["anzahl"]) + 1  # type: ignore[call-overload]
    return pd.DataFrame(list(rows.values()), columns=["grund", "anzahl", "beispiel"])


_CSS_URL = re.compile(r"url\((['\"]?)([^'\")#:]+)\1\)")


def _data_url(path: Path, mime: str | None = None) -> str:
    mime = mime or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    data = path.read_bytes()
    if path.suffix == ".css":  # images referenced by the stylesheet, relative to it
        css = path.read_text(encoding="utf-8")
        css = _CSS_URL.sub(
            lambda m: f"url({_data_url(path.parent / m.group(2))})"
            if (path.parent / m.group(2)).is_file() else m.group(0),
            css,
        )
        data = css.encode("utf-8")
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def embed_map_assets(m: folium.Map, *, assets: str = "assets") -> folium.Map:
    """Make a map from :mod:`hausbesuch.maps` self-contained for inline display (notebook).

    The maps reference the vendored Leaflet files under ``assets`` (a relative URL), which
    a notebook cannot resolve. This replaces every such script and stylesheet reference
    (and the images a stylesheet uses) by a ``data:`` URL read from the package's vendored
    copies, so the map shows without any file next to it and without a CDN; the browser
    then fetches only map tiles. The map is changed in place and returned.

    Raises
    ------
    RuntimeError
        If a script or stylesheet is referenced that is neither vendored nor inline.
    """
    from hausbesuch.maps import vendor_dir

    root = vendor_dir()
    prefix = assets.rstrip("/") + "/"
    pending = [m.get_root()]
    while pending:
        el = pending.pop()
        pending.extend(getattr(el, "_children", {}).values())
        for attr, mime in (("default_js", "text/javascript"), ("default_css", "text/css")):
            links = getattr(el, attr, None)
            if not links:
                continue
            new = []
            for name, url in links:
                if url.startswith("data:"):
                    new.append((name, url))
                    continue
                rel = url[len(prefix):] if url.startswith(prefix) else None
                if rel is None or not (root / rel).is_file():
                    raise RuntimeError(f"map asset {name!r} is not vendored: {url}")
                new.append((name, _data_url(root / rel, mime)))
            setattr(el, attr, new)  # instance attribute: class defaults stay untouched
    return m
