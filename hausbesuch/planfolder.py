"""The folder a plan is written into, and the swap into place (light: no maps, no store).

Kept apart from :mod:`hausbesuch.output` (which renders the pages, maps and GPX) so that
the commands and the letters that only check, swap or remove a plan folder do not load
the page and map machinery.

One folder, one plan
--------------------
The plan is stored first (the files are views of the store: :command:`show` writes them
again from it). Then :func:`plan_folder` gives the plan command a fresh hidden folder
beside ``out_dir`` (``.<name>.neu-…``); the files are written there, and only then
:meth:`PlanFolder.commit` swaps it in: the previous folder is renamed away
(``.<name>.alt-…``), the new one renamed to ``out_dir``, and the previous one removed.
Killing the run at any moment therefore leaves either the previous complete folder, or
(between the two renames) none, or the new complete one; never a mix of two plans, never
a half-written folder under the name. A run stopped, or a folder that cannot be written
(a full disk), after the plan was stored leaves the plan stored without its folder: the
command says so and names the ``show`` that writes it
(:func:`hausbesuch.commands._common.files_of_a_stored_plan`); only SIGKILL ends it
without a word. Leftovers of a killed run (hidden ``.neu-``/``.alt-``
folders carrying our marker) are removed by the next run into the same folder (``plan``,
``show``, ``replan``, ``demo``); a folder is removed with its marker last
(:func:`remove_marked_folder`), so that a run killed while removing still leaves a
marked, recognisable leftover.

A plan folder carries the marker file :data:`MARKER_FILE` (JSON: plan id, creation time
and the list of files). A folder that exists, is not empty and is neither marked nor laid
out like one of our plan folders (index, overview, plan.json and report.csv, and nothing
but the names of :data:`PLAN_ENTRIES`) is never touched: :func:`check_plan_folder`
refuses it with a German message.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from geodata.cache import atomic_write
from hausbesuch import clock
from hausbesuch.errors import UserError, write_cause

MAPS_DIR = "karten"
PAGES_DIR = "routen"
SHEETS_DIR = "druck"
GPX_DIR = "gpx"
OVERVIEW_FILE = "uebersicht.html"
INDEX_FILE = "index.html"
#: The folder of Leaflet and its plugins (local copies, with licences) in a plan folder.
ASSETS_DIRNAME = "assets"
#: Files written by the planning code that index.html links when they exist.
DOWNLOADS = {"plan.json": "Plan (plan.json, VROOM-Format)", "report.csv": "Bericht (report.csv)"}


def private_dir(path: Path) -> None:
    """Make ``path`` (and missing parents) readable by the owner only (0700) when this
    creates it; an existing folder keeps its mode (a shared folder is the administrator's
    choice)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        if p.parent == p:
            break
        p = p.parent
    for d in reversed(missing):
        d.mkdir(mode=0o700, exist_ok=True)




#: Marks a folder as a plan folder of ours (JSON: plan id, created, files).
MARKER_FILE = ".hausbesuch-plan.json"
#: Everything a plan folder of ours may hold (a folder holding only these is ours even
#: without a marker, as written before the marker existed).
PLAN_ENTRIES = frozenset({
    INDEX_FILE, OVERVIEW_FILE, MAPS_DIR, PAGES_DIR, SHEETS_DIR, GPX_DIR, ASSETS_DIRNAME,
    *DOWNLOADS, "eingabe", MARKER_FILE,
})
#: What every plan folder written before the marker existed holds.
_LEGACY_CORE = frozenset({INDEX_FILE, OVERVIEW_FILE, *DOWNLOADS})
_NEW = ".neu-"
_OLD = ".alt-"


def _is_ours(folder: Path) -> bool:
    if (folder / MARKER_FILE).is_file():
        return True
    names = {p.name for p in folder.iterdir()}
    return names <= PLAN_ENTRIES and names >= _LEGACY_CORE


#: What a plan writes into its subfolders, by file ending (for folders without a marker:
#: written before it existed, or unpacked from a ZIP of an older version).
_WRITTEN = {MAPS_DIR: (".html",), PAGES_DIR: (".html", ".js", ".json"),
            SHEETS_DIR: (".html",), GPX_DIR: (".gpx",)}


def _written_by_a_plan(rel: Path) -> bool:
    parts = rel.parts
    if len(parts) == 1:
        return parts[0] in PLAN_ENTRIES
    if parts[0] == ASSETS_DIRNAME:
        return True
    if parts[0] == "eingabe":  # the demo's own inputs
        return len(parts) == 2 and parts[1] in ("kunden.csv", "teams.toml")
    return len(parts) == 2 and rel.suffix in _WRITTEN.get(parts[0], ())


def _foreign_files(folder: Path) -> list[str]:
    """Files in a plan folder of ours that the plan did not write: an export, a note or a
    list put there by hand. The marker lists what the plan wrote; a folder without one
    (an older plan folder, an unpacked download) is judged by what plans write."""
    try:
        listed = json.loads((folder / MARKER_FILE).read_text(encoding="utf-8")).get("files")
    except (OSError, ValueError, AttributeError):
        listed = None
    files = [q.relative_to(folder) for q in folder.rglob("*") if q.is_file() or q.is_symlink()]
    if not isinstance(listed, list):
        return sorted(str(rel) for rel in files if not _written_by_a_plan(rel))
    known = {str(f) for f in listed} | {MARKER_FILE}
    return sorted(str(rel) for rel in files if str(rel) not in known)


def _looks_like_plan(folder: Path) -> bool:
    """A plan folder of ours, or one that looks like a plan's output (its report and
    plan.json, or its overview and maps), even with other files in it."""
    return ((folder / MARKER_FILE).exists()
            or ((folder / "plan.json").exists() and (folder / "report.csv").exists())
            or ((folder / INDEX_FILE).exists() and (folder / MAPS_DIR).is_dir()))


def plan_folder_around(path: str | os.PathLike[str]) -> Path | None:
    """The plan folder that ``path`` is or lies in, else ``None``: files that do not belong
    to a plan must not be written there (the next plan would not keep them, and letters
    with names must never lie beside a plan's pages)."""
    resolved = Path(path).expanduser().resolve()
    for q in (resolved, *resolved.parents):
        try:
            if q.is_dir() and _looks_like_plan(q):
                return q
        except OSError:
            continue
    return None


def refuse_working_folder(out: Path, option: str = "--out") -> None:
    """Refuse an output folder that is the current working folder or one above it (``.``,
    ``""``, ``..``, or a path that resolves to one of them): the folder is swapped in by
    renaming, and the working folder cannot be renamed away (``.``), or would be taken
    from under the shell that runs the command (with its files deleted as the earlier
    plan's). Also a path ending in ``..`` or naming the root folder, which cannot be
    renamed either."""
    given = os.fspath(out)
    try:
        resolved = Path(out).expanduser().resolve()
        cwd = Path.cwd().resolve()
    except (OSError, RuntimeError):
        return
    if given.strip() in ("", ".") or Path(given).name in ("", "..") \
            or resolved == cwd or resolved in cwd.parents or resolved.parent == resolved:
        shown = f"„{given}“" if given.strip() else "(leer)"
        raise UserError(
            f"{option} {shown}: der Ausgabeordner muss ein eigener Ordner sein: nicht der "
            f"aktuelle Arbeitsordner ({cwd}), kein Ordner darüber und keine leere Angabe. "
            "Bitte einen Ordnernamen angeben, z. B. --out plan.")


def check_plan_folder(out_dir: str | os.PathLike[str]) -> Path:
    """Check that ``out_dir`` may receive a plan: missing, empty, or a plan folder of ours
    that holds nothing but what its plan wrote.

    Raises
    ------
    UserError
        When ``out_dir`` is a file, or a non-empty folder that is not a plan folder, or a
        plan folder holding files its plan did not write (their content is never
        deleted), or its parent cannot be written.
    """
    out = Path(out_dir)
    refuse_working_folder(out)
    if out.exists() or out.is_symlink():
        if out.is_symlink() or not out.is_dir():
            raise UserError(f"--out {out}: das ist eine Datei (oder ein Verweis), kein Ordner. "
                            "Bitte einen neuen oder leeren Ordner angeben.")
        try:
            empty = not any(out.iterdir())
        except OSError as exc:
            raise UserError(f"--out {out}: Ordner nicht lesbar ({exc.strerror or exc}).") from None
        if not empty and not _is_ours(out):
            raise UserError(
                f"--out {out}: der Ordner ist nicht leer und kein Planordner von hausbesuch. "
                "Sein Inhalt wird nicht gelöscht; bitte einen neuen oder leeren Ordner angeben."
            )
        if not empty and (foreign := _foreign_files(out)):
            shown = ", ".join(foreign[:3]) + (f" und {len(foreign) - 3} weitere"
                                              if len(foreign) > 3 else "")
            raise UserError(
                f"--out {out}: im Planordner liegen Dateien, die nicht zum Plan gehören "
                f"({shown}). Sie werden nicht gelöscht; bitte verschieben oder einen anderen "
                "Ordner angeben."
            )
    parent = out.absolute().parent
    if parent.exists() and not os.access(parent, os.W_OK | os.X_OK):
        raise UserError(f"--out {out}: in {parent} darf nicht geschrieben werden.")
    return out


#: Age after which an empty hidden folder of ours is a leftover (a run killed after its
#: folder was made and before its marker was written, or at the very end of a removal);
#: younger, it may be a running run's, about to get its marker.
EMPTY_LEFTOVER_S = 60


def _leftovers(out: Path) -> list[Path]:
    parent = out.absolute().parent
    if not parent.is_dir():
        return []
    found = []
    for p in parent.iterdir():
        if not (p.name.startswith((f".{out.name}{_NEW}", f".{out.name}{_OLD}")) and p.is_dir()
                and not p.is_symlink()):
            continue
        if _is_ours(p) and not writer_alive(p):
            found.append(p)
        else:
            remove_empty_leftover(p)
    return found


def hidden_folder(parent: Path, prefix: str) -> Path:
    """A new hidden folder (0700) in ``parent`` named ``<prefix><pid>-<random>``: the
    process id in its name tells a later run that the folder is a killed run's even when
    the run was killed before it could write the folder's marker."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


#: The process id in the name of a run's hidden folder (:func:`hidden_folder`).
_NAMED_PID = re.compile(r"\.neu-(\d+)-[^.]*\Z")


def named_writer_alive(folder: Path) -> bool | None:
    """Whether the process named in the name of the hidden folder ``folder``
    (:func:`hidden_folder`) still runs, this one included (another thread's run); None
    when the name names none (an older run's folder)."""
    if (m := _NAMED_PID.search(folder.name)) is None:
        return None
    pid = int(m[1])
    return pid == os.getpid() or process_alive(pid)


def remove_empty_leftover(folder: Path) -> None:
    """Remove ``folder`` when it is empty and no running run's: the process named in it
    (:func:`named_writer_alive`) is gone, or it is older than :data:`EMPTY_LEFTOVER_S`.
    Removing an empty folder cannot lose anything; a running run's folder, about to get
    its marker, is left alone (also one of this process: another thread's)."""
    with suppress(OSError):
        if any(folder.iterdir()):
            return
        if named_writer_alive(folder) is False \
                or time.time() - folder.stat().st_mtime > EMPTY_LEFTOVER_S:
            folder.rmdir()


def remove_marked_folder(folder: Path, marker: str = MARKER_FILE) -> None:
    """Remove a folder of ours (a plan folder renamed away, a run's hidden folder) with its
    ``marker`` file last: a run killed while it removes leaves a folder that still carries
    the marker, which the next run into the same folder recognises and removes
    (:func:`_leftovers`). Removed in any order, a killed removal could leave the other
    clients' addresses and notes in a hidden folder nobody would ever remove. A folder
    without the marker (an older plan folder) gets one first."""
    mark = folder / marker
    if not mark.is_file() and not mark.is_symlink():
        with suppress(OSError):
            mark.write_text(json.dumps({"plan_id": None, "files": None}), encoding="utf-8")
    try:
        entries = list(os.scandir(folder))
    except OSError:
        entries = []
    for entry in entries:
        if entry.name == marker:
            continue
        with suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path, ignore_errors=True)
            else:
                os.unlink(entry.path)
    with suppress(OSError):
        os.unlink(mark)
    with suppress(OSError):
        os.rmdir(folder)
    if folder.exists():  # something could not be removed one by one
        shutil.rmtree(folder, ignore_errors=True)


def writer_alive(folder: Path, marker: str = MARKER_FILE) -> bool:
    """Whether the run that is writing ``folder`` still runs (its pid is in the marker):
    a second run into the same folder must not delete the first one's work. A marker that
    cannot be read (cut short by a kill, or being written this very moment) names no
    process: then the one in the folder's name (:func:`hidden_folder`) decides, and a
    folder without one counts as a running run's while it is younger than
    :data:`EMPTY_LEFTOVER_S` (review 37 #6)."""
    try:
        data = json.loads((folder / marker).read_text(encoding="utf-8"))
        pid = data.get("pid") if isinstance(data, dict) else None
        if isinstance(data, dict):
            return process_alive(pid)
    except (OSError, ValueError):
        pass
    if (named := named_writer_alive(folder)) is not None:
        return named
    try:
        return time.time() - (folder / marker).stat().st_mtime <= EMPTY_LEFTOVER_S
    except OSError:
        return False


def process_alive(pid: object) -> bool:
    """Whether ``pid`` (as a marker stores it) is another process that still runs."""
    if not isinstance(pid, int) or pid <= 0 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, but belongs to someone else
        return True
    return True


def write_marker(folder: Path, plan_id: str | None) -> list[str]:
    """Write the marker of a plan folder (plan id, time, every file in it); returns the
    files. Also for a plan's download, so that the unpacked folder is a plan folder
    whose other files are kept."""
    files = sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                   if p.is_file() and p.name != MARKER_FILE)
    marker = {"plan_id": plan_id, "created": clock.now().isoformat(timespec="seconds"),
              "files": files}
    with atomic_write(folder / MARKER_FILE, "w", encoding="utf-8") as fh:
        json.dump(marker, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    return files


@dataclass
class PlanFolder:
    """The hidden folder a plan is written into, and the swap into place."""

    out: Path
    path: Path
    committed: bool = False
    files: list[str] = field(default_factory=list)

    def commit(self, plan_id: str | None = None) -> Path:
        """Swap the written folder in for ``out`` (call after the plan is stored).

        The marker lists every file written; the previous folder is removed.
        """
        if self.committed:
            return self.out
        self.files = write_marker(self.path, plan_id)
        check_plan_folder(self.out)  # nobody put foreign files there meanwhile
        old: Path | None = None
        if self.out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{self.out.name}{_OLD}", dir=self.path.parent))
            os.rmdir(old)
            os.replace(self.out, old)
        os.replace(self.path, self.out)
        self.committed = True
        _fsync_dir(self.out.absolute().parent)
        if old is not None:
            remove_marked_folder(old)
        return self.out


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextmanager
def plan_folder(out_dir: str | os.PathLike[str]) -> Iterator[PlanFolder]:
    """Write a plan into a fresh folder beside ``out_dir``; swap it in on ``commit()``.

    Usage::

        result = plan_span(store, profile, options)  # the plan is stored
        with plan_folder(out) as folder:
            write_plan_files(result, folder.path, profile)
            folder.commit(result.plan_id)

    Without ``commit()`` (an error, Ctrl-C) the new folder is removed and ``out_dir`` is
    left as it was.

    Raises
    ------
    UserError
        See :func:`check_plan_folder`.
    """
    out = check_plan_folder(out_dir)
    parent = out.absolute().parent
    try:
        private_dir(parent)  # a folder made for it is the owner's only, as the plan folder
    except OSError as exc:
        raise UserError(f"--out {out}: Ordner kann nicht angelegt werden "
                        f"({write_cause(exc)}).") from None
    for stale in _leftovers(out):  # a run killed before: its hidden folders are ours
        remove_marked_folder(stale)
    try:
        tmp = hidden_folder(parent, f".{out.name}{_NEW}")
    except OSError as exc:
        raise UserError(f"--out {out}: in {parent} kann kein Ordner angelegt werden "
                        f"({write_cause(exc)}).") from None
    # mkdtemp makes it 0700, and so it stays: route pages and sheets hold addresses and
    # notes, report.csv the reasons; every file written into it is 0600 (atomic_write)
    # marked at once, so that a killed run's folder is recognised and cleaned up later
    folder = PlanFolder(out=out, path=tmp)
    try:
        # (inside: a full disk that refuses even the marker leaves no empty folder)
        (tmp / MARKER_FILE).write_text(json.dumps({"plan_id": None, "files": None,
                                                   "pid": os.getpid()}), encoding="utf-8")
        yield folder
    finally:
        if not folder.committed:
            remove_marked_folder(tmp)
