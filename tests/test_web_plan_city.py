"""QA 33c L6: the pages and forms of one plan (and of one planning job) take ``stadt=`` as
every other coordinator page does.

Before, ``/plaene/<id>?stadt=Lauf a.d. Pegnitz`` (and its Ergebnisse, Tageslinks, ZIP,
print sheet, GPX, the job page) showed the Bad Hersfeld plan to a Bad Hersfeld coordinator
and audited nothing, while ``/plaene``, ``/adressen``, ``/teams`` … answered 404, audited
as „andere Stadt“. Now a ``stadt=`` naming a city the account may not see is refused the
same way (the row names the plan), and one naming another city the account may see (an
administrator) answers 404 too: the plan is not of that city. The plan's own city (its
name or its short name) and no ``stadt=`` are as before. Over real HTTP against the
planned week of :mod:`tests.test_web`."""

from __future__ import annotations

from urllib.parse import quote

from sqlalchemy import select

from tests.test_web import CITY, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import PASSWORD, Site, csrf_of, logged_in

OTHER = "Lauf a.d. Pegnitz"


def _paths(site: Site) -> tuple[list[str], list[str]]:  # noqa: F811
    """The GET pages and the POST forms of the fixture's plan and its planning job."""
    from hausbesuch.web.models import JobRow

    p = site.plan_id
    route = next(r for r in site.store.load_plan(p).routes if r.stops)
    team_day = f"{route.team_id}/{route.day.isoformat()}"
    with site.store.session() as s:
        job = s.scalar(select(JobRow.id).where(JobRow.city == CITY, JobRow.kind == "plan")
                       .order_by(JobRow.created_at))
    pages = [f"/plaene/{p}", f"/plaene/{p}/ergebnisse", f"/plaene/{p}/links",
             f"/plaene/{p}/dateien.zip", f"/plaene/{p}/druck/{team_day}",
             f"/plaene/{p}/gpx/{team_day}", f"/auftraege/{job}", f"/auftraege/{job}/stand"]
    forms = [f"/plaene/{p}/{f}" for f in ("verschieben", "festlegung-aufheben", "neu-planen",
                                          "links", "links/widerrufen")]
    return pages, forms


def _with(path: str, city: str) -> str:
    return f"{path}?stadt={quote(city, safe='')}"


def test_a_plans_pages_refuse_another_city_and_audit_it(site: Site) -> None:  # noqa: F811
    from hausbesuch.web.auth import add_user

    probe = f"stadtprobe{site.kind}"  # an account of its own: no refusal held back
    add_user(site.store, probe, PASSWORD, role="koordination", city=CITY)
    pages, forms = _paths(site)
    before = len(site.store.audit_rows())
    with logged_in(site.url, probe) as c:
        csrf = csrf_of(c.get("/plaene").text)
        for path in pages:  # the plan's own city, by name or short name, or none: as ever
            for query in ("", "?stadt=", _with("", CITY), "?stadt=bad-hersfeld"):
                assert c.get(path + query).status_code == 200, path + query
        assert "zugriff_verweigert" not in {r["action"] for r in site.store.audit_rows()[before:]}
        before = len(site.store.audit_rows())
        for path in pages:
            assert c.get(_with(path, OTHER)).status_code == 404, path
        data = {"csrf_token": csrf, "kundennummer": "W000", "ziel": "x", "praefix": "abcdef",
                "passwort": PASSWORD}
        for path in forms:  # a form's address carries its page's stadt= (form_action)
            assert c.post(_with(path, OTHER), data=data).status_code == 404, path
    new = site.store.audit_rows()[before:]
    # refused before anything was done: no pin, no job, no link, only the refusals
    assert {r["action"] for r in new} == {"zugriff_verweigert"}, new
    got = sorted((r["actor"], r["details"]["grund"], r["details"]["weg"], r["plan_id"],
                  r["city"]) for r in new if r["action"] == "zugriff_verweigert")
    routes = [("GET", p) for p in ("/plaene/{plan_id}", "/plaene/{plan_id}/ergebnisse",
                                   "/plaene/{plan_id}/links", "/plaene/{plan_id}/dateien.zip",
                                   "/plaene/{plan_id}/druck/{team}/{tag}",
                                   "/plaene/{plan_id}/gpx/{team}/{tag}")]
    routes += [("POST", f"/plaene/{{plan_id}}/{f}") for f in (
        "verschieben", "festlegung-aufheben", "neu-planen", "links", "links/widerrufen")]
    want = [(probe, "andere Stadt", f"{m} {r}", site.plan_id, OTHER) for m, r in routes]
    want += [(probe, "andere Stadt", f"GET {r}", None, OTHER)
             for r in ("/auftraege/{job_id}", "/auftraege/{job_id}/stand")]
    assert got == sorted(want)


def test_an_administrator_naming_another_city_finds_no_plan_there(site: Site) -> None:  # noqa: F811
    """An administrator may see both cities: ``stadt=`` naming the other one is no refused
    access (nothing audited), but the plan is not of that city: 404, as for an id that
    does not exist. The plan's own city: the page as ever."""
    pages, _ = _paths(site)
    before = len(site.store.audit_rows())
    with logged_in(site.url, "ada") as c:
        for path in pages:
            assert c.get(_with(path, OTHER)).status_code == 404, path
            assert c.get(_with(path, CITY)).status_code == 200, path
        assert c.get(_with(pages[0], "Atlantis")).status_code == 404  # a city not offered
    assert [r for r in site.store.audit_rows()[before:]
            if r["action"] == "zugriff_verweigert"] == []
