"""The grade command: a thin click layer over the grader; the only part that knows click.

Exit codes: 0 every check passed, 1 some check failed (or the command could not do
its job), 2 usage error. ``group`` holds the command group and what the commands
share; ``student`` the commands a student runs; ``instructor``, ``export`` and ``report`` the rest,
which a student release (without ``grader.batch`` and ``grader.authoring``) refuses politely.
"""

from __future__ import annotations

from grader.cli import export, instructor, student  # noqa: F401  (each registers its commands)
from grader.cli import report  # noqa: F401  (grade report)
from grader.cli.group import cli, main  # noqa: F401
