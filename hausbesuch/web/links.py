"""Worker links: one random token opens one team-day of one plan, until it expires.

The token has 256 random bits (43 URL-safe characters); the table keeps its SHA-256 and
its first :data:`PREFIX_LEN` characters (to name it when revoking; the rest stays secret).
A link is valid until the end of its day (23:59:59 in Europe/Berlin, :data:`clock.ZONE`)
unless another moment is given: after the start of its day and at most until the end of the
:data:`MAX_VALID_DAYS_AFTER`-th day after it, or of the next working day after it when that
is later (:func:`validity_range`). It opens no data before :func:`valid_from`
(00:00 of the calendar day before its team-day: the pair can look at tomorrow's route and
the phone can keep its offline copy the evening before; QA 28 F4: a link made days ahead
and forwarded showed the addresses at once). The start is derived from the team-day, not
stored. It can be revoked at any time and gives access to nothing but its team-day. Its end is wall-clock time in :data:`clock.ZONE`
without a zone, and it is compared with :func:`clock.now`, so a server whose clock runs in
UTC keeps a link neither longer nor shorter than it says.

A link is made for a team-day of a plan's newest version and follows its re-plans (the
worker page shows the newest version's route of that team-day). The versions of a plan
whose links show the same routes are its *family* (:func:`plan_family`); every version's
page lists the links of the whole family.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import quote

from fastapi import HTTPException
from sqlalchemy import select

from hausbesuch import clock
from hausbesuch.casework.rules import WorkCalendar
from hausbesuch.errors import UserError
from hausbesuch.fields import format_day, format_moment
from hausbesuch.store import PlanRow, RouteRow, Store, no_plan_message
from hausbesuch.versions import newest_version, replaced_by
from hausbesuch.web.models import WorkerLinkRow
from hausbesuch.web.security import OncePer, new_token, token_hash

PREFIX_LEN = 8
MIN_REVOKE_PREFIX = 6
#: A link may stay valid at most until the end of this many days after its team-day (a
#: Friday's link until Monday evening), so that outcomes recorded on the phone without
#: signal can still be sent; never longer.
MAX_VALID_DAYS_AFTER = 3
#: A link opens its team-day from 00:00 of this many calendar days before it (the evening
#: before, the team looks at its route and the phone loads its offline copy, ``sw.js``).
VALID_DAYS_BEFORE = 1


def valid_from(day: date) -> datetime:
    """The moment a link of ``day`` starts to open its team-day: 00:00 of the calendar day
    before (:data:`VALID_DAYS_BEFORE`), wall clock in :data:`clock.ZONE`."""
    return datetime.combine(day - timedelta(days=VALID_DAYS_BEFORE), time(0, 0))


def link_now() -> datetime:
    """The moment compared with a link's start (:func:`valid_from`): :func:`clock.now`, in
    an exercise (``HAUSBESUCH_HEUTE``) the real time of day on the exercise's day
    (:func:`clock.now_on_today`), so that an exercise's links open by the exercise's
    days. (Their end stays on the real clock: no exercise keeps a link longer.)"""
    return clock.now_on_today()


@dataclass(frozen=True)
class WorkerLink:
    token_hash: str
    prefix: str
    city: str
    plan_id: str
    team_id: str
    day: date
    valid_until: datetime
    created_by: str
    created_at: datetime
    revoked_at: datetime | None

    @property
    def valid_from(self) -> datetime:
        """When the link starts to open its team-day (:func:`valid_from`)."""
        return valid_from(self.day)

    @property
    def not_yet(self) -> bool:
        """Valid, but before its start (:func:`valid_from`): it opens no data yet."""
        return self.state == "gültig" and link_now() < self.valid_from

    @property
    def state(self) -> str:
        if self.revoked_at is not None:
            return "widerrufen"
        return "abgelaufen" if clock.now() > self.valid_until else "gültig"


def _link(r: WorkerLinkRow) -> WorkerLink:
    return WorkerLink(token_hash=r.token_hash, prefix=r.prefix, city=r.city, plan_id=r.plan_id,
                      team_id=r.team_id, day=r.day, valid_until=r.valid_until,
                      created_by=r.created_by, created_at=r.created_at, revoked_at=r.revoked_at)


def link_path(token: str) -> str:
    """The path a worker opens (trailing slash: the service worker's scope)."""
    return f"/w/{quote(token, safe='')}/"


def validity_range(day: date, calendar: WorkCalendar | None = None
                   ) -> tuple[datetime, datetime]:
    """(start, latest) of a link's end for ``day``: after the start of the day (00:00),
    at most the end of the :data:`MAX_VALID_DAYS_AFTER`-th day after it (23:59:59), or of
    the next working day after it in ``calendar`` (the plan's city) when that is later:
    after Heiligabend or Silvester (Thursday, a holiday, the weekend) the teams are back on
    Monday and send what their phones kept without signal (QA 40 F3); wall clock in
    :data:`clock.ZONE`."""
    return (datetime.combine(day, time(0, 0)),
            datetime.combine(_last_day(day, calendar), time(23, 59, 59)))


def _last_day(day: date, calendar: WorkCalendar | None) -> date:
    """The last day a link of ``day`` may last (:func:`validity_range`)."""
    last = day + timedelta(days=MAX_VALID_DAYS_AFTER)
    return last if calendar is None else max(last, calendar.add_working_days(day, 1))


def plan_calendar(store: Store, plan_id: str, city: str) -> WorkCalendar | None:
    """The working days of the profile a plan was made with (else the shipped profile of
    its ``city``); None when neither loads (the links then keep the days' rule alone)."""
    from hausbesuch.config import available_profiles, load_profile
    from hausbesuch.errors import ProfileError

    try:
        if (ref := store.plan_profile(plan_id)) is not None:
            return load_profile(ref).casework.calendar()
        for slug in available_profiles():
            if (profile := load_profile(slug)).name == city:
                return profile.casework.calendar()
    except (ProfileError, OSError):
        pass
    return None


def check_validity(day: date, until: datetime, *, option: str = "Gültig bis",
                   now: datetime | None = None, calendar: WorkCalendar | None = None) -> None:
    """Refuse an end of validity outside :func:`validity_range` or in the past (UserError
    naming ``option`` and the allowed range), and one with a time zone: links keep the wall
    clock of :data:`clock.ZONE` without zone (the form's field sends none), so a moment with an offset is refused
    rather than converted (the offset may not be the server's, and the coordinator sees
    the time as typed in the list of links)."""
    if until.tzinfo is not None:
        offset = until.strftime("%z")
        shown = f"UTC{offset[:3]}:{offset[3:5]}" if offset else str(until.tzinfo)
        raise UserError(f"{option}: {format_moment(until)} ist mit Zeitzone ({shown}) "
                        "angegeben; bitte Datum und Uhrzeit ohne Zeitzone angeben (Ortszeit, "
                        f"z. B. {day:%Y-%m-%d}T20:00).")
    start, latest = validity_range(day, calendar)
    # the days and times in the words of the links page („Mo, 14.12.2026, 23:59 Uhr“)
    later = latest.date() > day + timedelta(days=MAX_VALID_DAYS_AFTER)
    allowed = (f"erlaubt ist ein Zeitpunkt nach {format_moment(start)} bis spätestens "
               f"{format_moment(latest)} ("
               + ("Ende des nächsten Arbeitstags" if later
                  else f"Ende des {MAX_VALID_DAYS_AFTER}. Tages danach") + ")")
    if until <= start:
        raise UserError(f"{option}: {format_moment(until)} endet vor Beginn des Tages "
                        f"{format_day(day)}; {allowed}.")
    if until > latest:
        raise UserError(f"{option}: {format_moment(until)} liegt nach dem Ende des "
                        f"{MAX_VALID_DAYS_AFTER}. Tages und des nächsten Arbeitstags nach dem "
                        f"{format_day(day)}; {allowed}." if later else
                        f"{option}: {format_moment(until)} liegt mehr als "
                        f"{MAX_VALID_DAYS_AFTER} Tage nach dem {format_day(day)}; {allowed}.")
    if until <= (now or clock.now()):
        raise UserError(f"{option}: {format_moment(until)} liegt in der Vergangenheit.")


def create_link(store: Store, plan_id: str, team_id: str, day: date, *, actor: str,
                valid_until: datetime | None = None, option: str = "Gültig bis",
                now: datetime | None = None) -> tuple[str, WorkerLink]:
    """Make a link for a team-day of a plan; returns (token, link). The token is shown once.

    Refused (UserError) for a plan a re-plan has replaced (the message names the newest
    version: links are made there), for a team-day the plan does not have and for an end
    of validity outside :func:`validity_range` or in the past (``option`` names the field
    in the message; ``now`` is the moment of that check, by default :func:`clock.now`).
    """
    with store.session() as s:
        plan = s.get(PlanRow, plan_id)
        if plan is None:
            raise UserError(no_plan_message(plan_id, hint=False))
    if reason := replaced_by(store, plan_id, "Tageslinks bitte für Plan {newest} erzeugen "
                             "(sie folgen auch späteren Neuplanungen)."):
        raise UserError(reason)
    calendar = plan_calendar(store, plan_id, plan.city)
    with store.session() as s:
        route = s.scalars(select(RouteRow.seq).where(
            RouteRow.plan_id == plan_id, RouteRow.team_id == team_id, RouteRow.day == day)).first()
        if route is None:
            raise UserError(f"Plan {plan_id} hat keine Route für Team „{team_id}“ am "
                            f"{format_day(day)}.")
        until = valid_until or datetime.combine(day, time(23, 59, 59))
        check_validity(day, until, option=option, now=now, calendar=calendar)
        token = new_token(32)
        row = WorkerLinkRow(token_hash=token_hash(token), prefix=token[:PREFIX_LEN],
                            city=plan.city, plan_id=plan_id, team_id=team_id, day=day,
                            valid_until=until, created_by=actor, created_at=clock.now())
        s.add(row)
        s.flush()
        return token, _link(row)


def revoke(store: Store, prefix: str, *, actor: str, city: str | None = None,
           plan_ids: set[str] | None = None, find_only: bool = False) -> WorkerLink:
    """Revoke the one link whose token starts with ``prefix`` (at least 6 characters),
    only among the links of ``city`` and of the plan versions ``plan_ids`` when given.
    ``find_only``: the link that would be revoked, nothing changed (the web's
    confirmation step names it; the same refusals)."""
    prefix = prefix.strip()
    if len(prefix) < MIN_REVOKE_PREFIX:
        raise UserError(f"Bitte mindestens {MIN_REVOKE_PREFIX} Zeichen des Links angeben.")
    with store.session() as s:
        q = select(WorkerLinkRow).where(
            WorkerLinkRow.prefix.startswith(prefix[:PREFIX_LEN], autoescape=True))
        if city is not None:
            q = q.where(WorkerLinkRow.city == city)
        if plan_ids is not None:
            q = q.where(WorkerLinkRow.plan_id.in_(plan_ids))
        rows = [r for r in s.scalars(q) if r.prefix.startswith(prefix[:PREFIX_LEN])]
        if not rows:
            where = " dieses Plans" if plan_ids is not None else ""
            raise UserError(f"Kein Link{where} beginnt mit „{prefix}“.")
        if len(rows) > 1:
            raise UserError(f"Mehrere Links beginnen mit „{prefix}“: bitte mehr Zeichen angeben.")
        row = rows[0]
        if row.revoked_at is None and not find_only:
            row.revoked_at, row.revoked_by = clock.now(), actor
        return _link(row)


def plan_family(store: Store, plan_id: str) -> set[str]:
    """The versions whose links show the same routes as links of ``plan_id`` would: the
    newest re-plan of ``plan_id`` and each earlier version whose newest re-plan it is."""
    newest = newest_version(store, plan_id)
    earlier: list[str] = []
    with store.session() as s:
        current = s.scalar(select(PlanRow.predecessor_id).where(PlanRow.id == newest))
        while current is not None and current != newest and current not in earlier:
            earlier.append(current)
            current = s.scalar(select(PlanRow.predecessor_id).where(PlanRow.id == current))
    # an earlier version re-planned twice follows its newer branch, not this one
    return {newest} | {p for p in earlier if newest_version(store, p) == newest}


def links_of_plan(store: Store, plan_id: str) -> list[WorkerLink]:
    """The links of ``plan_id``'s family (:func:`plan_family`): made on this version or on
    another one, they all show the routes of the newest version."""
    family = plan_family(store, plan_id)
    with store.session() as s:
        rows = s.scalars(select(WorkerLinkRow).where(WorkerLinkRow.plan_id.in_(family))
                         .order_by(WorkerLinkRow.day, WorkerLinkRow.team_id,
                                   WorkerLinkRow.created_at))
        return [_link(r) for r in rows]


#: The listed state of a valid link whose team-day the newest version no longer has.
NO_ROUTE = "Team-Tag nicht mehr im Plan"


def listed_states(store: Store, plan_id: str, links: list[WorkerLink]) -> dict[str, str]:
    """The state to list per link prefix: :attr:`WorkerLink.state`, or :data:`NO_ROUTE`
    when a valid link's team-day has no route in the newest version (opening it says the
    day plan is gone; a later re-plan that plans the team-day again brings it back)."""
    newest = newest_version(store, plan_id)
    with store.session() as s:
        routes = {(team, day) for team, day in s.execute(
            select(RouteRow.team_id, RouteRow.day).where(RouteRow.plan_id == newest))}
    return {k.prefix: NO_ROUTE if k.state == "gültig" and (k.team_id, k.day) not in routes
            else f"gültig ab {format_moment(k.valid_from)}" if k.not_yet
            else k.state for k in links}


def resolve(store: Store, token: str) -> WorkerLink:
    """The link of ``token``: 404 when unknown, 410 when revoked or expired, 403 before its
    start (:func:`valid_from`; audited as a refused use, reason ``noch_nicht_gueltig``).

    403, not 404/410: the link is not gone (the phone's service worker deletes its copy
    and unregisters on 404/410, and the page lists outcomes not sent as lost), and not 425
    (that is TLS early data, which clients may retry by themselves) or 409 (a conflict of
    the request with the resource's state, which the client could resolve). The service
    worker keeps only a 200 as the day's page, so the refusal is never cached."""
    if not token or len(token) > 100:
        raise HTTPException(status_code=404, detail="Link unbekannt.")
    with store.session() as s:
        row = s.get(WorkerLinkRow, token_hash(token))
        if row is None:
            raise HTTPException(status_code=404, detail="Link unbekannt.")
        link = _link(row)
    why = ("widerrufen" if link.revoked_at is not None
           else "abgelaufen" if clock.now() > link.valid_until else None)
    if why is not None:
        _audit_refused(store, link, why)
        raise HTTPException(status_code=410, detail=_GONE[why])
    if link_now() < link.valid_from:
        _audit_refused(store, link, "noch_nicht_gueltig")
        raise HTTPException(status_code=403, detail=not_yet_message(link))
    return link


def not_yet_message(link: WorkerLink) -> str:
    """What the link's page says before its start: from when it works, nothing of the
    team-day but its date."""
    return (f"Dieser Link gilt ab {format_moment(link.valid_from)} (am Tag vor dem Einsatz "
            f"am {format_day(link.day)}). Vorher zeigt er keine Daten; bitte dann noch einmal "
            "öffnen.")


#: What a page says of a link that is gone, by the reason the audit row gives.
#: (Both say the way on, as the phone's own notices do: QA 28 field F14.)
_GONE = {"widerrufen": "Dieser Link wurde widerrufen. Bitte bei der Koordination einen neuen "
                       "Link anfordern.",
         "abgelaufen": "Dieser Link ist abgelaufen. Bitte bei der Koordination einen neuen "
                       "Link anfordern."}


#: A refused use of the same link is audited at most once in this time (a phone retrying
#: its queue must not fill the log).
REFUSED_AUDIT_EVERY = timedelta(minutes=10)
_refused_audited = OncePer(REFUSED_AUDIT_EVERY)


def _audit_refused(store: Store, link: WorkerLink, why: str) -> None:
    """Audit the use of a revoked or expired link, or of one before its start (a lost
    phone still in use, a forwarded link opened early, is what a coordinator must see), at
    most once per link and reason in :data:`REFUSED_AUDIT_EVERY`."""
    if _refused_audited.take((link.token_hash, why)) is None:
        return
    store.audit(f"link:{link.prefix}", "worker_link_refused", city=link.city,
                plan_id=link.plan_id, details={"team": link.team_id,
                                               "day": link.day.isoformat(), "grund": why})
