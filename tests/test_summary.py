"""What the end of a batch says and hands back: who handed in nothing, who missed which exercise,
whose file could not be read (named, not counted), and a not-submitted exercise in feedback.md as
one line rather than every check crossed out."""

from __future__ import annotations

from pathlib import Path

from grader.batch import exports
from grader.batch.gradebook import GRADED, MISSING, Graded
from grader.grading.results import FAILED, CheckResult, ExerciseResult

WORTH = {"exercise-1": 2.0, "exercise-3": 2.0}


def row(student: str, exercise: str, status: str, mistake: str | None, problem: str | None = None) -> Graded:
    checks = tuple(CheckResult(name=f"test_{n}", title=f"check {n}", points=0.0, max_points=1.0, status=FAILED,
                               hidden=False, feedback=problem or "the values differ", seconds=0.0,
                               mistake=mistake) for n in (1, 2))
    result = ExerciseResult(exercise=exercise, title=exercise.title(), submission=None if status == MISSING
                            else "exercise.py", checks=checks, problem=problem)
    return Graded(student=student, result=result, status=status, reason="not submitted" if status == MISSING else "",
                  retry=False, max_score=2.0, content_hash="", grader_version="0", fingerprint="",
                  torch_version="0", device="cpu", graded_at="2026-12-02T00:00:00+00:00", seconds=0.0)


NOT_HANDED_IN = "not submitted: no exercise_1.py or exercise_1.ipynb was handed in"
CLASS = {
    "amy": [row("amy", "exercise-1", GRADED, "values.wrong"), row("amy", "exercise-3", MISSING,
                                                                  "submission.missing", NOT_HANDED_IN)],
    "bob": [row("bob", "exercise-1", MISSING, "submission.missing", NOT_HANDED_IN),
            row("bob", "exercise-3", MISSING, "submission.missing", NOT_HANDED_IN)],
    "cy": [row("cy", "exercise-1", GRADED, "code.unreadable", "Python cannot read exercise_1.py."),
           row("cy", "exercise-3", MISSING, "submission.missing", NOT_HANDED_IN)],
}


def test_the_summary_names_who_missed_what_and_whose_file_could_not_be_read():
    text = exports.summary(CLASS, list(WORTH.items()), graded=3, skipped=0, errors=(), seconds=1.0, cpu=1.0,
                           out=Path("/results"))
    assert "Handed in nothing (1): bob" in text
    not_submitted = text.split("Not submitted")[1].split("\n\n")[0]
    assert "  exercise-3 (2): amy, cy" in text and "exercise-1 (1)" not in not_submitted
    assert "Could not be read (0 points; their feedback.md says why):\n  exercise-1 (1): cy" in text


def test_feedback_md_shows_a_missing_exercise_as_one_line():
    text = exports.feedback_md("amy", CLASS["amy"], WORTH)
    missing = text.split("## exercise-3")[1]
    assert "Not submitted: no exercise_1.py or exercise_1.ipynb was handed in." in missing
    assert "❌" not in missing and "check 1" not in missing
    assert "❌" in text.split("## exercise-3")[0]  # the graded exercise still lists its checks
