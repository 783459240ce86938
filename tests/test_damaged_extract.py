"""A cut-off or damaged OSM extract gives a German error naming the file, never a traceback.

pyosmium reads the header of such a file without complaint and raises ``RuntimeError``
("PBF error: unexpected EOF", "gzip error: …") only later, in the middle of a pass.
Every pass (network, districts, geocoder) turns it into an :class:`ExtractError`; for a
file in the download cache the message says that deleting it downloads it again.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import osmium
import pytest
from typer.testing import CliRunner

from geodata.cache import cache_dir
from geodata.districts import load_districts, osm_boundary_names
from geodata.download import download_path, explain_download_file, redownload_hint
from geodata.errors import ExtractError
from geodata.geocode import _LOADED, AddressIndex, index_cache_path, load_index
from geodata.network import build_network, load_network
from geodata.osm import check_extract, iter_ways, osm_timestamp, read_objects
from hausbesuch.cli import app

runner = CliRunner()


def truncated(src: Path, dst: Path, size: int) -> Path:
    """The first ``size`` bytes of ``src`` (a file cut off after its header)."""
    with open(src, "rb") as fh:
        dst.write_bytes(fh.read(size))
    return dst


@pytest.fixture
def lauf_cut(lauf_pbf, tmp_path) -> Path:
    return truncated(lauf_pbf, tmp_path / "lauf_cut.osm.pbf", 500_000)


@pytest.fixture
def hersfeld_gz_cut(bad_hersfeld_xml, tmp_path) -> Path:
    return truncated(bad_hersfeld_xml, tmp_path / "bh_cut.osm.gz", 1_000_000)


def test_header_passes_but_reading_on_fails(lauf_cut):
    """The situation itself: check_extract accepts the file, pyosmium fails later."""
    assert check_extract(lauf_cut) == lauf_cut
    with pytest.raises(RuntimeError, match="unexpected EOF"):
        for _ in osmium.FileProcessor(str(lauf_cut)):
            pass


@pytest.mark.parametrize(
    "read",
    [
        pytest.param(lambda p: list(iter_ways(p)), id="iter_ways"),
        pytest.param(lambda p: build_network(p, "walk"), id="network"),
        pytest.param(lambda p: osm_timestamp(p), id="timestamp"),
        pytest.param(lambda p: osm_boundary_names(p), id="boundary_names"),
        pytest.param(lambda p: load_districts(p), id="districts"),
        pytest.param(lambda p: AddressIndex.build(p), id="geocoder"),
    ],
)
def test_every_pass_names_the_damaged_file(read, lauf_cut):
    with pytest.raises(ExtractError) as exc:
        read(lauf_cut)
    text = str(exc.value)
    assert f"Die OSM-Datei {lauf_cut} ist beschädigt oder unvollständig" in text
    assert "PBF error: unexpected EOF" in text
    assert "neu herunterladen oder erneut kopieren" in text


def test_cut_gzip_xml(hersfeld_gz_cut):
    with pytest.raises(ExtractError, match=r"bh_cut\.osm\.gz ist beschädigt.*gzip error"):
        build_network(hersfeld_gz_cut, "walk")
    with pytest.raises(ExtractError, match="beschädigt"):
        AddressIndex.build(hersfeld_gz_cut)


def test_damaged_in_the_middle(lauf_pbf, tmp_path):
    """Flipped bytes inside a data block (not only a cut) are refused the same way."""
    data = bytearray(lauf_pbf.read_bytes())
    for i in range(300_000, 300_100):
        data[i] ^= 0x5A
    bad = tmp_path / "flipped.osm.pbf"
    bad.write_bytes(bytes(data))
    with pytest.raises(ExtractError, match="flipped.osm.pbf ist beschädigt"):
        build_network(bad, "walk")


def test_read_objects_guards_reading_only(lauf_cut):
    """A RuntimeError of the caller's own work on an object is not mistaken for damage."""
    with pytest.raises(RuntimeError, match="the caller's"):
        for _ in read_objects(lauf_cut, osmium.FileProcessor(str(lauf_cut))):
            raise RuntimeError("the caller's")


def test_good_cache_is_not_affected(lauf_pbf, tmp_path):
    """A good file's cached network and index stay in use; the damaged copy is refused
    and leaves no cache entry behind."""
    good = tmp_path / "lauf.osm.pbf"
    shutil.copyfile(lauf_pbf, good)
    load_network(good, "walk")
    load_index(good)
    before = sorted(cache_dir("networks").iterdir())
    before_index = sorted(cache_dir("geocode").iterdir())
    cut = truncated(good, tmp_path / "lauf_cut.osm.pbf", 500_000)
    with pytest.raises(ExtractError):
        load_network(cut, "walk")
    with pytest.raises(ExtractError):
        load_index(cut, rebuild=True)
    assert sorted(cache_dir("networks").iterdir()) == before
    assert sorted(cache_dir("geocode").iterdir()) == before_index
    assert not index_cache_path(cut).exists()
    assert load_network(good, "walk").cache == "hit"
    # the good file's index is read from its cache file again (not only from this
    # process's memory, which is keyed by content and so never touched by the cut file;
    # before, its ``source`` was compared, the path of whichever file of that content this
    # process loaded first: it failed by test order)
    _LOADED.pop(str(index_cache_path(good)), None)
    assert load_index(good).source == str(good)
    assert index_cache_path(good) in before_index
    # the same file cut in place: its new content is read (and refused), not the old cache
    truncated(lauf_pbf, good, 500_000)
    with pytest.raises(ExtractError, match="beschädigt"):
        load_network(good, "walk")


@pytest.fixture
def own_cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("HAUSBESUCH_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def fake_download(src: Path, place: str, size: int, levels=(9, 10)) -> Path:
    """A download of ``place`` in the cache whose ``.osm.pbf`` was cut to ``size`` bytes."""
    target = download_path(place, levels)
    truncated(src, target, size)
    side = target.with_name(target.name + ".json")
    side.write_text(json.dumps({"hausbesuch_download": 1, "place": place, "name": place}),
                    encoding="utf-8")
    return target


def test_damaged_download_says_how_to_download_again(bad_hersfeld_pbf, own_cache):
    target = fake_download(bad_hersfeld_pbf, "Kassel, Germany", 20_000)
    with pytest.raises(ExtractError) as exc:
        build_network(target, "walk")
    text = str(exc.value)
    assert str(target) in text and "beschädigt oder unvollständig" in text
    assert "heruntergeladen; wird sie gelöscht, lädt der nächste Aufruf sie neu herunter" in text
    assert redownload_hint(bad_hersfeld_pbf) == ""  # a local file is no download


def test_download_named_by_bare_name_gets_its_path(bad_hersfeld_pbf, own_cache):
    """Messages naming a downloaded file by its name only get its full path and the hint."""
    target = fake_download(bad_hersfeld_pbf, "Kassel, Germany", 20_000)
    message = f"Der OSM-Auszug {target.name} enthält keine Wege für die Fortbewegungsart 'walk'."
    text = explain_download_file(message)
    assert text.startswith(message)
    assert f"liegt unter {target.resolve()}" in text and "neu herunter" in text
    assert explain_download_file(text) == text  # said once
    other = "Der OSM-Auszug lauf.osm.pbf enthält keine Wege für die Fortbewegungsart 'walk'."
    assert explain_download_file(other) == other
    gone = "Der OSM-Auszug bad-hersfeld-germany-0123456789abcdef.osm.pbf enthält keine Wege."
    assert explain_download_file(gone) == gone  # no such file in the cache


# --------------------------------------------------------------------------- commands


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_commands_exit_2_with_german_message(lauf_cut, hersfeld_gz_cut, tmp_path):
    table = tmp_path / "kunden.csv"
    table.write_text("id;adresse\n1;Marktplatz 1, Lauf\n", encoding="utf-8")
    runs = [
        ("network", "--osm", str(lauf_cut), "--mode", "walk"),
        ("network", "--osm", str(hersfeld_gz_cut), "--mode", "walk"),
        ("districts", "--osm", str(lauf_cut), "--out", str(tmp_path / "d.geojson")),
        ("geocode", str(table), "--osm", str(lauf_cut), "--out", str(tmp_path / "g.csv")),
    ]
    for args in runs:
        res = invoke(*args)
        assert res.exit_code == 2, (args, res.output)
        assert "Fehler: Die OSM-Datei" in res.stderr and "beschädigt" in res.stderr, args
        assert "Traceback" not in res.output
    assert not (tmp_path / "d.geojson").exists() and not (tmp_path / "g.csv").exists()


def test_kassel_default_with_cut_download(bad_hersfeld_pbf, own_cache, monkeypatch):
    """The default profile's cached download, cut after its header: no request, the
    message names the file and says deleting it downloads it again."""
    from hausbesuch.config import load_profile

    monkeypatch.setenv("HAUSBESUCH_OVERPASS_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", "http://127.0.0.1:9/")
    profile = load_profile("kassel")
    levels = tuple(sorted({9, 10, profile.districts.admin_level}))
    target = fake_download(bad_hersfeld_pbf, profile.osm.place, 20_000, levels)
    res = invoke("network", "--mode", "walk")
    assert res.exit_code == 2, res.output
    assert str(target) in res.stderr and "neu herunter" in res.stderr


def test_bare_name_of_a_download_in_a_command_message(bad_hersfeld_pbf, own_cache, monkeypatch,
                                                      tmp_path):
    """An unusable download (here: no ways at all) named by its bare name in the message
    of the network command gets its full path and the hint to delete it."""
    from hausbesuch.config import load_profile

    monkeypatch.setenv("HAUSBESUCH_OVERPASS_URL", "http://127.0.0.1:9/api")
    monkeypatch.setenv("HAUSBESUCH_NOMINATIM_URL", "http://127.0.0.1:9/")
    profile = load_profile("kassel")
    levels = tuple(sorted({9, 10, profile.districts.admin_level}))
    target = download_path(profile.osm.place, levels)
    writer = osmium.SimpleWriter(str(target), overwrite=True)
    writer.add_node(osmium.osm.mutable.Node(id=1, location=(9.5, 51.3), tags={"place": "city"}))
    writer.close()
    target.with_name(target.name + ".json").write_text(
        json.dumps({"hausbesuch_download": 1, "place": profile.osm.place}), encoding="utf-8")
    res = invoke("network", "--mode", "walk")
    assert res.exit_code == 2, res.output
    assert f"{target.name} enthält keine Wege" in res.stderr
    assert f"liegt unter {target.resolve()}" in res.stderr and "neu herunter" in res.stderr
