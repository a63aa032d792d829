"""Grade files for an LMS, written from a batch's gradebook: ``grade export``.

From ``RESULTS/gradebook.sqlite``, one of

- ``csv``: the bytes of ``grades.csv`` (written by ``exports.grades_csv``, that file's one writer);
- ``canvas``: Canvas's Gradebook import CSV: ``Student, ID, SIS User ID, SIS Login ID, Section``, a
  column per exercise (``Exercise 3: A manual SGD step``, which Canvas matches by title or creates),
  a ``Points Possible`` row under the header, and a total Canvas reads but never imports;
- ``moodle``: a file for Moodle's grade import from CSV: one column that identifies the user (Moodle
  maps exactly one: email address, username, ID number or user id), a column per exercise (each
  mapped to a grade item, or to a new one, on Moodle's preview page) and a total to leave unmapped.

Students: every one the gradebook holds, sorted. Exercises: every one it holds, in the natural
order of their ids (exercise-2 before exercise-10), each worth the most a stored row of it was worth
(its checks' points). grades.csv lists the students and exercises of the batch that wrote it: the
same, unless a later batch graded fewer of them.

Who is who in the LMS comes from the roster (``grader.batch.roster``), or else the folder names.
A student who cannot be imported is left out of the file and named (``Export.warnings``): one the
roster lacks, or gives no identity; and a roster student with no submission, left out so that the
LMS keeps their grade: an empty cell would not (Canvas posts the blank as a new grade and Moodle
imports it as "no grade", both clearing what was there).

Files: UTF-8 without a byte-order mark, CRLF line ends (RFC 4180, as spreadsheets write CSV; both
LMSs read either), ``csv`` keeps grades.csv's LF; written whole (``write_atomic``, fsync'd). The
same gradebook and roster give the same bytes. A text cell that starts like a spreadsheet formula
(``=``, ``+``, ``-``, ``@``, a tab or CR: a folder may be named so) starts with ``'`` instead.
"""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from grader.batch import guards
# _number: grades.csv's number format (10, 7.5), so a score reads the same in every file from the store
from grader.batch.exports import _number, grades_csv
from grader.batch.gradebook import STORE_NAME, Gradebook, Graded, write_atomic
from grader.batch.roster import CANVAS_COLUMNS, Matched, match, read_roster
from grader.errors import GraderProblem, UsageProblem
from grader.grading.untrusted import csv_cell, terminal_line

FORMATS = ("canvas", "moodle", "csv")
NAMES = {"canvas": "Canvas gradebook import", "moodle": "Moodle grade import", "csv": "grades.csv"}

# Canvas's Gradebook import CSV, as Canvas's own importer reads it (github.com/instructure/canvas-lms:
# app/models/gradebook_importer.rb, and ui/features/gradebook_uploads for what it posts) and as
# https://teaching.resources.osu.edu/toolsets/carmencanvas/guides/calculating-final-grades/import-csv-file-carmen-grades
# lays out its columns: the header starts Student, ID and ends the student columns at Section (SIS
# User ID and SIS Login ID between); the row whose first cell is "Points Possible" gives each new
# assignment its points. A column whose header contains "Final Points" (Canvas's own read-only
# totals, "<group> Final Points") is dropped on import, and so is one whose Points Possible cell says
# "read only": the total is there to read, never made an assignment worth the sum.
CANVAS_TOTAL = "Exercises Final Points"
# Moodle's grade import from CSV (https://docs.moodle.org/311/en/Grade_import): one user column
# (``grader.batch.roster``), then a column per exercise, each mapped on Moodle's preview page to a
# grade item, a new grade item, or ignore. Moodle has its own course total: ours says to leave it.
MOODLE_TOTAL = "Total (not for import)"
NAMED = 30  # students named per warning; the rest are counted


@dataclass(frozen=True)
class Item:
    """One exercise as the gradebook holds it: a column of the export."""

    id: str
    """The exercise id (``exercise-3``)."""
    title: str
    """Its title when last graded."""
    points: float
    """What it is worth: the most a stored row of it was worth."""

    @property
    def label(self) -> str:
        """``Exercise 3: A manual SGD step``: the title an LMS matches an assignment by, or creates."""
        words = self.id.replace("-", " ").replace("_", " ")
        return f"{words[:1].upper()}{words[1:]}: {self.title}"


@dataclass(frozen=True)
class Export:
    """What ``grade export`` wrote, and whom it left out and why."""

    path: Path
    """The file written."""
    format: str
    """``canvas``, ``moodle`` or ``csv``."""
    students: int
    """Student rows in the file."""
    exercises: tuple[str, ...]
    """The exercise ids, in column order."""
    identity: str
    """What identifies a student in the LMS (``Email address``…); '' for csv."""
    by_folder: bool
    """No roster: the folder names are the identities."""
    not_in_roster: tuple[str, ...] = ()
    """In the gradebook, not in the roster: left out."""
    no_identity: tuple[str, ...] = ()
    """In both, but the roster row lacks the identity: left out."""
    no_submission: tuple[str, ...] = ()
    """In the roster, not in the gradebook: left out, so the LMS keeps their grades."""
    ungraded: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """(exercise, students) that no batch graded on it: empty cells, which clear the LMS grade."""

    def summary(self) -> str:
        count = len(self.exercises)
        return (f"Wrote {self.path} ({NAMES[self.format]}): {self.students} student"
                f"{'s' * (self.students != 1)}, {count} exercise{'s' * (count != 1)}.")

    def warnings(self) -> list[str]:
        """Lines for stderr: how students were identified, and each kind of student left out, named."""
        lines = []
        if self.by_folder and self.format != "csv":
            lines.append(f"No --roster: each student is identified by their submission folder name, as "
                         f"{self.identity}; give --roster roster.csv to map them to {self.format.title()} "
                         "identities.")
        for students, why in [
                (self.not_in_roster, "in the gradebook but not in the roster: left out (add them to the roster)"),
                (self.no_identity, f"in the roster without {self.identity}: left out (fill it in)"),
                (self.no_submission, "in the roster with no submission: left out, so the LMS keeps their grades")]:
            if students:
                lines.append(f"{len(students)} {why}: {_names(students)}")
        for exercise, students in self.ungraded:
            lines.append(f"{len(students)} not graded on {exercise} (an empty cell, which clears the LMS grade; "
                         f"`grade batch` grades them): {_names(students)}")
        return lines


def export(*, results: Path, format: str, roster: Path | None = None, output: Path | None = None) -> Export:
    """Write ``results``'s gradebook as ``format`` to ``output`` (default ``RESULTS/export-<format>.csv``)."""
    if format not in FORMATS:
        raise UsageProblem(f"{format!r} is not one of {', '.join(FORMATS)}", "--format")
    if roster is not None and format == "csv":
        raise UsageProblem("maps students to Canvas or Moodle identities, and --format csv writes grades.csv "
                           "by folder name: drop --roster, or choose --format canvas or moodle", "--roster")
    results = Path(results)
    store = results / STORE_NAME
    if not store.is_file():
        raise UsageProblem(f"{results} holds no {STORE_NAME}: run `grade batch SUBMISSIONS --out {results}` "
                           "first", "RESULTS")
    people = read_roster(roster, format) if roster is not None else None
    try:
        lock = guards.lock(results)  # a batch still writing would give half a class
    except guards.BatchError:
        raise GraderProblem(f"a grade batch is writing to {results}: export once it is done") from None
    try:
        items, rows = read_class(store)
    finally:
        lock.close()
    path = Path(output) if output is not None else results / f"export-{format}.csv"
    if format == "csv":
        write_atomic(path, grades_csv(rows, [(i.id, i.points) for i in items]), durable=True)
        return Export(path, format, len(rows), tuple(i.id for i in items), "", True)
    found = match(format, sorted(rows), people)
    # Identities are folder names or roster cells, titles the course's: text a spreadsheet must not take for
    # a formula (untrusted.csv_cell); the scores are numbers, written as they are.
    table = _header(format, items, found) + [[*map(csv_cell, found.rows[sid]), *_scores(rows[sid], items)]
                                             for sid in found.rows]
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(table)
    write_atomic(path, out.getvalue(), durable=True)
    ungraded = tuple((i.id, tuple(sid for sid in found.rows if i.id not in {g.exercise for g in rows[sid]}))
                     for i in items)
    return Export(path, format, len(found.rows), tuple(i.id for i in items), found.identity, people is None,
                  found.not_in_roster, found.no_identity, found.no_submission,
                  tuple((eid, sids) for eid, sids in ungraded if sids))


def read_class(store: Path) -> tuple[list[Item], dict[str, list[Graded]]]:
    """The exercises a gradebook holds (natural order of ids) and each student's stored rows for them."""
    try:
        book = Gradebook(store)
    except (sqlite3.DatabaseError, RuntimeError) as exc:
        raise GraderProblem(f"cannot read {store} as a gradebook ({exc}); it must be one `grade batch` wrote, "
                            "in a folder you may write to (sqlite keeps its journal beside it)") from None
    try:
        worth = book.conn.execute("SELECT exercise, MAX(max_score) FROM submissions GROUP BY exercise").fetchall()
        # the latest title wins (a course may retitle an exercise); ties broken by student, so one store gives one file
        titles = dict(book.conn.execute("SELECT exercise, title FROM submissions ORDER BY graded_at, student"))
        items = sorted((Item(eid, titles[eid], float(points)) for eid, points in worth), key=lambda i: _natural(i.id))
        students = sorted(sid for (sid,) in book.conn.execute("SELECT DISTINCT student FROM submissions"))
        rows = {sid: book.student(sid, [i.id for i in items]) for sid in students}
    finally:
        book.close()
    if not rows:
        raise UsageProblem(f"{store} holds no graded student yet: run `grade batch SUBMISSIONS --out "
                           f"{store.parent}` first", "RESULTS")
    return items, rows


def _header(format: str, items: list[Item], found: Matched) -> list[list[str]]:
    labels = [csv_cell(i.label) for i in items]
    if format == "canvas":
        possible = ["Points Possible", *[""] * (len(CANVAS_COLUMNS) - 1), *(_number(i.points) for i in items),
                    "(read only)"]
        return [[*CANVAS_COLUMNS.values(), *labels, CANVAS_TOTAL], possible]
    return [[found.identity, *labels, MOODLE_TOTAL]]


def _scores(graded: list[Graded], items: list[Item]) -> list[str]:
    """A student's points per exercise (empty where none is stored), then their total."""
    scores = {g.exercise: g.score for g in graded}
    return [*(_number(scores[i.id]) if i.id in scores else "" for i in items), _number(sum(scores.values()))]


def _natural(text: str) -> list:
    """``exercise-10`` sorts after ``exercise-2``."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)]


def _names(students: tuple[str, ...]) -> str:
    shown = ", ".join(map(terminal_line, students[:NAMED]))  # folder names, for a terminal: one line each
    return shown + (f" … and {len(students) - NAMED} more" if len(students) > NAMED else "")
