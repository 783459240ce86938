"""Third persons' names in addresses: a ``c/o``, ``bei`` or ``z. Hd.`` line names the host.

The worker's route page, the printed sheet and the letter need that line (it is on the
bell); the overviews, the report and the exports do not, and leave it out. So it is with
an addition that names a person without such a word (``Meier``, ``Familie Meier``, as an
``Adresszusatz`` column or a part of a one-line address writes it; the rule is
:func:`geodata.addresses.names_a_person`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from hausbesuch.plandata import Plan, Rejected, UnassignedVisit

__all__ = ["CareOf", "without_care_of"]


def _drop(text: str, part: str) -> str:
    """``text`` without ``part`` and the comma that joined it to its neighbours: the first
    of these shapes that holds it, the part as whole words (a part "Meier" leaves
    "Meierstraße" alone)."""
    p = rf"(?<!\w){re.escape(part)}(?!\w)"
    for shape, by in (
        (rf"\s*\(\s*{p}\s*\)", ""),  # in brackets: "Hauptstr. 5 (bei Meier)"
        (rf"[,;]\s*{p}(?=\s*[,;\n])", ""),  # between two parts
        (rf"(^|[,;\n„])\s*{p}\s*[,;\n]\s*", r"\1"),  # first of its line
        (rf"\s+{p}(?=\s*[,;\n])", ""),  # after the street, before a comma
        (rf"[\s,;]*{p}", ""),  # last, or alone
    ):
        dropped = re.sub(shape, by, text)
        if dropped != text:
            return dropped
    return text


#: A quick test before parsing: text without any of these has no c/o line, ...
_MAYBE = re.compile(r"c\s*/\s*o|c\.\s*o\.|\bco\.|\bbei\b|\bb\.|z\.\s*h|zu\s+h|wohnhaft"
                    # ... and no part naming a person: one without a digit before another
                    # part or in brackets ("Am Markt 16, Meier, 36251 …"), or words after a
                    # house number before a comma or a postcode ("Am Markt 16 Meier, …")
                    r"|(?:^|[,;\n(|])[^\d,;\n()|]*[^\W\d_][^\d,;\n()|]*[,;\n)|]"
                    r"|(?<!\d)\d{1,4}\s?[a-z]?\s+[^\W\d_][^\d,;\n]*(?:[,;\n]|\d{5})",
                    re.IGNORECASE)


def without_care_of(address: str) -> str:
    """The address as given without its ``c/o``, ``bei`` or ``z. Hd.`` line (the name of
    a third person, the host) and without a part that names a person (``Meier``,
    ``Familie Meier``): what the exports show; the street, an addition like a flat or
    "Hinterhaus" and postcode and town are kept."""
    from geodata.addresses import parse_address

    if not address or not address.strip() or not _MAYBE.search(address):
        return address
    out = address
    for part in parse_address(address).care_of:
        out = _drop(out, part)
    return out.strip(" \t\n,;")


class CareOf:
    """Takes the ``c/o`` lines of the plan's clients out of exported texts."""

    _QUOTED = re.compile(r"„([^“]*)“")

    def __init__(self, plan: Plan) -> None:
        from geodata.addresses import parse_address

        self.parts: dict[str, tuple[str, ...]] = {}
        #: per client: the street as the geocoder's reasons quote it („Meier Vogelsang“)
        #: and as shown („Vogelsang“), when a c/o line's name runs into the street
        self.streets: dict[str, tuple[str, str]] = {}
        for c in plan.clients:
            if not (c.address and _MAYBE.search(c.address)):
                continue
            parsed = parse_address(c.address)
            if parsed.care_of:
                self.parts[c.id] = parsed.care_of
            if parsed.shown_street != parsed.street:
                self.streets[c.id] = (parsed.street, parsed.shown_street)

    def text(self, client_id: str | None, text: str) -> str:
        """A reason without the c/o lines of the client's address, and without that of
        any address it quotes („…“); a street it quotes as the geocoder read it without
        the words of a host's name (:attr:`geodata.addresses.ParsedAddress.shown_street`)."""
        if street := self.streets.get(client_id or ""):  # "Straße „Meier Vogelsang“ …"
            text = text.replace(f"„{street[0]}“", f"„{street[1]}“")
        if not text or not _MAYBE.search(text):
            return text
        for part in self.parts.get(client_id or "", ()):
            text = _drop(text, part)
        return self._QUOTED.sub(lambda m: f"„{without_care_of(m[1])}“", text)

    def unassigned(self, u: UnassignedVisit) -> UnassignedVisit:
        """A visit not planned as an overview shows it: address and reason without c/o."""
        return replace(u, address=without_care_of(u.address),
                       reason=self.text(u.client_id, u.reason))

    def rejected(self, r: Rejected) -> Rejected:
        """A rejected row as an overview shows it: its reason without c/o."""
        return replace(r, reason=self.text(r.id, r.reason))
