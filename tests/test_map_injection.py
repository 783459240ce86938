"""Text on a map is never evaluated as a Jinja2 template (server-side template injection).

branca 0.8 compiles the rendered markup of every map element as a new Jinja2 template and
renders it again; ``{{ 7*7 }}`` in a client id became ``49`` on the maps, and Jinja2 is
not sandboxed there. ``hausbesuch.maps`` renders in one pass (``_one_pass``) and escapes
braces in every text it hands to Folium (``escape_map_text``).
"""

from __future__ import annotations

import dataclasses
import html
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import branca.element
import folium
import pytest
from shapely.geometry import box, mapping

from hausbesuch import maps
from hausbesuch.maps import Districts, MapSettings, overview_map, render_map, route_map
from tests.planning_fixtures import PLANNED_ON
from tests.test_maps import sample_districts, sample_plan

REPO = Path(__file__).resolve().parents[1]
#: (written, what a second template pass makes of it)
TEMPLATES = [
    ("Q-{{7*7}}", "Q-49"),
    ("Q-{% if true %}X{% endif %}Y", "Q-XY"),
    ("Q-{# c #}Z", "Q-Z"),
]


#: What Folium's ``tojavascript`` escapes in a JSON string (an attribution, a layer name)
_JSON_ESCAPES = {"\\u003c": "<", "\\u003e": ">", "\\u0026": "&", "\\u0027": "'"}


def _seen(page: str) -> str:
    """The page as a reader sees its text: JSON escapes and entities decoded."""
    for k, v in _JSON_ESCAPES.items():
        page = page.replace(k, v)
    return html.unescape(page)


def _assert_literal(page: str, written: str, evaluated: str) -> None:
    seen = _seen(page)
    assert evaluated not in seen, f"{written!r} was evaluated to {evaluated!r}"
    assert written in seen, f"{written!r} is not on the page"


# --------------------------------------------------------------------- (a) the root fix


@pytest.mark.parametrize(("written", "evaluated"), TEMPLATES)
def test_text_added_to_a_map_directly_is_rendered_once(written: str, evaluated: str) -> None:
    """Not through escape_map_text: a tooltip, a popup and a layer name with template
    syntax, straight into Folium, come out as written (the one-pass rendering alone)."""
    plan = sample_plan()
    m = route_map(plan.routes[0], MapSettings(city="Bad Hersfeld"))
    marker = folium.Marker([50.87, 9.71], tooltip=folium.Tooltip(f"T {written}"),
                           popup=folium.Popup(f"P {written}"))  # Popup: folium.map's own path
    fg = folium.FeatureGroup(name=f"L {written}").add_to(m)
    marker.add_to(fg)
    page = render_map(m)
    for prefix in ("T ", "P ", "L "):
        assert prefix + evaluated not in page
        assert prefix + written in page  # not even entities: nothing escaped this text
    # a notebook shows the map through Figure._repr_html_ (the page in an iframe's srcdoc)
    shown = html.unescape(m._repr_html_())
    assert "T " + evaluated not in shown and "T " + written in shown


def test_ordinary_maps_render_as_branca_renders_them() -> None:
    """One pass changes nothing for text without template syntax: the pages equal those of
    branca's own two passes (the sample plan's braces aside, which are entities by now)."""
    plan, districts = sample_plan(), sample_districts()
    settings = MapSettings(city="Bad Hersfeld")
    builders = [lambda: overview_map(plan, settings, districts=districts)]
    builders += [lambda r=r: route_map(r, settings, districts=districts) for r in plan.routes]
    for build in builders:
        one = render_map(build())
        m = build()
        two = maps._stable_ids(branca.element.Figure.render(m.get_root()))
        two = two.replace("<html>", '<html lang="de">', 1)
        two = maps._VIEWPORT.sub(maps.VIEWPORT_META, two, count=1)
        assert one == two


# --------------------------------------------------------------------- (d) the lock


def test_the_swap_is_undone_when_rendering_fails() -> None:
    original = branca.element.Template
    m = route_map(sample_plan().routes[0], MapSettings(city="Bad Hersfeld"))

    class Boom(folium.Marker):
        def render(self, **kwargs):  # noqa: ANN003, ANN201
            assert branca.element.Template is not original  # the swap is in place
            raise RuntimeError("boom")

    Boom([50.87, 9.71]).add_to(m)
    with pytest.raises(RuntimeError, match="boom"):
        render_map(m)
    assert branca.element.Template is original
    # and a lock that is free again: another thread can render
    done: list[str] = []
    t = threading.Thread(target=lambda: done.append(render_map(
        route_map(sample_plan().routes[0], MapSettings(city="Bad Hersfeld")))))
    t.start()
    t.join(60)
    assert done and "</html>" in done[0]
    assert branca.element.Template is original


def test_renders_in_threads_leave_branca_as_it_was() -> None:
    original = branca.element.Template
    plan = sample_plan()
    settings = MapSettings(city="Bad Hersfeld")
    pages: list[str] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(3):
                m = route_map(plan.routes[0], settings)
                folium.Marker([50.87, 9.71], tooltip="W {{7*7}}").add_to(m)
                pages.append(render_map(m))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors
    assert len(pages) == 12 and all("W {{7*7}}" in p and "W 49" not in p for p in pages)
    assert branca.element.Template is original


# --------------------------------------------------------------------- (c) district names


@pytest.mark.parametrize(("written", "evaluated"), TEMPLATES)
def test_district_names_with_braces_on_the_overview(written: str, evaluated: str) -> None:
    plan = sample_plan()
    d = sample_districts()
    districts = Districts((f"B-{written}", *d.names[1:]), d.geometries)
    page = render_map(overview_map(plan, MapSettings(city="Bad Hersfeld"), districts=districts))
    _assert_literal(page, f"B-{written}", f"B-{evaluated}")


def test_title_and_attribution_with_braces() -> None:
    settings = MapSettings(city="Stadt {{7*7}}", attribution="Quelle {{6*7}}")
    plan = dataclasses.replace(sample_plan(), city="Stadt {{7*7}}")
    page = render_map(overview_map(plan, settings))
    _assert_literal(page, "Quelle {{6*7}}", "Quelle 42")
    _assert_literal(page, "<title>Übersicht Stadt {{7*7}}</title>", "Stadt 49")


# --------------------------------------------------------------------- (b) the real pipeline

ROWS = [
    # (Kundennummer, Straße, Hausnummer, Notiz)
    ("Q-{{7*7}}", "Am Markt", "16", "NZ-{{6*7}}"),
    # a statement tag without „endif“: five letters in a row are no Kundennummer (QA 28 F3)
    ("Q-{% set y = 7 %}X{{ y }}Y", "Ahornweg", "1", "NZ-{% if true %}U{% endif %}V"),
    ("Q-{# c #}Z", "Ahornweg", "11", "NZ-{# d #}W"),
]
EVALUATED = ["Q-49", "Q-X7Y", "Q-Z", "NZ-42", "NZ-UV", "NZ-W", "D-49", "D-XY"]


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("inject")
    clients = tmp / "kunden.csv"
    lines = ["Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit;Zeitfenster;"
             "Besuchsdauer;Notiz"]
    lines += [f"{cid};;{street};{hn};36251;Bad Hersfeld;01.03.2025;;;{note}"
              for cid, street, hn, note in ROWS]
    clients.write_text("\n".join(lines) + "\n", encoding="utf-8")
    # a user's district file: two halves of the town, names with template syntax
    west, east = box(9.60, 50.80, 9.7080, 50.95), box(9.7080, 50.80, 9.80, 50.95)
    fc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "D-{{7*7}}"}, "geometry": mapping(west)},
        {"type": "Feature", "properties": {"name": "D-{% if true %}X{% endif %}Y"},
         "geometry": mapping(east)},
    ]}  # fmt: skip
    districts = tmp / "bezirke.geojson"
    districts.write_text(json.dumps(fc), encoding="utf-8")
    out = tmp / "plan"
    # planned as on the Friday before (an exercise's day): the whole day whatever the time
    # of the real 07.12.2026 (a first day that is today is planned from now, QA 40 F5)
    env = {**os.environ, "PYTHONPATH": str(REPO), "HAUSBESUCH_HEUTE": PLANNED_ON.isoformat()}
    res = subprocess.run(
        [sys.executable, "-m", "hausbesuch", "plan", str(clients), "--city", "bad-hersfeld",
         "--start", "2026-12-07", "--days", "1", "--time-limit", "1", "--threads", "1",
         "--districts", str(districts), "--out", str(out), "--db", f"sqlite:///{tmp / 'p.db'}"],
        capture_output=True, text=True, timeout=300, cwd=tmp, env=env)
    assert res.returncode == 0, res.stdout + res.stderr
    assert "3 geplant" in res.stdout, res.stdout
    return out


def test_plan_pages_show_list_cells_and_district_names_as_written(planned: Path) -> None:
    pages = sorted(planned.rglob("*.html"))
    maps_ = [p for p in pages if p.parent.name == "karten"] + [planned / "uebersicht.html"]
    assert len(maps_) >= 2 and all(p.is_file() for p in maps_)
    for p in pages:
        seen = _seen(p.read_text(encoding="utf-8"))
        bad = [e for e in EVALUATED if e in seen]
        assert not bad, f"{p.relative_to(planned)} shows the evaluated {bad}"
    overview = _seen((planned / "uebersicht.html").read_text(encoding="utf-8"))
    for cid, *_ in ROWS:
        assert cid in overview
    assert "D-{{7*7}}" in overview and "D-{% if true %}X{% endif %}Y" in overview
    route_maps = "".join(_seen(p.read_text(encoding="utf-8")) for p in maps_[:-1])
    for cid, _street, _hn, note in ROWS:
        assert cid in route_maps and note in route_maps


# --------------------------------------------------------------------- the second line


def test_escaped_text_survives_a_second_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """Should rendered markup be compiled again after all (the one-pass guard switched off,
    as by a future branca), what maps.py hands to Folium still reads as no template:
    escape_map_text turns braces into entities (ids, notes, districts, title, attribution)."""
    import contextlib

    monkeypatch.setattr(maps, "_one_pass", contextlib.nullcontext)
    plan = sample_plan()
    stop = plan.routes[0].stops[0]
    route = dataclasses.replace(plan.routes[0], stops=(
        dataclasses.replace(stop, client_id="Q-{{7*7}}", notiz="NZ-{{6*7}}"),
        *plan.routes[0].stops[1:]))
    plan = dataclasses.replace(plan, routes=[route, *plan.routes[1:]], city="Stadt {{5*5}}")
    d = sample_districts()
    districts = Districts(("B-{{8*8}}", *d.names[1:]), d.geometries)
    settings = MapSettings(city="Stadt {{5*5}}", attribution="Quelle {{4*4}}")
    rm = route_map(route, settings, districts=districts)
    folium.Marker([50.87, 9.71], tooltip="G-{{3*3}}").add_to(rm)  # not escaped: evaluated
    pages = [render_map(overview_map(plan, settings, districts=districts)), render_map(rm)]
    assert "G-9" in pages[1]  # the guard is really off: nothing but the escaping protects
    for written, evaluated in [("Q-{{7*7}}", "Q-49"), ("Quelle {{4*4}}", "Quelle 16"),
                               ("B-{{8*8}}", "B-64")]:
        for page in pages:
            _assert_literal(page, written, evaluated)
    _assert_literal(pages[0], "<title>Übersicht Stadt {{5*5}}</title>", "Stadt 25")
    _assert_literal(pages[1], "NZ-{{6*7}}", "NZ-42")
