"""The terminal report: a line per check with a mark and its points, feedback under failures, the total.

Every text in it may carry a student's words (an exception's message, what the code printed, a folder's
name): each reaches the terminal with its control characters shown, never sent (``untrusted.terminal``),
so no escape sequence of a student's moves the cursor, sets the title or writes the clipboard.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from grader.grading.results import CheckResult, ExerciseResult, shown_feedback
from grader.grading.untrusted import terminal, terminal_line


def use_colour(stream_is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and not os.environ.get("NO_COLOR")


def render(result: ExerciseResult, colour: bool) -> str:
    width = _width(result.checks)
    lines = head(result.exercise, result.title, result.submission, result.problem, colour)
    for i, check in enumerate(result.checks):
        lines += check_lines(check, result.problem, width, colour, result.checks[:i])
    lines += foot(result, colour)
    return "\n".join(lines)


def head(exercise: str, title: str, submission: str | None, problem: str | None, colour: bool) -> list[str]:
    """The exercise's title line, and why the submission cannot run, if it cannot."""
    lines = [style(terminal_line(f"{exercise}: {title}"), colour, bold=True)
             + (f"  ({terminal_line(submission)})" if submission else "")]
    if problem:
        lines += ["", *("  " + line for line in terminal(problem).splitlines()), ""]
    return lines


def check_lines(check: CheckResult, problem: str | None, width: int, colour: bool,
                earlier: Sequence[CheckResult] = ()) -> list[str]:
    """One check's line, and its feedback under it when it failed (printed as soon as it is decided);
    ``earlier``: the exercise's checks shown above it, where a mistake may have been explained already."""
    mark = style("✓", colour, fg="green") if check.passed else style("✗", colour, fg="red")
    points = f"{_points(check.points)}/{_points(check.max_points)}".rjust(2 * width + 1)
    hidden = style(" (hidden)", colour, dim=True) if check.hidden else ""
    lines = [f"  {mark} {points}  {terminal_line(check.title)}{hidden}"]
    if not check.passed and check.feedback and not (problem and check.feedback == problem):
        lines += ["        " + line if line else "" for line in terminal(shown_feedback(check, earlier)).splitlines()]
    return lines


def foot(result: ExerciseResult, colour: bool) -> list[str]:
    total = f"{_points(result.score)}/{_points(result.max_score)}"
    verdict = "all checks passed" if result.passed else f"{sum(not c.passed for c in result.checks)} failed"
    return [style(f"  Score: {total}  ({verdict})", colour, bold=True, fg="green" if result.passed else None)]


def _width(checks) -> int:
    return max((len(_points(c.max_points)) for c in checks), default=1)


_COLOURS = {"red": 31, "green": 32, "yellow": 33, "blue": 34, "magenta": 35, "cyan": 36}


def style(text: str, colour: bool, *, fg: str | None = None, bold: bool = False, dim: bool = False) -> str:
    """``text`` in ANSI colour and weight when ``colour`` is on (the codes ``click.style`` writes:
    only the CLI imports click)."""
    if not colour:
        return text
    codes = ([_COLOURS[fg]] if fg else []) + ([1] if bold else []) + ([2] if dim else [])
    return "".join(f"\x1b[{code}m" for code in codes) + text + "\x1b[0m"


def _points(value: float) -> str:
    return f"{value:g}"
