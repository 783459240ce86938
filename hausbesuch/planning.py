"""One plan: client list -> geocode -> districts -> matrix -> solve -> stored plan and files.

:func:`plan_week` is what ``hausbesuch plan`` and ``hausbesuch demo`` run. Every
input row ends up in exactly one of three places, so nothing is lost:

- ``geplant``: in a team-day route (team, day, position, times);
- ``nicht_eingeplant``: a valid client the span could not hold, with the solver's
  reason code and German sentence (or the planner's, e.g. a time window that falls
  on no planning day);
- ``abgelehnt``: a row that cannot be planned as it is (bad field, duplicate id,
  address not found), with the field and a German reason the user can act on.

Time model: day ``d`` of the span is ``start + d`` (calendar days; a team works
on the weekdays of its configuration, so a span over a weekend simply has no
shifts on Saturday and Sunday). Within the solver, clock time ``t`` on day ``d``
is ``d * 86400 + t`` seconds. A client's ``zeitfenster`` ("Di 10-12") says when
the client can be met: the whole visit must fit inside it.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import re
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from geodata.cache import atomic_write
from hausbesuch.config import Profile, district_options, resolve_osm
from hausbesuch.errors import UserError
from hausbesuch.plandata import (
    OUTSIDE,
    STATUS_PLANNED,
    STATUS_REJECTED,
    STATUS_UNASSIGNED,
    Client,
    Geocode,
    Plan,
    PlannedStop,
    Rejected,
    TeamDayRoute,
    UnassignedVisit,
)

log = logging.getLogger(__name__)

DAY_S = 86_400
WEEKDAYS_DE = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")

#: Geocoding levels that are planned (``unresolved`` rows are rejected).
PLANNABLE_QUALITIES = ("exact", "interpolated", "street")

Progress = Callable[[str, float], None]


@dataclass(frozen=True)
class PlanOptions:
    """How to plan: the span, the solver budget and an optional travel-mode override."""

    start: date
    days: int = 5
    time_limit: float = 30.0
    seed: int | None = 1
    threads: int = 2
    mode: str | None = None
    balance: int = 0

    def __post_init__(self) -> None:
        if not 1 <= self.days <= 31:
            raise UserError(f"--days: zwischen 1 und 31 Tagen erlaubt, erhalten {self.days}.")
        if self.time_limit <= 0:
            raise UserError(f"--time-limit: muss größer als 0 sein, erhalten {self.time_limit}.")


@dataclass
class PlanResult:
    """A finished plan plus what was needed to draw it."""

    plan: Plan
    districts: Any
    report_rows: list[dict[str, str]] = field(default_factory=list)
    out_dir: Path | None = None
    files: Any = None
    plan_id: str | None = None


def _noop(stage: str, fraction: float) -> None:  # pragma: no cover - default callback
    return None


# --------------------------------------------------------------------------- geodata glue


def _geocode_clients(
    osm: Path, clients: Sequence[Client]
) -> tuple[list[Any], Any]:
    """Geocode every client (offline index of the extract). Returns results in order."""
    from geodata.geocode import load_index

    index = load_index(osm)
    results = [index.geocode(_address_query(c)) for c in clients]
    return results, index


def _address_query(c: Client) -> str:
    return c.address


def _depot_lonlat(profile: Profile, index: Any) -> tuple[float, float]:
    d = profile.depot
    if d.lon is not None and d.lat is not None:
        return (d.lon, d.lat)
    res = index.geocode(d.address)
    if res.quality in ("exact", "interpolated") and res.lon is not None:
        return (float(res.lon), float(res.lat))
    raise UserError(
        f"Der Standort {d.name!r} ({d.address}) wurde in den OSM-Daten nicht gefunden "
        f"(Ergebnis: {res.quality}). Bitte lon/lat für den Standort im Profil angeben."
    )


def _team_place(
    index: Any, address: str | None, lonlat: tuple[float, float] | None, what: str
) -> tuple[float, float]:
    if lonlat is not None:
        return (float(lonlat[0]), float(lonlat[1]))
    assert address is not None
    res = index.geocode(address)
    if res.quality in ("exact", "interpolated") and res.lon is not None:
        return (float(res.lon), float(res.lat))
    raise UserError(f"{what}: die Adresse {address!r} wurde nicht gefunden ({res.quality}).")


# --------------------------------------------------------------------------- problem


def _visit_windows(client: Client, start: date, days: int, service_s: int) -> list[tuple[int, int]]:
    """Absolute service-start windows for the client's zeitfenster over the span."""
    out: list[tuple[int, int]] = []
    for d in range(days):
        wd = (start + timedelta(days=d)).weekday()
        for slot in client.zeitfenster:
            if wd not in slot.weekdays:
                continue
            a = d * DAY_S + slot.start_min * 60
            b = d * DAY_S + slot.end_min * 60 - service_s
            if b >= a:
                out.append((a, b))
    out.sort()
    merged: list[tuple[int, int]] = []
    for a, b in out:  # several slots on one day may touch or overlap
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def _window_text(client: Client) -> str:
    return "; ".join(s.text or _slot_text(s) for s in client.zeitfenster)


def _slot_text(slot: Any) -> str:
    days = ",".join(WEEKDAYS_DE[d] for d in sorted(slot.weekdays))
    return f"{days} {slot.start_min // 60:02d}:{slot.start_min % 60:02d}-" \
        f"{slot.end_min // 60:02d}:{slot.end_min % 60:02d}"


def _fmt_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


@dataclass
class _Prepared:
    """Clients that reach the solver, with their places and service times."""

    clients: list[Client]
    lonlat: list[tuple[float, float]]
    service_s: list[int]
    windows: list[list[tuple[int, int]]]
    earliest_day: list[int]
    priority: list[int]


def _prepare_visits(
    clients: Sequence[Client],
    geocodes: dict[str, Geocode],
    profile: Profile,
    options: PlanOptions,
    unassigned: list[UnassignedVisit],
) -> _Prepared:
    """Turn valid, geocoded clients into solver input; those that cannot be planned in the
    span at all become unassigned with a German reason."""
    from hausbesuch.clients import client_priority

    prep = _Prepared([], [], [], [], [], [])
    last_day = options.start + timedelta(days=options.days - 1)
    for c in clients:
        g = geocodes[c.id]
        assert g.lon is not None and g.lat is not None
        service_s = int((c.besuchsdauer_min or profile.workday.visit_minutes) * 60)
        earliest = 0
        if c.angekuendigt_ab is not None:
            earliest = (c.angekuendigt_ab - options.start).days
            if earliest > options.days - 1:
                unassigned.append(
                    UnassignedVisit(
                        c.id,
                        "announced_after_span",
                        f"Angekündigt erst ab {_fmt_date(c.angekuendigt_ab)}, nach dem "
                        f"Planungszeitraum (bis {_fmt_date(last_day)}).",
                        g.lon, g.lat, c.address, g.district,
                    )
                )
                continue
            earliest = max(0, earliest)
        windows = _visit_windows(c, options.start, options.days, service_s)
        if c.zeitfenster and not windows:
            unassigned.append(
                UnassignedVisit(
                    c.id,
                    "window_outside_span",
                    f"Das Zeitfenster „{_window_text(c)}“ liegt an keinem Tag des "
                    f"Planungszeitraums ({_fmt_date(options.start)}–{_fmt_date(last_day)}) "
                    f"oder ist kürzer als die Besuchsdauer ({service_s // 60} Min.).",
                    g.lon, g.lat, c.address, g.district,
                )
            )
            continue
        prep.clients.append(c)
        prep.lonlat.append((g.lon, g.lat))
        prep.service_s.append(service_s)
        prep.windows.append(windows)
        prep.earliest_day.append(earliest)
        prep.priority.append(client_priority(c, options.start))
    return prep


def _routing_teams(
    teams: Sequence[Any], start: date, days: int, depot_loc: dict[int, int], mode_of: dict[str, str]
) -> list[Any]:
    from routing.model import Break, Shift, Team, TimeWindow

    out = []
    for ti, t in enumerate(teams):
        shifts = []
        for d in range(days):
            if (start + timedelta(days=d)).weekday() not in t.weekdays:
                continue
            base = d * DAY_S
            breaks: tuple[Any, ...] = ()
            if t.has_lunch:
                lw = t.lunch_window
                breaks = (Break(TimeWindow(base + lw[0] * 60, base + lw[1] * 60), t.lunch_min * 60),)
            shifts.append(
                Shift(
                    day=d,
                    window=TimeWindow(base + t.shift_start_min * 60, base + t.shift_end_min * 60),
                    breaks=breaks,
                )
            )
        out.append(
            Team(
                id=t.id,
                shifts=tuple(shifts),
                start=depot_loc[2 * ti],
                end=depot_loc[2 * ti + 1],
                skills=frozenset(t.skills),
                max_visits=t.max_visits_per_day,
                mode=mode_of[t.id],
            )
        )
    return out


# --------------------------------------------------------------------------- main entry


def plan_week(
    clients_path: str | os.PathLike[str],
    *,
    profile: Profile,
    options: PlanOptions,
    teams: Sequence[Any] | None = None,
    osm: str | os.PathLike[str] | None = None,
    districts_file: str | os.PathLike[str] | None = None,
    progress: Progress | None = None,
) -> PlanResult:
    """Plan the span for the teams: the whole pipeline except storing and writing files.

    Parameters
    ----------
    clients_path : path
        The client list (CSV or XLSX).
    profile : Profile
        The city profile (OSM source, depot, districts, workday, map settings).
    options : PlanOptions
        Start date, number of days, solver budget, seed, threads, mode override.
    teams : sequence of TeamConfig, optional
        Default: the profile's teams (or two default teams).
    osm, districts_file : path, optional
        Override the profile's OSM source and district file.
    progress : callable(stage, fraction), optional
        Called with a German stage description and the overall fraction done.
    """
    from geodata.districts import load_districts
    from geodata.network import load_network
    from hausbesuch.clients import read_clients
    from routing.model import Problem, TimeWindow, Visit
    from routing.solve import solve

    say = progress or _noop
    say("Kundenliste lesen", 0.0)
    osm_path = resolve_osm(profile, osm, progress=lambda msg: say(msg, 0.0))
    clist = read_clients(clients_path, today=options.start)
    rejected: list[Rejected] = list(clist.rejected)

    say("Adressen geokodieren (offline)", 0.1)
    results, index = _geocode_clients(osm_path, clist.clients)

    say("Stadtteile zuordnen", 0.25)
    districts = load_districts(osm_path, **district_options(profile, districts_file))
    lons = np.array([r.lon if r.lon is not None else np.nan for r in results], dtype=float)
    lats = np.array([r.lat if r.lat is not None else np.nan for r in results], dtype=float)
    names = districts.assign(lons, lats) if len(results) else np.array([], dtype=str)

    geocodes: list[Geocode] = []
    plannable: list[Client] = []
    for c, r, dname in zip(clist.clients, results, names, strict=True):
        ok = r.quality in PLANNABLE_QUALITIES and r.lon is not None
        geocodes.append(
            Geocode(
                client_id=c.id,
                lon=float(r.lon) if r.lon is not None else None,
                lat=float(r.lat) if r.lat is not None else None,
                quality=r.quality,
                score=float(r.score),
                match=r.match or "",
                reason=r.reason or "",
                district=str(dname) if ok else OUTSIDE,
            )
        )
        if ok:
            plannable.append(c)
        else:
            hint = ""
            if getattr(r, "suggestions", None):
                hint = " Vorschläge: " + "; ".join(_suggestion_text(s) for s in r.suggestions[:3])
            rejected.append(
                Rejected(
                    row=c.row,
                    id=c.id,
                    field="adresse",
                    reason=f"Adresse „{c.address}“ nicht gefunden: "
                    f"{(r.reason or 'keine Übereinstimmung').rstrip('.')}." + hint,
                )
            )
    geo_by_id = {g.client_id: g for g in geocodes}

    # Teams and their places.
    if teams is None:
        from hausbesuch.teams import teams_for_profile

        teams = teams_for_profile(profile)
    depot = _depot_lonlat(profile, index)
    team_list = [t.with_depot(profile.depot.address, depot) for t in teams]
    mode_of = {t.id: options.mode or t.mode for t in team_list}

    unassigned: list[UnassignedVisit] = []
    prep = _prepare_visits(plannable, geo_by_id, profile, options, unassigned)

    # Locations: each team's start and end, then the visits.
    places: list[tuple[float, float]] = []
    labels: list[str] = []
    depot_loc: dict[int, int] = {}
    for ti, t in enumerate(team_list):
        for k, (addr, ll) in enumerate(((t.start_address, t.start_lonlat), (t.end_address, t.end_lonlat))):
            p = _team_place(index, addr, ll, f"Team {t.id}, {'Start' if k == 0 else 'Ende'}")
            if p in places:
                depot_loc[2 * ti + k] = places.index(p)
            else:
                depot_loc[2 * ti + k] = len(places)
                places.append(p)
                labels.append(addr or f"{p[1]:.5f}, {p[0]:.5f}")
    first_visit = len(places)
    places.extend(prep.lonlat)
    ids = [f"_ort{i}" for i in range(first_visit)] + [c.id for c in prep.clients]

    say("Fahrzeiten über das Straßennetz berechnen", 0.35)
    from geodata.matrix import travel_matrix

    nets: dict[str, Any] = {}
    durations: dict[str, np.ndarray] = {}
    distances: dict[str, np.ndarray] = {}
    p_lon = np.array([p[0] for p in places], dtype=float)
    p_lat = np.array([p[1] for p in places], dtype=float)
    snap_far: dict[str, float] = {}
    for mode in sorted(set(mode_of.values())):
        net = load_network(osm_path, mode)
        nets[mode] = net
        tm = travel_matrix(net, p_lon, p_lat, ids=ids)
        durations[mode], distances[mode] = _solver_matrices(tm)
        for w in tm.snap_warnings:  # points far from every street
            if w.distance_m is not None:
                snap_far[str(w.id)] = float(w.distance_m)

    visits = []
    for k, c in enumerate(prep.clients):
        visits.append(
            Visit(
                id=c.id,
                location=first_visit + k,
                service=prep.service_s[k],
                time_windows=tuple(TimeWindow(a, b) for a, b in prep.windows[k]),
                priority=prep.priority[k],
                skills=frozenset(c.sprache),
                earliest_day=prep.earliest_day[k],
            )
        )
    rteams = _routing_teams(team_list, options.start, options.days, depot_loc, mode_of)
    problem = Problem(
        visits=tuple(visits),
        teams=tuple(rteams),
        days=options.days,
        durations=durations,
        distances=distances,
        balance=options.balance,
    )

    from routing import prepare as warm_up
    from routing import ready

    if not ready():  # once per installation: compile the improvement phase (~20 s)
        say("Optimierer wird einmalig übersetzt (ca. 20 s)", 0.5)
        warm_up()
    say("Touren optimieren", 0.5)
    solution = solve(
        problem,
        time_limit=options.time_limit,
        seed=options.seed,
        threads=options.threads,
        progress=lambda elapsed, obj: say(
            f"Touren optimieren: Zielwert {obj}",
            0.5 + 0.4 * min(1.0, elapsed / options.time_limit),
        ),
    )

    say("Wege für die Karten berechnen", 0.9)
    from routing.vroom_json import solution_to_json

    created = datetime.now().replace(microsecond=0)
    plan = Plan(
        id=f"{created:%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}",
        city=profile.name,
        created_at=created,
        start=options.start,
        days=options.days,
        rejected=sorted(rejected, key=lambda r: r.row),
        clients=list(clist.clients),
        geocodes=geocodes,
        solution=solution_to_json(problem, solution),
    )
    by_id = {c.id: c for c in prep.clients}
    team_by_id = {t.id: t for t in team_list}
    for route in solution.routes:
        plan.routes.append(
            _team_day_route(route, problem, team_by_id[route.team], options.start, by_id,
                            geo_by_id, places, labels, depot_loc, team_list, nets[mode_of[route.team]])
        )
    for u in solution.unassigned:
        c = by_id[u.visit]
        g = geo_by_id[c.id]
        unassigned.append(UnassignedVisit(c.id, u.code, u.reason, g.lon, g.lat, c.address, g.district))
    plan.unassigned = sorted(unassigned, key=lambda u: _row_of(plan, u.client_id))
    say("Fertig", 1.0)
    result = PlanResult(plan=plan, districts=districts)
    result.report_rows = report_rows(plan, total_rows=clist.total_rows, snap_far=snap_far)
    return result


def _suggestion_text(s: Any) -> str:
    if isinstance(s, str):
        return s
    return str(getattr(s, "match", None) or getattr(s, "text", None) or s)


def _solver_matrices(tm: Any) -> tuple[np.ndarray, np.ndarray]:
    """Integer duration and distance matrices with the solver's unreachable sentinel."""
    from routing.model import UNREACHABLE

    dur = np.asarray(tm.durations)
    dist = np.asarray(tm.distances)
    bad = ~tm.reachable
    dur = np.where(bad, UNREACHABLE, dur).astype(np.int64)
    dist = np.where(bad, UNREACHABLE, dist).astype(np.int64)
    return dur, dist


def _row_of(plan: Plan, client_id: str) -> int:
    for c in plan.clients:
        if c.id == client_id:
            return c.row
    return 0


def _team_day_route(
    route: Any,
    problem: Any,
    team: Any,
    start: date,
    by_id: dict[str, Client],
    geo_by_id: dict[str, Geocode],
    places: list[tuple[float, float]],
    labels: list[str],
    depot_loc: dict[int, int],
    team_list: list[Any],
    net: Any,
) -> TeamDayRoute:
    from geodata.paths import route_legs

    day = start + timedelta(days=route.day)
    midnight = datetime(day.year, day.month, day.day)

    def at(t: int) -> datetime:
        return midnight + timedelta(seconds=int(t) - route.day * DAY_S)

    ti = next(i for i, t in enumerate(team_list) if t.id == team.id)
    start_loc, end_loc = depot_loc[2 * ti], depot_loc[2 * ti + 1]
    stops: list[PlannedStop] = []
    lunch = None
    pos = 0
    for st in route.steps:
        if st.kind == "job":
            pos += 1
            c = by_id[st.visit]
            g = geo_by_id[c.id]
            stops.append(
                PlannedStop(
                    client_id=c.id,
                    position=pos,
                    arrival=at(st.arrival),
                    start=at(st.service_start),
                    end=at(st.service_start + st.service),
                    lon=float(g.lon),
                    lat=float(g.lat),
                    address=c.address,
                    district=g.district,
                    window_text=_window_text(c),
                    notiz=c.notiz or "",
                )
            )
        elif st.kind == "break":
            lunch = (at(st.service_start), at(st.service_start + st.service))
    pts = [places[start_loc], *[(s.lon, s.lat) for s in stops], places[end_loc]]
    legs = tuple(
        tuple((float(x), float(y)) for x, y in leg.coords) for leg in route_legs(net, pts)
    )
    return TeamDayRoute(
        team_id=team.id,
        team_label=team.label,
        day=day,
        mode=net.mode,
        start_lonlat=places[start_loc],
        end_lonlat=places[end_loc],
        start_label=labels[start_loc],
        depart=at(route.steps[0].service_start),
        return_=at(route.steps[-1].arrival),
        stops=tuple(stops),
        travel_s=int(route.travel),
        distance_m=int(route.distance),
        service_s=int(route.service),
        waiting_s=int(route.waiting),
        lunch=lunch,
        legs=legs,
    )


# --------------------------------------------------------------------------- report

REPORT_COLUMNS = (
    "zeile",
    "id",
    "status",
    "team",
    "datum",
    "position",
    "ankunft",
    "beginn",
    "ende",
    "zeitfenster",
    "stadtteil",
    "geo_qualitaet",
    "grund",
)


def report_rows(
    plan: Plan, *, total_rows: int | None = None, snap_far: dict[str, float] | None = None
) -> list[dict[str, str]]:
    """One row per input row, in input order: planned, unassigned (reason) or rejected (reason)."""
    snap_far = snap_far or {}
    geo = {g.client_id: g for g in plan.geocodes}
    planned: dict[str, tuple[TeamDayRoute, PlannedStop]] = {}
    for r in plan.routes:
        for s in r.stops:
            planned[s.client_id] = (r, s)
    unassigned = {u.client_id: u for u in plan.unassigned}
    rows: list[dict[str, str]] = []
    rejected_rows = {r.row for r in plan.rejected}
    for c in plan.clients:
        if c.row in rejected_rows:
            continue  # rejected later (address not found): reported below
        g = geo.get(c.id)
        row = dict.fromkeys(REPORT_COLUMNS, "")
        row.update(zeile=str(c.row), id=c.id, zeitfenster=_window_text(c))
        if g is not None:
            row.update(stadtteil=g.district, geo_qualitaet=g.quality)
        if c.id in planned:
            r, s = planned[c.id]
            row.update(
                status=STATUS_PLANNED,
                team=r.team_id,
                datum=r.day.isoformat(),
                position=str(s.position),
                ankunft=s.arrival.strftime("%H:%M"),
                beginn=s.start.strftime("%H:%M"),
                ende=s.end.strftime("%H:%M"),
            )
            notes = []
            if g is not None and g.quality != "exact":
                notes.append(f"Adresse nur {_QUALITY_DE.get(g.quality, g.quality)} gefunden: {g.reason}")
            if c.id in snap_far:
                notes.append(f"Adresse {snap_far[c.id]:.0f} m vom nächsten Weg entfernt")
            row["grund"] = "; ".join(n for n in notes if n)
        elif c.id in unassigned:
            row.update(status=STATUS_UNASSIGNED, grund=unassigned[c.id].reason)
        else:  # pragma: no cover - would be a bug: every valid client is planned or unassigned
            raise RuntimeError(f"client {c.id} neither planned nor unassigned")
        if c.notiz and _MARKUP.search(c.notiz):
            # Not a reason to reject the client: the note is only ever shown as text.
            warn = "Hinweis: Notiz enthält HTML-/Skript-Code; sie wird nur als Text angezeigt"
            row["grund"] = f"{row['grund']}; {warn}" if row["grund"] else warn
        rows.append(row)
    for rej in plan.rejected:
        row = dict.fromkeys(REPORT_COLUMNS, "")
        row.update(zeile=str(rej.row), id=rej.id or "", status=STATUS_REJECTED,
                   grund=f"{rej.field}: {rej.reason}")
        g = geo.get(rej.id or "")
        if g is not None and rej.field == "adresse":
            row["geo_qualitaet"] = g.quality
        rows.append(row)
    rows.sort(key=lambda r: int(r["zeile"]))
    if total_rows is not None and len(rows) != total_rows:
        raise RuntimeError(f"report has {len(rows)} rows for {total_rows} input rows")
    return rows


_MARKUP = re.compile(r"</?[a-zA-Z][^>]*>|javascript:", re.IGNORECASE)

_QUALITY_DE = {"interpolated": "interpoliert", "street": "auf Straßenebene", "exact": "exakt"}


def write_report(rows: list[dict[str, str]], path: Path) -> None:
    """``report.csv``: ``;``-separated UTF-8 with BOM, as German spreadsheets expect."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(REPORT_COLUMNS), delimiter=";", lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    _atomic_write(path, "\ufeff" + buf.getvalue())


def _atomic_write(path: Path, text: str) -> None:
    with atomic_write(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)


def write_plan_files(result: PlanResult, out_dir: str | os.PathLike[str], profile: Profile) -> Any:
    """Write plan.json, report.csv and the maps/pages/GPX/print sheets into ``out_dir``."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    _atomic_write(out / "plan.json", json.dumps(result.plan.solution, ensure_ascii=False, indent=1))
    write_report(result.report_rows, out / "report.csv")
    settings = MapSettings(city=profile.name, **profile.map.model_dump())
    result.files = write_outputs(result.plan, out, districts=result.districts, settings=settings)
    result.out_dir = out
    return result.files


def store_result(result: PlanResult, profile: Profile, db: str | os.PathLike[str] | None) -> str:
    """Store a plan with its clients (updated by id) and the city's districts; return its id."""
    from hausbesuch.store import Store

    with Store.open(db) as store:
        store.upsert_clients(result.plan.clients, city=profile.name)
        d = result.districts
        store.save_districts(profile.name, zip(d.names, d.geometries, strict=True),
                             source=d.source)
        result.plan_id = store.save_plan(result.plan)
    return result.plan_id
