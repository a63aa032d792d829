"""Copies of this course in a temporary folder, trimmed to some exercises, for tests to build or break."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def complete_exercises() -> list[str]:
    """The exercises of course.toml whose stub, solution and checks all exist (all six, once written)."""
    from grader import course as courses

    course = courses.load(ROOT)
    return [e.id for e in course.exercises
            if (course.exercises_dir / e.file).is_file() and (course.solutions_dir / e.file).is_file()
            and course.checks_file(e).is_file()]


def make_course(folder: Path, exercises=("exercise-3",), mistakes: bool | tuple[str, ...] = False) -> Path:
    """A course in ``folder``: course.toml listing ``exercises``, their stubs and solutions, pyproject.toml.

    ``mistakes``: copy the mistake corpus of those exercises (True), only the named files, or none.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    head, *blocks = (ROOT / "course.toml").read_text(encoding="utf-8").split("[[exercise]]")
    kept = [b for b in blocks if re.search(r'^id = "([^"]+)"', b, re.M).group(1) in exercises]
    (folder / "course.toml").write_text(head + "".join("[[exercise]]" + b for b in kept), encoding="utf-8")
    for exercise in exercises:
        stem = exercise.replace("-", "_")
        for sub in ("exercises", "solutions"):
            (folder / sub).mkdir(exist_ok=True)
            shutil.copyfile(ROOT / sub / f"{stem}.py", folder / sub / f"{stem}.py")
        corpus = ROOT / "tests" / "mistakes" / stem
        if mistakes and corpus.is_dir():
            target = folder / "tests" / "mistakes" / stem
            target.mkdir(parents=True, exist_ok=True)
            for path in sorted(corpus.iterdir()):
                if path.is_file() and (mistakes is True or path.name in mistakes):
                    shutil.copyfile(path, target / path.name)
    shutil.copyfile(ROOT / "pyproject.toml", folder / "pyproject.toml")
    # The lesson's content (probes, checks, hints), where course.toml says it is.
    shutil.copytree(ROOT / "grader" / "lesson", folder / "grader" / "lesson", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("__pycache__", "reference.grdr"))
    return folder


def load(folder: Path):
    from grader import course as courses

    return courses.load(folder)
