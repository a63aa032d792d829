"""Finding each student's files in a downloaded class: folders, nested folders, zips, single files.

SUBMISSIONS holds one entry per student; the student id is the entry's name
without its extension. An entry is

- a folder holding ``exercise_N.py`` / ``exercise_N.ipynb`` files, or one folder
  deeper (LMS downloads nest them: ``alice/submission_1234/exercise_3.py``);
- a ``.zip`` of such a folder, opened safely into a scratch folder: a member
  that would land outside it (zip slip) or a link rejects the whole zip, and
  the bytes written are counted against a cap, whatever the zip's headers say
  (zip bombs);
- a single ``.py`` or ``.ipynb``: the student's code for every exercise graded.

Nothing here runs student code. A problem with an entry (a broken zip, two
entries for one student…) becomes ``Student.problem``, never an exception: the
batch goes on.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from grader.course import Exercise
from grader.grading.submission import SUFFIXES

MAX_UNZIPPED = 64 << 20     # bytes a zip may unpack to in all
MAX_MEMBERS = 2000          # files a zip may hold
MAX_HASHED_FILES = 2000     # code files read to fingerprint one submission
SKIPPED_NAMES = ("__MACOSX", "__pycache__", ".ipynb_checkpoints")


@dataclass(frozen=True)
class Student:
    """One student's entry, opened: where their exercise files are, or why there are none."""

    id: str
    """The entry's name without extension: ``alice`` for ``alice.zip``."""
    entry: str
    """The entry's name in SUBMISSIONS, as given."""
    base: Path | None
    """The folder the student's files are shown relative to (feedback says ``exercise_3.py``)."""
    files: tuple[tuple[str, str], ...]
    """``(exercise id, path)`` for each exercise file found; a missing exercise is simply absent."""
    content_hash: str
    """sha256 over the names and bytes of the student's code files: unchanged code, same hash."""
    problem: str | None = None
    """Why the entry cannot be graded at all (a bad or unsafe zip…); None when it can."""

    def path_for(self, exercise_id: str) -> Path | None:
        for eid, path in self.files:
            if eid == exercise_id:
                return Path(path)
        return None


class UnsafeZip(Exception):
    """A zip that must not be unpacked, with the reason."""


def find_entries(submissions: Path, skip: tuple[Path, ...] = ()) -> list[Path]:
    """The entries in ``submissions``, sorted by name; hidden files, other file types and ``skip``
    (the batch's own output folder, if it lies inside) are left out."""
    entries = []
    skip = tuple(Path(p).resolve() for p in skip)
    for path in sorted(Path(submissions).iterdir(), key=lambda p: p.name):
        if path.name.startswith(".") or path.name in SKIPPED_NAMES or path.is_symlink():
            continue
        if path.resolve() in skip:
            continue
        if path.is_dir() or path.suffix.lower() in (".zip", *SUFFIXES):
            entries.append(path)
    return entries


def student_id(entry: Path) -> str:
    return entry.name if entry.is_dir() else entry.stem


def open_all(submissions: Path, exercises: tuple[Exercise, ...], scratch: Path,
             skip: tuple[Path, ...] = ()) -> list[Student]:
    """Every student in ``submissions``, sorted by id; zips are unpacked under ``scratch``."""
    by_id: dict[str, list[Path]] = {}
    for entry in find_entries(submissions, skip):
        by_id.setdefault(student_id(entry), []).append(entry)
    students = []
    for sid in sorted(by_id):
        entries = by_id[sid]
        if len(entries) > 1:
            names = ", ".join(e.name + ("/" if e.is_dir() else "") for e in entries)
            students.append(Student(sid, entries[0].name, None, (), _hash_bytes(names.encode()),
                                    problem=f"more than one entry for {sid}: {names}; keep one"))
            continue
        students.append(open_entry(entries[0], exercises, scratch / sid))
    return students


def open_entry(entry: Path, exercises: tuple[Exercise, ...], scratch: Path) -> Student:
    """One entry, opened into a ``Student`` (a zip is unpacked into ``scratch``)."""
    sid = student_id(entry)
    if entry.is_file() and entry.suffix.lower() in SUFFIXES:
        # One file: the student's code for every exercise (the checks find functions by name).
        files = tuple((e.id, str(entry)) for e in exercises)
        return Student(sid, entry.name, entry.parent, files, _hash_files(entry.parent, [entry]))
    if entry.is_file():  # a .zip
        try:
            unpack(entry, scratch)
        except UnsafeZip as exc:
            return Student(sid, entry.name, None, (), _hash_file(entry), problem=f"{entry.name}: {exc}")
        folder = scratch
    else:
        folder = entry
    base, problem = _exercise_folder(folder, exercises)
    if problem:
        return Student(sid, entry.name, None, (), _hash_tree(folder), problem=problem)
    files = []
    for exercise in exercises:
        for suffix in SUFFIXES:
            candidate = base / f"{exercise.stem}{suffix}"
            if candidate.is_file() and not candidate.is_symlink():
                files.append((exercise.id, str(candidate)))
                break
    return Student(sid, entry.name, base, tuple(files), _hash_tree(base))


def _exercise_folder(folder: Path, exercises: tuple[Exercise, ...]) -> tuple[Path, str | None]:
    """The folder holding the exercise files: ``folder`` itself, or its one subfolder that does."""
    if _holds_exercises(folder, exercises):
        return folder, None
    nested = [d for d in sorted(folder.iterdir()) if d.is_dir() and not d.is_symlink()
              and not d.name.startswith(".") and d.name not in SKIPPED_NAMES
              and _holds_exercises(d, exercises)]
    if len(nested) > 1:
        names = ", ".join(d.name + "/" for d in nested)
        return folder, f"exercise files in more than one folder ({names}); keep one"
    return (nested[0] if nested else folder), None


def _holds_exercises(folder: Path, exercises: tuple[Exercise, ...]) -> bool:
    names = {f"{e.stem}{s}" for e in exercises for s in SUFFIXES}
    return any((folder / name).is_file() for name in names)


# ---------------------------------------------------------------- zips

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
            if parts[0] in SKIPPED_NAMES or any(p in SKIPPED_NAMES for p in parts):
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


# ---------------------------------------------------------------- fingerprints

def _code_files(folder: Path) -> list[Path]:
    """The code files under ``folder`` (what a submission can import), at most MAX_HASHED_FILES."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIPPED_NAMES and not d.startswith("."))
        for name in sorted(filenames):
            if name.endswith(SUFFIXES):
                path = Path(dirpath, name)
                if not path.is_symlink():
                    found.append(path)
                if len(found) >= MAX_HASHED_FILES:
                    return found
    return found


def _hash_tree(folder: Path) -> str:
    return _hash_files(folder, _code_files(folder))


def _hash_files(base: Path, paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        name = path.relative_to(base).as_posix().encode()
        try:
            data = path.read_bytes()
        except OSError as exc:
            data = f"unreadable: {exc}".encode()
        digest.update(len(name).to_bytes(8, "little") + name + len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
