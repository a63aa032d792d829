"""The terminal report: a line per check with a mark and its points, feedback under failures, the total."""

from __future__ import annotations

import os

import click

from grader.grading.results import CheckResult, ExerciseResult


def use_colour(stream_is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and not os.environ.get("NO_COLOR")


def render(result: ExerciseResult, colour: bool) -> str:
    width = _width(result.checks)
    lines = head(result.exercise, result.title, result.submission, result.problem, colour)
    for check in result.checks:
        lines += check_lines(check, result.problem, width, colour)
    lines += foot(result, colour)
    return "\n".join(lines)


def head(exercise: str, title: str, submission: str | None, problem: str | None, colour: bool) -> list[str]:
    """The exercise's title line, and why the submission cannot run, if it cannot."""
    lines = [_style(f"{exercise}: {title}", colour, bold=True) + (f"  ({submission})" if submission else "")]
    if problem:
        lines += ["", *("  " + line for line in problem.splitlines()), ""]
    return lines


def check_lines(check: CheckResult, problem: str | None, width: int, colour: bool) -> list[str]:
    """One check's line, and its feedback under it when it failed (printed as soon as it is decided)."""
    mark = _style("✓", colour, fg="green") if check.passed else _style("✗", colour, fg="red")
    points = f"{_points(check.points)}/{_points(check.max_points)}".rjust(2 * width + 1)
    hidden = _style(" (hidden)", colour, dim=True) if check.hidden else ""
    lines = [f"  {mark} {points}  {check.title}{hidden}"]
    if not check.passed and check.feedback and not (problem and check.feedback == problem):
        lines += ["        " + line if line else "" for line in check.feedback.splitlines()]
    return lines


def foot(result: ExerciseResult, colour: bool) -> list[str]:
    total = f"{_points(result.score)}/{_points(result.max_score)}"
    verdict = "all checks passed" if result.passed else f"{sum(not c.passed for c in result.checks)} failed"
    return [_style(f"  Score: {total}  ({verdict})", colour, bold=True, fg="green" if result.passed else None)]


def _width(checks) -> int:
    return max((len(_points(c.max_points)) for c in checks), default=1)


def _style(text: str, colour: bool, **kw) -> str:
    return click.style(text, **kw) if colour else text


def _points(value: float) -> str:
    return f"{value:g}"
