"""HTML pages of a plan (Jinja2, autoescaped): the index, the mobile route page and the
printable route sheet of each team-day, plus the navigation links they carry.

Pages are self-contained (inline CSS, no external requests) and carry a
Content-Security-Policy that forbids scripts (the index and the print sheets allow one, by
its hash: :data:`SCROLL_BOXES_JS`), so they open fast on a phone, work as a single file,
and cannot run anything that slipped into a client note. Links to map
services carry coordinates and the pseudonymous client id only, never names or addresses.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from jinja2 import Environment, PackageLoader, StrictUndefined
from markupsafe import Markup, escape

from hausbesuch.care_of import CareOf
from hausbesuch.fields import count, format_moment, weekday_span
from hausbesuch.maps import (
    MapSettings,
    check_lonlat,
    field_stops,
    fmt_date,
    fmt_duration,
    fmt_km,
    fmt_minutes,
    fmt_time,
    geo_uri,
    location_note,
    mode_label,
    stop_geocode,
    visits_text,
)
from hausbesuch.plandata import (
    OUTSIDE,
    Geocode,
    Plan,
    PlannedStop,
    TeamDayRoute,
)

log = logging.getLogger(__name__)

#: openstreetmap.org routing engines per travel mode (aliases accepted).
OSM_ENGINES = {
    "walk": "fossgis_osrm_foot",
    "foot": "fossgis_osrm_foot",
    "bike": "fossgis_osrm_bike",
    "bicycle": "fossgis_osrm_bike",
    "drive": "fossgis_osrm_car",
    "car": "fossgis_osrm_car",
}
GOOGLE_MODES = {
    "walk": "walking",
    "foot": "walking",
    "bike": "bicycling",
    "bicycle": "bicycling",
    "drive": "driving",
    "car": "driving",
}


def _ll(lon: float, lat: float) -> str:
    return f"{lat:.6f},{lon:.6f}"


def osm_directions_url(
    origin: tuple[float, float], dest: tuple[float, float], mode: str
) -> str:
    """openstreetmap.org directions from ``origin`` to ``dest`` (both ``(lon, lat)``)."""
    engine = OSM_ENGINES.get(mode)
    if engine is None:
        log.warning("unknown travel mode %r: OSM directions link uses walking", mode)
        engine = OSM_ENGINES["walk"]
    query = urlencode({"engine": engine, "route": f"{_ll(*origin)};{_ll(*dest)}"}, safe=",;")
    return f"https://www.openstreetmap.org/directions?{query}"


def google_maps_url(
    origin: tuple[float, float] | None, dest: tuple[float, float], mode: str
) -> str:
    """Google Maps directions URL (coordinates only)."""
    params = {"api": "1"}
    if origin is not None:
        params["origin"] = _ll(*origin)
    params["destination"] = _ll(*dest)
    params["travelmode"] = GOOGLE_MODES.get(mode, "walking")
    return "https://www.google.com/maps/dir/?" + urlencode(params, safe=",")


@dataclass(frozen=True)
class NavLinks:
    """Navigation links for one stop."""

    geo: str
    osm: str | None
    google: str | None


def nav_links(
    origin: tuple[float, float], stop: PlannedStop, mode: str, settings: MapSettings,
    number: int | None = None,
) -> NavLinks:
    """Links to start navigation to ``stop`` coming from ``origin`` (``(lon, lat)``); the
    ``geo:`` link's label is the stop's ``number`` as the page shows it („Stopp 1“)."""
    dest = (stop.lon, stop.lat)
    return NavLinks(
        geo=geo_uri(stop.lon, stop.lat, number),
        osm=osm_directions_url(origin, dest, mode) if settings.osm_directions_links else None,
        google=google_maps_url(origin, dest, mode) if settings.google_maps_links else None,
    )


@dataclass(frozen=True)
class RouteLinks:
    """Relative links between the files of one team-day (as seen from the page)."""

    map: str | None = None
    page: str | None = None
    sheet: str | None = None
    gpx: str | None = None
    index: str | None = None
    #: the name of the ``index`` link after its target: the plan's overview in its files,
    #: the plan's page on the web („Zum Plan“)
    index_label: str = "Übersicht"


#: A command-line option in a text (``--report``, ``--city lauf`` names the option only,
#: ``--from=…`` with its value); not a dash inside a word or a range („8--10“).
_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9]*(?:-[a-z0-9]+)*(?:=[^\s<>&“”„\"')]+)?")


def _spans(pattern: re.Pattern[str], css_class: str, text: object) -> Markup:
    """``text`` escaped for HTML with each match of ``pattern`` in a ``<span>`` of
    ``css_class``; the characters stay as they are (what a screen reader reads, what a
    copy takes)."""
    return Markup(pattern.sub(lambda m: f'<span class="{css_class}">{m[0]}</span>',
                              str(escape(text))))


def options_nobr(text: object) -> Markup:
    """``text`` escaped for HTML with each command-line option in a ``<span
    class="opt">`` that pages keep on one line (QA 36 #11c: „--report“ broke between
    „--“ and „report“, which reads as a dash and a word). The option's characters stay
    as typed, so a copied option still works in a shell."""
    return _spans(_OPTION, "opt", text)


_CLOCK = r"\d{1,2}(?::\d{2})?"
_DAY = r"(?:Mo|Di|Mi|Do|Fr|Sa|So)"
#: What a line of a chance's explanation must not break inside (QA 42a F10: „Di–Fr 8–“ /
#: „10 Uhr“ on the print sheet): a time or a time band with „Uhr“ („10 Uhr“, „8–10 Uhr“,
#: „11:30–13 Uhr“), a span of times without („12:00–12:59“), a span of weekdays
#: („Mi–Fr“) and a share („12 %“); never a piece of an entity of the escaped text („&#39;“).
_TOGETHER = re.compile(rf"(?<![\w#:–]){_CLOCK}(?:–{_CLOCK})? Uhr(?!\w)"
                       rf"|(?<![\w#:–]){_CLOCK}–{_CLOCK}(?![\w:–])"
                       rf"|(?<![\w–]){_DAY}–{_DAY}(?![\w–])"
                       r"|(?<![\w#.,])\d{1,3} %")


def words_nobr(text: object) -> Markup:
    """``text`` escaped for HTML with each time band, time, weekday span and share
    (:data:`_TOGETHER`) in a ``<span class="nobr">`` that pages keep on one line; the
    words stay the same (no joiners: a screen reader, a search and a copy see the text
    as the model wrote it)."""
    return _spans(_TOGETHER, "nobr", text)


_ENV = Environment(
    loader=PackageLoader("hausbesuch", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
#: The one script of the plan folder's pages with table boxes (``index.html``, the print
#: sheets): a box (``.table-wrap``, ``.sheet-wrap``) is a tab stop only while it scrolls
#: (``tabindex`` 0, else -1: focusable by a click but no tab stop, and a box that has the
#: focus keeps it), checked again when the window or a box changes size. Without it (a
#: browser without scripts) every box stays a tab stop, as the template writes it (WCAG
#: 2.1.1; QA 45a F2). The pages' CSP allows exactly this script by its hash
#: (:data:`SCROLL_BOXES_CSP`): nothing else runs, e.g. a script in a client's note.
SCROLL_BOXES_JS = (
    "(function () {"
    " var boxes = document.querySelectorAll('.table-wrap, .sheet-wrap');"
    " function fit() {"
    "  for (var i = 0; i < boxes.length; i++) {"
    "   var b = boxes[i];"
    "   b.tabIndex = b.scrollWidth > b.clientWidth + 1"
    " || b.scrollHeight > b.clientHeight + 1 ? 0 : -1;"
    "  }"
    " }"
    " fit();"
    " window.addEventListener('resize', fit);"
    " if (window.ResizeObserver) {"
    "  var o = new ResizeObserver(fit);"
    "  for (var i = 0; i < boxes.length; i++) o.observe(boxes[i]);"
    " }"
    "})();"
)
#: The CSP source that allows :data:`SCROLL_BOXES_JS` and nothing else.
_SCROLL_BOXES_HASH = base64.b64encode(hashlib.sha256(SCROLL_BOXES_JS.encode()).digest()).decode()
SCROLL_BOXES_CSP = f"script-src 'sha256-{_SCROLL_BOXES_HASH}'"
_ENV.globals.update(scroll_boxes_js=Markup(SCROLL_BOXES_JS),
                    scroll_boxes_csp=Markup(SCROLL_BOXES_CSP))
_ENV.filters.update(
    time=fmt_time,
    date_de=fmt_date,
    date_long=lambda d: fmt_date(d, long=True),
    moment_de=format_moment,  # „Do, 10.12.2026, 15:45 Uhr“
    weekdays_de=weekday_span,  # a team's working days: „Mo–Fr“, „Mo–Mi, Fr“
    duration=fmt_duration,
    minutes_de=fmt_minutes,
    km=fmt_km,
    mode=mode_label,
    field_label=lambda name: _field_label(name),
    count=count,  # {{ n|count("Besuch", "Besuche") }}: "1 Besuch", "2 Besuche"
    options=options_nobr,  # command-line options kept on one line
    nobr=words_nobr,  # „8–10 Uhr“, „Mi–Fr“, „12 %“ kept on one line
)


def _field_label(name: str) -> str:
    from hausbesuch.clients import FIELD_LABELS

    return FIELD_LABELS.get(name, name)


def _timeline(route: TeamDayRoute, settings: MapSettings,
              geocodes: Mapping[str, Geocode] | None = None,
              gone: Mapping[int, str] | None = None,
              done: Mapping[int, str] | None = None) -> list[dict]:
    """Stops with their number, navigation links and :func:`location_note` (``where``),
    and the lunch break at its place in the day. A stop called off since the plan was made
    has no number (``nr`` None) and is no origin of the next stop's directions: the team
    comes from the stop before it. ``gone``: by stop position, why a stop whose case was
    closed since the plan does not take place (:func:`hausbesuch.casework.stops.gone_of`;
    or the stop's own :attr:`PlannedStop.gone`); such a stop keeps its number and says
    why (``gone``, else None), and is no origin of the next stop's directions either.
    ``done``: by stop position, what a stop with a recorded outcome says instead of its
    planned visit (:func:`hausbesuch.casework.stops.done_of`; or the stop's own
    :attr:`PlannedStop.done`): „erledigt 09:40 Uhr: Verweigert“ (``done``, else None).
    ``try_words``: the stop's try, the last allowed one marked (:meth:`PlannedStop.try_words`)."""
    geocodes = geocodes or {}
    gone = gone or {}
    done = done or {}
    items: list[dict] = []
    prev = route.start_lonlat
    lunch = None if lunch_first(route) else route.lunch  # then in the start's line
    for s, nr in zip(route.stops, route.numbers, strict=True):
        check_lonlat(s.lon, s.lat, f"Route {route.slug}, Stopp {s.position} ({s.client_id})")
        if lunch is not None and lunch[0] <= s.arrival:
            items.append({"kind": "lunch", "start": lunch[0], "end": lunch[1]})
            lunch = None
        wait = s.start - s.arrival
        items.append(
            {
                "kind": "stop",
                "stop": s,
                "nr": nr,
                "nav": nav_links(prev, s, route.mode, settings, nr),
                "wait": wait if wait >= timedelta(minutes=1) else None,
                "where": location_note(stop_geocode(s, geocodes)),
                "try_words": s.try_words(settings.max_failed_tries),
                "gone": None if s.called_off else (gone.get(s.position) or s.gone or None),
                "done": None if s.called_off else (done.get(s.position) or s.done or None),
            }
        )
        if not (s.called_off or items[-1]["gone"]):
            prev = (s.lon, s.lat)
    if lunch is not None:
        items.append({"kind": "lunch", "start": lunch[0], "end": lunch[1]})
    return items


def lunch_first(route: TeamDayRoute) -> bool:
    """Whether the team-day's lunch break comes before the team sets out (it begins at
    the start, e.g. a re-plan from 12:59 with the break due): the pages then say so in
    the start's line (:func:`start_line`) instead of a break after it (QA 28 F19)."""
    return route.lunch is not None and route.lunch[0] <= route.depart


def start_line(route: TeamDayRoute) -> str:
    """The first line of a team-day's stops: „Start 08:00 Uhr: Rathaus“, or with the
    break before setting out „Start 13:29 Uhr (vorher Pause 12:59–13:29 Uhr): Rathaus“
    (not „Start 12:59 Uhr“ and straight into „Pause 12:59–13:29 Uhr“)."""
    if lunch_first(route):
        pause, start = route.lunch  # type: ignore[misc]
        return (f"Start {fmt_time(start)} Uhr (vorher Pause {fmt_time(pause)}–"
                f"{fmt_time(start)} Uhr): {route.start_label}")
    return f"Start {fmt_time(route.depart)} Uhr: {route.start_label}"


def team_out_note(params: Mapping[str, Any] | None, team_id: str, day: date) -> str:
    """The line a team-day's route page and phone show when re-plans took the team out
    on that day (the spans the plan's index and the web plan view name, read from the
    version's parameters: :func:`hausbesuch.teams.out_spans`), e.g. „Ab 10:00 Uhr
    abgemeldet: die weiteren Besuche des Tages übernimmt ein anderes Team oder sie
    bleiben offen.“; "" when the team was not taken out (QA 27 F9)."""
    from hausbesuch.teams import from_midnight, out_spans

    lines = []
    for at, back in out_spans(params, team_id, day):
        whole = from_midnight(at)
        if back is None:
            lines.append("Den ganzen Tag abgemeldet." if whole else
                         f"Ab {at:%H:%M} Uhr abgemeldet: die weiteren Besuche des Tages "
                         "übernimmt ein anderes Team oder sie bleiben offen.")
        elif whole:
            lines.append(f"Bis {back:%H:%M} Uhr abgemeldet: die Besuche davor übernimmt "
                         "ein anderes Team oder sie bleiben offen.")
        else:
            lines.append(f"Von {at:%H:%M} bis {back:%H:%M} Uhr abgemeldet: die Besuche "
                         "dazwischen übernimmt ein anderes Team oder sie bleiben offen.")
    return " ".join(lines)


def _common(route: TeamDayRoute, settings: MapSettings, links: RouteLinks,
            chances: Mapping[tuple[str, datetime], object] | None = None,
            geocodes: Mapping[str, Geocode] | None = None,
            gone: Mapping[int, str] | None = None, replaced: str = "",
            out_note: str = "", done: Mapping[int, str] | None = None,
            web: bool = False) -> dict:
    from hausbesuch.athome import VisitChances

    route = field_stops(route, geocodes)  # one form of each address (QA 38 F5)
    return {
        "web": web,
        "replaced": replaced,
        "out_note": out_note,
        "chances": VisitChances(chances or {}),
        "route": route,
        "settings": settings,
        "links": links,
        "items": _timeline(route, settings, geocodes, gone, done),
        "start_line": start_line(route),
        "visits": visits_text(route, gone),
        "same_end": route.end_lonlat == route.start_lonlat,
        "home_osm": osm_directions_url(
            (route.to_visit[-1].lon, route.to_visit[-1].lat) if route.to_visit
            else route.start_lonlat,
            route.end_lonlat,
            route.mode,
        ) if settings.osm_directions_links else None,
    }


def route_page(route: TeamDayRoute, settings: MapSettings, *, links: RouteLinks,
               chances: Mapping[tuple[str, datetime], object] | None = None,
               geocodes: Mapping[str, Geocode] | None = None,
               gone: Mapping[int, str] | None = None, replaced: str = "",
               out_note: str = "") -> str:
    """Mobile route page: ordered stops with times, address, window, note and
    "Navigation starten" links (``geo:``, openstreetmap.org, optionally Google Maps).

    ``chances``: (client id, start) → :class:`hausbesuch.athome.VisitChance` (the estimated chance
    of contact at the planned time and why; see :func:`hausbesuch.athome.visit_chances`).
    ``geocodes``: client id → where the plan found the client (:attr:`Plan.geocodes`): a
    stop whose point is not surely the house says so (:func:`location_note`).
    ``gone``: by stop position, why a stop whose case was closed since the plan does not
    take place (:func:`hausbesuch.casework.stops.gone_stops`): shown as on the phone,
    its number struck through, „Besuch entfällt – nicht hingehen.“ and why.
    ``replaced``: for a plan version a re-plan replaced, the sentence saying so
    (:func:`hausbesuch.versions.replaced_note`), shown first on the page.
    ``out_note``: that re-plans took the team out that day (:func:`team_out_note`).
    """
    return _ENV.get_template("route.html.j2").render(
        **_common(route, settings, links, chances, geocodes, gone, replaced, out_note))


def print_sheet(route: TeamDayRoute, settings: MapSettings, *, links: RouteLinks,
                chances: Mapping[tuple[str, datetime], object] | None = None,
                geocodes: Mapping[str, Geocode] | None = None,
                gone: Mapping[int, str] | None = None, replaced: str = "",
                out_note: str = "", web: bool = False) -> str:
    """Printable A4 route sheet with outcome tick boxes per stop (``chances``,
    ``geocodes``, ``gone``, ``replaced`` and ``out_note`` as for :func:`route_page`); a
    stop with an outcome recorded (:attr:`PlannedStop.done`) shows it ticked instead,
    with no boxes to fill in again. ``web``: the web app's sheet (its print view, its
    ZIP), whose hint on recording the outcomes names the web's form, not the command
    (:attr:`Plan.for_web`)."""
    return _ENV.get_template("sheet.html.j2").render(
        **_common(route, settings, links, chances, geocodes, gone, replaced, out_note,
                  web=web))


@dataclass(frozen=True)
class IndexRoute:
    """One team-day as listed on the index page (relative links)."""

    route: TeamDayRoute
    map: str
    page: str
    sheet: str
    gpx: str


#: Most rows of each table on index.html (unassigned, rejected); report.csv has every row.
MAX_INDEX_ROWS = 1_000


def index_page(
    plan: Plan,
    settings: MapSettings,
    *,
    routes: Sequence[IndexRoute],
    overview_href: str,
    downloads: Mapping[str, str] | None = None,
) -> str:
    """Index page: overview map (embedded), team-days with their files, unassigned and
    rejected rows with reasons, downloads (``plan.json``, ``report.csv``) if present."""
    days: dict = {}
    for ir in sorted(routes, key=lambda x: (x.route.day, x.route.team_id)):
        days.setdefault(ir.route.day, []).append(ir)
    end = plan.start + timedelta(days=max(plan.days, 1) - 1)
    n_planned = sum(len(r.to_visit) for r in plan.routes)  # without visits called off
    # the badges count cases, as report.csv, the command line and the export do („33
    # geplant“ for 38 visits of 33 cases, QA 32b F3): a case with a visit to do is
    # „geplant“, one whose every visit is off „entfallen“; the table „Besuche (N)“ counts
    # the visits
    left_out = {u.client_id for u in plan.unassigned}
    live = {s.client_id for r in plan.routes for s in r.to_visit} - left_out
    off = {s.client_id for r in plan.routes for s in r.stops} - live - left_out
    # At most MAX_INDEX_ROWS rows per table (a list of 50,000 must not give a page of
    # 50,000 rows); visits left out over the capacity come last. report.csv has them all.
    unassigned = sorted(plan.unassigned, key=lambda u: (u.code == "over_capacity", u.client_id))
    rejected = sorted(plan.rejected, key=lambda r: r.row)
    # an overview: addresses and reasons without a c/o line (a third person's name)
    care_of = CareOf(plan)
    from hausbesuch.planning.report import plan_notes, visit_outcome

    # each visit's outcome, as report.csv and the export's team-day sheets say it (QA 37
    # #9: the table showed done and failed visits like open ones); no column before any
    outcomes = {(r.team_id, r.day, s.client_id, s.position): o for r in plan.routes
                for s in r.stops if (o := visit_outcome(s))}
    return _ENV.get_template("index.html.j2").render(
        notes=plan_notes(plan),
        outcomes=outcomes,
        # a plan of the database's open cases: the rows its list's import rejected are in
        # that import's report, not in this plan's (QA 32b F5)
        read_list=(plan.params or {}).get("total_rows") is not None,
        web=plan.for_web,
        unassigned_rows=[care_of.unassigned(u) for u in unassigned[:MAX_INDEX_ROWS]],
        unassigned_more=max(0, len(unassigned) - MAX_INDEX_ROWS),
        rejected_rows=[care_of.rejected(r) for r in rejected[:MAX_INDEX_ROWS]],
        rejected_more=max(0, len(rejected) - MAX_INDEX_ROWS),
        plan=plan,
        replaced=plan.replaced,
        settings=settings,
        days=days,
        end=end,
        cases_planned=len(live),
        cases_called_off=len(off),
        overview_href=overview_href,
        downloads=dict(downloads or {}),
        outside=OUTSIDE,
        visit_count=n_planned,
        # what the table's visits are beside the badges' cases (QA 36 #9a: „Besuche (36)“
        # under „29 geplant“ said nothing of the 7 visits made already): those with an
        # outcome (:attr:`PlannedStop.done`), the cases they are of, and those of them
        # whose further visit is „nicht eingeplant“
        n_done=sum(1 for r in plan.routes for s in r.to_visit if s.done),
        visit_cases=len({s.client_id for r in plan.routes for s in r.to_visit}),
        visit_cases_left_out=len({s.client_id for r in plan.routes for s in r.to_visit}
                                 & left_out),
        n_called_off=sum(len(r.stops) - len(r.to_visit) for r in plan.routes),
        generated=plan.created_at,
    )
