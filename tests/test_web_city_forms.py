"""The city an administrator of several cities chose (``?stadt=``) stays with a form.

A refused form's page stands at the form's address (a POST); reopened from the address
bar or the history it leads to the page the form belongs to (:func:`page_of_form`), of
the city in that address. The forms' addresses therefore carry the page's ``?stadt=``
(the templates' ``form_action``): before, they did not, and a refused form of the second
city reopened as the first city's page. Over real HTTP (uvicorn, SQLite) with two city
profiles, in Chromium at 390 px.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import quote

import pytest

from tests.browser import page_width
from tests.shots import shoot
from tests.web_fixtures import CITY_PROFILE, PASSWORD, LiveServer, coordinator_on_phone, live_server


@pytest.fixture(scope="module")
def two_cities(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """An app for Bad Hersfeld and Lauf with the administrator ``ada`` (no city)."""
    from hausbesuch.web.app import create_app
    from hausbesuch.web.auth import add_user

    folder = tmp_path_factory.mktemp("zwei-staedte")
    app = create_app(f"sqlite:///{folder / 'zwei.sqlite'}", cities=[CITY_PROFILE, "lauf"],
                     run_jobs=False)
    add_user(app.state.web.store, "ada", PASSWORD, role="admin", city=None)
    with live_server(app) as live:
        yield live


def test_form_action_keeps_the_pages_city() -> None:
    from starlette.requests import Request

    from hausbesuch.web.app import with_city

    def request(query: str) -> Request:
        return Request({"type": "http", "method": "GET", "path": "/teams",
                        "query_string": query.encode(), "headers": []})

    assert with_city("/teams/abwesenheit", request("")) == "/teams/abwesenheit"
    assert with_city("/teams/abwesenheit", request("stadt=Lauf%20a.d.%20Pegnitz")) == \
        "/teams/abwesenheit?stadt=Lauf%20a.d.%20Pegnitz"
    assert with_city("/a?b=1", request("stadt=X%26Y")) == "/a?b=1&stadt=X%26Y"
    assert with_city("/teams", None) == "/teams"


@pytest.mark.browser
def test_a_refused_form_of_the_second_city_reopens_as_its_page(two_cities: LiveServer) -> None:
    url = two_cities.url
    with coordinator_on_phone(url, "ada") as page:
        page.goto(f"{url}/teams")
        default = page.inner_text("h1").removeprefix("Teams · ")
        [other] = {"Bad Hersfeld", "Lauf a.d. Pegnitz"} - {default}
        city_q = quote(other, safe="")
        page.goto(f"{url}/teams?stadt={city_q}")
        assert page.inner_text("h1") == f"Teams · {other}"
        form = page.locator("form:has(input[name=von])")
        assert form.get_attribute("action") == f"/teams/abwesenheit?stadt={city_q}"
        # refused: „bis“ before „von“
        form.locator("input[name=von]").fill("2027-01-13")
        form.locator("input[name=bis]").fill("2027-01-11")
        form.locator("button[type=submit]").click()
        page.wait_for_selector("p.error")
        assert "Abwesenheit" in page.inner_text("p.error")
        assert page.inner_text("h1") == f"Teams · {other}"
        assert page.url == f"{url}/teams/abwesenheit?stadt={city_q}", page.url
        assert page_width(page) <= 390
        shoot(page, "a11ymap-stadt-abgelehnt.png", full_page=True)
        # the refused page's forms keep the city as well (a second try is for it too)
        form = page.locator("form:has(input[name=von])")
        assert form.get_attribute("action") == f"/teams/abwesenheit?stadt={city_q}"
        # reopened from the address bar (a GET of the form's address): the city's page
        page.goto(page.url)
        assert page.url == f"{url}/teams?stadt={city_q}", page.url
        assert page.inner_text("h1") == f"Teams · {other}"
