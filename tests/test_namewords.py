"""hausbesuch.namewords: the one name-word extraction that the id check (clients), the
file-name check (pathnames) and the own-name check of addresses (care_of) share.

The three had their own copies until session 26; the copies are kept below as reference
only (verbatim, as they stood before the merge), and the shared function with each
caller's parameters must give what its copy gave, on generated names of any script and on
a fixed list of the names the tests of the callers use.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import example, given, settings
from hypothesis import strategies as st

from hausbesuch import namewords
from hausbesuch.care_of import _STREET_KINDS, _street_forms
from hausbesuch.clients import id_name_problem
from hausbesuch.pathnames import _forms, _words, name_words

# --------------------------------------------------------------- reference (pre-merge)

_OLD_NAME_FILLERS = frozenset({
    "von", "van", "der", "den", "dem", "des", "die", "und", "zu", "zum", "zur", "vom", "del",
    "della", "frau", "herr", "herrn", "familie", "fam", "geb", "dr", "prof", "med", "dipl",
})
_OLD_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})
_OLD_SHARP_S = str.maketrans({"ß": "ss"})
_OLD_CAMEL = re.compile(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])")
_OLD_WORD = re.compile(r"[^\W\d_]+")


def _old_plain(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(ch))


def _old_words(text: str, *, stripped: bool = False) -> list[str]:  # pathnames._words
    out = []
    for word in _OLD_WORD.findall(_OLD_CAMEL.sub(" ", text)):
        folded = word.casefold()
        out.append(_old_plain(folded.translate(_OLD_UMLAUTS)))
        if stripped and (bare := _old_plain(folded.translate(_OLD_SHARP_S))) != out[-1]:
            out.append(bare)
    return out


def _old_forms(word: str) -> set[str]:  # pathnames._forms
    out = {word}
    for ending in ("strasse", "str"):
        if word.endswith(ending) and len(word) - len(ending) >= 4:
            out.add(word[: -len(ending)])
    return out


def _old_name_words(name: str | None) -> set[str]:  # pathnames.name_words (also care_of's)
    return {w for w in _old_words(name or "", stripped=True)
            if len(w) >= 3 and w not in _OLD_NAME_FILLERS}


def _old_street_forms(words: list[str]) -> set[str]:  # care_of._street_forms
    out = set(words)
    for w in words:
        for kind in _STREET_KINDS:
            if w.endswith(kind) and len(w) - len(kind) >= 3:
                out.add(w[: -len(kind)])
    return out


_OLD_NOT_NAME_WORDS = frozenset({
    "frau", "herr", "herrn", "familie", "fam", "von", "van", "der", "den", "dem", "des",
    "del", "zum", "zur", "und", "geb", "nicht", "bekannt", "unbekannt", "keine", "angabe",
})
_OLD_LETTERS = re.compile(r"[^\W\d_]+")
_OLD_NAME_WORD = re.compile(r"[^\W\d_]+(?:[-'’.][^\W\d_]+)*\.?")
_OLD_NAME_LIKE = re.compile(r"[^\W\d_]+(?:[ \t,.'’\-]+[^\W\d_]*)*")


def _old_folded(text: str) -> str:  # clients._folded
    text = text.casefold().translate(str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue",
                                                   "ß": "ss", "ł": "l", "ø": "o"}))
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def _old_id_words(name: str | None) -> set[str]:  # the words of clients.id_name_problem
    return {w for token in re.split(r"[\s,;()\[\]]+", name or "")
            if _OLD_NAME_WORD.fullmatch(token) for w in _OLD_LETTERS.findall(_old_folded(token))
            if len(w) >= 4 and w not in _OLD_NOT_NAME_WORDS}


def _old_id_name_problem(cid: str, name: str | None) -> str:  # clients.id_name_problem
    advice = ("bitte die pseudonyme Kundennummer aus der Fachanwendung eintragen, keinen "
              "Namen")
    runs = _OLD_LETTERS.findall(_old_folded(cid))
    words = _old_id_words(name)
    if any(w in run for w in words for run in runs):
        return f"Kundennummer enthält den Namen des Kunden: {advice}"
    if not any(c.isdigit() for c in cid) and _OLD_NAME_LIKE.fullmatch(cid.strip()) \
            and any(len(run) >= 3 for run in runs) \
            and (re.search(r"[\s,]", cid.strip()) or any(c.islower() for c in cid)):
        return (f"Kundennummer sieht aus wie ein Name (nur Buchstaben, keine Ziffer): {advice} "
                "(ist die Spalte richtig zugeordnet?)")
    return ""


# --------------------------------------------------------------------------- inputs

#: Names and words the callers' tests and the lists of the field use, and the edges of
#: each difference: particles and placeholders, three and four letters, camel case,
#: umlauts and ß, ł and ø, accents, decomposed marks, formulas, brackets, digits.
NAMES = [
    "Anna Meier", "Meier, Anna", "Anna (Meier)", "Quaschning, Hannelore", "Jürgen Müller",
    "Müller-Lüdenscheidt", "O'Neil", "O’Neil", "St.Clair", "Dr. med. Hans von der Heide",
    "Frau Familie Öztürk", "JanHoffmann", "Jan_Hoffmann", "Hoffmann-Jan", "Łukasz Wałęsa",
    "Søren Kierkegaard", "Çağla Yılmaz", "Ana Lee", "Li Wu", "Abe Ito", "unbekannt",
    "nicht bekannt", "keine Angabe", "Herrn Groß", "GROSS", "Strauß", "Müller\u0308",
    "Mu\u0308ller", '=HYPERLINK("http://example.invalid/x","Anna")', "Meier²", "Meier4711",
    "[Meier]; Anna", "della Valle", "van den Berg", "Zoë Saldaña", "Ἀλέξανδρος", "Иван Петров",
    "José María García-López", "ǅemal", "Paŀla", "ﬁnn", "ⅫMeier", "", " ", "-", "Mc Donald",
    "McDonald", "İlhan", "Hans Sachs", "Goethe, Karl", "Berg", "Am Berg", "Straße",
]
IDS = ["Meier-4711", "K-1042", "OST-4711", "HEF-1042", "123A456789", "12345BG1234567",
       "Anna Meier", "MEIER, ANNA", "Müller", "W-OUT", "TAGE", "lukasz-1", "soren-2",
       "MUELLER-3", "MULLER-4", "strauss-5", ""]
STREET_WORDS = ["bahnhofstrasse", "bahnhofstr", "muellerstrasse", "goetheweg", "weg",
                "strasse", "abcstr", "abcdstr", "am", "linggplatz", "breitenstrasse",
                "kirchgasse", "schlossgraben", "bergwinkel", "hofgang", "xstieg"]

#: Any text, and text of name-like pieces (so that the particles, placeholders and the
#: letters with marks come up often, not only by chance).
_PIECES = st.sampled_from([
    "Anna", "Meier", "müller", "MÜLLER", "Groß", "ẞ", "von", "der", "Frau", "unbekannt",
    "Łukasz", "øre", "é", "e\u0301", "İ", "ǅ", "²", "Ⅻ", "ﬁ", "ŀ", "McDonald", "aB", "Ab",
    "ÄÖ", "-", "'", "’", ".", ",", ";", "(", ")", "[", "]", " ", "\t", "_", "/", "=", "4711",
    "str", "straße", "weg", "Ὀ", "й",
])
_NAMEY = st.lists(_PIECES, max_size=8).map("".join)
_TEXT = st.one_of(st.text(max_size=30), _NAMEY)


# ---------------------------------------------------------------------------- tests

def _pathnames_params(name: str | None) -> set[str]:
    return namewords.name_words(name, min_letters=3, fillers=namewords.NAME_FILLERS,
                                camel_split=True, both_spellings=True)


def _clients_params(name: str | None) -> set[str]:
    return namewords.name_words(name, min_letters=4, fillers=namewords.ID_FILLERS,
                                written_words=True, strokes=True)


def test_fixed_names_give_what_each_copy_gave():
    for name in [*NAMES, None]:
        assert _pathnames_params(name) == _old_name_words(name) == name_words(name), name
        assert _clients_params(name) == _old_id_words(name), name
        assert _words(name or "") == _old_words(name or ""), name
        assert _words(name or "", stripped=True) == _old_words(name or "", stripped=True)
    for cid in IDS:
        for name in [*NAMES, None]:
            assert id_name_problem(cid, name) == _old_id_name_problem(cid, name), (cid, name)
    for w in STREET_WORDS:
        assert _forms(w) == _old_forms(w), w
    assert _street_forms(STREET_WORDS) == _old_street_forms(STREET_WORDS)


def test_the_differences_are_real():
    """The parameters are no decoration: each caller's words differ from the other's on
    a name where the difference bites (three letters, a placeholder, camel case, ł)."""
    assert "ana" in _pathnames_params("Ana Lee") and not _clients_params("Ana Lee")
    assert "unbekannt" in _pathnames_params("unbekannt") and not _clients_params("unbekannt")
    assert _pathnames_params("JanHoffmann") == {"jan", "hoffmann"}
    assert _clients_params("JanHoffmann") == {"janhoffmann"}
    assert "lukasz" in _clients_params("Łukasz") and "lukasz" not in _pathnames_params("Łukasz")
    assert _street_forms(["goetheweg"]) == {"goetheweg", "goethe"}
    assert _forms("goetheweg") == {"goetheweg"}


@settings(max_examples=600, deadline=None)
@given(_TEXT)
@example("Mu\u0308ller Meier²")
@example("ŀ Paŀla ﬁnnﬁnn")
def test_generated_names_give_what_each_copy_gave(name):
    assert _pathnames_params(name) == _old_name_words(name)
    assert name_words(name) == _old_name_words(name)
    assert _clients_params(name) == _old_id_words(name)
    assert _words(name) == _old_words(name)
    assert _words(name, stripped=True) == _old_words(name, stripped=True)


@settings(max_examples=400, deadline=None)
@given(_TEXT, _TEXT)
def test_generated_ids_are_judged_as_before(cid, name):
    assert id_name_problem(cid, name) == _old_id_name_problem(cid, name)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(STREET_WORDS), _TEXT.map(namewords.fold)),
                max_size=6))
def test_generated_street_words_take_the_forms_they_took(found):
    assert _street_forms(found) == _old_street_forms(found)
    for w in found:
        assert _forms(w) == _old_forms(w)
