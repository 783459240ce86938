"""The weekly casework cycle on the store: ``import``, ``addresses``, ``address``,
``outcomes``, ``status``, ``purge``, ``plans``, ``show``, ``delete-plan`` and ``replan``.

All of them work on the database (``--db``, default: SQLite in the user data directory)
for one city profile (``--city``); every change is audited with the acting person
(``$HAUSBESUCH_USER`` or the login name), never with a client's name.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Annotated

import typer

from hausbesuch.commands._common import (
    CityOption,
    ClientArgument,
    DbOption,
    OsmOption,
    PlanArgument,
    audit_files,
    count,
    files_of_a_stored_plan,
    interruptible,
    note_stored,
    parse_moment_option,
    printable,
    profile_for_plan,
    refuse_pages_of_a_plan_in_force,
    unknown_case,
    user_errors,
)
from hausbesuch.errors import UserError, write_errors
from hausbesuch.fields import format_day, format_days, format_moment


def _street_fixes(street: list, *, of: bool = False) -> str:  # type: ignore[type-arg]
    """„1 davon nur auf Straßenebene (von Hand korrigiert)“ (``of``) or „1 von Hand
    korrigierte Adresse nur auf Straßenebene“: the fixes of
    :meth:`Casework.address_review` that the field must look for."""
    n = len(street)
    if of:
        return f"{n} davon nur auf Straßenebene (von Hand korrigiert)"
    return (f"{n} von Hand korrigierte Adresse" if n == 1 else
            f"{n} von Hand korrigierte Adressen") + " nur auf Straßenebene"


def _addresses(n: int) -> str:
    return count(n, "Adresse", "Adressen")


#: where a pinned visit's team or day comes from (``pin_source``), as ``status`` says it
PIN_SOURCES = {"liste": "laut Liste", "web": "im Web", "termin": "durch vereinbarten Termin"}


#: how many rejected rows are printed before "…"
MAX_LINES = 30
#: the option of ``hausbesuch address`` for each input of an address fix (errors name it)
FIX_OPTIONS = {"address": "--set-address", "point": "--set-point",
               "suggestion": "--suggestion"}


def _echo_copies(copies: list, who: str = "purge erreicht sie nicht") -> None:  # noqa: ANN001 - hausbesuch.auditlog.Copy
    """The copies of erased cases' data outside the database, newest :data:`MAX_LINES`;
    ``who``: the command that does not reach them."""
    if not copies:
        return
    typer.echo(f"Kopien außerhalb der Datenbank laut Protokoll ({len(copies)}; {who}, "
               "bitte löschen oder neu schreiben):")
    for c in copies[-MAX_LINES:]:
        typer.echo(f"  {c.line()}")
    if len(copies) > MAX_LINES:
        typer.echo(f"  … und {len(copies) - MAX_LINES} ältere (hausbesuch audit).")


#: What ``purge`` says on PostgreSQL of backups (``hausbesuch backup`` is for SQLite; a
#: ``pg_dump`` is not recorded in the audit log, so its list of copies never names one).
PG_DUMPS_UNKNOWN = ("Sicherungen mit pg_dump kennt hausbesuch nicht (nur „hausbesuch backup“ "
                    "unter SQLite wird protokolliert): sie enthalten die Daten dieser Fälle, "
                    "bis sie nach der Löschfrist gelöscht werden.")


def _stdin_value(value: str | None, option: str = "") -> str | None:
    """A value given as „-“ is read from standard input (its lines joined by spaces): an
    address, a point or a typed reason stays out of the command line, where other users
    of the machine see it (``ps``) and the shell's history keeps it. Nothing read is a
    German :class:`UserError` naming ``option``."""
    import sys

    if value != "-":
        return value
    text = " ".join(sys.stdin.read().split())
    if not text:
        raise UserError(f"{option}: aus der Standardeingabe kam nichts (mit „-“ wird der Wert "
                        "dort gelesen).")
    return text


@contextmanager
def _casework(db: str | None, city: str | None, osm: Path | None = None,  # type: ignore[no-untyped-def]
              *, create: bool = False, extract: bool = False):
    """The casework of the city over the store; only ``import`` may make a new database
    (``create``), the other commands refuse a database that is not there. ``extract``:
    the command geocodes (``import``, ``addresses``, ``address``), so the extract – from
    ``--osm`` or the profile's local ``[osm] file`` – must hold the profile's depot before
    anything is read or stored (:meth:`Casework.check_extract`, which every geocoding use
    of the casework checks too); ``--osm`` is checked in any case."""
    from hausbesuch.casework import Casework, cli_actor
    from hausbesuch.casework.service import ForeignExtractError
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    profile = load_profile(city)
    with Store.open(db, create=create) as store:
        cw = Casework(store, profile, actor=cli_actor(), osm=osm)
        try:
            if osm is not None or extract:  # before anything is stored
                cw.check_extract()
            yield cw
        except ForeignExtractError as exc:
            raise osm_refusal(exc, osm, city, profile) from None


def osm_refusal(exc: Exception, osm: Path | None, city: str | None,
                profile) -> Exception:  # noqa: ANN001 - hausbesuch.config.Profile
    """The command line's words for a :class:`ForeignExtractError` of an extract given
    with ``--osm`` (``osm``): the profile of another city (without ``--city``: Kassel)
    would store the list's cases under that city's name and plan from its depot (QA 18b
    #3); ``exc`` itself for the profile's own extract."""
    if osm is None or not getattr(exc, "given", False):
        return exc
    depot = profile.depot
    which = ("ohne --city gilt das Profil von Kassel" if city is None
             else f"Profil {profile.name}")
    return UserError(
        f"Der OSM-Auszug {osm.name} enthält den Standort des Stadtprofils nicht "
        f"({depot.name}, {depot.address}; {which}). Bitte --city mit dem Profil der "
        "Stadt dieses Auszugs angeben.")


def _echo_rejected(rejected: list, what: str = "abgelehnt",  # type: ignore[type-arg]
                   rest: str = " (siehe --report)") -> None:
    """The first :data:`MAX_LINES` rejected rows; ``rest`` says where the others are."""
    from hausbesuch.casework.service import field_reason

    for r in rejected[:MAX_LINES]:
        typer.echo(f"  Zeile {r.row}" + (f" ({r.id})" if r.id else "")
                   + f", {field_reason(r.field, r.reason)}")
    if len(rejected) > MAX_LINES:
        more = count(len(rejected) - MAX_LINES, f"weitere {what}e Zeile",
                     f"weitere {what}e Zeilen")
        typer.echo(f"  … und {more}{rest}.")


def _write_csv(path: Path, columns: list[str], rows: list[dict[str, str]], option: str,
               example: str) -> None:
    from hausbesuch.commands.geocode import write_csv

    write_csv(path, columns, rows, option=option, example=example)


def _point_example(city: str | None, osm: Path | None) -> str:
    """The example point of messages: the profile's depot (:meth:`Profile.point_example`),
    its address looked up in the extract when the profile gives no point; only on the
    error path (reading the extract takes a moment), and never an error of its own."""
    from hausbesuch.config import load_profile, resolve_osm

    profile = load_profile(city)
    try:
        from geodata.geocode import load_index

        return profile.point_example(load_index(resolve_osm(profile, osm)).geocode)
    except Exception:  # noqa: BLE001 - offline, no extract: the profile's own point or none
        return profile.point_example()


def _parse_point(text: str, example: Callable[[], str]) -> tuple[float, float]:
    """``LAT,LON`` (as map apps copy it) -> (lon, lat); ``example()``: a point of the city
    for the message on a text that is none."""
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) == 4:  # decimal commas: "50,8675,9,7071"
        parts = [f"{parts[0]}.{parts[1]}", f"{parts[2]}.{parts[3]}"]
    try:
        lat, lon = (float(p) for p in parts)
    except ValueError:
        raise UserError(f"--set-point: „{text}“ ist keine Koordinate (erwartet BREITE,LÄNGE, "
                        f"z. B. {example()}).") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise UserError(f"--set-point: „{text}“ liegt außerhalb gültiger Koordinaten.")
    return lon, lat


def version_words(plan_id: str, versions: dict[str, tuple[int, str | None]],
                  newest_of: dict[str, str]) -> str:
    """The column „Version“ of ``hausbesuch plans``: the number, the version it follows and
    whether it is the one to use: „1 (aktuell)“, „2, folgt auf 20261205-…-3548be (aktuell)“,
    „1 (ersetzt durch Version 3: 20261208-…)“ (the newest of its line, as the files of a
    replaced version name it). ``versions``: (version, predecessor) of the plans listed;
    ``newest_of``: their :func:`hausbesuch.versions.newest_listed`.
    Before, „2 (ersetzt 20261205-…)“ read as „replaced by“ and no row said which was
    current (QA 27)."""
    version, pred = versions[plan_id]
    newest = newest_of[plan_id]
    said = f"{version}" + (f", folgt auf {pred}" if pred else "")
    if newest == plan_id:
        return f"{said} (aktuell)"
    return f"{said} (ersetzt durch Version {versions[newest][0]}: {newest})"


def register(app: typer.Typer) -> None:  # noqa: C901 - one registration per command
    @app.command("import")
    @user_errors
    @interruptible
    def import_cmd(
        clients: Annotated[Path, typer.Argument(help="Kundenliste (CSV oder XLSX).")],
        city: CityOption = None,
        osm: OsmOption = None,
        db: DbOption = None,
        report: Annotated[Path | None, typer.Option(
            "--report", help="Bericht je Zeile als CSV schreiben (neu, aktualisiert, "
            "unverändert, abgelehnt mit Grund).")] = None,
    ) -> None:
        """Kundenliste in die Datenbank einlesen oder aktualisieren (ohne zu planen).

        Optionale Spalten: lat/lon (oder Breite/Länge) setzen den Punkt; Team, Datum und
        Uhrzeit legen den Besuch fest. Unbekannte Spalten werden gemeldet.
        """
        from hausbesuch.commands.geocode import check_target

        if report is not None:  # before anything is read in
            check_target(report, "--report", "bericht.csv", inputs=[clients])
        from hausbesuch.othercities import cities_with_cases

        with _casework(db, city, osm, create=True, extract=True) as cw:
            before = cities_with_cases(cw.store)  # a forgotten --city: other cities only
            _ = cw.index  # the extract first: one that cannot be read stores nothing
            res = cw.import_clients(clients)
            note_stored("die Liste ist eingelesen und gespeichert")
            problems = cw.address_problems()  # what `addresses` lists right after
            where = cw.city
        for w in res.warnings:
            typer.echo(f"Hinweis: {w}")
        if before and where not in before and (res.new or res.updated):
            typer.echo(f"Hinweis: eingelesen für {where}, aber die Datenbank enthielt bisher "
                       f"nur Fälle von: {', '.join(before)}. War eine andere Stadt gemeint: "
                       "--city angeben (das Profil dieser Stadt).")
        typer.echo(f"{count(res.total_rows, 'Zeile', 'Zeilen')} aus {res.source} für {where}: "
                   f"{len(res.new)} neu, "
                   f"{len(res.updated)} aktualisiert, "
                   f"{res.unchanged_read} unverändert, "
                   + (f"{len(res.erased_kept)} nicht wieder eingelesen (Daten gelöscht), "
                      if res.erased_kept else "")
                   + f"{len(res.rejected)} abgelehnt.")
        _echo_rejected(res.rejected)
        if res.rejected:  # what to do about them (QA 37 #10; the web page says it too)
            typer.echo("  Abgelehnte Zeilen wurden nicht eingelesen: bitte in der Fachanwendung "
                       "berichtigen und die Liste erneut einlesen (die übrigen Zeilen bleiben "
                       "wie eingelesen).")
        if res.not_open:  # listed, but a plan does not take them (QA 26 F3)
            typer.echo("Nicht geplant (Status nicht „offen“):")
            for cid in list(res.not_open)[:MAX_LINES]:
                typer.echo(f"  {cid}: {res.not_open_reason(cid)}")
            if len(res.not_open) > MAX_LINES:
                typer.echo(f"  … und {len(res.not_open) - MAX_LINES} weitere (siehe --report).")
        if note := res.absent_note():
            typer.echo(f"{note} Schließen mit „hausbesuch status KUNDENNUMMER --set "
                       "abgeschlossen“.")
        if res.stale_fixes:
            n = len(res.stale_fixes)
            what = "Adresskorrektur gilt" if n == 1 else "Adresskorrekturen gelten"
            typer.echo(f"{n} {what} nicht mehr, weil sich die Adresse in der Liste geändert "
                       "hat.")
        if problems:
            typer.echo(f"{_addresses(len(problems))} zu prüfen (nicht, nur straßengenau oder "
                       "unsicher gefunden, Korrektur nicht mehr gültig oder Fall in Klärung): "
                       "hausbesuch addresses zeigt sie mit Vorschlägen.")
        if report is not None:
            _write_csv(report, ["zeile", "id", "status", "grund"], res.report_rows(),
                       "--report", "bericht.csv")
            typer.echo(f"Bericht: {report.resolve()}")
        if res.rejected and not (res.new or res.updated or res.unchanged):
            # nothing read in: a script must not take the list for done (as outcomes)
            n = len(res.rejected)
            raise UserError("Keine Zeile eingelesen: " + ("die Zeile ist" if n == 1 else
                                                            f"alle {n} Zeilen sind")
                            + " abgelehnt (Gründe oben).")

    @app.command("addresses")
    @user_errors
    def addresses_cmd(
        city: CityOption = None,
        osm: OsmOption = None,
        db: DbOption = None,
        out: Annotated[Path | None, typer.Option(
            "--out", help="Liste als CSV schreiben (mit Vorschlägen).")] = None,
    ) -> None:
        """Adressen offener Fälle, die nicht, nur straßengenau oder unsicher gefunden sind
        oder deren Korrektur nicht mehr gilt, und Fälle in Klärung (mit Vorschlägen)."""
        from hausbesuch.auditlog import SHOWN
        from hausbesuch.commands.geocode import check_target
        from hausbesuch.planning.report import quality_label

        if out is not None:  # before the list is read (and its showing audited)
            check_target(out, "--out", "adressen.csv")
        from hausbesuch.othercities import other_cities_hint

        with _casework(db, city, osm, extract=True) as cw:
            if out is not None:
                from hausbesuch.commands._common import refuse_client_names

                refuse_client_names(cw.store, cw.city, out, "--out", "adressen.csv")
            problems, street = cw.address_review()
            where = cw.city
            hint = "" if problems or street else other_cities_hint(cw.store, where)
            rows = []
            for p in problems:
                row = {"kundennummer": p.client_id, "adresse": p.address,
                       "qualitaet": quality_label(p.quality), "grund": p.reason}
                for k in range(3):
                    row[f"vorschlag_{k + 1}"] = (p.suggestions[k] if k < len(p.suggestions)
                                                 else "")
                rows.append(row)
            if out is not None:  # written first: a file that could not be written (a full
                # disk) is not audited as shown (QA 45b F11); one not audited is removed
                cols = ["kundennummer", "adresse", "qualitaet", "grund",
                        "vorschlag_1", "vorschlag_2", "vorschlag_3"]
                _write_csv(out, cols, rows, "--out", "adressen.csv")
            try:
                cw.store.audit(cw.actor, "adressen_angezeigt", city=cw.city, details={
                    "ausgabe": "csv" if out is not None else "anzeige",
                    **({"datei": str(out.resolve())} if out is not None else {}),
                    SHOWN: [p.client_id for p in [*problems, *street]]})
            except BaseException:
                if out is not None:
                    out.unlink(missing_ok=True)
                raise
        if out is not None:
            typer.echo(f"{_addresses(len(rows))} zu prüfen: {out.resolve()}")
            if street:  # not in the file (reviewed), but not found to the house
                typer.echo(f"{_street_fixes(street)} (nicht in der Datei): "
                           + ", ".join(p.client_id for p in street))
            if hint:
                typer.echo(hint)
            return
        if not rows and not street:  # a forgotten --city: the hint, no false all-clear
            typer.echo(hint or f"Alle Adressen offener Fälle in {where} sind gefunden.")
            return
        if rows:
            typer.echo(f"{_addresses(len(rows))} zu prüfen:")
        for p in problems:
            typer.echo(f"{p.client_id}: {printable(p.address)} ({quality_label(p.quality)}): "
                       f"{printable(p.reason)}")
            for k, s in enumerate(p.suggestions, start=1):
                typer.echo(f"    Vorschlag {k}: {printable(s)}")
        if rows:
            typer.echo("Korrigieren: hausbesuch address KUNDENNUMMER --suggestion N | "
                       "--set-address \"…\" | --set-point BREITE,LÄNGE")
        if street:
            # a coordinator's own fix counts as reviewed, but the field is told to look
            # for the house: no all-clear without naming them (QA 31)
            typer.echo(f"Außerdem {_street_fixes(street)}:" if rows else
                       f"Alle Adressen offener Fälle in {where} sind gefunden; "
                       f"{_street_fixes(street, of=True)}:")
            for p in street:
                typer.echo(f"{p.client_id}: {printable(p.address)} ({quality_label(p.quality)})"
                           f": {printable(p.reason)}")
            typer.echo("Im Außendienst: „Lage nur auf Straßenebene – Hausnummer vor Ort "
                       "suchen“. Genauer: hausbesuch address KUNDENNUMMER --set-point "
                       "BREITE,LÄNGE")


    @app.command("address")
    @user_errors
    def address_cmd(
        client_id: ClientArgument,
        set_address: Annotated[str | None, typer.Option(
            "--set-address", help="Korrigierte Adresse, z. B. \"Am Markt 1, 36251 Bad "
            "Hersfeld\"; „-“ liest sie aus der Standardeingabe (nicht in der Befehlszeile "
            "und ihrem Verlauf).")] = None,
        set_point: Annotated[str | None, typer.Option(
            "--set-point", help="Punkt als BREITE,LÄNGE, z. B. 50.8675,9.7071; „-“ liest "
            "ihn aus der Standardeingabe.")] = None,
        suggestion: Annotated[int | None, typer.Option(
            "--suggestion", help="Nummer des Vorschlags aus „hausbesuch addresses“.")] = None,
        city: CityOption = None,
        osm: OsmOption = None,
        db: DbOption = None,
    ) -> None:
        """Adresse eines Falls korrigieren (bleibt beim nächsten Einlesen erhalten).

        Genau eine der Optionen --set-address, --set-point oder --suggestion angeben.
        """
        if sum(x is not None for x in (set_address, set_point, suggestion)) != 1:
            raise UserError("Genau eine Korrektur angeben: --set-address, --set-point oder "
                            "--suggestion.")
        set_address = _stdin_value(set_address, "--set-address")
        set_point = _stdin_value(set_point, "--set-point")
        point = (_parse_point(set_point, lambda: _point_example(city, osm))
                 if set_point is not None else None)
        from hausbesuch.casework import CaseworkError

        with _casework(db, city, osm, extract=True) as cw:
            try:
                loc = cw.fix_address(client_id, address=set_address, point=point,
                                     suggestion=suggestion)
            except CaseworkError as exc:
                if exc.field not in FIX_OPTIONS:
                    raise
                raise UserError(f"{FIX_OPTIONS[exc.field]}: {exc.reason}") from None
            # a visit ahead still at the old place: the import's hint (QA 33b F5)
            elsewhere = cw.visit_at_old_place(loc.client_id, loc)
        # found at street level only: the address with the house number typed (the match
        # is the bare street: the number stored was not to be seen), as `addresses` and
        # the field show it, and why it is on the street (the numbers OSM knows there)
        typer.echo(f"Gespeichert: {loc.client_id} liegt jetzt bei {loc.lat:.6f}, {loc.lon:.6f} "
                   f"({printable(loc.fix_shown)})"
                   + (f"; nur auf Straßenebene: {printable(loc.reason)}"
                      if loc.quality == "street" and loc.reason else
                      "; nur auf Straßenebene." if loc.quality == "street" else
                      f"; Lage geschätzt: {printable(loc.reason)}"
                      if loc.quality == "interpolated" and loc.reason else
                      "; Lage geschätzt (interpoliert)." if loc.quality == "interpolated"
                      else "."))
        if loc.quality == "interpolated":  # the house is placed between known numbers
            from hausbesuch.maps import WHERE_INTERPOLATED

            typer.echo(f"Im Außendienst: „{WHERE_INTERPOLATED}“.")
        if loc.quality == "street":  # reviewed, but named by `addresses` (QA 31)
            typer.echo("Im Außendienst: „Lage nur auf Straßenebene – Hausnummer vor Ort "
                       "suchen“; „hausbesuch addresses“ nennt den Fall, bis ein Punkt gesetzt "
                       f"ist (hausbesuch address {loc.client_id} --set-point BREITE,LÄNGE).")
        if elsewhere is not None:
            from hausbesuch.casework import ImportResult

            text, plan_id, still_open = elsewhere
            typer.echo("Hinweis: " + (ImportResult.replan_hint(text, plan_id) if still_open
                                      else text))

    @app.command("outcomes")
    @user_errors
    def outcomes_cmd(
        file: Annotated[Path, typer.Argument(help="Ergebnisse als CSV oder XLSX: Kundennummer; "
                                             "Datum; Uhrzeit (optional); Ergebnis; Termin "
                                             "(optional); Notiz (optional).")],
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Besuchsergebnisse erfassen (angetroffen, nicht angetroffen, Nachricht hinterlassen,
        verzogen, verweigert, Termin vereinbart); erst ab dem Besuchstag.

        Wird keine Zeile erfasst und ist mindestens eine abgelehnt, endet der Befehl mit
        Fehler (Rückgabewert 2).
        """
        from hausbesuch.othercities import other_cities_hint

        with _casework(db, city) as cw:
            res = cw.record_outcomes_file(file)
            where = cw.city
            hint = other_cities_hint(cw.store, where) if not res.recorded else ""
        typer.echo(f"{count(res.total_rows, 'Zeile', 'Zeilen')} aus {res.source}: "
                   f"{len(res.recorded)} erfasst, {len(res.duplicates)} schon erfasst, "
                   f"{len(res.rejected)} abgelehnt.")
        _echo_rejected(res.rejected, rest="")
        for note in res.notes:
            typer.echo(f"Hinweis: {note}")
        if res.rejected and not res.recorded and not res.duplicates:
            # nothing recorded: a script must not take the file for done
            from hausbesuch.casework.service import names_unknown_id

            n = len(res.rejected)
            # another city only where a case id was not known (QA 40 F9: rows refused for
            # an appointment on a holiday pointed to --city)
            city_hint = (f"; gelesen für {where}, andere Stadt: --city angeben"
                         if any(names_unknown_id(r.reason, where) for r in res.rejected)
                         else "")
            raise UserError("Keine Zeile erfasst: " + ("die Zeile ist" if n == 1 else
                                                         f"alle {n} Zeilen sind")
                            + f" abgelehnt (Gründe oben{city_hint})."
                            + (f" {hint}" if hint else ""))

    @app.command("status")
    @user_errors
    def status_cmd(
        client_id: ClientArgument,
        set_status: Annotated[str | None, typer.Option(
            "--set", help="Neuer Status: offen, erreicht, in_klaerung, abgeschlossen.")] = None,
        reason: Annotated[str, typer.Option("--reason", help="Grund der Änderung; „-“ liest "
                                            "ihn aus der Standardeingabe (nicht in der "
                                            "Befehlszeile und ihrem Verlauf).")] = "",
        other_person: Annotated[str | None, typer.Option(
            "--other-person", metavar="KUNDENNUMMER",
            help="Vermerken, dass dieser Fall eine andere Person ist als der Fall mit dieser "
                 "Kundennummer (gleicher Name und gleiche Anschrift, in der Fachanwendung "
                 "geprüft): der Hinweis „doppelt angelegt?“ entfällt für das Paar.",
            show_default=False)] = None,
        undo: Annotated[bool, typer.Option(
            "--undo", help="Mit --other-person: den Vermerk zurücknehmen.")] = False,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Status eines Falls zeigen (mit Verlauf und Ergebnissen) oder von Hand setzen."""
        from hausbesuch.casework import CaseworkError
        from hausbesuch.casework.rules import STATUS_LABELS, parse_status, status_word

        reason = _stdin_value(reason, "--reason") or ""
        if reason and set_status is None:
            raise UserError("--reason gehört zu --set: den neuen Status mit --set angeben, "
                            "z. B. --set erreicht --reason \"hat angerufen\".")
        from hausbesuch.casework.service import reason_problem, same_person_note

        if problem := reason_problem(reason, "--reason"):  # the web's limit (QA 34a F4)
            raise UserError(problem)
        if undo and other_person is None:
            raise UserError("--undo gehört zu --other-person: z. B. hausbesuch status "
                            f"{client_id} --other-person K-1037 --undo.")
        new = None
        if set_status is not None:
            try:
                new = parse_status(set_status)
            except ValueError as exc:
                raise UserError(f"--set: {exc}") from None
        with _casework(db, city) as cw:
            try:
                known = cw.case_id(client_id)
            except CaseworkError:
                raise unknown_case(client_id, cw.city, cw.twin_hint(client_id),
                                   store=cw.store, pattern=cw.id_pattern) from None
            other = None
            if other_person is not None:
                try:
                    other = cw.case_id(other_person)
                except CaseworkError:
                    raise unknown_case(other_person, cw.city, cw.twin_hint(other_person),
                                       store=cw.store, pattern=cw.id_pattern) from None
            unchanged = new is not None and not cw.set_status(known, new, reason)
            marked = other is not None and cw.mark_other_person(known, other, undo=undo)
            others = cw.other_persons_of(known)
            same_now = [o for o in cw.same_person_now(known)
                        if o not in {x[0] for x in others}]
            st = cw.states([known])[0]
            history = cw.status_history(known)
            outcomes = [o for o in cw.outcome_rows() if o["client_id"] == known]
            # a case no longer open whose visit is still on a route: the team would ring
            ahead = cw.planned_after_close(known)
            # ... announced by letter: the client waits for it (QA 44b F6)
            cancel = cw.cancellations_after_close(known)
            # an agreed appointment on a day of a stored plan that does not hold it: re-plan
            # it, or (that version listed it as not plannable) agree another (QA 37 #1)
            notes = cw.appointment_notes(known)
            # a visit ahead still at the address or point the case had before (QA 38 F3)
            moved = [o for o in cw.visits_at_old_place([known]) if o.still_open]
            # an appointment agreed so late that visit and way back end after the shift:
            # no plan can hold it (the case page's note, QA 26 F7, review 37 #5), and no
            # re-plan either (QA 41 F3: „bitte diesen Plan neu planen“ stood beside it)
            late = cw.agreed_appointment_past_shift(known)
            missing = [n.text for n in notes if not (late and n.replan)]
            # a pinned day passed or no working day: said beside it (QA 40 F2)
            from hausbesuch.planning.builder import pin_day_note

            pin_note = pin_day_note(cw.calendar, st.pin_day, cw.today(), st.pin_source,
                                    open_case=st.status == "offen", time_min=st.pin_time_min,
                                    service_min=st.client.besuchsdauer_min
                                    or cw.profile.workday.visit_minutes)
            cw.store.audit(cw.actor, "fall_angezeigt", city=cw.city, client_id=known)
        # why the case stands as it does: what its outcomes mean for the next visit, or the
        # reason given when the status was set by hand after them
        why = st.why
        if unchanged:
            typer.echo(f"Der Status war schon „{status_word(st.status)}“; nichts geändert.")
        if other is not None:
            typer.echo((f"Vermerk zurückgenommen: {known} und {other} gelten wieder als "
                        "vielleicht doppelt angelegt." if marked else
                        f"{known} und {other} waren nicht als andere Person vermerkt; "
                        "nichts geändert.") if undo else
                       (f"Vermerkt: {known} und {other} sind zwei Personen; der Hinweis "
                        "„doppelt angelegt?“ entfällt für sie." if marked else
                        f"{known} und {other} waren schon als andere Person vermerkt; "
                        "nichts geändert."))
        typer.echo(f"{st.client.id}: {STATUS_LABELS[st.status]}"
                   + (f"; {printable(why)}" if why else ""))
        if st.pin_day or st.pin_team:
            source = PIN_SOURCES.get(st.pin_source or "", "")
            pin_at = (f"{st.pin_time_min // 60:02d}:{st.pin_time_min % 60:02d} Uhr"
                      if st.pin_day and st.pin_time_min is not None else None)
            typer.echo(f"  festgelegt{' ' + source if source else ''}: "
                       + ", ".join(x for x in (st.pin_team and f"Team {st.pin_team}",
                                               st.pin_day and format_day(st.pin_day), pin_at)
                                   if x) + (f" ({pin_note})" if pin_note else ""))
        for at, status, why, who in history:
            typer.echo(f"  {format_moment(at)} {status_word(status)}: {printable(why)} "
                       f"({printable(who)})")
        for o in outcomes:
            typer.echo(f"  Besuch {format_day(o['day'])}: {printable(o['label'])}")
        for oid, who, at in others:
            typer.echo(f"  andere Person als {oid} (gleicher Name und gleiche Anschrift, "
                       f"geprüft {format_moment(at)}, {printable(who)})")
        if same_now:
            typer.echo(f"Hinweis: {same_person_note([known, *same_now])}")
        if late:
            typer.echo(f"Hinweis: {late}")
        for text, pid in ahead:
            typer.echo(f"Hinweis: {text} (hausbesuch replan {pid} --from …).")
        for text in cancel:
            typer.echo(f"Hinweis: {text}.")
        for text in missing:
            typer.echo(f"Hinweis: {known}: {text}.")
        for o in moved:
            typer.echo(f"Hinweis: {known}: {o.moved_note}; bitte neu planen (hausbesuch "
                       f"replan {o.plan_id} --from …).")
        if st.erased_at is not None:
            from hausbesuch.casework.erasure import erased_note

            typer.echo(f"Hinweis: {erased_note(st.erased_at, st.client.id)}; " + (
                "geplant wird der Fall erst, wenn die Kundenliste ihn wieder enthält "
                "(hausbesuch import …)." if st.status in ("offen", "in_klaerung") else
                f"um ihn wieder zu bearbeiten: hausbesuch status {st.client.id} --set offen, "
                "dann die Kundenliste mit ihm einlesen."))

    @app.command("rectify")
    @user_errors
    def rectify_cmd(
        client_id: ClientArgument,
        outcome: Annotated[str | None, typer.Option(
            "--outcome", metavar="TAG [UHRZEIT]",
            help="Die Notiz des Ergebnisses des Besuchs an diesem Tag berichtigen "
                 "(mit Uhrzeit, wenn der Tag mehrere hat).", show_default=False)] = None,
        status_change: Annotated[str | None, typer.Option(
            "--status-change", metavar="TAG [UHRZEIT] [STATUS]",
            help="Den Grund der Statusänderung an diesem Tag berichtigen (bei mehreren "
                 "mit Uhrzeit oder dem Status danach, z. B. „08.12.2026 in_klaerung“).",
            show_default=False)] = None,
        text: Annotated[str | None, typer.Option(
            "--text", help="Der berichtigte Text; „-“ liest ihn aus der Standardeingabe "
                           "(nicht in der Befehlszeile und ihrem Verlauf).",
            show_default=False)] = None,
        clear: Annotated[bool, typer.Option(
            "--clear", help="Den Text löschen statt ihn zu ersetzen.")] = False,
        result: Annotated[str | None, typer.Option(
            "--result", metavar="ERGEBNIS",
            help="Mit --outcome: das Ergebnis selbst berichtigen (z. B. „angetroffen“); "
                 "der Status des Falls folgt ihm, außer er wurde danach von Hand gesetzt "
                 "und seither nicht geändert.",
            show_default=False)] = None,
        time: Annotated[str | None, typer.Option(
            "--time", metavar="HH:MM",
            help="Mit --outcome: die Uhrzeit des Besuchs berichtigen (an seinem Tag, in der "
                 "Arbeitszeit der Teams).", show_default=False)] = None,
        appointment: Annotated[str | None, typer.Option(
            "--appointment", metavar="TAG UHRZEIT",
            help="Mit --result „Termin vereinbart“: der vereinbarte Termin.",
            show_default=False)] = None,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Berichtigung (Art. 16 DSGVO, § 84 SGB X): ein Besuchsergebnis (Ergebnis,
        Uhrzeit, Notiz) oder den Grund einer Statusänderung berichtigen oder die Notiz oder
        den Grund löschen (protokolliert mit altem und neuem Ergebnis, ohne Text)."""
        from hausbesuch.casework import CaseworkError
        from hausbesuch.fields import FieldError, parse_datetime, parse_day

        if (outcome is None) == (status_change is None):
            raise UserError("Entweder --outcome TAG oder --status-change TAG angeben, z. B. "
                            f"hausbesuch rectify {client_id} --outcome 08.12.2026 --text "
                            "\"neuer Text\" (oder --clear).")
        changes_outcome = result is not None or time is not None or appointment is not None
        if changes_outcome and outcome is None:
            raise UserError("--result, --time und --appointment gehören zu --outcome TAG, z. B. "
                            f"hausbesuch rectify {client_id} --outcome 08.12.2026 --result "
                            "angetroffen --time 09:15.")
        if text is not None and clear:
            raise UserError("Entweder --text TEXT oder --clear angeben, nicht beides.")
        if text is None and not clear and not changes_outcome:
            raise UserError("Entweder --text TEXT (oder --text - für die Standardeingabe) "
                            "oder --clear angeben"
                            + (" (oder mit --outcome: --result, --time)." if outcome is not None
                               else "."))
        from hausbesuch.casework.rules import parse_status

        option = "--outcome" if outcome is not None else "--status-change"
        given = ((outcome if outcome is not None else status_change) or "").strip()
        status = None
        if status_change is not None and " " in given:  # „08.12.2026 in_klaerung“
            head, last = given.rsplit(" ", 1)
            with suppress(ValueError):
                status, given = parse_status(last), head
        try:
            when = parse_day(given)
        except FieldError:
            try:
                when = parse_datetime(given)
            except FieldError as exc:
                raise UserError(f"{option}: {exc}") from None
        text = _stdin_value(text, "--text")
        if text is not None and not text.strip():
            raise UserError("--text ist leer; zum Löschen --clear angeben.")
        from hausbesuch.casework.service import MAX_NOTE_LENGTH, reason_problem

        # the limits of the web's forms: a note of an outcome, a reason of a status change
        if text is not None and outcome is not None and len(text.strip()) > MAX_NOTE_LENGTH:
            raise UserError(f"--text: eine Notiz hat höchstens {MAX_NOTE_LENGTH} Zeichen, "
                            f"erhalten {len(text.strip())}.")
        if text is not None and outcome is None and (
                problem := reason_problem(text, "--text")):
            raise UserError(problem)
        with _casework(db, city) as cw:
            try:
                known = cw.case_id(client_id)
            except CaseworkError:
                raise unknown_case(client_id, cw.city, cw.twin_hint(client_id),
                                   store=cw.store, pattern=cw.id_pattern) from None
            new = None if clear else text
            if changes_outcome:
                from datetime import datetime, timedelta

                from hausbesuch.casework.rules import RESULT_LABELS
                from hausbesuch.clients import parse_clock_minutes
                from hausbesuch.fields import format_clock, format_day

                try:
                    minute = parse_clock_minutes(time.strip()) if time else None
                except FieldError as exc:
                    raise UserError(f"--time: {exc}.") from None
                try:
                    agreed = parse_datetime(appointment.strip()) if appointment else None
                except (FieldError, ValueError) as exc:
                    raise UserError(f"--appointment: {exc}.") from None
                try:
                    fix = cw.correct_outcome(known, result, when=when, time_min=minute,
                                             appointment=agreed, note=new)
                except CaseworkError as exc:
                    opt = {"uhrzeit": "--time", "termin": "--appointment",
                           "ergebnis": "--result"}.get(exc.field or "")
                    raise UserError(f"{opt}: {exc}" if opt else str(exc)) from None
                if clear:
                    cw.rectify_outcome_note(known, datetime.combine(
                        fix.day, datetime.min.time()) + timedelta(minutes=fix.new_time)
                        if fix.new_time is not None else fix.day, None)
                at = format_day(fix.day)
                if not fix.changed and not clear:
                    typer.echo(f"Das Ergebnis von {known} am {at} ist schon so gespeichert; "
                               "nichts geändert.")
                    return
                was = RESULT_LABELS[fix.old_result] + (
                    f" um {format_clock(fix.old_time)} Uhr" if fix.old_time is not None else "")
                now = RESULT_LABELS[fix.new_result] + (
                    f" um {format_clock(fix.new_time)} Uhr" if fix.new_time is not None else "")
                typer.echo(f"Ergebnis von {known} am {at} berichtigt: „{was}“ → „{now}“.")
                from hausbesuch.letters import status_label

                if fix.status_kept:
                    typer.echo("Der von Hand gesetzte Status "
                               f"„{status_label(fix.status_after)}“ bleibt.")
                elif fix.status_after != fix.status_before:
                    typer.echo(f"Status: „{status_label(fix.status_before)}“ → "
                               f"„{status_label(fix.status_after)}“.")
                for line in fix.old_visit_notes():  # review 22 #4
                    typer.echo(line)
                if agreed is not None and (late := cw.agreed_appointment_past_shift(known)):
                    # stored as agreed; no plan can hold it (QA 26 F7, review 37 #5)
                    typer.echo(f"Hinweis: {late}")
            elif outcome is not None:
                day, minute = cw.rectify_outcome_note(known, when, new)
                from hausbesuch.fields import format_clock, format_day

                at = format_day(day) + (f", {format_clock(minute)} Uhr" if minute is not None
                                        else "")
                typer.echo(f"Notiz des Ergebnisses von {known} am {at} "
                           f"{'gelöscht' if clear else 'berichtigt'}.")
            else:
                from hausbesuch.fields import format_moment

                moment = cw.rectify_status_reason(known, when, new, status)
                typer.echo(f"Grund der Statusänderung von {known} am {format_moment(moment)} "
                           f"{'gelöscht' if clear else 'berichtigt'}.")
            # PostgreSQL keeps the old text in a dead row version until the table is
            # rewritten (SQLite zeroes it at once: secure_delete)
            if cw.store.engine.dialect.name == "postgresql" and not cw.store.reclaim():
                typer.echo("Hinweis: der alte Text steht noch in den Dateien der Datenbank, "
                           "bis sie verdichtet wird (gerade in Gebrauch, oder die Tabellen "
                           "gehören einer anderen Rolle): später hausbesuch purge … --yes "
                           "oder VACUUM FULL durch den Eigentümer.", err=True)

    @app.command("disclose")
    @user_errors
    def disclose_cmd(
        client_id: ClientArgument,
        out: Annotated[Path, typer.Option(
            "--out", help="Textdatei der Auskunft, z. B. auskunft-K-1042.txt (nur für "
                          "den Eigentümer lesbar).")] = ...,  # type: ignore[assignment]
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Auskunft nach Art. 15 DSGVO (§ 83 SGB X): alles, was zu einem Fall gespeichert
        ist, als Textdatei für die Kundin oder den Kunden (Falldaten, Korrekturen,
        Statusverlauf, Besuche, Ergebnisse mit Notizen, gefundene Lage, Zugriffe)."""
        from geodata.cache import atomic_write
        from hausbesuch.casework import CaseworkError
        from hausbesuch.casework.disclosure import (
            audit_details,
            audit_disclosure,
            disclosure_document,
            download_name,
            refuse_named_path,
        )
        from hausbesuch.commands._common import refuse_client_names
        from hausbesuch.commands.geocode import check_target

        check_target(out, "--out", "auskunft.txt")
        with _casework(db, city) as cw:
            try:
                known = cw.case_id(client_id)
            except CaseworkError:
                raise unknown_case(client_id, cw.city, cw.twin_hint(client_id),
                                   store=cw.store, pattern=cw.id_pattern) from None
            refuse_named_path(cw.store, cw.city, known, out)
            refuse_client_names(cw.store, cw.city, out, "--out", download_name(known))
            text = disclosure_document(cw.store, cw.city, known)
            with write_errors(out), \
                    atomic_write(out, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            audit_disclosure(cw.store, cw.actor, cw.city, known, audit_details(out.resolve()))
            erased = cw.states([known])[0].erased_at is not None
        # (an erased case's file holds what stays of it, not its name: QA 42b F8)
        held = "die verbliebenen Falldaten" if erased else "Name und Anschrift"
        typer.echo(f"Auskunft zu {known} geschrieben: {out.resolve()} (enthält {held}: "
                   "nach der Übergabe löschen).")

    @app.command("purge")
    @user_errors
    def purge_cmd(
        client_ids: Annotated[list[str] | None, typer.Argument(
            metavar="[KUNDENNUMMER]...", help="Diese Fälle (erreicht oder abgeschlossen).",
            show_default=False)] = None,
        closed_days: Annotated[int | None, typer.Option(
            "--closed-days", metavar="TAGE", min=0, max=36500,
            help="Alle Fälle, die seit mindestens so vielen Tagen erreicht oder "
                 "abgeschlossen sind.")] = None,
        absent_days: Annotated[int | None, typer.Option(
            "--absent-days", metavar="TAGE", min=1, max=36500,
            help="Alle Fälle, die seit mindestens so vielen Tagen in keiner eingelesenen "
                 "Kundenliste mehr stehen (offene werden dabei abgeschlossen).")] = None,
        yes: Annotated[bool, typer.Option(
            "--yes", help="Wirklich löschen (ohne: nur anzeigen, was gelöscht würde).")
        ] = False,
        city: CityOption = None,
        db: DbOption = None,
    ) -> None:
        """Personenbezogene Daten abgeschlossener Fälle löschen (Name, Anschrift, Notizen,
        genaue Lage); Kundennummer, Bezirk, Termine und Ergebnisse bleiben für Statistik
        und Protokoll. Mit --absent-days auch Fälle, die nicht mehr in der Kundenliste
        stehen."""
        if bool(client_ids) == (closed_days is not None or absent_days is not None):
            raise UserError("Entweder Kundennummern oder --closed-days TAGE und/oder "
                            "--absent-days TAGE angeben, z. B. hausbesuch purge "
                            "--closed-days 180 --absent-days 180 --city kassel.")
        for days, option in ((closed_days, "--closed-days"), (absent_days, "--absent-days")):
            if days is not None and days < 0:
                raise UserError(f"{option}: {days} ist negativ.")
        from hausbesuch.auditlog import copies_of

        with _casework(db, city) as cw:
            result = cw.purge(client_ids or None, closed_days=closed_days,
                              absent_days=absent_days, dry_run=not yes)
            # the copies of the chosen cases' data outside the database (plan files,
            # exports, letters, backups) that the audit log names
            copies = copies_of(cw.store, cw.city, result.to_erase,
                               result.erased.plan_ids if result.erased is not None else
                               cw.plans_holding(result.to_erase))
            on_postgresql = cw.store.engine.dialect.name == "postgresql"
        for cid, why in result.skipped[:MAX_LINES]:
            typer.echo(f"  {cid} bleibt: {why}")
        if len(result.skipped) > MAX_LINES:
            typer.echo(f"  … und {len(result.skipped) - MAX_LINES} weitere.")
        n = count(len(result.to_erase), "Fall", "Fällen")
        if result.reclaimed is False:
            first = result.to_erase[0]
            typer.echo("Hinweis: die Datenbank wurde nicht verdichtet (sie ist gerade in "
                       "Gebrauch, oder auf PostgreSQL gehören die Tabellen einer anderen "
                       "Rolle): alte Fassungen der gelöschten Zeilen können noch in ihren "
                       "Dateien stehen. Später erneut löschen, z. B. hausbesuch purge "
                       f"{first} --yes (ein schon gelöschter Fall wird nur erneut geleert, "
                       "die Datenbank dabei verdichtet).", err=True)
        if not result.to_erase:
            typer.echo("Nichts zu löschen.")
            if client_ids:
                raise typer.Exit(2)
            return
        shown = ", ".join(result.to_erase[:MAX_LINES])
        more = " …" if len(result.to_erase) > MAX_LINES else ""
        if result.to_close:
            from hausbesuch.fields import format_day

            closing = sorted(result.to_close)
            typer.echo(
                f"{'Abgeschlossen' if result.erased is not None else 'Abzuschließen'}, weil "
                f"seit mindestens {absent_days} Tagen in keiner Kundenliste: "
                + ", ".join(f"{cid} (zuletzt am {format_day(result.to_close[cid])})"
                            for cid in closing[:MAX_LINES])
                + (" …" if len(closing) > MAX_LINES else "") + ".")
        if result.erased is None:
            typer.echo(f"Zu löschen: Daten von {n} ({shown}{more}). Probelauf: nichts "
                       "gelöscht; zum Löschen mit --yes wiederholen.")
            _echo_copies(copies)
            if on_postgresql:
                typer.echo(PG_DUMPS_UNKNOWN)
            return
        plans = result.erased.plan_ids
        where = f", auch in {count(len(plans), 'Plan', 'Plänen')}" if plans else ""
        typer.echo(f"Gelöscht: Name, Anschrift, Notizen und genaue Lage von {n} ({shown}"
                   f"{more}){where}. Geblieben sind Kundennummer, Bezirk, Termine und "
                   "Ergebnisse.")
        if plans:
            typer.echo("Dateien dieser Pläne (Karten, Seiten, Listen) und Briefe enthalten "
                       "die Daten noch: neu schreiben (hausbesuch show PLAN --out ORDNER) "
                       "oder löschen: " + ", ".join(plans[:MAX_LINES])
                       + (" …" if len(plans) > MAX_LINES else ""))
        _echo_copies(copies)
        if on_postgresql:
            typer.echo(PG_DUMPS_UNKNOWN)

    @app.command("plans")
    @user_errors
    def plans_cmd(city: CityOption = None, db: DbOption = None,
                  all_cities: Annotated[bool, typer.Option(
                      "--all", help="Pläne aller Städte zeigen.")] = False) -> None:
        """Gespeicherte Pläne auflisten (Kennung, Stadt, Zeitraum, Version, Zahlen)."""
        from datetime import timedelta

        from hausbesuch.config import load_profile
        from hausbesuch.othercities import cities_with_plans, other_cities_hint
        from hausbesuch.store import Store
        from hausbesuch.versions import newest_listed

        name = None if all_cities else load_profile(city).name
        with Store.open(db, create=False) as store:
            plans = store.list_plans(name)
            versions = {p.id: (p.version, p.predecessor_id) for p in plans}
            newest_of = newest_listed(versions)
            # a forgotten --city (the default Kassel): the cities that have plans
            hint = (other_cities_hint(store, name, cities_with_plans(store), what="Pläne",
                                      lead=False)
                    if name and not plans else "")
            # the visits made already among a plan's visits (QA 36 #9a: „Besuche 36“
            # beside „29 geplant“ on its page), counted as its page counts them
            done = {pid: n[1] for c in sorted({p.city for p in plans})
                    for pid, n in store.visits_now(c).items()}
        if not plans:
            typer.echo("Keine gespeicherten Pläne" + (f" für {name}." if name else "."))
            if hint:
                typer.echo(hint + " Alle Städte: --all.")
            return
        # visits beside cases not planned: a case visited before a re-plan's moment and
        # left out after it counts in both (QA 37 #8: „39 | 10“ for 46 cases)
        typer.echo("Kennung | Stadt | Zeitraum | Version | Team-Tage | Besuche | Fälle nicht "
                   "eingeplant | abgelehnt | erstellt")
        for p in plans:
            last = p.start + timedelta(days=p.days - 1)
            typer.echo(f"{p.id} | {p.city} | {format_days(p.start, last)} | "
                       f"{version_words(p.id, versions, newest_of)} | {p.routes} | {p.visits}"
                       + (f", davon {done[p.id]} mit Ergebnis" if done.get(p.id) else "") + " | "
                       f"{p.unassigned} | {p.rejected} | {format_moment(p.created_at)}")

    @app.command("show")
    @user_errors
    def show_cmd(
        plan_id: PlanArgument,
        out: Annotated[Path, typer.Option("--out", help="Ausgabeordner.")] = ...,  # type: ignore[assignment]
        city: CityOption = None,
        osm: OsmOption = None,
        db: DbOption = None,
    ) -> None:
        """Dateien eines gespeicherten Plans erneut schreiben (Karten, Routenseiten, Bericht)."""
        from hausbesuch.commands._common import refuse_client_names
        from hausbesuch.pathnames import safe_file_part
        from hausbesuch.planfolder import check_plan_folder, plan_folder
        from hausbesuch.planning import show_plan, write_plan_files
        from hausbesuch.store import Store

        check_plan_folder(out)
        with Store.open(db, create=False) as store:
            profile = profile_for_plan(city, store.plan_city(plan_id),
                                       store.plan_profile(plan_id))
            refuse_client_names(store, profile.name, out, "--out",
                                f"plan-{safe_file_part(plan_id)}")
            result = show_plan(store, plan_id, profile, osm=osm)
            replaced_pages = refuse_pages_of_a_plan_in_force(
                store, out, result.plan.start, result.plan.days, own={plan_id})
            with write_errors(out, what="der Ordner des Plans"), \
                    plan_folder(out) as folder:
                write_plan_files(result, folder.path, profile)
                store.audit(_actor(), "plan_angezeigt", city=profile.name, plan_id=plan_id,
                            details={"ausgabe": "dateien", "ordner": str(out.resolve())})
                folder.commit(plan_id)
        typer.echo(f"Plan {plan_id} geschrieben: {(out / 'index.html').resolve()}")
        if replaced_pages:  # the pages of a plan still in force on other days
            typer.echo(replaced_pages)
        if result.plan.replaced:  # an older version: its files say so too
            typer.echo(f"Achtung: {result.plan.replaced}")
        # visits on past days nobody recorded an outcome of, as the index says (QA 36 #4)
        from hausbesuch.casework.stops import unreported_note

        if (unreported := unreported_note(result.plan)) is not None:
            typer.echo(f"Hinweis: {unreported}")

    @app.command("delete-plan")
    @user_errors
    def delete_plan_cmd(
        plan_id: PlanArgument,
        yes: Annotated[bool, typer.Option(
            "--yes", help="Ohne Rückfrage löschen.")] = False,
        db: DbOption = None,
    ) -> None:
        """Eine Version eines gespeicherten Plans löschen (z. B. eine ersetzte oder
        versehentlich erstellte), wenn die Fallarbeit nichts mehr von ihr braucht.

        Abgelehnt (Rückgabewert 2) wird die gültige Version eines Team-Tags mit offenen
        Besuchen (erst Ergebnisse erfassen oder neu planen), eine Version mit Besuchen,
        deren Ergebnisse erfasst sind, eine Version, mit der per Brief angekündigte Besuche
        abgesagt wurden, und eine Version mit gültigen Tageslinks ohne neuere Version.
        Spätere Versionen verweisen danach auf den Vorgänger der gelöschten. Ohne --yes
        wird vorher gefragt.
        """
        from hausbesuch.auditlog import copies_of
        from hausbesuch.casework import cli_actor
        from hausbesuch.store import Store
        from hausbesuch.versions import delete_plan_version

        with Store.open(db, create=False) as store:
            found = delete_plan_version(store, plan_id, actor=cli_actor(), dry_run=True)
            _echo_plan_deletion(found)
            if not yes and not _confirmed(f"Plan {plan_id} löschen?"):
                typer.echo("Nichts gelöscht.")
                raise typer.Exit(1)
            # checked again in the deleting transaction (something may have changed)
            done = delete_plan_version(store, plan_id, actor=cli_actor(), dry_run=False)
            copies = copies_of(store, done.city, [], [plan_id], every_team_day=True)
        typer.echo(f"Plan {plan_id} (Version {done.version}) gelöscht."
                   + (f" Vorgänger von Plan {', '.join(done.successors)} ist nun "
                      + (f"Plan {done.predecessor_id}." if done.predecessor_id
                         else "keiner.")
                      if done.successors else ""))
        # its files written before still hold names and addresses
        _echo_copies(copies, "delete-plan löscht sie nicht, sie enthalten Namen und "
                     "Anschriften")

    @app.command("replan")
    @user_errors
    @interruptible
    def replan_cmd(
        plan_id: PlanArgument,
        moment: Annotated[str, typer.Option(
            "--from", help="Ab wann neu planen, z. B. \"2026-12-08 11:30\"; alles davor "
            "bleibt.")] = ...,  # type: ignore[assignment]
        without_team: Annotated[list[str] | None, typer.Option(
            "--without-team", help="Team fällt für den Rest des Tages aus (mehrfach "
            "möglich).")] = None,
        with_team: Annotated[list[str] | None, typer.Option(
            "--with-team", help="Team, das eine frühere Neuplanung abgemeldet hat, ab --from "
            "wieder einplanen (mehrfach möglich).")] = None,
        out: Annotated[Path | None, typer.Option("--out", help="Ausgabeordner für die "
                                                 "Dateien der neuen Version.")] = None,
        time_limit: Annotated[float | None, typer.Option(
            "--time-limit", help="Rechenzeit in Sekunden (Standard: wie der Plan).")] = None,
        seed: Annotated[int | None, typer.Option(
            "--seed", help="Zufallsstartwert (Standard: wie der Plan).")] = None,
        threads: Annotated[int | None, typer.Option(
            "--threads", help="Parallele Suchprozesse (Standard: wie der Plan).")] = None,
        city: CityOption = None,
        osm: OsmOption = None,
        db: DbOption = None,
    ) -> None:
        """Rest eines Plans ab einem Zeitpunkt neu planen (neue Version; Besuche davor,
        erfasste Ergebnisse und Festlegungen bleiben)."""
        from hausbesuch import clock
        from hausbesuch.casework import cli_actor
        from hausbesuch.commands.plan import summary_lines
        from hausbesuch.fields import format_day, format_moment
        from hausbesuch.planfolder import check_plan_folder, plan_folder
        from hausbesuch.planning import replan, show_plan, write_plan_files
        from hausbesuch.store import Store

        at = parse_moment_option(moment, "--from")
        if at.date() < clock.today():
            # a warning, as `plan` warns of a first day gone: a replay from a past moment
            # (tests, simulations) is allowed, but it may move visits onto days over
            typer.echo(f"Warnung: --from: {format_moment(at)} liegt vor heute "
                       f"({format_day(clock.today())}). Besuche ab diesem Zeitpunkt werden "
                       "trotzdem neu verteilt, auch auf vergangene Tage; für eine Neuplanung "
                       f"ab jetzt --from \"{clock.now_on_today():%Y-%m-%d %H:%M}\" angeben.",
                       err=True)
        from hausbesuch.planning.options import time_limit_problem

        if time_limit is not None and (problem := time_limit_problem(time_limit)):
            raise UserError(problem)  # as plan's, before the plan is read
        if out is not None:
            check_plan_folder(out)
        replaced_pages = None
        with Store.open(db, create=False) as store:
            profile = profile_for_plan(city, store.plan_city(plan_id),
                                       store.plan_profile(plan_id))
            if out is not None:  # the folder of the plan replaced is written, not another's
                replaced_pages = refuse_pages_of_a_plan_in_force(
                    store, out, *store.plan_span(plan_id), own={plan_id})
                from hausbesuch.commands._common import refuse_client_names

                refuse_client_names(store, profile.name, out, "--out", f"plan-{plan_id}")
            result = replan(store, plan_id, profile, moment=at, actor=cli_actor(),
                            without_teams=without_team or (), with_teams=with_team or (),
                            time_limit=time_limit, osm=osm, threads=threads, seed=seed)
            target = out or Path(f"plan-{result.plan_id}")
            note_stored(f"die neue Version {result.plan_id} ist gespeichert, ihre Dateien "
                        f"nicht; „hausbesuch show {result.plan_id} --out {target}“ schreibt sie")
            with files_of_a_stored_plan(result.plan_id or "", target,
                                           store.url if db else None), \
                    plan_folder(target) as folder:
                # the files of the version as stored, as ``show`` writes them: the visits
                # kept and moved with what letters promised and when a time was agreed
                # („(Brief vom …)“, „am … an der Tür vereinbart“), which the solver's
                # result does not carry
                write_plan_files(show_plan(store, result.plan_id or "", profile, osm=osm),
                                 folder.path, profile)
                folder.commit(result.plan_id)
            note_stored(f"die neue Version {result.plan_id} ist gespeichert, ihre Dateien in "
                        f"{target}")
            audit_files(store, cli_actor(), profile.name, result.plan_id or "", target)
        typer.echo(f"Neue Version {result.plan.version} von Plan {plan_id}.")
        for line in summary_lines(result, result.plan_id or "", target):
            typer.echo(line)
        if replaced_pages:  # the pages of a plan still in force on other days
            typer.echo(replaced_pages)


def _echo_plan_deletion(d) -> None:  # noqa: ANN001 - hausbesuch.versions.PlanDeletion
    from datetime import timedelta

    last = d.start + timedelta(days=d.days - 1)
    typer.echo(f"Zu löschen: Plan {d.plan_id} ({d.city}, {format_days(d.start, last)}, "
               f"Version {d.version}, {count(d.visits, 'geplanter Besuch', 'geplante Besuche')})"
               + (f"; ersetzt durch {', '.join(d.successors)}" if d.successors else "") + ".")
    if d.links_moved:
        typer.echo(f"  {count(d.links_moved, 'Tageslink geht', 'Tageslinks gehen')} auf "
                   f"Plan {d.successors[0]} über.")
    if d.dropped:
        typer.echo(f"  {count(d.dropped, 'offener Besuch entfällt', 'offene Besuche entfallen')} "
                   "mit ihm; die Fälle bleiben offen und kommen in den nächsten Plan.")
    if d.released:
        typer.echo(f"  {count(d.released, 'ohne Brief abgesagter Besuch verliert', 'ohne Brief abgesagte Besuche verlieren')} "
                   "den Verweis auf diesen Plan.")


def _confirmed(question: str) -> bool:
    """A „ja“ (j, ja, y, yes) typed to ``question``; anything else, or no input, is no."""
    import click

    try:
        answer = typer.prompt(f"{question} (ja/nein)", default="nein", show_default=False)
    except click.exceptions.Abort:
        typer.echo("")
        return False
    return answer.strip().casefold() in ("j", "ja", "y", "yes")


def _actor() -> str:
    from hausbesuch.casework import cli_actor

    return cli_actor()
