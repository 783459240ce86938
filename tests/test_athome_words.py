"""QA 19f: what the at-home model's explanations say and which times a kept half-day
holds. A client's own tries are told by the half of the day of each try's own start (as
the revisit rules split the day), a visit at an agreed appointment shows „Termin
vereinbart“ instead of a chance, and a gap between the profile's bands belongs to the
nearer band when a visit's windows are narrowed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from hausbesuch.athome import (
    ContactModel,
    ContactRecord,
    ModelSettings,
    settings_from_profile,
)

MONDAY = date(2026, 12, 7)
GAPPED = [(480, 600), (600, 720), (780, 960)]  # 8–10, 10–12, 13–16 Uhr: no lunch hour


def rec(cid: str, minute: int, result: str, day: date = MONDAY) -> ContactRecord:
    return ContactRecord(cid, "X", day, minute, result)


def test_own_tries_are_told_by_their_own_time_not_by_the_band() -> None:
    """One band 8–16 Uhr: a failed try at 10:00 and a contact at 15:00 were „2 Versuche
    mittags“ (the band's middle); with a lunch gap a try at 12:15 was „vormittags“ while
    the revisit rule blocks that afternoon. The chances stay as they were."""
    one = ContactModel.fit([rec("C", 600, "nicht_angetroffen"), rec("C", 900, "angetroffen")],
                           bands=[(480, 960)])
    assert one.reasons("C", "X", 0)[:2] == ["1 Versuch vormittags ohne Erfolg",
                                            "1 Versuch nachmittags, 1-mal angetroffen"]
    assert one.chance("C", "X", 0, 0) == pytest.approx(0.5)
    gap = ContactModel.fit([rec("A", 735, "nicht_angetroffen")], GAPPED)
    assert gap.reasons("A", "X", 1)[0] == "1 Versuch nachmittags ohne Erfolg"
    assert gap.chance("A", "X", 0, 1) == pytest.approx(0.1875)  # counted in 10–12 Uhr
    # default bands: a try in 12–14 Uhr at 12:05 is afternoon, as for the revisit rule
    dflt = ContactModel.fit([rec("B", 725, "nicht_angetroffen"),
                             rec("B", 9 * 60, "nicht_angetroffen", MONDAY + timedelta(1))])
    assert dflt.reasons("B", "X", 2)[:2] == ["1 Versuch vormittags ohne Erfolg",
                                             "1 Versuch nachmittags ohne Erfolg"]


def test_the_profile_noon_splits_the_tries_as_the_revisit_rules_do() -> None:
    from hausbesuch.config import load_profile

    profile = load_profile("bad-hersfeld")
    assert settings_from_profile(profile).noon_min == profile.casework.noon_min
    late = profile.model_copy(update={"casework": profile.casework.model_copy(
        update={"noon": "13:00"})})
    s = settings_from_profile(late)
    assert s.noon_min == 13 * 60
    words = ContactModel.fit([rec("A", 750, "nicht_angetroffen")], settings=s).reasons("A", "X", 2)
    assert words[0] == "1 Versuch vormittags ohne Erfolg"
    # the noon of the explanations changes no chance
    assert ContactModel.fit([rec("A", 750, "nicht_angetroffen")], settings=s).chance(
        "A", "X", 0, 2) == ContactModel.fit([rec("A", 750, "nicht_angetroffen")],
                                            settings=ModelSettings()).chance("A", "X", 0, 2)
