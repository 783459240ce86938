"""Application errors. Messages are German: they are shown to coordinators as they are."""

from __future__ import annotations

import errno
from collections.abc import Iterator
from contextlib import contextmanager


class UserError(ValueError):
    """A problem with the user's input or setup that the user can fix (German message)."""


class ProfileError(UserError):
    """An invalid or unknown city profile."""


class CasesRefused(UserError):
    """A refusal that names cases (a plan of which no address was found): ``client_ids``
    are the cases it names; ``brief`` is the message without what it quotes of them
    (addresses, c/o names), for a copy that is stored (a web job's message)."""

    def __init__(self, message: str, *, client_ids: list[str], brief: str) -> None:
        super().__init__(message)
        self.client_ids, self.brief = client_ids, brief


# ------------------------------------------------------------------ files that cannot be written

#: Why a file or folder could not be written, in German, and what to do about it (by
#: ``errno``).
_WRITE_CAUSES = {
    errno.ENOSPC: ("Datenträger voll", "Platz schaffen"),
    errno.EDQUOT: ("Speicherkontingent erschöpft", "Platz schaffen"),
    errno.EROFS: ("schreibgeschützt", "einen anderen Ordner angeben"),
    errno.EACCES: ("keine Schreibrechte", "die Rechte des Ordners prüfen oder einen anderen "
                   "Ordner angeben"),
    errno.EPERM: ("keine Schreibrechte", "die Rechte des Ordners prüfen oder einen anderen "
                  "Ordner angeben"),
    errno.EFBIG: ("Datei zu groß für den Datenträger", "einen anderen Ordner angeben"),
    errno.EIO: ("Ein-/Ausgabefehler des Datenträgers", "den Datenträger prüfen"),
}
#: The ``errno`` of an OSError that means „cannot be written here“ (not a bug of ours).
WRITE_ERRNOS = frozenset(_WRITE_CAUSES)


def write_cause(exc: OSError, then: str = "dann den Befehl wiederholen") -> str:
    """The cause of an OSError met writing, in German with what to do (``then``: the step
    after the remedy); the system's own words (English) only for a cause not in
    :data:`WRITE_ERRNOS`."""
    if exc.errno == errno.ENOTDIR:
        return "kein Ordner"
    if (known := _WRITE_CAUSES.get(exc.errno or 0)) is None:
        return exc.strerror or str(exc)
    cause, remedy = known
    return f"{cause}: {remedy}" + (f", {then}" if then else "")


def cannot_write(target: object, exc: OSError, *, option: str = "--out",
                 what: str = "die Datei") -> UserError:
    """The error of a file (or folder: ``what``) that could not be written: one German
    line naming ``option`` and ``target`` and the cause (:func:`write_cause`)."""
    lead = f"{option} {target}" if option else f"{target}"
    return UserError(f"{lead}: {what} kann nicht geschrieben werden ({write_cause(exc)}).")


@contextmanager
def write_errors(target: object, *, option: str = "--out",
                 what: str = "die Datei") -> Iterator[None]:
    """Turn an OSError of :data:`WRITE_ERRNOS` (a full disk, a read-only folder) met
    inside into :func:`cannot_write`'s :class:`UserError`; other errors pass."""
    try:
        yield
    except OSError as exc:
        if exc.errno not in WRITE_ERRNOS:
            raise
        raise cannot_write(target, exc, option=option, what=what) from None
