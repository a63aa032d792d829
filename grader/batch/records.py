"""What main stores for a student: rows made from a judge's reply, or error rows when none came.

A judge sends each exercise's ``ExerciseResult`` as plain JSON (``to_json``); here
it is read back (``from_json``, every field converted) and given what became of
the exercise: ``graded``, ``missing`` (nothing handed in) or ``error`` (some check
reached no verdict on the code, or nothing could be graded at all), and whether a
rerun should grade it again because the grader's machinery, not the code, failed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from grader.batch.gradebook import ERROR, GRADED, MISSING, Graded
from grader.course import Exercise
from grader.grading import untrusted
from grader.grading.results import ExerciseResult
from grader.isolation.protocol import LOST

RETRY_INCIDENTS = {LOST, "jail"}  # the grader's machinery failed, not the code: grade again next run


def verdict(result: ExerciseResult, submitted: bool) -> tuple[str, bool, str]:
    """(status, retry, reason) for ``result``: an error if any check reached no verdict on the code."""
    incidents = result.incidents
    if incidents:
        first = incidents[0]
        why = (first.feedback.strip().splitlines() or [first.incident or ""])[0]
        retry = any(c.incident in RETRY_INCIDENTS for c in incidents)
        return ERROR, retry, f"{len(incidents)} of {len(result.checks)} checks got no verdict: {why}"
    if not submitted:
        return MISSING, False, "not submitted"
    return GRADED, False, ""


@dataclass(frozen=True)
class Records:
    """Makes a batch's rows; what graded them is fixed for the run."""

    grader_version: str
    """``grader.__version__``."""
    torch_version: str
    """``torch.__version__``."""
    device: str
    """``cpu`` or ``cuda``."""
    fingerprints: dict[str, str]
    """Exercise id → what its verdicts depend on besides the code (``grader.batch.fingerprint``)."""
    jail_required: bool = True
    """A result whose code ran outside the jail is not kept (the batch was not run with
    ``--allow-unsandboxed``)."""

    def error(self, student, exercise: Exercise, reason: str, retry: bool) -> Graded:
        """``exercise`` of ``student`` stored as an error, with no checks and no points."""
        result = ExerciseResult(exercise=exercise.id, title=exercise.title, submission=None, checks=())
        return self._row(student, exercise, result, ERROR, reason, retry, 0.0)

    def errors(self, student, wanted, reason: str, retry: bool) -> list[Graded]:
        return [self.error(student, e, reason, retry) for e in wanted]

    def lost(self, student, wanted, why: str) -> list[Graded]:
        """The rows of a student whose judge died or overran before it answered."""
        return self.errors(student, wanted, f"the process grading this submission died ({why}); nothing of it "
                                            "was kept. Running the batch again grades it again.", True)

    def from_reply(self, student, wanted, reply: dict) -> list[Graded]:
        """The judge's JSON for one student as store rows; error rows if it cannot be read."""
        try:
            rows = self._read(student, wanted, reply)
        except (KeyError, TypeError, ValueError) as exc:
            return self.errors(student, wanted, f"the grader sent back an unreadable result ({exc})", True)
        if self.jail_required:  # a judge whose workers could not be jailed grades nobody
            rows = [self.error(student, next(e for e in wanted if e.id == r.exercise),
                               f"this student's code could not be jailed ({r.result.isolation}); nothing of it "
                               "was kept. Run `grade doctor`.", True)
                    if r.result.isolation not in ("", "jail") else r for r in rows]
        return rows

    def _read(self, student, wanted, reply: dict) -> list[Graded]:
        by_id = {e.id: e for e in wanted}
        rows = []
        for item in reply["exercises"]:
            exercise = by_id[str(item["id"])]
            if item.get("error") is not None:
                rows.append(self.error(student, exercise, str(item["error"]), True))
                continue
            result = ExerciseResult.from_json(item["result"])
            if result.exercise != exercise.id:
                raise ValueError(f"a result for {result.exercise} under {exercise.id}")
            status, retry, reason = verdict(result, student.path_for(exercise.id) is not None)
            rows.append(self._row(student, exercise, result, status, reason, retry, float(item["seconds"])))
        missing = set(by_id) - {r.exercise for r in rows}
        if missing:
            raise ValueError(f"the judge's reply lacks {sorted(missing)}")
        return rows

    def _row(self, student, exercise: Exercise, result: ExerciseResult, status: str, reason: str, retry: bool,
             seconds: float) -> Graded:
        # A reason quotes a check's feedback, a judge's error or an entry's name: bounded like them.
        return Graded(student=student.id, result=result, status=status, reason=untrusted.cap(reason), retry=retry,
                      max_score=result.max_score if result.checks else float(exercise.points),
                      content_hash=student.content_hash, grader_version=self.grader_version,
                      fingerprint=self.fingerprints[exercise.id], torch_version=self.torch_version,
                      device=self.device, graded_at=_now(), seconds=seconds)


def _now() -> str:
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
