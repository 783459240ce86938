"""Whether a path the user chose names a client: the audit log keeps the paths of the files
written (``disclose --out``, ``export --out``, …) so that the copies outside the database
can be found again, and the log is append-only: ``purge`` does not reach it. A file named
„Auskunft Jan Hoffmann Elisabeth-Selbert-Strasse 7.txt“ would keep the client's name and
street after the case's erasure.

Words are compared whole, without regard to case, umlaut spelling (``ü``/``ue``, ``ß``/``ss``)
or how they are joined (``Jan_Hoffmann``, ``JanHoffmann``, ``Hoffmann-Jan``); a word of the
name counts from three letters, and words that name nobody (``von``, ``Frau``, ``Straße``,
``Weg``, ``Am``) do not count. A street counts by its own words (``Elisabeth``,
``Selbert``; ``Bahnhofstraße`` also as ``Bahnhofstr`` and ``Bahnhof``). The folders above the
user's home folder are not looked at (``/home/jan`` is the coordinator's, not the client's).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path

#: Words of a name that name nobody: particles, forms of address, titles.
NAME_FILLERS = frozenset({
    "von", "van", "der", "den", "dem", "des", "die", "und", "zu", "zum", "zur", "vom", "del",
    "della", "frau", "herr", "herrn", "familie", "fam", "geb", "dr", "prof", "med", "dipl",
})
#: Words of a street that name no street: kinds of street, prepositions, articles.
STREET_FILLERS = frozenset({
    "strasse", "str", "weg", "gasse", "platz", "allee", "ring", "damm", "ufer", "pfad",
    "steig", "chaussee", "markt", "berg", "hof", "feld", "graben", "garten", "park",
    "am", "an", "auf", "im", "in", "der", "die", "das", "den", "dem", "des", "zum", "zur",
    "vor", "hinter", "unter", "ober", "obere", "untere", "alte", "alter", "alten", "neue",
    "neuer", "neuen", "grosse", "grosser", "kleine", "kleiner", "und", "von", "bei", "st",
    "sankt", "nord", "sued", "ost", "west", "oberer", "unterer", "mittlere", "mittlerer",
})
#: How a German street name ends when its kind is written into it (``Bahnhofstraße``).
_STREET_ENDINGS = ("strasse", "str")
#: Fewest letters of a word that counts.
MIN_LETTERS = 3

_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")
_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str) -> list[str]:
    """The words of ``text``, compared forms: case folded, umlauts spelled out, accents
    dropped; split at everything that is no letter and at a capital inside a word."""
    out = []
    for word in _WORD.findall(_CAMEL.sub(" ", text)):
        folded = word.casefold().translate(_UMLAUTS)
        plain = "".join(ch for ch in unicodedata.normalize("NFKD", folded)
                        if not unicodedata.combining(ch))
        out.append(plain)
    return out


def _forms(word: str) -> set[str]:
    """A word, and a street word without its written-in kind (``bahnhofstrasse`` ->
    ``bahnhof``)."""
    out = {word}
    for ending in _STREET_ENDINGS:
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            out.add(word[: -len(ending)])
    return out


def name_words(name: str | None) -> set[str]:
    return {w for w in _words(name or "") if len(w) >= MIN_LETTERS and w not in NAME_FILLERS}


def street_words(street: str | None, address: str | None = None) -> set[str]:
    """The words of a street; without a street, of the address's part before its house
    number."""
    text = street or re.split(r"\d|,", address or "", maxsplit=1)[0]
    out: set[str] = set()
    for w in _words(text):
        out |= {f for f in _forms(w) if len(f) >= MIN_LETTERS and f not in STREET_FILLERS}
    return out


def _parts(path: Path) -> list[str]:
    """The names of the path's file and folders below the user's home folder (all of them
    when the path is not below it)."""
    full = Path(path).expanduser().absolute()
    try:
        home = Path.home()
        rel = full.relative_to(home) if full.is_relative_to(home) else full
    except RuntimeError:  # no home folder known
        rel = full
    return [p for p in rel.parts if p not in (rel.anchor, "")]


def named_in_path(path: Path, people: Iterable[tuple[str | None, str | None, str | None]],
                  *, streets: bool = True, folders: bool = True) -> tuple[str, bool] | None:
    """Whether ``path`` names one of ``people`` ((name, street, address) each): what it
    names ("Namen" or "Straße"), and whether it is in the file's own name (else in a
    folder's), or None. Without ``streets`` only names count; without ``folders`` only the
    file's own name is looked at."""
    parts = _parts(path)[-1:] if not folders else _parts(path)
    if not parts:
        return None
    found_in: list[set[str]] = []
    for part in parts:
        forms: set[str] = set()
        for w in _words(part):
            forms |= _forms(w)
        found_in.append(forms)
    file_words = found_in[-1]
    all_words = set().union(*found_in)
    for name, street, address in people:
        for kind, words in (("Namen", name_words(name)),
                            ("Straße", street_words(street, address) if streets else set())):
            if hit := words & all_words:
                return kind, bool(hit & file_words)
    return None


def safe_file_part(text: str) -> str:
    """``text`` (a case or plan id) as it can stand in a suggested file name."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "fall"
