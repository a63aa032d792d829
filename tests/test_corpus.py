"""The course's promises on real code: solutions full marks, stubs zero, mistakes named."""

from __future__ import annotations

import pytest

from conftest import CORRECT, MISTAKES, ROOT, files, read_mistake

def _course_exercises() -> list[str]:
    from grader import course as courses

    return [e.id for e in courses.load(ROOT).exercises]


EXERCISES = _course_exercises()  # from course.toml: a new exercise is tested without editing this file


def _exists(exercise: str) -> bool:
    return (ROOT / "solutions" / f"{exercise.replace('-', '_')}.py").is_file()


@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_scores_full_marks(grade, exercise):
    result = grade(exercise, ROOT / "solutions" / f"{exercise.replace('-', '_')}.py")
    failed = {c.name: c.feedback for c in result.checks if not c.passed}
    assert not failed
    assert result.score == result.max_score > 0


@pytest.mark.parametrize("exercise", EXERCISES)
def test_stub_scores_zero_on_every_check(grade, exercise):
    result = grade(exercise, ROOT / "exercises" / f"{exercise.replace('-', '_')}.py")
    assert result.checks and result.score == 0
    for check in result.checks:
        assert not check.passed, check.name
        assert "not implemented yet" in check.feedback, (check.name, check.feedback)


@pytest.mark.parametrize("path", files(CORRECT), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_other_correct_solutions_score_full_marks(grade, path):
    result = grade(path.parent.name.replace("_", "-"), path)
    assert {c.name: c.feedback for c in result.checks if not c.passed} == {}


@pytest.mark.parametrize("path", files(MISTAKES), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_mistake_loses_points_with_feedback_naming_it(grade, path):
    case = read_mistake(path)
    result = grade(case.exercise, path)
    by_name = {c.name: c for c in result.checks}
    for name in case.fails:
        assert name in by_name, f"{path.name} targets {name}, which is not a check of {case.exercise}"
        check = by_name[name]
        assert not check.passed, f"{case.mistake!r} passed {name}"
        for phrase in case.feedback:
            assert phrase.lower() in check.feedback.lower(), (name, phrase, check.feedback)
    assert result.score < result.max_score


def test_each_exercise_has_enough_mistakes_and_alternatives():
    for exercise in EXERCISES:
        folder = exercise.replace("-", "_")
        assert len(list((MISTAKES / folder).glob("*.py"))) >= 4, exercise
        assert len(list((CORRECT / folder).glob("*.py"))) >= 2, exercise
