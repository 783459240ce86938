"""A planning job whose plan was deleted since (``hausbesuch delete-plan``) stays in the
plan list's *Planungsaufträge* as „Plan gelöscht“ and links to no plan, on its own page
and in the state its script asks for (closing 26: it linked to the missing plan until
``cleanup``).

Over real HTTP against an app of its own (a small list of Bad Hersfeld), the planning
jobs run in the test's thread, the deletion by the real command line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from tests.web_fixtures import (
    WEEK,
    bare_app,
    live_server,
    logged_in,
    run_jobs_now,
    write_web_client_list,
)

CITY = "Bad Hersfeld"


@pytest.fixture(scope="module")
def list_site(tmp_path_factory: pytest.TempPathFactory, bad_hersfeld_pbf: Path
              ) -> Iterator[tuple[str, object, Path, list[str]]]:
    """An app with two planning jobs done (this week's plan and one of the week after):
    its URL, its store, its database file and the two jobs' ids."""
    from geodata.geocode import load_index
    from hausbesuch.web import casework_api, jobs

    tmp = tmp_path_factory.mktemp("web-plan-list")
    app = bare_app(tmp, plan_time_limit=1.0)
    store = app.state.web.store
    write_web_client_list(tmp / "liste.csv", load_index(bad_hersfeld_pbf), n=14, seed=27)
    casework_api.import_clients(store, app.state.web.profile(CITY), str(tmp / "liste.csv"),
                                "kora")
    ids = [jobs.submit(store, "plan", CITY, {"start": start.isoformat(), "days": 3,
                                              "time_limit": 1.0, "profile": "bad-hersfeld"},
                       "kora")
           for start in (WEEK, WEEK + timedelta(days=7))]
    run_jobs_now(store)
    with live_server(app) as live:
        yield live.url, store, tmp / "bare.sqlite", ids


@pytest.fixture
def kora(list_site) -> Iterator[httpx.Client]:  # noqa: ANN001
    with logged_in(list_site[0], "kora") as c:
        yield c


def _job_rows(page: str) -> dict[str, str]:
    """The job table's rows by job id: the row's HTML."""
    body = page.split("<h2>Planungsaufträge</h2>", 1)[1].split("</table>", 1)[0]
    return {m.group(1): m.group(0) for m in re.finditer(
        r'<tr[^>]*><td[^>]*><a href="/auftraege/([0-9a-f]+)">.*?</tr>', body, re.S)}


def test_a_job_whose_plan_was_deleted_says_so_and_links_to_no_plan(
        list_site, kora: httpx.Client) -> None:  # noqa: ANN001
    from hausbesuch import clock
    from hausbesuch.cli import app
    from hausbesuch.web import jobs

    _, store, db, (kept_job, gone_job) = list_site
    kept, gone = jobs.get(store, kept_job).plan_id, jobs.get(store, gone_job).plan_id
    # the week after was planned by mistake: deleted with the command line
    res = CliRunner(env={clock.ENV: clock.today().isoformat(), "HAUSBESUCH_USER": "kora"}
                    ).invoke(app, ["delete-plan", gone, "--yes", "--db", str(db)],
                             catch_exceptions=False)
    assert res.exit_code == 0 and f"Plan {gone} (Version 1) gelöscht" in res.stdout, res.output
    rows = _job_rows(kora.get("/plaene").text)
    assert f'href="/plaene/{kept}"' in rows[kept_job], rows[kept_job]
    assert f'href="/plaene/{gone}"' not in rows[gone_job], rows[gone_job]
    assert f"{gone} <span class=\"muted\">(Plan gelöscht)</span>" in rows[gone_job]
    # the job's own page and the state its script asks for
    page = html.unescape(kora.get(f"/auftraege/{gone_job}").text)
    assert f"Plan {gone} wurde inzwischen gelöscht" in page and f"/plaene/{gone}" not in page
    assert kora.get(f"/auftraege/{gone_job}/stand").json()["plan_id"] is None
    assert f'href="/plaene/{kept}"' in kora.get(f"/auftraege/{kept_job}").text
    assert kora.get(f"/auftraege/{kept_job}/stand").json()["plan_id"] == kept
