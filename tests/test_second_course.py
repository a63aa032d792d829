"""A second, tiny course graded by the same engine: its content is found through its course.toml.

The course lives in tmp_path, outside this repository and outside the grader package. It has one
exercise ("double a tensor"), its own content package named ``lesson`` (not ``grader.lesson``),
and is graded by the real ``grade`` command run in its folder, jailed where this machine allows
it and with the jail turned off. Nothing of the engine changes for it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

GRADE = Path(sys.executable).parent / "grade"

COURSE_TOML = '''\
[course]
title = "Tensors, briefly"
content = "lesson"

[[exercise]]
id = "exercise-1"
title = "Double a tensor"
file = "exercise_1.py"
functions = ["double"]
points = 2
'''

STUB = '''\
"""Exercise 1: double a tensor."""


def double(x):
    """Return a new tensor holding twice each value of ``x``; leave ``x`` itself unchanged."""
    raise NotImplementedError("double")
'''

SOLUTION = '''\
"""Exercise 1: double a tensor."""


def double(x):
    """Return a new tensor holding twice each value of ``x``; leave ``x`` itself unchanged."""
    return x * 2
'''

ADDS_TWO = '''\
def double(x):
    return x + 2
'''

IN_PLACE = '''\
def double(x):
    return x.mul_(2)
'''

PROBES = '''\
"""Probes for exercise 1: call double on a seeded tensor."""

from grader.grading.probes import describe, probe


@probe(calls="double")
def doubled(double, *, device, seed):
    """double on a seeded (4, 3) tensor: what it returned, and the input afterwards."""
    import torch

    x = torch.randn(4, 3, generator=torch.Generator().manual_seed(seed)).to(device)
    returned = double(x)
    return {"returned": describe(returned), "x_after": x.detach().to("cpu").clone()}
'''

CHECKS = '''\
"""Checks for exercise 1: double a tensor."""

import pytest
import torch

from grader.grading.feedback import Feedback
from lesson.exercise_1 import probes


@pytest.mark.points(1)
def test_double_returns_twice_the_input(lab):
    """double returns twice its input"""
    got, want = lab.both(probes.doubled, seed=1)
    if got["returned"]["type"] != "torch.Tensor":
        raise Feedback(f"double returned a {got['returned']['type']}, not a tensor.", fix="Return the doubled tensor.")
    mine, right = got["returned"]["tensor"], want["returned"]["tensor"]
    if mine.shape != right.shape or not torch.allclose(mine, right):
        x = want["x_after"]
        raise Feedback("double(x) is not twice x.",
                       f"for x[0, 0] = {x[0, 0]:.3f} you returned {mine.flatten()[0]:.3f}; "
                       f"twice it is {right[0, 0]:.3f}",
                       "Multiply by two, and return that new tensor.")


@pytest.mark.points(1)
def test_double_leaves_its_input_alone(lab):
    """double leaves x unchanged"""
    got, want = lab.both(probes.doubled, seed=2)
    if not torch.equal(got["x_after"], want["x_after"]):
        raise Feedback("double changed x itself.", fix="Make a new tensor (x * 2) rather than x.mul_(2).")
'''


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> Path:
    """The tiny course: course.toml, exercises/, solutions/ and lesson/exercise_1/{probes,checks}.py."""
    root = tmp_path_factory.mktemp("tiny-course")
    files = {
        "course.toml": COURSE_TOML,
        "exercises/exercise_1.py": STUB,
        "solutions/exercise_1.py": SOLUTION,
        "lesson/__init__.py": '"""The lesson of the tiny course."""\n',
        "lesson/exercise_1/__init__.py": "",
        "lesson/exercise_1/probes.py": PROBES,
        "lesson/exercise_1/checks.py": CHECKS,
        "tries/adds_two.py": ADDS_TWO,
        "tries/in_place.py": IN_PLACE,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def grade(course: Path, *args: str, jail: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GRADER_NO_NAMESPACES")}
    if not jail:
        env["GRADER_NO_NAMESPACES"] = "1"
    return subprocess.run([str(GRADE), *args], cwd=course, env=env, capture_output=True, text=True, timeout=300)


def test_the_tiny_course_grades_through_its_own_course_toml(tiny, jail=True):
    """The real ``grade`` in the tiny course's folder (unjailed too: test_what_the_tiny_course_ran_under)."""
    listed = grade(tiny, "list", jail=jail)
    assert listed.returncode == 0, listed.stderr
    assert "exercise-1" in listed.stdout and "Double a tensor" in listed.stdout

    stub = grade(tiny, "exercise-1", jail=jail)
    assert stub.returncode == 1, stub.stdout + stub.stderr
    assert "Score: 0/2" in stub.stdout and "not implemented yet" in stub.stdout

    solution = grade(tiny, "exercise-1", "--submission", "solutions/exercise_1.py", jail=jail)
    assert solution.returncode == 0, solution.stdout + solution.stderr
    assert "Score: 2/2  (all checks passed)" in solution.stdout

    wrong = grade(tiny, "exercise-1", "--submission", "tries/adds_two.py", jail=jail)
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "Score: 1/2" in wrong.stdout
    assert "double(x) is not twice x." in wrong.stdout and "What to change: Multiply by two" in wrong.stdout

    in_place = grade(tiny, "exercise-1", "--submission", "tries/in_place.py", jail=jail)
    assert in_place.returncode == 1 and "Score: 1/2" in in_place.stdout, in_place.stdout + in_place.stderr
    assert "double changed x itself." in in_place.stdout


def test_what_the_tiny_course_ran_under(tiny):
    """Jailed where this machine allows it: the probe module, in a folder the jail does not show,
    was imported by the fork server before the fork. With GRADER_NO_NAMESPACES=1, unjailed, and
    the reply says so."""
    jailed = grade(tiny, "exercise-1", "--submission", "solutions/exercise_1.py", "--json")
    assert jailed.returncode == 0, jailed.stdout + jailed.stderr
    unjailed = grade(tiny, "exercise-1", "--submission", "solutions/exercise_1.py", "--json", jail=False)
    assert unjailed.returncode == 0, unjailed.stdout + unjailed.stderr
    assert json.loads(unjailed.stdout)["extra_data"]["isolation"].startswith("unjailed")
    doctor = grade(tiny, "doctor")
    if "Every worker runs in the jail." not in doctor.stdout:
        pytest.skip("no jail on this machine: " + (doctor.stdout + doctor.stderr)[-300:])
    assert json.loads(jailed.stdout)["extra_data"]["isolation"] == "jail"


def test_validate_proves_the_tiny_course(tiny):
    """``grade validate`` with no mistake corpus: the solution passes, the stub fails every check."""
    found = grade(tiny, "validate")
    assert found.returncode == 0, found.stdout + found.stderr
    assert "exercise-1" in found.stdout


def test_the_tiny_course_graded_in_process_by_a_fork_server_that_never_saw_it(tiny):
    """Graded from this test session, the jobs go to a fork server spawned for any course (or
    already running for this repository's): it imports the tiny course's probe module from the
    job's ``course_root`` before it forks, since a jailed worker cannot see that folder."""
    from grader import course as courses
    from grader.grading.runner import grade_exercise

    course = courses.load(tiny)
    exercise = course.exercise("exercise-1")
    assert course.probes_module(exercise) == "lesson.exercise_1.probes"
    result = grade_exercise(course=course, exercise=exercise, path=tiny / "tries" / "adds_two.py")
    assert (result.score, result.max_score) == (1, 2), [c.feedback for c in result.checks]
    assert "double(x) is not twice x." in next(c.feedback for c in result.checks if not c.passed)
    assert result.isolation, result  # "jail", or "unjailed: <why>" where this machine allows no jail


def test_what_another_course_left_under_the_same_module_names_is_forgotten(tiny, tmp_path, monkeypatch):
    """pytest imports a check module by the name its package folders give (``lesson.exercise_1.checks``)
    and reuses a loaded module of that name; one left by another course must not stand in for ours.
    The engine's own modules (an installed release's content among them) are never forgotten."""
    import types

    import grader
    from grader.grading import content

    other = tmp_path / "other" / "lesson" / "exercise_1"
    for name in ("lesson", "lesson.exercise_1", "lesson.exercise_1.checks", "lesson.exercise_1.probes"):
        module = types.ModuleType(name)
        module.__file__ = str(other / "checks.py")
        monkeypatch.setitem(sys.modules, name, module)
    content.forget_other_checks([tiny / "lesson" / "exercise_1" / "checks.py"])
    assert not [n for n in sys.modules if n == "lesson" or n.startswith("lesson.")]

    release = tmp_path / "release" / "grader" / "lesson" / "exercise_1"
    release.mkdir(parents=True)
    for folder in (release, release.parent, release.parent.parent):
        (folder / "__init__.py").write_text("")
    content.forget_other_checks([release / "checks.py"])
    assert sys.modules["grader"] is grader and "grader.grading.content" in sys.modules


def test_the_tiny_course_grades_a_class(tiny, tmp_path):
    """``grade batch`` in the tiny course: its judges import the course's probes from its own folder
    before forking, as ``grade`` does."""
    class_ = tmp_path / "class"
    for student, source in (("ada", "solutions/exercise_1.py"), ("bo", "tries/adds_two.py")):
        (class_ / student).mkdir(parents=True)
        (class_ / student / "exercise_1.py").write_text((tiny / source).read_text())
    done = grade(tiny, "batch", str(class_), "--out", str(tmp_path / "results"), "-j", "1")
    assert done.returncode == 0, done.stdout + done.stderr
    grades = (tmp_path / "results" / "grades.csv").read_text().splitlines()
    assert grades[1:] == ["ada,2,2,2", "bo,1,1,2"], grades


def test_a_course_copy_grades_its_own_content_and_puts_nothing_on_sys_path(tmp_path):
    """A copy of this course keeps its content at `grader/lesson`, while `grader` is the engine this checkout
    runs: the copy's content is what its grading imports (a new exercise there is found), and no course folder
    goes on sys.path, where a file beside a course.toml could shadow an installed module."""
    import importlib

    from course_copy import ROOT, make_course
    from grader import course as courses
    from grader.grading import content

    copy = make_course(tmp_path / "copy")
    (copy / "grader" / "lesson" / "exercise_9").mkdir()
    (copy / "grader" / "lesson" / "exercise_9" / "__init__.py").write_text("")
    (copy / "grader" / "lesson" / "exercise_9" / "probes.py").write_text("WHERE = 'the copy'\n")
    path = list(sys.path)
    try:
        content.importable(courses.load(copy))
        assert importlib.import_module("grader.lesson.exercise_9.probes").WHERE == "the copy"
        assert sys.modules["grader"].lesson is sys.modules["grader.lesson"]
        assert sys.path == path
    finally:
        content.importable(courses.load(ROOT))  # this checkout's own lesson again, for the tests after this one
    assert list(sys.modules["grader.lesson"].__path__) == [str(ROOT / "grader" / "lesson")]
    assert "grader.lesson.exercise_9.probes" not in sys.modules and sys.path == path
