"""QA 26 F4: the plan list (*Pläne*) gave the figures of the moment a plan was made
(„Besuche 35“) while the plan's page recounted („31 Besuche … 4 entfallen“), unlabelled.
The list now says that its figures are those „bei Erstellung“ and that the plan's page
counts the visits called off since. Over real HTTP against :mod:`tests.test_web`."""

from __future__ import annotations

import html
import re

from tests.test_web import site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, logged_in, sqlite_only


@sqlite_only()
def test_the_plan_list_labels_its_figures_as_those_of_the_plans_making(
        site: Site) -> None:  # noqa: F811
    with logged_in(site.url, "kora") as kora:
        page = html.unescape(kora.get("/plaene").text)
    table = page.split("<h2>Gespeicherte Pläne</h2>", 1)[1]
    heads = re.findall(r"<th>([^<]*)</th>", table.split("</thead>", 1)[0])
    assert heads == ["Plan", "Zeitraum", "Erstellt", "Team-Tage", "Besuche bei Erstellung",
                     "Nicht eingeplant"], heads
    note = re.search(r'<p class="muted" id="zahlen-bei-erstellung">(.*?)</p>', table)
    assert note and "bei Erstellung des Plans" in note.group(1) and "entfallen" in note.group(1)
    assert 'aria-describedby="zahlen-bei-erstellung"' in table
    info = next(p for p in site.store.list_plans() if p.id == site.plan_id)
    row = table.split(f'<a href="/plaene/{site.plan_id}">', 1)[1].split("</tr>", 1)[0]
    assert re.findall(r"<td>(\d+)</td>", row) == [str(info.routes), str(info.visits),
                                                  str(info.unassigned)], row
