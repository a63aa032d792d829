"""Shared fixtures: the course at the repository root, and grading a file in-process."""

from __future__ import annotations

from pathlib import Path

import pytest

# The mistake-header parser lives with `grade validate`, which checks the corpus for course CI.
from grader.authoring.corpus import MistakeCase, read_mistake  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
MISTAKES = ROOT / "tests" / "mistakes"
CORRECT = ROOT / "tests" / "correct"

# Modules whose tests share one costly module fixture (an attacked batch, a graded class, a Dask
# cluster): under pytest-xdist each runs whole on one worker, so the fixture is built once, not
# once per worker. (xdist's own --dist loadgroup marks do not take with pytest 9.)
SHARED_FIXTURE_MODULES = {"tests/test_attacks.py", "tests/test_batch.py", "tests/test_class_report.py",
                          "tests/test_cluster.py", "tests/test_export.py", "tests/test_attacks_outputs.py",
                          "tests/test_attacks_replay.py"}


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class OneWorkerPerSharedFixture(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in SHARED_FIXTURE_MODULES else nodeid

    return OneWorkerPerSharedFixture(config, log)


@pytest.fixture(scope="session")
def course():
    from grader import course as courses

    return courses.load(ROOT)


@pytest.fixture(scope="session")
def grade(course):
    """grade(exercise_id, path, **kw) -> ExerciseResult, through the real checks and workers."""
    from grader.grading import runner as grading

    def run(exercise_id: str, path, **kw):
        exercise = course.exercise(exercise_id)
        return grading.grade_exercise(course=course, exercise=exercise,
                                      path=None if path is None else Path(path), **kw)

    return run


def load_solution(stem: str):
    """The reference solution ``solutions/<stem>.py`` as a module, to call its functions directly."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"solution_{stem}", ROOT / "solutions" / f"{stem}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def files(folder: Path):
    return sorted(folder.glob("exercise_*/*.py")) + sorted(folder.glob("exercise_*/*.ipynb"))


def check_counts(stem: str) -> tuple[int, int]:
    """(public, hidden) checks of an exercise's checks module, read from its source as the release
    reads it: tests follow the course rather than a count written down once."""
    from grader import course as courses
    from grader.authoring.hidden import check_names, strip_hidden

    course = courses.load(ROOT)
    exercise = next(e for e in course.exercises if e.stem == stem)
    public, hidden = strip_hidden(course.checks_file(exercise).read_text(encoding="utf-8"))
    return len(check_names(public)), len(hidden)
