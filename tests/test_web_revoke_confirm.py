"""QA 26 F5: *Widerrufen* of a day link asks first and says what it did.

One click revoked a link for good (the team's phone clears its route; a new link must be
passed on), with no question and no message. Now the button brings the links page back
with a confirmation naming link, team and day (a form, no script; *Abbrechen* a link
back), nothing revoked yet; its *Ja, … widerrufen* revokes and the page then says which
link was revoked. Over real HTTP against the planned week of :mod:`tests.test_web`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from tests.test_web import _make_link, site  # noqa: F401 - the fixture, by name
from tests.web_fixtures import Site, csrf_of, logged_in


@pytest.fixture
def kora(site: Site) -> Iterator[httpx.Client]:  # noqa: F811
    with logged_in(site.url, "kora") as c:
        yield c


def test_revoking_a_day_link_asks_first_and_says_so(site: Site,  # noqa: F811
                                                    kora: httpx.Client) -> None:
    from hausbesuch.maps import fmt_date

    token, link = _make_link(site)
    links = f"/plaene/{site.plan_id}/links"
    page = kora.get(links).text
    audits = len(site.store.audit_rows(action="worker_link_revoked"))
    r = kora.post(links + "/widerrufen",
                  data={"csrf_token": csrf_of(page), "praefix": link.prefix})
    assert r.status_code == 200, r.status_code
    text = html.unescape(r.text)
    m = re.search(r'<section class="card" id="widerruf-bestaetigen"[^>]*>(.*?)</section>',
                  text, re.S)
    assert m, text[-3000:]
    ask = m.group(1)
    assert (f"Tageslink {link.prefix} für {link.team_id}, {fmt_date(link.day)} wirklich "
            "widerrufen?") in ask
    assert 'name="bestaetigt" value="ja"' in ask and f'value="{link.prefix}"' in ask
    assert f'<a class="daneben" href="{links}">Abbrechen</a>' in ask
    # nothing revoked yet: the phone still opens its route, nothing audited
    assert httpx.get(site.url + f"/w/{token}/").status_code == 200
    assert len(site.store.audit_rows(action="worker_link_revoked")) == audits
    # confirmed: revoked, and the page says which link
    r = kora.post(links + "/widerrufen", data={
        "csrf_token": csrf_of(page), "praefix": link.prefix, "bestaetigt": "ja"})
    assert r.status_code == 303
    assert r.headers["location"].startswith(f"{links}?widerrufen={link.prefix}")
    assert httpx.get(site.url + f"/w/{token}/").status_code == 410
    assert len(site.store.audit_rows(action="worker_link_revoked")) == audits + 1
    shown = html.unescape(kora.get(r.headers["location"]).text)
    said = re.search(r'<p class="hint" role="status" id="link-widerrufen"[^>]*>(.*?)</p>', shown)
    assert said and said.group(1).startswith(
        f"Tageslink {link.prefix} ({link.team_id}, {fmt_date(link.day)}) widerrufen."), said
    assert 'id="link-widerrufen"' not in kora.get(links).text  # only after revoking
    # asked again (a second tab): it is revoked already, said as such
    r = kora.post(links + "/widerrufen",
                  data={"csrf_token": csrf_of(page), "praefix": link.prefix})
    assert r.status_code == 400
    assert f"Der Tageslink {link.prefix} ist schon widerrufen." in html.unescape(r.text)
    assert 'id="widerruf-bestaetigen"' not in r.text
