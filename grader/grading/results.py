"""What grading produces: frozen results, their plain-JSON form, and Gradescope's results.json.

One model for every path: single grading returns it, a batch judge sends it to
main as plain JSON (``to_json``/``from_json``), the gradebook stores and reads it,
and every results.json (``grade --json``, the Gradescope autograder, a batch's
per-student file) is written by ``gradescope`` and ``dumps``.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from grader.grading import untrusted

# A check's status.
PASSED, FAILED, ERROR = "passed", "failed", "error"
STATUSES = (PASSED, FAILED, ERROR)


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
    status: str
    """``passed``; ``failed``: the code is wrong; ``error``: no verdict on the code was reached (``incident``
    says why)."""
    hidden: bool
    """Hidden checks are not in the students' release."""
    feedback: str
    """Why it failed, in the lesson's words; empty when it passed."""
    seconds: float
    """How long the check took."""
    incident: str | None = None
    """Why no verdict was reached: the worker's ``timeout``, ``memory``, ``output``, ``exited``, ``crashed`` or
    ``lost`` (``grader.isolation.protocol``), ``jail``, or ``grader`` (the check itself broke); None otherwise."""
    mistake: str | None = None
    """The id of the known mistake the feedback names; None when it names none."""
    cause: str | None = None
    """A key for the explanation the feedback gives (``grader.grading.feedback.Feedback.cause``): failed
    checks of one exercise with the same key made the same mistake, which a report explains once; None when
    it passed, or for feedback of no known shape."""
    evidence: str | None = None
    """What this check saw, alone (the feedback's evidence): shown under a mistake explained above."""

    def __post_init__(self):
        # The one place a check's texts become a result, whoever made it (a check, a judge's JSON, the
        # gradebook): their limits are enforced here, by the judge, whatever the worker sent.
        _bound(self, TEXTS, untrusted.cap)
        _bound(self, LINES, untrusted.cap_line)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def to_json(self) -> dict:
        """This check as plain JSON values."""
        return {"name": self.name, "title": self.title, "points": self.points, "max_points": self.max_points,
                "status": self.status, "hidden": self.hidden, "feedback": self.feedback, "seconds": self.seconds,
                "incident": self.incident, "mistake": self.mistake, "cause": self.cause, "evidence": self.evidence}

    @classmethod
    def from_json(cls, data: dict) -> CheckResult:
        """The inverse of ``to_json``, every field converted and checked (a missing or '' incident, mistake,
        cause or evidence is None: the gradebook stores '')."""
        status = str(data["status"])
        if status not in STATUSES:
            raise ValueError(f"a check's status is one of {STATUSES}, not {status!r}")
        return cls(name=str(data["name"]), title=str(data["title"]), points=float(data["points"]),
                   max_points=float(data["max_points"]), status=status, hidden=bool(data["hidden"]),
                   feedback=str(data["feedback"]), seconds=float(data["seconds"]),
                   incident=_optional(data.get("incident")), mistake=_optional(data.get("mistake")),
                   cause=_optional(data.get("cause")), evidence=_optional(data.get("evidence")))


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

    def __post_init__(self):
        _bound(self, ("problem",), untrusted.cap)
        _bound(self, ("exercise", "title", "submission", "isolation"), untrusted.cap_line)

    @property
    def score(self) -> float:
        return sum(c.points for c in self.checks)

    @property
    def max_score(self) -> float:
        return sum(c.max_points for c in self.checks)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)

    @property
    def incidents(self) -> tuple[CheckResult, ...]:
        """The checks that reached no verdict on the student's code."""
        return tuple(c for c in self.checks if c.status == ERROR)

    def gradescope(self) -> dict:
        """This result alone in Gradescope's results.json shape (what ``grade --json`` prints)."""
        return gradescope([self], extra_data={"isolation": self.isolation} if self.isolation else None)

    def to_json(self) -> dict:
        """This result as plain JSON values."""
        return {"exercise": self.exercise, "title": self.title, "submission": self.submission,
                "problem": self.problem, "isolation": self.isolation,
                "checks": [c.to_json() for c in self.checks]}

    @classmethod
    def from_json(cls, data: dict) -> ExerciseResult:
        """The inverse of ``to_json``, every field converted and checked."""
        return cls(exercise=str(data["exercise"]), title=str(data["title"]),
                   submission=_optional(data["submission"]), problem=_optional(data["problem"]),
                   isolation=str(data["isolation"] or ""),
                   checks=tuple(CheckResult.from_json(c) for c in data["checks"]))


# A check's texts that students can put words in: capped at untrusted.TEXT_LIMIT, and at LINE_LIMIT.
TEXTS = ("feedback", "evidence")
LINES = ("name", "title", "incident", "mistake", "cause")


def _bound(result, fields: tuple[str, ...], limit) -> None:
    """Each of ``fields`` of the frozen ``result`` within its limit and writable as UTF-8."""
    for name in fields:
        value = getattr(result, name)
        if value is not None:
            bounded = limit(value)
            if bounded is not value:
                object.__setattr__(result, name, bounded)


def _optional(value) -> str | None:
    return None if value is None or value == "" else str(value)


# ---------------------------------------------------------------- saying it once

def said_before(check: CheckResult, earlier: Sequence[CheckResult]) -> CheckResult | None:
    """The first of ``earlier`` (checks of the same exercise, shown above ``check``) that failed with the
    explanation ``check`` would give; None when ``check`` is the first to give it, or passed."""
    if check.passed or not check.cause:
        return None
    return next((c for c in earlier if not c.passed and c.cause == check.cause), None)


def shown_feedback(check: CheckResult, earlier: Sequence[CheckResult]) -> str:
    """``check``'s feedback as a report shows it below ``earlier``: in full the first time an explanation
    is given; after that, a line that points back to where it was given, and this check's own evidence
    (unless it is the same as there). Every writer (terminal, notebook, feedback.md, results.json) says it
    this way, so they agree."""
    first = said_before(check, earlier)
    if first is None:
        return check.feedback
    lines = [f"Same problem as in “{first.title}” above: see the explanation and what to change there."]
    if check.evidence and check.evidence.strip() != (first.evidence or "").strip():
        lines.append(check.evidence.rstrip())
    return "\n".join(lines)


# ---------------------------------------------------------------- Gradescope's results.json

def gradescope(results: Sequence[ExerciseResult], *, output: str | None = None, stdout_visibility: str | None = None,
               extra_data: dict | None = None, max_score: bool = True, worth: dict[str, float] | None = None,
               reasons: dict[str, str] | None = None) -> dict:
    """``results`` as one results.json object (https://gradescope-autograders.readthedocs.io/en/latest/specs/):
    a test per check, named ``<exercise>: <title>``, hidden checks visible ``after_published``.

    ``output``: text above the tests; ``stdout_visibility``: Gradescope's setting for the autograder's own
    output; ``extra_data``: fields of our own; ``max_score``: include the total possible (the autograder
    leaves it to the assignment's settings). A result without checks (a batch entry that could not be
    graded) becomes one failed test worth ``worth[exercise]``, its output ``reasons[exercise]``.
    """
    tests = []
    for result in results:
        if result.checks:
            tests += [gradescope_test(result.exercise, c, result.checks[:i]) for i, c in enumerate(result.checks)]
        elif worth and result.exercise in worth:
            tests.append({"name": f"{result.exercise}: {result.title}", "score": 0.0,
                          "max_score": float(worth[result.exercise]), "status": FAILED,
                          "output": (reasons or {}).get(result.exercise, ""), "visibility": "visible"})
    data: dict = {"score": sum(t["score"] for t in tests)}
    if max_score:
        data["max_score"] = sum(t["max_score"] for t in tests)
    data["tests"] = tests
    if output is not None:
        data["output"] = output
    if stdout_visibility is not None:
        data["stdout_visibility"] = stdout_visibility
    if extra_data:
        data["extra_data"] = extra_data
    return data


def gradescope_test(exercise: str, check: CheckResult, earlier: Sequence[CheckResult] = ()) -> dict:
    """One check as a results.json test (an ``error`` check is ``failed`` there: Gradescope knows no other).

    ``earlier``: the exercise's checks before it; a mistake explained there is referred to, not repeated
    (a visible test refers only to a visible one: hidden ones show after the grades are published).
    """
    if not check.hidden:
        earlier = [c for c in earlier if not c.hidden]
    return {
        "name": f"{exercise}: {check.title}",
        "score": check.points,
        "max_score": check.max_points,
        "status": PASSED if check.passed else FAILED,
        "output": shown_feedback(check, earlier),
        "visibility": "after_published" if check.hidden else "visible",
        **({"extra_data": {"mistake": check.mistake}} if check.mistake and not check.passed else {}),
    }


def isolation(results: Sequence[ExerciseResult]) -> str:
    """What the code of ``results`` ran under, in one line (``jail``; '' when none of it ran)."""
    return "; ".join(sorted({r.isolation for r in results if r.isolation}))


def dumps(data: dict, *, ascii: bool = False) -> str:
    """A results.json object as the text of the file. ``ascii``: escape every non-ASCII character, for a
    reader whose encoding is unknown (a terminal, a pipe)."""
    return json.dumps(data, indent=2, ensure_ascii=ascii) + "\n"
