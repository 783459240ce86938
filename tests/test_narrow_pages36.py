"""QA 36 #10 and #11c in Debian's headless Chromium: nothing a user copies or reads as one
token breaks across lines.

- The print sheet at 390 px (a phone opening „Druckansicht“): a Kundennummer broke mid-id
  („142A45|6719“) and „Sprach|e:“ too, because the customer column let any word break
  anywhere and so shrank to a few characters.
- An option in a page's text (the index's „(Ausgabe und --report)“, an option in a plan's
  note or a reason) broke between „--“ and its name, which reads as a dash and a word.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest

from hausbesuch.maps import MapSettings
from hausbesuch.output import OutputFiles, write_outputs
from hausbesuch.pages import options_nobr
from tests.browser import chromium_context, page_width, require_chromium, serve_directory
from tests.test_maps import sample_districts, sample_plan

pytestmark = pytest.mark.browser

LONG_ID = "142A456719"
OPTION_NOTE = ("Bezirke fehlen: bitte hausbesuch districts --city lauf --out bezirke.geojson "
               "ausführen oder --districts-file angeben")


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> OutputFiles:
    require_chromium()
    plan = sample_plan()
    r = plan.routes[0]
    stops = [dataclasses.replace(s, client_id=LONG_ID if i == 0 else s.client_id,
                                 sprache=("Türkisch",)) for i, s in enumerate(r.stops)]
    plan.routes[0] = dataclasses.replace(r, stops=tuple(stops))
    plan.warnings = [OPTION_NOTE]
    plan.unassigned[0] = dataclasses.replace(
        plan.unassigned[0], reason="Kein Team spricht Farsi (Sprache in der Kundenliste); "
        "bitte die Teams ändern (Spalte „sprachen“ der Teams der Stadt: Seite „Teams“; "
        "hausbesuch teams --set) und neu planen.")
    return write_outputs(plan, tmp_path_factory.mktemp("out"), districts=sample_districts())


@pytest.fixture(scope="module")
def page(written: OutputFiles) -> Iterator[object]:
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host) as (ctx, _rec):
        p = ctx.new_page()
        p.base_url = url  # type: ignore[attr-defined]
        yield p
        p.close()


# the number of lines each element's text (or each occurrence of a word in it) takes
_LINES_OF = """([sel, word]) => [...document.querySelectorAll(sel)].flatMap(el => {
    if (!word) return [new Set([...el.getClientRects()].map(r => Math.round(r.top))).size];
    const out = [];
    const walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
        let i = n.data.indexOf(word);
        while (i >= 0) {
            const range = document.createRange();
            range.setStart(n, i); range.setEnd(n, i + word.length);
            out.push(new Set([...range.getClientRects()].map(r => Math.round(r.top))).size);
            i = n.data.indexOf(word, i + 1);
        }
    }
    return out;
})"""


def test_the_print_sheet_keeps_ids_and_words_whole_at_390_px(page, written: OutputFiles) -> None:
    route = sample_plan().routes[0]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{page.base_url}/druck/{written.by_slug(route.slug).sheet.name}")
    # (as before: on a phone's screen only the table scrolls sideways, not the page)
    assert page_width(page) <= 390
    ids = page.evaluate(_LINES_OF, ["td.kunde > strong:first-child", None])
    assert len(ids) == len(route.stops) and ids == [1] * len(ids), ids
    said = page.evaluate("[...document.querySelectorAll('td.kunde > strong:first-child')]"
                         ".map(e => e.textContent)")
    assert LONG_ID in said, said
    words = page.evaluate(_LINES_OF, ["td.kunde", "Sprache:"])
    assert len(words) == len(route.stops) and words == [1] * len(words), words


@pytest.mark.parametrize("width", [320, 390, 768, 1366])
def test_an_option_in_the_index_never_breaks_after_its_dashes(page, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    page.goto(f"{page.base_url}/index.html")
    shown = page.evaluate("[...document.querySelectorAll('.opt')].map(e => e.textContent)")
    # the fixed text (no list read), the plan's note and a reason
    assert {"--report", "--city", "--out", "--districts-file", "--set"} <= set(shown), shown
    lines = page.evaluate(_LINES_OF, [".opt", None])
    assert lines == [1] * len(shown), list(zip(shown, lines, strict=True))
    assert page.evaluate("getComputedStyle(document.querySelector('.opt')).whiteSpace") == \
        "nowrap"


def test_options_are_marked_but_nothing_else_changes() -> None:
    assert str(options_nobr("„--report“ & 8--10 Uhr, a<b, --from=2027-01-13")) == (
        '„<span class="opt">--report</span>“ &amp; 8--10 Uhr, a&lt;b, '
        '<span class="opt">--from=2027-01-13</span>')
    assert str(options_nobr("Zeile – kein Strich-Wort")) == "Zeile – kein Strich-Wort"
