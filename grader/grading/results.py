"""What grading produces: frozen results, and their Gradescope results.json shape."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckResult:
    """One check's verdict on one submission."""

    name: str
    """The check's function name, stable across runs: ``test_step_goes_downhill``."""
    title: str
    """What the check verifies, in one line (its docstring)."""
    points: float
    """Points scored: all of ``max_points`` or nothing."""
    max_points: float
    """Points the check is worth."""
    passed: bool
    """Whether the submission passed."""
    hidden: bool
    """Hidden checks are not in the students' release."""
    feedback: str
    """Why it failed, in the lesson's words; empty when it passed."""
    seconds: float
    """How long the check took."""


@dataclass(frozen=True)
class ExerciseResult:
    """All checks of one exercise on one submission."""

    exercise: str
    """The exercise id, ``exercise-3``."""
    title: str
    """The exercise title."""
    submission: str | None
    """The file graded, as shown to the user; None when nothing was submitted."""
    checks: tuple[CheckResult, ...]
    """The checks, in the order they ran."""
    problem: str | None = None
    """Why the submission could not run at all (shown once, above the checks)."""
    isolation: str = ""
    """What the student's code ran under: ``jail``, or ``unjailed: <why>`` (``grader.isolation.jail``); ''
    when none of it ran."""

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    def gradescope(self) -> dict:
        """This result in Gradescope's results.json shape."""
        result = {
            "score": self.score,
            "max_score": self.max_score,
            "tests": [gradescope_test(self.exercise, c) for c in self.checks],
        }
        if self.isolation:
            result["extra_data"] = {"isolation": self.isolation}
        return result


def gradescope_test(exercise: str, check: CheckResult) -> dict:
    return {
        "name": f"{exercise}: {check.title}",
        "score": check.points,
        "max_score": check.max_points,
        "status": "passed" if check.passed else "failed",
        "output": check.feedback,
        "visibility": "after_published" if check.hidden else "visible",
    }
