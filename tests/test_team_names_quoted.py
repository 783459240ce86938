"""A team member's name holding a separator survives ``teams --csv`` and reading it back
(session 35, misc 3).

A CSV/XLSX cell of members (and of languages) is split at ``,`` ``;`` ``/`` ``|`` and a
``+`` after a name, so „Müller, Anna“ became the two members „Müller“ and „Anna“, and
the language „Farsi/Dari“ two languages, when the teams were written with ``teams --csv``
and set again. ``teams --csv`` now writes such a name in double quotes inside the cell
(``"Müller, Anna", B. Yilmaz``), and a name in double quotes at the start of an entry is
read whole.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from hausbesuch import team_store
from hausbesuch.fields import clean_text
from hausbesuch.teams import load_teams, names_cell, parse_teams, split_names
from tests.cli_helpers import ok

#: Letters and every character the cell's reading treats specially.
_ALPHABET = "aBäß .-'=@+,;/|\"\t"
#: Names as stored: cleaned, not empty.
NAMES = st.lists(st.text(alphabet=_ALPHABET, min_size=1, max_size=12).map(clean_text)
                 .filter(bool), min_size=1, max_size=5)


@settings(max_examples=400, deadline=None)
@given(NAMES)
def test_a_cell_of_names_reads_back_as_the_same_names(names: list[str]) -> None:
    assert split_names(names_cell(names)) == names


@settings(max_examples=60, deadline=None)
@given(NAMES)
def test_teams_csv_reads_back_with_the_same_members(tmp_path_factory, names: list[str]) -> None:  # noqa: ANN001
    teams = parse_teams({"team": [{"id": "nord", "mitglieder": names}]})
    path = tmp_path_factory.mktemp("teams") / "teams.csv"
    path.write_text(team_store.teams_csv(teams), encoding="utf-8")
    assert load_teams(path)[0].members == tuple(names)


def test_hand_written_cells_keep_their_meaning(tmp_path: Path) -> None:
    """Separators split as before; a quoted name is one member; a ``"`` inside a name
    (not at an entry's start) is part of it."""
    assert split_names("A. Schmidt + B. Yilmaz+C. Weiß, +49 Herr") == [
        "A. Schmidt", "B. Yilmaz", "C. Weiß", "+49 Herr"]
    assert split_names('"Müller, Anna", B. Yilmaz') == ["Müller, Anna", "B. Yilmaz"]
    assert split_names('A/ "Müller, Anna" | "x ""y"""') == ["A", "Müller, Anna", 'x "y"']
    assert split_names('Anna "Anni" Müller; B') == ['Anna "Anni" Müller', "B"]
    # the cell as Excel writes a cell typed „"Müller, Anna", B. Yilmaz“
    (tmp_path / "t.csv").write_text('id;mitglieder\nnord;"""Müller, Anna"", B. Yilmaz"\n',
                                    encoding="utf-8")
    assert load_teams(tmp_path / "t.csv")[0].members == ("Müller, Anna", "B. Yilmaz")


TOML = """
[[team]]
id = "nord"
mitglieder = ["Müller, Anna", "B. Yilmaz", "Schmidt/Weiß", "+49 Herr"]
sprachen = ["Farsi/Dari", "Türkisch"]

[[team]]
id = "sued"
mitglieder = ['"Anni" Krause', "C. Weiß"]
"""


def test_teams_csv_then_set_keeps_names_with_a_comma_or_slash(tmp_path: Path) -> None:
    """The documented edit cycle on the command line: ``teams --csv``, then ``--set``
    of that file, gives the same teams."""
    from hausbesuch.config import load_profile
    from hausbesuch.store import Store

    (tmp_path / "teams.toml").write_text(TOML, encoding="utf-8")
    common = ["--city", "bad-hersfeld", "--db", str(tmp_path / "t.sqlite")]
    ok("teams", "--set", str(tmp_path / "teams.toml"), *common)
    ok("teams", "--csv", str(tmp_path / "teams.csv"), *common)
    written = (tmp_path / "teams.csv").read_text(encoding="utf-8-sig")
    assert '"""Müller, Anna"", B. Yilmaz, ""Schmidt/Weiß"", +49 Herr"' in written, written
    profile = load_profile("bad-hersfeld")
    with Store.open(tmp_path / "t.sqlite") as store:
        before = team_store.stored_teams(store, profile)[0]
    ok("teams", "--set", str(tmp_path / "teams.csv"), *common)
    with Store.open(tmp_path / "t.sqlite") as store:
        after = team_store.stored_teams(store, profile)[0]
    assert after == before
    assert after[0].members == ("Müller, Anna", "B. Yilmaz", "Schmidt/Weiß", "+49 Herr")
    assert after[0].skills == {"Farsi/dari", "Türkisch"}
    assert after[1].members == ('"Anni" Krause', "C. Weiß")
