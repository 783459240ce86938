"""Case ids: the one rule for when two ids name the same case, and how a message shows an
id whose characters only look like those of another (QA 26 F1).

An id copied from a web page, a Word document or another export may hold a non-breaking
space („K<U+00A0>55“), a dash other than the hyphen („K–78“, the non-breaking hyphen
U+2011), a full-width letter („Ｑ-101“) or an invisible character where the case
management wrote a plain one. The reader (:func:`hausbesuch.fields.clean_text`) keeps
them (an id is stored as written), so every comparison of ids goes through
:func:`id_key`:

- compatibility forms folded (NFKC: ``Ｑ`` is ``Q``, U+00A0 a space) and case folded;
- every space character (Unicode category Zs, tabs, line breaks) is one plain space, a
  run of them one space: „K 55“ with any kind of space is „K 55“, but not „K55“ (a
  visible space versus none looks different and may be the case management's own
  spelling of two numbers; the leading-zero rule and the coordinator handle the rest);
- invisible characters (format and control characters: zero-width space and joiners,
  soft hyphen, bidi marks) are dropped: they do not show at all;
- every dash or hyphen (category Pd: U+2010 to U+2015, the figure dash, ...) and the
  minus sign U+2212 is ``-``.
- a Cyrillic or Greek letter drawn exactly like a Latin one is that Latin letter
  (:data:`_LATIN_TWINS`: Cyrillic „К“ in „К-55“ is „K“, Greek „Ο“ is „O“); only these
  few, capitals and small letters apart (Greek „Ν“ is „N“, „ν“ is „v“), not Unicode's whole
  confusables list, which also takes „0“ for „O“ and „rn“ for „m“, as ids may differ so.

The key is computed in Python, not stored: a look-up that misses the id as written
compares the keys of the city's ids (:meth:`hausbesuch.casework.Casework._row_ci`). No
column and no migration: SQLite's and PostgreSQL's ``lower()`` differ anyway, and the
stored id stays as first stored.
"""

from __future__ import annotations

import unicodedata

#: Dashes that are not in category Pd but read as one.
_MORE_DASHES = "\u2212\u2043"
#: Cyrillic and Greek letters that look exactly like a Latin letter: that letter. Checked
#: for a small explicit table instead of a library: ``confusable_homoglyphs`` detects
#: (lists homoglyphs of Unicode's confusables.txt), it does not fold, and that list also
#: takes digits and letter pairs for one another.
_LATIN_TWINS = {
    # Cyrillic capitals
    "\u0410": "A", "\u0412": "B", "\u0415": "E", "\u041a": "K", "\u041c": "M",
    "\u041d": "H", "\u041e": "O", "\u0420": "P", "\u0421": "C", "\u0422": "T",
    "\u0423": "Y", "\u0425": "X", "\u0405": "S", "\u0406": "I", "\u0408": "J",
    "\u04ae": "Y", "\u04c0": "I", "\u051a": "Q", "\u051c": "W",
    # Cyrillic small letters
    "\u0430": "a", "\u0435": "e", "\u043e": "o", "\u0440": "p", "\u0441": "c",
    "\u0443": "y", "\u0445": "x", "\u0455": "s", "\u0456": "i", "\u0458": "j",
    "\u04bb": "h", "\u0501": "d", "\u051b": "q", "\u051d": "w", "\u04cf": "l",
    # Greek capitals
    "\u0391": "A", "\u0392": "B", "\u0395": "E", "\u0396": "Z", "\u0397": "H",
    "\u0399": "I", "\u039a": "K", "\u039c": "M", "\u039d": "N", "\u039f": "O",
    "\u03a1": "P", "\u03a4": "T", "\u03a5": "Y", "\u03a7": "X",
    # Greek small letters
    "\u03bf": "o", "\u03bd": "v", "\u03c1": "p", "\u03b1": "a",
}
_TWIN_TABLE = str.maketrans(_LATIN_TWINS)

#: How a message names a look-alike character (dative, after „mit“).
_NAMES = {
    "\u00a0": "geschütztem Leerzeichen",
    "\u202f": "schmalem geschütztem Leerzeichen",
    "\u2007": "Ziffernleerzeichen",
    "\u2009": "schmalem Leerzeichen",
    "\u200a": "Haarleerzeichen",
    "\u3000": "breitem Leerzeichen",
    "\u2010": "typografischem Bindestrich",
    "\u2011": "geschütztem Bindestrich",
    "\u2012": "Ziffernstrich",
    "\u2013": "Halbgeviertstrich „–“",
    "\u2014": "Geviertstrich „—“",
    "\u2015": "Querstrich „―“",
    "\u2212": "Minuszeichen „−“",
}


def id_key(cid: str) -> str:
    """The form in which two case ids are the same case (see the module's rule):
    ``id_key("K\\u00a055") == id_key("k 55")``, ``id_key("K–78") == "k-78"``,
    ``id_key("Ｑ\\u2011101") == "q-101"``, ``id_key("\\u041a-55") == "k-55"`` (Cyrillic К)."""
    if cid.isascii() and cid.isprintable():  # the usual id: only case and spaces
        return " ".join(cid.lower().split())
    folded = unicodedata.normalize("NFKC", unicodedata.normalize(
        "NFKC", cid).translate(_TWIN_TABLE).casefold())
    out: list[str] = []
    for ch in folded:
        cat = unicodedata.category(ch)
        if ch.isspace() or cat[0] == "Z":
            if out and out[-1] != " ":
                out.append(" ")
        elif cat[0] == "C":
            continue  # invisible: dropped
        else:
            out.append("-" if cat == "Pd" or ch in _MORE_DASHES else ch)
    return "".join(out).strip()


def _odd(ch: str) -> str | None:
    """How a message names ``ch`` when it only looks like a plain character, else None."""
    if ch.isascii() and ch.isprintable():
        return None
    if ch in _NAMES:
        return _NAMES[ch]
    if ch in _LATIN_TWINS:
        script = "kyrillischem" if "\u0400" <= ch <= "\u052f" else "griechischem"
        return f"{script} „{ch}“ (statt „{_LATIN_TWINS[ch]}“)"
    cat = unicodedata.category(ch)
    if ch.isspace() or cat[0] == "Z":
        return "besonderem Leerzeichen"
    if cat[0] == "C":
        return "unsichtbarem Zeichen"
    if cat == "Pd" or ch in _MORE_DASHES:
        return f"besonderem Strich „{ch}“"
    plain = unicodedata.normalize("NFKC", ch)
    if plain != ch:
        wide = "\uff01" <= ch <= "\uff5e"
        return f"„{ch}“ in {'voller Breite' if wide else 'Sonderform'} (statt „{plain}“)"
    return None


def shown_id(cid: str) -> str:
    """``cid`` in „…“ for a message, with every character that only looks like a plain
    one named with its position and code point, so that two ids of one :func:`id_key`
    can be told apart in a report: „K 55“ mit geschütztem Leerzeichen (U+00A0) an
    Stelle 2. Invisible characters are written as ``\\u200b``."""
    parts = [f"{name} (U+{ord(ch):04X}) an Stelle {pos}"
             for pos, ch in enumerate(cid, 1) if (name := _odd(ch)) is not None]
    written = "".join(f"\\u{ord(ch):04x}" if unicodedata.category(ch)[0] == "C" else ch
                      for ch in cid)
    return f"„{written}“" + (f" mit {' und '.join(parts)}" if parts else "")


def stored_as(typed: str, stored: str) -> str:
    """The German note for a list's id ``typed`` that found the stored case ``stored``
    only by :func:`id_key` (:func:`lookalike`): both shown so that they differ."""
    return (f"Kundennummer {shown_id(typed)} ist der gespeicherte Fall {shown_id(stored)}: "
            "ähnlich aussehende Zeichen werden nicht unterschieden, die Kundennummer bleibt "
            "wie gespeichert")


def lookalike(typed: str, known: str) -> bool:
    """Whether ``typed`` and ``known`` are one case (:func:`id_key`) but differ by more
    than case: a message should show how (:func:`shown_id`)."""
    return typed.casefold() != known.casefold() and id_key(typed) == id_key(known)
