"""Finding each student's files in a downloaded class: folders, nested folders, zips, single files.

SUBMISSIONS holds one entry per student; the student id is the entry's name
without its extension. An entry is

- a folder: each exercise's file is found in it by the one rule every way of
  grading uses (``grader.grading.find``: at any depth up to a bound, the
  shallowest, ``.py`` before ``.ipynb``, a tie between folders a problem), so
  LMS downloads that nest them (``alice/submission_1234/exercise_3.py``) and
  students' own folders (``Work/week2/exercise_3.py``) are found alike;
- a ``.zip`` of such a folder, opened safely (``grader.grading.find.unpack``)
  into a scratch folder: a member that would land outside it (zip slip)
  rejects the whole zip, links are skipped, and the bytes written are counted
  against a cap, whatever the zip's headers say (zip bombs);
- a single ``.py`` or ``.ipynb``: the student's code for every exercise graded.

The student's base folder (what their code may see, and what feedback paths are
relative to) is the deepest folder holding all their exercise files.

Nothing here runs student code. A problem with an entry (a broken zip, two
entries for one student…) becomes ``Student.problem``, never an exception: the
batch goes on.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from grader.course import Exercise
from grader.grading import find
# The zip rules are the grader's one unpacking (``grade exercise-N --submission work.zip`` uses it too).
from grader.grading.find import SKIPPED_NAMES, SUFFIXES, UnsafeZip, unpack

MAX_HASHED_FILES = 2000     # code files read to fingerprint one submission
NAME_BYTES = 255            # a folder's name, at most (Linux, macOS, Windows): a student id fits in one


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
    """The entry's name without extension, as text: bytes that are not UTF-8 (which no gradebook or
    file of ours could write) are shown as ``\\x9b``; one folder's name, whatever it says (the batch
    keeps each student's files in a folder of their own: ``exports.student_folder``)."""
    name = entry.name if entry.is_dir() else entry.stem
    sid = os.fsencode(name).decode("utf-8", "backslashreplace")
    if len(sid.encode("utf-8")) > NAME_BYTES:  # escaped bytes made it longer than a folder's name may be
        sid = f"{sid[:NAME_BYTES // 4]}…{_hash_bytes(os.fsencode(name))[:16]}"
    return sid


def open_all(submissions: Path, exercises: tuple[Exercise, ...], scratch: Path,
             skip: tuple[Path, ...] = ()) -> list[Student]:
    """Every student in ``submissions``, sorted by id; zips are unpacked under ``scratch``/students (apart
    from whatever else the batch keeps in ``scratch``: no name can collide with it)."""
    by_id: dict[str, list[Path]] = {}
    for entry in find_entries(submissions, skip):
        by_id.setdefault(student_id(entry), []).append(entry)
    students = []
    for sid in sorted(by_id):
        entries = by_id[sid]
        if len(entries) > 1:
            names = ", ".join(student_id(e) + e.suffix * (not e.is_dir()) + ("/" if e.is_dir() else "")
                              for e in entries)
            students.append(Student(sid, entries[0].name, None, (), _hash_bytes(names.encode()),
                                    problem=f"more than one entry for {sid}: {names}; keep one"))
            continue
        students.append(open_entry(entries[0], exercises, scratch / "students" / sid))
    return students


def open_entry(entry: Path, exercises: tuple[Exercise, ...], scratch: Path) -> Student:
    """One entry, opened into a ``Student`` (a zip is unpacked into ``scratch``)."""
    sid = student_id(entry)
    if sid != (entry.name if entry.is_dir() else entry.stem):  # paths that are not text cannot reach the jail
        return Student(sid, entry.name, None, (), _hash_bytes(os.fsencode(entry.name)),
                       problem=f"the name of this entry is not UTF-8 text (shown as {sid}): rename it, then "
                               "grade again")
    if entry.is_file() and entry.suffix.lower() in SUFFIXES:
        # One file: the student's code for every exercise (the checks find functions by name).
        every = tuple((e.id, str(entry)) for e in exercises)
        return Student(sid, entry.name, entry.parent, every, _hash_files(entry.parent, [entry]))
    if entry.is_file():  # a .zip
        try:
            unpack(entry, scratch)
        except UnsafeZip as exc:
            return Student(sid, entry.name, None, (), _hash_file(entry), problem=f"{sid}{entry.suffix}: {exc}")
        folder = scratch
    else:
        folder = entry
    files, problems = [], []
    for exercise in exercises:
        found = find.find(folder, exercise.stem)
        if found.problem:
            problems.append(found.problem)
        elif found.path is not None:
            files.append((exercise.id, str(found.path)))
    if problems:
        return Student(sid, entry.name, None, (), _hash_tree(folder), problem="; ".join(problems))
    base = _common_folder([Path(path).parent for _, path in files]) if files else folder
    return Student(sid, entry.name, base, tuple(files), _hash_tree(base))


def _common_folder(folders: list[Path]) -> Path:
    """The deepest folder holding all of ``folders``."""
    return Path(os.path.commonpath([str(f) for f in folders]))


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
        digest.update(len(name).to_bytes(8, "little") + name)
        try:  # streamed: a student's file of any size costs a megabyte here (grading refuses it later)
            with open(path, "rb") as f:
                size = os.fstat(f.fileno()).st_size
                digest.update(size.to_bytes(8, "little"))
                left = size
                while left > 0 and (chunk := f.read(min(left, 1 << 20))):
                    digest.update(chunk)
                    left -= len(chunk)
        except OSError as exc:
            data = f"unreadable: {exc}".encode()
            digest.update(len(data).to_bytes(8, "little") + data)
    return digest.hexdigest()


def _hash_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _hash_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
