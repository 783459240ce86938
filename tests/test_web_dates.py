"""Dates typed into the web's forms are read as the command line reads them: German
(``31.12.2026``, ``31.12.26``, with a fitting weekday) as well as the ISO a date picker
sends. Before, the plan form's *Erster Tag*, the link form's *Gültig bis*, the phone's
appointment and the absence form took ISO only and called a German date „kein Datum“
(QA 15a F8). A refusal names the field and the form expected."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime, time, timedelta

import httpx
import pytest
from sqlalchemy import select

from hausbesuch.fields import WEEKDAYS_DE, format_day
from tests.test_web import (  # noqa: F401 - site: the fixture
    CITY,
    _current_plan,
    _make_link,
    _phone_on_a_stop_without_outcome,
    site,
)
from tests.web_fixtures import WEEK, Site, bare_app, csrf_of, live_server, logged_in, sqlite_only

LONG_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _alert(text: str) -> str:
    m = re.search(r'<p class="error" role="alert">(.*?)</p>', text, re.S)
    assert m, text[-800:]
    return html.unescape(m.group(1))


@pytest.fixture(scope="module")
def bare(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """An app without plan and without a job runner (a started plan job stays queued):
    its URL and store."""
    app = bare_app(tmp_path_factory.mktemp("web-dates"))
    with live_server(app) as live:
        yield live.url, app.state.web.store


@pytest.fixture
def bare_kora(bare: tuple[str, object]) -> Iterator[httpx.Client]:
    with logged_in(bare[0], "kora") as c:
        yield c


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def test_plan_form_reads_a_german_first_day(bare: tuple[str, object],
                                            bare_kora: httpx.Client) -> None:
    from hausbesuch.web import jobs

    _, store = bare
    csrf = csrf_of(bare_kora.get("/plaene").text)
    monday = WEEK + timedelta(weeks=1)
    for typed in (f"{monday:%d.%m.%Y}", f"{monday:%d.%m.%y}", f" Mo, {monday:%d.%m.%Y} ",
                  f"{monday:%Y-%m-%d}"):
        r = bare_kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY,
                                                "start": typed, "tage": "3"})
        assert r.status_code == 303, (typed, _alert(r.text))
        job = jobs.get(store, r.headers["location"].rsplit("/", 1)[1])
        assert (job.params["start"], job.params["days"]) == (monday.isoformat(), 3), typed


def test_plan_form_names_what_is_wrong_with_a_typed_first_day(
        bare: tuple[str, object], bare_kora: httpx.Client) -> None:
    from hausbesuch.web import jobs

    _, store = bare
    csrf = csrf_of(bare_kora.get("/plaene").text)
    before = [j.id for j in jobs.recent(store, CITY)]
    monday = WEEK + timedelta(weeks=1)
    for typed, says in (
            (f"Di, {monday:%d.%m.%Y}",
             f"Erster Tag: „Di“ passt nicht zu {monday:%d.%m.%Y} (Montag)."),
            (f"{monday:%m.%Y}", f"Erster Tag: „{monday:%m.%Y}“ ist ein Monat, kein Tag: bitte "
                                f"einen Tag angeben, z. B. 01.{monday:%m.%Y}."),
            (f"{monday:%d.%m.%Y} 10:00", f"Erster Tag: „{monday:%d.%m.%Y} 10:00“ hat eine "
                                         f"Uhrzeit: bitte einen Tag angeben, z. B. "
                                         f"{monday:%d.%m.%Y}."),
            ("31/12/2026", "Erster Tag: kein lesbares Datum: „31/12/2026“ (erwartet z. B. "
                           "07.12.2026)."),
            ("31.02.2027", "Erster Tag: kein gültiges Datum: „31.02.2027“ "
             "(erwartet z. B. 07.12.2026).")):
        r = bare_kora.post("/plaene/neu", data={"csrf_token": csrf, "stadt": CITY,
                                                "start": typed, "tage": "3"})
        assert r.status_code == 400, typed
        assert _alert(r.text) == says
        assert f'name="start" value="{html.escape(typed)}"' in r.text  # kept for a correction
    assert [j.id for j in jobs.recent(store, CITY)] == before


def test_absence_form_reads_german_days(bare: tuple[str, object],
                                        bare_kora: httpx.Client) -> None:
    from hausbesuch import absences

    _, store = bare
    csrf = csrf_of(bare_kora.get("/teams").text)
    first = WEEK + timedelta(weeks=10)  # a Monday
    r = bare_kora.post("/teams/abwesenheit", data={
        "csrf_token": csrf, "team": "team-1", "von": f"Mo {first:%d.%m.%y}",
        "bis": f"{first + timedelta(days=1):%d.%m.%Y}"})
    assert r.status_code == 303, _alert(r.text)
    assert absences.listed(store, CITY, first, first + timedelta(days=6)) == [
        ("team-1", first), ("team-1", first + timedelta(days=1))]
    r = bare_kora.post("/teams/abwesenheit", data={
        "csrf_token": csrf, "team": "team-1", "von": f"Fr {first:%d.%m.%Y}"})
    assert r.status_code == 400
    assert _alert(r.text).startswith(
        f"Abwesenheit: Von: „Fr“ passt nicht zu {first:%d.%m.%Y} (Montag). ")


# a link's end on both:
# test_web.py::test_link_validity_lies_between_the_start_of_its_day_and_a_few_days_after
@sqlite_only()
def test_link_form_reads_a_german_end_of_validity(site: Site, kora: httpx.Client  # noqa: F811
                                                  ) -> None:
    from hausbesuch.versions import newest_version
    from hausbesuch.web.models import WorkerLinkRow

    plan_id = newest_version(site.store, site.plan_id)
    page = kora.get(f"/plaene/{plan_id}/links").text
    ziel = html.unescape(re.search(r'<select name="ziel"><option value="([^"]+)"',
                                   page).group(1))
    day = datetime.strptime(ziel.split("|")[1], "%Y-%m-%d").date()
    for typed, until in ((f"{day:%d.%m.%Y} 20:00", time(20, 0)),
                         (f"{WEEKDAYS_DE[day.weekday()]}, {day:%d.%m.%y} 19.30 Uhr",
                          time(19, 30))):
        r = kora.post(f"/plaene/{plan_id}/links", data={
            "csrf_token": csrf_of(page), "ziel": ziel, "gueltig_bis": typed})
        assert r.status_code == 303, (typed, _alert(r.text))
        with site.store.session() as s:
            ends = set(s.scalars(select(WorkerLinkRow.valid_until).where(
                WorkerLinkRow.plan_id == plan_id, WorkerLinkRow.day == day)))
        assert datetime.combine(day, until) in ends, typed
    r = kora.post(f"/plaene/{plan_id}/links", data={
        "csrf_token": csrf_of(page), "ziel": ziel, "gueltig_bis": f"{day:%d.%m.%Y}, abends"})
    assert r.status_code == 400
    assert _alert(r.text) == (f"Gültig bis: kein Zeitpunkt: „{day:%d.%m.%Y}, abends“ (erwartet "
                              "z. B. 08.12.2026 11:30 oder 2026-12-08 11:30).")


# storing an appointment on both (its correction finds the plan's old visit by the
# stored appointment_at):
# test_web_outcome_fix.py::test_a_corrected_appointment_names_the_visit_still_planned_at_the_old_one
@sqlite_only()
def test_phone_reads_a_german_appointment_day(site: Site,  # noqa: F811
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch.store import OutcomeRow

    _route, stop, token, link, csrf = _phone_on_a_stop_without_outcome(site, monkeypatch)
    hdr = {"X-CSRF-Token": csrf, "Accept": "application/json"}
    when = link.day + timedelta(days=7)  # the same weekday a week later: a working day
    data = {"kundennummer": stop.client_id, "ergebnis": "termin_vereinbart",
            "zeit": f"{link.day}T10:15", "schluessel": "german-day", "termin_zeit": "10:00"}

    def send(day_text: str) -> httpx.Response:
        return httpx.post(site.url + f"/w/{token}/ergebnis", headers=hdr,
                          data={**data, "termin_datum": day_text})

    wrong = WEEKDAYS_DE[(when.weekday() + 1) % 7]
    for typed, says in (
            (f"{when:%d/%m/%Y}", f"Termin am: kein lesbares Datum: „{when:%d/%m/%Y}“ "
                                 "(erwartet z. B. 07.12.2026)."),
            (f"{wrong} {when:%d.%m.%Y}", f"Termin am: „{wrong}“ passt nicht zu "
                                         f"{when:%d.%m.%Y} ({LONG_DAYS[when.weekday()]}).")):
        r = send(typed)
        assert r.status_code == 400, r.text
        assert r.json() == {"fehler": says, "feld": "termin"}
    r = send(f"{when:%d.%m.%y}")  # the answer names the appointment as stored (QA 27)
    assert {k: v for k, v in r.json().items() if not k.startswith("aendern_")} == {
        "ok": True, "doppelt": False, "termin": f"{format_day(when)}, 10:00 Uhr"}, r.text
    with site.store.session() as s:
        (row,) = s.scalars(select(OutcomeRow).where(OutcomeRow.client_id == stop.client_id,
                                                    OutcomeRow.day == link.day)).all()
    assert row.appointment_at == datetime.combine(when, time(10, 0))
