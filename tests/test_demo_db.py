"""The demo's own database: its path is checked before the old one is deleted.

Every test works in a scratch user data directory (``XDG_DATA_HOME`` under ``tmp_path``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from hausbesuch.cli import app
from hausbesuch.commands.demo import _fresh_demo_db, demo_slug
from hausbesuch.errors import UserError

PRECIOUS = "PRECIOUS casework db"


@pytest.fixture
def data_dir(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("HAUSBESUCH_DB", raising=False)
    d = tmp_path / "xdg" / "hausbesuch"
    d.mkdir(parents=True)
    (d / "hausbesuch.sqlite").write_text(PRECIOUS, encoding="utf-8")
    return d


def test_profile_slug_cannot_reach_the_casework_database(data_dir, tmp_path, lauf_pbf):
    prof = tmp_path / "slugpath.toml"
    prof.write_text(
        f'name = "Lauf Test"\nslug = "x/../hausbesuch"\n[osm]\nfile = "{lauf_pbf}"\n'
        '[[depots]]\nname = "Rathaus"\naddress = "Urlasstraße 22, 91207 Lauf an der Pegnitz"\n',
        encoding="utf-8",
    )
    res = CliRunner().invoke(app, ["demo", "--city", str(prof), "--out", str(tmp_path / "out")])
    assert res.exit_code == 2, res.output
    assert "Feld „slug“ ist kein bekanntes Feld" in res.output
    assert (data_dir / "hausbesuch.sqlite").read_text(encoding="utf-8") == PRECIOUS
    assert sorted(p.name for p in data_dir.iterdir()) == ["hausbesuch.sqlite"]


@pytest.mark.parametrize("slug", ["x/../hausbesuch", "../hausbesuch", "", "Lauf", "a b", "x/y"])
def test_unsafe_slug_is_refused(data_dir, slug):
    with pytest.raises(UserError, match="ungültiger Kurzname"):
        _fresh_demo_db(slug)
    assert (data_dir / "hausbesuch.sqlite").read_text(encoding="utf-8") == PRECIOUS


def test_demo_db_named_as_casework_database_is_refused(data_dir, monkeypatch):
    demo = data_dir / "demo-lauf.sqlite"
    demo.write_text(PRECIOUS, encoding="utf-8")
    monkeypatch.setenv("HAUSBESUCH_DB", str(demo))  # the user's casework lives there
    with pytest.raises(UserError, match="ist die Fall-Datenbank"):
        _fresh_demo_db("lauf")
    assert demo.read_text(encoding="utf-8") == PRECIOUS


def test_demo_db_as_link_is_refused(data_dir, tmp_path):
    (data_dir / "demo-lauf.sqlite").symlink_to(data_dir / "hausbesuch.sqlite")
    with pytest.raises(UserError, match="ist die Fall-Datenbank"):
        _fresh_demo_db("lauf")
    other = tmp_path / "other.sqlite"
    other.write_text(PRECIOUS, encoding="utf-8")
    (data_dir / "demo-kassel.sqlite").symlink_to(other)
    with pytest.raises(UserError, match="ist ein Verweis"):
        _fresh_demo_db("kassel")
    assert other.read_text(encoding="utf-8") == PRECIOUS
    assert (data_dir / "hausbesuch.sqlite").read_text(encoding="utf-8") == PRECIOUS


def test_fresh_demo_db_empties_only_its_own_file(data_dir):
    old = data_dir / "demo-bad-hersfeld.sqlite"
    old.write_text("old demo", encoding="utf-8")
    Path(f"{old}-wal").write_text("old wal", encoding="utf-8")
    assert _fresh_demo_db("bad-hersfeld") == data_dir.resolve() / "demo-bad-hersfeld.sqlite"
    assert sorted(p.name for p in data_dir.iterdir()) == ["hausbesuch.sqlite"]


@pytest.mark.parametrize(
    ("stem", "slug"),
    [("bad-hersfeld", "bad-hersfeld"), ("Mein Ort", "mein-ort"), ("Fürth_2", "fuerth-2"),
     ("x/../hausbesuch", "x-hausbesuch"), ("..", "stadt"), ("", "stadt")],
)
def test_demo_slug_of_a_profile_file_stem(stem, slug):
    assert demo_slug(stem) == slug
