"""The town's own days off (``[casework] local_holidays``) beyond the Land's holidays: a
Catholic municipality of Bayern keeps Mariä Himmelfahrt, Augsburg its Friedensfest, an
office closes on 24 and 31 December (QA 18b #15: before, only team absences could say so)."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from hausbesuch.casework import Casework, CaseworkError
from hausbesuch.config import load_profile
from hausbesuch.errors import ProfileError
from hausbesuch.planning.builder import Span
from hausbesuch.planning.workflow import _holiday_notes
from hausbesuch.store import Store


def _profile(tmp_path: Path, lauf_pbf: Path, holidays: str):  # noqa: ANN202
    p = tmp_path / "markt.toml"
    p.write_text(f'name = "Markt"\n[osm]\nfile = "{lauf_pbf}"\n'
                 '[[depots]]\nname = "JC"\naddress = "Marktplatz 1, 91207 Lauf"\n'
                 f'[casework]\nland = "Bayern"\nlocal_holidays = {holidays}\n',
                 encoding="utf-8")
    return load_profile(p)


def test_local_holidays_are_no_working_days_and_are_named(tmp_path: Path, lauf_pbf: Path
                                                         ) -> None:
    profile = _profile(tmp_path, lauf_pbf,
                       '["15.08. Mariä Himmelfahrt", "24.12.", "31.12.2027"]')
    cal = profile.casework.calendar()
    assumption, eve, new_years_eve = date(2028, 8, 15), date(2027, 12, 24), date(2027, 12, 31)
    for day in (assumption, date(2029, 8, 15), eve, new_years_eve):
        assert day.weekday() < 5 and not cal.is_working_day(day), day
    assert cal.is_working_day(date(2028, 12, 29))  # 31.12. only in 2027 (a Friday)
    assert cal.is_working_day(date(2028, 8, 14)) and cal.is_working_day(date(2028, 8, 16))
    assert cal.holiday_label(assumption) == "Mariä Himmelfahrt, Feiertag laut Profil"
    assert cal.holiday_label(eve) == "Feiertag laut Profil"
    # the Land's own stay, and are named as the Land's
    assert cal.holiday_label(date(2027, 1, 6)) == "Heilige Drei Könige, Feiertag in BY"
    assert not load_profile("lauf").casework.calendar().is_holiday(assumption)  # Protestant

    span = Span(date(2028, 8, 14), 5, cal)
    assert [span.date(k) for k in span.work_days] == [
        date(2028, 8, 14), date(2028, 8, 16), date(2028, 8, 17), date(2028, 8, 18)]
    assert _holiday_notes(span) == ["Di, 15.08.2028 (Mariä Himmelfahrt, Feiertag laut Profil): "
                                    "an dem Tag keine Touren."]


def test_no_appointment_on_a_local_holiday(tmp_path: Path, lauf_pbf: Path) -> None:
    profile = _profile(tmp_path, lauf_pbf, '["15.08. Mariä Himmelfahrt"]')
    with Store.open(tmp_path / "s.sqlite") as store:
        cw = Casework(store, profile, actor="cli:test", today=lambda: date(2028, 8, 10))
        csv = tmp_path / "k.csv"
        csv.write_text("Kundennummer;Name;Adresse\nK-1;Probe, Paula;Marktplatz 1, 91207 Lauf\n",
                       encoding="utf-8")
        cw.import_clients(str(csv))
        with pytest.raises(CaseworkError, match=r"kein Arbeitstag \(Feiertag: Mariä "
                                                r"Himmelfahrt\)"):
            cw.record_outcome("K-1", date(2028, 8, 10), "termin_vereinbart",
                              appointment=datetime(2028, 8, 15, 10, 0))


@pytest.mark.parametrize("entry", ["31.02.", "15.8", "morgen", "15.08.28", "32.01."])
def test_a_day_that_is_none_is_refused_naming_the_field(tmp_path: Path, lauf_pbf: Path,
                                                       entry: str) -> None:
    with pytest.raises(ProfileError) as info:
        _profile(tmp_path, lauf_pbf, f'["{entry}"]')
    text = str(info.value)
    assert "local_holidays" in text and f"„{entry}“ ist kein Tag" in text, text
    assert "TT.MM." in text and "Value error" not in text


def test_a_span_of_local_holidays_only_is_refused_naming_them(tmp_path: Path, lauf_pbf: Path
                                                            ) -> None:
    from hausbesuch.errors import UserError

    cal = _profile(tmp_path, lauf_pbf, '["15.08. Mariä Himmelfahrt"]').casework.calendar()
    with pytest.raises(UserError) as info:
        Span(date(2028, 8, 15), 1, cal).require_work_days()
    assert "(nur Wochenende oder Feiertage: Di, 15.08.2028 (Mariä Himmelfahrt, Feiertag " \
           "laut Profil))" in str(info.value), info.value


def test_the_post_delivers_on_24_and_31_december_when_the_office_is_closed(
        tmp_path: Path, lauf_pbf: Path) -> None:
    """QA 40 F7: an office that closes on 24.12. and 31.12. (``local_holidays``) still gets
    its letters delivered those days (no public holiday anywhere); a town's own public
    holiday (Mariä Himmelfahrt in a Catholic municipality) stops the post."""
    from hausbesuch.letters import arrival_day, comes_late

    profile = _profile(tmp_path, lauf_pbf, '["24.12.", "31.12.", "15.08. Mariä Himmelfahrt"]')
    assert profile.brief.postlaufzeit_werktage == 2
    # Wed 23.12.2026: Thu 24.12. (post), 25./26. holidays, weekend, Mon 28.12.
    assert arrival_day(profile, date(2026, 12, 23)) == date(2026, 12, 28)
    assert not comes_late(profile, date(2026, 12, 23), date(2026, 12, 29))
    # Wed 30.12.2026: Thu 31.12. (post), 01.01. holiday, weekend, Mon 04.01.2027
    assert arrival_day(profile, date(2026, 12, 30)) == date(2027, 1, 4)
    # Mon 14.08.2028: Tue 15.08. no post, Wed 16.08., Thu 17.08.
    assert arrival_day(profile, date(2028, 8, 14)) == date(2028, 8, 17)
    # (the office's working days still leave both out)
    assert not profile.casework.calendar().is_working_day(date(2026, 12, 24))
