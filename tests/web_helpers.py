"""Helpers of the web tests of the plan page's pins: plan a week in the test's thread, send
the pin form, read its message and the table of pins.

Shared by the modules that each had a copy (review 35 #10: ``duplicates`` found them in
tests/test_pin_advice.py, tests/test_web_pin_team_days.py and tests/test_web_plan_notes.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import httpx

from tests.web_fixtures import WEEK, csrf_of, run_jobs_now


def plan_week(app, list_path: Path, city: str = "Bad Hersfeld",  # noqa: ANN001
              profile: str = "bad-hersfeld") -> str:
    """Import the client list ``list_path`` into ``app``'s store as ``kora`` and plan the
    week of :data:`WEEK` (5 days, 2 s) by a plan job run in the test's thread; the plan's
    id. ``profile``: the plan job's (a shipped profile's short name or a file's path)."""
    from hausbesuch.web import casework_api, jobs

    store = app.state.web.store
    casework_api.import_clients(store, app.state.web.profile(city), str(list_path), "kora")
    jobs.submit(store, "plan", city, {"start": WEEK.isoformat(), "days": 5,
                                      "time_limit": 2.0, "profile": profile}, "kora")
    return run_jobs_now(store)[0]


def pin_alert(page: str) -> str:
    """The plan page's pin form's message (``#fehlermeldung``), "" without one."""
    m = re.search(r'id="fehlermeldung".*?role="alert"[^>]*>(.*?)</', page, re.S)
    return html.unescape(m.group(1)).strip() if m else ""


def pin_notes(page: str) -> dict[str, str]:
    """{case id: its note} of the plan page's table of pins (every pin, "" without one)."""
    m = re.search(r'<table id="festlegungen".*?</table>', page, re.S)
    assert m, "no table of pins"
    out = {}
    for row in re.findall(r"<tr role=\"row\">(.*?)</tr>", m.group(0), re.S)[1:]:
        cid = html.unescape(re.search(r'data-label="Festgelegt">(.*?)</td>', row).group(1))
        note = re.search(r'data-label="Hinweis"[^>]*>(.*?)</td>', row, re.S)
        out[cid] = html.unescape(note.group(1)).strip() if note else ""
    return out


def pin_stand(page: str) -> str:
    """The moment a plan page read its pins, as its pin form sends it back."""
    form = re.search(r'action="[^"]*/verschieben"[^>]*>(.*?)</form>', page, re.S)
    assert form, "no pin form"
    stand = re.search(r'name="stand" value="([^"]*)"', form[1])
    assert stand, "no stamp in the pin form"
    return html.unescape(stand[1])


def unpin_stand(page: str, cid: str) -> str:
    """The moment of case ``cid``'s pin as its row's „Aufheben“ form sends it back."""
    m = re.search(rf'name="kundennummer" value="{re.escape(html.escape(cid))}">'
                  r'<input type="hidden" name="stand" value="([^"]*)"', page)
    assert m, f"no „Aufheben“ for {cid}"
    return html.unescape(m[1])


def pin(client: httpx.Client, plan_id: str, cid: str, ziel: str,
        uhrzeit: str = "") -> httpx.Response:
    """Send the plan page's pin form: case ``cid`` to ``ziel`` („team|YYYY-MM-DD“)."""
    page = client.get(f"/plaene/{plan_id}").text
    return client.post(f"/plaene/{plan_id}/verschieben", data={
        "csrf_token": csrf_of(page), "kundennummer": cid, "ziel": ziel, "uhrzeit": uhrzeit,
        "stand": pin_stand(page)})
