"""Finding a course's lesson content: the one place the engine looks for probes, checks and hints.

A course's content is a package folder that course.toml names (``[course] content``),
with one folder per exercise named like the exercise's file::

    <content>/__init__.py          HINTS: (error pattern, hint) pairs for this lesson
    <content>/exercise_3/probes.py  calls the student's functions, records what they did
    <content>/exercise_3/checks.py  the graded checks (pytest tests)

It is imported by the dotted name its path gives, with the course root on sys.path, so
that the engine never names a lesson and a second course is a second folder.
"""

from __future__ import annotations

import importlib
import sys

from grader.course import Course, Exercise


def importable(course: Course) -> None:
    """Put the course root on sys.path, so that its content package can be imported."""
    root = str(course.root)
    if root not in sys.path:
        sys.path.insert(0, root)


def probe_modules(course: Course, exercises: tuple[Exercise, ...] | None = None) -> tuple[str, ...]:
    """The dotted names of the probe modules of ``exercises`` (default: all) that exist."""
    chosen = course.exercises if exercises is None else exercises
    return tuple(course.probes_module(e) for e in chosen if (course.content_dir(e) / "probes.py").is_file())


def hints(course: Course) -> tuple[tuple[str, str], ...]:
    """The course's ``HINTS``; none when its content package has no such list."""
    importable(course)
    try:
        package = importlib.import_module(course.content_package)
    except ImportError:
        return ()
    return tuple(getattr(package, "HINTS", ()))
