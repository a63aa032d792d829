"""``grade new``: a new exercise's files, in place, with one worked check to copy from.

It writes the stub students edit, the solution the author fills in, the
exercise's content folder (a probe and one check comparing the student's result
with the solution's, with feedback), one example file for the mistake corpus,
and appends the exercise to course.toml (the rest of that file is left as it
is). Everything it cannot finish is marked ``TODO``; ``grade validate`` lists
what is still missing until the exercise is right.
"""

from __future__ import annotations

import json
import keyword
import re
from dataclasses import dataclass
from pathlib import Path

from grader.course import CHECKS_FILE, COURSE_FILE, MISTAKES_FILE, PROBES_FILE, Course
from grader.errors import UsageProblem

ID = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*")  # exercise-7: its file is exercise_7.py
EXAMPLE_MISTAKE = "returns_its_input.py"


class ScaffoldProblem(UsageProblem):
    """``grade new`` was asked for something it must not write (exit code 2)."""


@dataclass(frozen=True)
class Scaffold:
    """What ``new_exercise`` wrote."""

    exercise: str
    """The new exercise's id."""
    files: tuple[str, ...]
    """The files written, relative to the course root, course.toml (appended to) last."""

    def summary(self) -> str:
        lines = [f"{self.exercise}: wrote"] + [f"  {f}" for f in self.files]
        lines += ["Next: write the solution, the task in the stub's docstrings, more checks and mistakes.",
                  f"`grade validate {self.exercise}` says what is still missing."]
        return "\n".join(lines)


def new_exercise(*, course: Course, exercise_id: str, title: str, functions: tuple[str, ...],
                 points: int = 10) -> Scaffold:
    """Write a new exercise ``exercise_id`` into ``course``; refuse, writing nothing, if any of it
    exists already or a name would not work."""
    stem = _check(course, exercise_id, title, functions, points)
    root = course.root
    package = f"{course.content_package}.{stem}"
    folder = course.content / stem
    label = exercise_id.replace("-", " ").capitalize()  # "Exercise 7"
    files: dict[Path, str] = {
        course.exercises_dir / f"{stem}.py": _stub(label, title, functions),
        course.solutions_dir / f"{stem}.py": _solution(label, title, functions),
        folder / "__init__.py": f'"""{label}: its ``probes`` and ``checks``."""\n',
        folder / PROBES_FILE: _probes(label, title, functions[0]),
        folder / CHECKS_FILE: _checks(label, title, package, functions[0]),
        folder / MISTAKES_FILE: MISTAKES_TEMPLATE,
    }
    if not (course.content / "__init__.py").is_file():
        files[course.content / "__init__.py"] = _content_init()
    if course.mistakes is not None:
        files[course.mistakes / stem / EXAMPLE_MISTAKE] = _mistake(functions)
    taken = [p for p in files if p.exists()]
    if taken:
        raise ScaffoldProblem(f"{_shown(taken[0], root)} exists already: `grade new` only writes new files "
                              "(remove it, or pick another exercise id)")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _append_to_course(root / COURSE_FILE, exercise_id, title, f"{stem}.py", functions, points)
    return Scaffold(exercise_id, tuple(_shown(p, root) for p in files) + (COURSE_FILE,))


def _check(course: Course, exercise_id: str, title: str, functions: tuple[str, ...], points: int) -> str:
    """The exercise's file stem, once every name is known to work; a ScaffoldProblem otherwise."""
    if any(e.id == exercise_id for e in course.exercises):
        raise ScaffoldProblem(f"{exercise_id} is in {COURSE_FILE} already; pick a new id", "EXERCISE")
    stem = exercise_id.replace("-", "_")
    if not ID.fullmatch(exercise_id) or keyword.iskeyword(stem):
        raise ScaffoldProblem(f"{exercise_id!r} cannot be an exercise id: use lowercase letters, digits and "
                              "single hyphens, starting with a letter (like exercise-7)", "EXERCISE")
    if (course.content / f"{stem}.py").exists():
        raise ScaffoldProblem(f"{_shown(course.content / f'{stem}.py', course.root)} exists already: "
                              "the exercise's content folder would hide it; pick another id", "EXERCISE")
    if not title.strip() or "\n" in title or '"""' in title or "\\" in title:
        raise ScaffoldProblem("the title must be one line of text, without backslashes or triple quotes",
                              "--title")
    if not functions:
        raise ScaffoldProblem("name at least one function: --functions adam_update", "--functions")
    for name in functions:
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_") or name == "torch":
            raise ScaffoldProblem(f"{name!r} cannot be a function students write: use a Python name "
                                  "that does not start with an underscore (like adam_update)", "--functions")
    if len(set(functions)) != len(functions):
        raise ScaffoldProblem(f"a function is named twice: {', '.join(functions)}", "--functions")
    if points <= 0:
        raise ScaffoldProblem(f"points must be a positive number, not {points}", "--points")
    return stem


def _append_to_course(path: Path, exercise_id: str, title: str, file: str, functions, points: int) -> None:
    """Add the [[exercise]] table at the end of course.toml, leaving the rest byte for byte."""
    text = path.read_text(encoding="utf-8")
    quoted = ", ".join(json.dumps(f) for f in functions)
    entry = (f"\n[[exercise]]\nid = {json.dumps(exercise_id)}\ntitle = {json.dumps(title, ensure_ascii=False)}\n"
             f"file = {json.dumps(file)}\nfunctions = [{quoted}]\npoints = {points}\n")
    path.write_text(text + ("" if text.endswith("\n") else "\n") + entry, encoding="utf-8")


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


# ---------------------------------------------------------------- what it writes

def _stub(label: str, title: str, functions) -> str:
    defs = "".join(f'''

def {name}(x):
    """TODO: one line saying what {name} does (the solution's docstring starts the same way).

    TODO: the task, in the lesson's words: what comes in, what must come out, the rules.
    """
    raise NotImplementedError
''' for name in functions)
    return f'''"""{label}: {title}.

TODO: a few sentences on what the learner builds here, and why it matters.
"""

import torch
{defs}'''


def _solution(label: str, title: str, functions) -> str:
    defs = "".join(f'''

def {name}(x):
    """TODO: one line saying what {name} does (the solution's docstring starts the same way)."""
    # TODO: the reference answer: every check compares the student's result with this one's.
    raise NotImplementedError
''' for name in functions)
    return f'''"""{label}: {title} (reference solution)."""

import torch
{defs}'''


def _probes(label: str, title: str, function: str) -> str:
    return f'''"""Probes for {label.lower()}: {title}.

A probe builds its inputs from a seed, calls one student function and records what
happened as plain data (tensors, numbers, strings, lists, dicts). Each check runs it
twice on the same inputs: in a jailed worker with the student's function, and here
with the solution's. Import torch inside a probe: this module is imported before the
workers start.
"""

from __future__ import annotations

from grader.grading.probes import describe, probe


@probe(calls="{function}")
def {function}_result({function}, *, device, seed, shape=(3, 4), dtype="float32"):
    """Call {function} on a seeded tensor; record what it returned and whether it changed its input."""
    import torch

    generator = torch.Generator().manual_seed(seed)  # made on the CPU: the same values on every device
    x = torch.randn(shape, generator=generator, dtype=getattr(torch, dtype)).to(device)
    before = x.clone()
    returned = {function}(x)  # TODO: call it the way the exercise's docstring says
    return {{"returned": describe(returned), "input_changed": not torch.equal(x, before)}}
'''


def _checks(label: str, title: str, package: str, function: str) -> str:
    return f'''"""Checks for {label.lower()}: {title}.

A check is a pytest test worth ``@pytest.mark.points(n)`` (``@pytest.mark.hidden``:
left out of the students' release). It asks the judge for the student's and the
solution's outcome of one probe on the same inputs, compares them, and raises
Feedback when they differ: what went wrong, the evidence, what to change. The first
line of its docstring is the line students see. Together the checks must be worth the
exercise's points in course.toml.
"""

import pytest

from grader.grading.compare import evidence, expect_type, mismatched
from grader.grading.feedback import Feedback
from {package} import probes


@pytest.mark.points(1)
def test_{function}_matches_the_solution(judge, device):
    """{function} gives the expected result on a random input"""
    got, want = judge.both(probes.{function}_result, seed=1)
    mine, expected = got["returned"], want["returned"]
    expect_type(mine, expected["type"], "What {function} returns", "Return what the docstring asks for.")
    if "tensor" in expected:
        bad = mismatched({{"result": mine.get("tensor")}}, {{"result": expected["tensor"]}}, device)
        if bad:
            raise Feedback(
                "`{function}` returned the wrong values for this input.",  # what went wrong
                evidence({{"result": mine.get("tensor")}}, {{"result": expected["tensor"]}}, bad, "tensor"),
                # TODO: what to change, in the lesson's words, without handing over the code.
                "Work through the steps the docstring gives, in order.")
    elif mine != expected:
        raise Feedback(f"`{function}` returned {{mine.get('value', mine.get('repr'))!r}}, which is not "
                       "the expected result.", None, "Return what the docstring asks for.")
'''


def _mistake(functions) -> str:
    first, *others = functions
    rest = "".join(f"\n\ndef {name}(x):\n    raise NotImplementedError\n" for name in others)
    return f'''# mistake: returns its input unchanged (an example from `grade new`: replace it with a mistake learners make)
# id: values.wrong
# fails: test_{first}_matches_the_solution
# feedback: wrong values
import torch


def {first}(x):
    return x
{rest}'''


MISTAKES_TEMPLATE = '''# The mistakes this exercise's checks can name, as data: a check that recognises one raises
# Feedback(what, evidence, fix, mistake="<its id>"); the gradebook, results.json and the class report
# keep the id, and `grade validate` checks that each corpus file's `# id:` is what its checks name.
# A check that can only say the values are wrong names none: that is the grader's "values.wrong".
#
# [[mistake]]
# id = "area.what"                      # stable: stored with every grade
# title = "what the learner did, in one line, in the lesson's words"
# idea = "an idea's id from the content folder's ideas.toml"
'''


def _content_init() -> str:
    return '''"""This course's lesson content: one folder per exercise, with its probes.py and checks.py."""

# (regular expression over an error message, hint): the grader adds the first match to the
# feedback for an exception in student code.
HINTS = []
'''
