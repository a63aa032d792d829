"""`grade export`: a real batch's gradebook written for Canvas, Moodle and as grades.csv.

One `grade batch` of a four-student class (module fixture) gives the gradebook every test
exports; the column rules checked are the ones Canvas's and Moodle's importers read
(grader/batch/lms.py cites them). A small gradebook written by hand covers what one batch
cannot show cheaply: exercises ordered by number, and a student no batch graded on one.
"""

from __future__ import annotations

import csv
import io
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT
from grader.batch import gradebook, lms
from grader.cli import cli
from grader.cli import export as export_cli

GRADE = str(Path(sys.executable).with_name("grade"))
CANVAS_STUDENT_COLUMNS = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    """amy and zoë hand in the solution, ben the stub, cat nothing."""
    class_ = tmp_path_factory.mktemp("export") / "class"
    solution = (ROOT / "solutions" / "exercise_1.py").read_text()
    for sid, text in {"amy": solution, "ben": (ROOT / "exercises" / "exercise_1.py").read_text(),
                      "cat": None, "zoë": solution}.items():
        (class_ / sid).mkdir(parents=True)
        if text is not None:
            (class_ / sid / "exercise_1.py").write_text(text)
    out = class_.parent / "results"
    done = subprocess.run([GRADE, "batch", str(class_), "--out", str(out), "--exercise", "exercise-1", "-j", "2",
                           "--timeout", "20", "--memory", "600"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def exercise_1(course):
    return course.exercise("exercise-1")


def export(*args: str):
    return CliRunner().invoke(cli, ["export", *map(str, args)])


def table(path: Path) -> list[list[str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def write_roster(path: Path, rows: list[list[str]]) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


@pytest.fixture
def roster(tmp_path) -> Path:
    """amy and zoë fully known; cat with no LMS identity; ben left out; eve never handed anything in."""
    return write_roster(tmp_path / "roster.csv", [
        ["Student", "Name", "ID", "SIS_User_ID", "SIS_Login_ID", "Section", "Email", "notes"],
        ["amy", "Lovelace, Ada", "101", "S-1", "ada", "Tue lab", "ada@uni.example", "a comma in her name"],
        ["zoë", "Zoë Ünal", "", "S-4", "", "", "zoe@uni.example", ""],
        ["cat", "", "", "", "", "Tue lab", "", "no identity"],
        ["eve", "Eve Early", "105", "", "", "", "eve@uni.example", "no submission"],
    ])


def test_csv_is_grades_csv_byte_for_byte(results, tmp_path):
    done = export(results, "--format", "csv", "--output", tmp_path / "grades.csv")
    assert done.exit_code == 0, done.output
    assert (tmp_path / "grades.csv").read_bytes() == (results / "grades.csv").read_bytes()
    assert export(results, "--format", "csv").exit_code == 0  # the default: RESULTS/export-csv.csv
    assert (results / "export-csv.csv").read_bytes() == (results / "grades.csv").read_bytes()


def test_canvas_follows_the_gradebook_import_columns(results, exercise_1):
    done = export(results, "--format", "canvas")
    assert done.exit_code == 0, done.output
    assert f"Wrote {results / 'export-canvas.csv'}" in done.stdout and "4 students, 1 exercise" in done.stdout
    header, possible, *rows = table(results / "export-canvas.csv")
    # What Canvas's importer reads: Student, ID, the SIS columns, Section ending the student
    # columns; then the assignments, titled as Canvas matches or creates them.
    assert header == [*CANVAS_STUDENT_COLUMNS, f"Exercise 1: {exercise_1.title}", "Exercises Final Points"]
    assert possible == ["Points Possible", "", "", "", "", str(exercise_1.points), "(read only)"]
    # the total is never imported as an assignment: Canvas drops "… Final Points" and "read only" columns
    assert "Final Points" in header[-1] and "read only" in possible[-1]
    full = str(exercise_1.points)
    assert rows == [["amy", "", "", "amy", "", full, full], ["ben", "", "", "ben", "", "0", "0"],
                    ["cat", "", "", "cat", "", "0", "0"], ["zoë", "", "", "zoë", "", full, full]]
    assert "No --roster" in done.stderr and "submission folder name" in done.stderr


def test_moodle_has_one_user_column_the_exercises_and_a_total_to_leave_unmapped(results, exercise_1, roster):
    done = export(results, "--format", "moodle")
    assert done.exit_code == 0, done.output
    header, *rows = table(results / "export-moodle.csv")
    assert header == ["Username", f"Exercise 1: {exercise_1.title}", "Total (not for import)"]
    assert [row[0] for row in rows] == ["amy", "ben", "cat", "zoë"]
    assert "No --roster" in done.stderr and "Username" in done.stderr
    # With a roster, the first of email, username, idnumber, userid it has is the user column
    # (Moodle maps users by exactly one); a student whose row lacks it is left out, not sent blank.
    done = export(results, "--format", "moodle", "--roster", roster, "--output", roster.parent / "moodle.csv")
    assert done.exit_code == 0, done.output
    header, *rows = table(roster.parent / "moodle.csv")
    full = str(exercise_1.points)
    assert header[0] == "Email address"
    assert rows == [["ada@uni.example", full, full], ["zoe@uni.example", full, full]]
    assert "without Email address: left out" in done.stderr


def test_roster_maps_students_and_names_those_left_out(results, exercise_1, roster):
    done = export(results, "--format", "canvas", "--roster", roster, "--output", roster.parent / "canvas.csv")
    assert done.exit_code == 0, done.output
    header, possible, *rows = table(roster.parent / "canvas.csv")
    full = str(exercise_1.points)
    assert rows == [["Lovelace, Ada", "101", "S-1", "ada", "Tue lab", full, full],
                    ["Zoë Ünal", "", "S-4", "", "", full, full]]
    lines = done.stderr.splitlines()
    assert "No --roster" not in done.stderr
    assert any("not in the roster: left out" in line and line.endswith(": ben") for line in lines), lines
    assert any("without a name, id, sis_user_id or sis_login_id" in line and line.endswith(": cat")
               for line in lines), lines
    # A roster student with no submission is not sent an empty cell: both LMSs would clear their grade.
    assert any("no submission: left out, so the LMS keeps their grades" in line and line.endswith(": eve")
               for line in lines), lines
    assert "2 students" in done.stdout


def test_the_same_gradebook_gives_the_same_bytes(results, roster, tmp_path):
    for format_ in ("canvas", "moodle"):
        first, second = tmp_path / f"{format_}-1.csv", tmp_path / f"{format_}-2.csv"
        for path in (first, second):
            assert export(results, "--format", format_, "--roster", roster, "--output", path).exit_code == 0
        assert first.read_bytes() == second.read_bytes()


@pytest.mark.parametrize("format_", ["canvas", "moodle"])
def test_files_read_back_as_a_spreadsheet_would(results, roster, tmp_path, format_):
    """UTF-8 without a BOM, CRLF after every row and nothing else, every row as wide as the header,
    and a csv round trip gives the same bytes (commas and accents quoted or kept as they should be)."""
    path = tmp_path / "out.csv"
    assert export(results, "--format", format_, "--roster", roster, "--output", path).exit_code == 0
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf") and data.endswith(b"\r\n")
    text = data.decode("utf-8")
    assert text.count("\r\n") == text.count("\n") == len(text.splitlines())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert all(rows) and {len(row) for row in rows} == {len(rows[0])}
    again = io.StringIO()
    csv.writer(again, lineterminator="\r\n").writerows(rows)
    assert again.getvalue() == text
    assert ("Lovelace, Ada" in rows[2]) if format_ == "canvas" else ("zoe@uni.example" in rows[2])


def test_usage_errors_say_what_to_do(results, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    done = export(empty, "--format", "canvas")
    assert done.exit_code == 2 and "run `grade batch" in done.output and "gradebook.sqlite" in done.output
    assert not (empty / "gradebook.sqlite").exists()  # looking did not create one
    assert export(results, "--format", "blackboard").exit_code == 2
    no_key = write_roster(tmp_path / "no_key.csv", [["name", "email"], ["Ada", "ada@uni.example"]])
    done = export(results, "--format", "canvas", "--roster", no_key)
    assert done.exit_code == 2 and "no `student` column" in done.output and "name,email" in done.output
    no_identity = write_roster(tmp_path / "no_identity.csv", [["student", "section"], ["amy", "Tue"]])
    done = export(results, "--format", "moodle", "--roster", no_identity)
    assert done.exit_code == 2 and "email, username, idnumber, userid" in done.output
    twice = write_roster(tmp_path / "twice.csv", [["student", "email"], ["amy", "a@x"], ["amy", "b@x"]])
    done = export(results, "--format", "moodle", "--roster", twice)
    assert done.exit_code == 2 and "amy is in" in done.output and "row 3" in done.output
    done = export(results, "--format", "csv", "--roster", twice)
    assert done.exit_code == 2 and "drop --roster" in done.output
    assert not list(tmp_path.glob("**/export-*.csv"))


def test_a_batch_still_writing_is_waited_for(results):
    from grader.batch import guards

    held = guards.lock(results)  # what a running `grade batch --out RESULTS` holds
    try:
        done = export(results, "--format", "canvas", "--output", results / "during.csv")
    finally:
        held.close()
    assert done.exit_code == 1 and "a grade batch is writing to" in done.output
    assert not (results / "during.csv").exists()


def test_the_cli_offers_the_formats_the_domain_writes():
    assert export_cli.FORMATS == lms.FORMATS


# ---------------------------------------------------------------- a gradebook written by hand

def _row(sid: str, eid: str, score: float) -> gradebook.Graded:
    from grader.grading.results import CheckResult, ExerciseResult

    check = CheckResult(name="test_it", title="it works", points=score, max_points=5.0, status="passed",
                        hidden=False, feedback="", seconds=0.1)
    result = ExerciseResult(exercise=eid, title=f"Title of {eid}", submission=f"{eid}.py", checks=(check,))
    return gradebook.Graded(sid, result, gradebook.GRADED, "", False, 5.0, "hash", "v", "fp", "t", "cpu",
                            "2026-01-01T00:00:00+00:00", 0.1)


def test_exercises_in_numeric_order_and_ungraded_cells_named(tmp_path):
    store = gradebook.Gradebook(tmp_path / gradebook.STORE_NAME)
    store.record([_row("ann", "exercise-10", 5.0), _row("ann", "exercise-2", 2.5)])
    store.record([_row("bob", "exercise-2", 5.0)])  # graded before exercise-10 was in the batch
    store.close()
    done = lms.export(results=tmp_path, format="canvas")
    header, possible, *rows = table(done.path)
    assert header[5:] == ["Exercise 2: Title of exercise-2", "Exercise 10: Title of exercise-10",
                          "Exercises Final Points"]
    assert possible[5:] == ["5", "5", "(read only)"]
    assert [row[5:] for row in rows] == [["2.5", "5", "7.5"], ["5", "", "5"]]
    assert done.ungraded == (("exercise-10", ("bob",)),)
    assert any("not graded on exercise-10" in line and line.endswith(": bob") for line in done.warnings())
