"""``grade release OUT``: the folder students get: this repository's layout minus what they must not have.

``course.toml`` without the corpora, ``exercises/`` as ``.py`` stubs and as notebooks, the engine's student
side and the course's content with the hidden checks and known-wrong implementations (``@simulator``) cut
out, the public checks' reference outcomes (and the simulators') as data, a ``pyproject.toml`` that
installs ``grade``, and a README. ``grader.authoring.leaks`` refuses a staged bundle holding a solution line,
a hidden check or a check's text with solution code (``grade validate`` scans the same folder by the same
rule); ``grader.authoring.answers`` refuses lesson code that reproduces a stored outcome. Same inputs, same bytes.
"""

from __future__ import annotations

import re
import shutil
import tempfile
import tomllib
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.authoring import answers as answer_scan
from grader.authoring import notebooks
from grader.authoring.hidden import check_names, strip_hidden, strip_simulators
from grader.authoring.leaks import in_release
from grader.course import CHECKS_FILE, COURSE_FILE, Course
from grader.errors import GraderProblem
from grader.grading import references as reference_data
from grader.grading import simulations
from grader.grading.lab import SolutionReferences
from grader.grading.runner import grade_exercise

PACKAGE = Path(grader.__file__).resolve().parent
SHIPPED_SUFFIXES = (".py", ".grdr")
# What a student's `grade exercise-N` and notebook check run: the engine's student side. The
# instructor's side (batch/, authoring/, autograder.py) stays out of the release.
STUDENT_SIDE = ("__init__.py", "errors.py", "course.py", "cli", "jupyter.py", "isolation", "grading")


class ReleaseError(GraderProblem):
    """The release cannot be made as asked, or would be wrong."""


@dataclass(frozen=True)
class Release:
    """What ``release`` wrote."""

    out: Path
    """The release folder."""
    files: tuple[str, ...]
    """Every file in it, relative and sorted."""
    exercises: tuple[str, ...]
    """The exercise ids it holds."""
    public_checks: int
    """How many checks students get."""
    hidden_checks: int
    """How many checks were held back."""
    reference_outcomes: int
    """How many reference outcomes the data holds."""

    def summary(self) -> str:
        exercises = f"{len(self.exercises)} exercise{'s' * (len(self.exercises) != 1)}"
        return (f"wrote {self.out}: {len(self.files)} files, {exercises} "
                f"({', '.join(self.exercises)}), {self.public_checks} public checks "
                f"({self.hidden_checks} hidden ones held back), {self.reference_outcomes} reference outcomes")


def release(*, course: Course, out: Path, force: bool = False) -> Release:
    """Write the student release of ``course`` to the folder ``out``."""
    out = Path(out).resolve()
    check_destination(course, out, force)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    try:
        hidden, public = stage(course, staging)
        _refuse_leaks(staging, course)  # before the slow part
        outcomes = _record(course)
        simulations.load_checks(course)  # their known-wrong implementations, which do not ship
        simulated = simulations.outcomes_on(outcomes)
        reference_data.write(staging / course.reference_file.relative_to(course.root), outcomes, simulated)
        _refuse_leaks(staging, course, answers=True)
        if out.is_dir():
            shutil.rmtree(out)
        elif out.exists():
            out.unlink()
        staging.chmod(0o755)  # mkdtemp made it private; a release is for sharing
        staging.rename(out)
    finally:
        if staging.exists():
            shutil.rmtree(staging)
    files = tuple(sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()))
    return Release(out, files, tuple(e.id for e in course.exercises), public, hidden, len(outcomes))


def stage(course: Course, folder: Path) -> tuple[int, int]:
    """Write to ``folder`` what a release ships but its reference data; (hidden, public) check counts."""
    counts = _write_package(folder, course)
    _write_course(course, folder)
    return counts


def _refuse_leaks(folder: Path, course: Course, answers: bool = False) -> None:
    found = [str(leak) for leak in in_release(folder, course)]  # the rule and the words of `grade validate`
    if answers and not found:  # code a student could call to score (the bundle is whole by now)
        found = [f"code that computes an answer: {line}" for line in answer_scan.reproduced(folder, course)]
    if found:
        raise ReleaseError("the release would give students what they must not have:\n  " + "\n  ".join(found))


def check_destination(course: Course, out: Path, force: bool) -> None:
    """Refuse an OUT that holds the course or a private part of it, or that has files (unless ``force``)."""
    out = Path(out).resolve()
    root = course.root.resolve()
    if out == root or out in root.parents:
        raise ReleaseError(f"{out} holds the course itself: choose a new folder for the release")
    for private in ("exercises", "solutions", "grader", "tests"):
        if out == root / private or root / private in out.parents:
            raise ReleaseError(f"{out} is inside the course's {private}/ folder: choose a folder outside it")
    if out.exists() and (not out.is_dir() or any(out.iterdir())) and not force:
        raise ReleaseError(f"{out} exists and is not empty: choose a new folder, or pass --force to replace it")
    out.parent.mkdir(parents=True, exist_ok=True)


# ---------------------------------------------------------------- the grader package

def package_files(course: Course) -> list[tuple[Path, Path]]:
    """(file, path inside the release) for each file of the engine's student side and of the
    course's content, in a fixed order; without reference data, made anew from the solutions."""
    found = []
    for path in sorted(PACKAGE.rglob("*")):
        relative = path.relative_to(PACKAGE)
        if relative.parts[0] in STUDENT_SIDE and _shipped(path):
            found.append((path, Path("grader") / relative))
    for path in sorted(course.content.rglob("*")):
        if _shipped(path) and path != course.reference_file:
            found.append((path, path.relative_to(course.root)))
    return found


def _shipped(path: Path) -> bool:
    return path.is_file() and "__pycache__" not in path.parts and path.suffix in SHIPPED_SUFFIXES


def find_pyproject(course: Course) -> Path | None:
    """The pyproject.toml that installs ``grade``: the course's own, else the grader's."""
    return next((p for p in (course.root / "pyproject.toml", PACKAGE.parent / "pyproject.toml") if p.is_file()), None)


def _write_package(target: Path, course: Course) -> tuple[int, int]:
    """Copy the grader package with the course's checks, hidden ones cut out; (hidden, public) counts."""
    hidden = public = 0
    checks = {course.checks_file(e) for e in course.exercises}
    folders = {course.content_dir(e) for e in course.exercises}
    others = [p for p in course.content.iterdir() if p.is_dir() and p not in folders]
    for path, relative in package_files(course):
        data = path.read_bytes()
        if any(path.is_relative_to(o) for o in others) and path.name == CHECKS_FILE:
            continue  # the checks of an exercise this course does not list
        if path in checks:
            text, removed = strip_hidden(data.decode("utf-8"), str(relative))
            text = strip_simulators(text, str(relative))[0]
            hidden += len(removed)
            public += len(check_names(text))
            data = text.encode("utf-8")
        (target / relative).parent.mkdir(parents=True, exist_ok=True)
        (target / relative).write_bytes(data)
    return hidden, public


# ---------------------------------------------------------------- the course files

def _write_course(course: Course, target: Path) -> None:
    (target / COURSE_FILE).write_text(student_course_toml(course), encoding="utf-8")
    exercises = target / "exercises"
    exercises.mkdir()
    for exercise in course.exercises:
        stub = course.exercises_dir / exercise.file
        if not stub.is_file():
            raise ReleaseError(f"{exercise.id}: the stub {stub} is missing")
        shutil.copyfile(stub, exercises / exercise.file)
        try:
            notebooks.write(stub, exercise, exercises / f"{exercise.stem}.ipynb")
        except notebooks.StubError as exc:
            raise ReleaseError(f"{exercise.id}: {exc}") from None
    pyproject = find_pyproject(course)
    if pyproject is None:
        raise ReleaseError(f"no pyproject.toml in {course.root}: the release needs one to install `grade`")
    shutil.copyfile(pyproject, target / "pyproject.toml")
    (target / "README.md").write_text(student_readme(course), encoding="utf-8")


def student_course_toml(course: Course) -> str:
    """course.toml without the ``mistakes`` and ``correct`` keys (the corpora stay with the instructors)."""
    text = (course.root / COURSE_FILE).read_text(encoding="utf-8")
    out = re.sub(r"(?m)^(mistakes|correct)[ \t]*=.*\n", "", text)
    before, after = tomllib.loads(text), tomllib.loads(out)
    for key in ("mistakes", "correct"):
        before.get("course", {}).pop(key, None)
    if before != after:
        raise ReleaseError(f"{course.root / COURSE_FILE}: cannot drop the mistakes and correct keys cleanly; "
                           "write each on a line of its own in [course], `mistakes = \"tests/mistakes\"`")
    return out


def student_readme(course: Course) -> str:
    rows = "\n".join(f"| `{e.id}` | {e.title} | `exercises/{e.file}`, `exercises/{e.stem}.ipynb` | {e.points:g} |"
                     for e in course.exercises)
    first = course.exercises[0]
    return f"""# {course.title}: exercises

Exercises for the lesson "{course.title}", with the grader that checks them.
Each exercise is a Python file of functions to fill in, also given as a Jupyter
notebook; `grade` runs your functions on inputs it builds itself and compares
what they do with what they should do, then tells you what to change.

| Exercise | Title | Files | Points |
|---|---|---|---|
{rows}

## Set up (once)

You need Python 3.11 or newer. From this folder:

    python -m venv .venv
    . .venv/bin/activate
    pip install -e .

That installs PyTorch and the `grade` command. Everything works offline
afterwards; no data is downloaded.

## Work in Python files

Open `exercises/{first.file}`, read the task in each function's docstring and
replace `raise NotImplementedError` with your code. Then, from anywhere in this
folder:

    grade {first.id}

Every check prints a mark and its points; a failed check says what went wrong,
shows the evidence and what to change. `grade list` lists the exercises;
`grade {first.id} --submission my_try.py` grades another file.

## Or work in notebooks

Open `exercises/{first.stem}.ipynb` in Jupyter. Write your code in the cells
whose first line is `# graded` and keep that line. Run the notebook's last
cell to grade it from inside the notebook, or in a terminal:

    grade {first.id} --submission exercises/{first.stem}.ipynb

## What you have, and what you don't

These are the public checks. Your instructor may grade with further hidden
checks on other inputs, so a solution that works in general, not one tuned to
the checks here, is what scores. The reference outcomes the checks compare with
are stored in `grader/data/reference.grdr`, recorded on the CPU: if you have a
GPU, grade with `--device cpu`.
"""


# ---------------------------------------------------------------- reference data

def _record(course: Course) -> dict:
    """Outcomes of every public check's scenarios, recorded by grading each solution (and each stub).

    A check that passes asks for every reference it ever needs, as long as it
    asks before it judges (``lab.both``); a scenario asked for only after a
    mismatch would be missing, and ``StoredReferences`` says so by name.
    """
    missing = [str(p) for p in course.missing_solutions()]
    if missing:
        raise ReleaseError("the reference data needs every solution; missing: " + ", ".join(missing))

    def submissions(exercise):
        return [course.solution_file(exercise), course.exercises_dir / exercise.file]

    outcomes, results = record(course=course, exercises=course.exercises, submissions=submissions)
    problems = []
    for exercise in course.exercises:
        solution, stub = results[exercise.id][:2]
        problems += [f"{exercise.id}: the solution fails {c.name}" for c in solution.checks if not c.passed]
        problems += [f"{exercise.id}: the stub passes {c.name}" for c in stub.checks if c.passed]
    if problems:
        raise ReleaseError("the course is not right, so no release was made (run `grade validate`):\n  "
                           + "\n  ".join(problems))
    return outcomes


def record(*, course: Course, exercises, submissions) -> tuple[dict, dict]:
    """Grade each of ``submissions(exercise)`` with the public checks only, recording what they ask.

    Returns (outcomes by key, the ExerciseResults of each exercise in order).
    """
    recorder = reference_data.Recorder(SolutionReferences(course.solutions_dir))
    results = {}
    for exercise in exercises:
        results[exercise.id] = [
            grade_exercise(course=course, exercise=exercise, path=path, device=reference_data.RECORDED_DEVICE,
                           public_only=True, references=recorder)
            for path in submissions(exercise)
        ]
    return recorder.outcomes, results
