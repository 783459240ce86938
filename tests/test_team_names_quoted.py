"""A team member's name holding a separator survives ``teams --csv`` and reading it back
(session 35, misc 3); a team's languages split as a client's do (review 35 #2).

A CSV/XLSX cell of members is split at ``,`` ``;`` ``/`` ``|`` and a ``+`` after a name,
so „Müller, Anna“ became the two members „Müller“ and „Anna“ when the teams were written
with ``teams --csv`` and set again. ``teams --csv`` now writes such a name in double
quotes inside the cell (``"Müller, Anna", B. Yilmaz``), and a name in double quotes at
the start of an entry is read whole. Languages (``sprachen``) are not quoted: they are
split as the client list's ``sprache`` is (``split_skills``), so a team's „Farsi/Dari“ is
Farsi and Dari, never the one skill „Farsi/dari“ that no client needs.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hausbesuch import team_store
from hausbesuch.clients import parse_skills, split_skills
from hausbesuch.fields import clean_text
from hausbesuch.teams import load_teams, names_cell, parse_teams, split_names
from tests.cli_helpers import teams_csv_round_trip

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
    of that file, gives the same teams; a TOML list's „Farsi/Dari“ is two languages."""
    written, before, after, _ = teams_csv_round_trip(tmp_path, TOML)
    assert '"""Müller, Anna"", B. Yilmaz, ""Schmidt/Weiß"", +49 Herr"' in written, written
    assert ";Dari, Farsi, Türkisch;" in written, written
    assert after == before
    assert after[0].members == ("Müller, Anna", "B. Yilmaz", "Schmidt/Weiß", "+49 Herr")
    assert after[0].skills == {"Farsi", "Dari", "Türkisch"}
    assert after[1].members == ('"Anni" Krause', "C. Weiß")


@pytest.mark.parametrize("cell", ['"Farsi/Dari", Arabisch', "Farsi/Dari, Arabisch",
                                  '"Farsi / Dari (afghanisch)"; Arabisch'])
def test_a_team_speaking_farsi_dari_takes_a_client_who_needs_farsi(cell: str) -> None:
    """Review 35 #2: the quoted cell „"Farsi/Dari"“ was the one skill „Farsi/dari“, so the
    team could take neither a client needing Farsi nor one needing „Farsi/Dari“."""
    from routing.model import Team, Visit, rules_out

    team = parse_teams({"team": [{"id": "a", "sprachen": cell}]})[0]
    assert team.skills == {"Farsi", "Dari", "Arabisch"}
    solver_team = Team("a", (), start=0, skills=team.skills)
    for need in ("Farsi", "Farsi/Dari", "dari und farsi"):
        visit = Visit("v", 1, 30, skills=frozenset(parse_skills(need)))
        assert rules_out(visit, solver_team) is None, need


def test_team_languages_read_as_a_clients(tmp_path: Path) -> None:
    """A team's languages split by the client list's rule, in a CSV cell and in each entry
    of a TOML list; ``Deutsch`` stays in the team's list (no client needs it)."""
    for cell, want in (("Farsi und Dari", ["Farsi", "Dari"]),
                       ("Arabisch (syrisch) + Kurdisch", ["Arabisch", "Kurdisch"]),
                       ("Deutsch, keine", ["Deutsch"]), ("keine", []), ("-", [])):
        assert list(split_skills(cell)) == want, cell
        (tmp_path / "t.csv").write_text(f"id;sprachen\nnord;{cell}\n", encoding="utf-8")
        assert load_teams(tmp_path / "t.csv")[0].skills == set(want), cell
        assert parse_teams({"team": [{"id": "a", "sprachen": [cell, "Türkisch"]}]})[0] \
            .skills == {*want, "Türkisch"}, cell
    assert parse_skills("Deutsch, Farsi") == ("Farsi",)


#: Letters, the separators of a cell of languages, „und“, quotes and placeholders.
_SKILL_TEXT = st.lists(st.sampled_from(["a", "B", "ä", " ", ",", ";", "/", "|", "+", "-",
                                        "und", "UND", "And", "k. A.", "keine", ".", "x", "\""]),
                       max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SKILL_TEXT, min_size=1, max_size=4))
def test_teams_csv_writes_languages_that_read_back_the_same(cells: list[str]) -> None:
    """Whatever the languages were read from, the cell ``teams --csv`` writes of them reads
    back to the same ones."""
    team = parse_teams({"team": [{"id": "a", "sprachen": cells}]})[0]
    row = team_store.teams_csv([team]).splitlines()[1].split(";")
    assert set(split_skills(row[2].removeprefix("'"))) == team.skills


def test_a_language_stored_whole_before_is_split_when_the_team_is_loaded():
    """Teams stored (a plan's snapshot, the city's teams) with a skill read whole before
    the teams file split languages as the client list does: loaded, the skill is split,
    so a client needing Farsi is taken."""
    from hausbesuch.planning.builder import team_from_dict, team_to_dict
    from hausbesuch.teams import TeamConfig

    stored = team_to_dict(TeamConfig(id="a", skills=frozenset({"Farsi/dari", "Arabisch"})))
    assert stored["skills"] == ["Arabisch", "Farsi/dari"]
    assert team_from_dict(stored).skills == {"Farsi", "Dari", "Arabisch"}
    plain = TeamConfig(id="b", skills=frozenset({"Türkisch", "Deutsch"}))
    assert team_from_dict(team_to_dict(plain)) == plain
