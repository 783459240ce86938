"""QA 26 F7: the address map's status line (``#karten-hinweis``, role=status) says when a
point was set by a click into the map or by dragging the marker, with the point in German
numbers, in the words the confirmation after saving uses („Breite 50,873143, Länge
9,734402“, QA 33c L7); it kept saying „noch kein Punkt“ while Breite and Länge were filled. In
Chromium at 390 px over the Lauf list of :mod:`tests.test_web_address_verdict`."""

from __future__ import annotations

import re

import pytest

from tests.test_web_address_verdict import AMBIGUOUS, LaufSite, lauf_site  # noqa: F401
from tests.web_fixtures import log_in_page


def _german(value: str) -> str:
    """A field's number as the line says it: its digits with a decimal comma (QA 33c L7)."""
    assert re.fullmatch(r"-?\d+\.\d{6}", value), value  # the field keeps a point
    return value.replace(".", ",")


@pytest.mark.browser
def test_the_map_hint_says_a_point_was_set(lauf_site: LaufSite) -> None:  # noqa: F811
    from tests.browser import Recorder, shared_browser

    with shared_browser() as browser:
        ctx = browser.new_context(viewport={"width": 390, "height": 844},
                                  locale="de-DE", timezone_id="Europe/Berlin",
                                  service_workers="block", reduced_motion="reduce")
        rec = Recorder(tile_host="tile.openstreetmap.org")
        ctx.route("**/*", rec.handle_route)
        page = ctx.new_page()
        rec.attach_page(page)
        page.set_default_timeout(30_000)
        log_in_page(page, lauf_site.url, "lena")
        page.goto(lauf_site.url + "/adressen")
        page.wait_for_selector("#adresskarte .leaflet-control-zoom-in")
        row = page.locator(f"tr#adresse-{AMBIGUOUS}")
        lat, lon = row.locator("input[name=breite]"), row.locator("input[name=laenge]")
        row.locator("button.show-on-map").click()
        assert (lat.input_value(), lon.input_value()) == ("", "")
        hint = page.locator("#karten-hinweis")
        assert "Hauseingang anklicken" in hint.inner_text()
        box = page.locator("#adresskarte").bounding_box()
        page.locator("#adresskarte").click(position={"x": box["width"] * 0.85,
                                                     "y": box["height"] * 0.3})
        said = (f"{AMBIGUOUS}: Punkt gesetzt (Breite {_german(lat.input_value())}, "
                f"Länge {_german(lon.input_value())}). „Speichern“ übernimmt ihn.")
        assert hint.inner_text() == said, hint.inner_text()
        assert hint.get_attribute("role") == "status"
        # dragging the marker: the line follows
        before = (lat.input_value(), lon.input_value())
        marker = page.locator("#adresskarte .leaflet-marker-icon").bounding_box()
        x, y = marker["x"] + marker["width"] / 2, marker["y"] + marker["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x - 60, y + 40, steps=8)
        page.mouse.up()
        assert (lat.input_value(), lon.input_value()) != before
        said = (f"{AMBIGUOUS}: Punkt gesetzt (Breite {_german(lat.input_value())}, "
                f"Länge {_german(lon.input_value())}). „Speichern“ übernimmt ihn.")
        assert hint.inner_text() == said, hint.inner_text()
        # saved: the confirmation names the same point in the same words (and the
        # fields sent it with a point: machine-readable)
        point = said.split(": ", 1)[1].removeprefix("Punkt gesetzt ").split(".")[0]
        assert point.startswith("(Breite ") and point.endswith(")"), point
        with page.expect_navigation():
            row.locator("button.primary", has_text="Speichern").click()
        assert page.locator("p.ok").inner_text().startswith(
            f"Punkt {point} für {AMBIGUOUS} gespeichert."), page.locator("p.ok").inner_text()
        assert not rec.page_errors and not rec.violations, (rec.page_errors,
                                                            rec.violations)
