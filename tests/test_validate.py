"""`grade validate`: a right course passes; each way of breaking one fails, naming what broke."""

from __future__ import annotations

from xml.etree import ElementTree

import pytest
from click.testing import CliRunner

from course_copy import ROOT, load, make_course
from grader.grading import references as reference_data
from grader.authoring import corpus, release, validate
from grader.cli import cli

REFERENCE = "grader/lesson/reference.grdr"  # where this course keeps a release's reference data


def problems(found, part=None):
    return {(f.part, f.subject): f.message for f in found.problems if part is None or f.part == part}


def replace_in(path, old, new):
    text = path.read_text()
    assert old in text, (path, old)
    path.write_text(text.replace(old, new))


def test_this_course_validates_through_the_cli(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT / "exercises")  # from anywhere inside the course
    report = tmp_path / "validate.xml"
    result = CliRunner().invoke(cli, ["validate", "exercise-3", "--junit-xml", str(report)])
    assert result.exit_code == 0, result.output
    assert "exercise-3" in result.output and "the course is right" in result.output
    for part in ("contract", "checks", "solution", "stub", "mistakes"):
        assert f"✓ {part}:" in result.output
    suite = ElementTree.parse(report).getroot().find("testsuite")
    assert suite.get("failures") == "0" and int(suite.get("tests")) >= 20
    names = {(c.get("classname"), c.get("name")) for c in suite.iter("testcase")}
    assert ("exercise-3.stub", "test_sgd_step_matches_torch") in names
    assert ("exercise-3.mistakes", "gradient_ascent.py") in names


def test_an_unknown_exercise_is_a_usage_error(monkeypatch):
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["validate", "exercise-99"])
    assert result.exit_code == 2
    assert "exercise-99 is not in course.toml" in result.output


def test_a_solution_that_fails_a_check(tmp_path, monkeypatch):
    root = make_course(tmp_path)
    # The reference is its own yardstick, so what breaks it is what a check demands outright:
    # sgd_update must return None.
    replace_in(root / "solutions" / "exercise_3.py", "                p -= lr * p.grad\n",
               "                p -= lr * p.grad\n    return 0.0\n")
    monkeypatch.chdir(root)
    report = tmp_path / "out.xml"
    result = CliRunner().invoke(cli, ["validate", "--junit-xml", str(report)])
    assert result.exit_code == 1, result.output
    assert "✗ solution" in result.output and "test_sgd_step_matches_torch" in result.output
    assert "the solution fails it" in result.output
    failed = {c.get("name") for c in ElementTree.parse(report).getroot().iter("testcase")
              if c.find("failure") is not None}
    assert "test_sgd_step_matches_torch" in failed


def test_a_check_that_passes_a_stub(tmp_path):
    root = make_course(tmp_path)
    solution = (root / "solutions" / "exercise_3.py").read_text()
    update = solution[solution.index("def sgd_update"):solution.index("def sgd_momentum_update")]
    stub = root / "exercises" / "exercise_3.py"
    text = stub.read_text()
    start, end = text.index("def sgd_update"), text.index("def sgd_momentum_update")
    # A "stub" that already holds the answer, docstring kept: every sgd_update check passes it.
    doc = text[start:end].split('"""')[1]
    stub.write_text(text[:start] + update.replace(update.split('"""')[1], doc) + text[end:])
    found = validate.validate(course=load(root))
    stub_problems = problems(found, "stub")
    assert ("stub", "test_sgd_step_matches_torch") in stub_problems
    assert "measures nothing" in stub_problems[("stub", "test_sgd_step_matches_torch")]
    assert ("stub", "test_momentum_first_step") not in stub_problems
    assert not problems(found, "contract") and not problems(found, "solution")


def test_a_signature_mismatch(tmp_path):
    root = make_course(tmp_path)
    replace_in(root / "exercises" / "exercise_3.py", "def sgd_update(params, lr):",
               "def sgd_update(params, lr=0.1):")
    found = validate.validate(course=load(root))
    assert not found.ok
    message = problems(found, "contract")[("contract", "sgd_update")]
    assert "signatures differ" in message and "lr=0.1" in message


def test_docstrings_and_missing_functions(tmp_path):
    root = make_course(tmp_path)
    replace_in(root / "solutions" / "exercise_3.py", '"""One step of SGD with momentum;', '"""Momentum;')
    replace_in(root / "solutions" / "exercise_3.py", "def sgd_update(", "def sgd_step(")
    found = validate.contract(load(root), load(root).exercise("exercise-3"))
    by_subject = {f.subject: f for f in found}
    assert "docstrings start differently" in by_subject["sgd_momentum_update"].message
    assert "course.toml lists it, but solutions/exercise_3.py does not define sgd_update" \
        in by_subject["sgd_update"].message
    assert "exercises/exercise_3.py does not define sgd_step" in by_subject["sgd_step"].message


def test_checks_that_do_not_add_up_to_the_points(tmp_path):
    root = make_course(tmp_path)
    replace_in(root / "course.toml", 'functions = ["sgd_update", "sgd_momentum_update"]\npoints = 10',
               'functions = ["sgd_update", "sgd_momentum_update"]\npoints = 12')
    found = validate.validate(course=load(root))
    said = problems(found, "checks")[("checks", "grader/lesson/exercise_3/checks.py")]
    assert "worth 10 points; course.toml says 12" in said


def test_mistakes_that_are_not_caught(tmp_path):
    root = make_course(tmp_path, mistakes=("gradient_ascent.py",))
    corpus = root / "tests" / "mistakes" / "exercise_3"
    # A "mistake" that is the solution: it loses no points, so the corpus is wrong about it.
    (corpus / "not_a_mistake.py").write_text(
        "# mistake: claims to step uphill\n# fails: test_sgd_step_matches_torch\n# feedback: gradient ascent\n"
        + (root / "solutions" / "exercise_3.py").read_text())
    (corpus / "no_header.py").write_text((root / "exercises" / "exercise_3.py").read_text())
    found = validate.validate(course=load(root))
    mistakes = problems(found, "mistakes")
    assert set(mistakes) == {("mistakes", "not_a_mistake.py"), ("mistakes", "no_header.py")}
    assert "passes test_sgd_step_matches_torch" in mistakes[("mistakes", "not_a_mistake.py")]
    assert "lacks a header" in mistakes[("mistakes", "no_header.py")]
    text = found.render()
    assert "✗ mistakes: 2 of 3 mistake files off" in text and "not_a_mistake.py" in text


def test_a_correct_file_that_loses_points(tmp_path):
    """Every file of the correct corpus must score full marks, on the checks' seeds and salted ones."""
    root = make_course(tmp_path)
    folder = root / "tests" / "correct" / "exercise_3"
    folder.mkdir(parents=True)
    solution = (root / "solutions" / "exercise_3.py").read_text()
    (folder / "the_solution.py").write_text(solution)
    (folder / "steps_uphill.py").write_text(solution.replace("p -= lr * p.grad", "p += lr * p.grad"))
    found = validate.validate(course=load(root), salt="0" * 32)
    correct = problems(found, "correct")
    assert set(correct) == {("correct", "steps_uphill.py")}, found.render()
    said = correct[("correct", "steps_uphill.py")]
    assert "it is in the correct corpus, but it fails test_" in said and "test_sgd_step_matches_torch" in said
    assert "move the file to the mistake corpus" in said
    assert "✗ correct: 1 of 2 correct files off" in found.render()


def test_validate_reports_what_release_refuses_in_release_s_words(tmp_path, monkeypatch):
    """A public check whose code (not a string) holds a solution line: release refuses it by scanning what
    it would ship; validate stages the same files, scans them by the same rule, and says the same."""
    root = make_course(tmp_path)
    checks = root / "grader" / "lesson" / "exercise_3" / "checks.py"
    text = checks.read_text() + ("\n\ndef _by_the_book(params, lr):\n    for p in params:\n"
                                 "        p -= lr * p.grad\n")
    checks.write_text(text)
    where = f"grader/lesson/exercise_3/checks.py:{text.splitlines().index('        p -= lr * p.grad') + 1}"
    monkeypatch.setattr(validate, "_graded", lambda *args: [])  # grading is not what this is about
    found = validate.validate(course=load(root))
    leaked = problems(found, "leaks")
    assert ("leaks", where) in leaked, found.render()
    said = f"{where}: {leaked[('leaks', where)]}"
    assert said.startswith(f"{where}: solution code `p -= lr * p.grad`: students would read the answer")
    assert said in found.render()
    with pytest.raises(release.ReleaseError) as refused:
        release.release(course=load(root), out=tmp_path / "out")
    assert said in refused.value.message


@pytest.fixture(scope="module")
def recorded(tmp_path_factory):
    """Reference data for exercise-3 of a course copy, recorded the way a release records it."""
    root = make_course(tmp_path_factory.mktemp("recorded"))
    course = load(root)
    outcomes, _ = release.record(course=course, exercises=course.exercises,
                                 submissions=lambda e: [course.solutions_dir / e.file])
    return outcomes


def test_reference_data_in_step_passes(tmp_path, recorded):
    root = make_course(tmp_path)
    reference_data.write(root / REFERENCE, recorded)
    found = validate.validate(course=load(root))
    assert found.ok, found.render()
    assert "✓ reference data" in found.render()


def test_stale_reference_data(tmp_path, recorded):
    root = make_course(tmp_path)
    import torch

    # The first recorded outcome holding a mapping of tensors (parameters before a step, say).
    key, field = next((k, f) for k in sorted(recorded) for f, v in sorted(recorded[k].items())
                      if isinstance(v, dict) and v and all(isinstance(t, torch.Tensor) for t in v.values()))
    stale = dict(recorded)
    outcome = dict(stale[key])
    tensors = dict(outcome[field])
    name = sorted(tensors)[0]
    tensors[name] = tensors[name] + 0.5  # as if recorded from an older, different solution
    outcome[field] = tensors
    stale[key] = outcome
    reference_data.write(root / REFERENCE, stale)
    found = validate.validate(course=load(root))
    messages = problems(found, "reference data")
    assert messages, found.render()
    text = "\n".join(messages.values())
    assert "out of step with the solutions" in text and key[0] in text and name in text


def test_reference_data_missing_a_scenario(tmp_path, recorded):
    root = make_course(tmp_path)
    partial = dict(sorted(recorded.items())[1:])
    reference_data.write(root / REFERENCE, partial)
    found = validate.validate(course=load(root))
    messages = problems(found, "reference data")
    assert any("fails this public check against the stored data" in m for m in messages.values())
    assert "has no outcome of" in "\n".join(messages.values())


def test_read_mistake_parses_the_header(tmp_path):
    path = tmp_path / "exercise_3" / "x.py"
    path.parent.mkdir()
    path.write_text("# mistake: steps uphill\n# fails: test_a, test_b\n# feedback: ascent\n# feedback: sign\n")
    case = corpus.read_mistake(path)
    assert (case.exercise, case.mistake, case.fails, case.feedback) == \
        ("exercise-3", "steps uphill", ("test_a", "test_b"), ("ascent", "sign"))


def test_the_workflow_runs_validate():
    workflow = (ROOT / ".github" / "workflows" / "course.yml").read_text()
    assert "grade validate --junit-xml" in workflow
    assert "pytest" in workflow
