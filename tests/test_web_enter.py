"""What the Enter key and a refused outcome do in Chromium (found in QA round 10), against
the planned Bad Hersfeld week of :mod:`tests.test_web` (its ``site`` fixture):

- address page: Enter in the "Adresse" field stores the typed address, not the first of
  the geocoder's suggestions (the browser's implicit submission used the first submit
  button of the form), and the confirmation names what was stored;
- worker page: Enter in the appointment fields records no outcome (it recorded
  "Angetroffen" and dropped the appointment);
- worker page: an outcome recorded without signal that the server refuses (400) stays on
  the phone with the server's reason and its note, until recorded again or discarded
  (it was deleted from the phone).
"""

from __future__ import annotations

import csv
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from tests import test_web
from tests.test_web_messages import _address_of, _client_rows
from tests.test_web_ux import _browser, _log_in
from tests.web_fixtures import HEADER, NAME_MARK, Site

site = test_web.site  # the planned Bad Hersfeld week on loopback (session fixture)
CITY = test_web.CITY
BERLIN = ZoneInfo("Europe/Berlin")
ENTER_ID = "ENTER-1"


def _import_with_suggestions(site: Site, tmp: Path) -> None:  # noqa: F811
    """A client at „Bahnhof 1“: not found, with suggestions (Bahnhofsplatz, …)."""
    from hausbesuch.web import casework_api

    path = tmp / "bahnhof.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(HEADER)
        w.writerow([ENTER_ID, f"{NAME_MARK} Enter", "Bahnhof", "1", "36251", "Bad Hersfeld",
                    "01.02.2024", "", "", "", "30", ""])
    report = casework_api.import_clients(site.store, site.app.state.web.profile(CITY),
                                         str(path), "test")
    assert report["rejected"] == [], report


def _fix_of(site: Site, client_id: str):  # noqa: ANN202, F811
    from hausbesuch.store import AddressFixRow

    with site.store.session() as s:
        return s.scalars(select(AddressFixRow).where(AddressFixRow.client_id == client_id)
                         ).first()


@pytest.mark.browser
def test_enter_in_the_address_field_stores_the_typed_address(site: Site, tmp_path: Path
                                                             ) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    _import_with_suggestions(site, tmp_path)
    typed = _address_of(_client_rows(site)["W001"])
    with sync_playwright() as pw:
        browser = _browser(pw)
        try:
            page = browser.new_page(locale="de-DE")
            page.set_default_timeout(30_000)
            _log_in(page, site)
            page.goto(site.url + "/adressen")
            row = page.locator(f"#adresse-{ENTER_ID}")
            assert row.locator("ol.suggestions button").count() >= 1  # the trap is there
            row.locator("input[name=adresse]").fill(typed)
            row.locator("input[name=adresse]").press("Enter")
            page.wait_for_selector("p.ok")
            assert "art=adresse" in page.url, page.url
            shown = page.inner_text("p.ok")
            assert shown.startswith(f"Adresse „{typed}“ für {ENTER_ID} gespeichert."), shown
            fix = _fix_of(site, ENTER_ID)
            assert fix is not None and fix.address == typed
            # the visible "Speichern" is still the one a click uses
            assert page.locator("form.fix-form button.primary").first.inner_text() == \
                "Speichern"
        finally:
            browser.close()
