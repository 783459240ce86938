"""The hint for a city without cases in a database that holds other cities' cases.

Every command works on the cases of one city profile (``--city``, default Kassel); the
cases are stored under the profile's ``name``. A forgotten ``--city`` (or a profile whose
``name`` was changed) finds no cases and used to say "all clear" (QA 18b #3). The casework
commands and ``plan`` add :func:`other_cities_hint` to what they say then; ``plans``
and ``audit`` name the cities that have plans (:func:`cities_with_plans`) or entries
(:func:`cities_with_entries`) the same way (QA 19a #7).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

if TYPE_CHECKING:
    from hausbesuch.store import Store

#: the audit log's row for reading the log (:func:`cities_with_entries` leaves it out)
READ = "protokoll_gelesen"
#: how many other cities the hint names before "…"
MAX_NAMED = 5


def cities_with_cases(store: Store) -> list[str]:
    """The names of the cities (profile ``name``) that have cases in the store, sorted."""
    from hausbesuch.store import ClientRow

    with store.session() as s:
        return sorted(s.scalars(select(ClientRow.city).distinct()))


def cities_with_plans(store: Store) -> list[str]:
    """The names of the cities that have stored plans, sorted."""
    from hausbesuch.store import PlanRow

    with store.session() as s:
        return sorted(s.scalars(select(PlanRow.city).distinct()))


def cities_with_entries(store: Store) -> list[str]:
    """The names of the cities that have rows in the audit log, sorted: rows without a
    city (administrators' logins) name none, and reading the log (``protokoll_gelesen``,
    which ``audit`` itself writes) does not count."""
    from hausbesuch.store import AuditRow

    with store.session() as s:
        return sorted(s.scalars(select(AuditRow.city).where(
            AuditRow.city.is_not(None), AuditRow.action != READ).distinct()))


def named_cities(cities: list[str]) -> str:
    """``cities`` as a hint names them: the first :data:`MAX_NAMED`, then "…"."""
    return ", ".join(cities[:MAX_NAMED]) + (" …" if len(cities) > MAX_NAMED else "")


def other_cities_hint(store: Store, city: str, cities: list[str] | None = None, *,
                      what: str = "Fälle", lead: bool = True) -> str:
    """A German hint when ``city`` has no case but the store holds cases of other cities
    (``cities``: :func:`cities_with_cases`, if already known), else "". ``what`` names
    what ``cities`` have (``"Pläne"``: :func:`cities_with_plans`, ``"Einträge"``:
    :func:`cities_with_entries`, passed as ``cities``). Without ``lead`` the hint does not
    begin with „Für … sind keine … gespeichert.“ (the caller has said so in its own
    words)."""
    cities = cities_with_cases(store) if cities is None else cities
    if city in cities or not cities:
        return ""
    named = named_cities(cities)
    first = f"Für {city} sind keine {what} gespeichert. " if lead else ""
    return (f"{first}Die Datenbank enthält {what} von: "
            f"{named} – --city angeben (das Profil dieser Stadt). Wurde der Name (name) im "
            f"Profil geändert, sind die {what} unter dem alten Namen gespeichert.")


def default_city_guard(store: Store, city: str, given: str | None, what: str) -> str:
    """For a command that stores ``what`` (teams, absences) for ``city``: when ``city``
    has no case but the store holds cases of other cities (QA 27 F4: the README's
    ``teams --set teams.csv`` without ``--city`` saved Kassel's teams into Lauf's
    database), refuse if ``given`` is None (the default city, no ``--city``) by raising
    :class:`hausbesuch.errors.UserError`, else return a German warning ("" when all is
    well). Both name the city used and how to choose another."""
    from hausbesuch.errors import UserError

    cities = cities_with_cases(store)
    if city in cities or not cities:
        return ""
    named = named_cities(cities)
    if given is None:
        raise UserError(
            f"Ohne --city gilt die Standardstadt {city}, für die die Datenbank keine Fälle "
            f"enthält, nur Fälle von: {named}. Nichts gespeichert: bitte mit --city "
            f"(Kurzname oder PFAD.toml) das Profil der Stadt angeben, für die {what} "
            "gelten sollen.")
    return (f"Hinweis: {what} gelten für {city} (--city {given}); die Datenbank enthält "
            f"keine Fälle von {city}, nur von: {named}. Ist das die richtige Stadt?")
