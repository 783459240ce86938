"""Folium maps of a plan that work offline: the overview map and one route map per team-day.

Leaflet and its plugins are served from local copies (``hausbesuch/static/vendor``, copied
into the output directory by :func:`hausbesuch.output.write_outputs`); the only thing the
browser fetches from outside is the tile server named in :class:`MapSettings`.

Every text that comes from the client list goes through :func:`escape_map_text` before it
is handed to Folium, because Folium inserts popup and tooltip HTML unescaped into JavaScript
template literals. Client names never appear: markers carry the pseudonymous client id.

Maps are rendered in one pass (:class:`_OnePassFigure`): branca, Folium's element library,
would otherwise compile the rendered markup of every element as a Jinja2 template a second
time, which evaluates ``{{ ... }}`` in any text that reaches a map (see there).
"""

from __future__ import annotations

import html
import logging
import math
import re
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import branca.element
import folium
from branca.element import Figure, MacroElement
from folium.plugins import Fullscreen, LocateControl
from folium.template import Template
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from hausbesuch.care_of import CareOf
from hausbesuch.errors import UserError
from hausbesuch.fields import WEEKDAYS_DE, count, format_day
from hausbesuch.plandata import (
    OUTSIDE,
    Geocode,
    Plan,
    PlannedStop,
    TeamDayRoute,
    address_in_doubt,
)

log = logging.getLogger(__name__)

from hausbesuch.config import (  # noqa: E402 - the one definition of the map defaults
    DEFAULT_ATTRIBUTION,
    DEFAULT_TILE_URL,
    OSM_COPYRIGHT_URL,
)
from hausbesuch.planfolder import ASSETS_DIRNAME  # noqa: E402  (the folder of the vendored front-end assets)

# Local copies of what Folium would otherwise pull from CDNs (paths below static/vendor).
_MAP_JS = [("leaflet", "leaflet/leaflet.js"), ("jquery", "jquery/jquery.min.js")]
_MAP_CSS = [("leaflet_css", "leaflet/leaflet.css")]
_FULLSCREEN_JS = [("Control.Fullscreen.js", "leaflet.fullscreen/Control.FullScreen.js")]
_FULLSCREEN_CSS = [("Control.FullScreen.css", "leaflet.fullscreen/Control.FullScreen.css")]
_LOCATE_JS = [("Control_locate_min_js", "leaflet.locatecontrol/L.Control.Locate.min.js")]
_LOCATE_CSS = [("Control_locate_min_css", "leaflet.locatecontrol/L.Control.Locate.min.css")]

#: Colours for districts (cycled when there are more districts than colours).
DISTRICT_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    "#e377c2", "#17becf", "#bcbd22", "#393b79", "#ad494a", "#637939",
    "#3182bd", "#e6550d", "#31a354", "#756bb1",
)  # fmt: skip
OUTSIDE_COLOUR = "#7f7f7f"
#: Colours for route lines on the overview map.
ROUTE_PALETTE = ("#1565c0", "#c62828", "#2e7d32", "#6a1b9a", "#ef6c00", "#00838f", "#4e342e")
ROUTE_COLOUR = "#1565c0"
#: Colour of what was called off since the plan was made (a stop, the way to it).
OFF_COLOUR = "#9aa0a6"

WEEKDAYS_SHORT = WEEKDAYS_DE
WEEKDAYS_LONG = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")
MODE_LABELS = {"walk": "zu Fuß", "bike": "Fahrrad", "drive": "Auto"}


@dataclass(frozen=True)
class MapSettings:
    """How maps and pages are drawn; usually taken from the city profile.

    Parameters
    ----------
    city : str, default ""
        City name shown in titles.
    tile_url : str, default the OSM tile server
        Leaflet tile URL template with ``{z}``, ``{x}`` and ``{y}`` (``{s}`` optional).
        The tile server is the only host the browser contacts.
    attribution : str, default "© OpenStreetMap-Mitwirkende"
        Plain text shown on every map (escaped).
    attribution_url : str or None, default the OSM copyright page
        If given, the attribution links there.
    max_zoom : int, default 19
        Highest zoom level of the tile layer.
    google_maps_links : bool, default False
        Offer a Google Maps link next to the OSM links on route pages (the city profile
        decides; off by default because it sends the stop coordinates to Google when used).
    osm_directions_links : bool, default False
        Offer an openstreetmap.org directions link (from the stop before, or to the end of
        the day) on route pages and the worker page (the city profile decides; off by
        default because a tap sends two clients' points to an online routing service).
    max_failed_tries : int or None, default None
        Failed tries since the last contact after which a case leaves „offen“ (the
        profile's ``[casework] max_failed_tries``, :func:`hausbesuch.casework.rules.
        directive`): the route page, the print sheet and the phone mark a stop whose
        failure would be that many as the last try (:meth:`PlannedStop.try_words`).
        None: no limit known, or the profile keeps such a case open (``status_after``
        ``fehlversuche = "offen"``); no stop is marked.

    Raises
    ------
    UserError
        On a tile URL without ``{z}/{x}/{y}`` or not http(s), or a zoom outside 1..22.
    """

    city: str = ""
    tile_url: str = DEFAULT_TILE_URL
    attribution: str = DEFAULT_ATTRIBUTION
    attribution_url: str | None = OSM_COPYRIGHT_URL
    max_zoom: int = 19
    google_maps_links: bool = False
    osm_directions_links: bool = False
    max_failed_tries: int | None = None

    def __post_init__(self) -> None:
        parts = urlsplit(self.tile_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise UserError(
                f"Kachel-URL {self.tile_url!r} ist ungültig: sie muss mit https:// beginnen."
            )
        missing = [p for p in ("{z}", "{x}", "{y}") if p not in self.tile_url]
        if missing:
            raise UserError(
                f"Kachel-URL {self.tile_url!r} ist ungültig: es fehlt {', '.join(missing)}."
            )
        if not isinstance(self.max_zoom, int) or not 1 <= self.max_zoom <= 22:
            raise UserError(f"max_zoom {self.max_zoom!r} ist ungültig: erlaubt ist 1 bis 22.")
        if not self.attribution.strip():
            raise UserError("Die Kartenquelle (attribution) darf nicht leer sein.")

    @classmethod
    def from_profile(cls, profile: Any) -> MapSettings:
        """The map settings of a city profile (its ``[map]`` section and name, and the
        failed tries its casework allows)."""
        rules = profile.casework
        ends = rules.status_after.get("fehlversuche", "in_klaerung") != "offen"
        return cls(city=profile.name, **profile.map.model_dump(),
                   max_failed_tries=rules.max_failed_tries if ends else None)

    @property
    def tile_host(self) -> str:
        """Host name of the tile server (may contain ``{s}``)."""
        return urlsplit(self.tile_url).hostname or ""

    def attribution_html(self) -> str:
        """The attribution as safe HTML (escaped text, optional link)."""
        text = escape_map_text(self.attribution)
        if self.attribution_url:
            url = escape_map_text(self.attribution_url)
            return f'<a href="{url}" target="_blank" rel="noopener noreferrer">{text}</a>'
        return text


@dataclass(frozen=True)
class Districts:
    """District polygons in WGS84 with their names (same order)."""

    names: tuple[str, ...] = ()
    geometries: tuple[BaseGeometry, ...] = ()

    def __post_init__(self) -> None:
        if len(self.names) != len(self.geometries):
            raise ValueError(
                f"Districts: {len(self.names)} names but {len(self.geometries)} geometries"
            )

    @classmethod
    def from_geojson(cls, fc: Mapping[str, Any], *, name_field: str | None = None) -> Districts:
        """Read a GeoJSON FeatureCollection (WGS84); the name is ``name_field`` or a guess."""
        names: list[str] = []
        geoms: list[BaseGeometry] = []
        for i, feat in enumerate(fc.get("features", [])):
            props = feat.get("properties") or {}
            name = None
            for key in [name_field] if name_field else ("name", "Name", "NAME", "bezirk", "Bezirk"):
                if key and props.get(key) not in (None, ""):
                    name = str(props[key])
                    break
            if feat.get("geometry") is None:
                continue
            names.append(name if name is not None else f"Bezirk {i + 1}")
            geoms.append(shape(feat["geometry"]))
        return cls(tuple(names), tuple(geoms))


def as_districts(obj: Any) -> Districts:
    """Normalise district input: ``None``, :class:`Districts`, any object with ``names`` and
    ``geometries`` (such as ``geodata.districts.Districts``), a GeoJSON FeatureCollection,
    a GeoDataFrame in EPSG:4326 with a ``name`` column, or ``(names, geometries)``.

    Raises
    ------
    ValueError
        On an unknown type or a GeoDataFrame not in WGS84 (never reprojected silently).
    """
    if obj is None:
        return Districts()
    if isinstance(obj, Districts):
        return obj
    if isinstance(obj, Mapping):
        if obj.get("type") != "FeatureCollection":
            raise ValueError("district GeoJSON must be a FeatureCollection")
        return Districts.from_geojson(obj)
    if hasattr(obj, "geometry") and hasattr(obj, "columns"):  # GeoDataFrame
        crs = getattr(obj, "crs", None)
        if crs is not None and crs.to_epsg() != 4326:
            raise ValueError(f"district GeoDataFrame must be in EPSG:4326, got {crs}")
        col = next((c for c in ("name", "Name", "NAME", "bezirk") if c in obj.columns), None)
        names = [str(v) for v in obj[col]] if col else [f"Bezirk {i + 1}" for i in range(len(obj))]
        return Districts(tuple(names), tuple(obj.geometry))
    if hasattr(obj, "names") and hasattr(obj, "geometries"):  # e.g. geodata.districts.Districts
        return Districts(tuple(str(n) for n in obj.names), tuple(obj.geometries))
    if isinstance(obj, tuple | list) and len(obj) == 2:
        names, geoms = obj
        return Districts(tuple(str(n) for n in names), tuple(geoms))
    raise ValueError(f"unsupported district input of type {type(obj).__name__}")


# --------------------------------------------------------------------------- text helpers


def escape_map_text(text: object) -> str:
    """Escape text for Folium popups/tooltips/HTML snippets.

    HTML-escapes, and also turns backslash, backtick and ``$`` into entities: Folium
    places popup and tooltip HTML inside JavaScript template literals, where ``${...}``
    would run and ``\\x3c`` would become ``<`` before the HTML is parsed. Braces become
    entities too, so that no text can read as Jinja2 syntax (``{{ }}``, ``{% %}``,
    ``{# #}``) should rendered markup ever be compiled as a template again (see
    :class:`_OnePassFigure`, which prevents that; this is the second line of defence).
    """
    s = html.escape("" if text is None else str(text), quote=True)
    return (s.replace("\\", "&#92;").replace("`", "&#96;").replace("$", "&#36;")
            .replace("{", "&#123;").replace("}", "&#125;"))


def fmt_time(t: datetime) -> str:
    return t.strftime("%H:%M")


def fmt_date(d: date, *, long: bool = False) -> str:
    """German date with weekday, e.g. ``Mo, 07.12.2026`` (long: ``Montag, 07.12.2026``)."""
    if not long:
        return format_day(d)
    return f"{WEEKDAYS_LONG[d.weekday()]}, {d:%d.%m.%Y}"


def fmt_duration(seconds: float) -> str:
    """``35 min`` or ``1 h 05 min``."""
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60:02d} min"


def fmt_minutes(seconds: float) -> str:
    """A duration as the phone's page and the messages write it: ``16 Min.``,
    ``1 Std. 05 Min.`` (QA 28 F19: „Wegzeit 16 min“ beside „(60 Min.)“)."""
    minutes = int(round(seconds / 60))
    if minutes < 60:
        return f"{minutes} Min."
    return f"{minutes // 60} Std. {minutes % 60:02d} Min."


def fmt_km(metres: float) -> str:
    """German decimal comma: ``12,3 km``."""
    return f"{metres / 1000:.1f}".replace(".", ",") + " km"


def mode_label(mode: str) -> str:
    return MODE_LABELS.get(mode, mode)


def check_lonlat(lon: float | None, lat: float | None, what: str) -> tuple[float, float]:
    """Validate a WGS84 position at the rendering boundary and return ``(lon, lat)``."""
    try:
        lo, la = float(lon), float(lat)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what}: position ({lon!r}, {lat!r}) is not numeric") from exc
    if not (math.isfinite(lo) and math.isfinite(la) and -180 <= lo <= 180 and -90 <= la <= 90):
        raise ValueError(f"{what}: position ({lon!r}, {lat!r}) is not a WGS84 lon/lat")
    return lo, la


def visits_text(route: TeamDayRoute, gone: Mapping[int, str] | None = None) -> str:
    """How many visits a team-day has still to make, and how many were called off since
    the plan was made: "11 Besuche", "11 Besuche, 1 weiterer entfällt". ``gone``: by stop
    position, the stops whose case was closed since, where the route does not carry it
    (the phone's page, :func:`hausbesuch.casework.stops.gone_of`): they are off too (QA
    31b: the phone counted them while it showed them „Besuch entfällt“)."""
    to_visit = [s for s in route.to_visit if s.position not in (gone or {})]
    text = count(len(to_visit), "Besuch", "Besuche")
    off = len(route.stops) - len(to_visit)
    if off:
        text += f", {off} weiterer entfällt" if off == 1 else f", {off} weitere entfallen"
    return text


def field_stops(route: TeamDayRoute, geocodes: Mapping[str, Geocode] | None) -> TeamDayRoute:
    """``route`` with each stop's address as the field pages show it (route page, phone,
    print sheet, route map): an address the plan found in the OSM data in one normalised
    form, the street as found with the client's own house number and „PLZ Ort“
    (:func:`hausbesuch.letters.field_address`). For rendering only: the stored address
    (which the store and the letters compare to see a client who moved) stays as it is.
    ``geocodes``: :attr:`Plan.geocodes` by client id; without them, ``route`` itself."""
    if not geocodes:
        return route
    from hausbesuch.letters import field_address

    return replace(route, stops=tuple(
        replace(s, address=field_address(s.address, stop_geocode(s, geocodes)))
        for s in route.stops))


#: The line under a stop whose point is not surely the house (:func:`location_note`).
WHERE_STREET = "Lage nur auf Straßenebene – Hausnummer vor Ort suchen"
WHERE_INTERPOLATED = "Lage geschätzt (interpoliert) – Haus vor Ort suchen"
WHERE_DOUBT = "Adresse unsicher – vor Ort prüfen"


def location_note(geocode: Geocode | None) -> str:
    """What the field must know about a stop's point, as one short German line (empty
    when the point is the house): found in doubt (:func:`address_in_doubt`, the one
    verdict of the *Adressen* page and ``report.csv``'s „bitte prüfen“: a street name only
    similar, a town or postcode that does not fit), found only at street level (the number
    is not in the map data) or interpolated (a point between known neighbours, or the base
    number's for "12a"). A harmless note of the geocoder (a plain typo it is sure of) says
    nothing here; a point set by hand by a coordinator and a coordinate of the list count
    as exact."""
    if geocode is None:
        return ""
    if address_in_doubt(geocode):
        return WHERE_DOUBT
    if geocode.quality == "street":
        return WHERE_STREET
    if geocode.quality == "interpolated":
        return WHERE_INTERPOLATED
    return ""



#: How far (degrees) a geocode's point may lie from its stop's: the stop carries the
#: geocode's point as stored (a float's rounding only).
_SAME_POINT_DEG = 1e-6


def stop_geocode(stop: PlannedStop, geocodes: Mapping[str, Geocode] | None) -> Geocode | None:
    """The plan's geocode of ``stop``'s client when it is the stop's own, at the stop's
    point; None otherwise: a plan keeps one geocode per client, and a re-plan replaces it
    for a client it plans again (after an address fix or a move) while a visit kept from
    before still stands at the old address, whose page must not take the new address's
    street or its „Lage geschätzt“ (review 39 #2)."""
    geocode = (geocodes or {}).get(stop.client_id)
    if geocode is None or geocode.lon is None or geocode.lat is None:
        return geocode
    if abs(geocode.lon - stop.lon) > _SAME_POINT_DEG \
            or abs(geocode.lat - stop.lat) > _SAME_POINT_DEG:
        return None
    return geocode


def geo_uri(lon: float, lat: float, number: int | None) -> str:
    """``geo:`` URI that OsmAnd and Organic Maps open: the coordinates and, as the target's
    label, the stop's number as the page shows it („Stopp 1“), never the case id (QA 28
    F16: a phone whose ``geo:`` handler is an online map app sends the label on); without a
    number, the coordinates only."""
    uri = f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}"
    return uri if number is None else f"{uri}({quote(f'Stopp {int(number)}', safe='')})"


def _path_points(route: TeamDayRoute) -> list[tuple[float, float]]:
    pts = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    for leg in route.legs:
        pts.extend(leg)
    return pts


# --------------------------------------------------------------------------- folium pieces


_LOCATE_SVG = (
    "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 24 24' "
    "fill='none' stroke='%23333' stroke-width='2'%3E%3Ccircle cx='12' cy='12' r='7'/%3E"
    "%3Ccircle cx='12' cy='12' r='2' fill='%23333'/%3E%3Cpath d='M12 1v4M12 19v4M1 12h4M19 12h4'/%3E"
    "%3C/svg%3E"
)


class _MapExtras(MacroElement):
    """Page CSS for markers, legend and the locate icon (no icon font), metric scale bar."""

    _template = Template(
        """
        {% macro header(this, kwargs) %}
        <style>
        .hb-legend { background: rgba(255,255,255,.94); padding: 6px 10px; border-radius: 6px;
            box-shadow: 0 1px 5px rgba(0,0,0,.4); font: 14px/1.35 system-ui, sans-serif;
            max-width: 18rem; max-height: 45vh; overflow: auto; }
        .hb-legend summary { font-weight: 600; cursor: pointer; }
        .hb-legend ul { list-style: none; margin: 4px 0 0; padding: 0; }
        .hb-legend li { margin: 2px 0; white-space: nowrap; }
        .hb-legend a { color: #0b57d0; }
        .hb-sw { display: inline-block; width: 14px; height: 14px; vertical-align: -2px;
            margin-right: 6px; border: 1px solid #333; border-radius: 50%; }
        .hb-sw-line { display: inline-block; width: 22px; height: 0; border-top: 4px solid;
            vertical-align: 3px; margin-right: 6px; }
        .hb-stop-pin { background: #1565c0; color: #fff; border: 2px solid #fff;
            border-radius: 50%; box-shadow: 0 0 0 1px #1565c0, 0 1px 4px rgba(0,0,0,.5);
            font: 700 13px/24px system-ui, sans-serif; text-align: center; width: 24px;
            height: 24px; box-sizing: content-box; }
        .hb-stop-pin.hb-off { background: #9aa0a6; box-shadow: 0 0 0 1px #5f6368,
            0 1px 4px rgba(0,0,0,.3); }
        .hb-popup .hb-off-text { color: #b00020; font-weight: 700; }
        .hb-popup s { color: #5f6368; }
        .hb-popup .hb-where { color: #8a4b00; font-weight: 700; }
        .hb-depot-pin { background: #222; color: #fff; border: 2px solid #fff; border-radius: 4px;
            font: 700 12px/22px system-ui, sans-serif; text-align: center; width: 22px;
            height: 22px; box-shadow: 0 1px 4px rgba(0,0,0,.5); }
        .hb-unassigned-pin { width: 12px; height: 12px; background: #fff; border: 3px solid;
            transform: rotate(45deg); box-shadow: 0 1px 3px rgba(0,0,0,.5); }
        /* a district's number on a visit's marker and in the key (overview map): the
           districts differ not by colour alone (WCAG 1.4.1) */
        .leaflet-marker-icon.hb-mark, .hb-sw-num { color: #fff; font: 700 10px/16px system-ui,
            sans-serif; text-align: center; text-shadow: 0 0 2px #000, 0 0 2px #000; }
        .leaflet-marker-icon.hb-mark { pointer-events: none; }
        .hb-sw-num { width: 16px; height: 16px; vertical-align: -4px; }
        .hb-unassigned-mark { position: absolute; left: 0; top: 0; width: 18px;
            font: 700 9px/18px system-ui, sans-serif; text-align: center; color: #202124; }
        .leaflet-div-icon.hb-plain { background: none; border: none; }
        .leaflet-container .leaflet-control-attribution a { text-decoration: underline; }
        .hb-popup { font: 14px/1.4 system-ui, sans-serif; overflow-wrap: anywhere; }
        .hb-locate-icon { display: inline-block; width: 18px; height: 18px; vertical-align: -4px;
            background: url("{{ this.locate_svg }}") no-repeat center / 18px 18px; }
        .hb-locate-loading { animation: hb-spin 1s linear infinite; }
        @keyframes hb-spin { to { transform: rotate(360deg); } }
        </style>
        {% endmacro %}
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});
        // Leaflet's controls in German, once all are added (the layers control comes last)
        setTimeout(function () {
          var c = {{ this._parent.get_name() }}.getContainer();
          [["leaflet-control-zoom-in", "Vergrößern"], ["leaflet-control-zoom-out", "Verkleinern"],
           ["leaflet-control-layers-toggle", "Ebenen"]].forEach(function (p) {
            c.querySelectorAll("." + p[0]).forEach(function (a) {
              a.title = p[1]; a.setAttribute("aria-label", p[1]);
            });
          });
          // the locate control is an <a> without href: a button for keyboard and reader
          c.querySelectorAll(".leaflet-control-locate a").forEach(function (a) {
            a.setAttribute("role", "button"); a.setAttribute("tabindex", "0");
            a.setAttribute("aria-label", a.title);
            a.addEventListener("keydown", function (ev) {
              if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); a.click(); }
            });
          });
          // the drawing of the lines is no unnamed image for a screen reader: the stops
          // are the map's pins (buttons), the way is the route page's list
          var drawing = c.querySelector(".leaflet-overlay-pane svg");
          if (drawing) drawing.setAttribute("aria-hidden", "true");
        }, 0);
        {% endmacro %}
        """
    )

    def __init__(self) -> None:
        super().__init__()
        self._name = "MapExtras"
        self.locate_svg = _LOCATE_SVG


class _Legend(MacroElement):
    """A Leaflet control holding trusted, pre-escaped HTML (a collapsible legend)."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = L.DomUtil.create("div", "hb-legend");
                div.innerHTML = {{ this.content|tojson }};
                var details = div.querySelector("details");
                if (details && window.innerWidth < 600) { details.removeAttribute("open"); }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, content_html: str, position: str = "bottomleft") -> None:
        super().__init__()
        self._name = "Legend"
        self.content = content_html
        self.position = position


# --------------------------------------------------------------------------- one-pass rendering

# Why maps are rendered under _one_pass():
#
# branca 0.8 (Folium's element library) renders an element's header/html/script macro and
# hands the *result* to ``Element(text)`` (``MacroElement.render``, ``Div.render``, and in
# Folium ``Popup.render``, ``Class.render`` and several in ``folium.features``).
# ``Element.__init__`` compiles that text as a new Jinja2 template, and the Figure renders
# it a second time. Two consequences:
#
# - template injection: whatever text reached a map (a client id or note in a tooltip or
#   popup, a district name from OSM or a user's district file, the profile's title) was
#   evaluated by Jinja2 again. Jinja2 is not sandboxed there: ``{{ ... }}`` in a list cell
#   could run code on the server that renders the plan (web upload -> plan job -> maps);
#   ``K-{{7*7}}`` came out as ``K-49``;
# - speed: compiling thousands of rendered snippets as templates was most of the time
#   spent rendering a map (118 maps of a replan: ~6 of 9.9 s).
#
# Every one of those ``Element(text)`` calls compiles through the module global
# ``branca.element.Template`` (looked up by ``Element.__init__``), whichever module imported
# ``Element``. While a map of ours renders, that global is replaced by _literal_template,
# which keeps the text as it is. Its output equals the second pass's for any text without
# template syntax: Jinja2 turns each newline (\r\n, \r) into \n and drops one trailing
# newline, and so does _Literal. Text that does contain ``{{`` now shows as written instead
# of being evaluated. The swap is undone in ``finally`` and serialised by a lock, so that
# renders in several threads (the web app's jobs) can never leave it in place. Other code
# building branca elements meanwhile is unaffected in practice: the only element that
# compiles a real template from a string at run time, ``branca.element.Div``, is not used
# here (and an ``Element(text)`` of theirs is literal text anyway).

_ONE_PASS_LOCK = threading.RLock()
_NEWLINE = re.compile(r"\r\n|\r|\n")


class _Literal:
    """Stands in for the Jinja2 template branca would compile from rendered markup: gives
    the markup back as Jinja2 renders text without template syntax."""

    __slots__ = ("text",)

    def __init__(self, source: object) -> None:
        lines = _NEWLINE.split(str(source))
        if lines[-1] == "":  # Jinja2's default keep_trailing_newline=False
            del lines[-1]
        self.text = "\n".join(lines)

    def render(self, *args: object, **kwargs: object) -> str:
        return self.text


def _literal_template(source: object, *args: object, **kwargs: object) -> _Literal:
    return _Literal(source)


@contextmanager
def _one_pass() -> Iterator[None]:
    """Render branca/Folium elements without compiling rendered markup again (see above)."""
    with _ONE_PASS_LOCK:
        original = branca.element.Template
        branca.element.Template = _literal_template  # type: ignore[assignment,misc]
        try:
            yield
        finally:
            branca.element.Template = original  # type: ignore[misc]


class _OnePassFigure(Figure):
    """The page of every map built here: renders in one pass (:func:`_one_pass`), also when
    shown in a notebook (``_repr_html_`` calls :meth:`render`) or saved with ``save``."""

    def render(self, **kwargs: Any) -> str:
        with _one_pass():
            return super().render(**kwargs)


def _local(pairs: list[tuple[str, str]], prefix: str) -> list[tuple[str, str]]:
    return [(name, f"{prefix}/{path}") for name, path in pairs]


#: The zoom a route or overview map opens at, at most: a tile of zoom 14 is about 1.5 km
#: wide in Germany (a part of the town, thousands of households); the view covers a few
#: of them. At 15-19 a tile shows a few streets or one block, and the tile server would
#: learn, with the viewer's address and the time, which blocks a team visits (QA 28 F5:
#: a team-day of close stops opened at zoom 18). Zooming in on purpose stays possible.
INITIAL_MAX_ZOOM = 14


def _base_map(settings: MapSettings, assets: str, title: str) -> folium.Map:
    fig = _OnePassFigure(title=escape_map_text(title))  # branca does not escape it
    m = folium.Map(
        location=[50.0, 10.0],
        zoom_start=INITIAL_MAX_ZOOM,
        tiles=None,
        max_zoom=settings.max_zoom,
        control_scale=False,
        zoom_control=True,
    )
    # Instance-level asset lists: local copies instead of Folium's CDN defaults.
    m.default_js = _local(_MAP_JS, assets)
    m.default_css = _local(_MAP_CSS, assets)
    fig.add_child(m)
    _MapExtras().add_to(m)
    folium.TileLayer(
        tiles=settings.tile_url,
        attr=settings.attribution_html(),
        name="Stadtplan",
        max_zoom=settings.max_zoom,
        max_native_zoom=min(settings.max_zoom, 19),
        overlay=False,
        control=True,
    ).add_to(m)
    fs = Fullscreen(position="topleft", title="Vollbild", title_cancel="Vollbild beenden")
    fs.default_js = _local(_FULLSCREEN_JS, assets)
    fs.default_css = _local(_FULLSCREEN_CSS, assets)
    fs.add_to(m)
    loc = LocateControl(
        position="topleft",
        flyTo=False,
        keepCurrentZoomLevel=True,
        icon="hb-locate-icon",
        iconLoading="hb-locate-icon hb-locate-loading",
        strings={
            "title": "Meinen Standort zeigen",
            "metersUnit": "Meter",
            "feetUnit": "Fuß",
            "popup": "Ihr Standort (± {distance} {unit})",
            "outsideMapBoundsMsg": "Sie sind außerhalb des Kartenausschnitts",
        },
    )
    loc.default_js = _local(_LOCATE_JS, assets)
    loc.default_css = _local(_LOCATE_CSS, assets)
    loc.add_to(m)
    return m


def _fit(m: folium.Map, points: Iterable[tuple[float, float]]) -> None:
    pts = [(lat, lon) for lon, lat in points]
    if not pts:
        return
    lats = [p[0] for p in pts]
    lons = [p[1] for p in pts]
    m.location = [(min(lats) + max(lats)) / 2, (min(lons) + max(lons)) / 2]
    if len(pts) > 1 and (max(lats) > min(lats) or max(lons) > min(lons)):
        m.fit_bounds([[min(lats), min(lons)], [max(lats), max(lons)]], padding=(24, 24),
                     max_zoom=INITIAL_MAX_ZOOM)


def _latlon(line: Sequence[tuple[float, float]]) -> list[list[float]]:
    return [[lat, lon] for lon, lat in line]


def _stop_popup(stop: PlannedStop, route: TeamDayRoute, *, page_href: str | None,
                number: int | None = None, max_failed_tries: int | None = None,
                where: str = "") -> str:
    """A stop's popup; one called off since the plan was made (``number`` None) says so,
    with its old time and address struck through and no navigation link.
    ``max_failed_tries``: the last allowed try is marked (:meth:`PlannedStop.try_words`).
    ``where``: the stop's :func:`location_note`, under its address as on the route page
    (the popup's „Navigation starten“ leads to the point, which may not be the house)."""
    e = escape_map_text
    if stop.off:  # called off (✕), or its case closed since (it keeps its number)
        head = "✕" if stop.called_off else f"{stop.position if number is None else number}."
        said = "Besuch entfällt – nicht hingehen." + (f" {stop.gone}" if stop.gone else "")
        parts = [
            f"<b>{head} {e(stop.client_id)}</b>",
            f'<span class="hb-off-text">{e(said)}</span>',
            f"<s>Besuch {fmt_time(stop.start)}–{fmt_time(stop.end)}</s>",
            e(stop.window_line),
            f"<s>{e(stop.address)}</s>",
        ]
        if page_href:
            parts.append(f'<a href="{e(page_href)}#stopp-{stop.position}" target="_top">'
                         "Routenliste</a>")
        return '<div class="hb-popup">' + "<br>".join(parts) + "</div>"
    parts = [
        f"<b>{stop.position if number is None else number}. {e(stop.client_id)}</b>",
        f"Ankunft {fmt_time(stop.arrival)} · Besuch {fmt_time(stop.start)}–{fmt_time(stop.end)}",
        e(stop.window_line),
        e(stop.address),
    ]
    if where:
        parts.append(f'<span class="hb-where">{e(where)}</span>')
    if stop.district:
        parts.append(f"Bezirk: {e(stop.district)}")
    if tried := stop.try_words(max_failed_tries):  # „3. Versuch (letzter)“, as the pages
        parts.append(e(tried))
    if stop.facts:  # „Sprache: Türkisch · Brief vom Fr, 27.11.2026“, as on the pages
        parts.append(e(" · ".join(stop.facts)))
    if stop.notiz:
        parts.append(f"Notiz: {e(stop.notiz)}")
    nav = geo_uri(stop.lon, stop.lat, stop.position if number is None else number)
    links = [f'<a href="{e(nav)}">Navigation starten</a>']
    if page_href:
        links.append(f'<a href="{e(page_href)}#stopp-{stop.position}" target="_top">Routenliste</a>')
    parts.append(" · ".join(links))
    return '<div class="hb-popup">' + "<br>".join(parts) + "</div>"


#: Text for screen readers only, inside a pin (the pin's glyph is hidden from them): the
#: name of the marker's button. Inline, as the map pages have no stylesheet of ours.
_READ_ONLY = ('position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);'
              'white-space:nowrap')


def _pin_text(glyph: str, name: str) -> str:
    """A pin's glyph (``✕``, ``S``) shown, and its name (``entfällt: K-1``) read."""
    return (f'<span aria-hidden="true">{glyph}</span>'
            f'<span style="{_READ_ONLY}">{escape_map_text(name)}</span>')


def _depot_marker(lonlat: tuple[float, float], letter: str, label: str, tip: str) -> folium.Marker:
    lon, lat = lonlat
    icon = folium.DivIcon(
        html=f'<div class="hb-depot-pin">{_pin_text(letter, tip)}</div>',
        class_name="hb-plain hb-depot",
        icon_size=(26, 26),
        icon_anchor=(13, 13),
    )
    return folium.Marker(
        [lat, lon],
        icon=icon,
        tooltip=folium.Tooltip(escape_map_text(tip)),
        popup=folium.Popup(f"<b>{escape_map_text(tip)}</b><br>{escape_map_text(label)}"),
    )


def route_map_heading(route: TeamDayRoute) -> str:
    """The heading of a team-day's map page (:func:`render_map`)."""
    return f"Karte {route.team_id} · {fmt_date(route.day, long=True)}"


def route_map(
    route: TeamDayRoute,
    settings: MapSettings,
    *,
    districts: Districts | None = None,
    assets: str = f"../{ASSETS_DIRNAME}",
    links: Sequence[tuple[str, str]] = (),
    page_href: str | None = None,
    replaced: str = "",
    geocodes: Mapping[str, Geocode] | None = None,
) -> folium.Map:
    """Folium map of one team-day: street-following legs, numbered stops, depot.

    Parameters
    ----------
    route : TeamDayRoute
        The route; ``legs`` are drawn as lines (a leg without geometry as a dashed
        straight line, labelled as such in the legend).
    settings : MapSettings
        Tiles and attribution.
    districts : Districts, optional
        Drawn as a hidden, switchable layer.
    assets : str
        Relative URL of the assets directory as seen from the map file.
    links : sequence of (label, href)
        Navigation links shown in the legend (e.g. back to the overview).
    page_href : str, optional
        Relative URL of the mobile route page; popups link to the stop there.
    replaced : str, optional
        For a plan version a re-plan replaced, the sentence saying so
        (:func:`hausbesuch.versions.replaced_note`), first in the legend.
    geocodes : mapping, optional
        :attr:`Plan.geocodes` by client id: the popups show a stop's address as the route
        page does (:func:`field_stops`).

    Raises
    ------
    ValueError
        If a stop or depot has no valid WGS84 position (names the client / team-day).
    """
    route = field_stops(route, geocodes)
    what = f"Route {route.slug}"
    for s in route.stops:
        check_lonlat(s.lon, s.lat, f"{what}, Stopp {s.position} ({s.client_id})")
    check_lonlat(*route.start_lonlat, f"{what}, Start")
    check_lonlat(*route.end_lonlat, f"{what}, Ziel")

    title = f"Karte {route.team_id}, {fmt_date(route.day)}"
    m = _base_map(settings, assets, title)

    if districts is not None and districts.names:
        _add_districts(m, districts, _district_colours(districts.names), show=False)

    lines = folium.FeatureGroup(name="Weg", show=True).add_to(m)
    straight = detour = False
    waypoints = [route.start_lonlat, *((s.lon, s.lat) for s in route.stops), route.end_lonlat]
    numbers = route.numbers
    for i in range(len(waypoints) - 1):
        leg = route.legs[i] if i < len(route.legs) and len(route.legs[i]) >= 2 else None
        to = f"Stopp {numbers[i]}" if i < len(route.stops) else "Ziel"
        # a leg to or from a stop called off since the plan was made: the team need not
        # walk it (the way from the stop before to the one after is not computed here)
        if (i < len(route.stops) and route.stops[i].off) or (
                i > 0 and route.stops[i - 1].off):
            if waypoints[i] == waypoints[i + 1]:
                continue
            detour = True
            folium.PolyLine(
                _latlon(leg or [waypoints[i], waypoints[i + 1]]), color=OFF_COLOUR, weight=3,
                opacity=0.8, dash_array="2 8",
                tooltip="Weg über einen entfallenen Besuch (entfällt mit ihm)",
            ).add_to(lines)
            continue
        if leg is None:
            if waypoints[i] == waypoints[i + 1]:
                continue
            straight = True
            folium.PolyLine(
                _latlon([waypoints[i], waypoints[i + 1]]),
                color=ROUTE_COLOUR, weight=3, opacity=0.8, dash_array="6 6",
                tooltip=escape_map_text(f"Luftlinie zu {to}"),
            ).add_to(lines)  # fmt: skip
            continue
        pts = _latlon(leg)
        folium.PolyLine(pts, color="#ffffff", weight=8, opacity=0.9).add_to(lines)
        folium.PolyLine(
            pts, color=ROUTE_COLOUR, weight=5, opacity=0.9, tooltip=escape_map_text(f"Weg zu {to}")
        ).add_to(lines)

    stops_fg = folium.FeatureGroup(name="Besuche", show=True).add_to(m)
    for s, nr in zip(route.stops, numbers, strict=True):
        if s.called_off:  # grey, crossed, no number: not a stop to go to
            pin = (f'<div class="hb-stop-pin hb-off">'
                   f'{_pin_text("✕", f"entfällt: {s.client_id}")}</div>')
            cls = "hb-plain hb-stop-off"
            tip = f"entfällt: {escape_map_text(s.client_id)} (war {fmt_time(s.start)})"
        elif s.gone:  # its case closed since: grey, its number struck through
            pin = (f'<div class="hb-stop-pin hb-off">'
                   f'{_pin_text(f"<s>{nr}</s>", f"entfällt: Stopp {nr} · {s.client_id}")}</div>')
            cls = "hb-plain hb-stop-off"
            tip = (f"entfällt: {nr}. {escape_map_text(s.client_id)} "
                   f"(war {fmt_time(s.start)})")
        else:
            # the number shown; the button read as „Stopp 1 · K-1001 · 08:15 Uhr“
            name = f"Stopp {nr} · {s.client_id} · {fmt_time(s.start)} Uhr"
            pin = f'<div class="hb-stop-pin">{_pin_text(str(nr), name)}</div>'
            cls = "hb-plain hb-stop"
            tip = f"{nr}. {escape_map_text(s.client_id)} · {fmt_time(s.start)}"
        folium.Marker(
            [s.lat, s.lon],
            icon=folium.DivIcon(html=pin, class_name=cls, icon_size=(28, 28),
                                icon_anchor=(14, 14)),
            popup=folium.Popup(_stop_popup(s, route, page_href=page_href, number=nr,
                                           max_failed_tries=settings.max_failed_tries,
                                           where=location_note(stop_geocode(s, geocodes))),
                               max_width=300),
            tooltip=folium.Tooltip(tip),
            **({"z_index_offset": -1000} if s.off else {}),  # under a stop to visit
        ).add_to(stops_fg)

    depot_fg = folium.FeatureGroup(name="Start und Ziel", show=True).add_to(m)
    same_end = route.end_lonlat == route.start_lonlat
    _depot_marker(
        route.start_lonlat, "S", route.start_label,
        f"Start {fmt_time(route.depart)}" + (f", Rückkehr {fmt_time(route.return_)}"
                                              if same_end and not route.ends_open else ""),
    ).add_to(depot_fg)  # fmt: skip
    if not same_end:
        _depot_marker(
            route.end_lonlat, "Z", route.start_label,
            "Ziel (Tour endet nach dem letzten Besuch)" if route.ends_open
            else f"Ziel {fmt_time(route.return_)}"
        ).add_to(depot_fg)

    folium.LayerControl(position="topright", collapsed=True).add_to(m)

    e = escape_map_text
    rows = [
        "<li><span class=\"hb-stop-pin\" style=\"display:inline-block;width:18px;height:18px;"
        "line-height:18px;font-size:11px;margin-right:6px\">1</span>Besuch (Reihenfolge)</li>",
        "<li><span class=\"hb-depot-pin\" style=\"display:inline-block;width:16px;height:16px;"
        "line-height:16px;font-size:10px;margin-right:6px\">S</span>Start / Ziel</li>",
        f'<li><span class="hb-sw-line" style="border-color:{ROUTE_COLOUR}"></span>Weg</li>',
    ]
    if straight:
        rows.append(
            f'<li><span class="hb-sw-line" style="border-top-style:dashed;'
            f'border-color:{ROUTE_COLOUR}"></span>Luftlinie (ohne Wegführung)</li>'
        )
    if len(route.to_visit) < len(route.stops):
        rows.append(
            "<li><span class=\"hb-stop-pin hb-off\" style=\"display:inline-block;width:18px;"
            "height:18px;line-height:18px;font-size:11px;margin-right:6px\">✕</span>"
            "Besuch entfällt: nicht hingehen</li>")
    if detour:
        rows.append(
            f'<li><span class="hb-sw-line" style="border-top-style:dotted;'
            f'border-color:{OFF_COLOUR}"></span>Weg über einen entfallenen Besuch</li>')
    link_html = " · ".join(f'<a href="{e(href)}" target="_top">{e(lbl)}</a>' for lbl, href in links)
    if link_html:  # the views of the team-day, named as on its route page and sheet
        link_html = f'<nav aria-label="Ansichten">{link_html}</nav>'

    summary = (
        f"{visits_text(route)} · "
        f"{fmt_time(route.depart)}–{fmt_time(route.return_)}"
        f"{' (Ende des letzten Besuchs)' if route.ends_open else ''} · "
        f"{mode_label(route.mode)} · {fmt_km(route.distance_m)}"
    )
    legend = (
        f"<details open><summary>{e(route.team_id)} · {fmt_date(route.day)}"
        # (said in the summary too: a phone shows the legend folded)
        + ('<strong style="color:#b00020"> · nicht mehr gültig</strong>' if replaced else "")
        + "</summary>"
        + (f'<div role="alert" style="color:#b00020"><strong>{e(replaced)}</strong></div>'
           if replaced else "")
        + f"<div>{e(summary)}</div><ul>{''.join(rows)}</ul>"
        + link_html
        + "</details>"
    )
    _Legend(legend).add_to(m)
    _fit(m, _path_points(route))
    return m


def _district_colours(names: Iterable[str]) -> dict[str, str]:
    uniq = sorted({n for n in names if n and n != OUTSIDE})
    colours = {n: DISTRICT_PALETTE[i % len(DISTRICT_PALETTE)] for i, n in enumerate(uniq)}
    colours[OUTSIDE] = OUTSIDE_COLOUR
    return colours


def _add_districts(
    m: folium.Map, districts: Districts, colours: Mapping[str, str], *, show: bool
) -> None:
    fg = folium.FeatureGroup(name="Bezirke", show=show).add_to(m)
    for name, geom in zip(districts.names, districts.geometries, strict=True):
        if geom is None or geom.is_empty:
            continue
        simple = geom.simplify(0.00005, preserve_topology=True)  # ~5 m: small pages
        colour = colours.get(name, OUTSIDE_COLOUR)
        folium.GeoJson(
            mapping(simple),
            style_function=lambda _f, c=colour: {
                "color": c, "weight": 2, "fillColor": c, "fillOpacity": 0.07,
            },  # fmt: skip
            tooltip=folium.Tooltip(escape_map_text(name)),
            highlight_function=None,
        ).add_to(fg)


def overview_map_heading(plan: Plan) -> str:
    """The heading of a plan's overview map page (:func:`render_map`), e.g.
    ``Übersichtskarte Bad Hersfeld · Montag, 07.12.2026 bis Freitag, 11.12.2026``."""
    end = plan.start + timedelta(days=max(plan.days, 1) - 1)
    span = fmt_date(plan.start, long=True)
    if end != plan.start:
        span += f" bis {fmt_date(end, long=True)}"
    return " · ".join(p for p in (f"Übersichtskarte {plan.city}".strip(), span) if p)


#: Most unassigned visits drawn on the overview map (the rest is listed in report.csv).
MAX_UNASSIGNED_MARKERS = 2_000


def overview_map(
    plan: Plan,
    settings: MapSettings,
    *,
    districts: Districts | None = None,
    assets: str = ASSETS_DIRNAME,
    route_pages: Mapping[str, str] | None = None,
) -> folium.Map:
    """Overview of a plan: clients coloured and numbered by district (the key says which
    number is which district), district outlines, planned visits (filled circles) and
    unassigned ones (open diamonds), depots, and switchable routes.

    Parameters
    ----------
    plan : Plan
        The plan; unassigned visits without a position are only listed, not drawn.
    settings : MapSettings
        Tiles and attribution.
    districts : Districts, optional
        District polygons (outlines and legend).
    assets : str
        Relative URL of the assets directory as seen from the map file.
    route_pages : mapping of route slug to relative href, optional
        Popups of planned visits link to that team-day's route page.
    """
    districts = districts or Districts()
    route_pages = route_pages or {}
    labels = list(districts.names)
    labels += [s.district for r in plan.routes for s in r.stops]
    labels += [u.district for u in plan.unassigned]
    colours = _district_colours(labels)
    e = escape_map_text

    # the key's districts (the outside last), each with its number on its visits' markers
    used = sorted(
        {n for n in labels if n} | ({OUTSIDE} if OUTSIDE in labels else set()),
        key=lambda n: (n == OUTSIDE, n),
    )
    marks = {n: str(i) for i, n in enumerate(used, 1)}

    def mark(district: str | None) -> str:
        return marks.get(district or OUTSIDE, "")

    title = f"Übersicht {plan.city}".strip() if plan.city else "Übersicht"
    m = _base_map(settings, assets, title)
    if districts.names:
        _add_districts(m, districts, colours, show=True)

    routes_sorted = sorted(plan.routes, key=lambda r: (r.day, r.team_id))
    for i, r in enumerate(routes_sorted):
        colour = ROUTE_PALETTE[i % len(ROUTE_PALETTE)]
        # the line's colour beside its name in the layer list: a route is not told by its
        # colour alone (WCAG 1.4.1, QA 45a F6)
        fg = folium.FeatureGroup(
            name=(f'<span class="hb-sw-line" style="border-color:{colour}"></span>'
                  f"Weg {e(r.team_id)}, {fmt_date(r.day)}"), show=False
        ).add_to(m)
        for leg in r.legs:
            if len(leg) >= 2:
                folium.PolyLine(_latlon(leg), color=colour, weight=4, opacity=0.85).add_to(fg)

    planned = folium.FeatureGroup(name="Geplante Besuche", show=True).add_to(m)
    points: list[tuple[float, float]] = []
    care_of = CareOf(plan)  # the overview: addresses without a name (c/o, read past, own)
    for r in routes_sorted:
        href = route_pages.get(r.slug)
        for s, nr in zip(r.stops, r.numbers, strict=True):
            lon, lat = check_lonlat(s.lon, s.lat, f"Route {r.slug}, Stopp {s.client_id}")
            points.append((lon, lat))
            colour = colours.get(s.district or OUTSIDE, OUTSIDE_COLOUR)
            if s.off:  # called off, or its case closed since: a hollow grey ring
                folium.CircleMarker(
                    [lat, lon], radius=6, color=OFF_COLOUR, weight=2, dash_array="2 3",
                    fill=True, fill_color="#ffffff", fill_opacity=0.9,
                    popup=folium.Popup("<br>".join([
                        f"<b>{e(s.client_id)}</b> · entfällt",
                        f"{e(r.team_id)}, {fmt_date(r.day)}, <s>{fmt_time(s.start)} Uhr</s>",
                        e(s.gone) if s.gone else e(s.window_shown) if s.window_text
                        else "entfällt",
                        e(care_of.address(s.client_id, s.address)),
                    ]), max_width=300),
                    tooltip=folium.Tooltip(f"{e(s.client_id)} · entfällt"),
                ).add_to(planned)  # fmt: skip
                continue
            body = [
                f"<b>{e(s.client_id)}</b> · geplant",
                f"{e(r.team_id)}, {fmt_date(r.day)}, Nr. {nr}, {fmt_time(s.start)} Uhr",
                e(s.window_line),  # in the words of every view (PlannedStop.window_line)
                e(care_of.address(s.client_id, s.address)),  # the overview: no host's name
                f"Bezirk: {e(s.district or OUTSIDE)}",
            ]
            if href:
                body.append(f'<a href="{e(href)}#stopp-{s.position}" target="_top">Routenliste</a>')
            folium.CircleMarker(
                [lat, lon], radius=8, color="#222", weight=1, fill=True,
                fill_color=colour, fill_opacity=0.95,
                popup=folium.Popup("<br>".join(body), max_width=300),
                tooltip=folium.Tooltip(f"{e(s.client_id)} · {e(r.team_id)} {fmt_date(r.day)}"),
            ).add_to(planned)  # fmt: skip
            # its district's number over the circle (the key says which): a drawing, as
            # the circle is (the popup and index.html's table „Besuche“ say the district)
            folium.Marker(
                [lat, lon], interactive=False, keyboard=False,
                icon=folium.DivIcon(html=f'<span aria-hidden="true">{mark(s.district)}</span>',
                                    class_name="hb-plain hb-mark", icon_size=(16, 16),
                                    icon_anchor=(8, 8)),
            ).add_to(planned)  # fmt: skip

    # Visits left out by the pre-selection of a very large list are not drawn (they are
    # in report.csv), and at most MAX_UNASSIGNED_MARKERS others: the map must stay usable.
    drawable = [u for u in plan.unassigned
                if u.lon is not None and u.lat is not None and u.code != "over_capacity"]
    shown = drawable[:MAX_UNASSIGNED_MARKERS]
    name = "Nicht eingeplant"
    if len(shown) < len(plan.unassigned):
        name += f" ({len(shown)} von {len(plan.unassigned)} gezeigt, alle in report.csv)"
    unassigned = folium.FeatureGroup(name=name, show=True).add_to(m)
    for u in shown:
        lon, lat = check_lonlat(u.lon, u.lat, f"nicht eingeplant {u.client_id}")
        points.append((lon, lat))
        colour = colours.get(u.district or OUTSIDE, OUTSIDE_COLOUR)
        icon = folium.DivIcon(
            html=(f'<div class="hb-unassigned-pin" style="border-color:{colour}"></div>'
                  f'<span class="hb-unassigned-mark" aria-hidden="true">'
                  f"{mark(u.district)}</span>"),
            class_name="hb-plain hb-unassigned",
            icon_size=(18, 18),
            icon_anchor=(9, 9),
        )
        body = [
            f"<b>{e(u.client_id)}</b> · nicht eingeplant",
            f"Grund: {e(care_of.text(u.client_id, u.reason))}",
            e(care_of.address(u.client_id, u.address)),
            f"Bezirk: {e(u.district or OUTSIDE)}",
        ]
        folium.Marker(
            [lat, lon], icon=icon,
            popup=folium.Popup("<br>".join(body), max_width=300),
            tooltip=folium.Tooltip(f"{e(u.client_id)} · nicht eingeplant"),
            # the name of the marker's button (its pin is an empty <div>); set as text
            title=f"{u.client_id} · nicht eingeplant",
        ).add_to(unassigned)  # fmt: skip

    depots = folium.FeatureGroup(name="Start und Ziel", show=True).add_to(m)
    seen: set[tuple[float, float]] = set()
    for r in routes_sorted:
        for lonlat in (r.start_lonlat, r.end_lonlat):
            if lonlat in seen:
                continue
            seen.add(lonlat)
            check_lonlat(*lonlat, f"Route {r.slug}, Start/Ziel")
            points.append(lonlat)
            _depot_marker(lonlat, "S", r.start_label, "Start / Ziel").add_to(depots)

    folium.LayerControl(position="topright", collapsed=True).add_to(m)

    rows = [
        '<li><span class="hb-sw" style="background:#bbb"></span>geplant</li>',
        '<li><span class="hb-unassigned-pin" style="display:inline-block;width:8px;height:8px;'
        'border-color:#555;margin:0 8px 0 3px"></span>nicht eingeplant</li>',
        '<li><span class="hb-depot-pin" style="display:inline-block;width:16px;height:16px;'
        'line-height:16px;font-size:10px;margin-right:6px">S</span>Start / Ziel</li>',
        # what a visit's number and colour (its circle's fill, its diamond's edge) say
        '<li style="margin-top:4px;font-weight:600">Bezirk (Zahl und Farbe):</li>',
    ]
    rows += [
        # the number in the swatch, as on the markers: „3 Innenstadt“ also as text
        f'<li><span class="hb-sw hb-sw-num" style="background:{colours.get(n, OUTSIDE_COLOUR)}"'
        f">{marks[n]}</span> {e(n)}</li>"
        for n in used
    ]
    n_planned = sum(len(r.to_visit) for r in plan.routes)
    n_off = sum(len(r.stops) for r in plan.routes) - n_planned
    if n_off:
        rows.insert(1, f'<li><span class="hb-sw" style="background:#fff;border:2px dashed '
                       f'{OFF_COLOUR}"></span>entfällt (nicht hingehen)</li>')
    legend = (
        f"<details open><summary>Legende</summary>"
        # the markers are visits (a case visited twice is two): said so, beside the
        # index page's count of cases planned (QA 32b F3)
        f"<div>{count(n_planned, 'Besuch', 'Besuche')} geplant · "
        f"{f'{n_off} entfallen · ' if n_off else ''}"
        f"{len(plan.unassigned)} nicht eingeplant</div>"
        f"<ul>{''.join(rows)}</ul></details>"
    )
    _Legend(legend).add_to(m)

    if not points:
        for g in districts.geometries:
            if g is not None and not g.is_empty:
                minx, miny, maxx, maxy = g.bounds
                points += [(minx, miny), (maxx, maxy)]
    _fit(m, points)
    return m


_ASSET_REF = re.compile(r"<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*\"([^\"]*)\"", re.I)


_ELEMENT_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-z])")


def _stable_ids(page: str) -> str:
    """Folium names every element ``<kind>_<random uuid>``; number them in order of first
    appearance instead, so that the same plan always gives the same file."""
    ids: dict[str, str] = {}

    def sub(m: re.Match[str]) -> str:
        return ids.setdefault(m[0], f"{len(ids) + 1:032x}")

    return _ELEMENT_ID.sub(sub, page)


#: The viewport of the map pages: the device's width, zooming allowed.
VIEWPORT_META = '<meta name="viewport" content="width=device-width, initial-scale=1" />'
_VIEWPORT = re.compile(r'<meta\s+name="viewport"[^>]*>')


#: A map page shown in a frame (the overview in the plan's ``index.html``, under its h2
#: „Übersichtskarte“, the frame named by its title) is part of that page for a screen
#: reader: its own h1, banner and main would be a second h1 and landmarks of the index.
#: Framed, the page drops them (its heading only repeats the frame's name and the index's
#: h2); opened on its own (its link „Karte im ganzen Fenster öffnen“) it keeps them.
#: Run while the page is parsed, before the map: nothing shifts.
_EMBEDDED_JS = (
    '<script>if (window.self !== window.top) {'
    ' document.getElementById("hb-kopf").remove();'
    ' document.getElementById("hb-karte").removeAttribute("role"); }</script>')


def render_map(m: folium.Map, *, heading: str = "") -> str:
    """Render a map built here into a complete German HTML page.

    With ``heading`` (:func:`route_map_heading`, :func:`overview_map_heading`), the page
    has the landmarks and the heading a screen reader jumps by, as the route page and the
    print sheet: a banner holding the heading (read only: the map fills the screen) and
    the map as ``main``; shown in a frame, the page drops both (:data:`_EMBEDDED_JS`).

    Raises
    ------
    RuntimeError
        If any script or stylesheet would be loaded from another host (a CDN):
        the pages must work offline.
    """
    page = _stable_ids(m.get_root().render())
    page = page.replace("<html>", '<html lang="de">', 1)
    # Folium's header forbids zooming (maximum-scale=1.0, user-scalable=no): a phone must
    # be able to enlarge the legend and the popups (WCAG 1.4.4)
    page = _VIEWPORT.sub(VIEWPORT_META, page, count=1)
    if heading:
        page = page.replace(
            "<body>", f'<body>\n<header id="hb-kopf"><h1 style="{_READ_ONLY}">'
                      f'{escape_map_text(heading)}</h1></header>\n'
                      f'<div id="hb-karte" role="main" style="height:100%">\n{_EMBEDDED_JS}', 1)
        page = page.replace("</body>", "</div>\n</body>", 1)
    remote = [u for u in _ASSET_REF.findall(page) if urlsplit(u).scheme or u.startswith("//")]
    if remote:
        raise RuntimeError(f"map would load remote assets: {remote}")
    return page


def vendor_dir() -> Path:
    """Directory of the vendored front-end assets shipped with the package."""
    return Path(str(resources.files("hausbesuch") / "static" / "vendor"))
