"""QA 42a F10, first half, in Debian's headless Chromium: the explanation of a chance
never breaks inside a time band or a weekday span.

The print sheet's narrow column „Kunde / Adresse / Notiz“ broke „in der Stadt Di–Fr 8–“ /
„10 Uhr 12 % mit Kontakt“ and „Mi–Fr 12–“ / „14 Uhr“. The pages now keep each band,
time, weekday span and share on one line (a ``<span class="nobr">``) and the words stay
as the model wrote them. Checked on the print sheet at A4 (print media, the width of the
page inside its margins) and on the route page of a 390 px phone, with the chances of a
model fitted on outcomes of people in the plan's districts.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta

import pytest

from hausbesuch.athome import ContactModel, ContactRecord, visit_chances
from hausbesuch.maps import MapSettings
from hausbesuch.output import OutputFiles, write_outputs
from hausbesuch.pages import words_nobr
from tests.browser import chromium_context, page_width, require_chromium, serve_directory
from tests.test_maps import sample_districts, sample_plan
from tests.test_narrow_pages36 import _LINES_OF

#: the width of an A4 page inside the sheet's margins (``@page { margin: 12mm 10mm }``):
#: 190 mm at 96 px per inch
A4_INNER_PX = 718
#: what must stay on one line wherever the texts hold it
TOGETHER = ("8–10 Uhr", "10–12 Uhr", "12–14 Uhr", "14–16 Uhr", "Di–Fr", "Mi–Fr")


def _records() -> list[ContactRecord]:
    """Four weeks of November 2026 before the plan: in each district a dozen people
    visited Tuesday to Friday (Wednesday to Friday in one) in each band (the morning
    mostly not met, around noon mostly met); the plan's clients each once on a Tuesday morning
    without contact."""
    out = []
    monday = date(2026, 11, 2)
    first_day = {"Innenstadt": 1, "Hohe Luft": 2, "Johannesberg": 1}
    for district, first in first_day.items():
        for k in range(12):
            person = f"{district[:2].upper()}-{k:02d}"
            for week in range(4):
                day = monday + timedelta(days=7 * week + first + (k + week) % (5 - first))
                for hour, met in ((8, k % 8 == 0), (10, k % 3 == 0), (12, k % 5 != 0),
                                  (14, k % 2 == 0)):
                    out.append(ContactRecord(person, district, day, hour * 60 + 30 + k,
                                             "angetroffen" if met else "nicht_angetroffen"))
    for route in sample_plan().routes:
        for s in route.stops:
            out.append(ContactRecord(s.client_id, s.district, date(2026, 11, 24), 8 * 60 + 30,
                                     "nicht_angetroffen"))
    return out


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[OutputFiles, dict]:
    require_chromium()
    plan = sample_plan()
    chances = visit_chances(ContactModel.fit(_records()),
                            [s for r in plan.routes for s in r.stops])
    return write_outputs(plan, tmp_path_factory.mktemp("out"), districts=sample_districts(),
                         chances=chances), chances


@pytest.fixture(scope="module")
def page(written: tuple[OutputFiles, dict]) -> Iterator[object]:
    with serve_directory(written[0].out_dir) as url, \
            chromium_context(MapSettings().tile_host) as (ctx, _rec):
        p = ctx.new_page()
        p.base_url = url  # type: ignore[attr-defined]
        yield p
        p.close()


def _lines(page, selector: str) -> dict[str, list[int]]:  # noqa: ANN001
    """By each of :data:`TOGETHER`, the lines each of its occurrences in ``selector``'s
    elements takes."""
    return {w: page.evaluate(_LINES_OF, [selector, w]) for w in TOGETHER}


def _routes() -> list:
    return [r for r in sample_plan().routes if r.stops]


@pytest.mark.slow
@pytest.mark.browser
def test_the_print_sheet_at_a4_never_breaks_inside_a_band(page, written) -> None:  # noqa: ANN001
    out, chances = written
    texts = {c.text for c in chances.values()}
    # the texts name bands and weekday spans as the QA saw them
    assert any("Di–Fr 8–10 Uhr" in t for t in texts), texts
    assert any("Mi–Fr 10–12 Uhr" in t for t in texts), texts
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_INNER_PX, "height": 1100})
    seen = 0
    for route in _routes():
        page.goto(f"{page.base_url}/druck/{out.by_slug(route.slug).sheet.name}")
        assert page.locator("td.kunde .chance").count() == len(route.stops)
        lines = _lines(page, "td.kunde .chance")
        seen += sum(len(v) for v in lines.values())
        assert all(n == 1 for v in lines.values() for n in v), (route.slug, lines)
        # the words as the model wrote them (what a screen reader reads)
        said = page.evaluate("[...document.querySelectorAll('td.kunde .chance')]"
                             ".map(e => e.textContent)")
        for s, text in zip(route.stops, said, strict=True):
            c = chances.of(s)
            assert text == f"Chance auf Kontakt: {c.percent} · {c.text}", text
    assert seen >= 2 * sum(len(r.stops) for r in _routes()), seen
    page.emulate_media(media="screen")


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.parametrize("width", [320, 360, 390])
def test_the_route_page_on_a_phone_never_breaks_inside_a_band(page, written,  # noqa: ANN001
                                                              width: int) -> None:
    out, _ = written
    page.set_viewport_size({"width": width, "height": 844})
    for route in _routes():
        page.goto(f"{page.base_url}/routen/{out.by_slug(route.slug).page.name}")
        assert page_width(page) <= width
        lines = _lines(page, ".chance")
        assert sum(len(v) for v in lines.values()) >= 2 * len(route.stops), lines
        assert all(n == 1 for v in lines.values() for n in v), (route.slug, lines)
        assert page.evaluate("getComputedStyle(document.querySelector('.chance .nobr'))"
                             ".whiteSpace") == "nowrap"


def test_bands_days_and_shares_are_marked_and_the_words_stay() -> None:
    text = ("1 Versuch vormittags ohne Erfolg; in der Stadt Di–Fr 8–10 Uhr 12 % mit "
            "Kontakt (10 Besuche); im Bezirk Mo–Mi, Fr 11:30–13 Uhr 100 %")
    marked = str(words_nobr(text))
    assert marked == (
        '1 Versuch vormittags ohne Erfolg; in der Stadt <span class="nobr">Di–Fr</span> '
        '<span class="nobr">8–10 Uhr</span> <span class="nobr">12 %</span> mit Kontakt '
        '(10 Besuche); im Bezirk <span class="nobr">Mo–Mi</span>, Fr '
        '<span class="nobr">11:30–13 Uhr</span> <span class="nobr">100 %</span>')
    assert str(words_nobr("vor 8 Uhr geschätzt wie 8–10 Uhr; 12:00–12:59")) == (
        'vor <span class="nobr">8 Uhr</span> geschätzt wie <span class="nobr">8–10 Uhr</span>; '
        '<span class="nobr">12:00–12:59</span>')
    # escaped as before, nothing inside an entity or a word
    assert str(words_nobr("a<b & 'c' K-1001 Ri–Fo 2024")) == \
        "a&lt;b &amp; &#39;c&#39; K-1001 Ri–Fo 2024"


def test_the_phone_keeps_them_together_too() -> None:
    """The phone's page (worker.html.j2, its own stylesheet) marks the chance's text with
    the same filter; its stylesheet keeps a marked piece on one line."""
    from hausbesuch.web.app import WEB_DIR

    css = (WEB_DIR / "static" / "app.css").read_text(encoding="utf-8")
    assert re.search(r"^\.nobr \{ white-space: nowrap; \}$", css, re.M)
    template = (WEB_DIR / "templates" / "worker.html.j2").read_text(encoding="utf-8")
    assert "{{ ch.text|nobr }}" in template and "{{ ch.text }}" not in template
