"""feedback.md: a student's results as Markdown, to hand back (``grade batch`` writes one per student)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from grader.grading.results import ExerciseResult, shown_feedback
from grader.grading.untrusted import markdown_code, markdown_line, terminal


def feedback_md(student: str, results: Sequence[ExerciseResult], worth: Mapping[str, float], *,
                errors: Mapping[str, str] | None = None, notes: Mapping[str, str] | None = None,
                unsubmitted: frozenset[str] = frozenset()) -> str:
    """Readable feedback for ``student`` on ``results`` (in the order shown).

    ``worth``: each exercise's points (the total's maximum, and the most a result without checks
    could score); ``errors``: why an exercise could not be graded normally (its checks' points
    stand); ``notes``: a line for a result without checks and without error; ``unsubmitted``: the
    exercises handed in with no file, each shown as one line (why), not as every check crossed out.

    Every text is shown as written, never as markup: names, reasons and titles escaped for Markdown
    and HTML (``grader.grading.untrusted``), feedback in code blocks no text can close.
    """
    errors, notes = errors or {}, notes or {}
    total = sum(r.score for r in results)
    maximum = sum(worth[r.exercise] for r in results)
    lines = [f"# Feedback for {markdown_line(student)}", "", f"**Total: {_number(total)} / {_number(maximum)}**", ""]
    for r in results:
        heading = f"{markdown_line(r.exercise)}: {markdown_line(r.title)}"
        lines += [f"## {heading} — {_number(r.score)} / {_number(r.max_score or worth[r.exercise])}", ""]
        if r.exercise in unsubmitted:
            why = _one_line(r.problem or "no file for this exercise was handed in").removeprefix("not submitted: ")
            lines += [f"Not submitted: {markdown_line(why.rstrip('.'))}.", ""]
            continue
        if r.submission:
            lines += [f"File: {markdown_code(r.submission)}", ""]
        if r.exercise in errors:
            lines += [f"> **Could not be graded normally:** {markdown_line(_one_line(errors[r.exercise]))}", ""]
        if r.problem:
            lines += [_fenced(r.problem), ""]
        if not r.checks and r.exercise not in errors and notes.get(r.exercise):
            lines += [markdown_line(notes[r.exercise]), ""]
        for i, c in enumerate(r.checks):
            mark = "✅" if c.passed else "❌"
            hidden = " *(hidden)*" if c.hidden else ""
            lines.append(f"- {mark} {_number(c.points)}/{_number(c.max_points)} — {markdown_line(c.title)}{hidden}")
            if not c.passed and c.feedback and not (r.problem and c.feedback.strip() == r.problem.strip()):
                lines += ["", _indent(_fenced(shown_feedback(c, r.checks[:i]))), ""]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def _number(value: float) -> str:
    return f"{value:g}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fenced(text: str) -> str:
    fence = "```"
    while fence in text:
        fence += "`"
    return f"{fence}text\n{terminal(text.rstrip())}\n{fence}"  # read raw too (cat, less): no escape sequences


def _indent(text: str) -> str:
    return "\n".join("    " + line if line else "" for line in text.splitlines())
