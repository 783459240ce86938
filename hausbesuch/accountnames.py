"""Account names: the one rule for the names of web accounts and of the command line's
``$HAUSBESUCH_USER``, both of which the audit log writes as its "who".

Kept apart from :mod:`hausbesuch.web.auth` (which needs the web stack) so that the command
line checks its actor with the same rule.
"""

from __future__ import annotations

import unicodedata

from hausbesuch.errors import UserError

#: Longest account name (the column's width).
MAX_NAME = 120
#: Signs an account name may hold besides letters and the digits 0-9.
NAME_SIGNS = ".-_"
#: Letters (Unicode category Lo) that show as nothing (Hangul fillers).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
_NAME_RULE = "Erlaubt sind Buchstaben (auch ä, ö, ü, ß), die Ziffern 0–9 und . - _"


def _invisible(ch: str) -> bool:
    """A control, format (zero-width), space, separator, private or unassigned character."""
    return unicodedata.category(ch)[0] in "CZ" or ch in _BLANK_LETTERS


def normal_name(name: str) -> str:
    """A typed account name as it is stored and compared: without the spaces around it,
    in Unicode NFC (a composed ``ü``, however the keyboard sent it)."""
    return unicodedata.normalize("NFC", name.strip())


def name_key(name: str) -> str:
    """The form in which two account names are the same account: compatibility forms
    folded (NFKC: full-width ``ｋ`` is ``k``), case folded, invisible and control
    characters dropped (``Kora``, ``kora\\u200b`` and ``ｋｏｒａ`` are ``kora``)."""
    folded = unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKC", name).casefold())
    return "".join(ch for ch in folded if not _invisible(ch))


def shown_name(name: str) -> str:
    """``name`` for a message or a terminal: invisible and control characters written as
    ``\\u200b`` (an escape sequence typed as a name does not reach the terminal)."""
    return "".join(f"\\u{ord(ch):04x}" if _invisible(ch) else ch for ch in name)


def check_name(name: str, label: str = "Benutzername") -> str:
    """The name of a new account in its stored form (:func:`normal_name`); German
    :class:`UserError` naming the rule for a name that is empty or too long, that holds an
    invisible, control or space character, a ``:`` (reserved: the audit log writes
    ``cli:<user>`` and ``link:<prefix>``), anything but letters, the digits 0-9 and
    :data:`NAME_SIGNS`, or a compatibility form (full-width ``ｋ``, ligature ``ﬁ``)."""
    name = normal_name(name)
    if not name or len(name) > MAX_NAME:
        raise UserError(f"{label}: 1 bis {MAX_NAME} Zeichen. {_NAME_RULE}.")
    for pos, ch in enumerate(name, 1):
        if _invisible(ch):
            raise UserError(
                f"{label}: keine Leerzeichen, unsichtbaren Zeichen oder Steuerzeichen "
                f"(Zeichen {pos} ist U+{ord(ch):04X}). {_NAME_RULE}.")
        if ch == ":":
            raise UserError(
                f"{label}: kein Doppelpunkt „:“, er ist dem Protokoll vorbehalten "
                "(„cli:NAME“ für die Kommandozeile, „link:…“ für Tageslinks). "
                f"{_NAME_RULE}.")
        if not (unicodedata.category(ch) in ("Lu", "Ll", "Lt", "Lo") or "0" <= ch <= "9"
                or ch in NAME_SIGNS):
            raise UserError(f"{label}: „{ch}“ (Zeichen {pos}) ist nicht erlaubt. "
                            f"{_NAME_RULE}.")
    if unicodedata.normalize("NFKC", name) != name:
        raise UserError(f"{label}: keine Sonderformen von Buchstaben oder Ziffern (wie "
                        "Vollbreite „ｋ“ oder die Ligatur „ﬁ“), bitte die gewöhnlichen "
                        f"Zeichen schreiben. {_NAME_RULE}.")
    return name


#: The environment variable naming the person on the command line (the audit's "who").
ACTOR_ENV = "HAUSBESUCH_USER"


def check_actor_env() -> None:
    """German :class:`UserError` when ``$HAUSBESUCH_USER`` breaks the rule of account
    names (:func:`check_name`): the audit log writes it as who acted, and a line break or
    a client's name there would forge or fill the log. The command line calls this before
    any command runs (here, not in the casework: the check must not load it for every
    command, ``--help`` included)."""
    import os

    value = os.environ.get(ACTOR_ENV)
    if value:
        check_name(value, label=f"${ACTOR_ENV}")

