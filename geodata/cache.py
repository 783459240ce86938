"""On-disk cache location and content keys shared by all geodata caches.

The cache lives in the user cache directory (``platformdirs``, so
``XDG_CACHE_HOME`` is respected) or where ``HAUSBESUCH_CACHE_DIR`` points. It
is never written beside an extract or into the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import platformdirs

from geodata.errors import OutputPathError

ENV_VAR = "HAUSBESUCH_CACHE_DIR"

_digest_memo: dict[tuple[str, int, int], str] = {}


def cache_dir(*sub: str) -> Path:
    """Return (and create) the cache directory, optionally a sub folder of it."""
    root = os.environ.get(ENV_VAR)
    base = Path(root) if root else Path(platformdirs.user_cache_dir("hausbesuch"))
    path = base.joinpath(*sub)
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_digest(path: str | os.PathLike[str]) -> str:
    """SHA-256 of a file's content (memoised per path, size and mtime)."""
    p = Path(path).resolve()
    st = p.stat()
    key = (str(p), st.st_size, st.st_mtime_ns)
    hit = _digest_memo.get(key)
    if hit is None:
        h = hashlib.sha256()
        with open(p, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
        hit = h.hexdigest()
        _digest_memo[key] = hit
    return hit


def remember_digest(path: str | os.PathLike[str], digest: str) -> None:
    """Note a file's known SHA-256 (a file just renamed into place keeps size and mtime)
    so that :func:`file_digest` does not read it again."""
    p = Path(path).resolve()
    st = p.stat()
    _digest_memo[(str(p), st.st_size, st.st_mtime_ns)] = digest


def cache_key(*parts: Any) -> str:
    """A short stable hash of JSON-serialisable parts (file digests, modes, settings)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


#: Mode of a file written by :func:`atomic_path`: its owner's only (the default) ...
PRIVATE = 0o600
#: ... or readable by everyone (a cache of public map data).
PUBLIC = 0o644


def _make_folders(folder: Path, private: bool) -> None:
    """Create ``folder`` and missing parents; for a private file 0700 (whatever the umask),
    else as the umask says. Existing folders keep their mode."""
    if not private:
        folder.mkdir(parents=True, exist_ok=True)
        return
    missing = []
    p = folder
    while not p.exists() and p.parent != p:
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)


#: What :func:`refuse_special_target` calls each kind of file that is not a regular one.
_KINDS = ((stat.S_ISLNK, "ein symbolischer Verweis"), (stat.S_ISDIR, "ein Ordner"),
          (stat.S_ISFIFO, "eine benannte Pipe (FIFO)"), (stat.S_ISCHR, "eine Gerätedatei"),
          (stat.S_ISBLK, "eine Gerätedatei"), (stat.S_ISSOCK, "ein Socket"))


def refuse_special_target(path: str | os.PathLike[str], option: str | None = None) -> None:
    """Refuse an output path where something other than a regular file is: a file is
    written by renaming a new one over the path, which would replace a symbolic link
    (not the file it points to), a FIFO or a device node (``/dev/null`` as root: for the
    whole system) by a regular file. A missing path or a regular file passes.

    Raises
    ------
    OutputPathError
        German, naming the path (and ``option`` when given) and what is there.
    """
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    except OSError:  # unreadable folder, a path too long: writing will say why
        return
    if stat.S_ISREG(mode):
        return
    kind = next((word for test, word in _KINDS if test(mode)), "keine gewöhnliche Datei")
    where = f"{option} {os.fspath(path)}" if option else os.fspath(path)
    raise OutputPathError(
        f"{where}: das ist {kind}, keine gewöhnliche Datei, und wird nicht ersetzt. Bitte "
        "einen anderen Dateinamen angeben (eine neue oder eine gewöhnliche Datei)."
    )


@contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, suffix: str = ".tmp", mode: int = PRIVATE
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was, so a
    reader (another pytest-xdist worker, a second process) never sees a half-written file.

    The file gets ``mode`` whatever the umask: by default :data:`PRIVATE` (0600, its
    owner's only), :data:`PUBLIC` (0644) when the caller says so. The temporary path lies
    in a new folder of the owner's only (0700, removed afterwards), so a writer that
    replaces the file or writes a journal beside it (GDAL, SQLite) shows nothing to others
    while it writes. Missing folders above a private file are created 0700. Where
    something other than a regular file is at ``path`` (a symbolic link, a FIFO, a device
    node, a socket, a folder), it is refused before and again just before the rename
    (:func:`refuse_special_target`): it is never replaced.
    """
    target = Path(path)
    refuse_special_target(target)  # before any work on it
    _make_folders(target.parent, not mode & 0o077)
    folder = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}."))
    tmp = folder / f"{target.name}{suffix}"
    try:
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        yield tmp
        os.chmod(tmp, mode)
        refuse_special_target(target)  # put there while it was written
        os.replace(tmp, target)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "wb", *, file_mode: int = PRIVATE,
    **open_kwargs: Any,
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` atomically when closed
    (with ``file_mode``, see :func:`atomic_path`)."""
    with atomic_path(path, mode=file_mode) as tmp, open(tmp, mode, **open_kwargs) as fh:
        yield fh
