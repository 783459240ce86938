"""An outcome's note longer than ``MAX_NOTE_LENGTH`` from the web (session 35, misc 1).

The phone cut it with ``[:2000]`` before the store saw it, so the store's rule (cut, ending
in „[…gekürzt]“, as ``hausbesuch outcomes`` does) never applied and the end was lost
without a sign. The phone's note now goes to the store whole and is cut there with the
marker, for a recorded outcome and the phone's own correction; the same long note sent
again (a queued tap sent twice) still counts as the same outcome. The case page refuses
such a note with a German message and shows it again cut with the marker (it showed it
silently cut). Over real HTTP against the planned Bad Hersfeld week of
:mod:`tests.test_web` (real SQLite, nothing of the server mocked).
"""

from __future__ import annotations

import html
import re

import httpx
import pytest

from hausbesuch.clients import MAX_NOTE_LENGTH
from hausbesuch.safe_cells import CUT_MARKER
from tests import test_web
from tests.test_web_enter import _recorded
from tests.test_worker_cache import _link
from tests.test_worker_correction import _on_fresh_stop
from tests.web_fixtures import Site, sqlite_only

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)

#: A note 100 characters over the limit, its end recognisable.
LONG = "Nachbarin sagt, sie ist verreist. " * 62 + "ENDE"
assert len(LONG) > MAX_NOTE_LENGTH + 50


def _cut(note: str) -> str:
    """``note`` as the store keeps one too long: cut, ending in the marker."""
    return note[:MAX_NOTE_LENGTH - len(CUT_MARKER)] + CUT_MARKER


def _sender(site: Site, route, cid: str):  # noqa: ANN001, ANN202
    """A sender of outcomes of ``cid`` through a new link of ``route``'s team-day, as the
    phone's page sends them (JSON answer)."""
    url = _link(site, route)[2]
    csrf = re.search(r'data-csrf="([^"]+)"', httpx.get(url, timeout=60).text).group(1)

    def send(result: str, key: str, note: str, statt: str = "") -> httpx.Response:
        return httpx.post(url + "ergebnis", timeout=60, headers={"Accept": "application/json"},
                          data={"kundennummer": cid, "ergebnis": result, "schluessel": key,
                                "zeit": f"{route.day}T10:05", "csrf_token": csrf,
                                "notiz": note, **({"statt": statt} if statt else {})})
    return send


@sqlite_only()  # one outcome per visit on both: test_web.py::test_outcome_is_recorded_once_per_key
def test_a_long_phone_note_is_cut_with_the_marker(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 1, _long_phone_note)


def _long_phone_note(site: Site, route, cid: str) -> None:  # noqa: ANN001
    send = _sender(site, route, cid)

    def notes() -> list[str]:
        return [o["note"] for o in _recorded(site, route, cid)]

    r = send("nicht_angetroffen", "note35-1", LONG)
    assert r.status_code == 200, r.text
    assert notes() == [_cut(LONG)]
    assert len(notes()[0]) == MAX_NOTE_LENGTH
    # the same tap sent again with another key (queued twice): the same outcome
    again = send("nicht_angetroffen", "note35-2", LONG)
    assert again.status_code == 200 and again.json().get("doppelt") is True, again.text
    assert notes() == [_cut(LONG)]
    # the phone's own correction within its minutes, with another long note: cut the same
    other = "Doch angetroffen, Gespräch an der Tür. " * 55 + "SCHLUSS"
    fixed = send("angetroffen", "note35-3", other, statt="nicht_angetroffen")
    assert fixed.status_code == 200 and fixed.json().get("statt"), fixed.text
    assert [o["result"] for o in _recorded(site, route, cid)] == ["angetroffen"]
    assert notes() == [_cut(other)]


@sqlite_only()
def test_the_case_page_refuses_a_long_note_and_shows_it_cut_with_the_marker(
        site: Site, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: F811
    _on_fresh_stop(site, monkeypatch, 2, _long_case_note)


def _long_case_note(site: Site, route, cid: str) -> None:  # noqa: ANN001
    from tests.test_web import CITY
    from tests.test_web_forms_kept import _hidden, _outcome_form
    from tests.web_fixtures import logged_in
    from tests.web_fixtures import page_text as _text

    with logged_in(site.url, "kora") as kora:
        page = kora.get(f"/faelle/{cid}?stadt={CITY}").text
        r = kora.post("/fall-ergebnis", data={
            **_hidden(_outcome_form(page, "nachtragen")), "ergebnis": "nicht_angetroffen",
            "uhrzeit": "10:05", "notiz": LONG})
        assert r.status_code == 400, _text(r.text)[-800:]
        assert (f"Notiz: höchstens {MAX_NOTE_LENGTH} Zeichen, erhalten {len(LONG)}; das "
                "Feld zeigt sie gekürzt (endet mit „[…gekürzt]“).") in _text(r.text)
        form = html.unescape(_outcome_form(r.text, "nachtragen"))
        assert f'value="{_cut(LONG)}"' in form, form[-600:]
        assert _recorded(site, route, cid) == []
