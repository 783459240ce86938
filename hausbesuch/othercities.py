"""The hint for a city without cases in a database that holds other cities' cases.

Every command works on the cases of one city profile (``--city``, default Kassel); the
cases are stored under the profile's ``name``. A forgotten ``--city`` (or a profile whose
``name`` was changed) finds no cases and used to say "all clear" (QA 18b #3). The casework
commands and ``plan`` add :func:`other_cities_hint` to what they say then.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

if TYPE_CHECKING:
    from hausbesuch.store import Store

#: how many other cities the hint names before "…"
MAX_NAMED = 5


def cities_with_cases(store: Store) -> list[str]:
    """The names of the cities (profile ``name``) that have cases in the store, sorted."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        return sorted(s.scalars(select(ClientRow.city).distinct()))


def other_cities_hint(store: Store, city: str, cities: list[str] | None = None) -> str:
    """A German hint when ``city`` has no case but the store holds cases of other cities
    (``cities``: :func:`cities_with_cases`, if already known), else ""."""
    cities = cities_with_cases(store) if cities is None else cities
    if city in cities or not cities:
        return ""
    named = ", ".join(cities[:MAX_NAMED]) + (" …" if len(cities) > MAX_NAMED else "")
    return (f"Für {city} sind keine Fälle gespeichert. Die Datenbank enthält Fälle von: "
            f"{named} – --city angeben (das Profil dieser Stadt). Wurde der Name (name) im "
            "Profil geändert, sind die Fälle unter dem alten Namen gespeichert.")
