"""What day it is for casework facts ("an outcome cannot lie after today").

Everything that checks a date against today asks :func:`today`. It is the date in
:data:`ZONE` (``now().date()``), unless ``HAUSBESUCH_HEUTE`` (an ISO date) says otherwise:
for exercises on a copy of the database and for simulations that replay weeks, never
needed in normal work. Expiry of logins and worker links always uses the real clock.

Times of plans, visits and worker links are wall-clock times in :data:`ZONE` without a
zone attached; :func:`now` is the real clock's moment in that zone, whatever zone the
server's own clock runs in (servers and containers often run in UTC). Every time the store
keeps as a record (audit log, status history, outcomes, plans, letters, jobs, links,
accounts) is :func:`now` too, so that the log says when something happened in German time
and its date filters cut at German midnight. Only the web server's own bookkeeping that
measures durations (sessions, login tries, job heartbeats) uses :func:`utc`, which no
change of the clocks in spring or autumn moves.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hausbesuch.errors import UserError

#: The environment variable that sets the day taken as today (``2027-01-15``).
ENV = "HAUSBESUCH_HEUTE"
#: The zone of every time of a plan, a visit and a worker link (the Jobcenters' clock).
ZONE = ZoneInfo("Europe/Berlin")


def now() -> datetime:
    """The real clock's moment as wall-clock time in :data:`ZONE`, without a zone (as
    plans and links store their times); not moved by ``HAUSBESUCH_HEUTE``."""
    return datetime.now(ZONE).replace(tzinfo=None)


def utc() -> datetime:
    """The real clock's moment in UTC, without a zone: for stored moments that only serve
    to measure how long ago something was (session idle time, login tries, a job's
    heartbeat). A wall clock jumps by an hour twice a year; UTC does not."""
    return datetime.now(UTC).replace(tzinfo=None)


def today() -> date:
    """The day taken as today: ``HAUSBESUCH_HEUTE`` if set, else the date in :data:`ZONE`
    (``now().date()``, not the server's own date: on a server in UTC the German day begins
    one or two hours earlier)."""
    text = os.environ.get(ENV, "").strip()
    if not text:
        return now().date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(f"{ENV}={text!r} ist kein Datum (erwartet JJJJ-MM-TT, "
                        "z. B. 2027-01-15).") from None


def exercise_day() -> date | None:
    """The day ``HAUSBESUCH_HEUTE`` sets (an exercise: a day that stays as it is while the
    real clock goes on), or ``None`` when it is not set (today is the real date)."""
    return today() if os.environ.get(ENV, "").strip() else None


def now_on_today() -> datetime:
    """:func:`now` on the day taken as today (:func:`today`): the real clock's time of day
    on the ``HAUSBESUCH_HEUTE`` day when that is set, else simply :func:`now`. For a moment
    "from now" that must follow the exercise's day (the web's *Neu planen*)."""
    current = now()
    return datetime.combine(today(), current.time())


def past_start(first: date, label: str = "Erster Tag") -> str | None:
    """Why a span beginning on ``first`` lies in the past (before :func:`today`; today
    itself is fine), in the words of the plan form (``label``: how the form or the option
    names the first day); ``None`` when it does not."""
    from hausbesuch.fields import format_day  # (fields imports this module)

    current = today()
    if first >= current:
        return None
    return (f"{label}: {format_day(first)} liegt in der Vergangenheit (heute ist "
            f"{format_day(current)}).")
