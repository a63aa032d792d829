"""The batch's progress line: who was graded last, how many graders are busy, how fast it goes."""

from __future__ import annotations

import time
from collections.abc import Callable

from grader.grading.untrusted import terminal_line


class Meter:
    """What the progress line shows with each student: who, how many graders are busy, how fast."""

    def __init__(self, bar: Callable[[str], None] | None):
        self.bar, self.started, self.count = bar, time.monotonic(), 0

    def tick(self, student: str, graders: int, what: str) -> None:
        self.count += 1
        if self.bar is not None:
            rate = self.count / max(time.monotonic() - self.started, 1e-9)
            # A folder's name is the student's to choose: on one line, its control characters shown.
            self.bar(f"{terminal_line(student)} · {graders} {what}, {rate:.1f} students/s")
