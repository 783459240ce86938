"""Third persons' names in addresses: a ``c/o``, ``bei`` or ``z. Hd.`` line names the host.

The worker's route page, the printed sheet and the letter need that line (it is on the
bell); the overviews, the report and the exports do not, and leave it out. So it is with
an addition that names a person without such a word (``Meier``, ``Familie Meier``, as an
``Adresszusatz`` column or a part of a one-line address writes it; the rule is
:func:`geodata.addresses.names_a_person`), with the words before the street that the
geocoder read past (``Anna Meier Linggplatz 7``: its note „2 Wörter vor dem Straßennamen
ignoriert“, kept with the plan) and with the words of the client's own name (the list's
``Name`` column) wherever the address holds them (:class:`CareOf`).

A case-management export may put the c/o into the ``Name`` cell too („Jürgen Weiß c/o
Öztürk“, „Weiß, Jürgen c/o Öztürk“): from the marker on, the cell names the host, not the
client (:func:`own_name_and_host`). The host's words stay in the address of the field
views, and a host named only there is shown before the address (:func:`without_own_name`).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from typing import TYPE_CHECKING

from hausbesuch.namewords import NAME_FILLERS, street_forms, words
from hausbesuch.pathnames import name_words
from hausbesuch.plandata import Client, Geocode, Plan, Rejected, UnassignedVisit

if TYPE_CHECKING:
    from geodata.addresses import ParsedAddress

__all__ = ["CareOf", "host_not_in", "own_name_and_host", "own_name_before_street", "own_name_note",
           "without_care_of", "without_own_name"]


#: A c/o marker inside a ``Name`` cell, after the client's own name: the spellings of a c/o
#: line (:func:`geodata.addresses.care_of_marker`) that no person's name holds: „c/o“,
#: „c/o.“, „c.o.“, „bei“, „wohnhaft bei“, „p. Adr.“, „per Adresse“. Not „b.“ nor „p. A.“
#: (initials: „Anna B. Meier“), nor „z. Hd.“ (it names the recipient, not a host); „bei“
#: only in small letters (Bei is a surname too: „Li Bei“).
_NAME_CARE_OF = re.compile(
    r"(?<![\w/.-])(?:c\s*/\s*o\.?|c\.\s*o\.|wohnhaft\s+bei|(?-i:bei)|p\.\s*adr\.?"
    r"|per\s+adresse)"
    r"(?=[\s.:,]|$)", re.IGNORECASE)


def own_name_and_host(name: str | None) -> tuple[str, str]:
    """A ``Name`` cell cut at a c/o marker after the client's own name (:data:`_NAME_CARE_OF`):
    the client's own name and the host as typed with its marker, ``("Jürgen Weiß", "c/o
    Öztürk")`` of „Jürgen Weiß c/o Öztürk“, ``("Weiß, Jürgen", "c/o Öztürk")`` of „Weiß,
    Jürgen c/o Öztürk“ (also „…, c/o Öztürk“ and „… (c/o Öztürk)“). A marker without a name
    after it is left out („Jürgen Weiß c/o“: no host); a cell without a marker, or one
    that begins with it (no own name before it), is the client's name as it is: ``(name,
    "")``.

    The host is the name after the marker up to a comma, semicolon, bracket, digit or a
    word for a telephone (review 36 #1: „Anna Meier, bei Familie Öztürk, Tel. 0171 2345“
    put the number before the address of every field view); words after a comma that read
    as a name belong to the client („Weiß c/o Öztürk, Jürgen“: „Weiß, Jürgen“), anything
    else after the host is left out."""
    text = " ".join((name or "").split())
    for m in _NAME_CARE_OF.finditer(text):
        own = text[:m.start()].rstrip(" ,;/(-–")
        if not re.search(r"[^\W\d_]", own):
            continue
        after = text[m.end():]
        cut = _HOST_END.search(after)
        host = (after[:cut.start()] if cut else after).strip(" .:-–")
        rest = after[cut.start():] if cut else ""
        if _FIRST_NAMES.fullmatch(rest):  # the own first names after the host
            own = f"{own}, {rest.strip(' ,')}"
        return own, f"{m[0]} {host}" if re.search(r"[^\W\d_]", host) else ""
    return text, ""


#: Where the host's name after a c/o marker in a ``Name`` cell ends
#: (:func:`own_name_and_host`): a comma, semicolon, bracket, digit, or a word for a phone.
_HOST_END = re.compile(r"[,;()\[\]/]|\d|\b(?:tel|telefon|handy|mobil|fon)\b", re.IGNORECASE)
#: What after the host's comma is the client's first name(s) („, Jürgen“, „, Anna-Lena“).
_FIRST_NAMES = re.compile(r"\s*,\s*[^\W\d_]+(?:[ '-][^\W\d_]+)*\.?\s*")


def host_not_in(name: str | None, address: str) -> str:
    """The host a ``Name`` cell names (:func:`own_name_and_host`: ``c/o Öztürk`` of „Jürgen
    Weiß c/o Öztürk“) when ``address`` does not name it (no word of its name, three letters
    or more, compared without case and umlaut spelling, in it), else "": the c/o line the
    field views and the letter add to the address, so that it stands once."""
    host = own_name_and_host(unicodedata.normalize("NFC", name or ""))[1]
    if not host or not address.strip():
        return ""
    m = _NAME_CARE_OF.match(host)
    named = name_words(host[m.end():] if m else host)
    return "" if named & set(words(address, both_spellings=True)) else host


#: What separates the parts of an address as typed: a comma, a semicolon, a line break,
#: a bar, a slash, a dash between spaces ("Am Markt 16 / Meier / 36251 …"). (Dashes and
#: quotes the parser reads as such: see geodata.addresses._CLEAN_TABLE.)
_BEFORE = r"(?:[,;\n|/–—]|(?<=\s)-)"
_AFTER = r"(?:[,;\n|/–—]|-(?=\s))"
#: A postcode after a part without a comma: "Am Markt 16, Meier 36251 Bad Hersfeld".
_POSTCODE = r"(?:D\s?-?\s?)?\d{5}(?!\d)"


#: The geocoder's note that it read the street from a later word of the street as parsed
#: (``geodata.geocode``: „2 Wörter vor dem Straßennamen ignoriert“, also „… (ohne
#: c/o-Vermerk; …)“): the words before it are no part of the street, most likely a name.
_DROPPED_NOTE = re.compile(r"(?<!\d)(\d{1,2}) (?:Wort|Wörter) vor dem Straßennamen ignoriert")
#: A word of an address as typed: letters, joined by a hyphen or an apostrophe.
_TOKEN = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")


#: Kinds of street, compared forms (:func:`hausbesuch.namewords.words`): a word typed
#: directly before one is the street's name („Müller Straße 12“, „Hans Sachs Str. 3“), and
#: a street found that ends in one („Müllerstraße“, „Goetheweg“) protects its name's words
#: (``geodata.geocode._STREET_TYPES``, and „Str.“).
_STREET_KINDS = ("strasse", "str", "weg", "gasse", "platz", "allee", "ring", "pfad", "steig",
                 "damm", "ufer", "chaussee", "promenade", "stieg", "graben", "wall", "zeile",
                 "gang", "winkel")


def _street_forms(words: list[str]) -> set[str]:
    """Compared words of a street found, and each of them without the kind of street
    written into it (``muellerstrasse`` -> ``mueller``, ``goetheweg`` -> ``goethe``; any
    of :data:`_STREET_KINDS`, three letters left: :func:`hausbesuch.namewords.street_forms`
    as a file name's street words are read, with more kinds and a shorter stem)."""
    return street_forms(words, kinds=_STREET_KINDS, min_stem=3)


def _a_street_kind(token: str) -> bool:
    """Whether a word as typed is a bare kind of street („Straße“, „Str“, „Weg“)."""
    forms = words(token)
    return len(forms) == 1 and forms[0] in _STREET_KINDS


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
        (rf"(^|[\n„(])[ \t]*{p}[ \t]+(?=\S)", r"\1"),  # before the street: "Meier Vogelsang 5"
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


def _read_past(parsed: ParsedAddress, geocode: Geocode | None) -> str:
    """The words before the street that the geocoder read past (its note „2 Wörter vor
    dem Straßennamen ignoriert“): the first words of the street as parsed, as the
    geocoder parsed the same address; "" without such a note or a found answer."""
    if geocode is None or geocode.quality not in ("exact", "interpolated", "street"):
        return ""
    m = _DROPPED_NOTE.search(geocode.reason or "")
    words = parsed.street.split()
    if not m or not 0 < int(m[1]) < len(words):
        return ""
    return " ".join(words[: int(m[1])])


def _own_name_runs(address: str, name: str | None, keep: set[str], *, whole: bool = False
                   ) -> list[str]:
    """The runs of words of ``address`` (apart by spaces only) that are words of the
    client's own ``name`` (three letters or more, no particle or salutation: ``Hannelore
    Quaschning`` of „Quaschning, Hannelore“; compared without case and umlaut spelling),
    as typed. A word of ``keep`` (the street and town the geocoder found) is the
    address's own: a client Berg at „Am Berg 5“; so is a run typed directly before a bare
    kind of street: a client Müller at „Müller Straße 12“, Hans Sachs at „Hans Sachs Str.
    3“ (review 25 #2)."""
    # a host in the Name cell is not the client (``whole``: as plans before session 36 read it)
    names = name_words(name if whole else own_name_and_host(name)[0])
    if not names or not address:
        return []
    runs: list[list[tuple[re.Match[str], bool]]] = []
    run: list[tuple[re.Match[str], bool]] = []
    for m in _TOKEN.finditer(address):
        forms = words(m[0], both_spellings=True)
        named = any(w in names for w in forms)
        if any(w in keep for w in forms) or not forms \
                or not all(w in names or w in NAME_FILLERS for w in forms) \
                or (not named and not run):  # a particle only within a name ("von")
            run = []
            continue
        if not run or not address[run[-1][0].end():m.start()].isspace():
            run = []  # a run is the words between two commas, numbers or other words
            runs.append(run)
        run.append((m, named))
    for r in runs:
        while r and not r[-1][1]:  # no particle after the name ("Meier zum")
            r.pop()
        if r and (after := re.match(rf"[ \t]+({_TOKEN.pattern})", address[r[-1][0].end():])) \
                and _a_street_kind(after[1]):
            r.clear()  # the street's name: "Müller Straße 12"
    return list(dict.fromkeys(address[r[0][0].start():r[-1][0].end()] for r in runs if r))


def _own_names(client: Client, geocode: Geocode | None, *, whole: bool = False) -> list[str]:
    """The runs of words of the client's own name in its address (:func:`_own_name_runs`),
    a word of the street and town the geocoder found (``geocode.match``) aside, and of
    the town and district as parsed: of the address after the own name and a comma when
    it begins so („Meier, Breitenstraße 5“, whose town as parsed is „Meier“)."""
    address = unicodedata.normalize("NFC", client.address or "")
    bare = own_name_before_street(address, client.name, comma=True)
    parsed = _parse(bare[0] if bare is not None else address)
    found = (geocode.match if geocode is not None and geocode.quality != "unresolved"
             else "")
    keep = _street_forms(words(" ".join([found, parsed.town, parsed.district]),
                               both_spellings=True))
    return _own_name_runs(address, unicodedata.normalize("NFC", client.name or ""), keep,
                          whole=whole)


def without_own_name(client: Client, geocode: Geocode | None, *, host: bool = True) -> str:
    """The client's address without the words of its own name (the list's ``Name``
    column) typed into it without a salutation („Hannelore Quaschning Linggplatz 7“ of
    „Quaschning, Hannelore“): what a planned visit keeps as its address, so that the
    worker's route page, its map, print sheet and GPX carry no name of the client either
    (as a salutation line naming the client is left out when the list is read); a c/o line
    and a third person's name stay there (they may be on the bell).

    A host named in the ``Name`` cell (:func:`own_name_and_host`: „Jürgen Weiß c/o Öztürk“)
    is no word of the client's name: it stays, and when the address does not name it, it
    stands before the address as its c/o line („c/o Öztürk, Wäschgasse 9, …“; the name on
    the bell; the overviews leave it out as any c/o line). Without ``host``, the address
    a plan stored before session 36 kept: without every word of the ``Name`` cell, the
    host's too, and nothing added (so an unchanged address is not taken for a move)."""
    address = client.address or ""
    runs = _own_names(client, geocode, whole=not host) if address.strip() else []
    text = address
    if runs:
        text = unicodedata.normalize("NFC", address)
        for part in runs:
            text = _drop(text, part)
        text = text.strip(" \t\n,;|/")
        first = _TOKEN.search(text)
        if first is None or (first.start() == 0 and _a_street_kind(first[0])):
            text = address  # nothing but a kind of street left of its name: "Straße 12"
    named = host_not_in(client.name, text) if host else ""
    return f"{named}, {text}" if named else text


#: The note of an address whose street the client's own name was typed before („Anna Meier
#: Breitenstraße 5“ of a client „Meier, Anna“): the address was looked up without those
#: words (:func:`own_name_before_street`). As the geocoder's own note, it names how many
#: words, never which (:data:`_DROPPED_NOTE` reads it, so the exports leave them out).
OWN_NAME_NOTE = "{n} {words} vor dem Straßennamen ignoriert (Name des Kunden)."


def own_name_note(n: int) -> str:
    return OWN_NAME_NOTE.format(n=n, words="Wort" if n == 1 else "Wörter")


def own_name_before_street(address: str, name: str | None, *, comma: bool = False
                           ) -> tuple[str, int] | None:
    """The address as typed without the client's own name typed before its street („Anna
    Meier Breitenstraße 5, 36251 Bad Hersfeld“ of „Meier, Anna“ -> „Breitenstraße 5, 36251
    Bad Hersfeld“), and how many words (as the parser counts them) were left out; None
    when the address does not begin with words of the name (:func:`_own_name_runs`: three
    letters or more, particles only between them), or when what follows is no street with
    a house number (a bare kind of street, „Müller Straße 12“ of a client Müller, is the
    street's own name).

    With ``comma``, the name is one followed by a comma instead („Meier, Breitenstraße 5“):
    without a town after the street the parser reads „Meier“ as the town. Only the
    client's own name is left out: „Am Markt, Breitenstraße 5“ keeps „Am Markt“ (of a
    client Markt too: the part does not begin with the name)."""
    from geodata.addresses import parse_address

    text = unicodedata.normalize("NFC", address or "").lstrip()
    if not text:
        return None
    for run in _own_name_runs(text, unicodedata.normalize("NFC", name or ""), set()):
        after = re.match(r"[ \t]*,\s*" if comma else r"\s", text[len(run):])
        if not text.startswith(run) or after is None:
            continue
        rest = text[len(run) + after.end():].lstrip()
        first = _TOKEN.match(rest)
        parsed = parse_address(rest)
        if first is None or _a_street_kind(first[0]) or not parsed.street \
                or not parsed.housenumber:
            return None
        return rest, len(run.split())
    return None


class CareOf:
    """Takes the ``c/o`` lines of the plan's clients out of exported texts, and the other
    words of their addresses that name a person: the words before the street that the
    geocoder read past (kept with the plan as its note, so also where the plan is drawn
    again without the extract: ``show``, ``export``, the web app) and the words of the
    client's own name (the list's ``Name`` column, kept in the database). The worker's
    route page, its map and sheet and the letter show the address with its c/o lines (an
    address found in the map data in the letter's form: :func:`hausbesuch.letters.
    field_address`)."""

    _QUOTED = re.compile(r"„([^“]*)“")

    def __init__(self, plan: Plan) -> None:
        self.parts: dict[str, tuple[str, ...]] = {}
        #: per client: the words of its address that name a person without a marker
        #: (:func:`_read_past`, :func:`_own_name_runs`), left out after the c/o lines
        self.names: dict[str, tuple[str, ...]] = {}
        #: per client: the street as the geocoder's reasons quote it („Meier Vogelsang“)
        #: and as shown („Vogelsang“), when a c/o line's name runs into the street
        self.streets: dict[str, tuple[str, str]] = {}
        geocodes = {g.client_id: g for g in plan.geocodes}
        for c in plan.clients:
            if not c.address or not c.address.strip():
                continue
            parsed = _parse(unicodedata.normalize("NFC", c.address))
            if parsed.care_of:
                self.parts[c.id] = parsed.care_of
            if names := self._names(c, parsed, geocodes.get(c.id)):
                self.names[c.id] = names
                self.parts[c.id] = (*self.parts.get(c.id, ()), *names)
            if parsed.shown_street != parsed.street:
                self.streets[c.id] = (parsed.street, parsed.shown_street)

    @staticmethod
    def _names(c: Client, parsed: ParsedAddress, geocode: Geocode | None
               ) -> tuple[str, ...]:
        past = _read_past(parsed, geocode)
        # every word of the Name cell, a host's after a c/o marker too (the overviews show
        # no host, and its name may stand in the address without a marker: „Öztürk
        # Wäschgasse 9“ of „Jürgen Weiß c/o Öztürk“)
        own = _own_names(c, geocode, whole=True)
        return tuple(dict.fromkeys(x for x in (past, *own) if x))

    def address(self, client_id: str | None, address: str) -> str:
        """A client's address as the overviews, the report and the exports show it: without
        its c/o lines (:func:`without_care_of`), the words before the street the geocoder
        read past and the words of the client's own name."""
        out = without_care_of(address)
        names = self.names.get(client_id or "")
        if not names or not out:
            return out
        text = unicodedata.normalize("NFC", out)
        for part in names:
            text = _drop(text, part)
        return text.strip(" \t\n,;|/") if text != out else out

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
        return replace(u, address=self.address(u.client_id, u.address),
                       reason=self.text(u.client_id, u.reason))

    def rejected(self, r: Rejected) -> Rejected:
        """A rejected row as an overview shows it: its reason without c/o."""
        return replace(r, reason=self.text(r.id, r.reason))
