"""What a screen reader gets, read from the accessibility tree Chromium builds (CDP
``Accessibility.getFullAXTree``), for the pages a screen reader user meets most: the
login, the worker's day page behind a link (phone), the coordinator's plan and the static
pages of a team-day: its route page, print sheet and map (``routen/``, ``druck/``,
``karten/*.html``), and a plan's overview map (``uebersicht.html``).

Each page: ``lang="de"``, the landmarks (banner, main; navigation where there is a menu),
one h1 and no skipped heading level, every control with a name, and no two links of one
name leading to different places (a list of the page's links must say where each goes).
Beyond that, what :mod:`tests.test_a11y` does not check already:

- login: a refused login is read with the focused name field (an alert already in the
  page when it loads is not announced by every reader);
- worker page and route page: the stops are one ordered list, a heading per stop in the
  order of their numbers; „Navigation starten“ (and „Ergebnis ändern“) name their stop;
- plan: the map's drawing is no unnamed image, the map region is described by the table
  that holds its stops; the pin form's team-day field has a name of its own (not „auf“);
- worker page: an outcome's confirmation („Gespeichert“, „Übermittelt“, and the page a
  form sent without the script leads to) takes the focus;
- route map: no unnamed image, the locate control a button, a stop's pin read as its stop;
- overview map: no unnamed image, its heading read only;
- a plan's ``index.html``: one h1, one banner and main with the overview map's frame
  read as part of it (the framed map page drops its own), the frame named by where its
  visits are as text, and those tables hold every visit the map draws.
"""

from __future__ import annotations

import re

import pytest

from tests import test_web
from tests.browser import ax_node
from tests.test_a11y import _coordinator_page, _worker_phone
from tests.test_worker_cache import _visit_time
from tests.web_fixtures import Site

site = test_web.sqlite_site

pytestmark = pytest.mark.browser

#: Roles a user operates (each needs a name).
_CONTROLS = {"button", "link", "textbox", "combobox", "checkbox", "radio", "spinbutton",
             "searchbox", "listbox", "slider", "switch", "DisclosureTriangle"}
_LANDMARKS = {"banner", "main", "navigation", "contentinfo", "complementary", "region",
              "search", "form"}


def _tree(page) -> list[dict]:  # noqa: ANN001
    """The page's accessibility tree (not ignored nodes) in document order: role, name,
    description, heading level, the link's URL, and its parent's index."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("Accessibility.enable")
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    out = []
    for n in nodes:
        if n.get("ignored"):
            continue
        props = {p["name"]: p["value"].get("value") for p in n.get("properties", [])}
        out.append({"id": n["nodeId"], "parent": n.get("parentId"),
                    "role": n.get("role", {}).get("value"),
                    "name": (n.get("name", {}).get("value") or "").strip(),
                    "description": n.get("description", {}).get("value") or "",
                    "level": props.get("level"), "url": props.get("url")})
    return out


def _check_page(page, *, navigation: str | None = None) -> list[dict]:  # noqa: ANN001
    """The checks every page passes (see the module's docstring); returns the tree."""
    assert page.evaluate("document.documentElement.lang") == "de"
    tree = _tree(page)
    roles = [n["role"] for n in tree]
    assert roles.count("main") == 1 and roles.count("banner") == 1, \
        [r for r in roles if r in _LANDMARKS]
    if navigation:
        assert [n["name"] for n in tree if n["role"] == "navigation"] == [navigation]
    levels = [int(n["level"]) for n in tree if n["role"] == "heading"]
    assert levels.count(1) == 1 and levels[0] == 1, levels
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels  # none skipped
    unnamed = [n["role"] for n in tree if n["role"] in _CONTROLS and not n["name"]]
    assert unnamed == [], unnamed
    # a link's name says where it goes: one name, one target (a page's own filter, such
    # as „?stadt=…“, is the same place)
    targets: dict[str, set[str]] = {}
    for n in tree:
        if n["role"] == "link":
            targets.setdefault(n["name"], set()).add(n["url"].split("?")[0] if
                                                     n["url"].startswith("http") else n["url"])
    assert {k: v for k, v in targets.items() if len(v) > 1} == {}
    return tree


#: Roles a reader announces as a picture: each needs a name.
_PICTURES = ("image", "img", "SvgRoot", "graphics-document", "graphics-symbol")


def _within(tree: list[dict], n: dict | None, role: str) -> bool:
    """Whether node ``n`` of ``tree`` lies inside a node of ``role``."""
    by_id = {x["id"]: x for x in tree}
    while n is not None and n["role"] != role:
        n = by_id.get(n["parent"])
    return n is not None


def _map_buttons(tree: list[dict]) -> list[str]:
    """The names of the buttons in the map page's main (its pins first), after checking that
    no picture is unnamed."""
    pictures = [n for n in tree if n["role"] in _PICTURES]
    assert [n for n in pictures if not n["name"]] == [], pictures
    return [n["name"] for n in tree if n["role"] == "button" and _within(tree, n, "main")]


def _stop_list(tree: list[dict]) -> list[str]:
    """The headings inside the listitems of the page's list of stops, in order."""
    by_id = {n["id"]: n for n in tree}

    def item_of(n: dict) -> dict | None:
        while n is not None and n["role"] != "listitem":
            n = by_id.get(n["parent"])
        return n

    heads = [n for n in tree if n["role"] == "heading" and n["level"] == 2]
    items = [item_of(h) for h in heads]
    assert all(items), "a stop's heading outside the list"
    lists = {by_id[i["parent"]]["role"] for i in items}
    assert lists == {"list"}, lists
    return [h["name"] for h in heads]


def test_login_page_reads_and_a_refused_login_is_heard(site: Site) -> None:  # noqa: F811
    from tests.browser import shared_browser

    with shared_browser() as browser:
        page = browser.new_page(locale="de-DE")
        page.goto(f"{site.url}/anmelden")
        tree = _check_page(page)
        assert [n["name"] for n in tree if n["role"] == "heading"] == ["Anmelden"]
        named = [(n["role"], n["name"]) for n in tree if n["role"] in _CONTROLS]
        assert ("textbox", "Benutzername") in named and ("textbox", "Passwort") in named
        assert ("button", "Anmelden") in named
        # refused: the alert is there, and read with the name field the page focuses
        page.fill("input[name=name]", "niemand-da")
        page.fill("input[name=passwort]", "falsches-passwort-1")
        page.click("button[type=submit]")
        page.wait_for_selector("[role=alert]")
        assert page.get_by_role("alert").inner_text() == "Benutzername oder Passwort falsch."
        assert page.evaluate("document.activeElement.name") == "name"
        field = next(n for n in _tree(page) if n["role"] == "textbox"
                     and n["name"] == "Benutzername")
        assert field["description"] == "Benutzername oder Passwort falsch.", field
        _check_page(page)


def test_worker_day_page_reads_stop_by_stop(site: Site,  # noqa: F811
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    with _worker_phone(site, monkeypatch) as (route, ctx, page, errors):
        tree = _check_page(page)
        [title] = [n["name"] for n in tree if n["role"] == "heading" and n["level"] == 1]
        assert title.startswith(f"{route.team_id} · "), title
        heads = _stop_list(tree)
        stops = [s for s in route.stops if not s.called_off]
        assert len(heads) == len(route.stops)
        numbers = [int(re.match(r"Stopp (\d+) · \d\d:\d\d Uhr · ", h)[1]) for h in heads]
        assert numbers == list(range(1, len(stops) + 1)), heads
        nav = [n["name"] for n in tree if n["role"] == "link"
               and n["name"].startswith("Navigation starten")]
        assert nav == [f"Navigation starten: Stopp {i} · {s.client_id}"
                       for i, s in enumerate(stops, 1)], nav
        # an outcome sent: „Ergebnis ändern“ names its stop, here and on the page made later
        stop1 = page.locator("li.stop").nth(0)
        _visit_time(stop1)  # (the phone's time fills in only the stop planned nearest it)
        stop1.locator("button[value=nicht_angetroffen]").click()
        page.wait_for_function("() => document.getElementById('zustand-1')"
                               ".textContent.includes('Übermittelt')", timeout=30_000)
        want = f"Ergebnis ändern: Stopp 1 · {stops[0].client_id}"
        assert [n["name"] for n in _tree(page) if n["role"] == "DisclosureTriangle"] == [want]
        page.reload()
        tree = _check_page(page)
        assert [n["name"] for n in tree if n["role"] == "DisclosureTriangle"] == [want]
        assert errors == []


def test_plan_view_reads_with_its_map_described_by_the_table(site: Site) -> None:  # noqa: F811
    with _coordinator_page(site) as page:
        page.goto(f"{site.url}/plaene/{site.plan_id}")
        page.goto(page.url)  # the newest version
        page.wait_for_selector("#karte path.leaflet-interactive")
        tree = _check_page(page, navigation="Hauptmenü")
        by_id = {n["id"]: n for n in tree}
        [region] = [n for n in tree if n["role"] == "region" and n["name"] == "Karte des Plans"]
        assert region["description"] == ("Die Besuche der Karte stehen in ihrer Reihenfolge "
                                          "in der Tabelle „Team-Tage“."), region

        def inside(n: dict, root: dict) -> bool:
            while n is not None and n is not root:
                n = by_id.get(n["parent"])
            return n is root

        # nothing in the map a reader announces as an image without a name
        pictures = [n for n in tree if n["role"] in _PICTURES and inside(n, region)]
        assert [n for n in pictures if not n["name"]] == [], pictures
        # the pin form's fields each named on their own
        fields = {n["name"] for n in tree if n["role"] in ("textbox", "combobox")}
        assert "auf Team und Tag" in fields and "auf" not in fields, fields


def test_static_route_page_reads_stop_by_stop(tmp_path) -> None:  # noqa: ANN001
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_plan

    plan = sample_plan()
    route = plan.routes[0]
    written = write_outputs(plan, tmp_path / "aus")
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{url}/routen/{written.by_slug(route.slug).page.name}")
        tree = _check_page(page, navigation="Ansichten")
        heads = _stop_list(tree)
        assert heads == [f"Stopp {i} · {s.start:%H:%M} Uhr · {s.client_id}"
                         for i, s in enumerate(route.stops, 1)], heads
        nav = [n["name"] for n in tree if n["role"] == "link"
               and n["name"].startswith("Navigation starten")]
        assert nav == [f"Navigation starten: Stopp {i} · {s.client_id}"
                       for i, s in enumerate(route.stops, 1)], nav
        assert rec.page_errors == []


def _focused_state(page, element_id: str, text: str) -> None:  # noqa: ANN001
    """The element ``element_id`` holds ``text`` and has the keyboard focus, in the DOM
    and in Chromium's accessibility tree (what a screen reader reads where it is)."""
    page.wait_for_function(
        "([id, t]) => document.activeElement && document.activeElement.id === id"
        " && document.activeElement.textContent.includes(t)",
        arg=[element_id, text], timeout=30_000)
    node = ax_node(page, f"#{element_id}")
    assert node["role"] == "status" and node.get("focused") is True, node


def _focus_ring(page) -> tuple[str, float]:  # noqa: ANN001
    """The outline the focused element shows: its style and width in CSS pixels."""
    style, width = page.evaluate("() => { const s = getComputedStyle(document.activeElement);"
                                 " return [s.outlineStyle, s.outlineWidth]; }")
    return style, float(width.removesuffix("px"))


def test_a_saved_outcome_takes_the_focus_on_the_phone(site: Site,  # noqa: F811
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """„Gespeichert“/„Übermittelt“ after a tap, and „Ergebnis … gespeichert“ on the page a
    form sent without the script leads to: each a status that also takes the focus (a
    status already in a page when it loads is not announced, and a live region alone is
    not heard by every reader while the focus stays on the tapped button)."""
    with _worker_phone(site, monkeypatch) as (route, ctx, page, errors):
        stops = [s for s in route.stops if not s.called_off]
        stop1 = page.locator("li.stop").nth(0)
        _visit_time(stop1)  # (the phone's time fills in only the stop planned nearest it)
        stop1.locator("button[value=nicht_angetroffen]").click()
        _focused_state(page, "zustand-1", "Übermittelt: Nicht angetroffen")
        # and it shows where the focus is, also after a tap (Chromium draws no ring of its
        # own for a focus moved after a pointer tap; WCAG 2.4.7)
        assert _focus_ring(page) == ("solid", 3.0), _focus_ring(page)
        # without signal: „Auf dem Telefon gespeichert (noch nicht gesendet): …, wird
        # gesendet, sobald Netz da ist.“
        ctx.set_offline(True)
        page.wait_for_function("() => document.getElementById('netz').textContent !== ''")
        _visit_time(page.locator("li.stop").nth(1))
        page.locator("li.stop").nth(1).locator("button[value=nicht_angetroffen]").click()
        _focused_state(page, "zustand-2",
                       "Auf dem Telefon gespeichert (noch nicht gesendet): Nicht angetroffen")
        assert _focus_ring(page) == ("solid", 3.0), _focus_ring(page)
        ctx.set_offline(False)
        assert errors == []
        url = page.url
        # the same page without the script: the form is sent, the page says it saved
        plain = ctx.browser.new_context(java_script_enabled=False, locale="de-DE",
                                        service_workers="block")
        try:
            phone = plain.new_page()
            phone.goto(url)
            third = phone.locator("li.stop").nth(2)
            # the visit time as typed: the field holds the planned start, which on a later
            # team-day of the fixture lies after the server's 10:05 and is refused (the
            # test then depended on which team-day the tests before it left fresh)
            third.locator("input[name=zeit]").fill("10:00")
            third.locator("button[value=nicht_angetroffen]").click()
            phone.wait_for_url("**gespeichert=**")
            assert phone.inner_text("p.ok") == (
                f"Ergebnis für {stops[2].client_id} gespeichert.")
            node = ax_node(phone, "p.ok")
            assert node["role"] == "status" and node.get("focused") is True, node
            assert _focus_ring(phone) == ("solid", 3.0), _focus_ring(phone)
        finally:
            plain.close()


def test_print_sheet_and_route_map_read_by_landmark_and_heading(tmp_path) -> None:  # noqa: ANN001
    """The print sheet and the route map of a team-day (``druck/``, ``karten/``) pass the
    checks of every page: the sheet had no banner and an unnamed navigation, the map no
    landmark nor heading at all, and its locate control was a link without a target that
    no keyboard reached. The sheet's table has its column headers; the map's
    drawing is no unnamed image, its pins are named buttons, and its links to the other
    views are a navigation „Ansichten“."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_plan

    plan = sample_plan()
    route = plan.routes[0]
    written = write_outputs(plan, tmp_path / "aus")
    files = written.by_slug(route.slug)
    day = f"{route.day:%d.%m.%Y}"
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{url}/druck/{files.sheet.name}")
        tree = _check_page(page, navigation="Ansichten")
        [title] = [n["name"] for n in tree if n["role"] == "heading"]
        assert title.startswith(f"Laufzettel {route.team_id} · ") and day in title, title
        assert [n["name"] for n in tree if n["role"] == "columnheader"] == [
            "Nr.", "Zeit", "Kunde / Adresse / Notiz", "Zeitfenster", "Ergebnis", "Bemerkung"]

        page.goto(f"{url}/karten/{files.map.name}")
        page.wait_for_selector(".hb-stop")
        page.wait_for_function("() => document.querySelector('.leaflet-overlay-pane svg')"
                               ".getAttribute('aria-hidden') === 'true'")
        page.click(".hb-legend summary")  # (folded on a phone: its links are read opened)
        tree = _check_page(page, navigation="Ansichten")
        [title] = [n["name"] for n in tree if n["role"] == "heading"]
        assert title.startswith(f"Karte {route.team_id} · ") and day in title, title
        buttons = _map_buttons(tree)
        # each pin read as its stop, not as the bare number it shows
        assert buttons[:len(route.stops)] == [
            f"Stopp {i} · {s.client_id} · {s.start:%H:%M} Uhr"
            for i, s in enumerate(route.stops, 1)], buttons
        # the locate control (an <a> without href) is a button a keyboard reaches
        assert ("button", "Meinen Standort zeigen") in {(n["role"], n["name"]) for n in tree}
        assert page.get_attribute(".leaflet-control-locate a", "tabindex") == "0"
        links = {n["name"] for n in tree if n["role"] == "link" and _within(tree, n, "navigation")}
        assert links == {"Routenliste", "Übersicht"}, links
        assert rec.page_errors == []


def test_overview_map_reads_by_landmark_and_heading(tmp_path) -> None:  # noqa: ANN001
    """The overview map of a plan (``uebersicht.html``) passes the checks of every page,
    as the route map does: it had no landmark and no heading. The heading (read only)
    names the city and the days; the map is the main, its drawing no unnamed image, the
    pins of the visits not planned buttons named by case id."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_plan

    plan = sample_plan()
    written = write_outputs(plan, tmp_path / "aus")
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{url}/{written.overview_map.name}")
        page.wait_for_selector(".hb-depot")
        page.wait_for_function("() => document.querySelector('.leaflet-overlay-pane svg')"
                               ".getAttribute('aria-hidden') === 'true'")
        tree = _check_page(page)
        [title] = [n["name"] for n in tree if n["role"] == "heading"]
        assert title == ("Übersichtskarte Bad Hersfeld · Montag, 07.12.2026 bis "
                         "Freitag, 11.12.2026"), title
        # read only: the map fills the screen
        box = page.locator("h1").bounding_box()
        assert box is not None and box["width"] <= 1 and box["height"] <= 1, box
        buttons = set(_map_buttons(tree))
        for u in plan.unassigned:
            if u.lon is not None:
                assert f"{u.client_id} · nicht eingeplant" in buttons, buttons
        assert "Meinen Standort zeigen" in buttons
        assert rec.page_errors == []


def _tree_with_frames(page) -> list[dict]:  # noqa: ANN001
    """The page's tree as a screen reader reads it: each frame's document (its own tree,
    CDP ``frameId``) in place of its ``Iframe`` node, nodes tagged with their frame."""
    cdp = page.context.new_cdp_session(page)
    try:
        children = cdp.send("Page.getFrameTree")["frameTree"].get("childFrames", [])
    finally:
        cdp.detach()
    out: list[dict] = []
    frames = iter(children)
    for n in _tree(page):
        out.append({**n, "frame": "top"})
        if n["role"] == "Iframe":
            frame = next(frames)["frame"]
            cdp = page.context.new_cdp_session(page)
            try:
                cdp.send("Accessibility.enable")
                nodes = cdp.send("Accessibility.getFullAXTree",
                                 {"frameId": frame["id"]})["nodes"]
            finally:
                cdp.detach()
            for m in nodes:
                if m.get("ignored"):
                    continue
                props = {p["name"]: p["value"].get("value") for p in m.get("properties", [])}
                out.append({"role": m.get("role", {}).get("value"),
                            "name": (m.get("name", {}).get("value") or "").strip(),
                            "level": props.get("level"), "frame": frame["url"]})
    assert next(frames, None) is None, "a frame without its Iframe node"
    return out


def test_plan_index_reads_with_one_h1_and_its_map_frame_named(tmp_path) -> None:  # noqa: ANN001
    """A plan's ``index.html`` embeds the overview map (``uebersicht.html``) in a frame; a
    reader reads the frame's document as part of the page, and the map page's own h1,
    banner and main made a second h1 and second landmarks there. Framed, the map page
    drops them: the index has one h1, one banner, one main, no skipped level. The map's
    planned visits are a drawing (hidden from readers); the frame's name says they are
    text in the tables „Besuche“ and „Nicht eingeplant“, which hold every visit drawn.
    Opened on its own the map page keeps its h1 and landmarks."""
    from hausbesuch.maps import MapSettings
    from hausbesuch.output import write_outputs
    from tests.browser import chromium_context, serve_directory
    from tests.test_maps import sample_plan

    plan = sample_plan()
    written = write_outputs(plan, tmp_path / "aus")
    with serve_directory(written.out_dir) as url, \
            chromium_context(MapSettings().tile_host, viewport=(1280, 900)) as (ctx, rec):
        page = ctx.new_page()
        page.goto(f"{url}/{written.index.name}")
        page.wait_for_load_state("load")  # the frame's document as well
        page.frame_locator("iframe").locator(".hb-depot").first.wait_for()
        tree = _tree_with_frames(page)
        assert {n["frame"] for n in tree} == {"top", f"{url}/{written.overview_map.name}"}
        heads = [(int(n["level"]), n["name"], n["frame"] == "top")
                 for n in tree if n["role"] == "heading"]
        assert [h for h in heads if h[0] == 1] == [(1, "Besuchsplan Bad Hersfeld", True)], heads
        levels = [h[0] for h in heads]
        assert levels[0] == 1 and all(b <= a + 1 for a, b in zip(levels, levels[1:],
                                                                  strict=False)), heads
        roles = [n["role"] for n in tree]
        assert roles.count("main") == 1 and roles.count("banner") == 1, \
            [(n["role"], n["frame"]) for n in tree if n["role"] in _LANDMARKS]
        # the frame: named by its map and where its visits are as text
        [frame] = [n["name"] for n in tree if n["role"] == "Iframe"]
        assert frame.startswith("Übersichtskarte") and "„Besuche“" in frame \
            and "„Nicht eingeplant“" in frame, frame
        # … and those tables hold every visit the map draws (planned ones: hidden drawing)
        shown = {n["name"] for n in tree if n["frame"] == "top" and n["role"] == "cell"}
        for r in plan.routes:
            for s in r.stops:
                assert any(c.startswith(s.client_id) for c in shown), s.client_id
        for u in plan.unassigned:
            assert u.client_id in shown, u.client_id
        # on its own the map page is a page with its heading and landmarks
        page.goto(f"{url}/{written.overview_map.name}")
        page.wait_for_selector(".hb-depot")
        alone = _tree(page)
        assert [n["level"] for n in alone if n["role"] == "heading"] == [1]
        assert {"banner", "main"} <= {n["role"] for n in alone}
        assert rec.page_errors == []
