"""The day taken as today: the machine's date unless HAUSBESUCH_HEUTE says otherwise."""

from __future__ import annotations

from datetime import date

import pytest

from hausbesuch import clock
from hausbesuch.errors import UserError


def test_the_machines_date_without_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(clock.ENV, raising=False)
    before = date.today()
    assert clock.today() in {before, date.today()}  # (midnight may pass in between)


def test_the_variable_sets_the_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(clock.ENV, " 2027-01-15 ")
    assert clock.today() == date(2027, 1, 15)
    monkeypatch.setenv(clock.ENV, "")
    before = date.today()
    assert clock.today() in {before, date.today()}


@pytest.mark.parametrize("text", ["15.01.2027", "morgen", "2027-02-30"])
def test_a_bad_value_is_named_in_german(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.setenv(clock.ENV, text)
    with pytest.raises(UserError, match=rf"HAUSBESUCH_HEUTE='{text}' ist kein Datum"):
        clock.today()
