"""Whether a path the user chose names a client: the audit log keeps the paths of the files
written (``disclose --out``, ``export --out``, …) so that the copies outside the database
can be found again, and the log is append-only: ``purge`` does not reach it. A file named
„Auskunft Jan Hoffmann Elisabeth-Selbert-Strasse 7.txt“ would keep the client's name and
street after the case's erasure.

Words are compared whole, without regard to case, umlaut spelling (``ü``/``ue``/``u``,
``ß``/``ss``) or how they are joined (``Jan_Hoffmann``, ``JanHoffmann``, ``Hoffmann-Jan``); a word of the
name counts from three letters, and words that name nobody (``von``, ``Frau``, ``Straße``,
``Weg``, ``Am``) do not count. A street counts by its own words (``Elisabeth``,
``Selbert``; ``Bahnhofstraße`` also as ``Bahnhofstr`` and ``Bahnhof``). The folders above the
user's home folder are not looked at (``/home/jan`` is the coordinator's, not the client's);
every folder of a path outside it is. A path is looked at as typed and as the log keeps it
(with its links resolved: ``~/Auskunft`` may point to ``/srv/Jan Hoffmann``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from hausbesuch import namewords
from hausbesuch.namewords import NAME_FILLERS

__all__ = ["NAME_FILLERS", "co_words", "name_words", "named_in_path", "safe_file_part",
           "street_words"]

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

_WORD = re.compile(r"[^\W\d_]+")


def _words(text: str, *, stripped: bool = False) -> list[str]:
    """The words of ``text``, compared forms, split also at a capital inside a word; with
    ``stripped`` in both spellings: the forms a stored word may take in a file name
    (:func:`hausbesuch.namewords.words`)."""
    return namewords.words(text, camel_split=True, both_spellings=stripped)


def _forms(word: str) -> set[str]:
    """A word, and a street word without its written-in kind (``bahnhofstrasse`` ->
    ``bahnhof``; four letters must be left: :func:`hausbesuch.namewords.street_forms`)."""
    return namewords.street_forms([word], kinds=_STREET_ENDINGS, min_stem=4)


def name_words(name: str | None) -> set[str]:
    """The words of a client's name as a file name or an address may hold them: three
    letters or more, split at a capital inside a word, in both spellings of umlauts
    (:func:`hausbesuch.namewords.name_words`)."""
    return namewords.name_words(name, min_letters=MIN_LETTERS, fillers=NAME_FILLERS,
                                camel_split=True, both_spellings=True)


def street_words(street: str | None, address: str | None = None) -> set[str]:
    """The words of a street; without a street, of the street the address names (not of
    a ``c/o`` line before it: that is a name, see :func:`co_words`)."""
    if not street and address:
        from geodata.addresses import parse_address

        street = parse_address(address).street
    out: set[str] = set()
    for w in _words(street or "", stripped=True):
        out |= {f for f in _forms(w) if len(f) >= MIN_LETTERS and f not in STREET_FILLERS}
    return out


#: Words of a ``c/o`` line that name nobody: its marker and kinds of relation.
_CO_FILLERS = frozenset({
    "bei", "wohnhaft", "per", "adresse", "haenden", "eltern", "mutter", "vater", "sohn",
    "tochter", "oma", "opa", "tante", "onkel", "schwester", "bruder", "freund", "freundin",
    "betreuer", "betreuerin",
})
#: Words of a ``c/o`` line that name an institution, not a person: clients without a home
#: get their post there ("c/o Jobcenter Bad Hersfeld", "c/o Diakonie
#: Wohnungslosenhilfe", "bei Caritas"). (Compared forms: umlauts spelled out.) Words that
#: are also surnames (Kreis, Tafel, Werk) are not listed: a name is never left out.
_CO_INSTITUTIONS = frozenset({
    "jobcenter", "arbeitsagentur", "agentur", "stadt", "gemeinde", "landkreis",
    "rathaus", "amt", "behoerde", "diakonie", "diakonisches", "caritas", "awo",
    "arbeiterwohlfahrt", "drk", "asb", "paritaetischer", "paritaetische", "malteser",
    "johanniter", "heilsarmee", "beratung", "beratungsstelle", "fachstelle",
    "wohnungslosenhilfe", "obdachlosenhilfe", "tagesstaette", "tagestreff", "treffpunkt",
    "unterkunft", "notunterkunft", "wohnheim", "obdachlosenheim", "frauenhaus", "postfach",
    "stiftung", "verein", "ggmbh", "gmbh", "kirchengemeinde", "pfarramt", "pfarrei", "jva",
    "klinik", "krankenhaus", "pension", "hotel", "einrichtung", "zentrum", "sozialdienst",
})
#: How a compound word naming an institution ends ("Sozialamt", "Suchthilfe",
#: "Beratungsstelle", "Caritasverband", "Betreuungsverein", "Stadtverwaltung").
_INSTITUTION_ENDINGS = ("amt", "hilfe", "stelle", "verband", "verein", "verwaltung",
                        "zentrum", "dienst", "unterkunft", "stiftung", "einrichtung",
                        "gemeinde")
#: How a ``c/o`` line begins.
_CO_MARKER = re.compile(r"(?:c\s*/\s*o|c\.\s*o\.|co\.|bei|b\.|wohnhaft\s+bei|z\.\s*h|zu\s+h)",
                        re.IGNORECASE)


def _institution(word: str) -> bool:
    """Whether a compared word names an institution (:data:`_CO_INSTITUTIONS`, or a
    compound with one of :data:`_INSTITUTION_ENDINGS` after at least three letters)."""
    return word in _CO_INSTITUTIONS or any(
        word.endswith(e) and len(word) - len(e) >= 3 for e in _INSTITUTION_ENDINGS)


def co_words(address: str | None) -> set[str]:
    """The words of the names in the address's ``c/o``/``bei`` line ("c/o Müller
    (Eltern), Am Markt 13"): a person's name, as much as the client's. A line that names
    an institution ("c/o Jobcenter Bad Hersfeld", "c/o Stadt Bad Hersfeld") gives neither
    the institution's words nor those of the address's town (the place of the
    institution, and the natural name of a folder), only what is left (a person there:
    "c/o Caritas Frau Meier")."""
    if not address:
        return set()
    from geodata.addresses import parse_address

    parsed = parse_address(address)
    out: set[str] = set()
    for extra in parsed.extra:
        if not _CO_MARKER.match(extra):
            continue
        words: set[str] = set()
        institution = False
        for word in _WORD.findall(extra):  # "JobCenter" as one word
            whole = namewords.fold(word)
            if any(_institution(w) for w in (whole, *_words(word))):
                institution = True
            else:
                words |= {w for w in name_words(word) if w not in _CO_FILLERS}
        if institution:
            words -= set().union(*(name_words(t) for t in (
                *parsed.town_names, parsed.town_typed, parsed.district)))
        out |= words
    return out


def _homes() -> list[Path]:
    try:
        home = Path.home()
    except RuntimeError:  # no home folder known
        return []
    try:
        return list(dict.fromkeys([home, home.resolve()]))
    except (OSError, RuntimeError):
        return [home]


def _parts(full: Path) -> list[str]:
    """The names of the path's file and folders below the user's home folder (all of them
    when the path is not below it)."""
    rel = full
    for home in _homes():
        if full.is_relative_to(home):
            rel = full.relative_to(home)
            break
    return [p for p in rel.parts if p not in (rel.anchor, "")]


def _paths(path: Path) -> list[Path]:
    """The path as typed (absolute) and as the audit log keeps it (``resolve()``: a
    symlinked folder as its target)."""
    typed = Path(path).expanduser().absolute()
    try:
        real = typed.resolve()
    except (OSError, RuntimeError):  # a loop of links
        return [typed]
    return [typed] if real == typed else [typed, real]


def named_in_path(path: Path, people: Iterable[tuple[str | None, str | None, str | None]],
                  *, streets: bool = True, folders: bool = True) -> tuple[str, bool] | None:
    """Whether ``path`` names one of ``people`` ((name, street, address) each): what it
    names ("Namen" or "Straße"), and whether it is in the file's own name (else in a
    folder's), or None. Without ``streets`` only names count; without ``folders`` only the
    file's own name is looked at."""
    file_words: set[str] = set()
    all_words: set[str] = set()
    for full in _paths(path):
        parts = _parts(full)[-1:] if not folders else _parts(full)
        if not parts:
            continue
        found_in: list[set[str]] = []
        for part in parts:
            forms: set[str] = set()
            for w in _words(part):
                forms |= _forms(w)
            found_in.append(forms)
        file_words |= found_in[-1]
        all_words |= set().union(*found_in)
    if not all_words:
        return None
    for name, street, address in people:
        for kind, words in (("Namen", name_words(name) | co_words(address)),
                            ("Straße", street_words(street, address) if streets else set())):
            if hit := words & all_words:
                return kind, bool(hit & file_words)
    return None


def safe_file_part(text: str) -> str:
    """``text`` (a case or plan id) as it can stand in a suggested file name."""
    return re.sub(r"[^\w.-]+", "_", text).strip("._") or "fall"
