"""Shared fixtures: the course at the repository root, and grading a file in-process."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = ROOT / "tests" / "mistakes"
CORRECT = ROOT / "tests" / "correct"


@pytest.fixture(scope="session")
def course():
    from grader import course as courses

    return courses.load(ROOT)


@pytest.fixture(scope="session")
def grade(course):
    """grade(exercise_id, path, **kw) -> ExerciseResult, through the real checks and workers."""
    from grader import grading

    def run(exercise_id: str, path, **kw):
        exercise = course.exercise(exercise_id)
        return grading.grade_exercise(course=course, exercise=exercise,
                                      path=None if path is None else Path(path), **kw)

    return run


@dataclass(frozen=True)
class MistakeCase:
    """A file in tests/mistakes/<exercise>/ and what its header says must happen."""

    path: Path
    exercise: str
    mistake: str
    fails: tuple[str, ...]
    feedback: tuple[str, ...]


def read_mistake(path: Path) -> MistakeCase:
    """Parse the header: ``# mistake: …``, ``# fails: check, check``, ``# feedback: phrase`` (repeatable)."""
    text = path.read_text()
    fields: dict[str, list[str]] = {}
    for key, value in re.findall(r"^# (mistake|fails|feedback): (.+)$", text, re.M):
        fields.setdefault(key, []).append(value.strip())
    assert "mistake" in fields and "fails" in fields and "feedback" in fields, f"{path} lacks a header"
    return MistakeCase(
        path=path,
        exercise=path.parent.name.replace("_", "-"),
        mistake=fields["mistake"][0],
        fails=tuple(c.strip() for c in fields["fails"][0].split(",")),
        feedback=tuple(fields["feedback"]),
    )


def files(folder: Path):
    return sorted(folder.glob("exercise_*/*.py")) + sorted(folder.glob("exercise_*/*.ipynb"))
