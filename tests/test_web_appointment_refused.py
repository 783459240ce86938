"""An appointment agreed at the door that a re-plan tried and listed as not plannable is
not sent to „Neu planen“ again (QA 37 #1): the plan page, *Ergebnisse*, the case page and
``hausbesuch status`` give the stored reason and what to do instead (another appointment
with the client, or the pin lifted), from one rule (:meth:`Casework.appointment_notes`).

Over real HTTP against the small planned week of :mod:`tests.test_web_plan_notes` (an app
of this module's own, real SQLite and the real Bad Hersfeld extract; the re-plan job runs
in the test's thread), the clock set to the Monday of the plan.
"""

from __future__ import annotations

import html
import re
from datetime import datetime, time, timedelta
from urllib.parse import quote

import httpx
import pytest

from hausbesuch.fields import format_moment
from tests.test_web_plan_notes import _replan, kora, notes_site  # noqa: F401 - fixtures


def _box(page: str, box: str) -> str | None:
    """The text of the plan page's box ``box`` (its id), None when the page has none."""
    m = re.search(rf'<section class="card" id="{box}".*?</section>', page, re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", m[0])).split()) if m else None


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", page)).split())


def test_an_appointment_a_replan_refused_is_not_sent_to_replan_again(
        notes_site: tuple[str, object, str], kora: httpx.Client,  # noqa: F811
        monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from hausbesuch import clock
    from hausbesuch.casework import Casework
    from hausbesuch.cli import app
    from hausbesuch.config import load_profile
    from hausbesuch.versions import newest_version
    from hausbesuch.web.casework_api import team_shifts

    url, store, first = notes_site
    profile = load_profile("bad-hersfeld")
    v1 = store.load_plan(newest_version(store, first))
    monday = v1.start
    monkeypatch.setenv(clock.ENV, monday.isoformat())
    # a Monday visit whose team agrees an appointment for Thursday that ends exactly at
    # the teams' latest shift end: taken at the door (the visit fits the shift), but the
    # way back to the base does not (no client of the list lives at the base)
    stop = min((s for r in v1.routes if r.day == monday for s in r.stops
                if s.client_id.startswith("N-MO")), key=lambda s: s.start)
    thursday = monday + timedelta(days=3)
    _first, last = team_shifts(store, profile)[thursday.weekday()]
    minutes = int((stop.end - stop.start).total_seconds() // 60)
    at = datetime.combine(thursday, time()) + timedelta(minutes=last - minutes)
    cw = Casework(store, profile, actor="kora", today=lambda: monday)
    assert cw.past_shift_refusal(stop.client_id, at) is None  # the phone's check took it
    cw.record_outcome(stop.client_id, monday, "termin_vereinbart",
                      time_min=stop.start.hour * 60 + stop.start.minute, appointment=at,
                      source="web", idempotency_key="termin-1")
    cid, when = stop.client_id, format_moment(at)
    # before any re-plan: it waits for „Neu planen“ (QA 28 F8), as before
    assert [pid for _, pid in cw.appointment_missing_from_plans(cid)] == [v1.id]
    waiting = _box(kora.get(f"/plaene/{v1.id}").text, "termine-neu-planen")
    assert waiting and f"{cid}: Termin {when}" in waiting, waiting

    # „Neu planen“ tries it and lists it as not plannable: the visit and its way back end
    # after the shift
    v2 = _replan(kora, store, v1.id)
    new = store.load_plan(v2)
    (refused,) = [u for u in new.unassigned if u.client_id == cid]
    assert refused.reason.startswith(f"Vereinbarter Termin am {when} nicht einplanbar: "), \
        refused.reason
    assert "Rückweg" in refused.reason, refused.reason
    why = refused.reason.split(" nicht einplanbar: ", 1)[1].rstrip(".")
    todo = ("Erneutes Neuplanen ändert daran nichts, solange Teams und Festlegungen "
            "bleiben: bitte mit der Kundin oder dem Kunden einen anderen Termin vereinbaren, "
            "dann ")
    # every view: the reason and what to do, no re-plan
    for path in (f"/plaene/{v2}", f"/plaene/{v2}/ergebnisse"):
        page = kora.get(path).text
        assert _box(page, "termine-neu-planen") is None, (path, _box(page,
                                                                     "termine-neu-planen"))
        box = _box(page, "termine-nicht-einplanbar")
        assert box is not None, path
        assert box.startswith(f"Vereinbarte Termine nicht einplanbar 1 vereinbarter Termin "
                              f"ist in Plan {v2} nicht einplanbar; erneutes „Neu planen“ "
                              "ändert daran nichts:"), box
        assert f"{cid}: Termin am {when} ist im Plan {v2} (" in box, box
        assert f"nicht einplanbar: {why}. {todo}auf der Seite des Plans" in box, box
        assert "Festlegung aufheben: dann plant das Neuplanen den Besuch frei." in box, box
    case = _text(kora.get(f"/faelle/{quote(cid)}", params={"stadt": "Bad Hersfeld"}).text)
    assert f"Termin am {when} ist im Plan {v2}" in case, case
    assert f"{why}. {todo}" in case, case
    assert "öffnen und dort „Neu planen“" not in case, case
    assert "der ihn nicht enthält" not in case, case
    # the command line's ``status`` says the same, with its own ways
    res = CliRunner(env={clock.ENV: monday.isoformat()}).invoke(
        app, ["status", cid, "--db", store.url, "--city", "bad-hersfeld"],
        catch_exceptions=False)
    assert res.exit_code == 0, res.output
    out = " ".join(res.output.split())
    assert f"Hinweis: {cid}: Termin am {when} ist im Plan {v2}" in out, out
    assert f"{why}. {todo}im Web auf der Seite des Plans" in out, out
    assert "bitte diesen Plan neu planen" not in out, out
    (note,) = cw.appointment_notes(cid)  # the one rule behind them
    assert not note.replan and note.plan_id == v2, note
    assert cw.appointment_missing_from_plans(cid) == []
