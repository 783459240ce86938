"""Files holding client or staff data are their owner's only (0600, the folders the program
writes them into 0700), whatever the umask: a plan folder, the lists of ``addresses``,
``audit``, ``import --report``, ``geocode`` and ``teams --csv``, the exports and the letters.

The commands run on a small real case list of Bad Hersfeld (import, plan) under umask 000
and 022; caches of OSM data stay readable by all (0644).
"""

from __future__ import annotations

import csv
import os
import random
import stat
from datetime import date
from pathlib import Path

import pytest

from hausbesuch import clock
from tests.cli_helpers import ok
from tests.planning_fixtures import real_addresses

START = date(2026, 12, 14)
#: the vendored Leaflet files of a plan folder: code, no client data
ASSETS = "assets"


@pytest.fixture(scope="module")
def cases(tmp_path_factory, bad_hersfeld_pbf):
    """A case list imported and planned (two days) in a SQLite file of its own."""
    from geodata.geocode import load_index
    from hausbesuch.store import Store

    d = tmp_path_factory.mktemp("modes")
    addrs = random.Random(5).sample(real_addresses(load_index(bad_hersfeld_pbf)), 12)
    with open(d / "kunden.csv", "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, delimiter=";")
        w.writerow(["Kundennummer", "Name", "Straße", "Hausnummer", "PLZ", "Ort",
                    "Kontaktabbruch seit", "Notiz"])
        for i, (street, hn, pc, town) in enumerate(addrs):
            w.writerow([f"M{i:03d}", f"Privatname{i:02d}", street, hn, pc,
                        town or "Bad Hersfeld", "01.02.2025", "Diabetes, Hund"])
        w.writerow(["M099", "Privatname99", "Gibtesnichtweg", "1", "36251", "Bad Hersfeld",
                    "01.02.2025", ""])
    db = str(d / "faelle.sqlite")
    common = ["--city", "bad-hersfeld", "--db", db]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(clock.ENV, "2026-12-07")
        ok("import", str(d / "kunden.csv"), *common)
        ok("plan", *common, "--start", START.isoformat(), "--days", "2", "--out",
           str(d / "plan"), "--time-limit", "1", "--threads", "1")
    with Store.open(db) as store:
        plan = store.latest_plan("Bad Hersfeld")
    assert plan is not None and any(r.stops for r in plan.routes)
    return d, db, common, plan.id


@pytest.fixture(params=[0o000, 0o022], ids=["umask000", "umask022"])
def umask(request):
    """The process's umask for the test, restored after it."""
    old = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(old)


@pytest.fixture(autouse=True)
def _before_the_week(monkeypatch):
    monkeypatch.setenv(clock.ENV, "2026-12-07")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def _modes(folder: Path) -> dict[str, int]:
    """Mode of every file and folder below ``folder`` (without the vendored assets)."""
    return {str(p.relative_to(folder)): _mode(p) for p in folder.rglob("*")
            if p.relative_to(folder).parts[0] != ASSETS}


def _hidden(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.startswith(".")]


def _assert_private(folder: Path) -> dict[str, int]:
    modes = _modes(folder)
    assert _mode(folder) == 0o700, oct(_mode(folder))
    wrong = {name: oct(m) for name, m in modes.items()
             if m != (0o700 if (folder / name).is_dir() else 0o600)}
    assert not wrong, wrong
    return modes


def test_a_plan_folder_is_its_owners_only(cases, tmp_path, umask):
    """``show`` into a new folder and into an existing 0755 one: every page, map, sheet,
    GPX, report.csv and plan.json 0600, every folder 0700."""
    d, db, common, plan_id = cases
    existing = tmp_path / "vorhanden"
    existing.mkdir()
    os.chmod(existing, 0o755)
    for out in (tmp_path / "neu" / "plan", existing):
        ok("show", plan_id, "--out", str(out), *common)
        modes = _assert_private(out)
        assert {"index.html", "uebersicht.html", "report.csv", "plan.json"} <= set(modes)
        assert any(name.startswith("routen/") for name in modes)
        assert "Diabetes" in "".join(p.read_text(encoding="utf-8")
                                     for p in (out / "routen").iterdir())
    assert _mode(tmp_path / "neu") == 0o700  # a folder the program made for it


def test_lists_of_cases_and_staff_are_their_owners_only(cases, tmp_path, umask):
    """``addresses --out``, ``audit --out``, ``import --report``, ``geocode --out`` and
    ``teams --csv`` write 0600, also over an existing file that was 0644."""
    d, db, common, _ = cases
    adr = tmp_path / "adressen.csv"
    adr.write_text("alt", encoding="utf-8")
    os.chmod(adr, 0o644)
    ok("addresses", *common, "--out", str(adr))
    assert "M099" in adr.read_text(encoding="utf-8-sig")
    ok("audit", *common, "--out", str(tmp_path / "protokoll.csv"))
    ok("import", str(d / "kunden.csv"), "--city", "bad-hersfeld",
       "--db", str(tmp_path / "neu.sqlite"), "--report", str(tmp_path / "bericht.csv"))
    ok("geocode", str(d / "kunden.csv"), "--city", "bad-hersfeld",
       "--out", str(tmp_path / "geokodiert.csv"))
    ok("teams", *common, "--csv", str(tmp_path / "teams.csv"))
    written = {p.name: oct(_mode(p)) for p in tmp_path.iterdir()}
    assert written == dict.fromkeys(["adressen.csv", "protokoll.csv", "bericht.csv",
                                     "geokodiert.csv", "teams.csv", "neu.sqlite"],
                                    oct(0o600)), written
    assert "Privatname" not in (tmp_path / "bericht.csv").read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("fmt", ["xlsx", "gpkg"])
def test_exports_are_their_owners_only(cases, tmp_path, umask, fmt):
    """``export`` writes a 0600 file, into a new folder made 0700, also when it replaces
    one (``--force``); nothing is left beside it."""
    _, db, _, plan_id = cases
    out = tmp_path / "ordner" / f"plan.{fmt}"
    ok("export", plan_id, "--db", db, "--format", fmt, "--out", str(out))
    assert out.stat().st_size > 0
    assert _modes(out.parent) == {out.name: 0o600}  # no temporary file or journal left
    assert _mode(out.parent) == 0o700
    ok("export", plan_id, "--db", db, "--format", fmt, "--out", str(out), "--force")
    assert _modes(out.parent) == {out.name: 0o600}


def test_letters_into_an_existing_open_folder_are_their_owners_only(cases, tmp_path, umask):
    """Letters written into a folder that exists with 0755: the folder becomes 0700 (as
    ``show`` does with a plan folder), every letter, bundle and note 0600."""
    _, db, _, plan_id = cases
    out = tmp_path / "briefe"
    out.mkdir()
    os.chmod(out, 0o755)
    # (--reprint: the module's database is shared by both umasks, the first wrote them)
    ok("letters", plan_id, "--db", db, "--out", str(out), "--reprint")
    modes = _assert_private(out)
    assert any(name.startswith("brief_M") for name in modes)
    assert "LIESMICH.txt" in modes
    assert not _hidden(tmp_path)


def test_only_caches_of_map_data_are_readable_by_all(tmp_path):
    """``atomic_write`` makes a private file unless told it holds public data (the OSM
    caches): 0600 under umask 000, 0644 under 077; a missing folder of a private file
    0700."""
    from geodata.cache import PUBLIC, atomic_write

    old = os.umask(0o000)
    try:
        with atomic_write(tmp_path / "neu" / "privat.csv", "w") as fh:
            fh.write("M001;Schlippental 28")
    finally:
        os.umask(old)
    old = os.umask(0o077)
    try:
        with atomic_write(tmp_path / "karte.bin", file_mode=PUBLIC) as fh:
            fh.write(b"osm")
    finally:
        os.umask(old)
    assert _mode(tmp_path / "neu" / "privat.csv") == 0o600
    assert _mode(tmp_path / "neu") == 0o700
    assert _mode(tmp_path / "karte.bin") == 0o644
    assert _modes(tmp_path) == {"neu": 0o700, "neu/privat.csv": 0o600, "karte.bin": 0o644}
