"""Who each submission folder is in the LMS: the roster ``grade export --roster`` reads.

A CSV file, UTF-8 (a spreadsheet's byte-order mark is fine), a header row, then a row per student;
column names in any case; columns not listed here are ignored:

    student                                         the submission folder name (required, once each)
    name, id, sis_user_id, sis_login_id, section    Canvas's Student, ID, SIS User ID, SIS Login ID,
                                                    Section; a student needs one of the first four
    email, username, idnumber, userid               Moodle: the first of these the roster has is the
                                                    one column Moodle maps users by; a student needs it

Without a roster the folder name is the identity: Canvas's Student and SIS Login ID, Moodle's
username. ``match`` says who can be imported, and who cannot: a student the roster lacks or gives
no identity, and a roster student with no submission.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageProblem

ROSTER_KEY = "student"
# Canvas matches a row to a student by ID, then SIS User ID, then SIS Login ID, then name (Canvas's
# importer, github.com/instructure/canvas-lms app/models/gradebook_importer.rb: process_student).
CANVAS_COLUMNS = {"name": "Student", "id": "ID", "sis_user_id": "SIS User ID", "sis_login_id": "SIS Login ID",
                  "section": "Section"}
CANVAS_IDENTITY = ("name", "id", "sis_user_id", "sis_login_id")
# Moodle maps one column to userid, username, useridnumber or useremail (https://docs.moodle.org/311/en/Grade_import;
# grade/import/csv/classes/load_data.php). It stops the whole import at a user it cannot find, and
# a row with a blank user cell takes the user of the row above: no row goes out without its identity.
MOODLE_COLUMNS = {"email": "Email address", "username": "Username", "idnumber": "ID number", "userid": "User ID"}


@dataclass(frozen=True)
class Roster:
    """The roster file: who each submission folder is in the LMS."""

    path: Path
    """Where it was read from."""
    columns: tuple[str, ...]
    """Its header, lower-cased."""
    people: dict[str, dict[str, str]]
    """Submission folder name → that row's cells by column."""


@dataclass(frozen=True)
class Matched:
    """The gradebook's students against the roster: who goes in the file as whom, and who cannot."""

    rows: dict[str, list[str]]
    """Student → the identity cells of their row (Canvas: five columns; Moodle: one)."""
    identity: str
    """What identifies a student in the LMS, as the warnings name it (``Email address``…)."""
    not_in_roster: tuple[str, ...] = ()
    """In the gradebook, not in the roster."""
    no_identity: tuple[str, ...] = ()
    """In both, but the roster row lacks the identity."""
    no_submission: tuple[str, ...] = ()
    """In the roster, not in the gradebook."""


def read_roster(path: Path, format: str) -> Roster:
    """The roster at ``path``; a usage error naming the row or column when ``format`` cannot use it."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")  # a spreadsheet's "CSV UTF-8" starts with a BOM
    except UnicodeDecodeError:
        raise UsageProblem(f"{path} is not UTF-8 text: save it as CSV UTF-8", "--roster") from None
    except OSError as exc:
        raise UsageProblem(f"cannot read {path}: {exc.strerror}", "--roster") from None
    table = [(n, row) for n, row in enumerate(csv.reader(io.StringIO(text, newline="")), start=1)
             if any(cell.strip() for cell in row)]
    if not table:
        raise UsageProblem(f"{path} is empty: it needs a header row (student, then the LMS's columns) and a "
                           "row per student", "--roster")
    header = table[0][1]
    columns = tuple(cell.strip().lower() for cell in header)
    wanted = CANVAS_IDENTITY if format == "canvas" else tuple(MOODLE_COLUMNS)
    if ROSTER_KEY not in columns:
        raise UsageProblem(f"{path} has no `student` column (the submission folder name, as grades.csv lists "
                           f"it); its header is: {','.join(header)}", "--roster")
    if not any(c in columns for c in wanted):
        raise UsageProblem(f"{path} has none of the columns {format.title()} can identify a student by "
                           f"({', '.join(wanted)}); its header is: {','.join(header)}", "--roster")
    people: dict[str, dict[str, str]] = {}
    for number, row in table[1:]:
        cells = dict(zip(columns, (cell.strip() for cell in row)))
        sid = cells.get(ROSTER_KEY, "")
        if not sid:
            raise UsageProblem(f"row {number} of {path} has no student (the submission folder name): fill it "
                               "in or delete the row", "--roster")
        if sid in people:
            raise UsageProblem(f"{sid} is in {path} twice (again on row {number}): keep one row", "--roster")
        people[sid] = cells
    return Roster(path, columns, people)


def match(format: str, students: list[str], roster: Roster | None) -> Matched:
    """``students`` (the gradebook's, sorted) as rows of a ``format`` file, and who cannot be imported."""
    if roster is None:
        if format == "canvas":
            return Matched({sid: [sid, "", "", sid, ""] for sid in students}, "Student and SIS Login ID")
        return Matched({sid: [sid] for sid in students}, MOODLE_COLUMNS["username"])
    needed: tuple[str, ...]
    if format == "canvas":
        keys, needed, identity = tuple(CANVAS_COLUMNS), CANVAS_IDENTITY, "a name, id, sis_user_id or sis_login_id"
    else:
        column = next(c for c in MOODLE_COLUMNS if c in roster.columns)
        keys, needed, identity = (column,), (column,), MOODLE_COLUMNS[column]
    rows, no_identity = {}, []
    for sid in students:
        person = roster.people.get(sid)
        if person is not None:
            cells = {key: person.get(key, "") for key in keys}
            if any(cells[key] for key in needed):
                rows[sid] = list(cells.values())
            else:
                no_identity.append(sid)
    return Matched(rows, identity, not_in_roster=tuple(sid for sid in students if sid not in roster.people),
                   no_identity=tuple(no_identity), no_submission=tuple(sorted(set(roster.people) - set(students))))
