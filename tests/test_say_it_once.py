"""Say it once: an explanation is given once per exercise, later checks point back to it with their own
evidence, in every writer (terminal, notebook, feedback.md, results.json); and plain errors (a missing
module, an empty file, a file that is not text) get the advice that fits them.

The lesson's checks are being reworded: nothing here depends on their words, only on the engine's."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from conftest import ROOT
from grader.batch.gradebook import GRADED, Gradebook, Graded
from grader.grading import markdown, report, results
from grader.grading.feedback import Feedback
from grader.grading.results import FAILED, PASSED, CheckResult, ExerciseResult

SAME = "Same problem as in “{}” above"


def failed(name: str, feedback: Feedback, *, hidden: bool = False) -> CheckResult:
    return CheckResult(name=name, title=f"{name} works", points=0.0, max_points=1.0, status=FAILED, hidden=hidden,
                       feedback=feedback.text, seconds=0.1, cause=feedback.cause, evidence=feedback.evidence)


def passed(name: str) -> CheckResult:
    return CheckResult(name=name, title=f"{name} works", points=1.0, max_points=1.0, status=PASSED, hidden=False,
                       feedback="", seconds=0.1)


SIGN = "Your update is −1× the expected one: a step uphill."
FIX = "Subtract the scaled gradient."
CHECKS = (
    failed("test_a", Feedback(f"After f (lr=0.1), the parameters are off. {SIGN}", "parameter 'w': off by 0.2", FIX)),
    passed("test_b"),
    failed("test_c", Feedback(f"After f (step 2), the parameters are off. {SIGN}", "parameter 'w': off by 0.4", FIX)),
    failed("test_d", Feedback("f raised TypeError: bad operand", "Traceback: line 3", "Read the traceback.")),
    failed("test_e", Feedback(f"After f (lr=0.003), the parameters are off. {SIGN}", "parameter 'w': off by 0.2",
                              FIX)),
    failed("test_h", Feedback(f"After f (lr=0.5), the parameters are off. {SIGN}", "parameter 'b': off by 9", FIX),
           hidden=True),
)
RESULT = ExerciseResult(exercise="exercise-3", title="A manual SGD step", submission="exercise_3.py", checks=CHECKS)


def test_the_cause_leaves_out_particulars_but_not_the_mistake():
    a, c, d = (Feedback(*parts) for parts in [("After f (lr=0.1), off by 2×.", "e1", FIX),
                                              ("After f (step 2), off by 0.5×.", "e2", FIX),
                                              ("After g, off by 2×.", "e1", FIX)])
    assert a.cause == c.cause != d.cause
    assert Feedback("x", fix="y").cause != Feedback("x", fix="z").cause
    assert Feedback("one", cause="sign").cause == Feedback("two", cause="sign").cause
    assert Feedback("f (a model of sizes (6, 5, 3), lr=0.1) is off.").cause == Feedback("f is off.").cause
    # Context added to a caught feedback keeps its cause.
    assert Feedback("Call 2 of 2: " + a.what, a.evidence, a.fix, cause=a.cause).cause == c.cause


def test_the_terminal_explains_once_and_refers_back_with_each_checks_evidence():
    text = report.render(RESULT, colour=False)
    assert text.count(SIGN) == 1 and text.count(f"What to change: {FIX}") == 1
    assert text.count(SAME.format("test_a works")) == 3  # test_c, test_e, and the hidden test_h
    assert "off by 0.4" in text and "off by 9" in text  # their own evidence
    assert text.count("parameter 'w': off by 0.2") == 1  # test_e's evidence is test_a's: not again
    assert "Read the traceback." in text  # another mistake: explained in full


def test_the_streamed_terminal_says_what_the_whole_report_says():
    streamed = []
    for i, check in enumerate(RESULT.checks):
        streamed += report.check_lines(check, None, 1, False, RESULT.checks[:i])
    whole = report.render(RESULT, colour=False).splitlines()
    assert streamed == whole[1:-1]


def test_feedback_md_explains_once():
    text = markdown.feedback_md("alice", [RESULT], {"exercise-3": 6})
    assert text.count(SIGN) == 1 and text.count(SAME.format("test_a works")) == 3
    assert "off by 0.4" in text and "off by 9" in text


def test_results_json_explains_once_and_a_visible_test_never_points_at_a_hidden_one():
    outputs = {t["name"]: t["output"] for t in results.gradescope([RESULT])["tests"]}
    assert SIGN in outputs["exercise-3: test_a works"]
    assert outputs["exercise-3: test_c works"].startswith(SAME.format("test_a works"))
    assert "off by 0.4" in outputs["exercise-3: test_c works"] and SIGN not in outputs["exercise-3: test_c works"]
    hidden_first = replace(RESULT, checks=(replace(CHECKS[5], name="test_0", title="test_0 works"), *CHECKS))
    outputs = {t["name"]: t["output"] for t in results.gradescope([hidden_first])["tests"]}
    assert SIGN in outputs["exercise-3: test_a works"]  # the hidden test above shows only after publishing
    assert outputs["exercise-3: test_h works"].startswith(SAME.format("test_0 works"))


def test_the_parts_survive_plain_json_and_the_gradebook(tmp_path):
    assert results.ExerciseResult.from_json(json.loads(json.dumps(RESULT.to_json()))) == RESULT
    store = Gradebook(tmp_path / "gradebook.sqlite")
    store.record([Graded("alice", RESULT, GRADED, "", False, 6.0, "h", "v", "f", "t", "cpu", "now", 1.0)])
    back = store.get("alice", "exercise-3").result
    assert back == RESULT and [c.feedback for c in back.checks] == [c.feedback for c in CHECKS]
    store.close()


def test_a_gradebook_of_the_previous_schema_gains_the_columns(tmp_path):
    import sqlite3

    from grader.batch import gradebook

    path = tmp_path / "gradebook.sqlite"
    old = re.sub(r"\n    (cause|evidence|mistake) +TEXT NOT NULL DEFAULT '',[^\n]*", "", gradebook.SCHEMA)
    conn = sqlite3.connect(path)
    conn.executescript(old)
    conn.execute("INSERT INTO meta VALUES ('schema', '2')")
    conn.execute("INSERT INTO submissions VALUES ('bo','exercise-3','graded','',0,0,1,'t','f.py',NULL,'h','v','f',"
                 "'t','cpu','now',1,'jail')")
    conn.execute("INSERT INTO checks VALUES ('bo','exercise-3','test_a',0,'a works',0,1,'failed','',0,'why',0.1)")
    conn.commit()
    conn.close()
    store = Gradebook(path)
    (check,) = store.get("bo", "exercise-3").result.checks
    assert (check.feedback, check.cause, check.evidence, check.mistake) == ("why", None, None, None)
    store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (gradebook.SCHEMA_VERSION,)


# ---------------------------------------------------------------- through the real checks

def _submission(tmp_path, old: str, new: str):
    source = (ROOT / "solutions" / "exercise_3.py").read_text()
    assert old in source
    path = tmp_path / "exercise_3.py"
    path.write_text(source.replace(old, new))
    return path


def _explained_once(result: ExerciseResult) -> None:
    """Each explanation in full once, under the first check that gives it; the others point back."""
    shown = report.render(result, colour=False)
    md = markdown.feedback_md("alice", [result], {result.exercise: result.max_score})
    firsts = {}
    for check in result.checks:
        if not check.passed:
            assert check.cause, check.name
            firsts.setdefault(check.cause, check)
    repeats = [c for c in result.checks if not c.passed and firsts[c.cause] is not c]
    assert repeats, "the mistake was explained by only one check: nothing to say once"
    for text in (shown, md):
        lines = [line.strip() for line in text.splitlines()]
        for check in firsts.values():
            first_line = check.feedback.splitlines()[0].strip()
            assert lines.count(first_line) == 1, (first_line, text)
        for check in repeats:
            assert SAME.format(firsts[check.cause].title) in text
    assert shown.count("What to change:") == len(firsts)
    tests = results.gradescope([result])["tests"]
    outputs = [t["output"] for t in tests if t["visibility"] == "visible" and t["status"] == "failed"]
    assert sum(SAME.split("“")[0] in o for o in outputs) >= 1


def test_a_sign_error_is_explained_once(grade, tmp_path):
    result = grade("exercise-3", _submission(tmp_path, "                p -= lr * p.grad\n",
                                             "                p += lr * p.grad\n"))
    failing = [c for c in result.checks if not c.passed]
    assert len(failing) >= 3 and len({c.cause for c in failing}) < len(failing)
    _explained_once(result)


def test_a_stub_says_not_implemented_once_per_function(grade, course):
    result = grade("exercise-3", ROOT / "exercises" / "exercise_3.py")
    assert result.score == 0
    text = report.render(result, colour=False)
    assert text.count("not implemented yet") == len(course.exercise("exercise-3").functions)
    _explained_once(result)


def test_a_missing_module_is_not_available_to_the_grader(grade, tmp_path):
    path = tmp_path / "exercise_3.py"
    path.write_text("import nonexistent_module\n\n" + (ROOT / "solutions" / "exercise_3.py").read_text())
    result = grade("exercise-3", path)
    assert result.score == 0
    first = result.checks[0].feedback
    assert "`nonexistent_module`" in first and "not available to the grader" in first
    assert "torch and torchvision" in first and "keep it to imports and definitions" not in first
    assert len({c.cause for c in result.checks}) == 1  # one explanation for every check, and every function
    text = report.render(result, colour=False)
    assert text.count("not available to the grader") == 1


def test_an_empty_file_is_said_to_be_empty(grade, tmp_path):
    path = tmp_path / "exercise_3.py"
    path.write_text("\n   \n")
    result = grade("exercise-3", path)
    assert result.score == 0 and result.problem and "is empty" in result.problem
    assert "sgd_update" in result.problem and "has no function named" not in result.problem
    assert report.render(result, colour=False).count("is empty") == 1


@pytest.mark.parametrize("data", [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
                                  "def f():\n    return 'é'\n".encode("latin-1")], ids=["binary", "latin-1"])
def test_a_file_that_is_not_text_is_said_to_be_so(grade, tmp_path, data):
    path = tmp_path / "exercise_3.py"
    path.write_bytes(data)
    result = grade("exercise-3", path)
    assert result.score == 0 and result.problem
    assert "is not a Python text file" in result.problem
    assert "codec" not in result.problem and "can't decode" not in result.problem
    assert report.render(result, colour=False).count("is not a Python text file") == 1
