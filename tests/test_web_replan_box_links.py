"""The „Neu planen“ boxes of a plan page and its *Ergebnisse* (``_termine_neu_planen``)
name each link after its target (session 45, helper webout: an a11y check flagged links
named by the plan id only that led to two targets, the re-plan form and the pins): links
of one accessible name lead to one target. Rendered with the web app's own templates."""

from __future__ import annotations

import html
import re
from types import SimpleNamespace


def _links(page: str) -> list[tuple[str, str]]:
    """(accessible name, href) of each link: its aria-label, else its text."""
    out = []
    for attrs, text in re.findall(r"<a ([^>]*)>(.*?)</a>", page, re.S):
        href = re.search(r'href="([^"]*)"', attrs)[1]
        label = re.search(r'aria-label="([^"]*)"', attrs)
        name = label[1] if label else re.sub(r"<[^>]+>", "", text)
        out.append((" ".join(html.unescape(name).split()), html.unescape(href)))
    return out


def test_links_of_one_name_lead_to_one_target() -> None:
    from hausbesuch.web.app import _templates

    page = _templates().env.get_template("_termine_neu_planen.html.j2").render(
        newest="20261207-080000-ab12cd", plan=SimpleNamespace(city="Bad Hersfeld"),
        to_replan=[("K-1", "Do, 10.12.2026, 10:00 Uhr", None),
                   ("K-2", "Fr, 11.12.2026, 09:00 Uhr", "Termin am … ist nicht einplanbar")],
        revisits=[("K-3", "Nicht angetroffen am …")], old_place=[("K-4", "neue Adresse")])
    links = _links(page)
    assert ("„Neu planen“ von Plan 20261207-080000-ab12cd",
            "/plaene/20261207-080000-ab12cd#neu-planen") in links, links
    assert ("Festlegungen von Plan 20261207-080000-ab12cd",
            "/plaene/20261207-080000-ab12cd#festlegungen") in links, links
    targets: dict[str, set[str]] = {}
    for name, href in links:
        targets.setdefault(name, set()).add(href)
    assert {n: t for n, t in targets.items() if len(t) > 1} == {}, targets
    # the visible text stays within the name (WCAG 2.5.3)
    for attrs, text in re.findall(r"<a ([^>]*)>(.*?)</a>", page, re.S):
        if (label := re.search(r'aria-label="([^"]*)"', attrs)) is not None:
            assert html.unescape(text).strip() in html.unescape(label[1])
