"""A „c/o“ in the Name cell, and one letter date per stop (QA 36 #1, #2, #5).

A case-management export may put the host into the Name cell („Jürgen Weiß c/o Öztürk“,
„Weiß, Jürgen c/o Öztürk“), with or without the c/o line in the address too:

- every field view (route page, print sheet, route map, phone) keeps the host's name on
  the bell („c/o Öztürk, Neumarkt 40, …“; it showed a bare „c/o, Neumarkt 40“, the host's
  name cut out as a word of the client's), and shows it when only the Name cell names it;
  the overviews and the report leave it out, as every c/o line, and no view names the
  client;
- the letter greets the person only („Guten Tag Jürgen Weiß,“), turns „Weiß, Jürgen“
  round without the host („Jürgen c/o Öztürk Weiß“ before) and writes the c/o line once;
- a stop whose visit has a letter of its own names that letter only, not the list's
  earlier letter date (``Angekündigt ab``) beside it; a stop without one names the list's.

Through the commands as a coordinator runs them: a list imported into a fresh SQLite
store, planned on the real Bad Hersfeld extract, its letters written and read back with
pypdf, the plan's files written again by ``show`` and the phone page served over HTTP.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import httpx
import pytest

from tests import test_letters_details as details
from tests.cli_helpers import ClockedCli, city_db

pytestmark = pytest.mark.slow

BEFORE = date(2026, 12, 1)  # a Tuesday: the letters' date
MONDAY = date(2026, 12, 7)

LIST = """\
Kundennummer;Name;Straße;Hausnummer;PLZ;Ort;Kontaktabbruch seit;Angekündigt ab
C-1;Jürgen Weiß c/o Öztürk;c/o Öztürk, Neumarkt;40;36251;Bad Hersfeld;12.03.2025;27.11.2026
C-2;Weiß, Jürgen c/o Öztürk;Breitenstraße;57;36251;Bad Hersfeld;12.03.2025;
C-3;Weiß, Jürgen;c/o Öztürk, Breitenstraße;5;36251;Bad Hersfeld;12.03.2025;
C-4;;Johannesstraße;3;36251;Bad Hersfeld;12.03.2025;27.11.2026
"""
#: the address each field view shows (the host's name on the bell, once)
SHOWN = {
    "C-1": "c/o Öztürk, Neumarkt 40, 36251 Bad Hersfeld",
    "C-2": "c/o Öztürk, Breitenstraße 57, 36251 Bad Hersfeld",
    "C-3": "c/o Öztürk, Breitenstraße 5, 36251 Bad Hersfeld",
    "C-4": "Johannesstraße 3, 36251 Bad Hersfeld",
}
OWN = ("Jürgen", "Weiß")


@dataclass
class Run:
    db: str
    plan_id: str
    planned: Path  # the plan's files, before any letter
    letters: Path
    shown: Path  # the plan's files written again by ``show`` after the letters
    letters_out: str


@pytest.fixture(scope="module")
def run(tmp_path_factory, bad_hersfeld_pbf) -> Run:
    tmp = tmp_path_factory.mktemp("careof")
    ok = ClockedCli(BEFORE).ok
    db = str(tmp / "s.sqlite")
    (tmp / "k.csv").write_text(LIST, encoding="utf-8")
    ok("import", str(tmp / "k.csv"), *city_db(db))
    out = ok("plan", *city_db(db), "--start", MONDAY.isoformat(), "--days", "1", "--out",
             str(tmp / "plan"), "--time-limit", "1", "--threads", "1")
    assert "4 geplant" in out, out
    plan_id = re.search(r"Plan (\S+):", out)[1]
    letters_out = ok("letters", plan_id, "--db", db, "--out", str(tmp / "briefe"))
    ok("show", plan_id, "--db", db, "--out", str(tmp / "gezeigt"))
    return Run(db, plan_id, tmp / "plan", tmp / "briefe", tmp / "gezeigt", letters_out)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def _stop_texts(folder: Path) -> dict[str, dict[str, str]]:
    """Per field view of the plan's one team-day in ``folder`` (route page, sheet, map),
    the text of each stop, by case id."""
    (page,) = (folder / "routen").glob("*.html")
    sheet = (folder / "druck" / page.name).read_text(encoding="utf-8")
    karte = (folder / "karten" / page.name).read_text(encoding="utf-8")
    items = re.findall(r'<li[^>]*id="stopp-\d+"[^>]*>(.*?)</li>',
                       page.read_text(encoding="utf-8"), re.S)
    rows = re.findall(r'<tr class="stopp">(.*?)</tr>', sheet, re.S)
    popups = re.findall(r'<div class="hb-popup">(.*?)</div>', karte)
    out: dict[str, dict[str, str]] = {}
    for kind, parts in (("routen", items), ("druck", rows), ("karten", popups)):
        for part in parts:
            text = _text(part)
            cid = re.search(r"C-\d", text)[0]
            out.setdefault(kind, {})[cid] = text
    assert all(len(v) == 4 for v in out.values()), out
    return out


@pytest.fixture(scope="module")
def phone(run: Run, tmp_path_factory) -> dict[str, str]:
    """The field worker's page of the plan's team-day over real HTTP (after the letters):
    each stop's text (without its outcome buttons), by case id."""
    from hausbesuch.store import Store
    from tests.web_fixtures import bare_app, lasting_link, links_open, live_server

    with Store.open(run.db) as store:
        (route,) = store.load_plan(run.plan_id).routes
    app = bare_app(tmp_path_factory.mktemp("telefon"), f"sqlite:///{run.db}")
    with live_server(app) as server, pytest.MonkeyPatch.context() as monkeypatch:
        links_open(monkeypatch, route.day)
        token, _ = lasting_link(app.state.web.store, run.plan_id, route.team_id, route.day)
        page = httpx.get(f"{server.url}/w/{token}/").text
    for name in OWN:
        assert name not in page
    return {s.client_id: _text(page.split(f'id="stopp-{s.client_id}"', 1)[1]
                               .split("</li>", 1)[0].split("<form", 1)[0])
            for s in route.stops}


def test_the_field_views_keep_the_hosts_name_and_never_a_bare_care_of(run):
    """QA 36 #1: „c/o, Neumarkt 40“ on every field view before; the host named only in the
    Name cell (C-2) is on the bell too."""
    for folder in (run.planned, run.shown):
        for kind, stops in _stop_texts(folder).items():
            for cid, text in stops.items():
                assert SHOWN[cid] in text, (folder.name, kind, cid, text)
                assert "c/o," not in text and "Öztürk, c/o" not in text, (kind, cid, text)
                assert text.count("Öztürk") == (cid != "C-4"), (kind, cid, text)
        for kind in ("routen", "druck", "karten"):
            for f in (folder / kind).glob("*.html"):
                page = f.read_text(encoding="utf-8")
                assert not any(name in page for name in OWN), (kind, f.name)


def test_the_phone_shows_the_same(phone):
    for cid, text in phone.items():
        assert SHOWN[cid] in text and "c/o," not in text, (cid, text)


def test_the_overviews_leave_the_host_out(run):
    for folder in (run.planned, run.shown):
        for f in [folder / "index.html", folder / "report.csv", *folder.glob("uebersicht*")]:
            text = f.read_text(encoding="utf-8")
            assert "Öztürk" not in text and "c/o" not in text, f
            assert not any(name in text for name in OWN), f


@pytest.mark.parametrize("cid", ["C-1", "C-2", "C-3"])
def test_the_letter_greets_the_person_and_writes_the_care_of_line_once(run, cid):
    """QA 36 #2: „Guten Tag Jürgen Weiß c/o Öztürk,“, the c/o line twice, and „Jürgen c/o
    Öztürk Weiß“ of „Weiß, Jürgen c/o Öztürk“ before."""
    path = run.letters / f"brief_{cid}.pdf"
    street = SHOWN[cid].split(", ")[1]
    assert details._address_lines(path) == [
        "Jürgen Weiß", "c/o Öztürk", street, "36251 Bad Hersfeld"], cid
    text = details._text(path)
    assert "Guten Tag Jürgen Weiß," in text, text
    assert text.count("Öztürk") == 1, text


def test_a_stop_names_one_letter_date(run, phone):
    """QA 36 #5: a visit announced by its own letter (of Tue, 01.12.) named the list's
    letter date (Fri, 27.11.) beside it; a visit without a letter of its own (C-4, no name:
    none written) names the list's."""
    assert "Kein Brief für C-4" in run.letters_out, run.letters_out
    own, listed = "Brief vom Di, 01.12.2026", "Brief vom Fr, 27.11.2026"
    views = dict(_stop_texts(run.shown))
    views["telefon"] = phone
    for kind, stops in views.items():
        assert "angekündigt: " in stops["C-1"] and own in stops["C-1"], (kind, stops["C-1"])
        assert listed not in stops["C-1"], (kind, stops["C-1"])
        assert stops["C-1"].count("Brief vom") == 1, (kind, stops["C-1"])
        assert listed in stops["C-4"] and "angekündigt" not in stops["C-4"], (kind, stops)
        assert "Brief vom" not in stops["C-2"] or own in stops["C-2"], (kind, stops["C-2"])
