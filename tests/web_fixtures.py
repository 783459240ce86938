"""A planned Bad Hersfeld week for the web tests, and a live server on loopback.

The client list has 40 rows at real address points of the extract; every client field of
some rows carries an XSS payload (the name, the note, the language, the time window, the
id itself), and two addresses do not exist (so the address page has rows). Names start
with :data:`NAME_MARK`: no response to a worker link, and no page at all, may contain one.

The planned week is not a fixed date: worker links are valid only from the start of their
team-day and never in the past, and the command line and the link form use the clock, so
the week is derived from today (:func:`planning_week`, :data:`WEEK`); tests derive every
other day from :data:`WEEK`.
"""

from __future__ import annotations

import csv
import os
import random
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from hausbesuch import clock

#: Tests only: plan the fixture's week as if today were this ISO day (not before the real
#: today), e.g. ``HAUSBESUCH_TEST_TODAY=2031-06-02`` to show that no test depends on the
#: day it runs on. The application never reads it.
TODAY_OVERRIDE = "HAUSBESUCH_TEST_TODAY"


def planning_week(today: date | None = None, *, land: str = "HE", weeks: int = 4) -> date:
    """The Monday of the web tests' planned week: the first Monday at least 7 days after
    ``today`` (default: the clock, or :data:`TODAY_OVERRIDE`) such that that week and the
    ``weeks - 1`` weeks after it have no public holiday on a weekday in ``land`` (Bad
    Hersfeld lies in Hessen), by the project's own :class:`WorkCalendar`.

    So the week and the days the tests plan after it (up to three weeks later) always
    lie ahead, links for them can be made with the clock, and every week has 5 working
    days (a Saturday of them is a Saturday, a Monday a working day).
    """
    from hausbesuch.casework.rules import WorkCalendar

    real = clock.now().date()  # the real date in Berlin, as links are checked against
    if today is None:
        forced = os.environ.get(TODAY_OVERRIDE, "").strip()
        today = date.fromisoformat(forced) if forced else real
        if today < real:
            raise ValueError(f"{TODAY_OVERRIDE}={forced} lies before today ({real}): the "
                             "week must lie ahead, links are never in the past")
    calendar = WorkCalendar(land)
    monday = today + timedelta(days=7 + (7 - today.weekday()) % 7)
    while any(calendar.is_holiday(monday + timedelta(weeks=w, days=d))
              for w in range(weeks) for d in range(5)):
        monday += timedelta(weeks=1)
    return monday


WEEK = planning_week()  # a Monday, at least a week ahead
START_ISO = WEEK.isoformat()
NAME_MARK = "Geheimname"
XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=1">'
CITY_PROFILE = "bad-hersfeld"
PASSWORD = "richtig-langes-passwort"

HEADER = ["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort", "Kontaktabbruch seit",
          "Sprache", "Zeitfenster", "Angekündigt ab", "Besuchsdauer", "Notiz"]


def write_web_client_list(path: Path, index, n: int = 40, seed: int = 5) -> list[str]:  # noqa: ANN001
    """Write the list; returns the names (which must never leave the database)."""
    from hausbesuch.demo import real_addresses

    rng = random.Random(seed)
    addrs = rng.sample(real_addresses(index), n)
    rows, names = [], []
    for i, (street, hn, pc, town) in enumerate(addrs):
        name = f"{NAME_MARK} {chr(65 + i % 26)}{i:03d}"
        if i % 10 == 3:
            name += XSS
        names.append(name)
        rows.append([f"W{i:03d}", name, street, hn, pc, town or "Bad Hersfeld",
                     f"{1 + i % 27:02d}.{1 + i % 12:02d}.2024", "", "", "", "30",
                     "Hund im Haus" if i % 4 == 0 else ""])
    rows[5][11] = XSS + " Bitte klingeln"  # note (planned, shown as text)
    rows[6][0] = 'X<img src=x onerror="window.__xss=1">'  # the id itself
    rows[7][7] = XSS  # language no team speaks: unassigned with a reason
    rows[8][8] = XSS  # unreadable window: rejected with a reason
    rows[9][2], rows[9][3] = "Gibtesnichtweg" + XSS, "3"  # unknown address
    rows[10][2], rows[10][3] = "Zzyzx-Allee", "12"  # unknown address
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerows(rows)
    return names


def sqlite_only(fixture: str = "site") -> pytest.MarkDecorator:
    """Run a test on the SQLite variant of ``fixture`` only (a fixture parametrized over
    ``sqlite`` and ``postgresql``, e.g. ``site``): ``@sqlite_only()`` on the test.

    For tests whose subject does not depend on the store: a page's layout at 390 px, what
    a page says, the phone page's script offline and from its copy, refusals before the
    store. Their PostgreSQL run only took time. Tests of the store's behaviour (writes
    and what they leave, transactions, locks, races, uniqueness, sessions and lockouts
    kept, audit rows, jobs) keep both backends. Where a test on SQLite only writes too,
    a comment at its mark names the test of the same write that runs on both. The
    test's id stays ``[sqlite]``; the fixture's instance is shared with the module's
    other tests on SQLite.
    """
    return pytest.mark.parametrize(fixture, ["sqlite"], indirect=True)


@dataclass
class LiveServer:
    url: str
    app: object
    server: object
    thread: threading.Thread


def bare_app(folder: Path, url: str | None = None, **options):  # noqa: ANN003, ANN201
    """An app over a new SQLite database in ``folder`` (or the empty database of ``url``)
    for Bad Hersfeld, with no job runner and no plan, and the account ``kora``
    (:data:`PASSWORD`); ``options`` go to :func:`hausbesuch.web.app.create_app`."""
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    app = create_app(url or f"sqlite:///{folder / 'bare.sqlite'}", cities=[CITY_PROFILE],
                     run_jobs=False, **options)
    add_user(app.state.web.store, "kora", PASSWORD, role="koordination",
             city="Bad Hersfeld")
    return app


@contextmanager
def live_server(app) -> Iterator[LiveServer]:  # noqa: ANN001
    """Serve ``app`` with uvicorn on 127.0.0.1 (a free port) in a thread."""
    import socket

    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on", server_header=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    try:
        yield LiveServer(f"http://127.0.0.1:{port}", app, server, thread)
    finally:
        server.should_exit = True
        thread.join(15)


@dataclass
class Site:
    """A running web app over a database with a planned week of Bad Hersfeld."""

    kind: str  # sqlite | postgresql
    url: str
    app: object
    store: object
    plan_id: str
    names: list[str]
    clients_csv: Path
    tmp: Path
    db_cli: str  # the database URL as the command line takes it


def log_in_page(page, url: str, name: str = "kora") -> None:  # noqa: ANN001
    """Log ``name`` in through the login form of the app at ``url`` in a Chromium page
    (Playwright) and wait for the plans page it lands on."""
    page.goto(url + "/anmelden")
    page.fill("input[name=name]", name)
    page.fill("input[name=passwort]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/plaene")


def page_text(body: str) -> str:
    """A page's HTML as the text it shows: tags out, entities read, white space as one."""
    import html
    import re

    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


@contextmanager
def coordinator_on_phone(url: str, name: str = "kora") -> Iterator[object]:
    """A Chromium page at phone size (:func:`tests.browser.phone_page`) with ``name``
    logged in to the app at ``url`` (:func:`log_in_page`), in a context of
    :func:`tests.browser.shared_browser` that closes after."""
    from tests.browser import phone_page, shared_browser

    with shared_browser() as browser:
        page, _rec = phone_page(browser)
        log_in_page(page, url, name)
        yield page


def login(client, name: str, password: str = PASSWORD):  # noqa: ANN001, ANN201
    """Log ``client`` (httpx) in; returns the login POST response."""
    import re

    page = client.get("/anmelden")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/anmelden", data={"name": name, "passwort": password,
                                           "csrf_token": token})


@contextmanager
def logged_in(url: str, name: str) -> Iterator:
    """An httpx client of the app at ``url`` (redirects not followed), logged in as
    ``name`` with :data:`PASSWORD`."""
    import httpx

    with httpx.Client(base_url=url, follow_redirects=False, timeout=60) as c:
        assert login(c, name).status_code == 303
        yield c


def csrf_of(html: str) -> str:
    import re

    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def stand_of(html: str, client_id: str | None = None) -> str:
    """The stamp a form that changes a case sends back (QA 38 F1): of ``client_id``'s
    address form on an *Adressen* page, else of the status form of a case page."""
    import re

    if client_id is not None:
        row = re.search(rf'<tr id="adresse-{re.escape(client_id)}" role="row">(.*?)</tr>',
                        html, re.S)
        assert row, f"no address form of {client_id}"
        html = row[1]
    else:
        form = re.search(r'id="status-setzen">(.*?)</form>', html, re.S)
        assert form, "no status form"
        html = form[1]
    return re.search(r'name="stand" value="([^"]*)"', html).group(1)


def upload_list(client, path: Path, city: str | None = None):  # noqa: ANN001, ANN201
    """Upload the client list ``path`` on the *Kundenliste* page as a coordinator does
    (``client``: an httpx client logged in; ``city``: the form's ``stadt``, if any)."""
    csrf = csrf_of(client.get("/kunden/import").text)
    with open(path, "rb") as fh:
        return client.post("/kunden/import",
                           data={"csrf_token": csrf, **({"stadt": city} if city else {})},
                           files={"datei": (path.name, fh, "text/csv")})


def wait_for_job(store, job_id: str, seconds: float = 240) -> str:  # noqa: ANN001
    """Wait until the served app's job runner has done job ``job_id`` (at most
    ``seconds``); it must have finished well (``fertig``). Returns the plan id it made."""
    import time

    from hausbesuch.web import jobs

    deadline = time.monotonic() + seconds
    while (job := jobs.get(store, job_id)).active:
        assert time.monotonic() < deadline, job
        time.sleep(0.3)
    assert job.status == "fertig", job.error
    return job.plan_id


def run_jobs_now(store) -> list[str]:  # noqa: ANN001
    """Run every waiting job in this thread; returns the plan ids made."""
    from hausbesuch.web.jobs import JobRunner, get

    runner = JobRunner(store)
    made = []
    while (job := runner.claim()) is not None:
        runner.run(job)
        done = get(store, job.id)
        if done.status != "fertig":
            raise RuntimeError(f"job failed: {done.error}")
        made.append(done.plan_id)
    return made


#: The running test's monkeypatch (set by ``tests/conftest.py``), for :func:`links_open`.
current_monkeypatch = None


def links_open(monkeypatch, day) -> None:  # noqa: ANN001
    """Worker links of ``day`` open their team-day (QA 28 F4: from 00:00 of the day before,
    read on :func:`hausbesuch.clock.now_on_today`): when the server's clock as it stands
    (a day ``HAUSBESUCH_HEUTE`` or a test's server clock) lies before that, the day taken
    as today becomes the day before ``day``, so the page still shows the day ahead as
    before that rule."""
    from datetime import datetime, time, timedelta

    from hausbesuch import clock

    monkeypatch = monkeypatch or current_monkeypatch
    if monkeypatch is None:  # a session fixture's link: the test that opens it opens it
        return
    # the rule as the tests state it (not imported: hausbesuch.web.links.valid_from)
    if clock.now_on_today() < datetime.combine(day - timedelta(days=1), time(0, 0)):
        monkeypatch.setenv(clock.ENV, (day - timedelta(days=1)).isoformat())


def lasting_link(store, plan_id: str, team_id: str, day: date, *,  # noqa: ANN001, ANN201
                 actor: str = "test"):
    """(token, link) of a worker link for a team-day that may lie in the past: the tests'
    weeks are fixed (December 2026 and on), and a link whose end has passed cannot be made
    with the clock (``create_link`` refuses it, as it should). Made as on the morning of
    its day (its end, 23:59:59 of the day, lies after that), and when that end has passed
    or is near, moved to the end of the next real day in the table, so that the link opens
    its page for the rest of the test, also when the test then sets the server's time of
    day later (:func:`tests.fake_clock.exercise_time_of_day`: 11:20 on a run at 04:30;
    :func:`links_open` makes a day ahead open). For tests of the pages behind a link; the
    limits of a link's end have tests of their own (tests/test_web.py)."""
    from dataclasses import replace
    from datetime import datetime, time

    from sqlalchemy import update

    from hausbesuch.web.links import create_link
    from hausbesuch.web.models import WorkerLinkRow

    token, link = create_link(store, plan_id, team_id, day, actor=actor,
                              now=datetime.combine(day, time(6, 0)))
    if link.valid_until <= clock.now() + timedelta(minutes=10):
        until = datetime.combine(clock.now().date() + timedelta(days=1), time(23, 59, 59))
        with store.session() as s:
            s.execute(update(WorkerLinkRow).where(WorkerLinkRow.token_hash == link.token_hash)
                      .values(valid_until=until))
        link = replace(link, valid_until=until)
    return token, link
