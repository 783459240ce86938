"""QA 38 F3: after one coordinator fixed the address of a case a stored plan still visits
ahead at the old place, only she was told to re-plan; the colleague's plan page, its
team-day row, the case page and ``hausbesuch status`` said nothing. They say it now, by
the one rule of the fix's confirmation, while it holds (and that the letter went to the
old address); a fix back to the planned place takes the note away.

Over real HTTP against the planned week of :mod:`tests.test_web_plan_notes` (an app of
this module's own, real SQLite and the real Bad Hersfeld extract), two coordinators."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import datetime

import httpx
import pytest

from tests.test_web_plan_notes import kora, notes_site  # noqa: F401 - fixtures
from tests.web_fixtures import PASSWORD, csrf_of, logged_in, stand_of

pytestmark = pytest.mark.slow


@pytest.fixture
def bernd(notes_site: tuple[str, object, str]) -> Iterator[httpx.Client]:  # noqa: F811
    """The colleague, another coordinator of the city."""
    from hausbesuch.web.auth import add_user

    url, store, _ = notes_site
    add_user(store, "bernd", PASSWORD, role="koordination", city="Bad Hersfeld")
    with logged_in(url, "bernd") as c:
        yield c


def _text(part: str) -> str:
    """The words of a page's part: blocks apart, inline tags (links, emphasis) left out."""
    part = re.sub(r"</?(?:p|li|ul|h\d|td|tr|section|div|br)\b[^>]*>", " ", part)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", part)).split())


def _section(page: str, sid: str) -> str:
    m = re.search(rf'<section class="card" id="{sid}"[^>]*>(.*?)</section>', page, re.S)
    return _text(m.group(1)) if m else ""


def _fix_point(client: httpx.Client, cid: str, lat: float, lon: float) -> None:
    page = client.get("/adressen", params={"kundennummer": cid})
    assert page.status_code == 200, page.text[:300]
    r = client.post(f"/adressen/{cid}", data={
        "csrf_token": csrf_of(page.text), "stand": stand_of(page.text, cid),
        "breite": f"{lat:.6f}", "laenge": f"{lon:.6f}", "stadt": "Bad Hersfeld"},
        follow_redirects=True)
    assert r.status_code == 200, r.text[:300]


def test_the_colleague_sees_an_address_changed_since_the_plan_until_it_is_replanned(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        bernd: httpx.Client) -> None:
    from sqlalchemy import update

    from hausbesuch.fields import format_day, format_moment
    from hausbesuch.store import CaseVisitRow
    from tests.cli_helpers import ok

    _, store, plan_id = notes_site
    plan = store.load_plan(plan_id)
    route, stop = next((r, s) for r in plan.routes for s in r.stops
                       if s.client_id.startswith("N-MO"))
    cid = stop.client_id
    before = bernd.get(f"/plaene/{plan_id}").text
    assert 'id="adressen-neu-planen"' not in before  # nothing changed yet
    # anna's part: a point some 1.5 km away from the planned stop
    _fix_point(kora, cid, stop.lat + 0.0135, stop.lon)

    said = (f"{cid}: Adresse seit dem Plan geändert (Besuch am {format_moment(stop.start)} "
            "noch an der alten Adresse); bitte neu planen")
    page = bernd.get(f"/plaene/{plan_id}")
    assert page.status_code == 200
    box = _section(page.text, "adressen-neu-planen")
    assert f"1 Besuch wartet auf „Neu planen“ von Plan {plan_id}" in box, box
    assert said in box, box
    # the team-day's row marks the visit
    row = _text(re.search(r'<table id="team-tage".*?</table>', page.text, re.S)[0])
    assert f"{cid} ({stop.start:%H:%M}, alte Adresse)" in row, row
    # the case page: the note with the way to re-plan, and its planned visit marked
    case = _text(bernd.get(f"/faelle/{cid}", params={"stadt": "Bad Hersfeld"}).text)
    assert f"{said}: Plan {plan_id} öffnen und dort „Neu planen“." in case, case
    assert (f"{format_day(route.day)}, {stop.start:%H:%M} Uhr · Plan {plan_id} · an der "
            "alten Adresse (bitte neu planen)") in case, case
    # the command line's ``status``
    out = ok("status", cid, "--city", "bad-hersfeld", "--db", str(store.engine.url.database))
    assert (f"Hinweis: {said} (hausbesuch replan {plan_id} --from …).") in out, out

    # announced by letter: the notes say the letter went to the old address
    announced = datetime(2026, 12, 11, 14, 0)
    with store.session() as s:
        s.execute(update(CaseVisitRow).where(CaseVisitRow.plan_id == plan_id,
                                             CaseVisitRow.client_id == cid)
                  .values(announced_at=announced))
    try:
        box = _section(bernd.get(f"/plaene/{plan_id}").text, "adressen-neu-planen")
        assert (f"{cid}: Adresse seit dem Plan geändert (Besuch am "
                f"{format_moment(stop.start)} noch an der alten Adresse; der Brief vom "
                f"{format_day(announced.date())} ging an die alte Adresse); bitte neu "
                "planen") in box, box
    finally:
        with store.session() as s:
            s.execute(update(CaseVisitRow).where(CaseVisitRow.plan_id == plan_id,
                                                 CaseVisitRow.client_id == cid)
                      .values(announced_at=None))

    # only while it holds: a point put back at the planned stop takes the note away
    _fix_point(kora, cid, stop.lat, stop.lon)
    page = bernd.get(f"/plaene/{plan_id}").text
    assert 'id="adressen-neu-planen"' not in page
    assert "alte Adresse" not in _text(page)
    case = _text(bernd.get(f"/faelle/{cid}", params={"stadt": "Bad Hersfeld"}).text)
    assert "Adresse seit dem Plan geändert" not in case and "an der alten Adresse" not in case


def test_the_district_note_comes_last_in_the_coordinations_words(
        notes_site: tuple[str, object, str], kora: httpx.Client) -> None:  # noqa: F811
    """QA 38 F7: every plan page began its „Hinweise“ with the substitute districts' note
    and its configuration („eine Bezirksdatei im Profil angeben ([districts] source =
    …)“), which a coordinator cannot act on, above the notes that need action. It comes
    last now, everywhere (the command line's and index.html's order too), and the web
    says it in words for the coordination; the command line keeps the configuration."""
    from hausbesuch.planning.report import plan_notes
    from tests.test_web_plan_notes import _notes

    words = ("Für genaue Stadtteile bitte die Administration informieren (eine "
             "Bezirksdatei im Stadtprofil).")
    profile = ('Genaue Stadtteile: eine Bezirksdatei im Profil angeben ([districts] source '
               '= "file", file = "stadtteile.geojson").')

    _, store, plan_id = notes_site
    plan = store.load_plan(plan_id)
    notes = _notes(kora.get(f"/plaene/{plan_id}").text)
    assert len(notes) >= 2, notes
    assert notes[-1].startswith("Keine Bezirksgrenzen verfügbar: "), notes
    assert notes[-1].endswith(words) and "[districts]" not in notes[-1], notes
    assert any(n.startswith("N-OUT (") for n in notes[:-1]), notes
    cli = plan_notes(plan)
    assert cli[-1].startswith("Keine Bezirksgrenzen verfügbar: ") and cli[-1].endswith(
        profile), cli
    # the plan's files from the web (index.html in the ZIP) say it so too
    import io
    import zipfile

    got = kora.get(f"/plaene/{plan_id}/dateien.zip")
    assert got.status_code == 200
    with zipfile.ZipFile(io.BytesIO(got.content)) as z:
        index = html.unescape(z.read(next(n for n in z.namelist()
                                          if n.endswith("index.html"))).decode())
    assert words in index and "[districts]" not in index
    assert index.index("N-OUT (") < index.index("Keine Bezirksgrenzen verfügbar: ")
