"""course.toml: the exercises, their functions and points, and the course defaults."""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass
from pathlib import Path

from grader.errors import UsageProblem, did_you_mean
from grader.isolation.protocol import Job

# A course's default limits are a job's: written once, on ``Job`` (``grader.isolation.protocol``).
_LIMITS = {f.name: f.default for f in dataclasses.fields(Job)}

COURSE_FILE = "course.toml"
CHECKS_FILE = "checks.py"   # an exercise's checks, in its content folder
REFERENCE_FILE = "reference.grdr"  # a release's reference outcomes, in the content folder
PROBES_FILE = "probes.py"   # the code that calls the student's functions, beside the checks
MISTAKES_FILE = "mistakes.toml"   # the known mistakes its checks can name (grader.grading.mistakes)


class CourseError(UsageProblem):
    """course.toml is missing or says something the grader cannot use (exit code 2)."""


class UnknownExercise(UsageProblem):
    """An exercise id that course.toml does not list (exit code 2)."""


@dataclass(frozen=True)
class Exercise:
    """One exercise as course.toml declares it."""

    id: str
    """The id students type: ``exercise-3``."""
    title: str
    """A short human title."""
    file: str
    """The file name students edit, inside ``exercises/``: ``exercise_3.py``."""
    functions: tuple[str, ...]
    """The functions the file must define."""
    points: int
    """The most this exercise can score (the sum of its checks' points)."""
    timeout: float
    """Seconds one check may run."""

    @property
    def stem(self) -> str:
        """``exercise_3``: the file name without its extension."""
        return Path(self.file).stem


@dataclass(frozen=True)
class Course:
    """A course: its root folder, defaults and exercises in order."""

    root: Path
    """The folder holding course.toml."""
    title: str
    """The course title."""
    timeout: float
    """Default seconds per check."""
    memory_mb: int
    """Default memory limit of a worker, in MB."""
    output_limit: int
    """Bytes a worker may print before it is stopped."""
    mistakes: Path | None
    """The corpus of mistaken submissions, if the course has one."""
    correct: Path | None
    """The corpus of other correct submissions (``<correct>/exercise_3/*.py``), each to score full marks:
    ``[course] correct``, ``tests/correct`` when course.toml names none."""
    content: Path
    """The folder of this course's lesson content: a Python package holding, per exercise, a
    folder named like the exercise's file (``exercise_3/``) with its ``probes.py`` and
    ``checks.py``. The engine finds it here and imports nothing of it by name."""
    exercises: tuple[Exercise, ...]
    """The exercises, in course order."""

    @property
    def exercises_dir(self) -> Path:
        return self.root / "exercises"

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    def exercise(self, exercise_id: str) -> Exercise:
        """The exercise called ``exercise_id``; a usage error naming the known ones otherwise."""
        for exercise in self.exercises:
            if exercise.id == exercise_id:
                return exercise
        ids = [e.id for e in self.exercises]
        raise UnknownExercise(f"{exercise_id} is not in {COURSE_FILE};{did_you_mean(exercise_id, ids)} "
                              f"known: {', '.join(ids)}")

    def select(self, ids=()) -> tuple[Exercise, ...]:
        """The exercises called ``ids`` (each one known, as ``exercise`` checks), in course order and
        once each; every exercise when ``ids`` is empty."""
        ids = tuple(ids)
        if not ids:
            return self.exercises
        wanted = {self.exercise(i).id for i in ids}
        return tuple(e for e in self.exercises if e.id in wanted)

    def solution_file(self, exercise: Exercise) -> Path:
        """``exercise``'s reference solution, ``solutions/exercise_3.py`` (a release has none)."""
        return self.solutions_dir / f"{exercise.stem}.py"

    def missing_solutions(self, exercises=None) -> list[Path]:
        """The solution files of ``exercises`` (default: every exercise) that do not exist."""
        return [p for p in (self.solution_file(e) for e in (self.exercises if exercises is None else exercises))
                if not p.is_file()]

    @property
    def content_package(self) -> str:
        """The content folder as a dotted package name (``grader.lesson``): the folders below the course root
        (``grader.grading.content.importable`` imports it from there)."""
        return ".".join(self.content.relative_to(self.root).parts)

    @property
    def reference_file(self) -> Path:
        """Where a release keeps the reference outcomes of the public checks (it has no solutions)."""
        return self.content / REFERENCE_FILE

    def content_dir(self, exercise: Exercise) -> Path:
        """``exercise``'s folder of probes and checks."""
        return self.content / exercise.stem

    def checks_file(self, exercise: Exercise) -> Path:
        return self.content_dir(exercise) / CHECKS_FILE

    def probes_module(self, exercise: Exercise) -> str:
        """The dotted name of ``exercise``'s probes module."""
        return f"{self.content_package}.{exercise.stem}.{Path(PROBES_FILE).stem}"

    @property
    def max_points(self) -> int:
        return sum(e.points for e in self.exercises)


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` (default: cwd) that holds course.toml."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / COURSE_FILE).is_file():
            return folder
    raise CourseError(
        f"no {COURSE_FILE} in {here} or any folder above it: "
        "run grade from inside the course folder (the one you downloaded or cloned)"
    )


def load(root: Path | None = None) -> Course:
    """Read course.toml from ``root`` (default: found from the cwd)."""
    root = find_root() if root is None else Path(root).resolve()
    path = root / COURSE_FILE
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CourseError(f"{path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise CourseError(f"{path} is not valid TOML: {exc}") from None
    return _parse(root, path, data)


def _parse(root: Path, path: Path, data: dict) -> Course:
    defaults = data.get("course", {})

    def number(table: dict, key: str, default, where: str):
        value = table.get(key, default)
        if not isinstance(value, (int, float)) or isinstance(value, bool) or value <= 0:
            raise CourseError(f"{path}: {where}.{key} must be a positive number, not {value!r}")
        return value

    timeout = float(number(defaults, "timeout", _LIMITS["timeout"], "[course]"))
    exercises = []
    for index, table in enumerate(data.get("exercise", [])):
        where = f"[[exercise]] #{index + 1}"
        missing = [k for k in ("id", "title", "file", "functions", "points") if k not in table]
        if missing:
            raise CourseError(f"{path}: {where} lacks {', '.join(missing)}")
        exercises.append(
            Exercise(
                id=table["id"],
                title=table["title"],
                file=table["file"],
                functions=tuple(table["functions"]),
                points=int(number(table, "points", None, where)),
                timeout=float(number(table, "timeout", timeout, where)),
            )
        )
    if not exercises:
        raise CourseError(f"{path} lists no [[exercise]]")
    ids = [e.id for e in exercises]
    if len(set(ids)) != len(ids):
        raise CourseError(f"{path}: exercise ids repeat: {ids}")
    mistakes = defaults.get("mistakes")
    correct = defaults.get("correct", "tests/correct")
    content = (root / defaults.get("content", "content")).resolve()
    if not content.is_relative_to(root) or content == root:
        raise CourseError(f"{path}: [course].content must name a folder inside the course, "
                          f"not {defaults.get('content')!r}")
    return Course(
        root=root,
        title=defaults.get("title", root.name),
        timeout=timeout,
        memory_mb=int(number(defaults, "memory", _LIMITS["memory_mb"], "[course]")),
        output_limit=int(number(defaults, "output", _LIMITS["output_limit"], "[course]")),
        mistakes=root / mistakes if mistakes else None,
        correct=root / correct if correct else None,
        content=content,
        exercises=tuple(exercises),
    )
