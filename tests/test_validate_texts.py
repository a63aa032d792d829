"""`grade validate` and `grade release` on what the checks tell students: a mistake that only hidden
checks catch is a problem (the student sees "all checks passed" and loses points later), and so is a
check whose text holds a line of the solution, hidden checks included. Course copies, edited."""

from __future__ import annotations

import re

import pytest

from course_copy import load, make_course
from grader.authoring import corpus, leaks, release, validate
from grader.grading.results import FAILED, PASSED, CheckResult, ExerciseResult

HIDDEN_ONLY = "only hidden checks catch it"


def _result(*checks: tuple[str, bool, bool], mistake: str = "sgd.ascent") -> ExerciseResult:
    return ExerciseResult(exercise="exercise-3", title="t", submission="x.py", checks=tuple(
        CheckResult(name=name, title=name, points=0.0 if failed else 1.0, max_points=1.0,
                    status=FAILED if failed else PASSED, hidden=hidden, feedback="why" if failed else "",
                    seconds=0.0, mistake=mistake if failed else None) for name, failed, hidden in checks))


def _case(tmp_path, fails="test_a", mistake_id: str | None = "sgd.ascent"):
    path = tmp_path / "exercise_3" / "m.py"
    path.parent.mkdir(exist_ok=True)
    header = f"# id: {mistake_id}\n" if mistake_id else ""
    path.write_text(f"# mistake: steps uphill\n{header}# fails: {fails}\n# feedback: why\n")
    return corpus.read_mistake(path)


def test_a_mistake_must_be_named_by_the_id_its_header_gives(tmp_path):
    caught = _result(("test_a", True, False))
    known = {"sgd.ascent", "values.wrong"}
    assert corpus.judge_mistake(_case(tmp_path), "exercise-3", lambda path: caught, known) == []
    generic = _result(("test_a", True, False), mistake="values.wrong")
    (problem,) = corpus.judge_mistake(_case(tmp_path), "exercise-3", lambda path: generic, known)
    assert "test_a names the mistake values.wrong, not 'sgd.ascent'" in problem
    (problem,) = corpus.judge_mistake(_case(tmp_path, mistake_id=None), "exercise-3", lambda path: caught, known)
    assert "names no mistake id" in problem
    (problem,) = corpus.judge_mistake(_case(tmp_path, mistake_id="sgd.typo"), "exercise-3", lambda path: caught,
                                      known)
    assert "'sgd.typo' is not in the exercise's mistakes.toml" in problem


def test_a_mistake_that_only_hidden_checks_catch_is_a_problem(tmp_path):
    only_hidden = _result(("test_a", False, False), ("test_h", True, True))
    problems = corpus.judge_mistake(_case(tmp_path, "test_h"), "exercise-3", lambda path: only_hidden)
    assert len(problems) == 1 and HIDDEN_ONLY in problems[0] and "test_h" in problems[0]
    assert "all checks passed" in problems[0] and problems[0].startswith("(steps uphill)")
    caught = _result(("test_a", True, False), ("test_h", True, True))
    assert corpus.judge_mistake(_case(tmp_path, "test_a, test_h"), "exercise-3", lambda path: caught) == []


def test_validate_finds_a_mistake_the_public_checks_miss(tmp_path):
    """A course copy whose every check is hidden: a sign error passes every public check (there are none)."""
    root = make_course(tmp_path)
    checks = root / "grader" / "lesson" / "exercise_3" / "checks.py"
    checks.write_text(re.sub(r"^@pytest\.mark\.points\(", "@pytest.mark.hidden\n@pytest.mark.points(",
                             checks.read_text(), flags=re.M))
    course = load(root)
    exercise = course.exercise("exercise-3")
    source = (root / "solutions" / "exercise_3.py").read_text()
    assert "p -= lr * p.grad" in source
    mistake = tmp_path / "exercise_3" / "gradient_ascent.py"
    mistake.parent.mkdir()
    mistake.write_text("# mistake: steps uphill\n# id: sgd.ascent\n# fails: test_sgd_step_matches_torch\n"
                       "# feedback: sgd_update\n"
                       + source.replace("p -= lr * p.grad", "p += lr * p.grad"))
    from grader.grading.runner import grade_exercise

    finding = validate._mistake(exercise, mistake,
                                lambda path, salt=None: grade_exercise(course=course, exercise=exercise, path=path,
                                                                       salt=salt),
                                {"sgd.ascent"}, salt="0" * 32)
    assert not finding.ok and HIDDEN_ONLY in finding.message
    assert "test_sgd_step_matches_torch" in finding.message


LEAK = 'LEAK = "Loop over the parameters and write, for each one:    p -=  lr * p.grad   (inside no_grad)."'
LEAKY = f'''

from grader.grading.feedback import Feedback  # noqa: E402

{LEAK}


@pytest.mark.points(0)
@pytest.mark.hidden
def test_a_leaky_hidden_check(lab):
    """a hidden check whose feedback hands over the answer"""
    raise Feedback("wrong", None, LEAK)
'''


@pytest.fixture
def leaky(tmp_path):
    """A course copy with a hidden check whose text holds a solution line; (course, where it is)."""
    root = make_course(tmp_path / "course")
    checks = root / "grader" / "lesson" / "exercise_3" / "checks.py"
    text = checks.read_text() + LEAKY
    checks.write_text(text)
    number = text.splitlines().index(LEAK) + 1
    return load(root), f"grader/lesson/exercise_3/checks.py:{number}"


def test_the_leak_scan_reads_every_string_of_the_checks(leaky):
    course, where = leaky
    found = leaks.in_check_texts(course)
    assert ("exercise-3", where, "p -= lr * p.grad") in found
    # Naming a step the lesson teaches is not writing it.
    assert leaks._names_a_method("optimizer.step()") and leaks._names_a_method("return loss.item()")
    assert not leaks._names_a_method("p -= lr * p.grad")
    assert leaks._holds("write `p -= lr * p.grad` here", "p -= lr * p.grad")
    assert not leaks._holds("write q.p -= lr * p.grad_x", "p -= lr * p.grad")


def test_validate_reports_a_solution_line_in_a_checks_text(leaky, monkeypatch):
    course, where = leaky
    monkeypatch.setattr(validate, "_graded", lambda *args: [])  # grading is not what this is about
    found = validate.validate(course=course)
    messages = {f.subject: f.message for f in found.problems if f.part == "leaks"}
    assert where in messages, found.render()
    assert "p -= lr * p.grad" in messages[where] and "solution" in messages[where]
    assert where in found.render()


def test_release_refuses_a_solution_line_in_a_hidden_checks_text(leaky, tmp_path):
    course, where = leaky
    with pytest.raises(release.ReleaseError) as refused:
        release.release(course=course, out=tmp_path / "out")
    assert f"{where}: a check's text holds solution code `p -= lr * p.grad`" in refused.value.message
    assert not (tmp_path / "out").exists()


def test_the_catalogue_problems_validate_reports(tmp_path):
    """An id a check names but the catalogue lacks, one id with two titles, an idea that does not exist."""
    from grader.grading import mistakes

    root = make_course(tmp_path, exercises=("exercise-3", "exercise-7"))
    assert mistakes.problems(load(root)) == []
    three = root / "grader" / "lesson" / "exercise_3" / "mistakes.toml"
    seven = root / "grader" / "lesson" / "exercise_7" / "mistakes.toml"
    three.write_text(re.sub(r'\[\[mistake\]\]\nid = "sgd.ascent"\n[^\[]*', "", three.read_text()))
    seven.write_text(seven.read_text().replace('idea = "adam"', 'idea = "adamm"', 1)
                     + '\n[[mistake]]\nid = "lr.twice"\ntitle = "another title"\nidea = "learning-rate"\n')
    found = "\n".join(mistakes.problems(load(root)))
    assert "names the mistake 'sgd.ascent', which mistakes.toml of exercise-3 lacks" in found
    assert "names the idea 'adamm', which ideas.toml lacks" in found
    assert "'lr.twice' has one title in exercise-3 and another in exercise-7" in found
