"""The batch's progress line: who was graded last, how many graders are busy, how fast it goes."""

from __future__ import annotations

import time
from typing import Callable


class Meter:
    """What the progress line shows with each student: who, how many graders are busy, how fast."""

    def __init__(self, bar: Callable[[str], None] | None):
        self.bar, self.started, self.count = bar, time.monotonic(), 0

    def tick(self, student: str, graders: int, what: str) -> None:
        self.count += 1
        if self.bar is not None:
            rate = self.count / max(time.monotonic() - self.started, 1e-9)
            self.bar(f"{student} · {graders} {what}, {rate:.1f} students/s")
