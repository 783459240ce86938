"""One door, one team a day: which visits ring at one door, and the plan's note when two
teams still do so on one day (QA 45c F3).

Two case ids at one door (two ids of one person, a family or flat-share with several
clients at one address) are one door when their addresses name the same door as each
gives it (:func:`hausbesuch.clients.same_door`: ``Breitenstr. 99`` is ``Breitenstraße
99``, the PLZ and town as given alike) or when they were found at the same point of the
map with the same house number (an address found exactly or interpolated; a point on the
street only is no door; ``4a``, found at the point of Nr. 4, is another door).
The planning passes the door as :attr:`routing.model.Visit.door`; the solver then sends
one team to it on a day (:mod:`routing.doors`), and :func:`door_split_notes` names what
it could not so mend, without names.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Mapping, Sequence
from datetime import date
from typing import Any

#: Geocode qualities whose point is a door: the street alone (``street``) is not.
DOOR_QUALITIES = ("exact", "interpolated")


def door_keys(places: Iterable[tuple[str, str | None, float | None, float | None, str]]
              ) -> dict[str, str]:
    """Door keys of the visits that share a door with another: ``places`` are (id,
    address as given, lon, lat, geocode quality); the result maps each id that shares its
    door to one key per door (ids of a door of their own are left out)."""
    from geodata.addresses import parse_address, town_key
    from hausbesuch.clients import door_key
    from hausbesuch.tabular import postcode_as_read

    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict[tuple[Any, ...], str] = {}
    for vid, address, lon, lat, quality in places:
        parent.setdefault(vid, vid)
        keys: list[tuple[Any, ...]] = []
        p = parse_address(postcode_as_read(address)) if address else None
        if lon is not None and lat is not None and quality in DOOR_QUALITIES:
            # the point with the house number as given: „Burggasse 4a“, which the map
            # lacks, is found at Nr. 4's point and is still another door (QA 46 F3)
            number = door_key(p)[1] if p is not None and p.street else ""
            keys.append(("point", round(float(lon), 7), round(float(lat), 7), number))
        if p is not None and p.street:  # as same_place(as_given=True) compares them
            keys.append(("address", *door_key(p), p.postcode or "",
                         town_key(f"{p.town} {p.district}")))
        for k in keys:
            other = first.setdefault(k, vid)
            a, b = find(vid), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    members: dict[str, list[str]] = {}
    for vid in parent:
        members.setdefault(find(vid), []).append(vid)
    shared = [ids for ids in members.values() if len(ids) > 1]
    return {vid: f"Tür {k}" for k, ids in enumerate(shared, start=1) for vid in ids}


def candidate_doors(candidates: Sequence[Any],
                    kept: Mapping[Any, Any] | None = None,
                    quality: Mapping[str, str] | None = None
                    ) -> tuple[dict[str, str], dict[Any, frozenset[str]]]:
    """:func:`door_keys` of the planning's candidates (:class:`~hausbesuch.planning.
    builder.Candidate`: their addresses as given and geocodes), and the doors of a
    re-plan's ``kept`` routes (key -> :class:`~hausbesuch.plandata.TeamDayRoute`, the
    visits the team-days keep; ``quality``: client id -> geocode quality) that a
    candidate shares, per key."""
    places = [(c.id, c.client.address, c.geocode.lon, c.geocode.lat, c.geocode.quality)
              for c in candidates]
    held: dict[str, Any] = {}
    for key, r in (kept or {}).items():
        for k, s in enumerate(r.stops):
            if s.called_off or s.gone:
                continue
            vid = f"\0kept {k} {key}"  # no case id: one stop of a kept route
            held[vid] = key
            places.append((vid, s.address, s.lon, s.lat, (quality or {}).get(s.client_id, "")))
    keys = door_keys(places)
    mine = {c.id for c in candidates}
    wanted = {keys[c] for c in mine if c in keys}
    doors: dict[Any, set[str]] = {}
    for vid, key in held.items():
        if keys.get(vid) in wanted:
            doors.setdefault(key, set()).add(keys[vid])
    return ({c: k for c, k in keys.items() if c in mine},
            {key: frozenset(ds) for key, ds in doors.items()})


def _and(words: Sequence[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} und {words[-1]}"


def door_split_notes(plan: Any, planned: Container[tuple[str, date]] | None = None
                     ) -> list[str]:
    """One note per door that two or more teams visit on one day in ``plan`` (its
    routes, visits kept by a re-plan included): the case ids, the day and the teams,
    never names. Empty when every door has one team a day. ``planned``: (case id, day)
    of the visits this planning placed (a re-plan's visits planned anew); a door whose
    visits that day are all kept from before (history) is not named again, also when
    one of its cases is planned again on another day (QA 46 F4). None: every visit."""
    quality = {g.client_id: g.quality for g in getattr(plan, "geocodes", ())}
    places = []
    seen: dict[str, tuple[str, date]] = {}
    for r in plan.routes:
        for s in r.stops:
            if s.called_off or s.gone or s.client_id in seen:
                continue
            seen[s.client_id] = (r.team_id, r.day)
            places.append((s.client_id, s.address, s.lon, s.lat,
                           quality.get(s.client_id, "")))
    keys = door_keys(places)
    by_door: dict[tuple[str, date], dict[str, list[str]]] = {}
    for vid, key in keys.items():
        team, day = seen[vid]
        by_door.setdefault((key, day), {}).setdefault(team, []).append(vid)
    pins = {c.id: c.pin_team for c in getattr(plan, "clients", ()) or ()
            if getattr(c, "pin_team", None)}
    notes = []
    for (_, day), teams in sorted(by_door.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        ids = [v for t in sorted(teams) for v in teams[t]]
        if len(teams) < 2 or (planned is not None
                              and not any((v, day) in planned for v in ids)):
            continue
        head = (f"{_and(ids)} (eine Adresse) am {_day(day)} von "
                f"{_and([f'Team {t}' for t in sorted(teams)])} besucht: ")
        pinned = [v for v in ids if v in pins]
        if len({pins[v] for v in pinned}) > 1:  # the pins say so (QA 46 F7)
            notes.append(head + "fest zugeordnet ("
                         + ", ".join(f"{v} Team {pins[v]}" for v in pinned) + "). Bitte die "
                         "Festlegungen prüfen (ein Team für "
                         f"{'beide' if len(ids) == 2 else 'alle'}) und neu planen.")
            continue
        notes.append(
            head + f"ein Team für {'beide' if len(ids) == 2 else 'alle'} "
            "ließ sich nicht einplanen, ohne einen Besuch zu verlieren (Touren voll, feste "
            "Zuordnungen oder Zeitfenster). Bitte die Besuche einem Team zuordnen oder "
            "einen auf einen anderen Tag legen und neu planen.")
    return notes


def _day(d: date) -> str:
    from hausbesuch.fields import format_day

    return format_day(d)


__all__ = ["DOOR_QUALITIES", "candidate_doors", "door_keys", "door_split_notes"]
