"""Reading the audit log: German labels of its actions and the rows that concern one case.

The log itself is written by :meth:`hausbesuch.store.Store.audit` (who, when, what, which
case id; never a name). Action codes are stable identifiers (older ones are English);
people see them through :data:`ACTION_LABELS`.

:func:`rows_concerning` answers the question a data-protection officer is asked ("who has
seen or changed the data of case X?", Art. 15 GDPR / §83 SGB X): the rows with the case id
itself, the views of every plan that holds the case (for a worker link only the team-day
that holds it) and the views of lists that showed the case id.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from hausbesuch.fields import format_clock, format_moment

#: What each action code means, in German (the audit command and its CSV show these).
ACTION_LABELS: dict[str, str] = {
    "import": "Kundenliste eingelesen",
    "klient_neu": "Fall angelegt (Import)",
    "klient_geaendert": "Falldaten geändert (Import)",
    "korrektur_veraltet": "Adresskorrektur gilt nicht mehr (Adresse geändert)",
    "adresse_korrigiert": "Adresse korrigiert",
    "adressen_angezeigt": "Liste der zu prüfenden Adressen angesehen",
    "import_ablehnungen_angezeigt": "Abgelehnte Zeilen des letzten Imports angesehen",
    "status_geaendert": "Status geändert",
    "andere_person": "Als andere Person geprüft (gleicher Name, gleiche Anschrift wie ein "
                     "anderer Fall)",
    "andere_person_zurueck": "Vermerk „andere Person“ zurückgenommen",
    "daten_geloescht": "Personenbezogene Daten des Falls gelöscht",
    "sicherung_erstellt": "Sicherung der Datenbank erstellt",
    "protokoll_gekuerzt": "Protokoll gekürzt (alte Einträge gelöscht)",
    "zugaenge_nach_wiederherstellung_geschlossen": "Zugänge nach Wiederherstellung "
                                                   "geschlossen (alle Tageslinks widerrufen, "
                                                   "alle Sitzungen beendet)",
    "aufgeraeumt": "Abgelaufenes gelöscht (Sitzungen, Anmeldeversuche, Tageslinks, Aufträge)",
    "fall_angezeigt": "Fall angesehen (Status und Verlauf)",
    "faelle_aufgelistet": "Liste der Fälle eines Status angesehen (Fälle)",
    "auskunft_erteilt": "Auskunft über den Fall geschrieben (Art. 15 DSGVO)",
    "berichtigt": "Angaben zum Fall berichtigt (Art. 16 DSGVO)",
    "ergebnis_erfasst": "Besuchsergebnis erfasst",
    "ergebnis_berichtigt": "Besuchsergebnis berichtigt",
    "ergebnisse_eingelesen": "Ergebnisdatei eingelesen",
    "ergebnisse_angezeigt": "Ergebnisse eines Plans angesehen",
    "besuch_geplant": "Besuch geplant",
    "besuch_verschoben": "Besuch verschoben",
    "besuch_entfallen": "Besuch entfallen",
    "visit_pinned": "Besuch auf Team und Tag festgelegt",
    "festlegung_aufgehoben": "Festlegung eines Besuchs aufgehoben",
    "plan_gespeichert": "Plan gespeichert",
    "plan_ersetzt": "Plan überschrieben",
    "plan_geloescht": "Plan gelöscht",
    "plan_angezeigt": "Plan angesehen",
    "plan_files_downloaded": "Plandateien heruntergeladen",
    "laufzettel_angezeigt": "Laufzettel eines Team-Tags angesehen (Web)",
    "gpx_heruntergeladen": "GPX eines Team-Tags heruntergeladen",
    "plandateien_geschrieben": "Plandateien geschrieben",
    "plan_exportiert": "Plan exportiert",
    "plan_job_started": "Planung gestartet",
    "replan_job_started": "Neuplanung gestartet",
    "plan_job_failed": "Planung oder Neuplanung fehlgeschlagen (Auftrag)",
    "auftrag_angezeigt": "Meldung eines fehlgeschlagenen Planungsauftrags angesehen",
    "stadtteile_gespeichert": "Stadtteile gespeichert",
    "teams_gespeichert": "Teams der Stadt gespeichert",
    "teams_zurueckgesetzt": "Teams der Stadt auf das Stadtprofil zurückgesetzt",
    "abwesenheit_eingetragen": "Abwesenheit eines Teams eingetragen",
    "abwesenheit_geloescht": "Abwesenheit eines Teams gelöscht",
    "brief_erstellt": "Ankündigungsbrief erstellt",
    "korrekturbrief_erstellt": "Korrekturbrief erstellt",
    "worker_link_created": "Link für den Außendienst erstellt",
    "worker_link_revoked": "Link für den Außendienst widerrufen",
    "worker_link_view": "Tagesroute über Link angesehen",
    "worker_link_check": "Geänderte Ergebnisse der Tagesroute über Link abgerufen "
                         "(Prüfung des Telefons)",
    # the phone's own claim (header X-Kopie), not checked: a full read of the route,
    # counted apart from the views but selected with them (ALSO_SELECTS; QA 32 F3)
    # (the first copy when the phone sets the link up, or a fresh one after a change:
    # details ``kopie`` say which; rows before them say neither, QA 42b F7)
    "worker_link_copy": "Tagesroute über Link abgerufen – laut Telefon: Kopie für die "
                        "Nutzung ohne Netz (erste Kopie oder nach einer Änderung; Angabe "
                        "des Telefons, nicht geprüft; die ganze Route wurde gelesen)",
    "worker_link_refused": "Widerrufener oder abgelaufener Link benutzt",
    "zugriff_verweigert": "Zugriff verweigert (andere Stadt, nur für Administratoren, "
                          "Formular-Token fehlt, Anfrage einer fremden Website oder "
                          "unbekannter Tageslink)",
    "user_added": "Benutzerkonto angelegt",
    "user_disabled": "Benutzerkonto gesperrt",
    "user_enabled": "Benutzerkonto entsperrt",
    "user_password_set": "Passwort neu gesetzt",
    "anmeldung": "Angemeldet",
    "anmeldung_fehlgeschlagen": "Anmeldung fehlgeschlagen (Passwort falsch, Konto unbekannt "
                                "oder gesperrt)",
    "anmeldung_gesperrt": "Anmeldung abgewiesen: zu viele Fehlversuche (vorübergehend gesperrt)",
    "abmeldung": "Abgemeldet",
    "sitzung_abgelaufen": "Sitzung abgelaufen (zu lange inaktiv oder Höchstdauer erreicht)",
    "passwortwechsel_verlangt": "Neues Passwort verlangt (das bisherige entspricht nicht den "
                                "Regeln)",
    "sitzungen_beendet": "Andere Sitzungen des eigenen Kontos beendet (Meine Sitzungen)",
    "protokoll_gelesen": "Protokoll gelesen",
    "konten_angezeigt": "Liste der Benutzerkonten angesehen",
}

#: Actions about a whole plan (no case id of their own): they concern every case in it.
PLAN_ACTIONS = frozenset({
    "plan_gespeichert", "plan_ersetzt", "plan_geloescht", "plan_angezeigt",
    "plandateien_geschrieben",
    "plan_files_downloaded", "plan_exportiert", "ergebnisse_angezeigt", "replan_job_started",
})
#: Actions about one team-day of a plan (details ``team`` and ``day``).
TEAM_DAY_ACTIONS = frozenset({"worker_link_view", "worker_link_check", "worker_link_copy",
                              "worker_link_created",
                              "worker_link_revoked",
                              "worker_link_refused", "laufzettel_angezeigt",
                              "gpx_heruntergeladen"})
#: The details key that lists the case ids a list view showed.
SHOWN = "kundennummern"
#: How the reading of rows without a city is named (details ``stadt``; the web form's value).
NO_CITY = "ohne"


#: Actions that a filter by the key (``--aktion``, the page's *Aktion*) selects besides
#: itself: a link's page fetched as the phone's copy for use without signal is the
#: phone's own claim (a request header any holder of the link can send) and a full read
#: of the route, so "who read this route" lists it with the views (QA 32 F3).
ALSO_SELECTS: dict[str, tuple[str, ...]] = {"worker_link_view": ("worker_link_copy",)}


def label(action: str) -> str:
    """The German label of an action code (the code itself when it has none)."""
    return ACTION_LABELS.get(action, action)


def selected_actions(action: str) -> tuple[str, ...]:
    """The action codes a filter by ``action`` selects (:data:`ALSO_SELECTS`)."""
    return (action, *ALSO_SELECTS.get(action, ()))


def filter_label(action: str) -> str:
    """The German label of ``action`` as a filter's choice: what it selects besides."""
    also = ALSO_SELECTS.get(action)
    return (f"{label(action)} (auch als Kopie für die Nutzung ohne Netz abgerufen)"
            if also else label(action))


def unknown_filter_values(store: Any, flt: AuditFilter) -> list[str]:
    """The options of ``flt`` whose typed value names nothing the log or the store knows:
    ``--plan`` neither a stored plan nor the plan of any entry, ``--person`` neither an
    account nor the actor of any entry. The reading is audited with its filter, and the
    log keeps every row for its whole retention: a value typed there (a client's name
    taken for „Person“, QA 42b F10) would stay after the case's erasure. Such a value is
    refused and not repeated, as a Kundennummer that looks like a name is."""
    from sqlalchemy import select

    from hausbesuch.store import AuditRow, PlanRow

    out = []
    with store.session() as s:
        if flt.plan_id is not None and s.get(PlanRow, flt.plan_id) is None and s.scalar(
                select(AuditRow.id).where(AuditRow.plan_id == flt.plan_id).limit(1)) is None:
            out.append("--plan")
        if flt.actor is not None and s.scalar(
                select(AuditRow.id).where(AuditRow.actor == flt.actor).limit(1)) is None:
            # (the web app's accounts, read by name: the core imports nothing of the web)
            from sqlalchemy import column, func, table

            users = table("web_users", column("name"))
            # (an account is one name whatever its case: logins ignore it, review 42 #5)
            if s.scalar(select(users.c.name).where(
                    func.lower(users.c.name) == flt.actor.lower()).limit(1)) is None:
                out.append("--person")
    return out


@dataclass(frozen=True)
class AuditFilter:
    """What to read: every field None means no restriction.

    ``without_city`` reads only the rows without a city (accounts, logins of
    administrators and of unknown names); it excludes ``city``.
    """

    city: str | None = None
    client_id: str | None = None
    plan_id: str | None = None
    actor: str | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None  # inclusive
    without_city: bool = False

    def __post_init__(self) -> None:
        if self.without_city and self.city is not None:
            raise ValueError("without_city excludes city")
        if self.actor is not None:  # as accounts and cli_actor store it (one form, NFC)
            object.__setattr__(self, "actor", unicodedata.normalize("NFC", self.actor.strip()))

    def details(self) -> dict[str, str]:
        """The filter as audit details of the reading itself (ids, codes, dates)."""
        out = {}
        if self.without_city:
            out["stadt"] = NO_CITY
        for key, value in (("plan", self.plan_id), ("person", self.actor),
                           ("aktion", self.action), ("von", self.since), ("bis", self.until)):
            if value is not None:
                out[key] = value.isoformat() if isinstance(value, date) else str(value)
        return out


def read(store: Any, flt: AuditFilter) -> list[dict[str, Any]]:
    """The rows of the log that ``flt`` selects, oldest first (plain dicts as
    :meth:`Store.audit_rows` gives them). With a case id: :func:`rows_concerning`."""
    from sqlalchemy import select

    from hausbesuch.store import AuditRow

    if flt.client_id is not None:
        rows = rows_concerning(store, flt.client_id, city=flt.city)
    else:
        q = select(AuditRow).order_by(AuditRow.id)
        if flt.without_city:
            q = q.where(AuditRow.city.is_(None))
        for column, value in ((AuditRow.city, flt.city), (AuditRow.plan_id, flt.plan_id),
                              (AuditRow.actor, flt.actor)):
            if value is not None:
                q = q.where(column == value)
        if flt.action is not None:
            q = q.where(AuditRow.action.in_(selected_actions(flt.action)))
        if flt.since is not None:  # a superset by day; _keeps decides
            q = q.where(AuditRow.at >= datetime.combine(flt.since, datetime.min.time()))
        with store.session() as s:
            rows = [_as_dict(r) for r in s.scalars(q)]
    return [r for r in rows if _keeps(flt, r)]


def _keeps(flt: AuditFilter, row: dict[str, Any]) -> bool:
    at: datetime = row["at"]
    return ((flt.plan_id is None or row["plan_id"] == flt.plan_id)
            and (not flt.without_city or row["city"] is None)
            and (flt.actor is None or row["actor"] == flt.actor)
            and (flt.action is None or row["action"] in selected_actions(flt.action))
            and (flt.since is None or at.date() >= flt.since)
            and (flt.until is None or at.date() <= flt.until))


def _as_dict(r: Any) -> dict[str, Any]:
    return {"id": r.id, "at": r.at, "actor": r.actor, "action": r.action, "city": r.city,
            "client_id": r.client_id, "plan_id": r.plan_id, "visit_id": r.visit_id,
            "details": json.loads(r.details or "{}")}


def rows_concerning(store: Any, client_id: str, *, city: str | None = None
                    ) -> list[dict[str, Any]]:
    """Every row of the log that concerns the case ``client_id``, oldest first.

    - rows with the case id (import, corrections, outcomes, visits, letters, ...);
    - rows about a whole plan that holds the case (planned or not planned), e.g. views,
      downloads and exports of that plan;
    - rows about a team-day (worker links and their views) whose route holds the case;
    - list views whose details name the case id (``kundennummern``).

    A deleted plan no longer holds its stops, so views of it are found only by the plan
    id (``--plan``); its deletion row names the plan.
    """
    from sqlalchemy import and_, or_, select

    from hausbesuch.store import AuditRow, UnassignedRow

    with store.session() as s:
        team_days = _team_days_holding(s, [client_id])
        plans = {p for p, _, _ in team_days} | set(s.scalars(
            select(UnassignedRow.plan_id).where(UnassignedRow.client_id == client_id)))
        q = select(AuditRow).where(or_(
            AuditRow.client_id == client_id,
            and_(AuditRow.plan_id.in_(sorted(plans)), AuditRow.client_id.is_(None)),
            AuditRow.details.contains(json.dumps(client_id, ensure_ascii=False),
                                      autoescape=True),
        )).order_by(AuditRow.id)
        if city is not None:
            q = q.where(AuditRow.city == city)
        candidates = [_as_dict(r) for r in s.scalars(q)]

    def concerns(r: dict[str, Any]) -> bool:
        if r["client_id"] == client_id or client_id in (r["details"].get(SHOWN) or ()):
            return True
        if r["client_id"] is not None or r["plan_id"] not in plans:
            return False
        if r["action"] in TEAM_DAY_ACTIONS:
            d = r["details"]
            return (r["plan_id"], d.get("team"), d.get("day")) in team_days
        return r["action"] in PLAN_ACTIONS

    return [r for r in candidates if concerns(r)]


def _team_days_holding(s: Any, client_ids: Sequence[str]) -> set[tuple[str, str, str]]:
    """The team-days (plan id, team, ISO day) whose stored route holds one of the cases
    (a team-day's rows name it in their details ``team`` and ``day``)."""
    from sqlalchemy import select

    from hausbesuch.store import VisitRow

    return {(p, t, d.isoformat()) for p, t, d in s.execute(
        select(VisitRow.plan_id, VisitRow.team_id, VisitRow.day)
        .where(VisitRow.client_id.in_(sorted(set(client_ids)))))}


#: German names of the detail keys (the keys stay as stored: ASCII, lower case, some of
#: them English). Every key the package writes has one (a test scans the package for the
#: keys): a key shown as it is would read „Unveraendert“, „Offene besuche verworfen“ (QA
#: 42b F5).
DETAIL_LABELS: dict[str, str] = {
    "day": "Tag", "days": "Tage", "valid_until": "gültig bis", "user": "Konto",
    "role": "Rolle", "link": "Link", "job": "Auftrag", "start": "Beginn",
    "vorgaenger": "Vorgänger", "von": "von", "nach": "nach", "ip": "IP-Adresse",
    "grund": "Grund", "time_min": "Uhrzeit", "weitere_versuche": "weitere Versuche (nicht einzeln protokolliert)",
    "plaene": "Pläne", "ergebnisnotizen": "Notizen zu Ergebnissen",
    "adresskorrekturen": "Adresskorrekturen", "umfang": "Beendet", "anzahl": "Anzahl",
    "sperre_aufgehoben": "Anmeldesperre aufgehoben (gelöschte Fehlversuche)",
    "vor": "Einträge vor", "tage": "Frist in Tagen", "datei": "Datei", "feld": "Feld",
    "ordner": "Ordner",
    "geleert": "gelöscht",
    "anmeldeversuche": "Anmeldeversuche", "auftraege": "Aufträge",
    "without_teams": "Team abgemeldet", "with_teams": "Team wieder eingeplant",
    # a corrected outcome (Casework.correct_outcome)
    "ergebnis_alt": "Ergebnis vorher", "ergebnis_neu": "Ergebnis jetzt",
    "uhrzeit_alt": "Uhrzeit vorher", "uhrzeit_neu": "Uhrzeit jetzt",
    "termin_alt": "Termin vorher", "termin_neu": "Termin jetzt",
    "notiz_geaendert": "Notiz geändert",
    "notiz_geloescht": "Notiz gelöscht",
    # counts of an import, an outcomes file, a stored or deleted plan, a cleanup, the
    # closing of accesses after a restore
    "zeile": "Zeile", "zeilen": "Zeilen", "neu": "Neu", "aktualisiert": "Aktualisiert",
    "unveraendert": "Unverändert",
    "nicht_wieder_eingelesen": "Nicht wieder eingelesen (Daten gelöscht)",
    "abgelehnt": "Abgelehnt", "erfasst": "Erfasst", "schon_erfasst": "Schon erfasst",
    "version": "Version", "nachfolger": "Nachfolger", "touren": "Touren",
    "besuche": "Besuche", "nicht_eingeplant": "Nicht eingeplant",
    "tageslinks_verschoben": "Tageslinks verschoben",
    "abgesagte_besuche_ohne_plan": "Abgesagte Besuche ohne Plan",
    "offene_besuche_verworfen": "Offene Besuche verworfen",
    "sitzungen": "Sitzungen", "geraete": "Geräte", "tageslinks": "Tageslinks",
    "planungen": "Abgebrochene Planungsaufträge",
    "warteschlange": "Abgebrochene Aufträge der Warteschlange",
    "geloescht": "Gelöschte Tage", "bytes": "Größe in Bytes",
    # what, where and how
    "team": "Team", "teams": "Teams", "tag": "Tag", "bis": "bis", "beginn": "Beginn",
    "ergebnis": "Ergebnis", "quelle": "Quelle", "art": "Art", "felder": "Felder",
    "format": "Format", "ansicht": "Ansicht", "ausgabe": "Ausgabe",
    "kundennummern": "Kundennummern", "weg": "Weg",
    "zuvor_nicht_protokolliert": "Zuvor abgewiesen (nicht einzeln protokolliert)",
    "erstmals": "Erstmals angekündigt", "neue_anschrift": "Neue Anschrift",
    "brief_vom": "Brief vom", "fallstatus": "Fallstatus",
    "nachdruck": "Nachdruck",  # letters --correction --reprint (no new letter)
    # an import: the cases that seem one person under two ids (QA 44a F2), by group
    "gleiche_person": "Gleicher Name und gleiche Anschrift",
    "andere_kundennummer": "Andere Kundennummer",
    "kopie": "Kopie",  # worker_link_copy: which (hausbesuch.web.pages_worker.COPY_HEADER)
    "vorlaeufig": "Passwort vorläufig",  # user_added, user_password_set (QA 42b F9)
    # the filter of a reading of the log (AuditFilter.details)
    "stadt": "Stadt", "plan": "Plan", "person": "Person", "aktion": "Aktion",
}


#: Detail keys whose value is minutes after midnight (shown as a clock time, "11:00").
CLOCK_KEYS = frozenset({"time_min"})


#: German words for coded detail values, per details key (the stored value stays the code;
#: a value not listed is shown as it is). Outcomes and case statuses: :func:`_value_labels`.
VALUE_LABELS: dict[str, dict[str, str]] = {
    "grund": {  # why a login was refused or a session ended (hausbesuch.web.auth)
        "konto_unbekannt": "Konto unbekannt", "passwort_falsch": "Passwort falsch",
        "konto_gesperrt": "Konto gesperrt",
        # written before the per-(account, address) limit: the account from any address
        "fehlversuche_konto": "zu viele Fehlversuche für das Konto",
        "fehlversuche_konto_adresse": "zu viele Fehlversuche für das Konto von dieser "
                                      "IP-Adresse",
        "fehlversuche_konto_alle_adressen": "zu viele Fehlversuche für das Konto von allen "
                                            "IP-Adressen zusammen",
        "fehlversuche_adresse": "zu viele Fehlversuche von der IP-Adresse",
        "fehlversuche_geraet": "zu viele Fehlversuche mit dem Gerätecookie dieses Browsers",
        "hoechstdauer": "Höchstdauer erreicht", "leerlauf": "zu lange inaktiv",
        # a planning job ended by a restore (commands.backup)
        "wiederherstellung": "Wiederherstellung einer Sicherung",
    },
    "role": {"admin": "Administration", "koordination": "Koordination"},
    "stadt": {NO_CITY: "ohne Stadt"},
    "kopie": {"erste": "erste auf diesem Telefon (beim Einrichten für die Nutzung ohne Netz)",
              "auffrischen": "nach einer Änderung (z. B. der Ergebnisse, des Teams oder "
                             "der Route) oder einer neuen Programmversion"},
    "umfang": {"eine": "eine andere Sitzung", "alle_anderen": "alle anderen Sitzungen"},
    "feld": {"ergebnisnotiz": "Notiz eines Ergebnisses", "statusgrund": "Grund einer "
             "Statusänderung"},
    "quelle": {"csv": "Datei", "web": "Web", "liste": "Kundenliste", "koordination": "Koordination",
               "termin": "vereinbarter Termin", "telefon": "Telefon (eigene Korrektur)"},
    "aktion": ACTION_LABELS,
    "ausgabe": {"anzeige": "Anzeige", "csv": "CSV-Datei", "dateien": "Dateien", "web": "Web",
                "download": "Download im Browser"},
    "art": {"punkt": "Punkt", "adresse": "Adresse"},
    "felder": {  # columns of a client changed by an import (hausbesuch.store)
        "input_row": "Zeile", "name": "Name", "address": "Adresse", "street": "Straße",
        "housenumber": "Hausnummer", "postcode": "PLZ", "town": "Ort",
        "kontakt_abbruch_seit": "Kontaktabbruch seit", "sprache": "Sprache",
        "zeitfenster": "Zeitfenster", "angekuendigt_ab": "Angekündigt ab",
        "besuchsdauer_min": "Besuchsdauer", "notiz": "Notiz", "extra": "weitere Spalten",
        "given_lat": "Breite", "given_lon": "Länge", "pin_team": "Team", "pin_day": "Datum",
        "pin_time_min": "Uhrzeit", "pin_source": "Festlegung",
        "erased_at": "gelöscht (Daten wieder eingelesen)",
    },
}


@lru_cache(maxsize=1)
def _value_labels() -> dict[str, dict[str, str]]:
    """:data:`VALUE_LABELS` with the outcomes (``ergebnis``) and case statuses (``von``,
    ``nach``) of the casework rules, read when first needed (they import the casework)."""
    from hausbesuch.casework.rules import RESULT_LABELS, STATUS_LABELS

    statuses = {code: text.split(" (")[0] for code, text in STATUS_LABELS.items()}
    return {**VALUE_LABELS, "ergebnis": RESULT_LABELS, "ergebnis_alt": RESULT_LABELS,
            "ergebnis_neu": RESULT_LABELS, "von": statuses, "nach": statuses,
            "fallstatus": statuses,
            "grund": {**VALUE_LABELS["grund"], "ergebnis_berichtigt": "Ergebnis berichtigt"}}


def _detail_value(value: Any) -> str:
    """A detail value for people: German dates and times, "–" for none (an empty text
    or list too: „Nachfolger: –“, QA 42b F5), ja/nein."""
    if value is None or (isinstance(value, str | list | tuple) and not value):
        return "–"
    if isinstance(value, bool):
        return "ja" if value else "nein"
    if isinstance(value, list | tuple):  # a group within a list („K-1 und K-2“)
        return " und ".join(_detail_value(x) for x in value)
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return date.fromisoformat(value).strftime("%d.%m.%Y")
            if 16 <= len(value) <= 26 and value[10] == "T":
                return datetime.fromisoformat(value).strftime("%d.%m.%Y %H:%M")
        except ValueError:
            pass
    return str(value)


def describe(details: dict[str, Any]) -> str:
    """The details of a row as one German line (ids, counts, codes; lists shortened)."""
    parts = []
    for key, value in details.items():
        words = _value_labels().get(key, {})
        if key in CLOCK_KEYS and isinstance(value, int) and not isinstance(value, bool):
            value = format_clock(value)  # minutes after midnight
        if isinstance(value, str):
            value = words.get(value, value)
        if isinstance(value, list | tuple) and value:
            value = [words.get(x, x) if isinstance(x, str) else x for x in value]
            shown = ", ".join(_detail_value(x) for x in value[:10])
            value = shown + (f" … (+{len(value) - 10})" if len(value) > 10 else "")
        else:
            value = _detail_value(value)
        name = DETAIL_LABELS.get(key, key.replace("_", " "))
        parts.append(f"{name[:1].upper()}{name[1:]}: {value}")
    return "; ".join(parts)


def table_rows(rows: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """Rows for a CSV or the terminal: German column names, German action labels."""
    return [{
        "zeit": r["at"].strftime("%d.%m.%Y %H:%M:%S"), "person": r["actor"],
        "aktion": label(r["action"]), "code": r["action"], "stadt": r["city"] or "",
        "kundennummer": r["client_id"] or "", "plan": r["plan_id"] or "",
        "besuch": r["visit_id"] or "", "angaben": describe(r["details"]),
    } for r in rows]


COLUMNS = ["zeit", "person", "aktion", "code", "stadt", "kundennummer", "plan", "besuch",
           "angaben"]


@dataclass(frozen=True)
class Copy:
    """A copy of clients' data outside the database, as the audit log records it."""

    at: datetime
    what: str  # German: "Plandateien (Plan …)", "Export (Plan …)", "Sicherung", …
    where: str | None  # the absolute path; None where the log has none (a browser download)

    def line(self) -> str:
        """One German line: what, when, where (and whether it is still there)."""
        if self.where is None:
            return f"{self.what} am {format_moment(self.at)}"
        gone = "" if Path(self.where).exists() else " (nicht mehr vorhanden)"
        return f"{self.what} am {format_moment(self.at)}: {self.where}{gone}"


#: Actions whose rows name a copy of a plan's data (details ``ordner`` or ``datei``).
_PLAN_COPIES = {"plandateien_geschrieben": "Plandateien", "plan_angezeigt": "Plandateien",
                "plan_exportiert": "Export", "plan_files_downloaded": "ZIP im Browser",
                "gpx_heruntergeladen": "GPX im Browser",
                # a team-day's sheet opened in the browser: printed or saved as PDF (review
                # 28b #9), a copy as the GPX is
                "laufzettel_angezeigt": "Laufzettel im Browser (gedruckt?)"}
#: Actions whose rows name a copy of one case's data.
_CASE_COPIES = {"auskunft_erteilt": "Auskunft", "brief_erstellt": "Ankündigungsbrief",
                "korrekturbrief_erstellt": "Korrekturbrief"}


def copies_of(store: Any, city: str, client_ids: Sequence[str],
              plan_ids: Sequence[str], *, every_team_day: bool = False) -> list[Copy]:
    """The copies of these cases' data outside the database that the audit log records
    (``purge`` names them: erasing the database does not reach them): the files of their
    plans (written, shown again, exported, downloaded as ZIP), a team-day's sheet or GPX
    of the browser only when that team-day holds one of the cases (QA 42b F2; all of the
    plans' team-days with ``every_team_day``, as ``delete-plan`` deletes whole plans),
    letters and disclosures of the cases, address lists written with them, and every
    backup of the database. Oldest first, each place once (its newest row). Rows of
    versions before 16 name no path for plan files; letters name their folder when the
    log has it."""
    from sqlalchemy import or_, select

    from hausbesuch.store import AuditRow

    ids, plans = set(client_ids), set(plan_ids)
    found: dict[tuple[str, str | None], Copy] = {}
    q = select(AuditRow).where(or_(
        (AuditRow.city == city) & AuditRow.plan_id.in_(plans)
        & AuditRow.action.in_([*_PLAN_COPIES, "plan_gespeichert"]),
        (AuditRow.city == city) & AuditRow.client_id.in_(ids)
        & AuditRow.action.in_(list(_CASE_COPIES)),
        # (of the address list's views only those that wrote a file: every page view is
        # one, and a big city has thousands)
        (AuditRow.city == city) & (AuditRow.action == "adressen_angezeigt")
        & AuditRow.details.contains('"datei":'),
        AuditRow.action == "sicherung_erstellt")).order_by(AuditRow.id)
    with store.session() as s:
        rows = [_as_dict(r) for r in s.scalars(q)]
        held = None if every_team_day else _team_days_holding(s, list(ids))
    # a plan the command line stored before versions recorded their folders: its folder
    # exists somewhere, unknown (a plan of the web app has none: it is downloaded as ZIP)
    with_folder = {r["plan_id"] for r in rows if r["action"] == "plandateien_geschrieben"}
    for r in rows:
        d, action = r["details"], r["action"]
        where = d.get("ordner") or d.get("datei")
        if action == "plan_gespeichert":
            if r["plan_id"] in with_folder or not str(r["actor"]).startswith("cli:"):
                continue
            action = "plandateien_geschrieben"
        if action == "plan_angezeigt" and d.get("ausgabe") != "dateien":
            continue
        if (action in TEAM_DAY_ACTIONS and held is not None
                and (r["plan_id"], d.get("team"), d.get("day")) not in held):
            continue  # a sheet or GPX of a team-day that held none of the cases
        if action == "adressen_angezeigt" and (d.get("ausgabe") != "csv"
                                               or not ids & set(d.get(SHOWN) or ())):
            continue
        if action == "sicherung_erstellt":
            what = "Sicherung der Datenbank"
            if where and not Path(where).is_absolute():
                what, where = f"Sicherung der Datenbank „{where}“ (Ordner unbekannt)", None
        elif action == "adressen_angezeigt":
            what = "Adressliste"
        elif action in _CASE_COPIES:
            what = f"{_CASE_COPIES[action]} für {r['client_id']}" + (
                "" if where is not None else " im Browser heruntergeladen"
                if d.get("ausgabe") == "web" else " (ZIP im Browser)"
                if d.get("ausgabe") == "download" else ", Ordner unbekannt")
        else:
            what = f"{_PLAN_COPIES[action]} (Plan {r['plan_id']})"
            if action in TEAM_DAY_ACTIONS:  # one team-day's file
                what = f"{_PLAN_COPIES[action]} (Plan {r['plan_id']}, {d.get('team')} {d.get('day')})"
            if where is None and action not in ("plan_files_downloaded", "gpx_heruntergeladen",
                                                "laufzettel_angezeigt"):
                what += ", Ordner unbekannt"
        found.pop((what, where), None)
        found[(what, where)] = Copy(r["at"], what, where)
    return sorted(found.values(), key=lambda c: c.at)

