"""A server whose own clock runs in another zone than Europe/Berlin, at a chosen moment.

:func:`server_clock` sets the process's zone (``TZ`` and :func:`time.tzset`, so the
machine's date and time are those of that zone) and lets :mod:`hausbesuch.clock` read a
machine clock standing at a fixed moment: its ``datetime.now()`` and ``date.today()`` are
that moment in the server's zone, ``datetime.now(zone)`` that moment in ``zone``. Code that
asks the machine's date directly (``date.today()`` elsewhere) is not moved, so a test at a
moment years away from the real one tells whether the code asks :mod:`hausbesuch.clock`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta, tzinfo
from datetime import time as dtime

import pytest

from hausbesuch import clock

#: Moments where the date in UTC and in Berlin differ (00:30 in Berlin, 23:30 or 22:30 UTC
#: the evening before), in winter (UTC+1) and in summer (UTC+2).
#: Years away from the real date, so that code asking the machine's date is caught.
WINTER = datetime.fromisoformat("2031-01-06T23:30:00+00:00")  # Berlin: Tue 07.01. 00:30
SUMMER = datetime.fromisoformat("2031-07-03T22:30:00+00:00")  # Berlin: Fri 04.07. 00:30


@contextmanager
def server_zone(zone: str) -> Iterator[None]:
    """The process (and so a live server in its thread) runs its clock in ``zone``."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = zone
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@contextmanager
def server_clock(monkeypatch: pytest.MonkeyPatch, moment: datetime,
                 zone: str = "Etc/UTC", exercise: bool = False) -> Iterator[None]:
    """:mod:`hausbesuch.clock` on a server in ``zone`` whose clock stands at ``moment``
    (with a zone); ``HAUSBESUCH_HEUTE`` unset, or with ``exercise`` left as the test sets
    it (an exercise's day then goes with the time of day of ``moment``)."""

    class _Datetime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> datetime:  # type: ignore[override]
            return moment.astimezone(tz) if tz else moment.astimezone().replace(tzinfo=None)

    class _Date(date):
        @classmethod
        def today(cls) -> date:  # type: ignore[override]
            return moment.astimezone().date()

    if not exercise:
        monkeypatch.delenv(clock.ENV, raising=False)
    with server_zone(zone), monkeypatch.context() as m:
        m.setattr(clock, "datetime", _Datetime)
        m.setattr(clock, "date", _Date)
        yield


def exercise_time_of_day(monkeypatch: pytest.MonkeyPatch, at: dtime,
                         never_back: bool = False) -> datetime:
    """In an exercise (``HAUSBESUCH_HEUTE`` as the test sets it), the server's wall clock
    (:func:`clock.now`) stands at ``at`` (Berlin) on the real date for the rest of the
    test, so that its "now" on the exercise's day (:func:`clock.now_on_today`: a visit time
    ahead of it is refused) does not depend on the time of day the test runs at. UTC
    (:func:`clock.utc`: session idle time, login tries) runs on: a session opened before
    does not end by the jump. Returns the moment (with zone).

    ``never_back``: when the real time of day is already past ``at`` (a run in the
    evening), the moment is ``at`` on the next real day, so that what the test set up
    before (an import's status row, stamped at the real time) does not lie after what it
    records now (the outcome-correction tests read such a row as a status set by hand
    after the outcome, and failed between 21:00 and midnight Berlin time). Not for a test
    that made a worker link before: the link's end is the real day's."""
    real = clock.now()
    moment = datetime.combine(real.date(), at, clock.ZONE)
    if never_back and moment.replace(tzinfo=None) < real:
        moment = datetime.combine(real.date() + timedelta(days=1), at, clock.ZONE)
    monkeypatch.setattr(clock, "now", lambda: moment.replace(tzinfo=None))
    return moment


@contextmanager
def same_moment(monkeypatch: pytest.MonkeyPatch, page, moment: datetime) -> Iterator[None]:  # noqa: ANN001
    """A normal working day at ``moment`` (with a zone) for a phone test: the phone's clock
    (the Playwright ``page``) and the server's (:func:`server_clock`) both stand at it,
    ``HAUSBESUCH_HEUTE`` unset. One moment for both, as in real use: a test that set the
    phone's clock on the team-day *and* ``HAUSBESUCH_HEUTE`` (an exercise, whose day the
    phone takes as today) moved the phone's day twice (review 23 #6)."""
    page.clock.set_fixed_time(moment.timestamp())
    with server_clock(monkeypatch, moment):
        yield
