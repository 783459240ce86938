"""The plan page and *Ergebnisse* list the failed tries whose revisit waits for „Neu
planen“ (closing notes 31: a visit ended „nicht angetroffen“, and only a re-plan plans its
revisit, QA 31; no page said so, the coordination learnt of it nowhere before re-planning).

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own, real SQLite and the real Bad Hersfeld extract; the re-plan job runs
in the test's thread), the clock set to the Monday of the plan.
"""

from __future__ import annotations

import html
import re
from datetime import date, datetime, timedelta

import httpx
import pytest

from hausbesuch.fields import format_day, format_moment
from tests.browser import page_width
from tests.shots import shoot
from tests.test_web_plan_notes import _replan, kora, notes_site  # noqa: F401 - fixtures


def _box(page: str) -> str | None:
    """The text of the box „Besuche ohne Kontakt“, None when the page has none."""
    m = re.search(r'<section class="card" id="versuche-neu-planen".*?</section>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", m[0])).split()) if m else None


def test_failed_tries_waiting_for_a_replan_are_listed_until_it_runs(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from hausbesuch import clock
    from hausbesuch.casework import Casework
    from hausbesuch.config import load_profile
    from hausbesuch.versions import newest_version

    url, store, first = notes_site
    v1 = store.load_plan(newest_version(store, first))
    monday = v1.start
    assert not _box(kora.get(f"/plaene/{v1.id}").text)  # nothing failed yet
    tried = min((s for r in v1.routes if r.day == monday for s in r.stops
                 if s.client_id not in ("N-OUT", "N-IN")), key=lambda s: s.start)
    at = tried.start + timedelta(minutes=5)
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    moment = tried.end + timedelta(minutes=10)
    monkeypatch.setattr(clock, "now", lambda: datetime.combine(date.today(), moment.time()))
    Casework(store, load_profile("bad-hersfeld"), actor="kora", today=lambda: monday
             ).record_outcome(tried.client_id, monday, "nicht_angetroffen",
                              time_min=at.hour * 60 + at.minute, source="web",
                              idempotency_key="versuch-1")
    # its revisit may come from Wednesday (two working days later): only „Neu planen“
    # plans it, and the plan page and *Ergebnisse* say so, with the try's day and time
    wednesday = monday + timedelta(days=2)
    said = (f"1 Besuch ohne Kontakt wartet auf „Neu planen“ von Plan {v1.id}; erst dann "
            f"wird der nächste Versuch eingeplant, soweit im Plan noch ein Tag dafür frei ist: "
            f"{tried.client_id}: Nicht angetroffen am "
            f"{format_moment(at)}; nächster Versuch frühestens {format_day(wednesday)}")
    for path in (f"/plaene/{v1.id}", f"/plaene/{v1.id}/ergebnisse"):
        page = kora.get(path)
        assert page.status_code == 200, path
        assert _box(page.text) == f"Besuche ohne Kontakt {said}", (path, _box(page.text))
        assert f'href="/plaene/{v1.id}#neu-planen"' in page.text

    from tests.web_fixtures import coordinator_on_phone

    with coordinator_on_phone(url) as phone:  # the box at 390 px
        phone.goto(f"{url}/plaene/{v1.id}")
        phone.locator("#versuche-neu-planen").scroll_into_view_if_needed()
        assert page_width(phone) <= 390
        shoot(phone, "plan-versuche-neu-planen.png")

    # „Neu planen“: the revisit is planned (or listed as not plannable): nothing waits,
    # on the new version's page nor on the old one's
    v2 = _replan(kora, store, v1.id)
    new = store.load_plan(v2)
    again = [s for r in new.routes for s in r.stops
             if s.client_id == tried.client_id and s.visit_id != tried.visit_id]
    listed = [u for u in new.unassigned if u.client_id == tried.client_id]
    assert again or listed, new.unassigned
    for plan_id in (v2, v1.id):
        assert _box(kora.get(f"/plaene/{plan_id}").text) is None, plan_id
