"""Third persons' names in addresses: a ``c/o``, ``bei`` or ``z. Hd.`` line names the host.

The worker's route page, the printed sheet and the letter need that line (it is on the
bell); the overviews, the report and the exports do not, and leave it out. So it is with
an addition that names a person without such a word (``Meier``, ``Familie Meier``, as an
``Adresszusatz`` column or a part of a one-line address writes it; the rule is
:func:`geodata.addresses.names_a_person`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from hausbesuch.plandata import Plan, Rejected, UnassignedVisit

if TYPE_CHECKING:
    from geodata.addresses import ParsedAddress

__all__ = ["CareOf", "without_care_of"]


#: What separates the parts of an address as typed: a comma, a semicolon, a line break,
#: a bar, a slash, a dash between spaces ("Am Markt 16 / Meier / 36251 …"). (Dashes and
#: quotes the parser reads as such: see geodata.addresses._CLEAN_TABLE.)
_BEFORE = r"(?:[,;\n|/–—]|(?<=\s)-)"
_AFTER = r"(?:[,;\n|/–—]|-(?=\s))"
#: A postcode after a part without a comma: "Am Markt 16, Meier 36251 Bad Hersfeld".
_POSTCODE = r"(?:D\s?-?\s?)?\d{5}(?!\d)"


#: Between two words of a part: spaces, or quotes the parser left out.
_GAP = r'[\s"“”„«»]+'


def _pattern(part: str) -> str:
    """``part`` as the parser wrote it (whitespace collapsed, dashes as ``-``, quotes
    left out) as a pattern of the text as typed: whole words only (a part "Meier" leaves
    "Meierstraße" and "Hans-Meier-Straße" alone)."""
    words = [re.escape(w).replace(r"\-", "[-–—‐]") for w in part.split()]
    # the parser strips a closing bracket at the end: "Meier (Untermieter)"
    close = r"(?:\s*\))?" * (part.count("(") - part.count(")")) if part[-1:] != ")" else ""
    return rf"(?<![\w-]){_GAP.join(words)}{close}(?![\w-])"


def _drop(text: str, part: str) -> str:
    """``text`` without each occurrence of ``part`` and the separator that joined it to
    its neighbours: for each occurrence the first of these shapes that holds it."""
    p = _pattern(part)
    shapes = (
        (rf"\s*\(\s*{p}\s*\)", ""),  # in brackets: "Hauptstr. 5 (bei Meier)"
        (rf"{_BEFORE}\s*{p}(?=\s*{_AFTER})", ""),  # between two parts
        (rf"(^|[,;\n„(])\s*{p}\s*{_AFTER}\s*", r"\1"),  # first of its line
        (rf"\s+{p}(?=\s*{_AFTER})", ""),  # after the street, before a comma
        (rf"({_BEFORE})\s*{p}\s+(?={_POSTCODE})", r"\1 "),  # "…, Meier 36251 …"
        (rf"\s+{p}(?=\s+{_POSTCODE})", ""),  # "Am Markt 16 Meier 36251 …"
        (rf"(?:\s|{_BEFORE})*{p}", ""),  # last, or alone
    )
    dropped = False
    for _ in range(len(re.findall(p, text))):
        for shape, by in shapes:
            new = re.sub(shape, by, text, count=1)
            if new != text:
                text, dropped = new, True
                break
    if dropped:  # no space left before a comma, nor two where the part stood
        text = re.sub(r"(?<=\S)[ \t]{2,}", " ", re.sub(r"[ \t]+(?=[,;])", "", text))
    return text


def _parse(address: str) -> ParsedAddress:
    """The parsed address (:func:`geodata.addresses.parse_address` keeps its results)."""
    from geodata.addresses import parse_address

    return parse_address(address)


def without_care_of(address: str) -> str:
    """The address as given without its ``c/o``, ``bei`` or ``z. Hd.`` line (the name of
    a third person, the host) and without a part that names a person (``Meier``,
    ``Familie Meier``): what the exports show; the street, an addition like a flat or
    "Hinterhaus" and postcode and town are kept.

    Every address is parsed (:func:`geodata.addresses.parse_address` keeps its results),
    and each part that its :attr:`~geodata.addresses.ParsedAddress.care_of` names is left
    out wherever it stands: no quick test before the parser can miss a shape the parser
    reads as a name ("Am Markt 16, Meier 36251 Bad Hersfeld", a name after the town)."""
    if not address or not address.strip():
        return address
    out = unicodedata.normalize("NFC", address)
    for part in _parse(out).care_of:
        out = _drop(out, part)
    return out.strip(" \t\n,;|/") if out != address else address


class CareOf:
    """Takes the ``c/o`` lines of the plan's clients out of exported texts."""

    _QUOTED = re.compile(r"„([^“]*)“")

    def __init__(self, plan: Plan) -> None:
        self.parts: dict[str, tuple[str, ...]] = {}
        #: per client: the street as the geocoder's reasons quote it („Meier Vogelsang“)
        #: and as shown („Vogelsang“), when a c/o line's name runs into the street
        self.streets: dict[str, tuple[str, str]] = {}
        for c in plan.clients:
            if not c.address or not c.address.strip():
                continue
            parsed = _parse(unicodedata.normalize("NFC", c.address))
            if parsed.care_of:
                self.parts[c.id] = parsed.care_of
            if parsed.shown_street != parsed.street:
                self.streets[c.id] = (parsed.street, parsed.shown_street)

    def text(self, client_id: str | None, text: str) -> str:
        """A reason without the c/o lines of the client's address, and without that of
        any address it quotes („…“); a street it quotes as the geocoder read it without
        the words of a host's name (:attr:`geodata.addresses.ParsedAddress.shown_street`).
        A quote that held only what is left out reads „…“ („„Bullach“ kennt der
        Kartenauszug …“ for „Lauf (Bullach)“, whose bracket may name a host)."""
        if not text:
            return text
        text = unicodedata.normalize("NFC", text)
        if street := self.streets.get(client_id or ""):  # "Straße „Meier Vogelsang“ …"
            text = text.replace(f"„{street[0]}“", f"„{street[1]}“")
        for part in self.parts.get(client_id or "", ()):
            text = _drop(text, part)
        text = self._QUOTED.sub(lambda m: f"„{without_care_of(m[1])}“", text)
        return text.replace("„“", "„…“")

    def unassigned(self, u: UnassignedVisit) -> UnassignedVisit:
        """A visit not planned as an overview shows it: address and reason without c/o."""
        return replace(u, address=without_care_of(u.address),
                       reason=self.text(u.client_id, u.reason))

    def rejected(self, r: Rejected) -> Rejected:
        """A rejected row as an overview shows it: its reason without c/o."""
        return replace(r, reason=self.text(r.id, r.reason))
