"""The planning jobs the web app queues (``plan`` and ``replan``).

Both run the planning workflow of :mod:`hausbesuch.planning` over the store: ``plan``
plans the city's open backlog for a span, ``replan`` makes a new version of a plan from
the moment the job runs (or from the start of the span, when it lies ahead), keeping
visits with outcomes and every pin. The workflow stores a plan and its case visits in one
transaction, so a job that fails leaves nothing half-written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date, datetime

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
    from hausbesuch.planning.builder import Span, fmt_date
    from hausbesuch.planning.options import EARLIEST_START, LATEST_START, MAX_DAYS

    if not 1 <= days <= MAX_DAYS:
        raise UserError(f"Tage: zwischen 1 und {MAX_DAYS}, erhalten {days}.")
    if not EARLIEST_START <= start <= LATEST_START:
        raise UserError(f"Erster Tag: {fmt_date(start)} liegt nicht zwischen "
                        f"{fmt_date(EARLIEST_START)} und {fmt_date(LATEST_START)}.")
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


def replan_moment(first_day: date) -> datetime:
    """The moment a web re-plan plans from: now, or the plan's first day when it lies
    ahead. "Now" is the wall-clock time in Berlin, as the plan's times, whatever the
    server's zone, on the day taken as today (HAUSBESUCH_HEUTE in an exercise: the real
    date would re-plan the days the teams already worked)."""
    start = datetime.combine(first_day, datetime.min.time())
    return max(clock.now_on_today().replace(second=0, microsecond=0), start)


#: The command line's options in the workflow's messages and the web's words for them.
_CLI_OPTIONS = (("--without-team", "„Team abmelden“"), ("--with-team", "„Team wieder einplanen“"),
                 ("--from ", "Der Zeitpunkt "))


@handler("replan")
def replan_job(store: Store, job: Job, progress: Callable[[str, float], None]) -> str:
    from hausbesuch.planning.workflow import replan

    p = job.params
    moment = replan_moment(date.fromisoformat(p["start"]))
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
