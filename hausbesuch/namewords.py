"""Which words of a text are words of a person's name, and the forms a street's words take.

One place for what three checks ask: whether an id carries the row's own name
(:func:`hausbesuch.clients.id_name_problem`), whether a file name names a client
(:mod:`hausbesuch.pathnames`) and where the client's own name stands in its address
(:mod:`hausbesuch.care_of`). Their differences are real and named here as parameters:

* ``min_letters``: an id is refused for a name word of four letters or more (a code like
  ``OST-4711`` shares three letters with a name by chance); a file name or an address
  counts a word from three letters.
* ``fillers``: the words that name nobody (particles, salutations; for an id also
  placeholders like „unbekannt“).
* ``camel_split``: a file name joins words by capitals (``JanHoffmann``); a name column
  does not need that, and the id check does not split there.
* ``both_spellings``: a word with umlauts also with their marks dropped (``müller`` as
  ``mueller`` and ``muller``), the forms a file name may take.
* ``written_words``: only the written words of the name count (split at spaces, commas,
  semicolons and brackets; a word is letters joined by a hyphen, an apostrophe or a dot,
  not a formula typed into the cell), each compared whole before it is split into its
  letters; otherwise every run of letters of the text counts.
* ``strokes``: ``ł`` and ``ø`` compared as ``l`` and ``o`` (letters whose mark Unicode
  does not take off).

Words are compared folded (:func:`fold`): without case, umlaut spelling or accents.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

__all__ = ["ID_FILLERS", "NAME_FILLERS", "SALUTATION_WORDS", "fold", "name_words",
           "street_forms", "words"]

#: Words of a name that name nobody: particles, forms of address, titles (a file name,
#: an address).
NAME_FILLERS = frozenset({
    "von", "van", "der", "den", "dem", "des", "die", "und", "zu", "zum", "zur", "vom", "del",
    "della", "frau", "herr", "herrn", "familie", "fam", "geb", "dr", "prof", "med", "dipl",
})
#: Words of a name that address or title its person and name nobody (a letter's name):
#: salutations, their abbreviations, academic titles and the words joining two salutations
#: („Herr und Frau“, „Frau u. Herrn“). No particle: „Zu“, „Van“ and „Del“ are surnames too.
SALUTATION_WORDS = frozenset({
    "frau", "herr", "herrn", "familie", "fam", "eheleute", "fr", "hr", "dr", "prof", "med",
    "dipl", "ing", "und", "u",
})
#: Words of a name column that name no one when an id is checked: salutations,
#: particles, placeholders („nicht bekannt“, „unbekannt“, „keine Angabe“).
ID_FILLERS = frozenset({
    "frau", "herr", "herrn", "familie", "fam", "von", "van", "der", "den", "dem", "des",
    "del", "zum", "zur", "und", "geb", "nicht", "bekannt", "unbekannt", "keine", "angabe",
})

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_UMLAUTS_STROKES = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", "ł": "l",
                                  "ø": "o"})
_SHARP_S = str.maketrans({"ß": "ss"})
_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")
#: Letters only (any script), as words.
_LETTERS = re.compile(r"[^\W\d_]+")
#: What separates the written words of a name.
_WRITTEN_APART = re.compile(r"[\s,;()\[\]]+")
#: A written word of a name: letters, joined by a hyphen, an apostrophe or a dot
#: ("Müller-Lüdenscheidt", "O'Neil", "St.Clair"); not a token with digits or signs.
_WRITTEN_WORD = re.compile(r"[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?")


def _plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def fold(text: str, *, strokes: bool = False) -> str:
    """``text`` as compared: case folded, umlauts spelled out, accents dropped („Müller“
    as „mueller“); with ``strokes`` also ``ł``/``ø`` as ``l``/``o``."""
    return _plain(text.casefold().translate(_UMLAUTS_STROKES if strokes else _UMLAUTS))


def words(text: str, *, camel_split: bool = True, both_spellings: bool = False,
          strokes: bool = False) -> list[str]:
    """The runs of letters of ``text``, each folded (:func:`fold`); with ``camel_split``
    also split at a capital inside a word. With ``both_spellings``, each word with umlauts
    also in the form with their marks dropped (``müller`` as ``mueller`` and ``muller``)."""
    table = _UMLAUTS_STROKES if strokes else _UMLAUTS
    out = []
    for word in _LETTERS.findall(_CAMEL.sub(" ", text) if camel_split else text):
        folded = word.casefold()
        out.append(_plain(folded.translate(table)))
        if both_spellings and (bare := _plain(folded.translate(_SHARP_S))) != out[-1]:
            out.append(bare)
    return out


def name_words(name: str | None, *, min_letters: int, fillers: Collection[str],
               camel_split: bool = False, both_spellings: bool = False,
               written_words: bool = False, strokes: bool = False) -> set[str]:
    """The compared words of ``name`` that name its person: ``min_letters`` letters or
    more, none of ``fillers``. See the module for the parameters."""
    if written_words:
        found: Iterable[str] = (
            w for token in _WRITTEN_APART.split(name or "") if _WRITTEN_WORD.fullmatch(token)
            for w in _LETTERS.findall(fold(token, strokes=strokes)))
    else:
        found = words(name or "", camel_split=camel_split, both_spellings=both_spellings,
                      strokes=strokes)
    return {w for w in found if len(w) >= min_letters and w not in fillers}


def street_forms(found: Iterable[str], *, kinds: Iterable[str], min_stem: int) -> set[str]:
    """Compared words of a street, and each of them without a kind of street of ``kinds``
    written into it when ``min_stem`` letters or more are left (``bahnhofstrasse`` ->
    ``bahnhof``, ``goetheweg`` -> ``goethe``)."""
    found = list(found)
    kinds = tuple(kinds)
    out = set(found)
    for w in found:
        for kind in kinds:
            if w.endswith(kind) and len(w) - len(kind) >= min_stem:
                out.add(w[: -len(kind)])
    return out
