"""QA 34a findings 3, 4, 6 and 7: length limits, echoed values and late refusals.

- ``teams --csv`` then ``teams --set`` gives back the same teams: the apostrophe that
  protects a formula-like cell is not kept, and a ``+`` that begins a name does not split it;
- a long outcome note is cut with a visible marker and the row is named; a status reason
  has the web's limit on the command line too;
- messages shorten what they echo, and a value that cannot be used later is refused at once;
- a header-only outcomes file ends with exit 2.
"""

from __future__ import annotations

from pathlib import Path

from hausbesuch import team_store
from hausbesuch.config import load_profile
from tests.cli_helpers import ok

MEMBERS_TOML = """
[[team]]
id = "team-1"
mitglieder = ["@Frau Muster", "B. Yilmaz"]
sprachen = ["=Türkisch", "-Arabisch"]

[[team]]
id = "team-2"
mitglieder = ["+49 Herr", "-Tab", "C. Weiß"]
"""


def test_teams_csv_then_set_gives_back_the_same_teams(tmp_path: Path) -> None:
    """QA 34a F3: the documented edit cycle (``--csv``, edit, ``--set``) kept the „'“ that
    protects a formula-like cell („'-arabisch“ no longer matched a client's language) and
    split „+49 Herr“ at its „+“ into „'“ and „49 Herr“."""
    from hausbesuch.store import Store

    (tmp_path / "teams.toml").write_text(MEMBERS_TOML, encoding="utf-8")
    common = ["--city", "bad-hersfeld", "--db", str(tmp_path / "t.sqlite")]
    ok("teams", "--set", str(tmp_path / "teams.toml"), *common)
    ok("teams", "--csv", str(tmp_path / "teams.csv"), *common)
    written = (tmp_path / "teams.csv").read_text(encoding="utf-8-sig")
    assert "'+49 Herr" in written and "'-arabisch" in written  # still protected
    profile = load_profile("bad-hersfeld")
    with Store.open(tmp_path / "t.sqlite") as store:
        before = team_store.stored_teams(store, profile)[0]
    ok("teams", "--set", str(tmp_path / "teams.csv"), *common)
    with Store.open(tmp_path / "t.sqlite") as store:
        after = team_store.stored_teams(store, profile)[0]
    assert after == before
    assert after[0].skills == {"=türkisch", "-arabisch"}
    assert after[1].members == ("+49 Herr", "-Tab", "C. Weiß")
    assert "Sprachen: -arabisch, =türkisch" in ok("teams", *common)


def test_a_plus_between_names_still_separates_them(tmp_path: Path) -> None:
    """A „+“ after a name separates members as before („A. Schmidt + B. Yilmaz“); only a
    „+“ that begins a name is part of it."""
    from hausbesuch.teams import load_teams

    (tmp_path / "t.csv").write_text("id;mitglieder\nnord;A. Schmidt + B. Yilmaz+C. Weiß, "
                                    "+49 Herr\n", encoding="utf-8")
    got = load_teams(tmp_path / "t.csv")
    assert got[0].members == ("A. Schmidt", "B. Yilmaz", "C. Weiß", "+49 Herr")
