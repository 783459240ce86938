"""Offline geocoding of German addresses against the address data of a local OSM extract.

Client addresses are social data (§35 SGB I), so they never go to an online service: the
index is built from the extract with pyosmium and cached on disk (see
:func:`load_index`). It holds

* address points: nodes with ``addr:housenumber``, buildings and other areas with
  addresses (a point inside the polygon), and ``addr:place`` addresses of villages without
  street names;
* ``addr:interpolation`` ways with the numbers of their end nodes;
* named streets (``highway=*`` ways with ``name``), grouped into *street clusters*: all
  pieces of one street name that lie together (two ``Hauptstraße`` in two villages are two
  clusters), each with the postcodes, towns and place names around it.

:meth:`AddressIndex.geocode` answers with one of four quality levels (``geo_quality``):

``exact``
    street and house number found (the point of that OSM address);
``interpolated``
    the number is not in OSM but lies between known numbers on that side of the street
    (or on an ``addr:interpolation`` way, or is a sub-number such as ``12a`` of a known
    ``12``);
``street``
    the street is found, the number is not: a point on the street near where the number
    would be. Never ``exact``;
``unresolved``
    nothing trustworthy (unknown street, another town, ambiguous): no coordinates, up to
    three suggestions.

Street names are compared by :func:`geodata.addresses.street_key`; a typo is matched
with rapidfuzz only when one street clearly wins and the difference is a typing error
(:func:`_is_typing_error`), or is a short form of it as case-management exports write
them (:func:`_short_form`: "Weinberg" for "Am Weinberg", "Heinr.-von-Stephan-Str."); a name
that merely looks like a street of the extract (another street type, a replaced letter)
is ``unresolved`` with that street offered first. Postcode and town break ties between same-named streets and reject matches in
another town.
"""

from __future__ import annotations

import logging
import math
import os
import pickle
import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA
from scipy.spatial import cKDTree

from geodata.addresses import (
    _PERSON_LEAD,
    ParsedAddress,
    expand_housenumber,
    housenumber_key,
    no_number_typed,
    normalize_text,
    parse_address,
    split_housenumber,
    street_fuzzy_key,
    street_key,
    town_key,
    town_parts,
    town_qualifiers_agree,
    town_tokens,
    typo_in_street_type,
)
from geodata.cache import PUBLIC, atomic_write, cache_dir, cache_key, file_digest
from geodata.errors import EmptyAreaError

__all__ = [
    "EXACT",
    "INTERPOLATED",
    "QUALITIES",
    "STREET",
    "UNRESOLVED",
    "AddressIndex",
    "GeocodeResult",
    "geocode_table",
    "index_cache_path",
    "load_index",
    "names_street",
    "street_typo_of",
]

log = logging.getLogger(__name__)

EXACT = "exact"
INTERPOLATED = "interpolated"
STREET = "street"
UNRESOLVED = "unresolved"
#: The quality levels from best to worst.
QUALITIES = (EXACT, INTERPOLATED, STREET, UNRESOLVED)

#: Bump when the index layout or the build rules change (invalidates caches).
INDEX_VERSION = 8

_CLUSTER_RADIUS_M = 300.0  # pieces of one street name closer than this are one street
_SAME_TOWN_MERGE_M = 1500.0  # ... or this, when postcode and town agree
_DUPLICATE_RADIUS_M = 120.0  # equal addresses closer than this are one address
#: A street with at most this many house numbers in the map data names each of them when
#: the number asked for is not there; a longer one, their range and the nearest ones.
_KNOWN_NUMBERS_LISTED = 8
_NEIGHBOUR_MAX_GAP = 24  # interpolate between known numbers at most this far apart
_NEIGHBOUR_MAX_DIST_M = 600.0
_FUZZY_MIN = 85.0  # rapidfuzz ratio needed for a fuzzy street match
_FUZZY_MARGIN = 6.0  # ... and this lead over the next different street
#: Street types at the end of a fuzzy key (``street_fuzzy_key``: "Str." is "strasse").
_STREET_TYPES = ("strasse", "weg", "gasse", "platz", "allee", "ring", "pfad", "steig",
                 "damm", "ufer", "chaussee", "promenade", "stieg", "graben", "wall", "zeile",
                 "gang", "winkel")
_TYPE_AT_END = re.compile(rf"(.*?)({'|'.join(_STREET_TYPES)})")


_SAME_LETTERS = re.compile(r"(.)\1+")


def _name_ratio(typed: str, known: str) -> float:
    """How alike two fuzzy street keys are without the known street's type: the typed
    key loses the same type, its own, or (a typo inside the type: "strraße") as many
    letters as the type has."""
    stem, kind = _street_type(known)
    if not kind:
        return fuzz.ratio(typed, known)
    if typed.endswith(kind):
        stems = [typed[: -len(kind)]]
    else:
        typed_stem, typed_kind = _street_type(typed)
        # a typo where name and type meet ("Walsdtraße"): one letter more or less
        stems = [typed_stem] if typed_kind else [
            typed[: max(0, len(typed) - len(kind) + d)] for d in (-1, 0, 1)]
    best = 0.0
    for typed_stem in stems:
        # letters typed twice or more ("Klausssstraße") are one typo, not several
        ratio = max(fuzz.ratio(typed_stem, stem),
                    fuzz.ratio(_SAME_LETTERS.sub(r"\1", typed_stem), _SAME_LETTERS.sub(r"\1", stem)))
        if len(stem) >= 5 and OSA.distance(typed_stem, stem) <= 1:
            ratio = max(ratio, _FUZZY_MIN)  # one typo (two letters swapped: "Ahonrweg")
        best = max(best, ratio)
    return best


#: an umlaut as the fuzzy key writes it ("ae"), and as one letter
_FOLD = re.compile(r"ae|oe|ue")
_ONE_LETTER = {"ae": "ä", "oe": "ö", "ue": "ü"}
#: "ß" as typed: the key's "ss", or "sz"
_SHARP_TYPED = re.compile(r"ss|sz")


def _fold(fuzzy_key: str) -> str:
    """Umlauts typed as "a" or "ae" made equal (the key writes "ä" as "ae", "ß" as "ss")."""
    return _FOLD.sub(lambda m: m[0][0], fuzzy_key)


def _indel_swap_distance(a: str, b: str) -> int:
    """Edits from ``a`` to ``b`` counting a missing or extra letter and two neighbours
    swapped as one each; a letter replaced by another is no such edit (it counts 9). A
    replaced letter can still be written as a letter missing plus one extra (2):
    :func:`_typo_distance` rejects that."""
    if abs(len(a) - len(b)) > 2:
        return 9
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        cur = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            d = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (0 if a[i - 1] == b[j - 1] else 9))
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d = min(d, prev2[j - 2] + 1)
            cur[j] = d
        prev2, prev = prev, cur
    return prev[len(b)]


@lru_cache(maxsize=65536)
def _is_typing_error(typed: str, known: str) -> bool:
    """Whether the typed fuzzy key is a plausible typing error of the known street name,
    not another name that merely looks alike (QA 20c F1). Typing errors: a letter missing
    or typed twice (or more often), two letters swapped, umlauts as "ae"/"a", "ß" as "ss"
    (or left out, typed as "sz", swapped with a neighbour: "Fofeld", "Walnßuweg"),
    a missing or extra Fugen-s, hyphens and spaces (already gone from the key), and a typo
    inside the street type itself ("Breitenstrase", "Lisztstrßae"). Not a typing error: a
    letter replaced by another ("Eichenweg" for "Eschenweg", "Lerchenweg" for
    "Lärchenweg", at any length: "Johannisstraße" for "Johannesstraße"), another first
    letter ("Dorfstraße" for "Orffstraße"), another street type ("Rosenweg" for
    "Rosenstraße"), or more than one edit in a name shorter than twelve letters (two in a
    longer one)."""
    if _SAME_LETTERS.sub(r"\1", _fold(typed)) == _SAME_LETTERS.sub(r"\1", _fold(known)):
        return True
    if not typed or not known or typed[0] != known[0]:
        return False
    stem, kind = _street_type(known)
    t_kind = _street_type(typed)[1]
    if t_kind and kind and t_kind != kind:
        return False
    if (kind and not t_kind and typed.startswith(stem)
            and OSA.distance(typed[len(stem):], kind) <= (1 if len(kind) < 5 else 2)):
        return True  # the name typed right, a typo inside its type only ("strßae", "alele")
    limit = 1 if len(known) < 12 else 2
    # The known name's umlauts as one letter each: "Lerchenweg" is a letter replaced in
    # "Lärchenweg", not an "a" missing from "laerchenweg" (the typed "oe" of "Roenweg" may
    # be no umlaut at all, so the typed key stays as it is). "ß" (the key's "ss") as one
    # letter, which may be left out ("Fofeld") or typed as "sz" ("Foszfeld").
    sharp_typed = _SHARP_TYPED.sub("ß", typed)
    sharp_known = known.replace("ss", "ß")
    return min(_typo_distance(_fold(typed), _fold(known)),
               _typo_distance(typed, _FOLD.sub(lambda m: _ONE_LETTER[m[0]], known)),
               _typo_distance(_fold(sharp_typed), _fold(sharp_known)),
               ) <= limit


def street_typo_of(typed: str, found: str) -> bool:
    """Whether the street name ``typed`` is a typing error of ``found``, the name of the
    street the geocoder found for it („Breitenstrase“, „Bahnhofsstraße“ for the
    Bahnhofstraße; :func:`_is_typing_error`), not the same name written another accepted
    way („Breitenstr.“, „breitenstrasse“, umlauts as „ae“) nor another name: what the
    field is to see then is the street as found, the typo corrected (QA 31)."""
    if not typed or not found:
        return False
    if street_key(typed) == street_key(found):
        return typo_in_street_type(typed) and not typo_in_street_type(found)
    return _is_typing_error(street_fuzzy_key(typed), street_fuzzy_key(found))


def names_street(typed: str, found: str) -> bool:
    """Whether the street name ``typed`` names the street ``found`` by the geocoder's own
    rules: the same by the address index's key (:func:`street_key`: „Breitenstr.“), a
    typing error the geocoder takes for it (:func:`street_typo_of`: „Breitenstrase“) but
    not another ending before the street type (:func:`_other_ending`: „Breite Straße“ for
    the Breitenstraße, which it puts in doubt), or short as an export writes it and
    otherwise typed right (:func:`_short_form`: „Markt“ for „Am Markt“)."""
    if not (typed and found):
        return False
    if street_key(typed) == street_key(found):
        return True
    if street_typo_of(typed, found):
        return not _other_ending(street_fuzzy_key(typed), street_fuzzy_key(found))
    form, right = _short_form(typed, found)
    return bool(form) and right


def _typo_distance(a: str, b: str) -> int:
    """:func:`_indel_swap_distance`, or 9 when a letter replaced by another gives fewer
    edits (a letter missing next to one extra is a replaced letter, at any length of the
    name: "Eichenstraße" is not "Eschenstraße", "Johannisstraße" not "Johannesstraße")."""
    d = _indel_swap_distance(a, b)
    return d if d == OSA.distance(a, b) else 9


#: Words a street name may lose at its start in an export ("Weinberg" for "Am Weinberg",
#: "Haune" for "An der Haune"): a preposition, an article, or both.
_LEAD_PREPOSITIONS = frozenset(
    {"am", "im", "an", "auf", "aufm", "in", "zum", "zur", "zu", "beim", "bei", "hinter",
     "hinterm", "unter", "unterm", "vor", "vorm", "ueber", "ueberm", "neben", "zwischen"})
_ARTICLES = frozenset({"der", "die", "das", "den", "dem", "des"})
#: Titles a street name may lose at its start ("Ronge-Weg" for "Dr.-Ronge-Weg")
_TITLES = frozenset({"dr.", "dr", "doktor", "prof.", "prof", "professor", "pfarrer",
                     "pfr.", "pastor", "pater"})
_WORD = re.compile(r"[0-9a-z]+\.?")
#: an abbreviated word that is a street type ("Hauptstr.", "Markt-Pl."), or "St." (Sankt)
_NOT_A_NAME_ABBR = re.compile(r"(?:[0-9a-z]*(?:str|pl)|st)\.")


def _lead_stripped(words: list[str]) -> list[str]:
    """The words of a street name without a leading preposition and/or article ("Am",
    "An der", "Unter den") and without leading titles ("Dr.-Ronge-Weg", "Prof.-Dr.-…");
    ``[]`` when it has none or nothing would be left."""
    i = 1 if words and words[0] in _LEAD_PREPOSITIONS else 0
    if i < len(words) and words[i] in _ARTICLES:
        i += 1
    while i < len(words) and words[i] in _TITLES:
        i += 1
    return words[i:] if 0 < i < len(words) else []


def _abbreviates(stem: str, word: str) -> bool:
    """Whether a word cut off with a dot (its ``stem`` without the dot) writes ``word``
    short: the word's start ("Heinr." for Heinrich, "J." for Johann), or, from two letters
    on, letters of the word in their order from its first one, as German contracts titles
    ("Pfr." for Pfarrer, "Bgm." for Bürgermeister; QA 25 F7)."""
    if word.startswith(stem):
        return True
    return len(stem) >= 2 and stem[0] == word[0] and _is_subsequence(stem[1:], word[1:])


@lru_cache(maxsize=65536)
def _short_form(typed: str, known: str) -> tuple[str, bool]:
    """What a typed street name shortens in the known one, the way case-management exports
    write names into short fields: ``"article"`` (a leading article or preposition left
    out: "Weinberg" for "Am Weinberg"), ``"abbrev"`` (a word cut off with a dot:
    "Heinr.-von-Stephan-Str.", "An d. Haune"), or ``""`` (no short form); and whether the
    rest is typed right (it may differ by a typing error). Compared word by word on
    :func:`normalize_text`."""
    typed_words = _WORD.findall(normalize_text(typed))
    known_words = _WORD.findall(normalize_text(known))
    if not typed_words or not known_words:
        return "", False
    options = [(known_words, False)]
    if stripped := _lead_stripped(known_words):
        options.append((stripped, True))
    for words, dropped in options:
        expanded: list[str] = []
        abbreviated = False
        for i, w in enumerate(typed_words):
            stem = w[:-1]
            if (w.endswith(".") and i < len(words) and len(words[i]) > len(stem)
                    and _abbreviates(stem, words[i]) and not _NOT_A_NAME_ABBR.fullmatch(w)):
                # "heinr." is "heinrich", "d." is "der", "pfr." is "pfarrer"
                expanded.append(words[i])
                abbreviated = True
            else:
                expanded.append(w)
        if not (dropped or abbreviated):
            continue
        typed_key = street_fuzzy_key(" ".join(expanded))
        known_key = street_fuzzy_key(" ".join(words))
        if len(typed_key) < 3:
            continue
        if typed_key == known_key or (len(typed_key) >= 5 and _is_typing_error(typed_key, known_key)):
            return "article" if dropped else "abbrev", typed_key == known_key
    return "", False


_SWAPPED = "zwei Buchstaben vertauscht"


def _what_differs(typed: str, known: str) -> str:
    """German words for how a typed fuzzy key differs from a look-alike street's key that
    is no typing error of it (the reason of an unresolved row)."""
    t_stem, t_kind = _street_type(typed)
    k_stem, k_kind = _street_type(known)
    if t_kind != k_kind and (t_kind or k_kind):
        return "andere Straßenart"
    a, b = _fold(t_stem), _fold(k_stem)
    if len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1:
        return "ein anderer Buchstabe"
    if len(a) == len(b) and sorted(a) == sorted(b) and OSA.distance(a, b) == 1:
        return _SWAPPED
    if a[:1] != b[:1]:
        return "anderer Anfang"
    if len(a) < len(b) and _is_subsequence(a, b):
        return "Buchstaben fehlen"
    if len(a) > len(b) and _is_subsequence(b, a):
        return "Buchstaben zu viel"
    return "andere Buchstaben"


def _spaced_compound(typed_words: list[str], found: str) -> bool:
    """Whether the typed rest of a street (words apart by spaces) ends in its street type
    as a word of its own ("Brahms Straße") while the street found writes name and type as
    one word ("Brahmsstraße"): then words before it belong to the name ("Johannes Brahms
    Straße"), not to a person (the found street "Kasseler Straße" writes its type apart,
    as German does after a place's adjective)."""
    if len(typed_words) < 2:
        return False
    typed_type = street_fuzzy_key(typed_words[-1])
    found_words = found.split()
    return (typed_type in _STREET_TYPES and len(found_words) == 1
            and _street_type(street_fuzzy_key(found))[1] == typed_type)


def _other_ending(typed: str, known: str) -> bool:
    """Whether two fuzzy street keys differ only in an "n" at the end of the name, before
    the same street type: "Breite Straße" and the Breitenstraße, "Alte Straße" and an
    "Altenstraße". In German the two endings make two words ("breite" / "breiten"), and
    towns often have both streets, unlike a missing Fugen-s ("Bahnhofstraße" /
    "Bahnhofsstraße"), one name spelt two ways, or a dropped "r" ("Leipzige Straße"), no
    word at all."""
    t_stem, t_kind = _street_type(typed)
    k_stem, k_kind = _street_type(known)
    if not t_kind or t_kind != k_kind or t_stem == k_stem:
        return False
    short, long = sorted((_fold(t_stem), _fold(k_stem)), key=len)
    return len(long) == len(short) + 1 and long.startswith(short) and long[-1] == "n"


def _is_subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def _street_type(fuzzy_key: str) -> tuple[str, str]:
    """A fuzzy street key split into name and street type: ``("hutten", "strasse")``;
    ``(key, "")`` when it ends in no type ("ammarkt")."""
    m = _TYPE_AT_END.fullmatch(fuzzy_key)
    return (m[1], m[2]) if m and m[1] else (fuzzy_key, "")
_PLACE_RADIUS_M = {
    "city": 8000.0, "town": 4000.0, "village": 1500.0, "suburb": 1500.0, "borough": 2500.0,
    "quarter": 1000.0, "hamlet": 800.0, "neighbourhood": 600.0, "locality": 600.0,
    "isolated_dwelling": 400.0, "farm": 400.0, "allotments": 300.0,
}

_HIGHWAY_SKIP = frozenset({"proposed", "construction", "abandoned", "razed", "platform",
                           "bus_stop", "elevator", "services", "rest_area"})


#: Adjectives that begin street names ("Obere Bergstraße", "Alte Nürnberger Straße"),
#: normalised (:func:`normalize_text`), in their inflected forms only: words typed before a
#: street of the extract that are part of another street's name, not a person's (QA 25
#: F1). The bare stems are common surnames ("Klaus Alt", "Kim Lang", "Anna Klein": review
#: 25 #3) and are left out, apart from "Ober"/"Unter" ("Ober Bergstraße"); so are the
#: abbreviations ("Ob.", "Gr.").
_NAME_ADJECTIVES = frozenset(
    stem + end
    for stem in ("ober", "unter", "alt", "neu", "klein", "gross", "hinter", "vorder", "inner",
                 "aeusser", "mittler", "lang", "kurz", "hoh", "breit", "hohl", "krumm", "eng",
                 "schmal", "schoen", "nieder", "hoch", "west", "ost", "nord", "sued", "gruen",
                 "rot", "weiss", "schwarz", "gelb", "blau", "dick", "tief", "still", "gut")
    for end in ("e", "er", "es", "en")) | {"ober", "unter", "ob", "unt", "gr", "kl", "mittel"}
#: Endings of place names ("Heuchling", "Petersberg", "Kotzenhof", "Wetzendorf"), whose
#: adjective in "-er" begins a street's name ("Heuchlinger Hauptstraße").
_PLACE_ENDINGS = ("berg", "burg", "dorf", "hof", "hofen", "feld", "felden", "bach", "hausen",
                  "heim", "ing", "ingen", "stadt", "staedt", "au", "tal", "thal", "wald",
                  "furt", "ried", "roth", "rode", "reuth", "bruck", "brueck", "brunn", "born",
                  "weiler", "kirchen", "stein", "muehl", "schlag", "grund", "leben", "lohe",
                  "loh", "see", "haus", "kamp", "brunnen", "ach", "winkel")


def _place_adjective(word: str) -> bool:
    """Whether a normalised word is a place's adjective in "-er" ("heuchlinger",
    "petersberger", "kotzenhofer"): a place name with a place's ending and something before
    it (not a surname such as "berger", "hofer", "bacher")."""
    if not word.endswith("er") or not word.isalpha():
        return False
    stem = word[:-2]
    return any(stem.endswith(e) and len(stem) >= len(e) + 3 for e in _PLACE_ENDINGS)


def _name_marked(q: ParsedAddress) -> bool:
    """Whether something marks words before the street as a person's name: a ``c/o`` line
    whose name the parser cut off the street ("bei Anna Meier Vogelsang 5",
    :attr:`ParsedAddress.host_run`, or one with a name of the street's first words) or a
    salutation or title first ("Frau Meier Vogelsang 5")."""
    if q.host_run:
        return True
    words = q.street.split()
    if words and _PERSON_LEAD.match(words[0]):
        return True
    for line in q.care_of:
        name = line.split()[1:]
        if name and words[:1] == name[-1:]:
            return True
    return False


#: A street found only with a town or postcode that does not fit (factor 0.9) or by a
#: name that merely resembles the one typed (fuzzy, 0.8-1.0) is in doubt; words dropped
#: before the street name alone (0.95) or a near-identical typo are not.
_DOUBT_FACTOR = 0.93
_ECHO_MAX = 80  # typed text quoted in a reason is cut to this many characters
_MAX_CANDIDATES = 5  # places of an ambiguous address offered to pick from


def _cut(text: str) -> str:
    """Typed text as a reason quotes it: at most ``_ECHO_MAX`` characters (a reason ends up
    in one cell of the report, however long the input was)."""
    return text if len(text) <= _ECHO_MAX else text[: _ECHO_MAX - 1].rstrip() + "…"


def _place_typed(q: ParsedAddress) -> str:
    """The place an address names, as a reason quotes it: the town as typed („Ort „Bad
    Hersfeld““), or its Ortsteil where it names no town („Ortsteil „Sorga““), "" where it
    names neither: a reason never quotes an empty town („Ort „““, QA 44a F10)."""
    town = (q.town_typed or q.town).strip()
    if town:
        return f"Ort „{_cut(town)}“"
    return f"Ortsteil „{_cut(q.district.strip())}“" if q.district.strip() else ""


def _in_where_typed(q: ParsedAddress) -> str:
    """Where an address says it lies, with its preposition: „in 36251 Bad Hersfeld“, „in
    36251“, or „im Ortsteil „Sorga““ where it names no postcode or town; "" where it names
    none (QA 44a F10: never „nicht in .“)."""
    typed = " ".join(p for p in (q.postcode.strip(), _cut((q.town_typed or q.town).strip()))
                     if p)
    if typed:
        return f"in {typed}"
    return f"im Ortsteil „{_cut(q.district.strip())}“" if q.district.strip() else ""


@dataclass(frozen=True)
class GeocodeResult:
    """The answer for one address. ``lon``/``lat`` are None when ``quality == "unresolved"``."""

    lon: float | None
    lat: float | None
    quality: str
    score: float
    match: str = ""
    reason: str = ""
    suggestions: tuple[str, ...] = ()
    #: Found, but a person should look at it: the street name only resembles the one
    #: typed, or the town or postcode do not fit (the reason says which).
    doubt: bool = False
    #: Not found because the town or postcode lies outside the extract's area (another
    #: town's address, or an extract of another town than meant).
    outside: bool = False
    #: Not found because the map data hold the address at several places far apart
    #: ("Adresse mehrdeutig"): those places as (lon, lat), for a person to pick one.
    candidates: tuple[tuple[float, float], ...] = ()

    @property
    def found(self) -> bool:
        return self.quality != UNRESOLVED


# ---------------------------------------------------------------------------------------
# Local metric coordinates (equirectangular around the extract's centre: < 0.1 % error
# over a town)


class _Proj:
    def __init__(self, lon0: float, lat0: float) -> None:
        self.lon0, self.lat0 = lon0, lat0
        self.kx = 111_320.0 * math.cos(math.radians(lat0))
        self.ky = 110_574.0

    def xy(self, lon: Any, lat: Any) -> tuple[Any, Any]:
        return (np.asarray(lon) - self.lon0) * self.kx, (np.asarray(lat) - self.lat0) * self.ky

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return float(x / self.kx + self.lon0), float(y / self.ky + self.lat0)


# ---------------------------------------------------------------------------------------
# Index data


@dataclass
class _Cluster:
    """One street: all pieces of one street name lying together."""

    key: str
    name: str  # the name as written in OSM (most common spelling)
    lines: list[np.ndarray] = field(default_factory=list)  # metric (n, 2) arrays
    entries: list[int] = field(default_factory=list)
    postcodes: frozenset[str] = frozenset()
    towns: tuple[str, ...] = ()  # cities, suburbs and nearby place names (as written)
    town_keys: frozenset[str] = frozenset()
    town_set: _TownSet = frozenset()
    # cities and suburbs of the street's own addresses (not nearby place names)
    strong_set: _TownSet = frozenset()
    main_town: str = ""
    main_postcode: str = ""
    # per parity (0 even, 1 odd): sorted (number, entry) of plain numbered entries
    numbers: dict[int, list[tuple[int, int]]] = field(default_factory=dict)
    # interpolation ways: (a, b, step, metric coords)
    interpolations: list[tuple[int, int, int, np.ndarray]] = field(default_factory=list)
    centre: tuple[float, float] = (0.0, 0.0)  # metric, a point on the street


class AddressIndex:
    """Address points, interpolation ways and named streets of one OSM extract.

    Build with :meth:`build` (or, cached, :func:`load_index`) and query with
    :meth:`geocode` / :meth:`geocode_many`.
    """

    def __init__(self) -> None:
        self.source: str = ""
        self.digest: str = ""
        self.proj = _Proj(0.0, 0.0)
        # entries (one per OSM address object)
        self.e_street: list[str] = []
        self.e_hn: list[str] = []
        self.e_postcode: list[str] = []
        self.e_city: list[str] = []
        self.e_suburb: list[str] = []
        self.e_xy: np.ndarray = np.zeros((0, 2))
        self.e_cluster: list[int] = []
        self.e_osm: list[str] = []  # "n123", "w45", "r6"
        # look-ups
        self.exact: dict[tuple[str, str], list[int]] = {}
        self.covered: dict[tuple[str, str], list[int]] = {}  # by ranges such as 19-21
        self.clusters: list[_Cluster] = []
        self.by_key: dict[str, list[int]] = {}
        self.keys: list[str] = []
        self.fuzzy_keys: dict[str, set[str]] = {}  # fuzzy key -> street keys
        self.postcodes: frozenset[str] = frozenset()
        self.town_set: _TownSet = frozenset()
        self.town_names: tuple[str, ...] = ()
        self.stats: dict[str, Any] = {}
        self._memo: dict[Any, GeocodeResult] = {}
        self._pool_memo: dict[Any, dict[str, list[str]]] = {}

    # -----------------------------------------------------------------------------------
    # Building

    @classmethod
    def build(cls, osm_path: str | os.PathLike[str]) -> AddressIndex:
        """Read an extract and build the index (no cache; see :func:`load_index`).

        Raises
        ------
        geodata.errors.ExtractError
            If the file is missing or not an OSM extract.
        geodata.errors.EmptyAreaError
            If the extract holds no address and no named street.
        """
        from geodata.osm import check_extract

        path = check_extract(osm_path)
        t0 = time.perf_counter()
        raw = _read_osm(path)
        idx = cls()
        idx.source = str(path)
        idx.digest = file_digest(path)
        idx._assemble(raw)
        idx.stats["build_s"] = round(time.perf_counter() - t0, 3)
        if not idx.e_street and not idx.clusters:
            raise EmptyAreaError(
                f"Der OSM-Auszug {path.name} enthält weder Adressen noch benannte Straßen; "
                "Geokodierung ist damit nicht möglich."
            )
        return idx

    def _assemble(self, raw: _RawOsm) -> None:
        coords = np.array([(e["lon"], e["lat"]) for e in raw.entries]
                          + [c for seg in raw.streets for c in seg[1][:1]], dtype=float)
        if len(coords):
            lon0, lat0 = float(np.median(coords[:, 0])), float(np.median(coords[:, 1]))
        else:
            lon0, lat0 = 10.0, 51.0
        self.proj = proj = _Proj(lon0, lat0)

        ents = raw.entries
        n = len(ents)
        self.e_street = [e["street"] for e in ents]
        self.e_hn = [e["hn"] for e in ents]
        self.e_postcode = [e["postcode"] for e in ents]
        self.e_city = [e["city"] for e in ents]
        self.e_suburb = [e["suburb"] for e in ents]
        self.e_osm = [e["osm"] for e in ents]
        ex, ey = proj.xy([e["lon"] for e in ents], [e["lat"] for e in ents])
        self.e_xy = np.column_stack([ex, ey]) if n else np.zeros((0, 2))
        e_key = [street_key(s) for s in self.e_street]

        # Fill a missing postcode/city from the nearest address that has it (same street
        # first): about a quarter of the Bad Hersfeld addresses carry no addr:city.
        inferred = 0
        for attr in ("e_postcode", "e_city"):
            vals: list[str] = getattr(self, attr)
            have = [i for i in range(n) if vals[i]]
            if not have or len(have) == n:
                continue
            tree = cKDTree(self.e_xy[have])
            by_key_have: dict[str, list[int]] = defaultdict(list)
            for i in have:
                by_key_have[e_key[i]].append(i)
            for i in range(n):
                if vals[i]:
                    continue
                same = by_key_have.get(e_key[i])
                if same:
                    d = np.hypot(*(self.e_xy[same] - self.e_xy[i]).T)
                    j = int(np.argmin(d))
                    if d[j] < 800:
                        vals[i] = vals[same[j]]
                        inferred += 1
                        continue
                dist, j = tree.query(self.e_xy[i])
                if dist < 1500:
                    vals[i] = vals[have[int(j)]]
                    inferred += 1

        # Place names (villages, suburbs) with their reach.
        places: list[tuple[str, float, float, float]] = []
        for name, kind, lon, lat in raw.places:
            px, py = proj.xy(lon, lat)
            places.append((name, float(px), float(py), _PLACE_RADIUS_M.get(kind, 0.0)))

        # Street clusters per key: street pieces and address entries lying together.
        pieces: dict[str, list[tuple[str, np.ndarray]]] = defaultdict(list)
        for name, pts in raw.streets:
            x, y = proj.xy(pts[:, 0], pts[:, 1])
            pieces[street_key(name)].append((name, np.column_stack([x, y])))
        ent_by_key: dict[str, list[int]] = defaultdict(list)
        for i, k in enumerate(e_key):
            if k:
                ent_by_key[k].append(i)
        self.e_cluster = [-1] * n
        for key in sorted(set(pieces) | set(ent_by_key)):
            if not key:
                continue
            self._cluster_key(key, pieces.get(key, []), ent_by_key.get(key, []), places)

        # Exact and covered look-ups.
        for i in range(n):
            k = e_key[i]
            if not k:
                continue
            primary, more = expand_housenumber(self.e_hn[i])
            self.exact.setdefault((k, primary), []).append(i)
            for m in more:
                self.covered.setdefault((k, m), []).append(i)
        for key_pair in list(self.covered):
            if key_pair in self.exact:
                del self.covered[key_pair]

        # Numbers per cluster and parity (plain numbers and numbers with a suffix letter).
        for i in range(n):
            c = self.e_cluster[i]
            num, suffix = split_housenumber(self.e_hn[i])
            if c < 0 or num is None or (suffix and not (len(suffix) == 1 and suffix.isalpha())):
                continue
            self.clusters[c].numbers.setdefault(num % 2, []).append((num, i))
        for cl in self.clusters:
            for par in cl.numbers:
                cl.numbers[par].sort()

        # Interpolation ways.
        n_interp = 0
        for skey, a, b, step, pts in raw.interpolations:
            x, y = proj.xy(pts[:, 0], pts[:, 1])
            xy = np.column_stack([x, y])
            cands = self.by_key.get(skey, [])
            if not cands:
                continue
            mid = xy[len(xy) // 2]
            best = min(cands, key=lambda c: _dist_to_cluster(self.clusters[c], mid))
            self.clusters[best].interpolations.append((a, b, step, xy))
            n_interp += 1

        self.keys = list(self.by_key)
        self.fuzzy_keys = {}
        for k, cids in self.by_key.items():
            for c in cids:
                self.fuzzy_keys.setdefault(street_fuzzy_key(self.clusters[c].name), set()).add(k)
        pcs = {p for p in self.e_postcode if p}
        for cl in self.clusters:
            pcs |= cl.postcodes
        self.postcodes = frozenset(pcs)
        names = {x for x in self.e_city + self.e_suburb if x} | {p[0] for p in places}
        self.town_names = tuple(sorted(names))
        self.town_set = _town_set(names)
        self.stats.update(
            addresses=n, streets=len(self.clusters), interpolation_ways=n_interp,
            inferred_fields=inferred, skipped_without_street=raw.skipped,
            postcodes=sorted(self.postcodes), towns=sorted({c for c in self.e_city if c}),
        )

    def _cluster_key(self, key: str, pcs: list[tuple[str, np.ndarray]], ents: list[int],
                     places: list[tuple[str, float, float, float]]) -> None:
        # Items: street pieces (densified) and entries; union items closer than the radius.
        pts: list[np.ndarray] = []
        owner: list[np.ndarray] = []
        for j, (_, xy) in enumerate(pcs):
            dense = _densify(xy, 50.0)
            pts.append(dense)
            owner.append(np.full(len(dense), j))
        for j, i in enumerate(ents):
            pts.append(self.e_xy[i][None, :])
            owner.append(np.array([len(pcs) + j]))
        allpts = np.vstack(pts)
        own = np.concatenate(owner)
        n_items = len(pcs) + len(ents)
        labels = np.zeros(n_items, dtype=int)
        if n_items > 1:
            from scipy.sparse import coo_matrix
            from scipy.sparse.csgraph import connected_components

            pairs = cKDTree(allpts).query_pairs(_CLUSTER_RADIUS_M, output_type="ndarray")
            op = own[pairs] if len(pairs) else np.zeros((0, 2), dtype=int)
            op = np.unique(op[op[:, 0] != op[:, 1]], axis=0) if len(op) else op
            graph = coo_matrix((np.ones(len(op)), (op[:, 0], op[:, 1])) if len(op) else
                               (np.zeros(0), (np.zeros(0, dtype=int), np.zeros(0, dtype=int))),
                               shape=(n_items, n_items))
            _, labels = connected_components(graph, directed=False)
        groups: dict[int, list[int]] = defaultdict(list)
        for item in range(n_items):
            groups[int(labels[item])].append(item)

        def make(items: list[int]) -> _Cluster:
            cl = _Cluster(key=key, name="")
            names: Counter[str] = Counter()
            for item in items:
                if item < len(pcs):
                    names[pcs[item][0]] += 3
                    cl.lines.append(pcs[item][1])
                else:
                    e = ents[item - len(pcs)]
                    cl.entries.append(e)
                    names[self.e_street[e]] += 1
            cl.name = names.most_common(1)[0][0]
            self._describe_cluster(cl, places)
            return cl

        item_groups = list(groups.values())
        made = [make(items) for items in item_groups]
        if len(made) > 1:
            # Pieces of one street in one town further apart than the radius (a gap in
            # the mapped way, a pedestrian zone): one street if postcode and town agree.
            gparent = list(range(len(made)))

            def gfind(a: int) -> int:
                while gparent[a] != a:
                    a = gparent[a]
                return a

            def pts_of(i: int) -> np.ndarray:
                own_i = np.isin(own, item_groups[i])
                return allpts[own_i]

            for a in range(len(made)):
                for b in range(a + 1, len(made)):
                    ca, cb = made[a], made[b]
                    if not (ca.main_town and ca.main_postcode) or (
                            (ca.main_town, ca.main_postcode) != (cb.main_town, cb.main_postcode)):
                        continue
                    dist, _ = cKDTree(pts_of(a)).query(pts_of(b), k=1)
                    if float(np.min(dist)) <= _SAME_TOWN_MERGE_M:
                        gparent[gfind(a)] = gfind(b)
            merged: dict[int, list[int]] = defaultdict(list)
            for g in range(len(made)):
                merged[gfind(g)].append(g)
            if len(merged) < len(made):
                made = [made[gs[0]] if len(gs) == 1
                        else make([it for g in gs for it in item_groups[g]])
                        for gs in merged.values()]
        for cl in made:
            cid = len(self.clusters)
            for e in cl.entries:
                self.e_cluster[e] = cid
            self.clusters.append(cl)
            self.by_key.setdefault(key, []).append(cid)

    def _describe_cluster(self, cl: _Cluster, places: list[tuple[str, float, float, float]]) -> None:
        if cl.lines:
            longest = max(cl.lines, key=_line_length)
            cl.centre = _point_along(longest, 0.5)
        else:
            xy = self.e_xy[cl.entries]
            med = np.median(xy, axis=0)
            cl.centre = tuple(xy[int(np.argmin(np.hypot(*(xy - med).T)))])
        pcs = Counter(self.e_postcode[e] for e in cl.entries if self.e_postcode[e])
        cities = Counter(self.e_city[e] for e in cl.entries if self.e_city[e])
        subs = Counter(self.e_suburb[e] for e in cl.entries if self.e_suburb[e])
        if (not pcs or not cities) and len(self.e_xy):
            # No addresses on this street: take the towns of the nearest addresses.
            probe = np.vstack(cl.lines) if cl.lines else np.array([cl.centre])
            probe = probe[:: max(1, len(probe) // 20)]
            dist, idx = _entry_tree(self).query(probe, k=min(5, len(self.e_xy)))
            near_e = {int(i) for d, i in zip(np.ravel(dist), np.ravel(idx), strict=True)
                      if d < 1500}
            if not pcs:
                pcs = Counter(self.e_postcode[i] for i in near_e if self.e_postcode[i])
            if not cities:
                cities = Counter(self.e_city[i] for i in near_e if self.e_city[i])
        near: list[str] = []
        probe = np.vstack(cl.lines + ([self.e_xy[cl.entries]] if cl.entries else []))
        probe = probe[:: max(1, len(probe) // 40)]
        for name, px, py, radius in places:
            if radius and float(np.min(np.hypot(probe[:, 0] - px, probe[:, 1] - py))) <= radius:
                near.append(name)
        cl.postcodes = frozenset(pcs)
        cl.main_postcode = pcs.most_common(1)[0][0] if pcs else ""
        cl.main_town = cities.most_common(1)[0][0] if cities else (near[0] if near else "")
        towns = list(dict.fromkeys(list(cities) + list(subs) + near))
        cl.towns = tuple(towns)
        cl.town_keys = frozenset(town_key(t) for t in towns)  # for extract_place
        cl.town_set = _town_set(towns)
        cl.strong_set = _town_set(list(cities) + list(subs))

    # -----------------------------------------------------------------------------------
    # Querying

    def covers(self, lon: float, lat: float, margin_m: float = 1_000.0) -> bool:
        """Whether a point (WGS84) lies within the extract: the box around its address
        points, widened by ``margin_m`` metres (an index without addresses covers all)."""
        if len(self.e_xy) == 0:
            return True
        box = getattr(self, "_box", None)
        if box is None or box[0] is not self.e_xy:  # computed once per index
            box = (self.e_xy, *self.e_xy.min(axis=0), *self.e_xy.max(axis=0))
            self._box = box
        _, x0, y0, x1, y1 = box
        x, y = self.proj.xy(lon, lat)
        return bool(x0 - margin_m <= x <= x1 + margin_m and y0 - margin_m <= y <= y1 + margin_m)

    def geocode(self, address: str | ParsedAddress | Mapping[str, str]) -> GeocodeResult:
        """Geocode one address: a one-line string, a :class:`ParsedAddress`, or a mapping
        with ``street``/``strasse``, ``housenumber``/``hausnummer``, ``postcode``/``plz``,
        ``town``/``ort`` keys."""
        if isinstance(address, str):
            memo = self._memo.get(address)
            if memo is not None:
                return memo
            result = self._geocode_parsed(parse_address(address))
            if len(self._memo) < 200_000:
                self._memo[address] = result
            return result
        if isinstance(address, ParsedAddress):
            return self._geocode_parsed(address)
        return self._geocode_parsed(_parsed_from_mapping(address))

    def geocode_many(self, addresses: Iterable[str | ParsedAddress | Mapping[str, str]]
                     ) -> list[GeocodeResult]:
        """Geocode many addresses (equal strings are resolved once)."""
        return [self.geocode(a) for a in addresses]

    def _geocode_parsed(self, q: ParsedAddress) -> GeocodeResult:
        try:
            return self._resolve(q)
        except Exception:  # pragma: no cover - a bug must not lose the row
            log.exception("geocoding failed for %r", q.raw)
            return GeocodeResult(None, None, UNRESOLVED, 0.0,
                                 reason="Interner Fehler bei dieser Adresse; bitte melden.")

    def _resolve(self, q: ParsedAddress) -> GeocodeResult:
        if not q.street_key or not any(ch.isalpha() for ch in q.street):
            what = "Adresse leer." if not q.raw.strip() else "In der Adresse keine Straße erkannt."
            return GeocodeResult(None, None, UNRESOLVED, 0.0, reason=what, suggestions=())
        town_note = ""
        if q.town_typed and q.district and self._town_known(q.district):
            # "Lauf (Heuchling)": the brackets hold a district of the extract, not a
            # qualifier of the town ("Halle (Saale)"): the town and the district count
            q = replace(q, town_typed="")
        elif (q.town_typed and q.district and self._town_known(q.town)
              and not any(self._town_known(t) for t in q.town_names if t)):
            # "Lauf (Bullach)", a district the extract does not name, or "Halle (Saale)" in
            # an extract of Halle (Westf.): the town alone, and the answer in doubt
            town_note = (f"Ort „{_cut(q.town_typed)}“ passt nicht genau: „{_cut(q.district)}“ kennt der "
                         f"Kartenauszug bei {_cut(q.town)} nicht.")
            q = replace(q, town_typed="")
        # The town and postcode must belong to this extract.
        q_towns = [t for t in q.town_names if t]
        town_known = not q_towns or any(self._town_known(t) for t in q_towns)
        pc_known = not q.postcode or q.postcode in self.postcodes
        if not town_known and not (pc_known and q.postcode):
            # A town the extract does not know, even as a look-alike ("Bad Hersfled" is
            # Bad Hersfeld), is another place: a street of the extract (of the same name
            # or not) is a stranger's door, never offered (QA 44a F3)
            place = _place_typed(q) or "Der angegebene Ort"
            said = (f"{place} und PLZ {q.postcode} liegen" if q.postcode  # both: name both
                    else f"{place} liegt")
            return GeocodeResult(None, None, UNRESOLVED, 0.0, outside=True, reason=(
                f"{said} nicht im Gebiet des Kartenauszugs; keine Vorschläge in einem anderen "
                "Ort."))
        if q.postcode and not pc_known and not (q_towns and town_known):
            # a postcode alone may be mistyped: the streets of the same name are offered,
            # never another street (the Hardtstraße of Lauf for „Hauptstraße 1, 90402“)
            return self._unresolved(
                q, f"PLZ {q.postcode} liegt nicht im Gebiet des Kartenauszugs.", outside=True,
                same_name=True)

        # Street candidates: exact key, then the key without leading words, then fuzzy.
        notes: list[str] = []
        factor = 1.0
        clusters, rejected = self._clusters_for(q.street_key, q)
        if clusters and typo_in_street_type(q.street):
            # "Breitenstrase": keyed as the Breitenstraße, a typo all the same; said as
            # the fuzzy match says it, so that report and pages give the street as found
            notes.append(f"Straßenname unscharf erkannt: „{_cut(q.street)}“ ≈ "
                         f"„{self.clusters[clusters[0]].name}“.")
        #: a street that the typed name without its first word(s) names, where those
        #: words look like part of the street's name ("Obere", "Heuchlinger"): offered,
        #: never found (QA 25 F1)
        name_cut: tuple[str, list[int]] | None = None
        #: the cut is one word that is a place's adjective only by its shape, before the
        #: one street of its name in the town ("Steinberger Linggplatz"): a surname, if
        #: the whole name matches no street even fuzzily
        lone_er = False
        if not clusters and not rejected:
            # words apart by spaces only: a hyphen joins them into one name
            # ("Johannes-Brahms-Straße" is not the Brahmsstraße)
            words = q.street.split()
            marked = _name_marked(q)
            for k in range(1, min(4, len(words))):
                tail = street_key(" ".join(words[k:]))
                if len(tail) >= 4:
                    clusters, tail_rejected = self._clusters_for(tail, q)
                    if not clusters and tail_rejected and name_cut is None \
                            and not marked and self._street_words(words[:k]):
                        # "Untere Bergstraße, Rückersdorf": Lauf's Bergstraße is offered
                        name_cut = " ".join(words[:k]), tail_rejected
                    if clusters and not marked and self._street_words(words[:k]) and (
                            placed := self._in_named_place(words[:k], clusters)):
                        # "Unterhauner Hauptstraße": the Hauptstraße of Unterhaun, as the
                        # adjective says, in doubt (the extract may lack a street of the
                        # whole name)
                        clusters = placed
                    elif clusters and not marked and self._street_words(words[:k]):
                        # "Obere Bergstraße" is no Bergstraße, "Heuchlinger Hauptstraße"
                        # no Hauptstraße of the town: without a c/o line or a salutation
                        # such words belong to the street's name; the whole name is
                        # matched fuzzily below, the shorter street only offered
                        name_cut = " ".join(words[:k]), clusters
                        lone_er = (k == 1 and len(clusters) == 1
                                   and not self._street_word(words[0], alone=False))
                        clusters = []
                        break
                    if clusters and _spaced_compound(words[k:], self.clusters[clusters[0]].name):
                        # "Johannes Brahms Straße": a name typed with spaces, its type a
                        # word of its own, where the street found is one word
                        # ("Brahmsstraße"): the words belong to the name (review 21 #2)
                        return self._unresolved(
                            q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht gefunden. "
                            f"Ähnlich: „{self.clusters[clusters[0]].name}“ (ohne "
                            f"„{_cut(' '.join(words[:k]))}“ am Anfang, vielleicht eine andere "
                            "Straße); bitte prüfen, ob diese Straße gemeint ist.",
                            prefer=clusters)
                    if clusters:  # not quoted: the words may be a name (a host's, or
                        # the client's typed into the address)
                        if marked:
                            notes.append(f"{k} {'Wort' if k == 1 else 'Wörter'} vor dem "
                                         "Straßennamen ignoriert.")
                            factor *= 0.95
                        else:
                            # no c/o line, no salutation says they are a name: they may
                            # be part of a street the extract lacks (QA 25 F1)
                            which = ("es zum Straßennamen gehört" if k == 1
                                     else "sie zum Straßennamen gehören")
                            notes.append(f"{k} {'Wort' if k == 1 else 'Wörter'} vor dem "
                                         "Straßennamen ignoriert (ohne c/o-Vermerk; bitte "
                                         f"prüfen, ob {which}).")
                            factor *= 0.9
                        break
        if not clusters and not rejected:
            clusters, ratio, fuzzy_name, kind = self._fuzzy_clusters(q)
            also = name_cut[1] if name_cut else []  # offered after the fuzzy ones
            if clusters and kind == "several":
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht eindeutig: "
                    f"„{fuzzy_name}“ passen; bitte die gemeinte Straße angeben.",
                    prefer=clusters + also)
            if clusters and kind == "short":
                # a short form of the export ("Weinberg" for "Am Weinberg", "Heinr.-…")
                notes.append(f"Straßenname verkürzt: „{_cut(q.street)}“ = „{fuzzy_name}“.")
                factor *= 0.95 if ratio == 1.0 else 0.9
            elif clusters and kind != "typo":
                # Another street type or another letter: perhaps a street the extract
                # does not hold ("Rosenweg" where only a Rosenstraße is mapped). A wrong
                # confident answer is worse than an honest "not found" (QA 20c F1).
                why = ("andere Straßenart" if kind == "type" else _what_differs(
                    street_fuzzy_key(q.street), street_fuzzy_key(fuzzy_name))
                       ) + ", vielleicht eine andere Straße"
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht gefunden. Ähnlich: "
                    f"„{fuzzy_name}“ ({why}); bitte prüfen, ob diese Straße gemeint ist.",
                    prefer=clusters + also)
            elif clusters:
                factor *= 0.8 + 0.2 * (ratio - _FUZZY_MIN) / (100 - _FUZZY_MIN)
                if name_cut:
                    # "Oberer Bergstraße" ≈ Obere Bergstraße, though a Bergstraße is
                    # there too: a person should look (QA 25 F1)
                    factor = min(factor, 0.9)
                if _other_ending(street_fuzzy_key(q.street), street_fuzzy_key(fuzzy_name)):
                    # "Breite Straße" for the Breitenstraße: another street in many towns,
                    # so the answer must not look certain
                    notes.append(f"Straßenname unscharf erkannt: „{_cut(q.street)}“ ≈ "
                                 f"„{fuzzy_name}“ (andere Endung vor der Straßenart, "
                                 "vielleicht eine andere Straße).")
                    factor = min(factor, 0.9)
                else:
                    notes.append(f"Straßenname unscharf erkannt: „{_cut(q.street)}“ ≈ "
                                 f"„{fuzzy_name}“.")
        if not clusters and not rejected and name_cut and lone_er:
            # "Steinberger Linggplatz 7": a word alone in "-er" of no place the extract
            # knows, before the one street of that name in the town, and neither the
            # whole name nor a look-alike of it is a street: a surname typed before the
            # street, dropped as "Anna Steinberger" is, in doubt
            clusters = name_cut[1]
            notes.append("1 Wort vor dem Straßennamen ignoriert (ohne c/o-Vermerk; bitte "
                         "prüfen, ob es zum Straßennamen gehört).")
            factor *= 0.9
        if not clusters:
            if rejected:
                where = ", ".join(sorted({self._cluster_town(c) for c in rejected} - {""}))
                typed = _in_where_typed(q) or "im angegebenen Ort"
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ gibt es im Kartenauszug nur in {where or 'einem anderen Ort'}"
                    f", nicht {typed}.",
                    prefer=rejected)
            if name_cut:
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht gefunden. Ähnlich: "
                    f"„{self.clusters[name_cut[1][0]].name}“ (ohne „{_cut(name_cut[0])}“ am "
                    "Anfang, vielleicht eine andere Straße); bitte prüfen, ob diese Straße "
                    "gemeint ist.", prefer=name_cut[1])
            if hit := self._hyphen_tail(q):
                cut, tail_clusters = hit
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht gefunden. Ähnlich: "
                    f"„{self.clusters[tail_clusters[0]].name}“ (ohne „{_cut(cut)}“ am Anfang, "
                    "vielleicht eine andere Straße); bitte prüfen, ob diese Straße gemeint ist.",
                    prefer=tail_clusters)
            if longer := self._longer_names(q):
                # "Stephanstr." for the Heinrich-von-Stephan-Straße, "Hauptstraße, Lauf"
                # for Heuchlinger/Kuhnhofer/Wetzendorfer Hauptstraße: offered, never
                # found (a street of the short name may be meant; QA 25 F7)
                names = list(dict.fromkeys(self.clusters[c].name for c in longer))
                which = "diese Straße" if len(names) == 1 else "eine davon"
                return self._unresolved(
                    q, f"Straße „{_cut(q.street)}“ im Kartenauszug nicht gefunden. Ähnlich: "
                    f"„{'“, „'.join(names)}“ (mit mehr Wörtern am Anfang, vielleicht eine "
                    f"andere Straße); bitte prüfen, ob {which} gemeint ist.", prefer=longer)
            return self._unresolved(q, f"Straße „{_cut(q.street)}“ nicht gefunden.")
        pen_notes: list[str] = []
        for c in clusters:
            _, pen, note = self._town_fit(q, self.clusters[c])
            if pen < 1.0 and note:
                pen_notes.append(note)
        if pen_notes and len(clusters) == 1:
            notes.append(pen_notes[0])
            factor *= 0.9
        elif len(clusters) == 1 and (place := _place_typed(q)) \
                and self._only_near(q, clusters[0]):
            # the town is only a place nearby (a neighbouring municipality's street): the
            # answer may be right, but must not look certain
            notes.append(f"{place} passt nicht genau: die Straße liegt in "
                         f"{self._cluster_town(clusters[0]) or 'einem anderen Ort'}.")
            factor *= 0.9
        elif pen_notes and q.postcode and q.town:
            # the street of the postcode and the street of the town (_prefer_strong): if
            # the number is found in only one of them, the answer must say so
            notes.append(f"PLZ {q.postcode} und Ort „{_cut(q.town)}“ widersprechen sich (die PLZ "
                         "gehört zu einem anderen Ort).")
            factor *= 0.9
        if town_note:
            notes.append(town_note)
            factor *= 0.9
        elif len(clusters) == 1 and (d_note := self._district_note(q, clusters[0])):
            notes.append(d_note)
            factor = min(factor, 0.9)
        found = self._with_number(q, clusters, factor, notes)
        # a way without any address (a track, a path: "Heroldsberger Mühlenweg") where a
        # street of a near-identical name nearby has the house (QA 25 F5)
        if found.quality == STREET and q.number_key and not any(
                self.clusters[c].entries for c in clusters) and (
                twin := self._numbered_twin(q, clusters, factor, notes)):
            return replace(twin, doubt=True) if twin.found else twin
        if found.quality in (INTERPOLATED, STREET) and q.number_key and len(clusters) == 1 and (
                twin := self._spelling_twin(q, clusters[0], factor, notes)):
            found = twin
        if factor < _DOUBT_FACTOR and found.quality in (EXACT, INTERPOLATED, STREET):
            # also at street level: a guessed street ("Steyrer Straße" ≈ Sternerstraße) is
            # no street the field may search for the number (QA 25 F6)
            others = [c for c in self.by_key.get(self.clusters[clusters[0]].key, ())
                      if c not in clusters]
            if others and self._named_district(q):
                # "Buchenweg 5, 36251 Bad Hersfeld-Unterhaun": the street of the same name
                # in the other place is offered, for a person to pick (QA 25 F2)
                return replace(found, doubt=True, suggestions=tuple(
                    x for x in self._suggest(q, prefer=others)[:len(others)]
                    if x != found.match))
            return replace(found, doubt=True)
        return found

    def _numbered_twin(self, q: ParsedAddress, clusters: list[int], factor: float,
                       notes: list[str]) -> GeocodeResult | None:
        """The house a street of a near-identical name (a typing error apart, such as a
        Fugen-"en": "Heroldsberger Mühlenweg" / "Heroldsberger Mühlweg") holds with the
        query's number, within 1.5 km of the street found, where that street holds no
        address at all (a forest track of the name); None unless exactly one such street
        has it. The answer is in doubt and says why (QA 25 F5)."""
        cl = self.clusters[clusters[0]]
        fk = street_fuzzy_key(cl.name)
        hn = q.number_key
        twins: dict[str, tuple[list[int], list[int]]] = {}
        for other, _, _ in process.extract(fk, list(self.fuzzy_keys), scorer=fuzz.ratio,
                                           limit=8, score_cutoff=_FUZZY_MIN):
            if other == fk or not (_is_typing_error(fk, other) or _is_typing_error(other, fk)):
                continue
            for k in self.fuzzy_keys[other]:
                if k == cl.key:
                    continue
                cands = self._fitting(q, k)
                ents = [e for e in self.exact.get((k, hn), []) if self.e_cluster[e] in cands
                        and any(_dist_to_cluster(self.clusters[c], self.e_xy[e]) <= 1500.0
                                for c in clusters)]
                if ents:
                    twins[k] = (ents, cands)
        if len(twins) != 1:
            return None
        ((key, (ents, cands)),) = twins.items()
        name = self.clusters[self.e_cluster[ents[0]]].name
        note = (f"„{cl.name}“ hat im Kartenauszug keine Hausnummern; Nr. {hn} gefunden am "
                f"ähnlich benannten „{name}“ in der Nähe; bitte prüfen.")
        return self._exact(q, ents, min(factor, 0.9), [*notes, note], cands)

    def _spelling_twin(self, q: ParsedAddress, c: int, factor: float,
                       notes: list[str]) -> GeocodeResult | None:
        """The house a street of the same name in another spelling of "ä" ("Zur
        Klosterschenke" / "Zur Klosterschänke": one lane OSM names both ways) holds with
        the query's number, within :data:`_CLUSTER_RADIUS_M` of the street found in the
        same town, where that street lacks it; None unless exactly one such street has it.
        The reason names the other spelling (QA 25 F7)."""
        cl = self.clusters[c]
        fk = street_fuzzy_key(cl.name)
        plain = fk.replace("ae", "e")
        hits: dict[str, list[int]] = {}
        for other in self.fuzzy_keys:
            if other == fk or other.replace("ae", "e") != plain:
                continue
            for k in self.fuzzy_keys[other]:
                ents = [e for e in self.exact.get((k, q.number_key), [])
                        if self._cluster_town(self.e_cluster[e]) == self._cluster_town(c)
                        and _dist_to_cluster(cl, self.e_xy[e]) <= _CLUSTER_RADIUS_M]
                if ents:
                    hits[k] = ents
        if len(hits) != 1:
            return None
        ((key, ents),) = hits.items()
        name = self.clusters[self.e_cluster[ents[0]]].name
        note = (f"Nr. {q.number_key} gefunden an „{name}“ (andere Schreibweise von "
                f"„{cl.name}“, gleich daneben).")
        return self._exact(q, ents, factor * 0.95, [*notes, note], [self.e_cluster[ents[0]]])

    def _in_named_place(self, words: Sequence[str], clusters: list[int]) -> list[int]:
        """The streets of ``clusters`` that lie in the place whose adjective ``words`` are
        ("Unterhauner" of Unterhaun, "Heuchlinger" of Heuchling: a city or suburb of the
        street's own addresses, not only a place nearby), [] when a word is no such
        adjective or no street lies there."""
        out = list(clusters)
        for w in words:
            n = w.strip(".,")
            if not n.endswith("er") or len(n) < 6 or normalize_text(n) in _NAME_ADJECTIVES:
                return []
            out = [c for c in out if self._town_matches(n[:-2], self.clusters[c].strong_set)]
        return out

    def _street_words(self, words: Sequence[str]) -> bool:
        """Whether words typed before a street of the extract look like part of a street's
        name rather than a person's: each of them (so the word directly before the street
        too; a first name is none: "Anna Steinberger", "Kim Lang" are a person's, review 25
        #3) an adjective that begins street names ("Obere", "Alte", "Kleine", "Hintere":
        :data:`_NAME_ADJECTIVES`) or a place's adjective in "-er" of a place the extract
        knows ("Kotzenhofer", "Laufer", "Petersberger"). A word alone before the street may
        also be one of a place the extract lacks, by its ending ("Heuchlinger":
        :func:`_place_adjective`); with a word before it such a word is a surname
        ("Anna Steinberger", "Hans Rosenberger")."""
        return bool(words) and all(self._street_word(w, alone=len(words) == 1)
                                   for w in words)

    def _street_word(self, word: str, *, alone: bool) -> bool:
        """One word of :meth:`_street_words`."""
        w = word.strip(".,")
        n = normalize_text(w)
        if n in _NAME_ADJECTIVES:
            return True
        if w[:1].isupper() and n.endswith("er") and len(n) > 5 and self._town_known(w[:-2]):
            return True
        return alone and _place_adjective(n)

    def _hyphen_tail(self, q: ParsedAddress) -> tuple[str, list[int]] | None:
        """A street named by the end of a hyphenated name ("Brahmsstraße" for a typed
        "Johannes-Brahms-Straße"): the words left out and the street's clusters. Never
        found as the answer (another street may be meant), only offered first."""
        parts = q.street.split("-")
        for k in range(1, len(parts)):
            tail = street_key("-".join(parts[k:]))
            if len(tail) >= 4:
                clusters, _ = self._clusters_for(tail, q)
                if clusters:
                    return "-".join(parts[:k]) + "-", clusters
        return None

    def _longer_names(self, q: ParsedAddress) -> list[int]:
        """The streets fitting postcode and town whose name ends in the whole typed name,
        with more words before it: a surname for a person's full name ("Stephanstr." for
        the Heinrich-von-Stephan-Straße, "Scheurlstr." for the Von-Scheurl-Straße), or a
        street of a village's name ("Hauptstraße" for the Heuchlinger Hauptstraße). At
        most :data:`_MAX_CANDIDATES` streets, by name."""
        index = self._pool_memo.get(("ends",))
        if index is None:
            by_end: dict[str, list[str]] = defaultdict(list)
            for key in self.by_key:
                words = _WORD.findall(normalize_text(self._key_name(key)))
                for j in range(1, len(words)):
                    end = street_fuzzy_key(" ".join(words[j:]))
                    if len(end) >= 6 and end not in _STREET_TYPES:
                        by_end[end].append(key)
            index = self._pool_memo[("ends",)] = dict(by_end)
        out: list[int] = []
        for key in sorted(index.get(street_fuzzy_key(q.street), ()), key=self._key_name):
            out.extend(c for c in self._fitting(q, key) if c not in out)
        return out[:_MAX_CANDIDATES]

    def _with_number(self, q: ParsedAddress, clusters: list[int], factor: float,
                     notes: list[str]) -> GeocodeResult:
        key = self.clusters[clusters[0]].key
        hn = q.number_key
        cset = set(clusters)
        if hn:
            # 1. exact, 2. covered by a range ("19-21"), 3. a range typed by the user
            tries: list[tuple[str, float, str]] = [(hn, 1.0, "")]
            m = _range_parts(hn)
            if m:
                tries += [(p, 0.97, "") for p in m]
                lo, hi = (split_housenumber(p)[0] for p in m)
                if lo is not None and hi is not None and lo > hi:
                    # "99-12" is no range: perhaps a flat number, perhaps a typo
                    tries = tries[:1] + [(p, 0.9, f"Hausnummer „{_cut(q.housenumber)}“ als Nr. {p} gelesen; "
                                      "bitte prüfen.") for p in m[:1]]
            for h, f, why in tries:
                ents = [e for e in self.exact.get((key, h), []) if self.e_cluster[e] in cset]
                src = "exact"
                if not ents:
                    ents = [e for e in self.covered.get((key, h), []) if self.e_cluster[e] in cset]
                    src = "covered"
                if ents:
                    held = {self.e_cluster[e] for e in ents}
                    # (a street in pieces within one town is one street: only another
                    # town's street of the name makes the number no proof)
                    towns = {self._cluster_town(c) for c in held}
                    others = [c for c in clusters
                              if c not in held and self._cluster_town(c) not in towns]
                    if others:
                        # "Hauptstraße 40" without a town: Hauneck's Hauptstraße has Nr. 40
                        # mapped, Bad Hersfeld's does not; that says what OSM holds, not
                        # where the client lives: found, in doubt, the other one offered
                        # (QA 25 F3)
                        where = ", ".join(sorted({self._cluster_town(c) for c in others}
                                                 - {""})) or "einem anderen Ort"
                        why = " ".join(x for x in (why, (
                            f"Straße „{_cut(q.street)}“ gibt es auch in {where} (dort Nr. "
                            f"{h} nicht im Kartenauszug); bitte PLZ/Ort prüfen.")) if x)
                    sure = factor * f * (0.97 if src == "covered" else 1.0)
                    found = self._exact(q, ents, min(sure, 0.9) if others else sure,
                                        notes + ([why] if why else []), clusters)
                    if others and found.found:
                        return replace(found, doubt=True, suggestions=tuple(
                            self._suggest(q, prefer=others)[:len(others)]))
                    return found
        if len(clusters) > 1:
            towns = sorted({self._cluster_town(c) for c in clusters} - {""})
            ask = (f"PLZ {q.postcode} und Ort „{_cut(q.town)}“ widersprechen sich; bitte prüfen"
                   if q.postcode and q.town else "bitte PLZ oder Ort angeben")
            return self._unresolved(
                q, f"Straße „{_cut(q.street)}“ gibt es mehrfach ({', '.join(towns) or 'mehrere Orte'});"
                f" {ask}.", prefer=clusters)
        cl = self.clusters[clusters[0]]
        if not hn:
            x, y = cl.centre
            return self._result(x, y, STREET, 0.35 * factor, self._fmt_street(cl),
                                notes + ["Keine Hausnummer angegeben: Punkt auf der Straße."])
        num, suffix = split_housenumber(hn)
        if num is None:
            x, y = self._street_point(cl, None)
            return self._result(x, y, STREET, 0.3 * factor, self._fmt_street(cl),
                                notes + [f"Hausnummer „{_cut(q.housenumber)}“ nicht lesbar: Punkt auf "
                                         "der Straße."])
        # 4. a sub-number ("12a", "12/1") of a known base number
        if suffix:
            ents = [e for e in self.exact.get((key, str(num)), []) if self.e_cluster[e] == clusters[0]]
            if ents:
                e = ents[0]
                x, y = self.e_xy[e]
                return self._result(x, y, INTERPOLATED, 0.75 * factor, self._fmt_entry(e, hn),
                                    notes + [f"Hausnummer {hn} nicht im Kartenauszug; Position "
                                             f"von Nr. {self.e_hn[e]}."])
        # 4b. the base number ("3") where only its parts are mapped ("3a", "3b")
        if not suffix:
            parts = [e for n_, e in cl.numbers.get(num % 2, []) if n_ == num]
            if parts:
                e = min(parts, key=lambda e: self.e_hn[e])
                x, y = self.e_xy[e]
                return self._result(x, y, INTERPOLATED, 0.75 * factor, self._fmt_entry(e, hn),
                                    notes + [f"Hausnummer {hn} nicht im Kartenauszug; Position "
                                             f"von Nr. {self.e_hn[e]}."])
        # 5. addr:interpolation ways
        for a, b, step, xy in cl.interpolations:
            lo, hi = min(a, b), max(a, b)
            if lo < num < hi and (step == 1 or (num - a) % step == 0):
                t = (num - a) / (b - a)
                x, y = _point_along(xy, t)
                return self._result(x, y, INTERPOLATED, 0.75 * factor, self._fmt_cluster(cl, hn),
                                    notes + [f"Hausnummer {hn} interpoliert zwischen Nr. {lo} und "
                                             f"{hi} (OSM-Interpolationslinie)."])
        # 6. between known numbers on the same side of the street
        side = cl.numbers.get(num % 2, [])
        lower = [(n_, e) for n_, e in side if n_ < num]
        upper = [(n_, e) for n_, e in side if n_ > num]
        if lower and upper:
            (n1, e1), (n2, e2) = lower[-1], upper[0]
            d = float(np.hypot(*(self.e_xy[e2] - self.e_xy[e1])))
            if n2 - n1 <= _NEIGHBOUR_MAX_GAP and d <= _NEIGHBOUR_MAX_DIST_M:
                t = (num - n1) / (n2 - n1)
                x, y = self.e_xy[e1] + t * (self.e_xy[e2] - self.e_xy[e1])
                return self._result(x, y, INTERPOLATED, 0.65 * factor, self._fmt_cluster(cl, hn),
                                    notes + [f"Hausnummer {hn} nicht im Kartenauszug; "
                                             f"interpoliert zwischen Nr. {self.e_hn[e1]} und "
                                             f"{self.e_hn[e2]}."])
        # 7. the street only
        x, y = self._street_point(cl, num)
        known = self._known_numbers(cl, num)
        span = f" (bekannt: {known})" if known else ""
        return self._result(x, y, STREET, 0.4 * factor, self._fmt_street(cl),
                            notes + [f"Hausnummer {hn} nicht gefunden{span}: Punkt auf der "
                                     "Straße."])

    def _exact(self, q: ParsedAddress, ents: list[int], factor: float, notes: list[str],
               clusters: list[int]) -> GeocodeResult:
        if len(ents) == 1:
            x, y = self.e_xy[ents[0]]
            return self._result(x, y, EXACT, round(min(1.0, factor), 3), self._fmt_entry(ents[0]),
                                notes)
        xy = self.e_xy[ents]
        spread = float(np.max(np.hypot(*(xy - xy[0]).T)))
        if spread > _DUPLICATE_RADIUS_M:
            # Prefer the entries whose own town/postcode fit the query.
            fit = [e for e in ents if self._entry_fits(q, e)]
            if fit and len(fit) < len(ents):
                return self._exact(q, fit, factor, notes, clusters)
            sugg = tuple(dict.fromkeys(self._fmt_entry(e) for e in ents))[:3]
            if len(sugg) == 1:  # the same postcode and town: a suggestion would not help
                sugg = ()
                hint = ("die OSM-Daten führen sie mehrfach mit gleicher PLZ und gleichem Ort; "
                        "bitte die Lage prüfen und den Punkt von Hand setzen")
            elif q.postcode and q.town and not fit:
                hint = (f"PLZ {q.postcode} und Ort „{_cut(q.town)}“ widersprechen sich (die PLZ "
                        "gehört zu einem anderen Ort); bitte die richtige Anschrift wählen")
            elif not (q.postcode and q.town):
                hint = "bitte PLZ/Ort angeben"
            else:
                hint = "die OSM-Daten führen die Adresse mehrfach; bitte Lage prüfen"
            places = tuple(dict.fromkeys(
                tuple(round(float(v), 7) for v in self.proj.lonlat(float(x), float(y)))
                for x, y in xy))[:_MAX_CANDIDATES]
            return GeocodeResult(
                None, None, UNRESOLVED, 0.0, candidates=places,
                reason=f"Adresse mehrdeutig: {len(ents)} Orte mit „{_cut(q.street)} {_cut(q.housenumber)}“ "
                f"im Kartenauszug ({round(spread)} m auseinander); {hint}.",
                suggestions=sugg)
        # One address drawn more than once (a node inside its building, or several
        # buildings): the centre of the points, so that it is close to each.
        e = ents[0]
        x, y = self.e_xy[ents].mean(axis=0)
        return self._result(x, y, EXACT, round(min(1.0, factor), 3), self._fmt_entry(e), notes)

    def _result(self, x: float, y: float, quality: str, score: float, match: str,
                notes: list[str]) -> GeocodeResult:
        lon, lat = self.proj.lonlat(float(x), float(y))
        return GeocodeResult(round(lon, 7), round(lat, 7), quality, round(max(0.0, min(1.0, score)), 3),
                             match, " ".join(notes))

    def _unresolved(self, q: ParsedAddress, reason: str, prefer: Sequence[int] = (), *,
                    outside: bool = False, same_name: bool = False) -> GeocodeResult:
        return GeocodeResult(None, None, UNRESOLVED, 0.0, reason=reason,
                             suggestions=self._suggest(q, prefer, same_name=same_name),
                             outside=outside)

    def _suggest(self, q: ParsedAddress, prefer: Sequence[int] = (), *,
                 same_name: bool = False) -> tuple[str, ...]:
        """Up to three addresses (or streets) like the query's: its house on streets of
        a similar name. ``same_name``: only streets the typed name names
        (:func:`names_street`: its key, a typo the geocoder takes, a short form)."""
        out: list[str] = []
        cands = list(prefer)
        if q.street_key and self.fuzzy_keys:
            for fk, _score, _ in process.extract(street_fuzzy_key(q.street), list(self.fuzzy_keys),
                                                 scorer=fuzz.ratio, limit=5, score_cutoff=60):
                for k in sorted(self.fuzzy_keys[fk]):
                    cands.extend(self.by_key[k])
        hn = q.number_key
        for c in cands:
            cl = self.clusters[c]
            if same_name and not names_street(q.street or "", cl.name):
                continue
            ents = [e for e in self.exact.get((cl.key, hn), []) if self.e_cluster[e] == c] if hn else []
            text = self._fmt_entry(ents[0]) if ents else self._fmt_street(cl)
            if text not in out:
                out.append(text)
            if len(out) == 3:
                break
        return tuple(out)

    # --- towns ----------------------------------------------------------------------------

    def _town_known(self, town: str) -> bool:
        return _town_matches(town, self.town_set)

    @staticmethod
    def _town_matches(town: str, known: _TownSet) -> bool:
        return _town_matches(town, known)

    def _town_fit(self, q: ParsedAddress, cl: _Cluster) -> tuple[bool, float, str]:
        """Does a street cluster fit the query's postcode and town? (ok, factor, note)"""
        towns = q.town_names
        town_ok = None
        if towns and cl.town_set:
            town_ok = any(self._town_matches(t, cl.town_set) for t in towns)
        pc_ok = None
        if q.postcode and cl.postcodes:
            pc_ok = q.postcode in cl.postcodes
        if town_ok is False:
            return False, 0.0, ""
        if pc_ok is False:
            # the postcode says another place: only the street's own town may outweigh it
            # ("Am Weiler 3a, 91207 Lauf" is not the street of neighbouring Rückersdorf
            # that Lauf's name reaches only as a place nearby)
            strong = not cl.strong_set or any(
                self._town_matches(t, cl.strong_set) for t in towns)
            if town_ok and strong:
                return True, 0.9, (f"PLZ {q.postcode} passt nicht zum Ort "
                                   f"(OSM: {', '.join(sorted(cl.postcodes))}).")
            return False, 0.0, ""
        return True, 1.0, ""

    def _entry_fits(self, q: ParsedAddress, e: int) -> bool:
        if q.postcode and self.e_postcode[e] and q.postcode != self.e_postcode[e]:
            return False
        towns = q.town_names
        names = [x for x in (self.e_city[e], self.e_suburb[e]) if x]
        if towns and names:
            known = _town_set(names)
            return any(self._town_matches(t, known) for t in towns)
        return True

    def _clusters_for(self, key: str, q: ParsedAddress) -> tuple[list[int], list[int]]:
        ok, rejected = [], []
        for c in self.by_key.get(key, []):
            fits, _, _ = self._town_fit(q, self.clusters[c])
            (ok if fits else rejected).append(c)
        return self._prefer_strong(q, ok), rejected

    def _prefer_strong(self, q: ParsedAddress, cands: list[int]) -> list[int]:
        """Among fitting streets keep those whose own addresses carry the query's
        postcode / town (a nearby village name alone is a weaker hint)."""
        if len(cands) < 2:
            return cands
        if (d := self._named_district(q)) and len(
                in_d := [c for c in cands if self._in_district(d, c)]) < len(cands) and in_d:
            # "Buchenweg 5, 36251 Bad Hersfeld-Unterhaun": the Ortsteil the extract knows
            # decides between the Buchenweg of Bad Hersfeld and that of Hauneck (Unterhaun),
            # before the postcode does; a postcode or town that does not fit the street
            # chosen puts the answer in doubt (QA 25 F2)
            return in_d
        if q.postcode:
            by_pc = [c for c in cands if q.postcode in self.clusters[c].postcodes]
            in_town = [c for c in cands if q.town_names and self._strong_town(q, c)]
            if by_pc and in_town and not set(by_pc) & set(in_town):
                # the postcode names one street, the town another: a contradiction the
                # caller must see, not a confident answer in the postcode's town
                return sorted(set(by_pc) | set(in_town))
            if by_pc:
                cands = by_pc
        if q.town_names and len(cands) > 1:
            strong = [c for c in cands if self._strong_town(q, c)]
            if strong:
                cands = strong
        return cands

    def _named_district(self, q: ParsedAddress) -> str:
        """The Ortsteil the query names besides its town ("Bad Hersfeld-Unterhaun", "… OT
        Unterhaun", "… (Unterhaun)"), or "" (none, or the town alone)."""
        d = q.district
        if not d or q.town_typed or town_key(d) == town_key(q.town):
            return ""  # (brackets the town's qualifier may be: see _resolve's town note)
        if town_tokens(d) and town_tokens(d) == town_tokens(q.town.replace("-", " ")):
            return ""  # "Bad-Hersfeld": no Ortsteil "Hersfeld"
        if not self._town_known(d) and any(
                town_qualifiers_agree(town_key(d), qual) for _, qual, _ in self.town_set
                if qual):
            return ""  # "Lauf-Pegnitz": the qualifier of "Lauf a.d.Pegnitz"
        return d

    def _in_district(self, district: str, c: int) -> bool:
        """Whether a street lies in or by the named Ortsteil (its addresses' city or
        suburb, or a place of that name nearby)."""
        return self._town_matches(district, self.clusters[c].town_set)

    def _district_note(self, q: ParsedAddress, c: int) -> str:
        """Why the Ortsteil the query names does not fit the street found (QA 25 F2): it
        is a place of the extract the street does not lie in („Dudenstr. 5, Bad
        Hersfeld-Sorga“), or no place of the extract („Lindenweg 5, Bad
        Hersfeld-Friedlos“: Friedlos belongs to Ludwigsau); or the street lies in the
        Ortsteil but not in the town named with it („Buchenweg 5, Bad Hersfeld-Unterhaun“:
        Unterhaun is in Hauneck); "" when it fits."""
        d = self._named_district(q)
        if not d:
            return ""
        where = self._cluster_town(c) or "einem anderen Ort"
        if not self._town_known(d):
            return (f"Ortsteil „{_cut(d)}“ kennt der Kartenauszug nicht; die Straße liegt in "
                    f"{where}.")
        if not self._in_district(d, c):
            return f"Ortsteil „{_cut(d)}“ passt nicht: die Straße liegt in {where}."
        cl = self.clusters[c]
        main = [t for t in q.town_names if t and town_key(t) != town_key(d)
                and not self._town_matches(t, _town_set([d]))]
        if main and q.town and cl.strong_set and not any(self._town_matches(t, cl.strong_set)
                                                         for t in main):
            return (f"Ort „{_cut(q.town)}“ passt nicht genau: Ortsteil „{_cut(d)}“ gehört zu "
                    f"{where}.")
        return ""

    def _only_near(self, q: ParsedAddress, c: int) -> bool:
        """Whether the query's town fits the street only as a place nearby, while the
        street's own addresses name another town."""
        cl = self.clusters[c]
        return bool(cl.strong_set) and not self._strong_town(q, c)

    def _strong_town(self, q: ParsedAddress, c: int) -> bool:
        """Whether the street's own addresses carry the query's town (not only a nearby
        place name)."""
        cl = self.clusters[c]
        return any(self._town_matches(t, cl.strong_set) for t in q.town_names)

    def _fuzzy_clusters(self, q: ParsedAddress) -> tuple[list[int], float, str, str]:
        """Fuzzy street match, restricted to streets fitting postcode/town; only when one
        street name clearly wins: (clusters, score, name, kind).

        Names are compared as a whole and without their street type, so that a shared
        "…straße" does not make "Hüttenstraße" look like "Schützenstraße", nor
        "Burgstraße" like "Bergstraße". ``kind`` says what the difference is:

        * ``"typo"``: a typing error of that street (:func:`_is_typing_error`), taken
          first, also over the same name with another type ("Bahnhofsstraße" is the
          Bahnhofstraße, not the Bahnhofsplatz);
        * ``"type"``: the same name with another street type ("Hüttenstraße" for the only
          "Hüttenweg"; score -1);
        * ``"other"``: a name that only looks alike ("Eichenweg" for "Eschenweg").

        Only a ``"typo"`` may be found; the others may be another street the extract does
        not hold ("Rosenweg" where only a Rosenstraße is mapped) and are offered as a
        suggestion (:meth:`_resolve`)."""
        if len(q.street_key) < 4 or not self.keys:
            return [], 0.0, "", ""
        memo_key = ("pool", q.postcode, q.town_names)
        pool = self._pool_memo.get(memo_key)
        if pool is None:
            pool = {}
            for fk, keys in self.fuzzy_keys.items():
                ok = [k for k in keys
                      if any(self._town_fit(q, self.clusters[c])[0] for c in self.by_key[k])]
                if ok:
                    pool[fk] = ok
            if len(self._pool_memo) > 1000:
                self._pool_memo.clear()
            self._pool_memo[memo_key] = pool
        qk = street_fuzzy_key(q.street)
        short = self._short_form_clusters(q, qk, pool, memo_key)
        if short and short[1] == 1.0:
            return short  # a short form typed right ("Weinberg" for the only "Am Weinberg")
        q_stem, q_type = _street_type(qk)
        hits = process.extract(qk, list(pool), scorer=fuzz.ratio, limit=5,
                               score_cutoff=_FUZZY_MIN - _FUZZY_MARGIN)
        scored = sorted(((min(score, _name_ratio(qk, fk)), score, fk)
                         for fk, score, _ in hits), reverse=True)
        typo: tuple[list[int], float, str, str] | None = None
        if (scored and scored[0][0] >= _FUZZY_MIN and len(pool[scored[0][2]]) == 1
                and not (len(scored) > 1 and scored[1][0] > scored[0][0] - _FUZZY_MARGIN)):
            _, best_score, best_fk = scored[0]
            cl = self._fitting(q, pool[best_fk][0])
            if cl:
                kind = "typo" if _is_typing_error(qk, best_fk) else "other"
                typo = (cl, float(best_score), self.clusters[cl[0]].name, kind)
        if not (typo and typo[3] == "typo"):
            # Two letters swapped in a short name ("Begrstraße") score lower than another
            # letter ("Beerstraße") and too low to be found (a street the extract lacks
            # may look like that too); of the look-alikes, the one that only has two
            # letters swapped is offered first
            typing = {fk for _, _, fk in scored
                      if _is_typing_error(qk, fk) and _what_differs(qk, fk) == _SWAPPED}
            if len(typing) == 1 and len(pool[fk := typing.pop()]) == 1:
                cl = self._fitting(q, pool[fk][0])
                if cl:
                    typo = (cl, float(fuzz.ratio(qk, fk)), self.clusters[cl[0]].name, "other")
        if typo and typo[3] == "typo":
            # a typing error of a street with the typed type wins over the same name with
            # another type ("Bahnhofsstraße" is Bahnhofstraße, not Bahnhofsplatz), and over
            # a short form with a typing error ("Lingggplatz" is the Linggplatz, not "Am
            # Linggplatz")
            return typo
        if short:
            return short
        if q_type and len(q_stem) >= 4:
            other = [fk for fk in pool
                     if fk != qk and (st := _street_type(fk))[0] == q_stem and st[1]]
            if len(other) == 1 and len(pool[other[0]]) == 1:
                cl = self._fitting(q, pool[other[0]][0])
                if cl:
                    return cl, -1.0, self.clusters[cl[0]].name, "type"
        return typo or ([], 0.0, "", "")

    def _short_form_clusters(self, q: ParsedAddress, qk: str, pool: dict[str, list[str]],
                             memo_key: tuple[Any, ...]) -> tuple[list[int], float, str, str] | None:
        """The one street of ``pool`` of which the typed name is a short form
        (:func:`_short_form`: "Weinberg" for "Am Weinberg", "Heinr.-von-Stephan-Str.", "An
        d. Haune"): kind ``"short"``, score 1.0 when the rest is typed right, else 0.0.
        Streets that fit with the rest typed right come first: several of them, or none and
        several that fit with a typing error, give kind ``"several"`` with the first (not
        found). None: no short form of any street."""
        cands = {fk for fk, _, _ in process.extract(qk, list(pool), scorer=fuzz.ratio, limit=10,
                                                    score_cutoff=60)}
        # the pool's names without a leading article, with the keys that have them
        index = self._pool_memo.get(("stripped", *memo_key))
        if index is None:
            by_rest: dict[str, list[str]] = defaultdict(list)
            for fk, keys in pool.items():
                words = _WORD.findall(normalize_text(self._key_name(keys[0])))
                if rest := _lead_stripped(words):
                    by_rest[street_fuzzy_key(" ".join(rest))].append(fk)
            index = self._pool_memo[("stripped", *memo_key)] = dict(by_rest)
        cands.update(index.get(qk, ()))
        typed_words = _WORD.findall(normalize_text(q.street))
        if any(w.endswith(".") and not _NOT_A_NAME_ABBR.fullmatch(w) for w in typed_words):
            # a name of initials ("J.-S.-Bach-Str.") is too short to look like the whole
            # one ("Johann-Sebastian-Bach-Straße") by its score: the streets with every
            # word typed out, too (QA 25 F7)
            full = {w for w in typed_words if not w.endswith(".") and len(w) >= 3
                    and street_fuzzy_key(w) not in _STREET_TYPES}
            if full:
                by_word = self._pool_memo.get(("words", *memo_key))
                if by_word is None:
                    by_word = defaultdict(set)
                    for fk, keys in pool.items():
                        for w in _WORD.findall(normalize_text(self._key_name(keys[0]))):
                            by_word[w].add(fk)
                    by_word = self._pool_memo[("words", *memo_key)] = dict(by_word)
                cands.update(set.intersection(*(by_word.get(w, set()) for w in full)))
        for sk, _, _ in process.extract(qk, list(index), scorer=fuzz.ratio, limit=5,
                                        score_cutoff=75):
            cands.update(index[sk])
        fits = []
        for fk in sorted(cands):
            for k in pool[fk]:
                name = self._key_name(k)
                form, exact = _short_form(q.street, name)
                if form:
                    fits.append((k, name, exact))
        if any(exact for _, _, exact in fits):
            fits = [f for f in fits if f[2]]
        if not fits:
            return None
        cl = self._fitting(q, fits[0][0])
        if not cl:
            return None
        if len({k for k, _, _ in fits}) > 1:  # all of them offered
            every = list(dict.fromkeys(c for k, _, _ in fits for c in self._fitting(q, k)))
            return every, 0.0, "“, „".join(dict.fromkeys(n for _, n, _ in fits)), "several"
        return cl, 1.0 if fits[0][2] else 0.0, self.clusters[cl[0]].name, "short"

    def _key_name(self, key: str) -> str:
        """The name of a street key's first cluster (as the extract writes it)."""
        return self.clusters[self.by_key[key][0]].name

    def _fitting(self, q: ParsedAddress, key: str) -> list[int]:
        """The street clusters of ``key`` that fit the query's postcode and town."""
        cl = [c for c in self.by_key[key] if self._town_fit(q, self.clusters[c])[0]]
        return self._prefer_strong(q, cl)

    # --- formatting and geometry ----------------------------------------------------------

    def _cluster_town(self, c: int) -> str:
        cl = self.clusters[c]
        return " ".join(p for p in (cl.main_postcode, cl.main_town) if p)

    def _fmt_entry(self, e: int, number: str | None = None) -> str:
        head = f"{self.e_street[e]} {number or self.e_hn[e]}".strip()
        town = self.e_city[e]
        if self.e_suburb[e] and self.e_suburb[e] != town:
            town = f"{town} ({self.e_suburb[e]})" if town else self.e_suburb[e]
        tail = " ".join(p for p in (self.e_postcode[e], town) if p)
        return f"{head}, {tail}" if tail else head

    def _fmt_cluster(self, cl: _Cluster, number: str) -> str:
        tail = " ".join(p for p in (cl.main_postcode, cl.main_town) if p)
        return f"{cl.name} {number}" + (f", {tail}" if tail else "")

    def _fmt_street(self, cl: _Cluster) -> str:
        tail = " ".join(p for p in (cl.main_postcode, cl.main_town) if p)
        return cl.name + (f", {tail}" if tail else "")

    def _known_numbers(self, cl: _Cluster, num: int) -> str:
        """The house numbers the map data hold on ``cl``, for a number ``num`` not among
        them: each of them when they are few („Nr. 1, 6, 16a, 20“: a range „1–20“ read as
        „9 must exist“, QA 31), else the range with how many there are and, for a number
        inside it, the nearest existing ones on its side of the street (on either side
        when its side has none below or above it): „Nr. 1–120, 57 Hausnummern; nächste:
        7 und 11“. Ranges, lists and slashed numbers count too, by their first number
        („Nr. 1, 2, 10, 13, 19-21“; „Nr. 2-4“ on a street with only that building: QA 44a
        F7). "" when the street has no number."""
        shown: dict[str, tuple[int, str]] = {}
        for par in cl.numbers.values():
            for n_, e in par:
                key = housenumber_key(self.e_hn[e])
                shown.setdefault(key, (n_, key))
        for e in cl.entries:  # the numbers cl.numbers leaves out: "19-21", "8;10", "12/1"
            first, suffix = split_housenumber(self.e_hn[e])
            if first is not None and suffix and not (len(suffix) == 1 and suffix.isalpha()):
                key = housenumber_key(self.e_hn[e])
                shown.setdefault(key, (first, key))
        order = sorted(shown.values())
        if not order:
            return ""
        if len(order) <= _KNOWN_NUMBERS_LISTED:
            return "Nr. " + ", ".join(k for _, k in order)
        text = f"Nr. {order[0][1]}–{order[-1][1]}, {len(order)} Hausnummern"
        if not order[0][0] < num < order[-1][0]:
            return text
        same = [o for o in order if o[0] % 2 == num % 2]
        pool = same if any(o[0] < num for o in same) and any(o[0] > num for o in same) \
            else order
        below = max(o for o in pool if o[0] < num)
        above = min(o for o in pool if o[0] > num)
        return f"{text}; nächste: {below[1]} und {above[1]}"

    def _street_point(self, cl: _Cluster, num: int | None) -> tuple[float, float]:
        """A point on the street: near the known number closest to ``num``, else the middle."""
        target: np.ndarray | None = None
        if num is not None:
            known = [(abs(n_ - num) + (0 if n_ % 2 == num % 2 else 0.5), e)
                     for par in cl.numbers.values() for n_, e in par]
            if known:
                target = self.e_xy[min(known)[1]]
        if target is None:
            return cl.centre
        if not cl.lines:
            return float(target[0]), float(target[1])
        best: tuple[float, float, float] | None = None
        for line in cl.lines:
            px, py, d = _project(line, target)
            if best is None or d < best[2]:
                best = (px, py, d)
        assert best is not None
        return best[0], best[1]

    # -----------------------------------------------------------------------------------
    # Persistence

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the index atomically (temp file in the same folder, then ``os.replace``)."""
        p = Path(path)
        p.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v for k, v in self.__dict__.items()
                 if k not in ("_memo", "_pool_memo", "_box")}
        with atomic_write(p, file_mode=PUBLIC) as fh:
            pickle.dump((INDEX_VERSION, state), fh, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> AddressIndex:
        """Read an index written by :meth:`save` (ValueError if from another version)."""
        with open(path, "rb") as fh:
            version, state = pickle.load(fh)
        if version != INDEX_VERSION:
            raise ValueError(f"index version {version} != {INDEX_VERSION}")
        idx = cls.__new__(cls)
        idx.__dict__.update(state)
        idx._memo = {}
        idx._pool_memo = {}
        return idx


# ---------------------------------------------------------------------------------------
# Cache


def index_cache_path(osm_path: str | os.PathLike[str]) -> Path:
    """Where the index of this extract is cached (keyed by the extract's content)."""
    key = cache_key("geocode-index", INDEX_VERSION, file_digest(osm_path))
    return cache_dir("geocode") / f"addresses-{key}.pickle"


_LOADED: dict[str, AddressIndex] = {}


def load_index(osm_path: str | os.PathLike[str], *, rebuild: bool = False) -> AddressIndex:
    """The address index of an extract: from memory, from the disk cache, or built.

    The cache file is keyed by the extract's SHA-256, so an edited extract gets a new
    index; it is written atomically, so parallel processes may build at the same time.
    """
    from geodata.osm import check_extract

    path = check_extract(osm_path)
    cpath = index_cache_path(path)
    if not rebuild:
        hit = _LOADED.get(str(cpath))
        if hit is not None:
            return hit
        if cpath.exists():
            try:
                idx = AddressIndex.load(cpath)
                idx.source = str(path)
                _LOADED[str(cpath)] = idx
                return idx
            except Exception as exc:  # a broken or outdated cache file: rebuild it
                log.warning("rebuilding geocoder index (%s)", exc)
    idx = AddressIndex.build(path)
    idx.save(cpath)
    _LOADED[str(cpath)] = idx
    return idx


# ---------------------------------------------------------------------------------------
# Tables


def geocode_table(
    index: AddressIndex,
    addresses: Sequence[str | ParsedAddress | Mapping[str, str]],
) -> list[GeocodeResult]:
    """Geocode a column of addresses; returns exactly one result per input, in order.

    Equal address strings are resolved once; an empty address gives an ``unresolved``
    result, never an exception.
    """
    out: list[GeocodeResult] = []
    seen: dict[str, GeocodeResult] = {}
    for a in addresses:
        if isinstance(a, str):
            r = seen.get(a)
            if r is None:
                r = index.geocode(a)
                seen[a] = r
            out.append(r)
        else:
            out.append(index.geocode(a))
    return out


# ---------------------------------------------------------------------------------------
# Helpers


#: Known town names, each as (main name key, qualifier key, significant words of the
#: main name): see :func:`geodata.addresses.town_parts`.
_TownSet = frozenset[tuple[str, str, frozenset[str]]]


def _town_set(names: Iterable[str]) -> _TownSet:
    return frozenset((*town_parts(x), town_tokens(x)) for x in names if town_key(x))


@lru_cache(maxsize=100_000)
def _town_matches(town: str, known: _TownSet) -> bool:
    """Does a typed town name match one of the known names?

    Only the main name can make a match (:func:`~geodata.addresses.town_parts`): equal,
    a shared significant word (``Hersfeld`` ~ ``Bad Hersfeld``), a prefix of at least
    four letters, or a close spelling (rapidfuzz ratio >= 85, for typos). The qualifier
    never makes one (``Röthenbach a.d. Pegnitz`` is not ``Lauf a.d.Pegnitz``), but one
    that disagrees breaks it (``Neunkirchen am Brand`` is not ``Neunkirchen am Sand``);
    a missing or abbreviated one (``Lauf``, ``Lauf a.d.Pegn.``) agrees.
    """
    main, qual = town_parts(town)
    if not main:
        return True
    toks = town_tokens(town)
    mains: list[str] = []
    for k_main, k_qual, k_toks in known:
        if not town_qualifiers_agree(qual, k_qual):
            continue
        if main == k_main or toks & k_toks:
            return True
        if len(main) >= 4 and (k_main.startswith(main) or main.startswith(k_main)):
            return True
        mains.append(k_main)
    return process.extractOne(main, mains, scorer=fuzz.ratio, score_cutoff=85) is not None


def _parsed_from_mapping(m: Mapping[str, str]) -> ParsedAddress:
    def get(*names: str) -> str:
        for n in names:
            v = m.get(n)
            if v:
                return str(v).strip()
        return ""

    street = get("street", "strasse", "straße", "adresse", "address")
    number = get("housenumber", "hausnummer", "number")
    if no_number_typed(number):  # "-", "ohne", "o. Nr.": no number (QA 25 F7)
        number = ""
    postcode = get("postcode", "plz")
    town = get("town", "ort", "city")
    line = ", ".join(p for p in (f"{street} {number}".strip(), f"{postcode} {town}".strip()) if p)
    parsed = parse_address(line)
    if street and number and not parsed.housenumber:
        parsed = ParsedAddress(raw=line, street=street, housenumber=housenumber_key(number),
                               postcode=parsed.postcode, town=parsed.town,
                               district=parsed.district)
    return parsed


def _range_parts(hn: str) -> list[str]:
    import re

    m = re.fullmatch(r"(\d+[a-z]?)[-/+&](\d+[a-z]?)", hn)
    if m and "/" not in hn:
        return [m.group(1), m.group(2)]
    return []


def _line_length(xy: np.ndarray) -> float:
    return float(np.sum(np.hypot(*np.diff(xy, axis=0).T))) if len(xy) > 1 else 0.0


def _point_along(xy: np.ndarray, t: float) -> tuple[float, float]:
    if len(xy) == 1:
        return float(xy[0, 0]), float(xy[0, 1])
    seg = np.hypot(*np.diff(xy, axis=0).T)
    total = float(seg.sum())
    if total == 0:
        return float(xy[0, 0]), float(xy[0, 1])
    target = min(max(t, 0.0), 1.0) * total
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    i = int(min(np.searchsorted(cum, target, side="right") - 1, len(seg) - 1))
    f = (target - cum[i]) / seg[i] if seg[i] else 0.0
    p = xy[i] + f * (xy[i + 1] - xy[i])
    return float(p[0]), float(p[1])


def _project(line: np.ndarray, p: np.ndarray) -> tuple[float, float, float]:
    """Nearest point on a polyline to ``p``: (x, y, distance)."""
    if len(line) == 1:
        d = float(np.hypot(*(line[0] - p)))
        return float(line[0, 0]), float(line[0, 1]), d
    a, b = line[:-1], line[1:]
    ab = b - a
    denom = np.einsum("ij,ij->i", ab, ab)
    t = np.where(denom > 0, np.einsum("ij,ij->i", p - a, ab) / np.where(denom > 0, denom, 1), 0)
    t = np.clip(t, 0, 1)
    proj = a + t[:, None] * ab
    d = np.hypot(*(proj - p).T)
    i = int(np.argmin(d))
    return float(proj[i, 0]), float(proj[i, 1]), float(d[i])


def _densify(xy: np.ndarray, step: float) -> np.ndarray:
    if len(xy) < 2:
        return xy
    out = [xy[:1]]
    for a, b in zip(xy[:-1], xy[1:], strict=True):
        d = float(np.hypot(*(b - a)))
        k = max(1, int(math.ceil(d / step)))
        t = np.arange(1, k + 1)[:, None] / k
        out.append(a + t * (b - a))
    return np.vstack(out)


def _dist_to_cluster(cl: _Cluster, p: np.ndarray) -> float:
    best = math.inf
    for line in cl.lines:
        best = min(best, _project(line, p)[2])
    return best if best < math.inf else float(np.hypot(cl.centre[0] - p[0], cl.centre[1] - p[1]))


_TREE_MEMO: dict[int, cKDTree] = {}


def _entry_tree(idx: AddressIndex) -> cKDTree:
    tree = _TREE_MEMO.get(id(idx))
    if tree is None or tree.n != len(idx.e_xy):
        tree = cKDTree(idx.e_xy)
        _TREE_MEMO.clear()
        _TREE_MEMO[id(idx)] = tree
    return tree


# ---------------------------------------------------------------------------------------
# Reading the extract


@dataclass
class _RawOsm:
    entries: list[dict[str, Any]] = field(default_factory=list)
    streets: list[tuple[str, np.ndarray]] = field(default_factory=list)
    interpolations: list[tuple[str, int, int, int, np.ndarray]] = field(default_factory=list)
    places: list[tuple[str, str, float, float]] = field(default_factory=list)
    skipped: int = 0


def _entry(tags: Any, lon: float, lat: float, osm: str) -> dict[str, Any] | None:
    street = tags.get("addr:street") or tags.get("addr:place") or ""
    hn = tags.get("addr:housenumber") or ""
    if not street or not hn:
        return None
    suburb = tags.get("addr:suburb") or tags.get("addr:hamlet") or ""
    if tags.get("addr:street") and tags.get("addr:place"):
        suburb = suburb or tags.get("addr:place")
    return {
        "street": street.strip(), "hn": hn.strip(), "postcode": (tags.get("addr:postcode") or "").strip(),
        "city": (tags.get("addr:city") or "").strip(), "suburb": suburb.strip(),
        "lon": lon, "lat": lat, "osm": osm,
    }


def _read_osm(path: Path) -> _RawOsm:
    import osmium
    import shapely

    from geodata.osm import read_objects

    raw = _RawOsm()
    addr_nodes: dict[int, dict[str, Any]] = {}
    interp_ways: list[tuple[dict[str, str], list[tuple[int, float, float]]]] = []
    wkb = osmium.geom.WKBFactory()
    fp = (osmium.FileProcessor(str(path)).with_locations().with_areas()
          .with_filter(osmium.filter.KeyFilter("addr:housenumber", "highway",
                                               "addr:interpolation", "place")))
    for obj in read_objects(path, fp):
        tags = obj.tags
        if obj.is_node():
            if "addr:housenumber" in tags or "place" in tags:
                loc = obj.location
                if not loc.valid():
                    continue
                if "addr:housenumber" in tags:
                    e = _entry(tags, loc.lon, loc.lat, f"n{obj.id}")
                    if e is None:
                        raw.skipped += 1
                    else:
                        raw.entries.append(e)
                        addr_nodes[obj.id] = e
                if "place" in tags and tags.get("name"):
                    raw.places.append((tags["name"], tags["place"], loc.lon, loc.lat))
        elif obj.is_way():
            has_addr = "addr:housenumber" in tags
            is_street = "highway" in tags and "name" in tags and tags["highway"] not in _HIGHWAY_SKIP
            is_interp = "addr:interpolation" in tags
            if not (has_addr or is_street or is_interp):
                continue
            nodes = [(n.ref, n.lon, n.lat) if n.location.valid() else (n.ref, None, None)
                     for n in obj.nodes]
            if is_street:
                run: list[tuple[float, float]] = []
                for _, lon, lat in nodes + [(0, None, None)]:
                    if lon is None:
                        if len(run) >= 2:
                            raw.streets.append((tags["name"], np.array(run)))
                        run = []
                    else:
                        run.append((lon, lat))
            if is_interp:
                interp_ways.append(({k: v for k, v in tags}, nodes))
            if has_addr:
                valid = [(lon, lat) for _, lon, lat in nodes if lon is not None]
                if not valid:
                    continue
                closed = len(nodes) >= 4 and nodes[0][0] == nodes[-1][0]
                if closed and len(valid) >= 3:
                    geom = shapely.Polygon(valid)
                    if not geom.is_valid:
                        geom = shapely.make_valid(geom)
                    pt = geom.point_on_surface() if not geom.is_empty else shapely.Point(valid[0])
                else:
                    line = shapely.LineString(valid) if len(valid) >= 2 else shapely.Point(valid[0])
                    pt = line.interpolate(0.5, normalized=True) if len(valid) >= 2 else line
                e = _entry(tags, pt.x, pt.y, f"w{obj.id}")
                if e is None:
                    raw.skipped += 1
                else:
                    raw.entries.append(e)
        elif obj.is_area():
            if obj.from_way() or "addr:housenumber" not in tags:
                continue
            try:
                geom = shapely.from_wkb(bytes.fromhex(wkb.create_multipolygon(obj)))
            except Exception:  # an incomplete multipolygon of a clipped extract
                continue
            if geom.is_empty:
                continue
            pt = geom.point_on_surface()
            e = _entry(tags, pt.x, pt.y, f"r{obj.orig_id()}")
            if e is None:
                raw.skipped += 1
            else:
                raw.entries.append(e)

    # Interpolation ways: split at every node that carries a number.
    for tags, nodes in interp_ways:
        kind = tags.get("addr:interpolation", "")
        step = {"odd": 2, "even": 2, "all": 1}.get(kind)
        if step is None and kind.isdigit():
            step = int(kind)
        if not step:
            continue
        marks = [(i, addr_nodes[ref]) for i, (ref, _, _) in enumerate(nodes) if ref in addr_nodes]
        for (i1, e1), (i2, e2) in zip(marks[:-1], marks[1:], strict=True):
            n1, s1 = split_housenumber(e1["hn"])
            n2, s2 = split_housenumber(e2["hn"])
            if n1 is None or n2 is None or s1 or s2 or abs(n2 - n1) < 2:
                continue
            pts = [(lon, lat) for _, lon, lat in nodes[i1 : i2 + 1] if lon is not None]
            if len(pts) < 2:
                continue
            street = tags.get("addr:street") or e1["street"] or e2["street"]
            raw.interpolations.append((street_key(street), n1, n2, step, np.array(pts)))
    return raw
