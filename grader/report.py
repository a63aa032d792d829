"""The terminal report: a line per check with a mark and its points, feedback under failures, the total."""

from __future__ import annotations

import os

import click

from grader.results import ExerciseResult


def use_colour(stream_is_tty: bool) -> bool:
    """Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org)."""
    return stream_is_tty and not os.environ.get("NO_COLOR")


def render(result: ExerciseResult, colour: bool) -> str:
    def style(text, **kw):
        return click.style(text, **kw) if colour else text

    lines = [style(f"{result.exercise}: {result.title}", bold=True)
             + (f"  ({result.submission})" if result.submission else "")]
    if result.problem:
        lines.append("")
        lines += ["  " + line for line in result.problem.splitlines()]
        lines.append("")
    width = max((len(_points(c.max_points)) for c in result.checks), default=1)
    for check in result.checks:
        mark = style("✓", fg="green") if check.passed else style("✗", fg="red")
        points = f"{_points(check.points)}/{_points(check.max_points)}".rjust(2 * width + 1)
        hidden = style(" (hidden)", dim=True) if check.hidden else ""
        lines.append(f"  {mark} {points}  {check.title}{hidden}")
        if not check.passed and check.feedback and not (result.problem and check.feedback == result.problem):
            lines += ["        " + line if line else "" for line in check.feedback.splitlines()]
    total = f"{_points(result.score)}/{_points(result.max_score)}"
    verdict = "all checks passed" if result.passed else f"{sum(not c.passed for c in result.checks)} failed"
    lines.append(style(f"  Score: {total}  ({verdict})", bold=True, fg="green" if result.passed else None))
    return "\n".join(lines)


def _points(value: float) -> str:
    return f"{value:g}"
