"""Accounts, passwords (argon2id), server-side sessions, login limits and role checks.

- Passwords are hashed with argon2id (``argon2-cffi``'s defaults: 64 MiB, 3 passes).
  Unknown accounts are checked against a dummy hash, so that the answer time does not
  tell which accounts exist.
- A password is checked, hashed and verified in NFKC (:func:`normal_password`: the
  full-width „Ｐａｓｓｗｏｒｔ２０２４！“ is „Passwort2024!“); a hash made before, from the
  password as typed, is tried with that form once and then hashed again in the normal
  form (:func:`_verify`).
- A new password (an account made, a password set or changed) has at least 12 characters
  (invisible format and control characters such as the zero-width space do not count),
  at most :data:`MAX_PASSWORD` (256; a login with a longer one fails without hashing it),
  and is not easy to guess (ASVS V2.1.7, :func:`check_password`): it does not contain the
  account's name, its city (or a shipped profile's) or "hausbesuch", has at least
  :data:`MIN_DISTINCT` different letters and digits (spaces of any kind, signs and
  invisible characters are padding: ``"           a"``, ``"!!!!!!!!!!!a"``), is not one
  short part repeated, a run such as ``123456789012`` (also with one or two characters
  before or after it) or a keyboard walk (``zaq12wsxcde3``, QWERTZ, QWERTY and the number
  pad: :func:`_keyboard_walk`), and is not on the
  project's list of common passwords (``common_passwords.txt``: whole passwords, and words
  that with digits and signs only make one), also not with one or two characters more
  (``Passwort2024!x``; for list words: letters before or after them, when the digits and
  signs form at most two runs, :func:`_few_words`).
- A session is a random 256-bit token in an HttpOnly cookie (``SameSite=Lax``; over https
  ``Secure`` and named :data:`SECURE_SESSION_COOKIE`, whose ``__Host-`` prefix makes the
  browser refuse it from a sibling subdomain or for another path); the table keeps its
  SHA-256 only. Login always makes a new
  session (no fixation), logout deletes it, and it ends after ``idle`` minutes without a
  request or ``absolute`` hours after login, and when the account is disabled.
- Failed logins are counted over a window (15 minutes by default) in three ways, each
  with a limit at which further tries are refused with 429 before the password is
  checked, also a correct one, until the window has passed (lockout): per account name
  from one peer address (10: that address is locked out for that account only, so
  that someone who knows a name cannot lock its owner out from elsewhere, ASVS V2.2.1),
  per account name from all addresses together (100: a guessing attack spread over
  many addresses locks the account for everyone), and per peer address for any names
  (50: many people may share one address, an office behind NAT or a proxy, and one of
  them must not lock the others out). A correct login deletes the failures of its
  account from its own address only: it must not give a guesser at another address a
  fresh budget of tries, nor reset the count over all addresses. An address is counted
  as :func:`address_key` gives it: an IPv6 address by its /64 network (one host or
  subscriber holds a whole /64, and would otherwise get a fresh budget per address).
- Device cookies (OWASP "device cookie", QA 28 #2): the account-wide limit would let anyone
  who knows a name lock its owner out from every address (100 tries spread over many
  addresses, repeated every window). So a successful login sets a device cookie
  (:func:`remember_device`: a random 256-bit token, HttpOnly, ``SameSite=Strict``, over
  https ``Secure`` and named :data:`SECURE_DEVICE_COOKIE`; the table keeps its SHA-256 and
  the account, the token holds nothing), valid :data:`DEVICE_DAYS` days after the last
  login with it. A try carrying the device cookie of the typed account is counted per
  device (``max_failures_device`` lock that browser only) and per address for any names,
  and is not refused by the account's limits (per address and over all addresses); a try
  without one (another browser, another account's or a made-up cookie) is refused by them
  as before. Setting a password and disabling the account forget its device cookies.
- Every authentication decision is a row of the audit log (:data:`AUTH_ACTIONS`): login,
  failed login (with a reason code; the person sees the same message for a wrong password
  and an unknown name), lockout, logout, a session ended by its idle or absolute limit,
  and other sessions of one's own account ended on „Meine Sitzungen“ (after the password
  was typed again, checked as a login is).
  The actor is the account; an attempt with a name no account has is recorded as
  :data:`UNKNOWN_ACTOR`, without the typed name (a password typed into the wrong field
  must not land in the log). ``details`` hold the client's IP address (the peer address
  the login limits count, written in full) and the reason, never a password.
- While a lockout lasts, refused tries of one account name from one address are audited
  at most once per :data:`LOCKED_AUDIT_EVERY` (the next row counts the tries held back in
  ``details["weitere_versuche"]``), so that a script hammering the login cannot grow the
  log without bound. The count lives in the server process.
- Account names (:func:`check_name`) are stored in NFC and hold letters (also ``ü``), the
  digits 0-9 and ``. - _`` only: no ``:`` (the audit log's actors ``cli:<user>`` and
  ``link:<prefix>``), no invisible, control or space characters, no compatibility forms
  (full-width ``ｋ``); a name that equals an existing one but for case or such forms
  (:func:`name_key`) is taken. A typed name (login, ``user`` commands) finds the account
  stored under exactly that name or its NFC form, else the one account with the same
  :func:`name_key` (so ``Kora`` logs in as ``kora``); of several such accounts (made before
  these rules) none. Failed logins are counted per :func:`name_key`.
- An administrator who sets a new password (``user password``) or enables an account
  (``user enable``) lifts its lockout too: the counted failed logins of the account are
  deleted (audited with that action, ``details["sperre_aufgehoben"]``: how many), so that
  the colleague can log in at once.
- Roles: ``admin`` sees every city; ``koordination`` the city of her account only. Objects
  of another city answer 404, as if they did not exist.
"""

from __future__ import annotations

import functools
import ipaddress
import itertools
import re
import unicodedata
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from fastapi import HTTPException, Request
from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from hausbesuch import clock
from hausbesuch.accountnames import (  # noqa: F401 - the rule lives there; re-exported
    MAX_NAME,
    NAME_SIGNS,
    _invisible,
    check_name,
    name_key,
    normal_name,
    shown_name,
)
from hausbesuch.errors import UserError
from hausbesuch.store import Store
from hausbesuch.web.models import (
    ROLE_ADMIN,
    ROLES,
    WHY_RULES,
    WHY_TEMPORARY,
    DeviceRow,
    LoginAttemptRow,
    SessionRow,
    UserRow,
)
from hausbesuch.web.security import OncePer, derived_token, new_token, same, token_hash

#: The session cookie over plain http (loopback: ``hausbesuch serve`` without a proxy).
SESSION_COOKIE = "hb_session"
#: The session cookie over https (``Secure``, ``Path=/``, no ``Domain``: ASVS V3.4.4).
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE

#: The device cookie (OWASP "device cookie", QA 28 #2) over plain http: set at a successful
#: login, it lets this browser log in to that account while the account is locked out.
DEVICE_COOKIE = "hb_geraet"
#: Its name over https (``Secure``, ``Path=/``, no ``Domain``, as the session cookie's).
SECURE_DEVICE_COOKIE = "__Host-" + DEVICE_COOKIE
#: A device cookie lasts this long after the last login with it (cookie and table).
DEVICE_DAYS = 180

#: Audit actions of authentication decisions (German labels in hausbesuch.auditlog).
AUDIT_LOGIN = "anmeldung"
AUDIT_LOGIN_FAILED = "anmeldung_fehlgeschlagen"
AUDIT_LOGIN_LOCKED = "anmeldung_gesperrt"
AUDIT_LOGOUT = "abmeldung"
AUDIT_SESSION_EXPIRED = "sitzung_abgelaufen"
AUDIT_PASSWORD_WEAK = "passwortwechsel_verlangt"
#: Other sessions of one's own account ended on „Meine Sitzungen“ (ASVS V3.3.4).
AUDIT_SESSIONS_ENDED = "sitzungen_beendet"
AUTH_ACTIONS = (AUDIT_LOGIN, AUDIT_LOGIN_FAILED, AUDIT_LOGIN_LOCKED, AUDIT_LOGOUT,
                AUDIT_SESSION_EXPIRED, AUDIT_PASSWORD_WEAK, AUDIT_SESSIONS_ENDED)
#: The actor of login attempts with a name no account has (it holds a space, so it is
#: never an account name).
UNKNOWN_ACTOR = "unbekanntes Konto"
#: The actor of a refused request without a session or link.
NOT_LOGGED_IN = "nicht angemeldet"
#: A locked-out (name, address) pair writes at most one audit row per this interval.
LOCKED_AUDIT_EVERY = timedelta(minutes=1)
_HASHER = PasswordHasher()  # argon2id
_DUMMY_HASH = _HASHER.hash("kein-konto-" + new_token(8))
#: ASVS level 2 (V2.1.1): at least 12 characters; any characters, but not only spaces.
MIN_PASSWORD = 12
#: At least this many different letters and digits (folded; spaces, signs and invisible
#: characters do not count): "           a" or "!!!!!!!!!!!a" is one character padded.
MIN_DISTINCT = 6
#: At most this many characters (ASVS V2.1.2 asks for 64 at least): a longer password is
#: refused before any check, and a login with one fails without hashing it, so that a
#: megabyte typed into the form costs no time (the checks are not all linear).
MAX_PASSWORD = 256
#: Common passwords and the words they are made of (format in the file's head).
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords.txt"
#: The product's name: no password may contain it.
PRODUCT_WORD = "hausbesuch"
_EASY_TIP = " Tipp: mehrere Wörter, die nichts miteinander zu tun haben."


@dataclass(frozen=True)
class User:
    """The logged-in account as the pages see it."""

    name: str
    role: str
    city: str | None
    #: a new password is asked for (a temporary one, or one that fails today's rules):
    #: only the password page until it is changed
    must_change: bool = False
    #: why (``models.WHY_TEMPORARY``, ``models.WHY_RULES``; ``None``: not kept)
    must_change_why: str | None = None

    @property
    def is_admin(self) -> bool:
        return self.role == ROLE_ADMIN

    def sees(self, city: str) -> bool:
        """May this account see data of ``city``?"""
        return self.is_admin or self.city == city


@dataclass(frozen=True)
class Limits:
    """Session and login limits.

    Within ``window_minutes``: ``max_failures`` failed logins for one account name from
    one client address lock that address out of that account (429, also for the right
    password); ``max_failures_account`` for one account name from all addresses together
    lock the account for every address; ``max_failures_per_address`` from one client
    address for any names lock that address out of every account. Tries that carry a
    valid device cookie of the account are counted per device instead of the first two:
    ``max_failures_device`` lock that browser out of the account, and neither of the two
    locks refuses them. Each lasts until the window has passed (or, for the per-account
    ones, an administrator lifts it).
    """

    idle_minutes: int = 30
    absolute_hours: int = 12
    max_failures: int = 10  # per account name from one client address
    max_failures_account: int = 100  # per account name from all addresses together
    max_failures_per_address: int = 50  # per client address, any names (offices share one)
    max_failures_device: int = 10  # per device cookie (a browser that logged in before)
    window_minutes: int = 15


class LoginRefused(Exception):
    """Wrong account or password (the message does not say which)."""


class LoginLimited(Exception):
    """Too many failed logins for this account or address: try later."""


# --------------------------------------------------------------------------- accounts


def normal_password(password: str) -> str:
    """``password`` in NFKC, as it is checked, hashed and verified: a full-width
    „Ｐａｓｓｗｏｒｔ２０２４！“ is „Passwort2024!“, a no-break space a space (ASVS V2.1.5: any
    printable Unicode, compared in one form)."""
    return unicodedata.normalize("NFKC", password)


def hash_password(password: str) -> str:
    """The argon2id hash of ``password`` in its :func:`normal_password` form."""
    return _HASHER.hash(normal_password(password))


def _verify(stored: str, password: str) -> tuple[bool, bool]:
    """(does ``password`` match the hash ``stored``, did it match only as typed): its
    :func:`normal_password` form is tried first, then, when it differs, the password as
    typed once (hashes made before passwords were normalised, which the caller hashes
    again in the normal form)."""
    normal = normal_password(password)
    for candidate in dict.fromkeys((normal, password)):
        try:
            if _HASHER.verify(stored, candidate):
                return True, candidate != normal
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            continue
    return False, False


def _same_key(s: Session, name: str, *, typed: bool = False) -> list[str]:
    """The stored account names with the :func:`name_key` of ``name``; ``typed`` (a name
    typed to find an account): only if ``name`` holds no invisible or space character
    either („ko ra“ or „kora\u200b“ finds no account, though no new one may be made so)."""
    if typed and any(_invisible(ch) for ch in name.strip()):
        return []
    key = name_key(name)
    return sorted(n for n in s.scalars(select(UserRow.name)) if key and name_key(n) == key)


def find_account(s: Session, name: str) -> UserRow | None:
    """The account a typed ``name`` means: the one stored under exactly that name or its
    NFC form, else the one account with the same :func:`name_key` (``Kora`` for ``kora``);
    ``None`` when there is none, or several (accounts made before the name rules that
    differ only by case: then only the exact name finds one)."""
    for candidate in dict.fromkeys((name.strip(), normal_name(name))):
        if candidate and len(candidate) <= MAX_NAME:
            row = s.get(UserRow, candidate)
            if row is not None:
                return row
    same = _same_key(s, name, typed=True)
    return s.get(UserRow, same[0]) if len(same) == 1 else None


def login_key(name: str) -> str:
    """What ``web_login_attempts`` counts a typed name under: the SHA-256 of its
    :func:`name_key` (``Kora`` and ``kora`` count as one account; never the name)."""
    return token_hash(name_key(name))


def add_user(store: Store, name: str, password: str, *, role: str, city: str | None,
             actor: str | None = None, temporary: bool = False) -> str:
    """Create an account (German :class:`UserError` on bad input or a taken name); returns
    its stored name (:func:`check_name`). ``temporary``: the password was chosen by
    someone else (the administrator): the account's first login leads to *Passwort
    ändern* and no other page opens until its owner has set her own (ASVS V2.3.1, QA 42b
    F9: it stayed the account's password for good).

    A name whose :func:`name_key` is an existing account's is taken (``Kora`` when ``kora``
    exists). With ``actor`` the creation is audited (``user_added``, with the account's
    city) in the same transaction.
    """
    name = check_name(name)
    if role not in ROLES:
        raise UserError(f"--role: erlaubt sind {', '.join(ROLES)}, erhalten {role!r}.")
    if role != ROLE_ADMIN and not city:
        raise UserError("--city fehlt: ein Konto der Koordination gehört zu einer Stadt.")
    if role == ROLE_ADMIN and city:
        raise UserError("--city gilt nicht für die Administration: ein Konto mit Rolle admin "
                        "sieht alle Städte. --city weglassen.")
    stored_city = None if role == ROLE_ADMIN else city
    check_password(password, name=name, city=stored_city)
    now = clock.now()
    with store.session() as s:
        if s.get(UserRow, name) is not None:
            raise UserError(f"Den Benutzer „{name}“ gibt es schon.")
        same = _same_key(s, name)
        if same:
            raise UserError(
                f"Benutzername „{name}“: Der Name ist schon vergeben "
                f"({', '.join(shown_name(n) for n in same)}); Namen, die sich nur in Groß- "
                "und Kleinschreibung oder der Form der Zeichen unterscheiden, gelten als "
                "gleich.")
        s.add(UserRow(name=name, password_hash=hash_password(password), role=role,
                      city=stored_city, disabled=False,
                      created_at=now, password_changed_at=now,
                      must_change_password=temporary,
                      must_change_why=WHY_TEMPORARY if temporary else None))
        if actor is not None:  # (whether the password is temporary: review 42 #3)
            store.audit(actor, "user_added", city=stored_city,
                        details={"user": name, "role": role, "vorlaeufig": temporary},
                        session=s)
    return name


@dataclass(frozen=True)
class Account:
    """An account as ``hausbesuch user list`` shows it (no password hash)."""

    name: str
    role: str
    city: str | None
    disabled: bool
    must_change: bool
    created_at: datetime
    password_changed_at: datetime
    last_login: datetime | None  # the newest login in the audit log (None: none there)
    locked_by: int  # failed logins that lock it out now (0: no lockout)
    #: addresses locked out of it (by ``max_failures`` each); 0 with ``locked_by``: all
    #: addresses, by the account-wide limit
    locked_addresses: int = 0
    #: browsers locked out of it by their device cookie (``max_failures_device`` each,
    #: :func:`check_login`), and the failed logins that lock them; the account's other
    #: browsers still log in
    locked_devices: int = 0
    device_failures: int = 0
    #: why a new password is asked for (:attr:`User.must_change_why`)
    must_change_why: str | None = None


def list_users(store: Store, *, actor: str, limits: Limits | None = None) -> list[Account]:
    """Every account, by name; the listing is audited (``konten_angezeigt``).

    The last login is read from the audit log (it ages out with it); a lockout is told
    by the default limits (the command line does not know a running server's).
    """
    from hausbesuch.store import AuditRow

    limits = limits or Limits()
    with store.session() as s:
        logins = {actor: at for actor, at in s.execute(
            select(AuditRow.actor, func.max(AuditRow.at))
            .where(AuditRow.action == AUDIT_LOGIN).group_by(AuditRow.actor))}
        out = [Account(name=r.name, role=r.role, city=r.city, disabled=r.disabled,
                       must_change=r.must_change_password,
                       must_change_why=r.must_change_why if r.must_change_password else None,
                       created_at=r.created_at,
                       password_changed_at=r.password_changed_at,
                       last_login=logins.get(r.name),
                       **dict(zip(("locked_by", "locked_addresses"),
                                  _lockout(s, r.name, limits), strict=True)),
                       **dict(zip(("device_failures", "locked_devices"),
                                  _device_lockout(s, r.name, limits), strict=True)))
               for r in s.scalars(select(UserRow).order_by(UserRow.name))]
        store.audit(actor, "konten_angezeigt", details={"anzahl": len(out)}, session=s)
    return out


def _account(s: Session, name: str) -> UserRow:
    """The account ``name`` (as typed: :func:`find_account`) in session ``s`` (German
    :class:`UserError` when there is none, or several that differ only by case)."""
    row = find_account(s, name)
    if row is None:
        same = _same_key(s, name, typed=True)
        if len(same) > 1:
            raise UserError(
                f"Keinen Benutzer „{shown_name(name.strip())}“ gefunden; es gibt mehrere "
                f"Konten, die sich nur in der Schreibweise unterscheiden: "
                f"{', '.join('„' + shown_name(n) + '“' for n in same)}. Bitte einen davon "
                "genau so schreiben.")
        raise UserError(f"Keinen Benutzer „{shown_name(name.strip())}“ gefunden.")
    return row


_UMLAUTS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def _fold(text: str) -> str:
    """Lower case without umlauts (``Fußball`` → ``fussball``), as the list is written."""
    return text.casefold().translate(_UMLAUTS)


_LEET = str.maketrans({"@": "a", "$": "s", "0": "o", "1": "i", "3": "e", "4": "a",
                       "5": "s", "7": "t"})


def _deleet(text: str) -> str:
    """Signs and digits written for letters inside a word back as letters
    (``P@ssw0rd12345`` → ``Password12345``: the digits at the end stay)."""
    return re.sub(r"(?<=[^\W\d_])[@$013457]+(?=[^\W\d_])", lambda m: m[0].translate(_LEET),
                  text)


def _compact(text: str) -> str:
    """:func:`_fold` with letters and digits only (``Bad Hersfeld`` → ``badhersfeld``)."""
    return "".join(ch for ch in _fold(text) if ch.isalnum())


@functools.cache
def common_passwords() -> tuple[frozenset[str], frozenset[str]]:
    """(words, whole passwords) of :data:`COMMON_PASSWORDS`, folded and compacted."""
    words: set[str] = set()
    whole: set[str] = set()
    for line in COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines():
        entry = line.strip()
        if not entry or entry.startswith("#"):
            continue
        if entry.isalpha():
            words.add(_fold(entry))
        else:
            whole.add(_compact(entry))
    return frozenset(words), frozenset(whole)


#: Characters a password may have beyond list words and still count as made of them
#: (``Passwort2024!x``, ``xPasswort2024!``: cracking rules append and prepend these first),
#: see :func:`_few_words`.
EXTRA_CHARACTERS = 2
#: Runs of digits and signs a password may have for :data:`EXTRA_CHARACTERS` to apply:
#: ``Passwort2024!x`` has one (``2024!``); ``8#Hund$4!x9@Q2`` has four, its random
#: material makes it strong although its letters are a list word and two more.
EXTRA_RUNS = 2


@dataclass(frozen=True)
class _Letters:
    """The letters of a password (folded) as the list-word rule reads them."""

    letters: str
    #: where a letter stands alone between signs, spaces or digits (``Sommer-x-Sonne``)
    lone: frozenset[int]
    #: runs of digits and signs, not counting one sign or space between two letters (a
    #: word's separator: ``Sommer-Sonne``, ``Hase im Mond``)
    runs: int


def _letter_parts(text: str) -> _Letters:
    groups = [(alpha, "".join(chars))
              for alpha, chars in itertools.groupby(_fold(text), key=str.isalpha)]
    letters, lone, runs = "", set(), 0
    for k, (alpha, chars) in enumerate(groups):
        if alpha:
            if len(chars) == 1:
                lone.add(len(letters))
            letters += chars
        elif not (0 < k < len(groups) - 1 and len(chars) == 1 and not chars.isdigit()):
            runs += 1
    return _Letters(letters, frozenset(lone), runs)


def _few_words(text: str, words: frozenset[str], most: int = 2,
               extra: int = EXTRA_CHARACTERS) -> bool:
    """Are the letters of ``text`` (its digits, signs and spaces dropped) at least one and
    at most ``most`` words of ``words`` joined? With at most ``extra`` further letters when
    its digits and signs form at most :data:`EXTRA_RUNS` runs (:class:`_Letters`): before
    the first word or after the last (as cracking rules prepend and append them), and
    between two words only a letter that stands alone (``Sommer-x-Sonne-12y``). Two words
    joined by a short word of their own (``Maus im Haus 2024!``) are a passphrase."""
    parts = _letter_parts(text)
    letters, lone = parts.letters, parts.lone
    if not letters:
        return False
    if letters in words:
        return True
    if parts.runs > EXTRA_RUNS:
        extra = 0
    longest = max(map(len, words), default=0)
    n = len(letters)
    if not longest or n > most * longest + extra:
        return False

    @functools.cache
    def fits(i: int, left: int, spare: int, phase: int) -> bool:
        """Can ``letters[i:]`` be ``left`` words or fewer and ``spare`` letters or fewer?
        ``phase`` 0: no word yet; 1: after a word; 2: after the last word (spares only)."""
        if i == n:
            return phase > 0
        if spare and fits(i + 1, left, spare - 1,
                          2 if phase == 1 and i not in lone else phase):
            return True
        return phase < 2 and left > 0 and any(
            letters[i:j] in words and fits(j, left - 1, spare, 1)
            for j in range(i + 1, min(n, i + longest) + 1))

    return fits(0, most, extra, 0)


def _is_subsequence(short: str, long: str) -> bool:
    rest = iter(long)
    return all(ch in rest for ch in short)


def _near_whole(compact: str, whole: frozenset[str], extra: int = EXTRA_CHARACTERS) -> bool:
    """Is ``compact`` a whole password of the list, or one with at most ``extra`` further
    characters anywhere (``1qay2wsx3edcx``)?"""
    return compact in whole or any(
        len(compact) - extra <= len(w) < len(compact) and _is_subsequence(w, compact)
        for w in whole)


def _step(ch: str, step: int) -> str | None:
    if "0" <= ch <= "9":
        return str((int(ch) + step) % 10)
    if "a" <= ch <= "z":
        return chr((ord(ch) - ord("a") + step) % 26 + ord("a"))
    return None


def _run(text: str) -> bool:
    """One run up or down, digits or letters (``123456789012``, ``lkjihgfedcba``)."""
    return len(text) > 2 and any(all(_step(a, step) == b for a, b in itertools.pairwise(text))
                                 for step in (1, -1))


def _near_run(compact: str, extra: int = EXTRA_CHARACTERS) -> bool:
    """Is ``compact`` one :func:`_run` with at most ``extra`` further characters before or
    after it (``12345678901a``, ``x123456789012``)?"""
    n = len(compact)
    return any(_run(compact[i:n - j]) for i in range(extra + 1)
               for j in range(extra + 1 - i) if n - i - j > 2)


#: Keyboards whose walks a password must not be: rows without shift, each with its left
#: edge in key widths (a staggered keyboard: German QWERTZ with its umlauts, English
#: QWERTY), and the number pad (a grid; its 0 two keys wide: ``00``).
_KEYBOARDS: tuple[tuple[tuple[str, float], ...], ...] = (
    (("1234567890ß", 0.0), ("qwertzuiopü", 0.5), ("asdfghjklöä", 0.75), ("yxcvbnm", 1.25)),
    (("1234567890", 0.0), ("qwertyuiop", 0.5), ("asdfghjkl", 0.75), ("zxcvbnm", 1.25)),
    (("789", 0.0), ("456", 0.0), ("123", 0.0), ("00", 0.0)),
)
#: Shortest stretch of neighbouring keys that counts towards a walk (``wert`` is one; a
#: password is a walk only when such stretches make up all of it but one or two keys).
WALK_KEYS = 3


@functools.cache
def _neighbours(board: int) -> dict[str, frozenset[str]]:
    """Key → the keys beside it on ``_KEYBOARDS[board]``: in its row the next ones; in the
    row above or below those less than one key width away (the number pad: the one right
    above or below, no diagonals, so that only some 0.3 % of random 12-digit passwords are
    walks)."""
    keys = [(ch, row, x + k) for row, (chars, x) in enumerate(_KEYBOARDS[board])
            for k, ch in enumerate(chars)]
    pad = board == len(_KEYBOARDS) - 1
    near: dict[str, set[str]] = {}
    for a, ra, xa in keys:
        for b, rb, xb in keys:
            dr, dx = abs(ra - rb), abs(xa - xb)
            if a != b and (dr == 0 and dx <= 1 or dr == 1 and dx <= (0.5 if pad else 0.75)):
                near.setdefault(a, set()).add(b)
    return {k: frozenset(v) for k, v in near.items()}


def _keyboard_walk(text: str, extra: int = EXTRA_CHARACTERS) -> bool:
    """Are the letters and digits of ``text`` (lower case, signs and spaces dropped) on one
    of :data:`_KEYBOARDS` stretches of at least :data:`WALK_KEYS` neighbouring keys, but for
    at most ``extra`` of them (``zaq12wsxcde3``, ``1qay-2wsx-3edc``, ``qwertzuiop12``,
    ``789456123012``)?"""
    keys = [ch for ch in text.lower() if ch.isalnum()]
    if len(keys) < MIN_DISTINCT:
        return False
    for board in range(len(_KEYBOARDS)):
        near = _neighbours(board)
        walked = stretch = 0
        for k, ch in enumerate(keys):
            stretch = stretch + 1 if k and ch in near.get(keys[k - 1], ()) else 1
            if stretch == WALK_KEYS:
                walked += WALK_KEYS
            elif stretch > WALK_KEYS:
                walked += 1
        if walked >= len(keys) - extra:
            return True
    return False


@functools.cache
def _shipped_cities() -> dict[str, str]:
    """Short name → display name of the shipped city profiles (``bad-hersfeld`` →
    ``Bad Hersfeld``)."""
    from hausbesuch.config import available_profiles, load_profile

    return {slug: load_profile(slug).name for slug in available_profiles()}


def _places(city: str | None) -> list[tuple[str, list[str]]]:
    """(display name, its names) of the cities a password of an account of ``city`` must not
    name: the account's own city by its display name and, for a shipped profile, its short
    name; for an account without a city (admin) every shipped city."""
    shipped = _shipped_cities()
    if not city:
        return [(shown, [shown, slug]) for slug, shown in shipped.items()]
    names = [city] + [slug for slug, shown in shipped.items() if city in (slug, shown)]
    shown = shipped.get(city, city)
    return [(shown, names)]


def _letters(text: str) -> str:
    """The letters of ``text``, folded (``Bad Hersfeld 2024`` → ``badhersfeld``)."""
    return "".join(ch for ch in _fold(text) if ch.isalpha())


def _password_words(password: str) -> list[str]:
    """The words of a password, folded: runs of letters, split at signs, spaces, digits and
    at a capital after a small letter (``MeinKassel2024`` → ``mein``, ``kassel``)."""
    spaced = re.sub(r"(?<=[a-zäöüß])(?=[A-ZÄÖÜ])", " ", password)
    return [w for w in re.split(r"[\W\d_]+", _fold(spaced)) if w]


def _names_place(words: list[str], place: str) -> bool:
    """Is ``place`` (the whole name, or a word of 4 or more letters of it) one word of the
    password, or the whole name some words in a row (``Bad Hersfeld``, ``bad-hersfeld``,
    ``BadHersfeld``)? A word that only contains it (``Ablauf``, ``Kasseler``) is not."""
    whole = _letters(place)
    parts = {w for w in re.split(r"[\W_]+", _fold(place)) if len(w) >= 4 and w.isalpha()}
    if any(w in parts for w in words):
        return True
    for i in range(len(words)):
        joined = ""
        for w in words[i:]:
            joined += w
            if len(joined) >= len(whole):
                break
        if whole and joined == whole:
            return True
    return False


def _visible(password: str) -> str:
    """``password`` as its rules read it: every space character (no-break, ideographic,
    tab) a space, invisible format and control characters (zero-width space, soft
    hyphen, direction marks) dropped, so that they neither count towards the length nor
    hide a weak password."""
    return "".join(" " if ch.isspace() else ch for ch in password
                   if ch.isspace() or unicodedata.category(ch) not in ("Cf", "Cc"))


def check_password(password: str, *, name: str | None = None,
                   city: str | None = None) -> None:
    """Refuse (German :class:`UserError`) a new password that is too short, of spaces only
    or easy to guess (ASVS V2.1.7). It is read in its :func:`normal_password` form with
    every space character a space and invisible format and control characters dropped
    (:func:`_visible`). Refused: one that contains the account's ``name`` (3 or more
    letters and digits; without case, spaces and signs); one that names the account's
    ``city`` (its display name or short name; for an account without a city every shipped
    city) as a whole word: the whole name, or a word of 4 or more letters of it, as a word of
    the password (``Hersfeld-2024``, not ``Hersfelder`` or ``Ablauf``); one that is nothing
    but the name of a shipped city, whosever account it is (``bad-hersfeld``); one that
    contains "hausbesuch"; one that is one short part repeated
    (``annaannaanna``, also with signs, digits or one or two letters after it:
    ``abc123abc123x``) or one run (``123456789012``, also with one or two characters
    before or after it: ``12345678901a``); one with fewer than :data:`MIN_DISTINCT`
    different letters and digits (``"           a"``, ``"!!!!!!!!!!!a"``); one on the list
    of common passwords,
    or made of one or two of its words with digits and signs only (``Passwort2024!``),
    also with up to :data:`EXTRA_CHARACTERS` further characters (a whole password of the
    list: anywhere; list words: letters before or after them, as cracking rules add them:
    ``Passwort2024!x``, ``xPasswort2024!``, or a letter alone between them, and only when
    the digits and signs form at most :data:`EXTRA_RUNS` runs, :func:`_few_words`:
    ``8#Hund$4!x9@Q2`` and ``Maus im Haus 2024!`` are taken); and one that is a keyboard
    walk (:func:`_keyboard_walk`: ``zaq12wsxcde3``, ``poiuztrewq12``, ``789456123012``)."""
    if len(password) > MAX_PASSWORD:  # first: the checks below are not all linear
        raise UserError(f"Das Passwort darf höchstens {MAX_PASSWORD} Zeichen haben.")
    typed, password = password, _visible(normal_password(password))
    if len(password) > MAX_PASSWORD:  # NFKC made it longer ("ﷺ" is 18 characters)
        raise UserError(f"Das Passwort darf höchstens {MAX_PASSWORD} Zeichen haben.")
    if len(password) < MIN_PASSWORD:
        raise UserError(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen"
                        + ("; unsichtbare Zeichen zählen nicht." if len(typed) >= MIN_PASSWORD
                           else "."))
    if not password.strip():
        raise UserError("Das Passwort darf nicht nur aus Leerzeichen bestehen.")
    folded, compact = _fold(password), _compact(password)
    if name and len(_compact(name)) >= 3 and _compact(name) in compact:
        raise UserError("Das Passwort darf den Benutzernamen nicht enthalten." + _EASY_TIP)
    own_words = _password_words(password)
    for shown, names in _places(city):
        if any(_names_place(own_words, place) for place in names):
            raise UserError(f"Das Passwort darf den Namen der Stadt („{shown}“) nicht "
                            "enthalten." + _EASY_TIP)
    letters = _letters(password)
    for slug, shown in _shipped_cities().items():  # another city's name alone: "bad-hersfeld"
        if letters in (_letters(slug), _letters(shown)):
            raise UserError(f"Das Passwort darf nicht nur aus dem Namen einer Stadt "
                            f"(„{shown}“) bestehen." + _EASY_TIP)
    if PRODUCT_WORD in compact:
        raise UserError(f"Das Passwort darf „{PRODUCT_WORD}“ nicht enthalten." + _EASY_TIP)
    # also with signs, digits, or one or two letters (then digits) after it:
    # "annaannaanna!", "aaaaaaaaaaa1", "abc123abc123x"
    cores = set()
    for cut in range(EXTRA_CHARACTERS + 1):
        head = compact[:len(compact) - cut]
        cores |= {head, re.sub(r"\d+$", "", head)}
    if any(re.fullmatch(rf"(.{{1,{MIN_PASSWORD - 1}}}?)\1+", t, re.DOTALL)
           for t in (folded, compact, *cores) if len(t) >= MIN_PASSWORD // 2):
        raise UserError("Das Passwort wiederholt nur eine kurze Zeichenfolge (wie "
                        "„annaannaanna“ oder „123412341234“)." + _EASY_TIP)
    if _near_run(compact):
        raise UserError("Das Passwort ist eine fortlaufende Folge (wie „123456789012“ oder "
                        "„abcdefghijkl“), auch mit ein oder zwei Zeichen mehr." + _EASY_TIP)
    if len(set(compact)) < MIN_DISTINCT:
        raise UserError(f"Das Passwort braucht mindestens {MIN_DISTINCT} verschiedene "
                        "Buchstaben oder Ziffern; Leerzeichen, Satzzeichen und unsichtbare "
                        "Zeichen zählen dafür nicht." + _EASY_TIP)
    words, whole = common_passwords()
    plain = _deleet(password)  # "P@ssw0rd12345" is "Password12345"
    if _near_whole(compact, whole) or _near_whole(_compact(plain), whole) or any(
            _few_words(t, words) for t in (password, plain)):
        raise UserError("Das Passwort ist zu leicht zu erraten: es steht auf der Liste "
                        "häufiger Passwörter oder besteht nur aus einem oder zwei häufigen "
                        "Wörtern mit Ziffern oder Zeichen, auch mit ein oder zwei Zeichen "
                        "mehr (wie „Passwort2024!“ oder „Passwort2024!x“)." + _EASY_TIP)
    # after the list: its keyboard patterns ("qwertz123456") keep its message
    if _keyboard_walk(password):
        raise UserError("Das Passwort ist eine Folge benachbarter Tasten (wie "
                        "„qwertzuiop12“ oder „1qay2wsx3edc“)." + _EASY_TIP)


@dataclass(frozen=True)
class AccountChange:
    """What :func:`set_password` and :func:`enable_user` did."""

    user: User
    #: counted failed logins deleted: the account's login lockout is lifted
    lifted: int = 0
    #: the account was disabled (``user disable``) before
    was_disabled: bool = False


def _failure_keys(name: str) -> set[str]:
    """What failed logins of account ``name`` are counted under (:func:`login_key`; and
    the SHA-256 of the name itself, as versions before the name rules counted)."""
    return {login_key(name), token_hash(name)}


def _locked_by(s: Session, name: str, limits: Limits) -> int:
    """How many failed logins lock account ``name`` out now: those within the window (from
    all addresses), if some address reached ``max_failures`` for it or all of them together
    ``max_failures_account`` (:func:`check_login`), and those of each browser whose device
    cookie reached ``max_failures_device`` (:func:`_device_lockout`); 0 when it is not
    locked out, for any address or browser. ``limits`` are the server's (the command line
    knows the defaults only)."""
    return _lockout(s, name, limits)[0] + _device_lockout(s, name, limits)[0]


def _device_lockout(s: Session, name: str, limits: Limits) -> tuple[int, int]:
    """(failed logins that lock browsers out of account ``name`` by their device cookie,
    how many browsers): tries within the window with a valid device cookie of the account
    count per device (:func:`check_login`), ``max_failures_device`` lock that browser.
    Nothing of the cookie is returned."""
    since = clock.utc() - timedelta(minutes=limits.window_minutes)
    locking = [int(n) for n in s.scalars(
        select(func.count()).select_from(LoginAttemptRow).where(
            LoginAttemptRow.user_name.in_(_failure_keys(name)), LoginAttemptRow.at >= since,
            LoginAttemptRow.device.is_not(None))
        .group_by(LoginAttemptRow.device)) if n >= limits.max_failures_device]
    return sum(locking), len(locking)


def _lockout(s: Session, name: str, limits: Limits) -> tuple[int, int]:
    """(:func:`_locked_by`, how many addresses are locked out of the account; 0 when the
    account-wide limit locks every address)."""
    since = clock.utc() - timedelta(minutes=limits.window_minutes)
    per_address = [int(n) for n in s.scalars(
        select(func.count()).select_from(LoginAttemptRow).where(
            LoginAttemptRow.user_name.in_(_failure_keys(name)), LoginAttemptRow.at >= since,
            LoginAttemptRow.device.is_(None))
        .group_by(LoginAttemptRow.address))]
    recent = sum(per_address)
    if recent >= limits.max_failures_account:
        return recent, 0
    addresses = sum(n >= limits.max_failures for n in per_address)
    return (recent, addresses) if addresses else (0, 0)


def _lift_lockout(s: Session, name: str, limits: Limits) -> int:
    """End a lockout of account ``name`` at once: its counted failed logins are deleted
    (older ones too); the throttle of its audit rows (:data:`_LOCKED`) is forgotten in
    this process (only a server's own; the command line cannot reach it, which only
    holds back repeated audit rows). Returns :func:`_locked_by` before (0: there was no
    lockout). A browser's lockout by its device cookie is lifted with it (its failed
    logins carry the account's name key too). The limit per client address (an office's
    shared address) stays."""
    locked = _locked_by(s, name, limits)
    keys = _failure_keys(name)
    s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.user_name.in_(keys)))
    _LOCKED.forget(lambda key: key[0] in keys)
    return locked


def _change_details(row: UserRow, lifted: int) -> dict[str, object]:
    details: dict[str, object] = {"user": row.name, "role": row.role}
    if lifted:
        details["sperre_aufgehoben"] = lifted
    return details


def set_password(store: Store, name: str, password: str, *, actor: str,
                 limits: Limits | None = None, temporary: bool = False) -> AccountChange:
    """Give an account a new password (a leaked one, a forgotten one), end all its
    sessions, forget its device cookies (:func:`remember_device`) and lift its login lockout (:func:`_lift_lockout`: the colleague who forgot
    it logs in at once), audited (``user_password_set``, with the account's city and, when
    it was locked out, ``sperre_aufgehoben``: the failed logins that locked it) in the same
    transaction. The
    password is checked with the account's name and city (:func:`check_password`).
    ``temporary``: set by the administrator, to be replaced by the account's owner at
    the next login (as :func:`add_user`); else (the owner's own change) no change is
    asked for any more."""
    with store.session() as s:
        row = _account(s, name)
        check_password(password, name=row.name, city=row.city)
        row.password_hash = hash_password(password)
        row.password_changed_at = clock.now()
        row.must_change_password = temporary
        row.must_change_why = WHY_TEMPORARY if temporary else None
        s.execute(delete(SessionRow).where(SessionRow.user_name == row.name))
        s.execute(delete(DeviceRow).where(DeviceRow.user_name == row.name))
        lifted = _lift_lockout(s, row.name, limits or Limits())
        store.audit(actor, "user_password_set", city=row.city,
                    details={**_change_details(row, lifted), "vorlaeufig": temporary},
                    session=s)
        return AccountChange(User(name=row.name, role=row.role, city=row.city), lifted,
                             bool(row.disabled))


def enable_user(store: Store, name: str, *, actor: str,
                limits: Limits | None = None) -> AccountChange:
    """Enable a disabled account again (its old sessions stay ended) and lift its login
    lockout (:func:`_lift_lockout`), also of an account that is only locked out by failed
    logins; audited (``user_enabled``, with the account's city and, when it was locked
    out, ``sperre_aufgehoben``). German :class:`UserError` for an account that is neither
    disabled nor locked out."""
    limits = limits or Limits()
    with store.session() as s:
        row = _account(s, name)
        was_disabled = bool(row.disabled)
        if not was_disabled and not _locked_by(s, row.name, limits):
            raise UserError(f"Das Konto „{shown_name(row.name)}“ ist nicht gesperrt, auch "
                            "nicht nach zu vielen fehlgeschlagenen Anmeldungen.")
        row.disabled = False
        lifted = _lift_lockout(s, row.name, limits)
        store.audit(actor, "user_enabled", city=row.city,
                    details=_change_details(row, lifted), session=s)
        return AccountChange(User(name=row.name, role=row.role, city=row.city), lifted,
                             was_disabled)


def disable_user(store: Store, name: str, *, actor: str | None = None) -> User:
    """Disable an account, end its sessions and forget its device cookies (enabled again,
    its browsers earn new ones at their next login); returns the account.

    With ``actor`` the change is audited (``user_disabled``, with the account's city, so
    that the city's Protokoll shows it) in the same transaction.
    """
    with store.session() as s:
        row = _account(s, name)
        row.disabled = True
        s.execute(delete(SessionRow).where(SessionRow.user_name == row.name))
        s.execute(delete(DeviceRow).where(DeviceRow.user_name == row.name))
        if actor is not None:
            store.audit(actor, "user_disabled", city=row.city,
                        details={"user": row.name, "role": row.role}, session=s)
        return User(name=row.name, role=row.role, city=row.city)


# --------------------------------------------------------------------------- audit


def audit_auth(store: Store, action: str, user: User, *, address: str | None = None,
               reason: str | None = None, session: Session | None = None) -> None:
    """One audit row about ``user``'s authentication (login, logout, session end)."""
    store.audit(user.name, action, city=user.city,
                details=_auth_details(address, reason), session=session)


def _auth_details(address: str | None, reason: str | None) -> dict[str, str]:
    details = {}
    if address is not None:
        details["ip"] = address[:64]
    if reason is not None:
        details["grund"] = reason
    return details


def _audit_attempt(store: Store, s: Session, action: str, row: UserRow | None,
                   address: str, reason: str, extra: dict[str, str] | None = None) -> None:
    """The audit row of a refused or limited login (never the password, and for a name no
    account has not the typed name either)."""
    details = _auth_details(address, reason)
    if extra:
        details.update(extra)
    if row is None:
        store.audit(UNKNOWN_ACTOR, action, details=details, session=s)
    else:
        store.audit(row.name, action, city=row.city, details=details, session=s)


#: Locked-out (name, address) pairs: one audit row per :data:`LOCKED_AUDIT_EVERY`, the
#: next one counting the tries held back in between.
_LOCKED = OncePer(LOCKED_AUDIT_EVERY)


@dataclass(frozen=True)
class _Failures:
    """Failed logins within the window (tries being checked included). ``pair`` and
    ``account`` count tries without a valid device cookie only, ``device`` those with the
    device cookie of the try being checked (``None``: it carries none)."""

    pair: int  # for the account name from this address
    account: int  # for the account name from all addresses
    address: int  # from this address, any names
    device: int | None = None  # with this device cookie

    def over(self, limits: Limits, slack: int = 0) -> str | None:
        """The audit reason of the first limit reached (``slack`` 1: passed), else None.
        A try with a valid device cookie meets the device's limit instead of the two of
        the account: failed logins of others cannot lock its owner's browser out."""
        if self.device is not None:
            if self.device >= limits.max_failures_device + slack:
                return "fehlversuche_geraet"
        elif self.pair >= limits.max_failures + slack:
            # not "fehlversuche_konto": rows of that code were written when the per-account
            # limit counted all addresses, and keep that meaning (its label)
            return "fehlversuche_konto_adresse"
        elif self.account >= limits.max_failures_account + slack:
            return "fehlversuche_konto_alle_adressen"
        if self.address >= limits.max_failures_per_address + slack:
            return "fehlversuche_adresse"
        return None


def address_key(address: str) -> str:
    """What the login limits count a client ``address`` under: an IPv4 address as it is,
    an IPv6 address by its /64 network (``2001:db8:1:2::/64``: one subscriber or host
    holds a whole /64 and could otherwise try from a fresh address each time), an IPv4
    address written as IPv6 (``::ffff:10.0.0.1``) as the IPv4 address; anything that is no
    address as it is."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # without an IPv6 zone
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return address


def _failures(store: Store, key: str, address: str, since: datetime,
              device: str | None = None) -> _Failures:
    def count(s: Session, *where: ColumnElement[bool]) -> int:
        return int(s.scalar(select(func.count()).select_from(LoginAttemptRow).where(
            LoginAttemptRow.at >= since, *where)) or 0)

    untrusted = LoginAttemptRow.device.is_(None)
    with store.session() as s:
        return _Failures(
            pair=count(s, LoginAttemptRow.user_name == key, LoginAttemptRow.address == address,
                       untrusted),
            account=count(s, LoginAttemptRow.user_name == key, untrusted),
            address=count(s, LoginAttemptRow.address == address),
            device=None if device is None else count(s, LoginAttemptRow.device == device))


def _device_key(token: str | None) -> str | None:
    """What a device cookie's ``token`` is stored under (None: no plausible token)."""
    return token_hash(token) if token and len(token) <= 200 else None


def _valid_device(store: Store, key: str, token: str | None) -> str | None:
    """The stored hash of the device cookie ``token`` when it is valid for the account
    name :func:`login_key` ``key`` (set at a login to that account, used within
    :data:`DEVICE_DAYS`, not forgotten since by a new password or a disabled account);
    else None: another account's, a made-up or an expired one counts as none. One lookup
    whether the typed account exists or not (the answer time does not tell)."""
    hashed = _device_key(token)
    if hashed is None:
        return None
    with store.session() as s:
        row = s.get(DeviceRow, hashed)
        if (row is None or row.last_used < clock.utc() - timedelta(days=DEVICE_DAYS)
                or login_key(row.user_name) != key):
            return None
        return hashed


def remember_device(store: Store, user: User, token: str | None) -> str:
    """After a successful login of ``user``: the device cookie this browser keeps (OWASP
    "device cookie"). The cookie's ``token`` when it is valid for this account (its last
    use moves to now), else a new random 256-bit token whose SHA-256 is stored with the
    account name (a browser that had another account's cookie gets one for this
    account). The token holds nothing about the account or the person; expired device
    rows are deleted here."""
    now = clock.utc()
    hashed = _device_key(token)
    with store.session() as s:
        s.execute(delete(DeviceRow).where(DeviceRow.last_used < now - timedelta(days=DEVICE_DAYS)))
        row = s.get(DeviceRow, hashed) if hashed is not None else None
        if row is not None and row.user_name == user.name:
            row.last_used = now
            return str(token)
        token = new_token(32)
        s.add(DeviceRow(id_hash=token_hash(token), user_name=user.name, created_at=now,
                        last_used=now))
        return token


def _limited(store: Store, name: str, key: str, address: str, where: str,
             reason: str) -> LoginLimited:
    """Audit a try refused at the limit (throttled per name and :func:`address_key`
    ``where``, see :data:`_LOCKED`)."""
    held = _LOCKED.take((key, where))
    if held is not None:
        with store.session() as s:
            _audit_attempt(store, s, AUDIT_LOGIN_LOCKED, find_account(s, name), address,
                           reason, {"weitere_versuche": str(held)} if held else None)
    return LoginLimited()


def check_login(store: Store, name: str, password: str, address: str, limits: Limits,
                device: str | None = None) -> User:
    """The account for a correct login; raises :class:`LoginLimited` or :class:`LoginRefused`.

    Failed logins are counted per account name from this address, per account name from
    all addresses and per address (:class:`Limits`); at any limit the try is refused
    before the password is checked. A try whose ``device`` cookie is valid for the typed
    account (:func:`remember_device`) is counted per device and per address instead: the
    account's two limits (reached by others' guessing) do not refuse it, the device's own
    and the address's do; a device cookie of another account, a made-up or an expired
    one counts as none. The try is counted (a row of ``web_login_attempts``)
    before the password is checked, and the counts are read again after it: of tries that
    arrive at the same time, at most each limit get their password checked, however many
    threads serve them (for one address and for all addresses together). A correct login
    removes the rows of its account from its own address (not those of other addresses:
    a guesser there gets no fresh budget, and the count over all addresses goes on), and
    with a device cookie those of its device; a device's rows only so (a login without it
    gives a stolen device cookie no fresh tries).
    The rows keep the SHA-256 of the typed name's
    :func:`name_key` (:func:`login_key`), never the name; the account is found by
    :func:`find_account`. A refused or limited try is audited here; the caller audits the login
    itself once its session exists (:func:`audit_auth`). A password longer than
    :data:`MAX_PASSWORD` is a failed login (``passwort_falsch``), counted, but not hashed.
    """
    name = name.strip()[:4 * MAX_NAME]
    key = login_key(name)
    address = address[:64]
    where = address_key(address)  # counted by (an IPv6 address: its /64)
    now = clock.utc()
    since = now - timedelta(minutes=limits.window_minutes)
    trusted = _valid_device(store, key, device)
    reason = _failures(store, key, where, since, trusted).over(limits)
    if reason is not None:
        raise _limited(store, name, key, address, where, reason)
    with store.session() as s:  # claim the try, committed before the slow hash check
        claim = LoginAttemptRow(at=now, user_name=key, address=where, device=trusted)
        s.add(claim)
        s.flush()
        claim_id = claim.id
    reason = _failures(store, key, where, since, trusted).over(limits, slack=1)
    if reason is not None:
        with store.session() as s:  # others came first: this one is not checked
            s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.id == claim_id))
        raise _limited(store, name, key, address, where, reason)
    with store.session() as s:
        row = find_account(s, name)
        stored = row.password_hash if row is not None else _DUMMY_HASH
        ok = legacy = False
        if len(password) <= MAX_PASSWORD:  # a longer one is wrong: not hashed
            ok, legacy = _verify(stored, password)
        refused = row is None or row.disabled or not ok
        account = row.name if row is not None else None
        if refused:  # the claimed row stays: it is the failure
            reason = ("konto_unbekannt" if row is None else "passwort_falsch" if not ok
                      else "konto_gesperrt")
            _audit_attempt(store, s, AUDIT_LOGIN_FAILED, row, address, reason)
    if refused:
        raise LoginRefused()
    with store.session() as s:
        row = s.get(UserRow, account)
        if legacy or _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = hash_password(password)  # in the normal form
        s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.user_name == key,
                                                LoginAttemptRow.address == where,
                                                LoginAttemptRow.device.is_(None)))
        if trusted is not None:  # and its device's, from any address
            s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.device == trusted))
        s.execute(delete(LoginAttemptRow).where(LoginAttemptRow.at < since))
        # (a temporary password or one that failed the rules before: the login leads to
        # the password page at once, not first to the page asked for)
        return User(name=row.name, role=row.role, city=row.city,
                    must_change=bool(row.must_change_password),
                    must_change_why=row.must_change_why)


# --------------------------------------------------------------------------- sessions


def start_session(store: Store, user: User, agent: str | None = None) -> tuple[str, str]:
    """A new session for ``user``: returns (cookie token, CSRF token). ``agent``: the
    browser's short description (:func:`hausbesuch.web.useragent.describe`), never the
    ``User-Agent`` header itself."""
    token, csrf = new_token(32), new_token(32)
    now = clock.utc()
    with store.session() as s:
        s.add(SessionRow(id_hash=token_hash(token), user_name=user.name, csrf_token=csrf,
                         created_at=now, last_seen=now, agent=agent))
    return token, csrf


@dataclass(frozen=True)
class SessionInfo:
    """A live session of an account as „Meine Sitzungen“ shows it."""

    key: str  # what the page's form names it by (:func:`session_key`), not its id hash
    started: datetime  # UTC
    last_seen: datetime  # UTC
    agent: str | None  # the browser's short description (None: not known)
    current: bool  # the session of the request that asks


def session_key(secret: str, id_hash: str) -> str:
    """The name a session has in the page's form: an HMAC of its id hash under the
    server's ``secret`` (the stored hash itself stays in the database; a key of another
    account's session ends nothing, :func:`end_own_sessions` looks among the account's
    own)."""
    return derived_token(secret, "sitzung:" + id_hash)[:32]


def own_sessions(store: Store, user: User, token: str | None, limits: Limits,
                 secret: str) -> list[SessionInfo]:
    """The live sessions of ``user``'s account (not ended by their idle or absolute limit),
    the one of ``token`` (the asking request's) first, then the most recently active."""
    now = clock.utc()
    mine = token_hash(token) if token and len(token) <= 200 else None
    with store.session() as s:
        rows = s.scalars(select(SessionRow).where(SessionRow.user_name == user.name)).all()
        live = [r for r in rows if now <= min(_session_ends(r, limits))]
        out = [SessionInfo(key=session_key(secret, r.id_hash), started=r.created_at,
                           last_seen=r.last_seen, agent=r.agent,
                           current=mine is not None and r.id_hash == mine) for r in live]
    return sorted(out, key=lambda i: (not i.current, -i.last_seen.timestamp()))


def end_own_sessions(store: Store, user: User, token: str | None, secret: str, *,
                     key: str | None = None, address: str | None = None) -> int:
    """End sessions of ``user``'s account other than the one of ``token``: the one whose
    :func:`session_key` is ``key``, or with ``key`` None all of them. Audited
    (:data:`AUDIT_SESSIONS_ENDED`, the account as actor, with its city, the peer
    ``address``, how many and ``umfang``) in the same transaction when any ended.
    Returns how many ended (0: none, e.g. the key's session ended meanwhile)."""
    mine = token_hash(token) if token and len(token) <= 200 else ""
    with store.session() as s:
        others = [h for h in s.scalars(select(SessionRow.id_hash).where(
            SessionRow.user_name == user.name)) if h != mine]
        if key is not None:
            others = [h for h in others if same(session_key(secret, h), key[:64])]
        if not others:
            return 0
        ended = s.execute(delete(SessionRow).where(SessionRow.id_hash.in_(others))).rowcount
        if ended:
            details: dict[str, object] = {
                **_auth_details(address, None), "anzahl": int(ended),
                "umfang": "eine" if key is not None else "alle_anderen"}
            store.audit(user.name, AUDIT_SESSIONS_ENDED, city=user.city, details=details,
                        session=s)
        return int(ended)


def end_session(store: Store, token: str | None) -> bool:
    """Delete the session of ``token``; True if there was one."""
    if not token or len(token) > 200:
        return False
    with store.session() as s:
        result = s.execute(delete(SessionRow).where(SessionRow.id_hash == token_hash(token)))
        return bool(result.rowcount)


def lookup_session(store: Store, token: str | None, limits: Limits, *,
                   touch: bool = True) -> tuple[User, str] | None:
    """(user, CSRF token) of a live session; expired or orphaned sessions are deleted.

    With ``touch`` (every page) the session counts as active now; without it (a page's
    script asking by itself, e.g. for a job's state every 2 seconds) it keeps its idle
    time, so an open tab still ends by the idle limit.

    A session that ends here by its idle or absolute limit is audited
    (:data:`AUDIT_SESSION_EXPIRED`, reason ``leerlauf`` or ``hoechstdauer``), once: of
    concurrent requests only the one whose delete removed the row writes it.
    """
    if not token or len(token) > 200:
        return None
    key = token_hash(token)
    now = clock.utc()
    with store.session() as s:
        row = s.get(SessionRow, key)
        if row is None:
            return None
        user = s.get(UserRow, row.user_name)
        idle_end, hard_end = _session_ends(row, limits)
        idle, old = now > idle_end, now > hard_end
        if user is None or user.disabled or idle or old:
            gone = s.execute(delete(SessionRow).where(SessionRow.id_hash == key)).rowcount
            if gone and user is not None and not user.disabled:
                audit_auth(store, AUDIT_SESSION_EXPIRED,
                           User(name=user.name, role=user.role, city=user.city),
                           reason="hoechstdauer" if old else "leerlauf", session=s)
            return None
        if touch and now - row.last_seen > timedelta(seconds=30):
            row.last_seen = now
        return User(name=user.name, role=user.role, city=user.city,
                    must_change=bool(user.must_change_password),
                    must_change_why=user.must_change_why), row.csrf_token


def _session_ends(row: SessionRow, limits: Limits) -> tuple[datetime, datetime]:
    """When a session ends (UTC) by its idle limit and by its absolute limit."""
    return (row.last_seen + timedelta(minutes=limits.idle_minutes),
            row.created_at + timedelta(hours=limits.absolute_hours))


def _session_row(s: Session, token: str | None) -> SessionRow | None:
    """The stored session of the cookie value ``token`` in ``s``, or None (none given, one
    longer than any we hand out, or no such session)."""
    if not token or len(token) > 200:
        return None
    return s.get(SessionRow, token_hash(token))


def session_time_left(store: Store, token: str | None, limits: Limits) -> tuple[int, bool] | None:
    """(seconds until the session of ``token`` ends, whether an action extends it), read
    without touching the session (asking does not count as activity); ``None`` when there
    is no live session. It ends by its idle limit unless its absolute limit comes first,
    which no action moves."""
    now = clock.utc()
    with store.session() as s:
        row = _session_row(s, token)
        user = s.get(UserRow, row.user_name) if row is not None else None
        if row is None or user is None or user.disabled:
            return None
        idle_end, hard_end = _session_ends(row, limits)
        left = (min(idle_end, hard_end) - now).total_seconds()
        if left <= 0:
            return None
        return int(left), idle_end < hard_end


def touch_session(store: Store, token: str | None) -> None:
    """Mark the session of ``token`` active now (the user asked to stay logged in);
    :func:`lookup_session` only does so when the last mark is older than 30 seconds."""
    with store.session() as s:
        row = _session_row(s, token)
        if row is not None:
            row.last_seen = clock.utc()


#: A sensitive action (*Link erzeugen*) asks for the password again when the session's
#: login or last password confirmation is older than this (ASVS V3.7.1, QA 28 F6).
FRESH_AUTH_MINUTES = 10


def session_fresh(store: Store, token: str | None) -> bool:
    """Whether the session of ``token`` logged in or confirmed its password in the last
    :data:`FRESH_AUTH_MINUTES` (False without a session)."""
    with store.session() as s:
        row = _session_row(s, token)
        if row is None:
            return False
        proved = row.fresh_auth_at or row.created_at
    return clock.utc() - proved <= timedelta(minutes=FRESH_AUTH_MINUTES)


def mark_fresh(store: Store, token: str | None) -> None:
    """The session of ``token`` has just proved its password (checked by
    :func:`check_login`): it counts as fresh for :data:`FRESH_AUTH_MINUTES`."""
    with store.session() as s:
        row = _session_row(s, token)
        if row is not None:
            row.fresh_auth_at = clock.utc()


class LoginRequired(Exception):
    """Raised by :func:`require_user`; the app answers with a redirect to the login."""


class PasswordChangeRequired(Exception):
    """Raised by :func:`require_user` for an account that must change its password first;
    the app answers with a redirect to the password page."""


#: The page an account whose password fails today's rules may still open.
PASSWORD_PAGE = "/konto/passwort"


def require_user(request: Request) -> User:
    """Dependency: the logged-in user (else redirect to the login page; an account whose
    password must be changed first is sent to the password page)."""
    user = getattr(request.state, "user", None)
    if user is None:
        raise LoginRequired()
    if user.must_change and request.url.path != PASSWORD_PAGE:
        raise PasswordChangeRequired()
    return user


def require_new_password_if_weak(store: Store, user: User, password: str) -> User:
    """At a login (the one moment the password is known): a stored password that fails
    today's rules (:func:`check_password`; set before they were this strict) must be
    changed before any other page opens (ASVS V2.1.7). Audited without the reason (it may
    quote parts of the password). Returns the user as the session will see it. (A password
    over :data:`MAX_PASSWORD` never gets here: :func:`check_login` refuses it; and
    :func:`check_password` refuses it before any other check.)"""
    try:
        check_password(password, name=user.name, city=user.city)
    except UserError:
        with store.session() as s:
            row = s.get(UserRow, user.name)
            if row is not None:
                row.must_change_password = True
                row.must_change_why = WHY_RULES
            audit_auth(store, AUDIT_PASSWORD_WEAK, user, session=s)
        return replace(user, must_change=True, must_change_why=WHY_RULES)
    return user


def check_city(request: Request, user: User, city: str) -> None:
    """404 when ``user`` may not see ``city`` (objects of other cities do not 'exist');
    the refusal is audited."""
    if not user.sees(city):
        audit_refused(request, "andere Stadt", city=city,
                      plan_id=request.path_params.get("plan_id"))
        raise HTTPException(status_code=404, detail="Nicht gefunden.")


#: The audit action of a refused access: another city's object, a page for
#: administrators only, a form without its CSRF token.
AUDIT_ACCESS_REFUSED = "zugriff_verweigert"
#: The same refusal (actor, reason, route) writes at most one audit row per this interval;
#: the row after it counts those held back.
ACCESS_REFUSED_AUDIT_EVERY = timedelta(minutes=1)
_refusals = OncePer(ACCESS_REFUSED_AUDIT_EVERY)


def audit_refused(request: Request, why: str, *, city: str | None = None,
                  plan_id: str | None = None) -> None:
    """An audit row for a refused access (ASVS V7.1.3): who (the account, a worker link's
    prefix, or "nicht angemeldet"), the route as declared (``GET /plaene/{plan_id}``:
    what the URL held beyond ids is not written) and the peer address. Never a name."""
    user = getattr(request.state, "user", None)
    link = getattr(request.state, "link", None)
    actor = (user.name if user is not None else f"link:{link.prefix}" if link is not None
             else NOT_LOGGED_IN)
    route = getattr(request.scope.get("route"), "path", None) or "(unbekannt)"
    where = f"{request.method} {route}"
    store = request.app.state.web.store
    held = _refusals.take((id(store), actor, why, where))
    if held is None:
        return
    details: dict[str, object] = {"grund": why, "weg": where}
    if request.client is not None:
        details["ip"] = request.client.host[:64]
    if held:
        details["zuvor_nicht_protokolliert"] = held
    store.audit(actor, AUDIT_ACCESS_REFUSED, city=city, plan_id=plan_id, details=details)
