"""`grade new`: a new exercise's files in a course copy, what validate says while it is unfinished,
and its one worked check, which grades once the author has written the solution."""

from __future__ import annotations

import ast
import re
import shutil
import sys

import pytest
from click.testing import CliRunner

from course_copy import load, make_course
from grader.cli import cli
from grader.grading import runner as grading


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A course copy whose content package has a name of its own: in this process `grader.lesson` is
    the repository's, so a new exercise folder in the copy's grader/lesson could not be imported."""
    root = make_course(tmp_path / "course")
    content = "lesson_" + re.sub(r"\W", "_", tmp_path.name)
    shutil.move(root / "grader" / "lesson", root / content)
    toml = root / "course.toml"
    toml.write_text(toml.read_text().replace('content = "grader/lesson"', f'content = "{content}"'))
    monkeypatch.chdir(root)
    yield root
    for name in [m for m in sys.modules if m == content or m.startswith(content + ".")]:
        del sys.modules[name]
    if str(root) in sys.path:
        sys.path.remove(str(root))


def grade(*args):
    return CliRunner().invoke(cli, list(args))


NEW = ("new", "exercise-8", "--title", "Doubling", "--functions", "double, halve", "--points", "4")


def test_new_writes_the_exercise_and_appends_it_to_course_toml(root):
    before = (root / "course.toml").read_text()
    result = grade(*NEW)
    assert result.exit_code == 0, result.output
    course = load(root)
    content = course.content / "exercise_8"
    written = [root / "exercises" / "exercise_8.py", root / "solutions" / "exercise_8.py",
               content / "__init__.py", content / "probes.py", content / "checks.py",
               root / "tests" / "mistakes" / "exercise_8" / "returns_its_input.py"]
    for path in written:
        assert path.is_file(), path
        assert str(path.relative_to(root)) in result.output
    assert "grade validate exercise-8" in result.output
    # Appended, the rest of course.toml byte for byte.
    assert (root / "course.toml").read_text().startswith(before)
    exercise = course.exercise("exercise-8")
    assert (exercise.title, exercise.file, exercise.functions, exercise.points) == \
        ("Doubling", "exercise_8.py", ("double", "halve"), 4)
    stub = ast.parse(written[0].read_text())
    functions = {f.name: f for f in stub.body if isinstance(f, ast.FunctionDef)}
    assert set(functions) == {"double", "halve"}
    for function in functions.values():
        assert ast.get_docstring(function) and isinstance(function.body[-1], ast.Raise)
    assert "@pytest.mark.points(1)" in (content / "checks.py").read_text()
    assert '@probe(calls="double")' in (content / "probes.py").read_text()


@pytest.mark.parametrize("args, says", [
    (("new", "exercise-3", "--title", "T", "--functions", "f"), "exercise-3 is in course.toml already"),
    (("new", "Exercise_8", "--title", "T", "--functions", "f"), "cannot be an exercise id"),
    (("new", "exercise-8", "--title", "T", "--functions", "f,2fast"), "'2fast' cannot be a function"),
    (("new", "exercise-8", "--title", "T", "--functions", "f,f"), "a function is named twice"),
    (("new", "exercise-8", "--title", "T", "--functions", "f", "--points", "0"), "positive"),
])
def test_new_refuses_what_would_not_work(root, args, says):
    before = (root / "course.toml").read_text()
    result = grade(*args)
    assert result.exit_code == 2, result.output
    assert says in result.output
    assert (root / "course.toml").read_text() == before
    assert not (root / "solutions" / "exercise_8.py").exists()


def test_new_writes_nothing_when_a_file_exists(root):
    (root / "solutions" / "exercise_8.py").write_text("# an author's own start\n")
    before = (root / "course.toml").read_text()
    result = grade(*NEW)
    assert result.exit_code == 2
    assert "solutions/exercise_8.py exists already" in result.output
    assert (root / "course.toml").read_text() == before
    assert not (root / "exercises" / "exercise_8.py").exists()


def test_validate_lists_what_is_missing_and_the_worked_check_grades_the_finished_solution(root):
    assert grade(*NEW).exit_code == 0
    result = grade("validate", "exercise-8")
    assert result.exit_code == 1, result.output
    text = result.output
    assert "Traceback" not in text and "grader itself failed" not in text
    for missing in ("solutions/exercise_8.py still raises NotImplementedError in `double`",
                    "still says TODO",
                    "no probe calls `halve` yet",
                    "the checks are worth 1 point; course.toml says 4",
                    "no mistake caught yet"):
        assert missing in text, (missing, text)

    # The author writes the solution (the docstrings' first lines stay as the stub's).
    solution = root / "solutions" / "exercise_8.py"
    body = re.compile(r"    # TODO: the reference answer.*\n    raise NotImplementedError")
    source = body.sub("    return x * 2", solution.read_text(), count=1)
    solution.write_text(body.sub("    return x / 2", source, count=1))

    course = load(root)
    exercise = course.exercise("exercise-8")

    def worked_check(path):
        result = grading.grade_exercise(course=course, exercise=exercise, path=path)
        (check,) = result.checks
        assert check.name == "test_double_matches_the_solution"
        return check

    assert worked_check(solution).passed
    stub = worked_check(root / "exercises" / "exercise_8.py")
    assert not stub.passed and "not implemented yet" in stub.feedback
    mistake = worked_check(root / "tests" / "mistakes" / "exercise_8" / "returns_its_input.py")
    assert not mistake.passed and "wrong values" in mistake.feedback

    text = grade("validate", "exercise-8").output
    for done in ("✓ contract", "✓ solution", "✓ stub", "✓ mistakes"):
        assert done in text, (done, text)
    assert "no probe calls `halve` yet" in text and "NotImplementedError" not in text
