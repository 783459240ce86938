"""The planning jobs the web app queues (``plan`` and ``replan``).

Both run the planning workflow of :mod:`hausbesuch.planning` over the store: ``plan``
plans the city's open backlog for a span, ``replan`` makes a new version of a plan from
the moment the job starts (or from the start of the span, when it lies ahead), keeping
visits with outcomes and every pin. The workflow stores a plan and its case visits in one
transaction, so a job that fails leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime, timedelta

from hausbesuch import clock
from hausbesuch.config import Profile, load_profile, profile_ref
from hausbesuch.errors import UserError
from hausbesuch.store import Store
from hausbesuch.web.jobs import Job, handler

log = logging.getLogger(__name__)


def profile_for(job: Job) -> Profile:
    """The city profile the job was queued with (short name or path), its map data
    checked (:func:`check_map_data`)."""
    profile = load_profile(job.params.get("profile"))
    if profile.name != job.city:
        raise UserError(f"Das Stadtprofil {profile_ref(profile)} gehört zu „{profile.name}“, "
                        f"nicht zu „{job.city}“.")
    check_map_data(profile, job)
    return profile


def check_map_data(profile: Profile, job: Job) -> None:
    """Refuse a job whose city's OSM extract is missing or unreadable on the server in
    words for the coordinator: the command line's message names the file's path and
    ``--osm``, which a web user can neither see nor give; the path goes to the server
    log only. A profile that downloads its extract is left to the planning (it names
    the download's reason)."""
    from geodata.errors import GeodataError
    from geodata.osm import check_extract
    from hausbesuch.config import resolve_data_file

    if not profile.osm.file:
        return
    found = resolve_data_file(profile, profile.osm.file)
    if found is None:
        if profile.osm.place:
            return
        log.warning("job %s: the OSM extract of %s is missing: %s", job.id, profile.name,
                    profile.osm.file)
        raise UserError(f"Die Kartendaten (OSM-Auszug) für {profile.name} fehlen auf dem "
                        "Server; bitte die Administration informieren.")
    try:
        check_extract(found)
    except GeodataError as exc:
        log.warning("job %s: the OSM extract of %s cannot be used: %s", job.id,
                    profile.name, exc)
        raise UserError(f"Die Kartendaten (OSM-Auszug) für {profile.name} sind auf dem "
                        "Server nicht lesbar; bitte die Administration informieren.") from None


def check_span(profile: Profile, start: date, days: int) -> None:
    """Refuse a span the planner would refuse, in the words of the form (its fields
    „Erster Tag“ and „Tage“), not of the command line's options."""
    from hausbesuch.fields import format_day
    from hausbesuch.planning.builder import Span
    from hausbesuch.planning.options import EARLIEST_START, LATEST_START, MAX_DAYS

    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"Tage: zwischen 1 und {MAX_DAYS}, erhalten {days}.")
    if not EARLIEST_START <= start <= LATEST_START:
        raise UserError(f"Erster Tag: {format_day(start)} liegt nicht zwischen "
                        f"{format_day(EARLIEST_START)} und {format_day(LATEST_START)}.")
    Span(start, days, profile.casework.calendar()).require_work_days(
        "Bitte „Erster Tag“ oder „Tage“ ändern.")


@handler("plan")
def plan_job(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    from hausbesuch.planning import PlanOptions
    from hausbesuch.planning.workflow import plan_span

    p = job.params
    profile = profile_for(job)
    start, days = date.fromisoformat(p["start"]), int(p["days"])
    check_span(profile, start, days)
    options = PlanOptions(start=start, days=days,
                          time_limit=float(p.get("time_limit", 30.0)), seed=1, threads=1)
    result = plan_span(store, profile, options, actor=job.created_by, progress=progress)
    return result.plan_id


def replan_moment(first_day: date, started: datetime | None = None) -> datetime:
    """The moment a web re-plan plans from: now (or ``started``, when its job began), or
    the plan's first day when it lies ahead. "Now" is the wall-clock time in Berlin, as
    the plan's times, whatever the server's zone, on the day taken as today
    (HAUSBESUCH_HEUTE in an exercise: the real date would re-plan the days the teams
    already worked); ``started`` (:func:`hausbesuch.clock.now`, a job's ``started_at``)
    is taken on that day too."""
    start = datetime.combine(first_day, datetime.min.time())
    now = (clock.now_on_today() if started is None
           else datetime.combine(clock.exercise_day() or started.date(), started.time()))
    return max(now.replace(second=0, microsecond=0), start)


def replan_words(store: Store, job: Job) -> str:
    """What a re-plan job's page says of its span: from when it plans anew and the
    plan's days, „Neuplanung ab Di, 08.12.2026, 02:20 Uhr (Plan vom Mo, 07.12.2026 bis
    Fr, 11.12.2026)“. The moment: that stored with the version it made, else that of the
    job's start (:func:`replan_job` plans from there); a job that still waits plans from
    when it starts, or from the plan's first day when that lies ahead. Before, the page
    said „Zeitraum ab Mo, 07.12.2026, 5 Tage“ of a re-plan from Tuesday night (QA 31)."""
    from hausbesuch.fields import format_days, format_moment
    from hausbesuch.versions import replanned_from

    p = job.params
    first = date.fromisoformat(p["start"])
    days = int(p.get("days") or 1)
    moment = replanned_from(store, job.plan_id) if job.plan_id and not job.plan_deleted \
        else None
    if moment is None and job.started_at is not None:
        moment = replan_moment(first, job.started_at)
    elif moment is None and job.active:  # waiting: from its start, or the first day ahead
        midnight = datetime.combine(first, datetime.min.time())
        moment = midnight if midnight > clock.now_on_today() else None
    last = first + timedelta(days=days - 1)
    span = f"Plan vom {format_days(first, last)}"
    since = (f" ab {format_moment(moment)}" if moment
             else " ab dem Start des Auftrags" if job.active else "")
    return f"Neuplanung{since} ({span})"


#: The command line's options in the workflow's messages and the web's words for them.
_CLI_OPTIONS = (("--without-team", "„Team abmelden“"), ("--with-team", "„Team wieder einplanen“"),
                 ("--from ", "Der Zeitpunkt "))


@handler("replan")
def replan_job(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    from hausbesuch.planning.workflow import replan

    p = job.params
    # from when the job began: its page says so (replan_words), also while it runs
    moment = replan_moment(date.fromisoformat(p["start"]), job.started_at)
    try:
        # a team out for the rest of the day, or one brought back (the plan page's form
        # checked them; a job that runs after midnight may find them changed)
        result = replan(store, p["plan_id"], profile_for(job), moment=moment,
                        actor=job.created_by, without_teams=p.get("without_teams") or (),
                        with_teams=p.get("with_teams") or (),
                        time_limit=float(p.get("time_limit", 30.0)), progress=progress)
    except UserError as exc:  # in the form's words, not the command line's
        text = str(exc)
        for option, field in _CLI_OPTIONS:
            text = text.replace(option, field)
        if text == str(exc):
            raise  # (a refusal that names cases keeps them, for the job's audit)
        raise UserError(text) from None
    return result.plan_id
