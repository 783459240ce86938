"""Dates and moments typed into the web's forms, read by the parsers of the command line
(:mod:`hausbesuch.fields`): a date picker sends ISO (``2026-12-31``), a browser without
one, or a pasted value, what was typed (``31.12.2026``, ``31.12.26``, ``Do, 31.12.2026``).
Each refusal is a :class:`UserError` naming the field and the form expected."""

from __future__ import annotations

from datetime import date, datetime

from hausbesuch.errors import UserError
from hausbesuch.fields import FieldError, parse_datetime, parse_day
from hausbesuch.web.app import ECHO_SHORT, echo


def form_date(text: str, what: str) -> date:
    """The day typed into the field ``what`` (its German label), as ``--start`` reads it
    (:func:`hausbesuch.fields.parse_day`: a month alone or a clock time is refused)."""
    raw = text.strip()
    if len(raw) > ECHO_SHORT:  # no date is that long: the message echoes it cut
        raise UserError(f"{what}: kein lesbares Datum: „{echo(raw)}“ (erwartet z. B. "
                        "31.12.2026).")
    try:
        return parse_day(raw)
    except FieldError as exc:
        raise UserError(f"{what}: {exc}.") from None


def form_moment(text: str, what: str) -> datetime:
    """The date and time typed into the field ``what``: ``31.12.2026 20:00`` as
    ``replan --from`` reads it, or ISO as a ``datetime-local`` field sends it (also with
    a zone, which the caller refuses naming it)."""
    raw = text.strip()
    try:
        return parse_datetime(raw)
    except FieldError as exc:
        try:
            return datetime.fromisoformat(raw)
        except ValueError:
            pass
        if len(raw) > ECHO_SHORT:
            raise UserError(f"{what}: kein Zeitpunkt: „{echo(raw)}“ (erwartet z. B. "
                            "31.12.2026 20:00).") from None
        raise UserError(f"{what}: {exc}.") from None
