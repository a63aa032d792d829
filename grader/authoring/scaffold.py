"""``grade new``: a new exercise's files, in place, with a worked check per function to copy from.

It writes the stub students edit, the solution the author fills in, the
exercise's content folder (per function, a probe that builds inputs fitting its
signature from a seed and a check comparing the student's outcome with the
solution's, with feedback), one example file for the mistake corpus, and appends
the exercise to course.toml (the rest of that file is left as it is). Everything
it cannot finish is marked ``TODO``; ``grade validate`` lists what is still
missing until the exercise is right.
"""

from __future__ import annotations

import json
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from grader.authoring import signatures, templates
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
        lines += ["Next: the reference answer in the solution, the task in the stub's docstrings, then the probes' "
                  "inputs, more checks and mistakes (docs/authoring.md).",
                  f"`grade validate {self.exercise}` says what is still missing, file by file."]
        return "\n".join(lines)


def new_exercise(*, course: Course, exercise_id: str, title: str, functions: Sequence[str],
                 points: int = 10) -> Scaffold:
    """Write a new exercise ``exercise_id`` into ``course``, its ``functions`` signatures
    (``step_lr(optimizer, epoch)``) or bare names (one tensor ``x``), several to an entry where commas outside
    brackets separate them; refuse, writing nothing, if any of it exists already or a name would not work."""
    found = tuple(signatures.parse(f) for text in functions for f in signatures.split(text))
    stem = _check(course, exercise_id, title, tuple(f.name for f in found), points)
    root = course.root
    package = f"{course.content_package}.{stem}"
    folder = course.content / stem
    label = exercise_id.replace("-", " ").capitalize()  # "Exercise 7"
    files: dict[Path, str] = {
        course.exercises_dir / f"{stem}.py": templates.stub(label, title, found),
        course.solutions_dir / f"{stem}.py": templates.solution(label, title, found),
        folder / "__init__.py": f'"""{label}: its probes and checks."""\n',
        folder / PROBES_FILE: templates.probes(label, title, found),
        folder / CHECKS_FILE: templates.checks(label, title, package, found),
        folder / MISTAKES_FILE: templates.MISTAKES,
    }
    if not (course.content / "__init__.py").is_file():
        files[course.content / "__init__.py"] = templates.content_init()
    if course.mistakes is not None:
        files[course.mistakes / stem / EXAMPLE_MISTAKE] = templates.mistake(found)
    taken = [p for p in files if p.exists()]
    if taken:
        raise ScaffoldProblem(f"{_shown(taken[0], root)} exists already: `grade new` only writes new files "
                              "(remove it, or pick another exercise id)")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    _append_to_course(root / COURSE_FILE, exercise_id, title, f"{stem}.py", [f.name for f in found], points)
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
        raise ScaffoldProblem("name at least one function: --functions \"adam_update(params, states, lr)\"",
                              "--functions")
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
