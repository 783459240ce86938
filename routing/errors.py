"""Exceptions of the routing package.

Messages are German: the CLI shows them to the coordinator as they are. Each
message names the visit (``Besuch``/``Job``), team or vehicle (``Fahrzeug``) and
the field that is wrong.
"""

from __future__ import annotations


class RoutingInputError(ValueError):
    """Invalid routing input (a field of a visit, team, vehicle or matrix); German message.

    ``code`` follows VROOM's status codes: 2 means input error.
    """

    code = 2
