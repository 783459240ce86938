"""Re-plan findings of QA 33 (issue 12 and issue 15 audits), through the command line on a
real SQLite store with the real Bad Hersfeld extract (the module plan of
:mod:`tests.test_casework_store`: team-1 and team-2, 08:00–16:00, Mo 07.12.2026 to Fr
11.12.2026):

- QA 33a F6: ``replan --without-team`` on a day the team does not work (a holiday, the
  weekend, a day entered as absent, after its shift) stored a version announcing the
  removal; now refused, nothing stored.
"""

from __future__ import annotations

from datetime import timedelta

from hausbesuch.cli import app
from tests.cli_helpers import ClockedCli
from tests.test_casework_store import (  # noqa: F401 - the fixtures
    START,
    _common,
    _copy_of,
    base,
    ok,
    planned,
)


def _versions(db: str) -> list[str]:
    from hausbesuch.store import Store

    with Store.open(db) as store:
        return sorted(p.id for p in store.list_plans("Bad Hersfeld"))


def test_without_team_on_a_day_it_does_not_work_is_refused(planned, tmp_path):  # noqa: F811
    """QA 33a F6: a team taken out on a day it is entered as absent, or after its shift,
    is refused naming the day and why (exit 2), and no version is stored; on a day it
    works, the removal goes through as before."""
    db, v1, _ = _copy_of(planned, tmp_path, "frei.sqlite")
    wed = START + timedelta(days=2)
    ok("absence", "add", "team-1", f"{wed:%d.%m.%Y}", *_common(db))
    before = _versions(db)
    cli = ClockedCli(START + timedelta(days=14))
    for at, team, why in (
            (f"{wed} 11:30", "team-1", "Team team-1 arbeitet am Mi, 09.12.2026 nicht (als "
             "abwesend eingetragen); da ist nichts abzumelden. Nichts gespeichert."),
            (f"{START + timedelta(days=1)} 17:00", "team-2", "Team team-2 arbeitet am Di, "
             "08.12.2026 nur bis 16:00 Uhr; da ist nichts abzumelden. Nichts gespeichert.")):
        res = cli.runner.invoke(app, ["replan", v1.id, "--from", at, "--without-team", team,
                                      "--out", str(tmp_path / "v2"), "--time-limit", "1",
                                      *_common(db)])
        assert res.exit_code == 2, res.output
        assert why in " ".join(res.output.split()), res.output
        assert _versions(db) == before
    # the other team on that day is taken out
    out = cli.ok("replan", v1.id, "--from", f"{wed} 11:30", "--without-team", "team-2",
                 "--out", str(tmp_path / "v2"), "--time-limit", "1", *_common(db))
    assert "Team team-2 ist am Mi, 09.12.2026 ab 11:30 Uhr für den Rest des Tages" in out

