"""Finding a student's file for an exercise: the one rule every way of grading uses.

``grade exercise-N --submission``, ``grade batch`` (``grader.batch.intake``), the
notebook's ``check()`` (``grader.jupyter``) and the Gradescope autograder
(``grader.autograder``) all call ``find``, so a hand-in found by one is found by all.

Given a file, that file is the submission, whatever its name. Given a folder, the
submission for ``exercise_N`` is

1. a file named ``exercise_N.py`` or ``exercise_N.ipynb`` anywhere in the folder, at
   most ``MAX_DEPTH`` folders down (``Work/week2/exercise_3.py`` is two down). Hidden
   folders (``.git``, ``.ipynb_checkpoints``), ``__MACOSX`` and ``__pycache__`` are never
   searched, and links are never followed nor count as the file;
2. the shallowest such file: ``exercise_3.py`` at the top beats ``old/exercise_3.py``;
3. within one folder, the ``.py`` before the ``.ipynb``;
4. when two folders at that same shallowest depth each hold one (``try1/exercise_3.py``
   and ``try2/exercise_3.py``), none: nothing is guessed, and ``Found.problem`` names
   them so the student can hand in one. The search stops at that depth: a deeper copy
   never breaks a tie.

The search goes level by level and stops at the first level holding a match; it looks at
``MAX_SCANNED`` folder entries at most, so a huge folder given by mistake cannot hang it.

A ``.zip`` is first unpacked by ``unpack`` (the only unpacking there is: ``grade batch``
and ``grade exercise-N --submission work.zip`` both use it): nothing lands outside the
folder (zip slip refuses the whole zip), links and devices are skipped, at most
``MAX_MEMBERS`` members and ``MAX_UNZIPPED`` bytes, counted as they are written. Then the
unpacked folder is searched by the rule above. ``unpacked`` does this into a temporary
folder removed afterwards, and while it exists paths inside it are shown as paths inside
the zip (``work.zip/Work/week2/exercise_3.py``, see ``shown_in_zip``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

SUFFIXES = (".py", ".ipynb")
"""What a submission file may be, in order of preference within one folder."""
SKIPPED_NAMES = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")
"""Folders never searched nor unpacked (besides every hidden one)."""
MAX_DEPTH = 6                # folders below the one given that are searched
MAX_SCANNED = 20_000         # folder entries looked at in one search
MAX_UNZIPPED = 64 << 20      # bytes a zip may unpack to in all
MAX_MEMBERS = 2000           # files a zip may hold


@dataclass(frozen=True)
class Found:
    """The outcome of a search: the file, or why there is none."""

    path: Path | None = None
    """The file to grade; None when there is none or the choice is ambiguous."""
    problem: str | None = None
    """Why none was chosen although some exist (ambiguous), in words a student can act on; else None."""


def skipped(name: str) -> bool:
    """A folder the search never enters."""
    return name.startswith(".") or name in SKIPPED_NAMES


def find(where: Path, stem: str, suffixes: tuple[str, ...] = SUFFIXES) -> Found:
    """The file for ``stem`` (``exercise_3``) in ``where``, by the rule in this module's docstring."""
    where = Path(where)
    if where.is_file():
        return Found(where)
    if not where.is_dir():
        return Found()
    names = [f"{stem}{suffix}" for suffix in suffixes]
    level, scanned = [where], 0
    for _depth in range(MAX_DEPTH + 1):
        hits, below = [], []
        for folder in level:
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                continue
            scanned += len(entries)
            files = {e.name for e in entries if e.is_file(follow_symlinks=False)}
            hit = next((name for name in names if name in files), None)
            if hit:
                hits.append(Path(folder, hit))
            below += [Path(e.path) for e in entries if not skipped(e.name) and e.is_dir(follow_symlinks=False)]
            if scanned >= MAX_SCANNED:
                below = []
                break
        if len(hits) == 1:
            return Found(hits[0])
        if hits:
            shown = ", ".join(hit.relative_to(where).as_posix() for hit in hits)
            return Found(problem=f"{stem} is in more than one folder at the same depth ({shown}); "
                                 "hand in only one of them")
        if not below:
            break
        level = below
    return Found()


def is_zip(path: Path | None) -> bool:
    return path is not None and Path(path).is_file() and Path(path).suffix.lower() == ".zip"


# ---------------------------------------------------------------- zips

class UnsafeZip(Exception):
    """A zip that must not be unpacked, with the reason."""


def unpack(archive: Path, dest: Path, max_bytes: int = MAX_UNZIPPED, max_members: int = MAX_MEMBERS) -> None:
    """Unpack ``archive`` into ``dest`` (created empty), or raise ``UnsafeZip`` and leave ``dest`` removed.

    Every member is checked before anything is written: no absolute path, no
    ``..``, no link or device, nothing that resolves outside ``dest``. Bytes
    are counted as they are written, so a header that lies about sizes gains
    nothing.
    """
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    try:
        _unpack(archive, dest, max_bytes, max_members)
    except UnsafeZip:
        shutil.rmtree(dest, ignore_errors=True)
        raise


def _unpack(archive: Path, dest: Path, max_bytes: int, max_members: int) -> None:
    try:
        zf = zipfile.ZipFile(archive)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise UnsafeZip(f"not a readable zip ({exc})") from None
    root = dest.resolve()
    with zf:
        members = zf.infolist()
        if len(members) > max_members:
            raise UnsafeZip(f"holds {len(members)} files; at most {max_members} are unpacked")
        declared = sum(info.file_size for info in members)
        if declared > max_bytes:
            raise UnsafeZip(f"would unpack to {declared >> 20} MB, more than the {max_bytes >> 20} MB allowed "
                            "(a zip bomb?); nothing was unpacked")
        plan = []
        for info in members:
            name = info.filename
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                continue  # links are ignored, never followed or created
            if info.is_dir():
                continue  # folders are made as files need them
            if stat.S_IFMT(mode) and not stat.S_ISREG(mode):
                continue  # devices, fifos: nothing a submission needs (no type bits: a plain file)
            parts = PurePosixPath(name.replace("\\", "/")).parts
            if not parts or name.startswith(("/", "\\")) or ".." in parts or ":" in parts[0]:
                raise UnsafeZip(f"member {name!r} would land outside its folder (zip slip); nothing was unpacked")
            if any(p in SKIPPED_NAMES for p in parts):
                continue
            target = (dest / PurePosixPath(*parts)).resolve()
            if not target.is_relative_to(root) or target == root:
                raise UnsafeZip(f"member {name!r} would land outside its folder (zip slip); nothing was unpacked")
            plan.append((info, target))
        written = 0
        for info, target in plan:
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "xb") as out:
                    while chunk := src.read(1 << 16):
                        written += len(chunk)
                        if written > max_bytes:
                            raise UnsafeZip(f"unpacks to more than {max_bytes >> 20} MB (a zip bomb?); "
                                            "nothing was kept")
                        out.write(chunk)
            except FileExistsError:
                raise UnsafeZip(f"member {info.filename!r} appears twice") from None
            except (zipfile.BadZipFile, zlib.error, OSError, RuntimeError, NotImplementedError,
                    EOFError) as exc:
                raise UnsafeZip(f"member {info.filename!r} cannot be read ({exc})") from None
            os.chmod(target, 0o644)


_SHOWN: dict[Path, str] = {}  # unpacked folder -> the zip's name as shown, while ``unpacked`` holds it


@contextlib.contextmanager
def unpacked(archive: Path, shown: str | None = None):
    """``archive`` unpacked (``unpack``) into a temporary folder, removed on leaving; yields the folder.

    Meanwhile ``shown_in_zip`` shows a path inside that folder as a path inside the zip,
    ``shown`` (default: the zip's name) followed by the member's path.
    """
    scratch = Path(tempfile.mkdtemp(prefix="grade-zip-"))
    folder = scratch / "unpacked"
    try:
        unpack(Path(archive), folder)
        _SHOWN[folder.resolve()] = shown or Path(archive).name
        yield folder
    finally:
        _SHOWN.pop(folder.resolve(), None)
        shutil.rmtree(scratch, ignore_errors=True)


def shown_in_zip(path: Path) -> str | None:
    """``work.zip/Work/exercise_3.py`` for a file in a folder ``unpacked`` holds now, else None."""
    path = Path(path).resolve()
    for folder, name in _SHOWN.items():
        if path.is_relative_to(folder):
            return PurePosixPath(name, path.relative_to(folder).as_posix()).as_posix()
    return None
