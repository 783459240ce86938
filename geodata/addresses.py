"""Parse and normalise German address strings as people type them.

A client list holds addresses such as ``"Friedrich-Ebert-Str. 12a"``, ``"friedrich ebert
strasse 12 A, 34117 kassel"``, ``"c/o Meier, Hauptstr. 5, 36251 Bad Hersfeld OT Petersberg"``
or ``"Wilhelmshoeher Allee 73"``. :func:`parse_address` splits such a string into a
:class:`ParsedAddress` (street, house number, postcode, town, district); the key functions
:func:`street_key`, :func:`housenumber_key` and :func:`town_key` give spellings that compare
equal across the usual variants:

* ``Straße``/``Strasse``/``Str.``/``str`` and compounds (``Hauptstr.`` = ``Hauptstraße``),
  likewise ``Pl.``/``Platz`` (``Marktpl.``), ``St.``/``Sankt``, ``Dr.``/``Doktor``;
* umlauts and ``ß`` written as ``ae``/``oe``/``ue``/``ss``; case; accents;
* hyphens, spaces and dots (``Friedrich Ebert Str`` = ``Friedrich-Ebert-Straße``);
* house numbers with suffix letters and spacing (``12 A`` = ``12a``), ranges (``12-14``) and
  slashes (``12/1``).

The parser never raises on any string; an address it cannot read comes back with empty
fields (``street == ""``).

Town names are compared by their main name only (:func:`town_parts`): ``"Lauf a.d.
Pegnitz"`` is ``"Lauf"``, and ``"Röthenbach a.d. Pegnitz"`` is another town.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any

__all__ = [
    "STREET_START",
    "STREET_TYPE_ALONE",
    "STREET_WORD",
    "ParsedAddress",
    "care_of_marker",
    "door_hint",
    "expand_housenumber",
    "extract_place",
    "extract_street",
    "housenumber_key",
    "names_a_person",
    "normalize_text",
    "parse_address",
    "split_housenumber",
    "street_fuzzy_key",
    "street_key",
    "street_start",
    "town_key",
    "town_parts",
    "town_qualifiers_agree",
    "town_tokens",
    "with_own_number",
    "match_with_own_number",
    "no_number_typed",
    "without_number_placeholder",
]

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ẞ": "ss"})


def normalize_text(text: str) -> str:
    """Lower case, umlauts as ``ae``/``oe``/``ue``, ``ß`` as ``ss``, accents removed."""
    s = unicodedata.normalize("NFC", str(text)).casefold().translate(_UMLAUTS)
    s = unicodedata.normalize("NFKD", s)
    return "".join(ch for ch in s if not unicodedata.combining(ch))


_STRASSE = re.compile(r"stra(?:ss|s)e|strsse")
_SANKT = re.compile(r"(^|[\s\-(])st\.[\s\-]*(?=[a-z])")
#: "Pl." / "pl." for "Platz", with or without its dot (the parser drops a street's last
#: dot: "Marktpl." arrives as "Marktpl"), at the end of a word ("Marktpl") or after one
#: ("Goethe Pl."), or first with its dot ("Pl. der Einheit")
_PLATZ = re.compile(r"(?:(?<=[a-z])|(?<=[a-z][\s\-]))pl\.?(?=[\s,\-]|$)|\bpl\.(?=[\s,\-]|$)")
#: titles written out in a street name: "Doktor-Schlier-Weg" is "Dr.-Schlier-Weg"
_TITLE = re.compile(r"\b(?:doktor|professor)\b")
_TITLE_ABBR = {"doktor": "dr", "professor": "prof"}
_VON = re.compile(r"(^|[\s\-])v\.\s*(?=[a-z\-\s])")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")


@lru_cache(maxsize=65536)
def street_key(name: str) -> str:
    """A comparison key for street names: ``"Friedrich Ebert Strasse"`` -> ``"friedrichebertstr"``.

    Case, umlaut spelling, ``Straße``/``Strasse``/``Str.``, ``St.``/``Sankt``, ``Pl.``/``Platz``
    (``Marktpl.`` = ``Marktplatz``), ``v.``/``von``, ``Dr.``/``Doktor``, ``Prof.``/``Professor``,
    hyphens, spaces and punctuation do not change the key.
    """
    s = normalize_text(name)
    s = _STRASSE.sub("str", s)
    s = _SANKT.sub(lambda m: m.group(1) + "sankt ", s)
    s = _PLATZ.sub("platz", s)
    s = _VON.sub(lambda m: m.group(1) + "von ", s)
    s = _TITLE.sub(lambda m: _TITLE_ABBR[m.group(0)], s)
    return _NON_ALNUM.sub("", s)


def typo_in_street_type(name: str) -> bool:
    """Whether the street type of ``name`` is misspelt in a way :func:`street_key` passes
    over („Breitenstrase“, „Breitenstrsse“ are keyed as the Breitenstraße): the name as
    typed is not the street's, though its key is (QA 31: the field saw the typo)."""
    return any(m[0] != "strasse" for m in _STRASSE.finditer(normalize_text(name)))


_STR_ABBR = re.compile(r"str\b\.?")


@lru_cache(maxsize=65536)
def street_fuzzy_key(name: str) -> str:
    """A key for fuzzy comparison: like :func:`street_key` but with ``Str.`` written out as
    ``strasse``, so that a typo inside "Straße" (``Staße``, ``Strasse``) still scores high."""
    s = normalize_text(name)
    s = _STRASSE.sub("str", s)
    s = _STR_ABBR.sub("strasse", s)
    s = _SANKT.sub(lambda m: m.group(1) + "sankt ", s)
    s = _PLATZ.sub("platz", s)
    s = _VON.sub(lambda m: m.group(1) + "von ", s)
    s = _TITLE.sub(lambda m: _TITLE_ABBR[m.group(0)], s)
    return _NON_ALNUM.sub("", s)


_TOWN_STOP = frozenset(
    {"a", "d", "i", "an", "der", "den", "dem", "am", "im", "in", "bei", "ob", "vor", "v",
     "ot", "ortsteil", "stadt", "gemeinde", "markt", "st", "sankt", "bad", "kreis", "landkreis"}
)


@lru_cache(maxsize=8192)
def town_key(name: str) -> str:
    """A compact comparison key for a town: ``"Lauf a.d. Pegnitz"`` -> ``"laufadpegnitz"``."""
    return _NON_ALNUM.sub("", normalize_text(name))


#: Words that begin a town's qualifier, after its main name: "Lauf a.d. Pegnitz",
#: "Frankfurt am Main", "Freiburg im Breisgau", "Neustadt b. Coburg", "Rothenburg o.d.T.",
#: "Bad Homburg v.d. Höhe", "Kirchheim unter Teck", "Bergen auf Rügen", "Weiden i.d.OPf."
_TOWN_QUALIFIER_START = frozenset(
    {"a", "an", "am", "i", "im", "in", "b", "bei", "o", "ob", "v", "vor", "u", "unter",
     "auf"})
#: Articles between a qualifier's first word and its name ("an der", "i.d.", "o.d.").
_TOWN_QUALIFIER_ARTICLES = frozenset({"d", "der", "dem", "den", "die", "das"})


@lru_cache(maxsize=8192)
def _town_split(name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words (normalised) of a town's main name and of its qualifier."""
    s = normalize_text(name)
    rest: list[str] = []
    # "Frankfurt (Oder)", "Halle/Saale": the brackets or what follows a slash
    m = re.match(r"([^(/]*[a-z0-9][^(/]*)[(/](.*)$", s)
    if m:
        s = m.group(1)
        rest = re.findall(r"[a-z0-9]+", m.group(2))
        while len(rest) > 1 and (rest[0] in _TOWN_QUALIFIER_START
                                 or rest[0] in _TOWN_QUALIFIER_ARTICLES):
            rest = rest[1:]  # "Halle/a.d. Saale"
    words = re.findall(r"[a-z0-9]+", s)
    for i in range(1, len(words) - 1):
        if words[i] in _TOWN_QUALIFIER_START:
            j = i + 1
            while j < len(words) - 1 and words[j] in _TOWN_QUALIFIER_ARTICLES:
                j += 1
            return tuple(words[:i]), tuple(words[j:] + rest)
    return tuple(words), tuple(rest)


def town_parts(name: str) -> tuple[str, str]:
    """A town's main name and its qualifier as comparison keys: ``"Lauf a.d. Pegnitz"``
    -> ``("lauf", "pegnitz")``, ``"Frankfurt (Oder)"`` -> ``("frankfurt", "oder")``,
    ``"Bad Hersfeld"`` -> ``("badhersfeld", "")``.

    The qualifier is what follows the main name after ``a.d.``, ``an der``, ``am``,
    ``im``, ``i.``, ``bei``, ``ob der``, ``v.d.``, ``unter``, ``auf``, in brackets or
    after a slash. Two towns may share it ("Lauf a.d. Pegnitz", "Röthenbach a.d.
    Pegnitz"), so only the main name tells a town; ``Bad``, ``St.`` and the like are
    part of the main name."""
    main, qual = _town_split(name)
    return "".join(main), "".join(qual)


@lru_cache(maxsize=8192)
def town_tokens(name: str) -> frozenset[str]:
    """The significant words of a town's main name (``{"lauf"}`` for ``"Lauf a.d.
    Pegnitz"``, ``{"hersfeld"}`` for ``"Bad Hersfeld"``): without ``Bad``, ``St.`` and
    the qualifier, which other towns share."""
    main, _ = _town_split(name)
    words: list[str] = []
    for w in main:  # "Neu-Ulm" is one word, "neuulm": not "Ulm" across the river
        if words and words[-1] in _TOWN_PREFIXES:
            words[-1] += w
        else:
            words.append(w)
    return frozenset(w for w in words if w not in _TOWN_STOP and len(w) > 2
                     and w not in _TOWN_PREFIXES)


#: First words that make another town of a name: Neu-Ulm is not Ulm, Groß-Gerau not
#: Klein-Gerau, Nieder-Olm not Ober-Olm (:func:`town_tokens` joins them to the next word;
#: normalised: "gross", "sud").
_TOWN_PREFIXES = frozenset(
    {"neu", "alt", "gross", "klein", "nieder", "ober", "unter", "mittel", "hohen", "nord",
     "sud", "sued", "ost", "west"})


def _prefixed(town: str) -> bool:
    """Whether a town's name begins with one of :data:`_TOWN_PREFIXES` (``Neu-Ulm``): its
    hyphen joins one name, it does not add a district."""
    words = re.findall(r"[a-z0-9]+", normalize_text(town))
    return len(words) > 1 and words[0] in _TOWN_PREFIXES


def town_qualifiers_agree(a: str, b: str) -> bool:
    """Whether two qualifier keys (:func:`town_parts`) may name the same thing: one
    missing, equal, one an abbreviation of the other (``"pegn"`` of ``"pegnitz"``,
    ``"opf"`` of ``"oberpfalz"``, ``"m"`` of ``"main"``: the same first letter and the
    letters in order), or a close spelling."""
    if not a or not b or a == b:
        return True
    short, long_ = sorted((a, b), key=len)
    if short[0] == long_[0]:
        rest = iter(long_[1:])
        if all(ch in rest for ch in short[1:]):
            return True
    from rapidfuzz import fuzz

    return fuzz.ratio(a, b) >= 85


_HN_RE = re.compile(r"^(\d+)\s*([a-z]?)$")


_HN_PREFIX = re.compile(r"^(?:nr|no|hausnummer|hnr)\.?\s*")
_HN_SEP = re.compile(r"\s*([-/])\s*")
_HN_BIS = re.compile(r"\s*bis\s*")
_HN_SUFFIX = re.compile(r"(\d)\s+([a-z])\b")
_HN_DROP = re.compile(r"[^0-9a-z½/\-;,]")
#: a half house number: "12½" (after NFKD "121⁄2") or "12 1/2" (with a space: "121/2"
#: is Nr. 121, building 2)
_HN_HALF = re.compile(r"(\d)(?:\s*1\u20442|\s+1/2)(?!\d)")
#: two numbers joined by "+", "&", "und", "u.": read as the range they name
_HN_AND = re.compile(r"(\d[a-z]?)\s*(?:\+|&|\bund\b|(?<![a-z])u\.?)\s*(?=\d)")


@lru_cache(maxsize=65536)
def housenumber_key(number: str) -> str:
    """A comparison key for a house number: ``"12 A"`` -> ``"12a"``, ``"12 - 14"`` -> ``"12-14"``."""
    s = normalize_text(number)
    s = _HN_PREFIX.sub("", s.strip())
    s = _HN_HALF.sub(r"\1½", s)
    s = _HN_AND.sub(r"\1-", s)
    s = _HN_SEP.sub(r"\1", s)
    s = _HN_BIS.sub("-", s)
    s = _HN_SUFFIX.sub(r"\1\2", s)
    s = _HN_ZEROS.sub("", s)  # "05" is Nr. 5 (a cell formatted with two digits)
    return _HN_DROP.sub("", s)


#: Leading zeros of a number in a house number ("05", "12-014"), not a lone "0".
_HN_ZEROS = re.compile(r"(?<![0-9])0+(?=[0-9])")


def split_housenumber(number: str) -> tuple[int | None, str]:
    """``"12a"`` -> ``(12, "a")``; ``"12/1"`` -> ``(12, "/1")``; ``"x"`` -> ``(None, "x")``."""
    key = housenumber_key(number)
    m = re.match(r"(\d+)(.*)$", key)
    if not m:
        return None, key
    return int(m.group(1)), m.group(2)


def expand_housenumber(number: str) -> tuple[str, tuple[str, ...]]:
    """The key of an OSM house number and the further keys it covers.

    ``"19-21"`` -> ``("19-21", ("19", "21"))``; ``"10a-d"`` -> ``("10a-d", ("10a", "10b", "10c",
    "10d"))``; ``"8;10"`` -> ``("8;10", ("8", "10"))``; ``"12a"`` -> ``("12a", ())``.
    """
    key = housenumber_key(number)
    more: list[str] = []
    if ";" in key or "," in key:
        for piece in re.split(r"[;,]", key):
            if piece:
                p_key, p_more = expand_housenumber(piece)
                more.append(p_key)
                more.extend(p_more)
        return key, tuple(dict.fromkeys(more))
    m = re.fullmatch(r"(\d+)([a-z]?)-(\d+)([a-z]?)", key)
    if m:
        lo, hi = int(m.group(1)), int(m.group(3))
        if m.group(2) or m.group(4):
            more += [f"{m.group(1)}{m.group(2)}", f"{m.group(3)}{m.group(4)}"]
        elif 0 < hi - lo <= 20:
            step = 2 if (hi - lo) % 2 == 0 and hi - lo > 1 else 1
            more += [str(n) for n in range(lo, hi + 1, step)]
        else:
            more += [str(lo), str(hi)]
        return key, tuple(dict.fromkeys(k for k in more if k != key))
    m = re.fullmatch(r"(\d+)([a-z])-([a-z])", key)  # 10a-d
    if m and m.group(2) < m.group(3):
        more = [f"{m.group(1)}{chr(c)}" for c in range(ord(m.group(2)), ord(m.group(3)) + 1)]
        return key, tuple(more)
    return key, ()


def _loaded_indexes() -> tuple[Any, ...]:
    """The address indexes of the OSM extracts loaded in this process
    (:func:`geodata.geocode.load_index` keeps them), none when no geocoder ran here."""
    geocode = sys.modules.get("geodata.geocode")
    loaded = getattr(geocode, "_LOADED", None) if geocode is not None else None
    return tuple(loaded.values()) if isinstance(loaded, dict) else ()


def extract_street(name: str) -> bool:
    """Whether a street of this name is in an OSM extract loaded in this process (see
    :func:`extract_place`)."""
    key = street_key(name)
    return bool(key) and any(key in getattr(index, "by_key", {}) for index in _loaded_indexes())


def extract_place(street: str, name: str) -> bool:
    """Whether ``name`` is a place (a village, suburb or hamlet, an ``addr:suburb``) that
    a street named ``street`` lies in or near, in an OSM extract loaded in this process.

    The rule that tells a name from a hint (:func:`names_a_person`) cannot know every
    Ortsteil of every town; the extract does, but only where it is loaded: the planning
    run, which geocodes, knows "Kathus" as a district of Bad Hersfeld, and its report and
    exports keep it; a process without an extract (the letters, a web page drawn before
    any geocoding) treats it as a name and leaves it out of the overviews, as before.
    Only places around the street itself count, so that a host who shares a name with
    some village of the extract is still left out."""
    skey, tkey = street_key(street), town_key(name)
    if not skey or not tkey:
        return False
    for index in _loaded_indexes():
        for c in getattr(index, "by_key", {}).get(skey, ()):
            if tkey in index.clusters[c].town_keys:
                return True
    return False


@dataclass(frozen=True)
class ParsedAddress:
    """A parsed address. Empty strings for parts that were not found."""

    raw: str
    street: str = ""
    housenumber: str = ""
    postcode: str = ""
    town: str = ""
    district: str = ""
    #: Lines or words that were dropped: ``c/o``/``bei`` lines, flat numbers, country.
    extra: tuple[str, ...] = field(default=())
    #: A c/o line before the street in one line ("c/o Anna Meier Güldene Kammer 5"): the
    #: c/o line of :attr:`extra` as the parser cut it, the marker and the words after it
    #: up to the house number (see :meth:`host_split`).
    host_run: tuple[str, ...] = field(default=(), repr=False)
    #: The town as typed, before a part in brackets was taken for its district
    #: (``"Halle (Saale)"``; empty: :attr:`town`): its qualifier counts (:attr:`town_names`).
    town_typed: str = field(default="", repr=False)

    @property
    def care_of(self) -> tuple[str, ...]:
        """The ``c/o``/``bei``/``z. Hd.`` lines of :attr:`extra` (for a letter's address),
        and the parts that name a person without such a word (``Meier``, ``Familie
        Meier``, ``Anna Meier``; see :func:`names_a_person`): shown only where a c/o line
        may be. A part that is a village or district the street lies in (``Kathus`` in
        "Am Brunnen 3, Kathus, 36251 Bad Hersfeld") is no name, as far as an OSM extract
        loaded in this process knows it (:func:`extract_place`). So is a remark in
        brackets after the town that the parser took for its district ("36251 Bad
        Hersfeld (Meier)") when it names a person."""
        split = self.host_split()
        lines = tuple(split[0] if split and x == self.host_run[0] else x for x in self.extra
                      if _CO_RE.match(x) or self._names_person(x))
        d = self.district
        if d and re.search(rf"\(\s*{re.escape(d)}\s*\)?\s*$", self.raw) \
                and self._names_person(d):
            lines += (d,)
        return lines

    def host_split(self) -> tuple[str, str] | None:
        """The c/o line and the street of a one-line ``c/o Name Street 5`` where a street
        of an OSM extract loaded in this process shows where the name ends: the longest
        run of the last words that is such a street (``c/o Anna Meier Güldene Kammer 5``:
        ``("c/o Anna Meier", "Güldene Kammer")``; ``c/o Anna Lange Vogelsang 5``: „Lange
        Vogelsang“ is no street, „Vogelsang“ is: ``("c/o Anna Lange", "Vogelsang")``).
        None without such a street, and where a word surely begins the street (``Am``,
        ``Zum``, ``Bad``: :data:`_STREET_PREPOSITIONS`): then the parser's own cut stands
        (at a word that begins a street or ends in a street type, else every word but the
        last goes to the c/o line: without the extract the export shows „Kammer 5“, a
        word too few rather than a name too many)."""
        if len(self.host_run) < 4:
            return None
        marker, words = self.host_run[1], self.host_run[2:]
        for j in range(1, len(words)):
            if extract_street(" ".join(words[j:])):
                return _clean(" ".join([marker, *words[:j]])), " ".join(words[j:])
        return None

    def _names_person(self, part: str) -> bool:
        return names_a_person(part, lambda name: extract_place(self.street, name))

    @property
    def shown_street(self) -> str:
        """:attr:`street` as shown where a c/o line is left out: without the words of the
        host's name that the street keeps for the geocoder when the parser cannot tell
        where the name ends (``"c/o Anna Meier Vogelsang 5"``: street ``"Meier
        Vogelsang"``, c/o line ``"c/o Anna Meier"``, shown ``"Vogelsang"``; the street of
        :meth:`host_split` where an extract knows it)."""
        if split := self.host_split():
            return split[1]
        words = self.street.split()
        for line in self.care_of:
            name = line.split()[1:]
            for n in range(min(len(name), len(words) - 1), 0, -1):
                if words[:n] == name[-n:]:
                    return " ".join(words[n:])
        return self.street

    @property
    def additions(self) -> tuple[str, ...]:
        """The rest of :attr:`extra` (flat, "Hinterhaus"): no c/o line, no country, no part
        naming a person; shown everywhere. (A letter writes :attr:`letter_additions`.)"""
        return tuple(x for x in self.extra if not _CO_RE.match(x) and not _COUNTRY_RE.match(x)
                     and not _REGION_RE.match(x) and not self._names_person(x))

    @property
    def letter_care_of(self) -> tuple[str, ...]:
        """The lines of :attr:`care_of` a letter's address field writes above the street
        (DIN 5008, like a ``c/o`` line): the ``c/o``/``bei``/``z. Hd.`` lines and the parts
        that name a person without a hint for the door (``Meier``, ``Familie Meier``,
        ``Untermieter bei Meier``). A hint for the door that carries a name (``Klingel
        Sommer``, ``Hinterhaus Meier``, ``2. OG Meier``: :func:`_door_led`) is an addition
        and follows the street (:attr:`letter_additions`); it still counts as naming a
        person, so the overviews, the report and the exports leave it out."""
        return tuple(x for x in self.care_of if not _door_led(x))

    @property
    def letter_additions(self) -> tuple[str, ...]:
        """What a letter's address field writes after the street, in the order typed:
        :attr:`additions` and the parts of :attr:`care_of` that begin with a hint for the
        door (``Klingel Sommer``, ``Seitenflügel links Wohnung 12 Sommer``)."""
        named = {x for x in self.care_of if _door_led(x)}
        plain = set(self.additions)
        return tuple(x for x in self.extra if x in plain or x in named)

    @property
    def street_key(self) -> str:
        return street_key(self.street)

    @property
    def number_key(self) -> str:
        return housenumber_key(self.housenumber)

    @cached_property
    def town_names(self) -> tuple[str, ...]:
        """The town as typed and each of its parts (``"Kassel-Wehlheiden"``, ``"Kassel"``, ...).

        A town typed with a qualifier (``"Halle (Saale)"``, ``"Frankfurt/Main"``,
        ``"Lauf a.d. Pegnitz"``: :func:`town_parts`) is not split into its bare main name,
        which would agree with every qualifier (Halle (Westf.), Frankfurt (Oder)): only the
        whole name, and a district after it, stand for it."""
        whole = self.town_typed or self.town
        if whole and town_parts(whole)[1]:
            names = [whole, *([self.district] if self.district else [])]
            return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))
        names = [self.town] if self.town else []
        if self.town and not _prefixed(self.town):  # "Neu-Ulm" is not "Neu" and "Ulm"
            parts = [p for p in re.split(r"\s*-\s*|\s*/\s*|\s+OT\s+", self.town) if p]
            k = 0
            while k < len(parts):  # "Frankfurt-Nieder-Eschbach": "Nieder-Eschbach", one name
                if normalize_text(parts[k]) in _TOWN_PREFIXES and k + 1 < len(parts):
                    names.append(f"{parts[k]}-{parts[k + 1]}")
                    k += 2
                    continue
                if normalize_text(parts[k]) not in _TOWN_PREFIXES:
                    names.append(parts[k])
                k += 1
        if self.district:
            names.append(self.district)
        return tuple(dict.fromkeys(n.strip() for n in names if n.strip()))

    @property
    def shown_town(self) -> str:
        """:attr:`town` as typed, with the period of an abbreviated qualifier that the
        parser strips from a part's end: ``"Lauf/Pegn."``, ``"Frankfurt a.M."``,
        ``"Rothenburg o.d.T."`` (QA 44a F8: „Lauf/Pegn“ read as a typo on a sheet); a
        stray period after a plain name stays out (``"Bad Hersfeld."``)."""
        t = self.town
        if t and _ABBREVIATED_END.search(t) and re.search(
                rf"(?<![^\W\d_]){re.escape(t)}\.", self.raw):
            return f"{t}."
        return t

    def one_line(self) -> str:
        """The parsed parts as one normalised line (for messages)."""
        head = " ".join(p for p in (self.street, self.housenumber) if p)
        town = self.town + (f" OT {self.district}" if self.district else "")
        tail = " ".join(p for p in (self.postcode, town) if p)
        return ", ".join(p for p in (head, tail) if p)


# ---------------------------------------------------------------------------------------
# Parsing

#: A town's last word that is an abbreviated qualifier, after "/", "(" or another
#: abbreviation's period ("Lauf/Pegn", "Frankfurt a.M", "Lauf a.d. Pegn").
_ABBREVIATED_END = re.compile(r"(?:/|\(|\.\s?)[^\W\d_]{1,5}$")

_CO_RE = re.compile(
    r"^(?:c\s*/\s*o|c\.\s*o\.|co\.|bei|b\.|z\.\s*h(?:d|än|aen)\.?|zu\s+h(?:ä|ae)nden|"
    r"wohnhaft\s+bei|p\.\s*a(?:dr)?\.?|per\s+adresse|postfach|pf\.)(?=[\s.:]|$)",
    re.IGNORECASE,
)


def care_of_marker(line: str) -> re.Match[str] | None:
    """The c/o marker a line begins with („c/o“, „bei“, „z. Hd.“, „wohnhaft bei“, „p. A.“,
    „Postfach“ …), as a match (its end is where the name after it begins), or None."""
    return _CO_RE.match(line)


_COUNTRY_RE = re.compile(r"^(?:deutschland|germany|bundesrepublik deutschland|brd|de|d)$", re.I)
#: A German state or Bavarian/Hessian administrative region typed after the town ("…, Bad
#: Hersfeld, Hessen", "…, Lauf, Mittelfranken"): no town, dropped as a country is (QA 25
#: F7). Names that are towns too (Berlin, Hamburg, Bremen, Brandenburg, Kassel) are not
#: listed; one is dropped only after a town (:func:`_region_after_town`).
_REGION_RE = re.compile(
    r"^(?:(?:freistaat|bundesland|land|regierungsbezirk|reg\.?\s*-?\s*bez\.?|bezirk)\s+)?"
    r"(?:baden[-\s]?w(?:ü|ue)rttemberg|bayern|hessen|mecklenburg[-\s]?vorpommern|niedersachsen"
    r"|nordrhein[-\s]?westfalen|nrw|rheinland[-\s]?pfalz|saarland|sachsen|sachsen[-\s]?anhalt"
    r"|schleswig[-\s]?holstein|th(?:ü|ue)ringen|mittelfranken|oberfranken|unterfranken"
    r"|oberbayern|niederbayern|oberpfalz|schwaben|franken|nordhessen|osthessen|mittelhessen"
    r"|s(?:ü|ue)dhessen)\.?$", re.I)


def _region_after_town(parts: Sequence[str], i: int) -> bool:
    """Whether ``parts[i]`` names a state or region (:data:`_REGION_RE`) after a part that
    can hold the town: a postcode, or a part without digits ("Bad Hersfeld"); alone after
    the street ("Weg 1, Sachsen") it may be the town (Sachsen b. Ansbach)."""
    return bool(_REGION_RE.match(parts[i])) and (
        any(_POSTCODE_RE.search(q) for q in parts[:i])
        or any(not _DIGIT.search(q) for q in parts[1:i]))
_FLAT_RE = re.compile(
    r"\b(?:whg|wohnung|app|apt|appartement|apartment|zi|zimmer|etage|stock|zimmernr)\b\.?\s*"
    r"(?:nr\.?\s*)?[\w/-]*"
    r"|\b\d{1,2}\s*\.\s*(?:og|obergeschoss|etage|stock)\b"
    r"|\b(?:eg|og|ug|dg|erdgeschoss|obergeschoss|untergeschoss|dachgeschoss|souterrain|"
    r"hinterhaus|vorderhaus|seitenflügel|seitenfluegel|hh|vh|rückgebäude|rueckgebaeude|"
    r"links|rechts|li|re|mitte|gartenhaus|hof)\b\.?",
    re.IGNORECASE,
)
#: Words of an addition that make it a hint for finding the door, never a name: a flat,
#: a floor, a part of a building, an entrance, a position, a business, a shelter, the
#: label of a bell or letterbox ("Klingel Meier": the name after it is still a name).
_HINT_WORD = re.compile(
    r"whg|wohnung|app|apt|appartement|apartment|zi|zimmernr|etage|eg|og|ug|dg"
    r"|kg|hp|parterre|hochparterre|tiefparterre|souterrain|dachboden|mansarde|penthouse|loft"
    r"|haus|hh|vh|gebäude|gebaeude|anbau|altbau|neubau|flügel|fluegel|trakt|aufgang|hof"
    r"|treppe|stiege|bauteil|eingang|einfahrt|durchgang|zugang|tür|tuer|tor|pforte|garage"
    r"|laden|büro|buero|praxis|werkstatt|lager|kiosk|container|wohnwagen|bauwagen|bungalow"
    r"|baracke|remise|scheune|laube|parzelle|wohnmobil|campingplatz|heim|wohnheim|unterkunft"
    r"|pension|hotel|wg|wohngruppe|wohnen|jva|awo|drk|hausmeister|hausmeisterin|pförtner"
    r"|pfoertner|empfang|rezeption|sekretariat|verwaltung|firma|gmbh|klinik|station"
    r"|gaststätte|gaststaette|ladenlokal|hoftor|gartentor"
    r"|klingel|klingelschild|türschild|tuerschild|namensschild|schild|name|briefkasten"
    r"|postkasten|postfach|untermieter|untermieterin|mitbewohner|mitbewohnerin"
    r"|links|rechts|li|re|mitte|oben|unten|vorne|vorn|hinten"
    r"|nord|süd|sued|ost|west|gegenüber|gegenueber|seite|rückseite|rueckseite|haupthaus"
    r"|nebenhaus|flur|treppenhaus|fahrstuhl|aufzug",
    re.IGNORECASE)
#: Endings of compound hint words ("Seiteneingang", "Dachgeschoss", "Hinterhaus",
#: "Nebengebäude", "Kellerwohnung", "Wohncontainer", "Gartenlaube"); -haus, -hof, -bau,
#: -heim only after a prefix that makes a hint of them, and then also as the whole word
#: ("Hinterhof", "Pflegeheim"; Neuhaus, Imhof, Oppenheim are surnames). (Keller, Stock,
#: Block, Zimmer, Garten, Halle alone are surnames too: no hint words; with a building
#: letter they are, see :data:`_BUILDING_WORD`.)
_HINT_END = re.compile(
    r"(?:\w(?:eingang|gebäude|gebaeude|geschoss|geschoß|wohnung|unterkunft|flügel|fluegel|trakt"
    r"|treppenhaus|einfahrt|seite|etage|zimmer|container|wagen|laube|parterre|gruppe|platz"
    r"|parzelle|klingel|schild|briefkasten)"
    r"|(?:hinter|vorder|neben|garten|rück|rueck|seiten|quer|mittel|haupt|wohn|gäste|gaeste"
    r"|reihen|doppel|eck|frauen|eltern|kinder|jugend|pfarr|gemeinde|miets|hoch|senioren"
    r"|ferien|gemeinschafts|kranken)haus"
    r"|(?:hinter|innen|vorder|quer)hof|(?:an|alt|neu|hinter|quer|seiten)bau"
    r"|(?:wohn|alten|pflege|kinder|jugend|obdachlosen|asyl|studenten|arbeiter|wohnungslosen"
    r"|übergangs|uebergangs|senioren|flüchtlings|fluechtlings|frauen|männer|maenner"
    r"|behinderten)heim)$",
    re.IGNORECASE)
#: Words that name a part of a building when a letter follows ("Block C", "Halle B",
#: "Treppe A", "Haus B"), though some are surnames alone (Block, Halle, Stock).
_BUILDING_WORD = re.compile(
    r"block|halle|stock|turm|bau|riegel|zeile|reihe|bereich|station|pavillon|raum|saal",
    re.IGNORECASE)
#: First pieces of a hint written with a hyphen ("Seiten-Eingang", "Dach-Wohnung").
_HINT_PREFIXES = frozenset({"seiten", "hinter", "vorder", "neben", "keller", "dach", "garten",
                            "rück", "rueck", "quer", "mittel", "haupt", "innen"})
#: Adjectives of a hint word ("Linker Eingang", "Betreutes Wohnen", "Hintere Wohnung").
_HINT_ADJECTIVE = re.compile(
    r"(?:link|recht|hinter|vorder|ober|unter|mittler|erst|zweit|dritt|viert|letzt|separat"
    r"|eigen|seitlich|betreut|möbliert|moebliert|äußer|aeusser|inner|neu|alt)(?:e|er|es|en|em)",
    re.IGNORECASE)
#: Small words after which a capitalised word is a noun of a phrase, never a name
#: ("Hinterhaus am Ende des Flurs", "Wohnung im Keller"): a preposition joined to its
#: article and the genitive article, there before a noun in "-s" only ("des Flurs",
#: "des Hauses"; "Wohnung des Meier" names him). ("beim Huber", "vom Stein", "zur Linde"
#: may name a person or begin a street: not here.)
_PHRASE_WORDS = frozenset({"am", "im", "ans", "ins", "des"})
#: Words of a name that are written small: "von", "de", "zu", "und" ("Anna und Jan Meier").
_NAME_PARTICLES = frozenset(
    {"von", "van", "vom", "de", "der", "den", "del", "della", "di", "da", "du", "dos", "zu",
     "zur", "ten", "ter", "al", "el", "bin", "ibn", "und", "u.", "&"})
#: A salutation or family word before a name ("Familie Meier", "Hr. Meier").
_PERSON_WORD = re.compile(
    r"(?:herrn?|hrn?\.|frau|fr\.|frl\.?|fräulein|fraeulein|familie|fam\.?|eheleute|ehepaar"
    r"|geschwister)$", re.IGNORECASE)
#: An academic title before a name ("Dr. Meier", "Frau Prof. Dr. Schmidt").
_TITLE_WORD = re.compile(r"(?:dr|prof|dipl|ing|med|mag|dr\.-ing|dipl\.-ing)\.?$",
                         re.IGNORECASE)
#: A word of a name: letters, with hyphens or apostrophes inside ("Meier-Schulze", "O'Neill").
_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*")
#: A name that begins with a small particle and an apostrophe ("d'Alessandro", "dell'Olio").
_APOSTROPHE_NAME = re.compile(r"(?:d|l|dall|dell|degli|dei|de)['’][^\W\d_]+(?:-[^\W\d_]+)*",
                              re.IGNORECASE)
#: A flat or floor with its number inside a part ("Whg. 3", "2. OG", "App. 12a", "Nr. 5"):
#: a hint, taken out before the part is looked at ("2. OG Meier" names a person).
_FLAT_NUMBER = re.compile(
    r"\b(?:whg|wohnung|app|apt|appartement|apartment|zi|zimmer|nr|top|tür|tuer)\b\.?\s*"
    r"(?:nr\.?\s*)?\d+\s*[a-z]?\b|\b\d{1,2}\s*\.\s*(?:og|obergeschoss|etage|stock)\b",
    re.IGNORECASE)
#: A remark in brackets at the end of a part ("Meier (Untermieter)"), or an unclosed one.
_TRAILING_REMARK = re.compile(r"([^()]*?)\s*\(([^()]*)\)?\s*")


#: The first word of a part that addresses a person or a bell: no town begins so.
_PERSON_LEAD = re.compile(
    r"(?:herrn?|hrn?\.?|frau|fr\.|frl\.?|fräulein|fraeulein|familie|fam\.?|eheleute"
    r"|ehepaar|geschwister|dr\.?|prof\.?|dr\.-ing\.?|dipl\.-ing\.?|klingel|klingelschild"
    r"|briefkasten|untermieter|untermieterin|mitbewohner|mitbewohnerin)[:.]?$", re.IGNORECASE)


def _addresses_person(part: str) -> bool:
    """Whether a part without a postcode begins with a salutation, a title or a bell
    label and names a person ("Frau Meier", "Dr. Meier", "Familie Yılmaz", "Klingel:
    Meier"): never a town, whatever place an extract knows, so the parser keeps it as an
    addition naming a person (:attr:`ParsedAddress.care_of`) instead of reading it as the
    town, which the geocoder would not find ("Ort „Frau Meier“ liegt nicht im Gebiet")
    and the overviews would show. A bare name ("Am Markt 16, Meier") stays the town: it
    may as well be a village."""
    # a title written onto the name ("Dr.Meier", "Fr.Meier"): read as two words
    part = _TITLE_GLUED.sub(r"\1 ", part)
    words = part.split()
    return len(words) >= 2 and bool(_PERSON_LEAD.match(words[0])) and names_a_person(part)


def _is_hint(word: str) -> bool:
    w = word.rstrip(".:")
    return bool(_HINT_WORD.fullmatch(w) or _HINT_END.search(w) or _FLAT_RE.fullmatch(word))


#: A salutation or title (of :data:`_PERSON_WORD`, :data:`_TITLE_WORD`) with its dot
#: written onto the next word, anywhere in the part: "Dr.Meier", "Frau Dr.Meier",
#: "Prof.Dr.Meier", "Dr.med.Meier", "Hrn.Meier", "Fam.Meier" (never inside a word, and
#: never a town's "St.Georgen" or "a.d.").
_TITLE_GLUED = re.compile(
    r"(?<![^\W\d_])((?:dr|prof|dipl|ing|med|mag|herrn?|hrn?|frau|fr|frl|fam)\.)(?=[^\W\d_])",
    re.IGNORECASE)


def names_a_person(part: str, place: Callable[[str], bool] | None = None) -> bool:
    """Whether a part of an address (an addition, written after the street as its own
    part: a cell of an ``Adresszusatz`` column, a comma part, a remark in brackets) names a
    person without a ``c/o`` word: ``Meier``, ``Anna Meier``, ``Familie Meier``, ``Fam.
    Yılmaz``, ``von Bülow``, ``Frau Dr. Meier``, ``Klingel: Meier``, ``Untermieter bei
    Meier``. Such a part is treated like a c/o line: shown on the worker's route page, its
    map and print sheet and in the letter, left out of the overviews, the report and the
    exports (the letter writes one that begins with a hint for the door, ``Klingel
    Meier``, after the street: :attr:`ParsedAddress.letter_additions`).

    The words of the part are sorted into

    * name words: capitalised letters (hyphens, apostrophes inside: ``Meier-Schulze``,
      ``O'Neill``) or a small particle with an apostrophe (``d'Alessandro``);
    * hints for finding the door: a flat, a floor, a part of a building, an entrance, a
      position, a business, a shelter (``Hinterhaus``, ``Seiteneingang``, ``Souterrain``,
      ``Laden``, ``links``, ``Wohngruppe``, ``JVA``, compounds ending in ``-eingang``,
      ``-geschoss``, ``-wohnung``, ``-container``, …; see :data:`_HINT_WORD`,
      :data:`_HINT_END`), with their adjectives (``Betreutes Wohnen``, ``Linker
      Eingang``), a building letter after a building word (``Treppe A``, ``Block C``,
      ``Halle B``; :data:`_BUILDING_WORD`), a flat or floor with its number (``Whg. 3``,
      ``2. OG``), and labels of the bell or letterbox (``Klingel``, ``Briefkasten``,
      ``Name``), and the rooms on the way (``Flur``, ``Treppenhaus``, ``Fahrstuhl``);
    * nouns of a phrase: a capitalised word after ``am``, ``im``, ``ans``, ``ins``,
      ``des`` (``Hinterhaus am Ende des Flurs``; :data:`_PHRASE_WORDS`);
    * the rest, which decides nothing: salutations and titles (``Herr``, ``Hr.``, ``Frau``,
      ``Familie``, ``Dr.``, ``Prof.``), particles (``von``, ``de``, ``und``, ``/``,
      ``&``), words in small letters (``bei``, ``an der``), an initial.

    The part names a person when it holds a name word, has no other digit, does not
    begin like a street (``Am Bahnhof``, ``Zur Linde``, ``Untere Kühnbach``) and its name
    words are not a place (``place``: the villages and districts the street lies in,
    from the OSM extract when one is loaded, see :meth:`ParsedAddress.care_of`). So a hint
    and a name in one part (``Klingel Meier``, ``Hinterhaus Meier``, ``2. OG Meier``) name
    a person, and so does a business that may be a surname (``Firma Meier``, ``Hotel
    Post``). A remark in brackets at the end is looked at by itself (``Meier
    (Untermieter)``). Erring so hides at worst a hint from the overview (the route page
    and the letter still show it), never shows a name there; a capitalised word that is no
    listed hint (a district such as ``Kathus`` where no extract is loaded) counts as a
    name.
    """
    # a title written onto the name ("Dr.Meier"): read as two words
    text = _TITLE_GLUED.sub(r"\1 ", " ".join(part.split()))
    if not text or _CO_RE.match(text) or _COUNTRY_RE.match(text) or _OT_PART_RE.match(text):
        return False  # (a district: "OT Kathus", "Ortsteil Sorga")
    m = _TRAILING_REMARK.fullmatch(text)
    if m and m[1]:  # "Meier (Untermieter)", "Hinterhaus (Meier)"
        return names_a_person(m[1], place) or names_a_person(m[2], place)
    text = _FLAT_NUMBER.sub(" ", text.strip("()[]{} "))
    if any(ch.isdigit() for ch in text):
        return False
    words = [w.strip(".,;!?\"'()[]").strip() if not _TITLE_WORD.fullmatch(w)
             and not _PERSON_WORD.fullmatch(w) else w
             for w in re.sub(r"\s*[/&+]\s*", " & ", text).replace(":", " ").split()]
    words = [w for w in words if w]
    if not words:
        return False
    lead = next((w for w in words if not _PERSON_WORD.fullmatch(w)
                 and not _TITLE_WORD.fullmatch(w)), "")
    if lead is words[0] and len(words) > 1 and lead[:1].isupper() \
            and lead.casefold() in STREET_START:
        return False  # "Am Bahnhof", "Alte Post" (alone, "Lange" is a surname)
    names: list[str] = []
    for i, w in enumerate(words):
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if _PERSON_WORD.fullmatch(w) or _TITLE_WORD.fullmatch(w) \
                or w.casefold() in _NAME_PARTICLES:
            continue
        pieces = w.split("-")
        if len(pieces) > 1 and any(_is_hint(p) for p in pieces):
            # "Hinterhaus-Eingang", "Haus-B" are hints; "Meier-Hinterhaus" holds a name
            if all(_is_hint(p) or len(p) == 1 or p.casefold() in _HINT_PREFIXES
                   for p in pieces):
                continue
            names.append(w)
            continue
        if _is_hint(w) or (_HINT_ADJECTIVE.fullmatch(w) and nxt and _is_hint(nxt)) \
                or (_BUILDING_WORD.fullmatch(w) and re.fullmatch(r"[A-Z]", nxt)):
            continue
        if len(w) == 1 and i > 0 and (_is_hint(words[i - 1])
                                      or _BUILDING_WORD.fullmatch(words[i - 1])):
            continue  # a building letter: "Haus B", "Treppe A"
        if i > 0 and words[i - 1] in _PHRASE_WORDS \
                and (words[i - 1] != "des" or w.endswith("s")):
            continue  # a noun of a phrase: "am Ende des Flurs", "im Keller" ("des Meier")
        if (_NAME_WORD.fullmatch(w) and w[0].isupper()) or _APOSTROPHE_NAME.fullmatch(w):
            names.append(w)
    if not names:
        return False
    return not (place is not None and (place(text) or place(" ".join(names))))


def door_hint(part: str) -> bool:
    """Whether a part of an address is a hint for finding the door and names no one: a
    flat, a floor, a part of a building, an entrance, a position ("Hinterhaus", "2. OG
    links", "Whg. 12", "Treppe A", "Seiteneingang"); not a remark ("nur vormittags",
    "Hund") nor a name (:func:`names_a_person`)."""
    text = " ".join(part.split())
    if not text or names_a_person(text) or _CO_RE.match(text):
        return False
    if _FLAT_NUMBER.search(text) or _FLAT_RE.fullmatch(text):
        return True
    words = [w.strip(".,:;()") for w in text.split()]
    return any(w and _is_hint(w) for w in words) and not any(
        ch.isdigit() for ch in _FLAT_NUMBER.sub(" ", text))


#: Hint words (:data:`_HINT_WORD`, :data:`_HINT_END`) that name no place at the door but
#: a role, a business or a shelter: a part that begins with one ("Untermieter bei Meier",
#: "Firma Meier", "Pension Sonne", "Pflegeheim Sonnenschein") addresses its holder like a
#: ``c/o`` line, above the street (:func:`_door_led`).
_NOT_DOOR = re.compile(
    r"untermieter(?:in)?|mitbewohner(?:in)?|hausmeister(?:in)?|pförtner|pfoertner|firma|gmbh"
    r"|hotel|pension|klinik|station|laden|ladenlokal|büro|buero|praxis|werkstatt|lager|kiosk"
    r"|gaststätte|gaststaette|wg|wohngruppe|wohnen|jva|awo|drk|empfang|rezeption"
    r"|sekretariat|verwaltung|postfach|\w*heim|\w*unterkunft|\w*gruppe",
    re.IGNORECASE)


def _door_led(part: str) -> bool:
    """Whether a part of an address begins with a hint for finding the door: a flat or
    floor (``Whg. 3``, ``2. OG``, ``Wohnung``), a part of a building (``Hinterhaus``,
    ``Seitenflügel``, ``Haus B``, ``Aufgang``), an entrance, a position (``links``), the
    label of a bell or letterbox (``Klingel``, ``Briefkasten``, ``Name an der Klingel``),
    also after an adjective (``Linker Eingang``). A letter writes such a part after the
    street even when a name follows (``Klingel Sommer``); a ``c/o`` line, a bare name
    and a role or business (:data:`_NOT_DOOR`: ``Untermieter bei Meier``, ``Firma
    Meier``) go above it."""
    text = " ".join(part.split()).strip("()[]{} ")
    if not text or _CO_RE.match(text):
        return False
    if _FLAT_NUMBER.match(text):
        return True
    words = [w.strip(".,;:!?\"'()[]") for w in text.split()]
    words = [w for w in words if w]
    if not words:
        return False
    first, nxt = words[0], words[1] if len(words) > 1 else ""

    def door(w: str) -> bool:
        return bool(w) and _is_hint(w) and not _NOT_DOOR.fullmatch(w)

    if _HINT_ADJECTIVE.fullmatch(first) and door(nxt):
        return True  # "Linker Eingang Meier"
    if _BUILDING_WORD.fullmatch(first) and re.fullmatch(r"[A-Z]", nxt):
        return True  # "Block C Meier"
    return door(first.split("-")[0])


#: Words of :data:`_FLAT_RE` that are also names of towns or districts (Hof, Berlin-Mitte).
_TOWN_LIKE = frozenset({"hof", "mitte"})
_POSTCODE_RE = re.compile(r"(?<![\w-])(?:(?:D|DE)\s?-\s?|D(?=\d))?(\d{5})(?![\w-])", re.IGNORECASE)
_POSTCODE4_RE = re.compile(r"^(?:(?:D|DE)\s?-\s?)?(\d{4})\s+(?=[^\W\d_])", re.IGNORECASE)
#: An ordinal floor after a number: "1. Stock", "2. OG", "1.Etage", "3. Obergeschoss".
_ORDINAL_FLOOR = (r"\s*\.\s*(?i:og|eg|ug|dg|kg|obergeschoss|untergeschoss|dachgeschoss|etage"
                  r"|stock|geschoss)\b")
# A house number: digits, an optional single suffix letter, an optional range/slash part.
# ("5 u. 7" is Nr. 5 and 7, not Nr. 5u: QA 25 F7; "17 / 1. Stock" is Nr. 17 on the first
# floor, not Nr. 17/1: QA 44a F5)
_NUMBER_RE = re.compile(
    r"(?P<num>\d{1,4}(?:\s*(?![uU]\.?\s*\d)[a-zA-Z](?![a-zA-ZäöüÄÖÜß]))?(?:\s*½|\s+1/2(?!\d))?"
    r"(?:\s*(?:-|–|/|\bbis\b|\+|&|(?<![a-zA-Z])[uU]\.?(?=\s*\d)|\bund\b)\s*\d{1,4}"
    r"(?!" + _ORDINAL_FLOOR + r")(?:\s*[a-zA-Z](?![a-zA-ZäöüÄÖÜß]))?"
    r"|\s*-\s*[a-zA-Z](?![a-zA-ZäöüÄÖÜß]))?)"
    r"(?![\d])"
)
#: A placeholder typed for a missing house number after the street ("ohne", "o. Nr.",
#: "ohne Hausnummer", "k. A.", "keine"): the street without a number (QA 25 F7).
_NO_NUMBER_RE = re.compile(
    r"\s+(?:ohne(?:\s+(?:nr|nummer|hausnr|hausnummer|hnr)\.?)?|o\.\s*(?:nr|hnr|hausnr)\.?"
    r"|onr\.?|k\.\s*a\.?|keine(?:\s+(?:nr|nummer|hausnr|hausnummer)\.?)?)\s*$", re.IGNORECASE)


def no_number_typed(cell: str) -> bool:
    """Whether a house-number cell says there is none: empty, only punctuation ("-",
    "/"), or a placeholder ("ohne", "o. Nr.", "k. A.")."""
    text = cell.strip(_STRAY)
    return not text or (not _DIGIT.search(text) and bool(_NO_NUMBER_RE.fullmatch(" " + cell.strip())))


#: A placeholder for a missing house number at the end of a comma part, after a word
#: ("Am Markt -", "Am Markt o. Nr.", "Am Markt ohne"): see :func:`without_number_placeholder`.
_PLACEHOLDER_AFTER_STREET = re.compile(
    r"(?<=[^\W\d_.])\s+(?:[-/_*]+|ohne(?:\s+(?:nr|nummer|hausnr|hausnummer|hnr)\.?)?"
    r"|o\.\s*(?:nr|hnr|hausnr)\.?|onr\.?|k\.\s*a\.?|keine(?:\s+(?:nr|nummer|hausnr|hausnummer)\.?)?)"
    r"\s*(?=,|$)", re.IGNORECASE)


def without_number_placeholder(address: str) -> str:
    """The address with a placeholder typed for a missing house number left out, where
    the parser reads no number: ``"Am Markt -, 36251 Bad Hersfeld"`` -> ``"Am Markt, 36251
    Bad Hersfeld"`` (also ``o. Nr.``, ``ohne``, ``k. A.``): an address shown to the field
    does not read „Am Markt -“ (QA 44a F11). Unchanged otherwise (a ``0`` is read as a
    number, and said to be not found)."""
    if not _PLACEHOLDER_AFTER_STREET.search(address) or parse_address(address).housenumber:
        return address
    return _PLACEHOLDER_AFTER_STREET.sub("", address)


_NR_PREFIX_RE = re.compile(r"\s*(?:nr|no|hausnr|hausnummer|hnr)\s*\.?\s*$", re.IGNORECASE)
_STRAY = " \t.,;:-_/\\|*#+~'\"`´()[]{}<>!?"


_HAS_LETTER = re.compile(r"[^\W\d_]")
_TRAILING_WORD = re.compile(r"[^\W\d_]+$")
_ORDINAL = re.compile(r"\.\s*[^\W\d_]")
_FLOOR = re.compile(r"\.\s*(?:og|eg|stock)\b", re.IGNORECASE)
_LINEBREAKS = re.compile(r"[\r\n\t;|]+")
_DIGIT = re.compile(r"\d")


_CLEAN_TABLE = str.maketrans({"\u00a0": " ", "–": "-", "—": "-", "‐": "-", '"': " ", "“": " ",
                              "”": " ", "„": " ", "«": " ", "»": " "})


#: :data:`_STRAY` without brackets: :func:`_clean` strips those only when unbalanced.
_STRAY_PLAIN = _STRAY.translate(str.maketrans("", "", "()[]{}<>"))
_PAIRS = {"(": ")", "[": "]", "{": "}", "<": ">"}
_OPENERS = frozenset(_PAIRS)
_CLOSERS = frozenset(_PAIRS.values())
_BRACKETS = _OPENERS | _CLOSERS
_OPENER_OF = {c: o for o, c in _PAIRS.items()}


def _bracket_pairs(s: str) -> dict[int, int]:
    """Which bracket of ``s`` pairs with which (both ways, by index; same kind, nested)."""
    pairs: dict[int, int] = {}
    open_at: dict[str, list[int]] = {o: [] for o in _PAIRS}
    for i, ch in enumerate(s):
        if ch in _OPENERS:
            open_at[ch].append(i)
        elif ch in _CLOSERS and (stack := open_at[_OPENER_OF[ch]]):
            j = stack.pop()
            pairs[i], pairs[j] = j, i
    return pairs


def _clean(text: str) -> str:
    """Collapse whitespace and strip stray punctuation (the input is already NFC and
    translated with ``_CLEAN_TABLE`` by :func:`parse_address`). A bracket at either end
    is stripped only when it pairs with none in the text, with the one at the other end
    (``"(Hinterhaus)"``), or encloses nothing (``"Hinterhaus ()"``): ``"c/o Müller
    (Eltern)"`` keeps its closing bracket, which a letter's address shows (QA 19b: „c/o
    Müller (Eltern“ was printed)."""
    s = " ".join(text.split()).strip(_STRAY_PLAIN)
    if not s or (s[0] not in _BRACKETS and s[-1] not in _BRACKETS):
        return s
    pairs = _bracket_pairs(s)  # stripping an end never changes the pairs inside
    lo, hi = 0, len(s)
    while lo < hi:
        first, last = s[lo], s[hi - 1]
        if last in _OPENERS:
            hi -= 1
        elif first in _CLOSERS:
            lo += 1
        elif last in _CLOSERS and ((j := pairs.get(hi - 1)) is None or j == lo
                                   or not s[j + 1:hi - 1].strip(_STRAY_PLAIN)):
            lo, hi = (lo, hi - 1) if j is None else (lo + 1, hi - 1) if j == lo else (lo, j)
        elif first in _OPENERS and lo not in pairs:
            lo += 1
        else:
            break
        while lo < hi and s[lo] in _STRAY_PLAIN:
            lo += 1
        while hi > lo and s[hi - 1] in _STRAY_PLAIN:
            hi -= 1
    return s[lo:hi]


_OT_RE = re.compile(r"(?:^|[\s,\-])(?:OT|Ortsteil|Stadtteil|St\.?-?Teil)\.?[\s:\-]+(.+)$",
                    re.IGNORECASE)
_PAREN_RE = re.compile(r"(.+?)\s*\((.+?)\)?")
_OT_PART_RE = re.compile(r"(?:OT|Ortsteil|Stadtteil)\b\.?\s*", re.IGNORECASE)


def _split_town(town: str) -> tuple[str, str]:
    """``"Bad Hersfeld OT Petersberg"`` -> ``("Bad Hersfeld", "Petersberg")``."""
    t = _clean(town)
    m = _OT_RE.search(t)
    if m:
        return _clean(t[: m.start()]), _clean(m.group(1))
    m = _PAREN_RE.fullmatch(t)  # "Petersberg (Bad Hersfeld)"
    if m:
        return _clean(m.group(1)), _clean(m.group(2))
    return t, ""


def _find_number(part: str) -> re.Match[str] | None:
    """The house number in a street part: the first number after the street name that is
    not an ordinal (``"Straße des 17. Juni 5"`` -> ``5``)."""
    for m in _NUMBER_RE.finditer(part):
        start = m.start("num")
        before = part[:start]
        if not _HAS_LETTER.search(before):
            continue  # no street name before the number
        if start > 0 and before[-1].isdigit():
            continue
        if start > 0 and before[-1].isalpha():
            word = _TRAILING_WORD.search(before)
            if word is None or len(word.group()) <= 3:
                continue  # inside a road number such as "B27" or "L3172"
        after = part[m.end("num"):]
        if _ORDINAL.match(after) and not _FLOOR.match(after):
            continue  # an ordinal: "17. Juni"
        return m
    return None


#: A c/o marker inside a part, after other text ("Am Markt 16 c/o Meier",
#: "36251 Bad Hersfeld c/o Meier"); "bei" only right after a house number, since town
#: names may hold it ("Neustadt bei Coburg").
_CO_INNER_RE = re.compile(
    r"\s+(?=(?:c\s*/\s*o|c\.\s*o\.|z\.\s*h(?:d|än|aen)\.?|zu\s+h(?:ä|ae)nden|"
    r"wohnhaft\s+bei)(?:[\s.:]|$))|(?<=\d)(?:\s*[a-z])?\s+(?=bei\s)",
    re.IGNORECASE,
)


#: Words that start a street name after "Bei"/"Beim": "Bei der Kirche", "Bei den Linden".
_STREET_ARTICLE = re.compile(r"\s*(?:der|den|dem|die|das|st\.|sankt)\s", re.IGNORECASE)


#: A c/o line in brackets anywhere: "Hauptstr. 5 (bei Meier)", "(c/o Meier) Hauptstr. 5".
_CO_BRACKETS_RE = re.compile(
    r"\(\s*((?:[^()]*?,\s*)?(?:c\s*/\s*o|c\.\s*o\.|co\.|bei|b\.|z\.\s*h(?:d|än|aen)\.?|"
    r"zu\s+h(?:ä|ae)nden|wohnhaft\s+bei|p\.\s*a(?:dr)?\.?|per\s+adresse)(?=[\s.:])[^()]*)\)",
    re.IGNORECASE,
)
#: A remark in brackets after a house number (and its letter): "5 (Laden)", "12a (HH)",
#: also with brackets of its own: "1 (Meier (Untermieter))".
_REMARK_AFTER_NUMBER = re.compile(
    r"(\d(?:\s?[a-zA-Z])?)\s*\(((?:[^()]|\([^()]*\))*)\)(?=\s*(?:,|$))")
#: Innermost brackets, masked by :func:`_house_number_span` (a comma inside a remark
#: does not end a part).
_INNER_BRACKETS = re.compile(r"\([^()]*\)")
_COMMA_PART = re.compile(r"[^,]+")
#: A part that is only a house number ("Hauptstr., 5").
_LONE_NUMBER = re.compile(r"\s*(?:nr\.?\s*)?(\d{1,4}\s*[a-zA-Z]?)\s*", re.IGNORECASE)


def _house_number_span(s: str) -> tuple[int, int] | None:
    """Where the street's house number is in the line ``s`` (before it is split into its
    comma parts), as :func:`parse_address` will find it: in the first comma part with a
    number after a name, not counting a flat's ("Am Markt 5, Haus 3" -> the ``5``), or a
    second part that is only a number ("Hauptstr., 5"). Text in brackets is left out;
    None when there is no house number."""
    masked = s
    while True:
        unmasked = masked
        masked = _INNER_BRACKETS.sub(lambda m: " " * len(m[0]), masked)
        if masked == unmasked:
            break
    segments = [(m.start(), m[0]) for m in _COMMA_PART.finditer(masked) if m[0].strip()]
    for start, text in segments:
        if _find_number(_FLAT_RE.sub(lambda m: " " * len(m[0]), text)) is not None:
            m = _find_number(text)
            return (start + m.start("num"), start + m.end("num")) if m else None
    if len(segments) > 1 and (m := _LONE_NUMBER.fullmatch(segments[1][1])):
        return segments[1][0] + m.start(1), segments[1][0] + m.end(1)
    return None


def _split_remark(m: re.Match[str], number: tuple[int, int] | None, extra: list[str]) -> str:
    """A remark in brackets after the street's house number (``number``, see
    :func:`_house_number_span`) goes to ``extra``, each of its comma parts by itself
    ("5 (Hinterhaus, Meier)"); after any other number it stays with its part ("Haus 3
    (links)", "Whg. 3 (links)", "Aufgang 2 (rechts)")."""
    if number is None or not number[0] <= m.start(1) < number[1]:
        return m[0]
    extra.extend(_clean(x) for x in m[2].split(","))
    return m[1]
#: "bei" after a flat or floor inside a part: "Wohnung bei Meier", "2. OG bei Meier".
_CO_AFTER_FLAT_RE = re.compile(r"\s+(?=bei\s)", re.IGNORECASE)


def _split_inner_co(part: str) -> list[str]:
    """``"Am Markt 16 c/o Meier"`` -> ``["Am Markt 16", "c/o Meier"]``: a c/o line that
    follows other text in the same comma part becomes its own part (and is dropped as a
    c/o line), so that it is never read as the town or as a house-number suffix. So does
    one after a flat (``"Wohnung bei Meier"`` -> ``["Wohnung", "bei Meier"]``)."""
    m = _CO_INNER_RE.search(part)
    if not m or m.start() == 0:
        m = _CO_AFTER_FLAT_RE.search(part)
        if m and m.start() > 0 and _FLAT_RE.fullmatch(_clean(part[: m.start()])):
            return [_clean(part[: m.start()]), _clean(part[m.end():])]
        return [part]
    head = part[: m.end()] if m.group(0).strip() else part[: m.start()]
    return [_clean(head), _clean(part[m.end():])]


#: Words that begin a street name: "c/o Meier Am Markt 5" has the street "Am Markt".
STREET_START = frozenset(
    {"am", "an", "auf", "aus", "im", "in", "zum", "zur", "zu", "unter", "unterm", "hinter",
     "hinterm", "vor", "vorm", "über", "ueber", "überm", "ueberm", "ob", "alte", "alter", "altes", "alten",
     "neue", "neuer", "neues", "neuen", "obere", "oberer", "untere", "unterer", "große",
     "großer", "grosse", "grosser", "kleine", "kleiner", "hohe", "hoher", "lange", "langer",
     "kurze", "kurzer", "breite", "breiter", "hohle", "krumme", "krummer", "enge", "schmale",
     "schöne", "schöner", "bad", "st.", "sankt"})
#: The words of :data:`STREET_START` that are no adjectives (a surname may be one: Lange,
#: Kleine, Große): a street surely begins at them.
_STREET_PREPOSITIONS = frozenset(
    {"am", "an", "auf", "aus", "im", "in", "zum", "zur", "zu", "unter", "unterm", "hinter",
     "hinterm", "vor", "vorm", "über", "ueber", "überm", "ueberm", "ob", "bad", "st.",
     "sankt"})
#: A word that is (or ends in) a street type: "Breitenstraße", "Lindenweg", "Markt".
STREET_WORD = re.compile(
    r"(?:stra(?:ß|ss)e|str\.?|weg|allee|platz|pl\.|gasse|ring|damm|ufer|steig|pfad|"
    r"chaussee|markt|berg|hof|graben|wall|tor|brücke|garten|anger|feld|höhe|grund|tal|"
    r"wiese|siedlung|park|promenade|stieg|kamp|zeile|winkel|aue|rain|leite|halde|gärten|"
    r"wiesen|äcker|acker|born|bach|mühle|kirchhof|reihe|hang|blick|hagen|heide|holz|wald|"
    r"gang|tränke|stiege|lache|teich|see|rondell|passage|hohl)$",
    re.IGNORECASE,
)
#: Street type words that only end a street name ("Friedrich Ebert Straße").
STREET_TYPE_ALONE = re.compile(r"(?:stra(?:ß|ss)e|str\.?|weg|allee|platz|pl\.|gasse|ring)$",
                               re.IGNORECASE)


#: Articles between a street's first word and its type word ("An der Lindenmühle").
_ARTICLES = frozenset({"der", "die", "das", "den", "dem", "des"})


def street_start(words: Sequence[str]) -> int | None:
    """Where a street begins in ``words``, the words of one line before its house number
    in which a name comes first without a comma (after a salutation, "Jürgen Müller Am
    Markt", or after a ``c/o`` marker, "Anna Meier Breitenstraße"): the index of the
    street's first word, never 0 (the first word is always the name's), or None when no
    word marks a street. The street begins

    1. at the first word that begins street names (:data:`STREET_START`: ``Am``, ``Zum``,
       ``Alte``, ``Bad``), capitalised (``zu`` in "Karl zu Guttenberg" is a name's) unless
       no word of the line is;
    2. else at the last word that is or ends in a street type (:data:`STREET_WORD`,
       ``Lindenweg``; not the first, since a surname may end so too: "Rosenberg
       Lindenweg"), or at ``…er``, ``…e`` before a street type on its own ("Berliner
       Straße", "Grüne Gasse"); a word that begins street names in small letters and its
       articles before it belong to the street ("am Markt", "an der Lindenmühle").
    """
    lower = not any(w[:1].isupper() for w in words)
    start = next((k for k in range(1, len(words)) if (lower or words[k][:1].isupper())
                  and words[k].casefold() in STREET_START), None)
    if start is not None:
        return start
    typed = [k for k in range(1, len(words)) if STREET_WORD.search(words[k])
             and not STREET_TYPE_ALONE.fullmatch(words[k])]
    start = typed[-1] if typed else next(
        (k for k in range(1, len(words) - 1) if words[k].endswith(("er", "e", "en", "es"))
         and STREET_TYPE_ALONE.fullmatch(words[k + 1])), None)
    if start is None:
        return None
    k = start
    while k > 1 and words[k - 1].casefold() in _ARTICLES:
        k -= 1
    if k > 1 and words[k - 1].casefold() in STREET_START:
        return k - 1
    return start


@lru_cache(maxsize=65536)
def parse_address(text: str) -> ParsedAddress:
    """Parse one address line. Never raises; unreadable parts stay empty.

    >>> parse_address("Friedrich Ebert Str 12 A, 34117 Kassel-Wehlheiden")
    ParsedAddress(raw='Friedrich Ebert Str 12 A, 34117 Kassel-Wehlheiden', street='Friedrich Ebert Str', \
housenumber='12a', postcode='34117', town='Kassel-Wehlheiden', district='Wehlheiden', extra=())
    """
    raw = text if isinstance(text, str) else str(text)
    s = unicodedata.normalize("NFC", raw).translate(_CLEAN_TABLE)
    s = _LINEBREAKS.sub(",", s)
    s = _CO_BRACKETS_RE.sub(r",\1,", s)
    extra: list[str] = []
    # a remark in brackets right after the house number: "Marktplatz 5 (Laden)" (not a
    # town "Laden"), each of its comma parts by itself ("(Hinterhaus, Meier)")
    # (not after another number: "Haus 3 (links)" is one addition, shown as typed)
    number = _house_number_span(s) if "(" in s else None
    s = _REMARK_AFTER_NUMBER.sub(lambda m: _split_remark(m, number, extra), s)
    parts = [q for p in s.split(",") for q in _split_inner_co(_clean(p))]
    parts = [p for p in parts if p]
    kept: list[str] = []
    for i, p in enumerate(parts):
        m_co = _CO_RE.match(p)
        has_number = m_co is not None and _find_number(_CO_RE.sub("", p)) is not None
        # "Bei der Kirche 3" is a street (a c/o line "bei Meier" has no house number)
        street_like = has_number and m_co is not None and m_co.group(0).lower().startswith("b")
        only_number = has_number and not any(
            _find_number(q) for q in parts if q is not p)
        co_line = m_co and not street_like and not only_number
        if co_line or _COUNTRY_RE.match(p) or _region_after_town(parts, i):
            extra.append(p)
        else:
            kept.append(p)
    if not kept and parts:  # only a c/o line: keep it, the matcher may find a street in it
        kept = [_CO_RE.sub("", parts[0]).strip()]
    parts = _number_first(kept)

    postcode = town = district = ""
    # Postcode (5 digits, optionally "D-"), with the town after it in the same part.
    for i in range(len(parts) - 1, -1, -1):
        m = _POSTCODE_RE.search(parts[i])
        m4 = None if m else _POSTCODE4_RE.match(parts[i]) if i > 0 else None
        if not m and not m4:
            continue
        mm = m or m4
        assert mm is not None
        postcode = mm.group(1).zfill(5)
        before, after = _clean(parts[i][: mm.start()]), _clean(parts[i][mm.end():])
        if after:
            town = after
        elif i + 1 < len(parts) and not _DIGIT.search(parts[i + 1]) \
                and not _OT_PART_RE.match(parts[i + 1]):
            town = parts.pop(i + 1)
        elif before and i > 0 and not _DIGIT.search(before):
            town, before = before, ""
        if before:
            parts[i] = before
        else:
            parts.pop(i)
        break
    # Without a postcode, a trailing part without digits is the town ("Weg 1, Lauf"), but
    # not an addition ("Weg 1, Hinterhaus"), nor an Ortsteil after the town ("Weg 1, Bad
    # Hersfeld, OT Sorga": the district below; QA 44a F10).
    if not town and len(parts) >= 2:
        for i in range(len(parts) - 1, 0, -1):
            if not _DIGIT.search(parts[i]) and any(_DIGIT.search(q) for q in parts[:i]) \
                    and not _OT_PART_RE.match(parts[i]) \
                    and not (_FLAT_RE.fullmatch(parts[i])
                             and parts[i].casefold().rstrip(".") not in _TOWN_LIKE) \
                    and not _addresses_person(parts[i]):
                town = parts.pop(i)
                break
    # A district part: "..., OT Petersberg" or a part after the town.
    for i, p in enumerate(list(parts)):
        m_ot = _OT_PART_RE.match(p)
        if m_ot:
            district = p[m_ot.end():]
            parts.pop(i)
            break

    street = number = ""
    # The street part: the first part with a house number after a name, else the first part.
    street_idx = None
    for i, p in enumerate(parts):
        if _find_number(_FLAT_RE.sub(" ", p).strip()) is not None:
            street_idx = i
            break
    if street_idx is None and parts:
        street_idx = 0
        # "Hauptstraße, 5": a lone number in the next part.
        if len(parts) > 1 and re.fullmatch(r"(?:nr\.?\s*)?\d{1,4}\s*[a-zA-Z]?", parts[1], re.I):
            number = parts.pop(1)
    if street_idx is not None:
        p = parts[street_idx]
        m = _find_number(p)
        if m is None:
            flat_free = _clean(_FLAT_RE.sub(" ", p))
            m = _find_number(flat_free)
            p = flat_free if m else p
        if m is not None:
            street = p[: m.start("num")]
            number = m.group("num")
            rest = _clean(p[m.end("num"):])
            rest_clean = _clean(_FLAT_RE.sub(" ", rest))
            shown = rest != rest_clean  # the whole rest is an addition as typed
            if shown:
                extra.append(rest)
                rest = rest_clean
            if rest:
                if not town and not _DIGIT.search(rest) and not _addresses_person(rest):
                    town = rest
                elif not shown and rest not in extra:  # "Haus 3 links": not "Haus 3" again
                    extra.append(rest)
        else:
            street = p
        for j, q in enumerate(parts):
            if j == street_idx:
                continue
            if not town and not _DIGIT.search(q) and not _FLAT_RE.fullmatch(q) \
                    and not _addresses_person(q):
                town = q  # "Kassel-Wehlheiden, Wilhelmshöher Allee 73"
            else:
                extra.append(q)
    if not number:  # "Breitenstraße ohne", "… o. Nr.": no number, not part of the name
        street = _NO_NUMBER_RE.sub("", street)
    street = _clean(_NR_PREFIX_RE.sub("", street))
    host_run: tuple[str, ...] = ()
    m_co = _CO_RE.match(street)
    article = _STREET_ARTICLE.match(street[m_co.end():]) if m_co else None
    if m_co and street[m_co.end():].strip() and not (
        article and m_co.group(0).lower().startswith("b")
    ):  # "bei Müller Hauptstr. 5" (one line); "Bei der Kirche" is a street name
        words = street[m_co.end():].split()
        k = host = street_start(words) if len(words) > 1 else 0
        if k is None:
            # Nothing marks where the name ends ("c/o Anna Meier Vogelsang 5"): the c/o
            # line takes every word but the last, so that no word of the name is left
            # where the c/o line is not shown; the street keeps the words after the
            # first, and the geocoder drops those that begin no street of the extract
            # ("Güldene Kammer" is found too). See ParsedAddress.shown_street.
            k, host = 1, len(words) - 1
        extra.append(_clean(" ".join([street[: m_co.end()], *words[:host]])))
        if len(words) > 1 and not (k and words[k].casefold() in _STREET_PREPOSITIONS):
            # a cut the extract may correct (ParsedAddress.host_split): none after "Am",
            # "Zum", "Bad" (no name ends so; "Hersfelder Straße" of the extract must not
            # take "Bad Hersfelder Straße" apart)
            host_run = (extra[-1], street[: m_co.end()], *words)
        street = _clean(" ".join(words[k:]))
    town_typed = re.sub(r"\s+", " ", town).strip(" ,;") if town else ""
    if town_typed.count("(") > town_typed.count(")"):  # the line's end took it
        town_typed += ")"
    if town:
        if _OT_RE.search(_clean(town)):
            # "Lauf OT Neunhof": an Ortsteil, no qualifier of the town's name as brackets
            # may be ("Halle (Saale)"): the town and the district count (QA 44a F6)
            town_typed = ""
        town, district2 = _split_town(town)
        district = district or district2
        if not district and "-" in town and not _prefixed(town):  # "Neu-Ulm": one name
            left, _, right = town.partition("-")
            if len(left.strip()) > 2 and len(right.strip()) > 2:
                district = right.strip()
    hn = housenumber_key(number) if number else ""
    return ParsedAddress(
        raw=raw,
        street=street,
        housenumber=hn,
        postcode=postcode,
        town=_clean(town),
        district=_clean(district),
        extra=tuple(e for e in extra if e),
        host_run=host_run,
        town_typed=town_typed if town_typed != _clean(town) else "",
    )


#: A part that is only a house number, perhaps with its word ("5", "Nr. 5", "Hausnummer 5a").
_NUMBER_PART = re.compile(
    r"(?:(?:nr|no|hausnr|hausnummer|hnr)\.?\s*)?(\d{1,4}(?:\s?[a-zA-Z])?)", re.IGNORECASE)
#: A part that begins with a house number before the street ("Nr. 5 Dudenstraße", "12
#: Albrecht-Dürer-Str."): the number (a word "Nr." before it), then the rest.
_NUMBER_FIRST = re.compile(
    r"(?P<nr>(?:nr|no|hausnr|hausnummer|hnr)\.?\s*)?(?P<num>\d{1,4}(?:\s?[a-zA-Z](?![^\W\d_]))?)"
    r"\s+(?P<rest>[^\W\d_].*)", re.IGNORECASE)


def _street_like(part: str) -> int | None:
    """Where a part without digits that names a street ends: the index of the last word
    of its name (the first word that is a street type, "Dudenstraße", "Albrecht-Dürer-Str.",
    "Lindenweg"), or None when no word is one."""
    words = part.split()
    return next((k for k, w in enumerate(words) if STREET_TYPE_ALONE.search(w.rstrip(",")))
                , None)


def _number_first(parts: list[str]) -> list[str]:
    """The parts of an address with a house number typed before its street put after it
    (QA 25 F4): ``"Nr. 5 Dudenstraße"`` and ``"12 Dudenstraße"`` -> ``"Dudenstraße 5"``
    (what follows the street's type word stays after the number: "5 Dudenstraße Bad
    Hersfeld" -> "Dudenstraße 5 Bad Hersfeld"); a part that is only the number ("Nr. 5",
    "Hausnummer 5", "12") next to a part that is a street joins it (``"Dudenstraße, Nr. 5"``,
    ``"12, Dudenstraße"``). A street is a part without digits with a street type word
    (:data:`STREET_TYPE_ALONE`); nothing else moves."""
    if any(_find_number(p) is not None and not _NUMBER_PART.fullmatch(p)
           and not _NUMBER_FIRST.fullmatch(p) for p in parts):
        return parts  # a street with its number after it: as typed
    out = list(parts)
    for i, p in enumerate(out):
        m = _NUMBER_FIRST.fullmatch(p)
        if m and not _DIGIT.search(m["rest"]) and (k := _street_like(m["rest"])) is not None:
            words = m["rest"].split()
            out[i] = " ".join([*words[:k + 1], m["num"], *words[k + 1:]])
            return out
    for i, p in enumerate(out):
        m = _NUMBER_PART.fullmatch(p)
        if not m:
            continue
        for j in (i - 1, i + 1):
            if 0 <= j < len(out) and not _DIGIT.search(out[j]) \
                    and _street_like(out[j]) is not None:
                out[j] = f"{out[j]} {m[1]}"
                del out[i]
                return out
    return out


#: A geocoder's match: the street and number, then postcode and town after the first comma.
_MATCH_HEAD_TAIL = re.compile(r"^(?P<head>.+?),\s*(?P<tail>.+)$")


def with_own_number(head: str, number: str, *, always: bool = False) -> str:
    """The street of a geocoder's match as OSM spells it, with the house number as the
    client (or the coordinator) gave it, normalised (``"6 a"`` -> ``"6a"``): OSM's number
    may be a range or a list ("2-6", "8;10") that covers the client's house, and the
    address must carry the number given ("4", "12-14"). ``head``: the match before its
    postcode and town (``"Bierweg 2-6"``); returned as it is when either number is not
    read, and (unless ``always``) when OSM's number is the one given (compared
    normalised). With ``always`` the number given is written also where OSM spells the
    same number otherwise ("2 a", "14A" for the client's "2a", "14a"): a letter's
    address field writes the client's number as the route pages and sheets show it."""
    number = housenumber_key(number) if number else ""
    found = parse_address(head)
    if not (number and found.housenumber and found.street and head.startswith(found.street)) \
            or (not always and found.housenumber == number and not found.extra):
        return head
    name = head[:len(found.street)]
    if head[len(name):].startswith("."):  # an abbreviation's dot the parser leaves out
        name += "."
    return f"{name} {number}"


def match_with_own_number(match: str, given: str) -> str:
    """A geocoder's whole match (``"Bierweg 2-6, 90607 Rückersdorf"``) with the house
    number of the address ``given`` (:func:`with_own_number`): an address fix typed as
    "Bierweg 4" is shown "Bierweg 4, 90607 Rückersdorf"."""
    m = _MATCH_HEAD_TAIL.match(match)
    head, tail = (m["head"], m["tail"]) if m else (match, "")
    street = with_own_number(head, parse_address(given).housenumber)
    return f"{street}, {tail}" if tail else street
