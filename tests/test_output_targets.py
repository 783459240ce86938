"""Output files are never renamed over something that is not a regular file (QA 24h #3).

Every file the commands write is written beside its path and renamed over it
(:func:`geodata.cache.atomic_path`). Renamed over a symbolic link, a FIFO or a device node,
it replaced them: as root ``geocode --out /dev/full`` turned ``/dev/full`` into a regular
file (``/dev/null`` would break the whole system). Each command now refuses such a path,
before any work, with a German message naming it, and leaves it as it was. The device node
of these tests is made in the test's own folder (``mknod``, as root only), never a real one.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from geodata.cache import atomic_path, atomic_write
from geodata.errors import GeodataError
from hausbesuch.cli import app

ROOT = Path(__file__).resolve().parents[1]
SOLVE_INPUT = ROOT / "tests" / "data" / "hostile_vroom" / "ok_base.json"
KINDS = ["symlink", "dangling", "fifo", "device"]


def _make(kind: str, folder: Path, name: str) -> Path:
    """A path of ``kind`` in ``folder`` (the device: a null device, as root only)."""
    path = folder / name
    if kind == "symlink":
        (folder / "echt.csv").write_text("Inhalt", encoding="utf-8")
        path.symlink_to(folder / "echt.csv")
    elif kind == "dangling":
        path.symlink_to(folder / "nirgends" / "x.csv")
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        if os.geteuid() != 0:
            pytest.skip("a device node needs root")
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    return path


def _unchanged(kind: str, path: Path) -> bool:
    mode = os.lstat(path).st_mode
    if kind in ("symlink", "dangling"):
        ok = stat.S_ISLNK(mode)
        if kind == "symlink":
            ok = ok and (path.parent / "echt.csv").read_text(encoding="utf-8") == "Inhalt"
        return ok
    return stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISCHR(mode)


@pytest.mark.parametrize("kind", KINDS)
def test_the_shared_writer_refuses_what_is_not_a_regular_file(kind, tmp_path):
    target = _make(kind, tmp_path, "ziel.csv")
    with pytest.raises(GeodataError, match="keine gewöhnliche Datei, und wird nicht "
                                              "ersetzt"), atomic_write(target, "w") as fh:
        fh.write("neu")
    assert _unchanged(kind, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        {"ziel.csv", *(["echt.csv"] if kind == "symlink" else [])})  # no temp folder left


def test_something_put_there_while_the_file_is_written_is_not_replaced(tmp_path):
    target = tmp_path / "ziel.csv"
    with pytest.raises(GeodataError, match="benannte Pipe"), atomic_path(target) as tmp:
        tmp.write_text("neu", encoding="utf-8")
        os.mkfifo(target)
    assert stat.S_ISFIFO(os.lstat(target).st_mode)


def test_a_regular_file_and_a_new_path_are_written_as_before(tmp_path):
    old = tmp_path / "alt.csv"
    old.write_text("alt", encoding="utf-8")
    for target in (old, tmp_path / "neu" / "neu.csv"):
        with atomic_write(target, "w", encoding="utf-8") as fh:
            fh.write("neu")
        assert target.read_text(encoding="utf-8") == "neu"


def _commands(tmp_path: Path, target: Path) -> dict[str, list[str]]:
    clients = tmp_path / "kunden.csv"
    clients.write_text("Kundennummer;Adresse\nK1;Am Markt 1, 36251 Bad Hersfeld\n",
                       encoding="utf-8")
    db = ["--db", f"sqlite:///{tmp_path / 'f.sqlite'}"]
    city = ["--city", "bad-hersfeld"]
    return {
        "geocode": ["geocode", str(clients), *city, "--out", str(target)],
        "solve": ["solve", str(SOLVE_INPUT), "-t", "0.5", "--out", str(target)],
        "teams": ["teams", *city, *db, "--csv", str(target)],
        "import": ["import", str(clients), *city, *db, "--report", str(target)],
        "addresses": ["addresses", *city, *db, "--out", str(target)],
        "export": ["export", "p-1", "--format", "xlsx", "--force", *db, "--out", str(target)],
        "districts": ["districts", *city, "--out", str(target)],
    }


@pytest.mark.parametrize("command", ["geocode", "solve", "teams", "import", "addresses",
                                     "export", "districts"])
@pytest.mark.parametrize("kind", ["symlink", "fifo", "device"])
def test_every_command_refuses_such_a_target_before_any_work(command, kind, tmp_path):
    name = "ziel.xlsx" if command == "export" else "ziel.csv"
    target = _make(kind, tmp_path, name)
    args = _commands(tmp_path, target)[command]
    option = next(a for a in args if a.startswith("--") and args[args.index(a) + 1]
                  == str(target))
    res = CliRunner().invoke(app, args)
    assert res.exit_code == 2, res.output
    assert f"Fehler: {option} {target}: das ist " in res.output, res.output
    assert "keine gewöhnliche Datei, und wird nicht ersetzt" in res.output
    assert _unchanged(kind, target)
    assert not (tmp_path / "f.sqlite").exists()  # refused before the database is made
