"""`grade new`: a new exercise's files in a course copy, from the functions' signatures, what validate says
while it is unfinished, and its worked checks, which grade once the author has written the solution; and an
author's whole path, in a copy of this repository graded by this checkout's installed `grade`."""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from course_copy import load, make_course
from grader.cli import cli
from grader.grading import runner as grading


@pytest.fixture
def root(tmp_path, monkeypatch):
    """A course copy whose content package has a name of its own. This process grades the copy's own
    `grader.lesson` (``content.importable``), but its fork server is spawned, not forked from it, and
    imports a probe module by name with the job's course root on its path: there `grader` is this
    repository's, so only a content package of another name is found in the copy (a real `grade`
    forks its fork server from a process that imported the copy's content: ``test_an_authors_path``)."""
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
SCHEDULES = "step_lr(optimizer, epoch, base_lr, step_size, gamma), warmup_lr(step, warmup_steps, base_lr)"


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
    for name in ("double", "halve"):  # a probe and a worked check for each function
        assert f'@probe(calls="{name}")' in (content / "probes.py").read_text()
        assert f"def test_{name}_matches_the_solution(" in (content / "checks.py").read_text()


def test_the_functions_are_signatures_split_at_commas_outside_brackets():
    from grader.authoring import signatures

    assert signatures.split(SCHEDULES) == ["step_lr(optimizer, epoch, base_lr, step_size, gamma)",
                                           "warmup_lr(step, warmup_steps, base_lr)"]
    assert signatures.split("f, g;h") == ["f", "g", "h"]
    assert signatures.split("f(x, y=(1, 2), *, z: dict[str, int] = {}) -> float") == \
        ["f(x, y=(1, 2), *, z: dict[str, int] = {}) -> float"]
    step_lr = signatures.parse("step_lr(optimizer, epoch, base_lr, step_size, gamma)")
    assert step_lr.arguments == "(optimizer, epoch, base_lr, step_size, gamma)"
    assert [(p.name, p.kind) for p in step_lr.parameters] == [
        ("optimizer", "optimizer"), ("epoch", "int"), ("base_lr", "float"), ("step_size", "int"), ("gamma", "float")]
    assert signatures.parse("warmup(step, warmup_steps, warmup_lr)").parameters[2].kind == "float"
    assert signatures.parse("double").arguments == "(x)"
    keyed = signatures.parse("f(model, /, x, *rest, device, seed=0, **more) -> None")
    assert keyed.call == "f(model, x, device=device, seed=seed)"
    assert keyed.arguments == "(model, /, x, *rest, device, seed=0, **more) -> None"


def test_new_writes_what_fits_the_signatures(root):
    result = grade("new", "exercise-8", "--title", "Learning-rate schedules", "--functions", SCHEDULES)
    assert result.exit_code == 0, result.output
    course = load(root)
    assert course.exercise("exercise-8").functions == ("step_lr", "warmup_lr")
    for folder in ("exercises", "solutions"):
        tree = ast.parse((root / folder / "exercise_8.py").read_text())
        defs = {f.name: ast.unparse(f.args) for f in tree.body if isinstance(f, ast.FunctionDef)}
        assert defs == {"step_lr": "optimizer, epoch, base_lr, step_size, gamma",
                        "warmup_lr": "step, warmup_steps, base_lr"}
    probes = (course.content / "exercise_8" / "probes.py").read_text()
    assert "def step_lr_result(step_lr, *, device, seed, epoch=None, base_lr=None, step_size=None, gamma=None):" \
        in probes
    assert "optimizer = torch.optim.SGD(net.parameters(), lr=0.1)" in probes
    assert "returned = step_lr(optimizer, epoch, base_lr, step_size, gamma)" in probes
    assert "returned = warmup_lr(step, warmup_steps, base_lr)" in probes
    mistake = (root / "tests" / "mistakes" / "exercise_8" / "returns_its_input.py").read_text()
    assert "def step_lr(optimizer, epoch, base_lr, step_size, gamma):\n    return optimizer" in mistake


@pytest.mark.parametrize("args, says", [
    (("new", "exercise-3", "--title", "T", "--functions", "f"), "exercise-3 is in course.toml already"),
    (("new", "Exercise_8", "--title", "T", "--functions", "f"), "cannot be an exercise id"),
    (("new", "exercise-8", "--title", "T", "--functions", "f,2fast"), "'2fast' cannot be a function"),
    (("new", "exercise-8", "--title", "T", "--functions", "f,f"), "a function is named twice"),
    (("new", "exercise-8", "--title", "T", "--functions", "f(x, y"), "a bracket is not closed"),
    (("new", "exercise-8", "--title", "T", "--functions", "f(x) + 1"), "'f(x) + 1' is not a function"),
    (("new", "exercise-8", "--title", "T", "--functions", "f(rng)"), "a parameter named 'rng' would clash"),
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
                    "the checks are worth 2 points; course.toml says 4",
                    "no mistake caught yet"):
        assert missing in text, (missing, text)
    assert "no probe calls" not in text

    # The author writes the solution (the docstrings' first lines stay as the stub's).
    solution = root / "solutions" / "exercise_8.py"
    body = re.compile(r"    # TODO: the reference answer.*\n    raise NotImplementedError")
    source = body.sub("    return x * 2", solution.read_text(), count=1)
    solution.write_text(body.sub("    return x / 2", source, count=1))

    course = load(root)
    exercise = course.exercise("exercise-8")

    def worked_check(path):
        result = grading.grade_exercise(course=course, exercise=exercise, path=path)
        assert [c.name for c in result.checks] == ["test_double_matches_the_solution",
                                                   "test_halve_matches_the_solution"]
        return result.checks[0]

    assert worked_check(solution).passed
    stub = worked_check(root / "exercises" / "exercise_8.py")
    assert not stub.passed and "not implemented yet" in stub.feedback
    mistake = worked_check(root / "tests" / "mistakes" / "exercise_8" / "returns_its_input.py")
    assert not mistake.passed and "expected result for these inputs" in mistake.feedback

    text = grade("validate", "exercise-8").output
    for done in ("✓ contract", "✓ leaks", "✓ solution", "✓ stub", "✓ mistakes"):
        assert done in text, (done, text)
    assert "NotImplementedError" not in text


# ---------------------------------------------------------------- an author's path, end to end

GRADE = Path(sys.executable).parent / "grade"  # this checkout's grade: the engine installed from elsewhere

STUB = '''"""Exercise 8: Learning-rate schedules.

A schedule changes the learning rate as training goes: big steps first, smaller ones later.
"""


def step_lr(optimizer, epoch, base_lr, step_size, gamma):
    """Set and return the learning rate of `epoch`: `base_lr`, times `gamma` once every `step_size` epochs.

    Epochs count from 0. Every parameter group of `optimizer` gets the new rate as its "lr".
    """
    raise NotImplementedError


def warmup_lr(step, warmup_steps, base_lr):
    """Return the learning rate of `step` in a linear warm-up to `base_lr` over `warmup_steps` steps.

    Steps count from 0: step 0 gets base_lr / warmup_steps, and from step warmup_steps - 1 on, base_lr.
    """
    raise NotImplementedError
'''

SOLUTION = '''"""Exercise 8: Learning-rate schedules (reference solution)."""


def step_lr(optimizer, epoch, base_lr, step_size, gamma):
    """Set and return the learning rate of `epoch`: `base_lr`, times `gamma` once every `step_size` epochs."""
    lr = base_lr * gamma ** (epoch // step_size)
    for group in optimizer.param_groups:
        group["lr"] = lr
    return lr


def warmup_lr(step, warmup_steps, base_lr):
    """Return the learning rate of `step` in a linear warm-up to `base_lr` over `warmup_steps` steps."""
    return base_lr * min(1.0, (step + 1) / warmup_steps)
'''

OTHER_WAY = '''import math


def step_lr(optimizer, epoch, base_lr, step_size, gamma):
    rate = base_lr * math.pow(gamma, math.floor(epoch / step_size))
    optimizer.param_groups[:] = [dict(group, lr=rate) for group in optimizer.param_groups]
    return rate


def warmup_lr(step, warmup_steps, base_lr):
    return base_lr if step + 1 >= warmup_steps else base_lr * (step + 1) / warmup_steps
'''


def _run_grade(course: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([str(GRADE), *args], cwd=course, env=env, capture_output=True, text=True, timeout=300)


def test_an_authors_path(tmp_path):
    """An author copies the course (engine and all) and adds an exercise with this checkout's `grade`:
    `grade new` writes into the copy, `grade validate` grades the copy's own content and says what is
    missing, the author fills it in, and validate says the course is right (about 15 s)."""
    from course_copy import ROOT

    copy = tmp_path / "course"
    for name in ("course.toml", "pyproject.toml", "exercises", "solutions", "grader"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, copy / name, ignore=shutil.ignore_patterns("__pycache__", "reference.grdr"))
        else:
            copy.mkdir(exist_ok=True)
            shutil.copyfile(source, copy / name)
    made = _run_grade(copy, "new", "exercise-8", "--title", "Learning-rate schedules", "--functions", SCHEDULES)
    assert made.returncode == 0, made.stdout + made.stderr

    todo = _run_grade(copy, "validate", "--exercise", "exercise-8")
    text = todo.stdout + todo.stderr
    assert todo.returncode == 1, text
    assert "No module named" not in text and "Traceback" not in text
    assert "still says TODO" in text and "still raises NotImplementedError in `step_lr`" in text

    (copy / "exercises" / "exercise_8.py").write_text(STUB)
    (copy / "solutions" / "exercise_8.py").write_text(SOLUTION)
    content = copy / "grader" / "lesson" / "exercise_8"
    probes = content / "probes.py"
    probes.write_text(re.sub(r" *# TODO: are these the inputs.*\n.*\n", "", probes.read_text()))
    checks = content / "checks.py"
    checks.write_text(re.sub(r' *# TODO: what to change.*\n(.*)"Work through the steps the docstring gives, in order."',
                             r'\1"Follow the rule the docstring gives, step by step."', checks.read_text())
                      .replace("@pytest.mark.points(1)", "@pytest.mark.points(5)"))
    correct = copy / "tests" / "correct" / "exercise_8"
    correct.mkdir(parents=True)
    (correct / "math_pow_and_new_groups.py").write_text(OTHER_WAY)
    done = _run_grade(copy, "validate", "--exercise", "exercise-8")
    assert done.returncode == 0, done.stdout + done.stderr
    for part in ("contract", "checks", "leaks", "solution", "stub", "mistakes", "correct"):
        assert f"✓ {part}:" in done.stdout, (part, done.stdout)
    assert "to do" not in done.stdout and "the course is right" in done.stdout
