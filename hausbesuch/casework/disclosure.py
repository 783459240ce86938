"""Right of access (Art. 15 GDPR, §83 SGB X): everything the store holds about one case,
as a German text a coordinator can hand to the client (``hausbesuch disclose``).

The text lists, from the store as it is: the case's own data (name, address and its
parts, note, languages, time windows, dates, a point given in the list, a fixed day, the
status with its reason), the address fixes, the status history, the planned and made
visits with what letters announced, the outcomes with their notes, the places a plan
found for the address (with the exact point), what each stored plan keeps of the case as
the list said then (where it differs) and why a plan did not plan it, the rows of the
city's last imported list that were rejected under the case's id; and how
often the audit log records a view or change of the case, by kind (the staff's names stay
out: they are the staff's data; ``hausbesuch audit --kundennummer`` shows them to the
data-protection officer). The file is written for the owner only; writing it is audited
(``auskunft_erteilt``, with the file's path so that the copy can be found again). The
audit log is append-only, so a path that names the client (a word of the name, or the
street) is refused before anything is written (:func:`refuse_named_path`).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from hausbesuch import auditlog, clock, pathnames
from hausbesuch.caseids import id_key
from hausbesuch.casework.rules import RESULT_LABELS, STATUS_LABELS
from hausbesuch.errors import UserError
from hausbesuch.fields import format_clock
from hausbesuch.store import (
    AddressFixRow,
    CaseVisitRow,
    ClientRow,
    GeocodeRow,
    ImportRejectionRow,
    LastImportRow,
    OtherPersonRow,
    OutcomeRow,
    PlanClientRow,
    PlanRow,
    RejectedRow,
    StatusHistoryRow,
    Store,
    UnassignedRow,
    _loads,
)

#: Audit action of a disclosure.
AUDIT_DISCLOSURE = "auskunft_erteilt"


def _d(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return f"{value:%d.%m.%Y %H:%M}"
    return f"{value:%d.%m.%Y}"


def _status(code: str | None) -> str:
    return STATUS_LABELS.get(code or "", code or "–").split(" (")[0]


def _section(title: str, lines: list[str]) -> list[str]:
    return ["", title, "-" * len(title), *(lines or ["(keine)"])]


def disclosure_text(store: Store, city: str, client_id: str) -> str:
    """The German text of everything stored about case ``client_id`` of ``city`` (the
    stored spelling of its id)."""
    with store.session() as s:
        c = s.get(ClientRow, {"city": city, "client_id": client_id})
        if c is None:
            raise KeyError(client_id)
        fixes = list(s.scalars(select(AddressFixRow).where(
            AddressFixRow.city == city, AddressFixRow.client_id == client_id)))
        # checked as another person than a case of the same name at the same door: the
        # other case's id is that person's, not said here
        others = sorted(r.checked_at for r in s.scalars(select(OtherPersonRow).where(
            OtherPersonRow.city == city, (OtherPersonRow.client_a == client_id)
            | (OtherPersonRow.client_b == client_id))))
        history = list(s.scalars(select(StatusHistoryRow).where(
            StatusHistoryRow.city == city, StatusHistoryRow.client_id == client_id)
            .order_by(StatusHistoryRow.changed_at, StatusHistoryRow.id)))
        visits = list(s.scalars(select(CaseVisitRow).where(
            CaseVisitRow.city == city, CaseVisitRow.client_id == client_id)
            .order_by(CaseVisitRow.start_at)))
        outcomes = list(s.scalars(select(OutcomeRow).where(
            OutcomeRow.city == city, OutcomeRow.client_id == client_id)
            .order_by(OutcomeRow.day, OutcomeRow.id)))
        plans = {p.id: p for p in s.scalars(select(PlanRow).where(PlanRow.city == city))}
        geocodes = [(g, plans[g.plan_id]) for g in s.scalars(select(GeocodeRow).where(
            GeocodeRow.client_id == client_id, GeocodeRow.plan_id.in_(list(plans))))]
        snapshots = [(c2, plans[c2.plan_id]) for c2 in s.scalars(select(PlanClientRow).where(
            PlanClientRow.client_id == client_id, PlanClientRow.plan_id.in_(list(plans))))]
        unplanned = [(u.reason, plans[u.plan_id]) for u in s.scalars(select(UnassignedRow).where(
            UnassignedRow.client_id == client_id, UnassignedRow.plan_id.in_(list(plans))))]
        # a rejected row's id as the list spelled it, compared case-insensitively here:
        # SQLite's lower() changes only ASCII letters (review 23 #8); look-alike spaces and
        # dashes are the same id (hausbesuch.caseids, QA 26 F1)
        key = id_key(client_id)
        unplanned += [(f"abgelehnt ({r.field_name}): {r.reason}", plans[r.plan_id])
                      for r in s.scalars(select(RejectedRow).where(
                          RejectedRow.client_id.is_not(None),
                          RejectedRow.plan_id.in_(list(plans))))
                      if id_key(r.client_id) == key]
        last_import = s.get(LastImportRow, city)
        import_rejections = [r for r in s.scalars(select(ImportRejectionRow).where(
            ImportRejectionRow.city == city, ImportRejectionRow.client_id.is_not(None))
            .order_by(ImportRejectionRow.seq)) if id_key(r.client_id) == key]
    snapshots.sort(key=lambda cp: (cp[1].created_at, cp[1].id))
    unplanned.sort(key=lambda rp: (rp[1].created_at, rp[1].id))
    geocodes.sort(key=lambda gp: (gp[1].created_at, gp[1].id))
    audit = auditlog.rows_concerning(store, client_id, city=city)

    lines = ["Auskunft über gespeicherte Daten (Art. 15 DSGVO, § 83 SGB X)",
             f"Fall {client_id}, {city}; Stand {_d(clock.now())}",
             "",
             "Diese Auskunft umfasst, was die Besuchsplanung „hausbesuch“ zu dem Fall "
             "speichert. Andere Verfahren des Jobcenters (z. B. die Fallakte) sind nicht "
             "enthalten."]
    if c.erased_at is not None:
        lines.append(f"Die personenbezogenen Daten des Falls wurden am {_d(c.erased_at)} "
                     "gelöscht; es bleiben Kundennummer, Bezirk, Termine und Ergebnisse.")
    windows = [w[3] for w in (_loads(c.zeitfenster) or ())]
    pin = ""
    if c.pin_day is not None:
        pin = (f"{_d(c.pin_day)}"
               + (f" {format_clock(c.pin_time_min)} Uhr" if c.pin_time_min is not None else "")
               + (f", Team {c.pin_team}" if c.pin_team else "")
               + (" (beim Besuch vereinbarter Termin)" if c.pin_source == "termin" else ""))
    own = [f"Name: {c.name or '–'}",
           f"Anschrift: {c.address or '–'}",
           f"  Straße: {c.street or '–'}; Hausnummer: {c.housenumber or '–'}; "
           f"PLZ: {c.postcode or '–'}; Ort: {c.town or '–'}",
           f"Notiz: {c.notiz or '–'}",
           f"Sprachen: {', '.join(_loads(c.sprache) or ()) or '–'}",
           f"Zeitfenster: {'; '.join(windows) or '–'}",
           f"Kontaktabbruch seit: {_d(c.kontakt_abbruch_seit)}",
           f"Angekündigt ab: {_d(c.angekuendigt_ab)}",
           f"Besuchsdauer: {f'{c.besuchsdauer_min} Minuten' if c.besuchsdauer_min else '–'}",
           "Lage aus der Kundenliste: " + (f"{c.given_lat:.6f}, {c.given_lon:.6f}"
                                           if c.given_lat is not None else "–"),
           f"Festgelegter Besuch: {pin or '–'}"
           + (f" (festgelegt am {_d(c.pin_since)})" if pin and c.pin_since is not None else ""),
           f"Status: {_status(c.status)} seit {_d(c.status_since)}"
           + (f" (Grund: {c.status_reason})" if c.status_reason else ""),
           f"Angelegt: {_d(c.created_at)}; zuletzt geändert: {_d(c.updated_at)}; zuletzt in "
           f"einer eingelesenen Kundenliste: {_d(c.last_listed_at)}"
           + (f"; Anschrift zuletzt durch eine Kundenliste geändert: {_d(c.address_since)}"
              if c.address_since is not None else "")]
    own += [f"Vermerk vom {_d(at)}: andere Person als ein Fall mit gleichem Namen und "
            "gleicher Anschrift (geprüft, kein doppelt angelegter Fall)" for at in others]
    lines += _section("Falldaten", own)
    lines += _section("Adresskorrekturen", [
        f"{_d(f.fixed_at)}: für „{f.source_address}“ "
        + (f"Adresse „{f.address}“" if f.address else "")
        + (f"{' und ' if f.address else ''}Lage {f.lat:.6f}, {f.lon:.6f}"
           if f.lat is not None and f.lon is not None else "")
        + (" (gilt nicht mehr: Adresse der Liste geändert)" if f.stale else "")
        for f in fixes])
    lines += _section("Statusverlauf", [
        f"{_d(h.changed_at)}: {_status(h.status)}" + (f" (Grund: {h.reason})" if h.reason else "")
        for h in history])
    visit_words = {"geplant": "geplant", "erledigt": "durchgeführt", "entfallen": "entfallen"}
    # the first correction letter of a visit, by the date it bears (a row before that
    # date was kept: the moment it was written); a reprint (``letters --correction
    # --reprint``) is no new letter and keeps the first one's date
    cancelled: dict[str, date | datetime] = {}
    for r in audit:
        if r["action"] == "korrekturbrief_erstellt" and r.get("visit_id") \
                and not r["details"].get("nachdruck"):
            dated = r["details"].get("brief_vom")
            cancelled.setdefault(r["visit_id"], date.fromisoformat(dated) if dated
                                 else r["at"])
    lines += _section("Besuche", [
        f"{_d(v.start_at)}–{v.end_at:%H:%M} Uhr, Team {v.team_id}, Plan {v.plan_id or '–'}: "
        f"{visit_words.get(v.status, v.status)}"
        + (f"; angekündigt mit Brief vom {_d(v.announced_at)} für "
           f"{_d(v.promised_start)}–{v.promised_end:%H:%M} Uhr"
           if v.announced_at is not None and v.promised_start is not None
           and v.promised_end is not None else "")
        + (f"; abgesagt mit Brief vom {_d(cancelled[v.visit_id])}"
           if v.visit_id in cancelled else "")
        for v in visits])
    lines += _section("Ergebnisse der Besuche", [
        f"{_d(o.day)}"
        + (f" {format_clock(o.time_min)} Uhr" if o.time_min is not None else "")
        + f": {RESULT_LABELS.get(o.result, o.result)}"
        + (f"; Termin {_d(o.appointment_at)}" if o.appointment_at is not None else "")
        + (f"; Notiz: {o.note}" if o.note else "")
        + f" (erfasst am {_d(o.recorded_at)})"
        for o in outcomes])
    exact = "" if c.erased_at is None else " (bei der Löschung auf etwa 1 km gerundet)"
    lines += _section("Gefundene Lage der Adresse (je Plan)", [
        f"Plan {p.id} ({_d(p.start)}): "
        + (f"{g.lat:.6f}, {g.lon:.6f}{exact}" if g.lat is not None and g.lon is not None
           else "nicht gefunden")
        + (f", Bezirk {g.district}" if g.district else "")
        + (f"; gefunden als „{g.match_text}“" if g.match_text else "")
        for g, p in geocodes])
    # what each plan keeps of the case's data (as the list said then): where it differs
    # from the data above (an old address, a note cleared since)
    now_values = _snapshot_values(c)
    lines += _section("Angaben in gespeicherten Plänen (Stand der Kundenliste damals)", [
        f"Plan {p.id} ({_d(p.start)}): " + ("; ".join(
            f"{label}: {value or '–'}" for label, value in values.items()
            if value != now_values.get(label)) or "wie die Falldaten oben")
        for snap, p in snapshots for values in [_snapshot_values(snap)]])
    lines += _section("Nicht eingeplant oder abgelehnt (je Plan)", [
        f"Plan {p.id} ({_d(p.start)}): {reason}" for reason, p in unplanned])
    from hausbesuch.clients import rejection_shown

    lines += _section("Abgelehnte Zeilen der zuletzt eingelesenen Kundenliste", [
        f"Liste vom {_d(last_import.imported_at if last_import else None)}, Zeile "
        f"{r.input_row} ({label}): {why}"
        for r in import_rejections for label, why in [rejection_shown(r.field_name, r.reason)]])
    kinds = Counter(auditlog.label(r["action"]) for r in audit)
    lines += _section("Zugriffe laut Protokoll (Ansichten und Änderungen)", [
        f"{n} × {what}" for what, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))])
    if audit:
        lines.append(f"(vom {_d(min(r['at'] for r in audit))} bis "
                     f"{_d(max(r['at'] for r in audit))}; wer zugegriffen hat, steht im "
                     "Protokoll des Jobcenters)")
    return "\n".join(lines) + "\n"


def _snapshot_values(row: Any) -> dict[str, str]:
    """The client fields a plan keeps, as the disclosure names them."""
    windows = "; ".join(w[3] for w in (_loads(row.zeitfenster) or ()))
    return {"Name": row.name or "", "Anschrift": row.address or "", "Notiz": row.notiz or "",
            "Sprachen": ", ".join(_loads(row.sprache) or ()), "Zeitfenster": windows,
            "Kontaktabbruch seit": _d(row.kontakt_abbruch_seit)
            if row.kontakt_abbruch_seit else "",
            "Besuchsdauer": f"{row.besuchsdauer_min} Minuten" if row.besuchsdauer_min else ""}


def refuse_named_path(store: Store, city: str, client_id: str, path: Any,
                      option: str = "--out") -> None:
    """Refuse (:class:`UserError`) a target path whose file or folder names the case: a
    word of its name or of its street (see :mod:`hausbesuch.pathnames`). The path goes
    into the audit log, which ``purge`` never reaches: the name would stay there after the
    case's erasure."""
    with store.session() as s:
        c = s.get(ClientRow, {"city": city, "client_id": client_id})
        person = None if c is None else (c.name, c.street, c.address)
    if person is None:
        return
    hit = pathnames.named_in_path(path, [person])
    if hit is None:
        return
    what, in_file = hit
    where = "Der Dateiname" if in_file else "Ein Ordner im Pfad"
    raise UserError(
        f"{option}: {where} enthält {'einen Namen' if what == 'Namen' else 'die Straße'} "
        f"aus dem Fall {client_id}. Der Pfad wird im Protokoll vermerkt, das auch nach der "
        f"Löschung des Falls bleibt. Bitte {'einen Dateinamen' if in_file else 'einen Ordner'} "
        "ohne Namen und Anschrift wählen, "
        f"z. B. auskunft-{pathnames.safe_file_part(client_id)}.txt.")


def audit_details(path: Any) -> dict[str, str]:
    """The details of the audit row of a disclosure: where its file went."""
    return {"datei": str(path)}


def web_details() -> dict[str, str]:
    """The details of the audit row of a disclosure downloaded in the web app: no file on
    the server (the browser saved it, named :func:`download_name`)."""
    return {"ausgabe": "web"}


def disclosure_document(store: Store, city: str, client_id: str) -> str:
    """The disclosure as its file holds it (``hausbesuch disclose``, the web app's
    download): :func:`disclosure_text` with control characters but line feed and tab
    written as ``\\u…`` (a NUL or an escape sequence in stored text does nothing where
    the file is read)."""
    from hausbesuch.safe_cells import visible_controls

    return visible_controls(disclosure_text(store, city, client_id))


def audit_disclosure(store: Store, actor: str, city: str, client_id: str,
                     details: dict[str, str]) -> None:
    """The audit row of a disclosure given (:data:`AUDIT_DISCLOSURE`: the case's id, no
    name): ``details`` say where it went (:func:`audit_details` of a file, or
    :func:`web_details`)."""
    store.audit(actor, AUDIT_DISCLOSURE, city=city, client_id=client_id, details=details)


def download_name(client_id: str) -> str:
    """The suggested file name of a disclosure: the case id only, never a name."""
    return f"auskunft-{pathnames.safe_file_part(client_id)}.txt"
