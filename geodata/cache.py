"""On-disk cache location and content keys shared by all geodata caches.

The cache lives in the user cache directory (``platformdirs``, so
``XDG_CACHE_HOME`` is respected) or where ``HAUSBESUCH_CACHE_DIR`` points. It
is never written beside an extract or into the repository.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import platformdirs

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


def cache_key(*parts: Any) -> str:
    """A short stable hash of JSON-serialisable parts (file digests, modes, settings)."""
    blob = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@contextmanager
def atomic_path(path: str | os.PathLike[str], *, suffix: str = ".tmp") -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` atomically.

    On an exception the temporary file is removed and ``path`` is left as it was, so a
    reader (another pytest-xdist worker, a second process) never sees a half-written file.
    The file gets mode 0644, like a normally created file.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=suffix)
    os.close(fd)
    try:
        yield Path(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def atomic_write(
    path: str | os.PathLike[str], mode: str = "wb", **open_kwargs: Any
) -> Iterator[IO[Any]]:
    """Open a temporary file for writing; it replaces ``path`` atomically when closed."""
    with atomic_path(path) as tmp, open(tmp, mode, **open_kwargs) as fh:
        yield fh
