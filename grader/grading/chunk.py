"""A piece of student code to run: what a submission (``.py`` or notebook) is read into.

Its own module so that ``submission`` (which finds and reads a file) and ``notebook`` (which
reads a notebook's cells) both use it without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass

# Bytes of code a submission may hand in: a .py file, or a notebook's graded and import cells together.
MAX_SOURCE = 1 << 20


@dataclass(frozen=True)
class Chunk:
    """A piece of student code and the file name its tracebacks show."""

    filename: str
    """Shown in tracebacks: ``exercises/exercise_3.py`` or ``exercise_3.ipynb [cell 4]``."""
    source: str
    """The code."""
