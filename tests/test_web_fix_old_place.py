"""Review 33 #3: an address fixed on the web's *Adressen* page for a case a stored plan
still visits ahead at the old place said nothing (the command line's ``address`` and the
upload do): the confirmation names the visit and the plan's „Neu planen“.

Over real HTTP against the planned week of :mod:`tests.test_web_plan_notes` (an app of
this module's own, real SQLite and the real Bad Hersfeld extract).
"""

from __future__ import annotations

import html
import re

import httpx

from tests.test_web_plan_notes import kora, notes_site  # noqa: F401 - fixtures
from tests.web_fixtures import csrf_of, stand_of


def test_a_fix_on_the_web_names_the_visit_still_planned_at_the_old_place(
        notes_site: tuple[str, object, str], kora: httpx.Client) -> None:  # noqa: F811
    from hausbesuch.fields import format_moment

    _, store, plan_id = notes_site
    plan = store.load_plan(plan_id)
    route, stop = next((r, s) for r in plan.routes for s in r.stops)
    page = kora.get("/adressen", params={"kundennummer": stop.client_id})
    assert page.status_code == 200, page.text[:300]
    # a point some 1.5 km away from the planned stop
    r = kora.post(f"/adressen/{stop.client_id}", data={
        "csrf_token": csrf_of(page.text), "stand": stand_of(page.text, stop.client_id),
        "breite": f"{stop.lat + 0.0135:.6f}",
        "laenge": f"{stop.lon:.6f}", "stadt": "Bad Hersfeld"}, follow_redirects=True)
    assert r.status_code == 200, r.text[:300]
    said = " ".join(html.unescape(re.sub(r"<[^>]+>", " ", re.search(
        r'<p class="ok" role="status"[^>]*>(.*?)</p>', r.text, re.S).group(1))).split())
    assert (f"{stop.client_id}: Adresse geändert, aber am {format_moment(stop.start)} noch "
            f"an der alten Adresse eingeplant (Plan {plan_id}): bitte Plan {plan_id} unter "
            "„Pläne“ öffnen und dort „Neu planen“.") in said, said
