"""The one result model: its plain JSON, the gradebook's copy of it, its writers, and how a check's
incident is known (no worker and no course needed)."""

from __future__ import annotations

import json
import textwrap

import pytest

from grader.batch.gradebook import GRADED, Gradebook, Graded
from grader.grading import markdown, results
from grader.grading.results import ERROR, FAILED, PASSED, CheckResult, ExerciseResult


def check(name: str, status: str = PASSED, *, hidden: bool = False, incident: str | None = None) -> CheckResult:
    passed = status == PASSED
    return CheckResult(name=name, title=f"{name} works", points=2.0 if passed else 0.0, max_points=2.0,
                       status=status, hidden=hidden, feedback="" if passed else f"{name}: what went wrong −1×",
                       seconds=0.25, incident=incident)


RESULT = ExerciseResult(exercise="exercise-3", title="A manual SGD step", submission="exercise_3.py",
                        checks=(check("test_a"), check("test_b", FAILED, hidden=True),
                                check("test_c", ERROR, incident="timeout")),
                        problem=None, isolation="jail")


def test_a_result_survives_plain_json():
    sent = json.loads(json.dumps(RESULT.to_json()))  # as a batch judge sends it to main
    assert ExerciseResult.from_json(sent) == RESULT
    assert [c.status for c in RESULT.checks] == [PASSED, FAILED, ERROR]
    assert RESULT.incidents == (RESULT.checks[2],) and not RESULT.passed
    assert (RESULT.score, RESULT.max_score) == (2.0, 6.0)


def test_from_json_converts_every_field_and_refuses_an_unknown_status():
    raw = dict(check("test_a").to_json(), points="2", hidden=1, incident="", mistake="")
    got = CheckResult.from_json(raw)
    assert got.points == 2.0 and got.hidden is True and got.incident is None and got.mistake is None
    with pytest.raises(ValueError, match="status"):
        CheckResult.from_json(dict(raw, status="maybe"))


def test_the_gradebook_gives_back_the_result_it_was_given(tmp_path):
    store = Gradebook(tmp_path / "gradebook.sqlite")
    try:
        row = Graded(student="alice", result=RESULT, status=GRADED, reason="", retry=False, max_score=6.0,
                     content_hash="0" * 64, grader_version="1", fingerprint="f", torch_version="2",
                     device="cpu", graded_at="2026-01-01T00:00:00+00:00", seconds=0.75)
        store.record([row])
        assert store.get("alice", "exercise-3") == row
    finally:
        store.close()


def test_one_results_json_writer_for_every_caller():
    single = RESULT.gradescope()  # grade --json
    assert list(single) == ["score", "max_score", "tests", "extra_data"]
    assert single["extra_data"] == {"isolation": "jail"}
    assert [(t["status"], t["visibility"]) for t in single["tests"]] == [
        ("passed", "visible"), ("failed", "after_published"), ("failed", "visible")]  # an error is a failure
    upload = results.gradescope([RESULT], output="exercise-3: 2/6", stdout_visibility="hidden", max_score=False)
    assert list(upload) == ["score", "tests", "output", "stdout_visibility"]  # the autograder's
    unopened = ExerciseResult(exercise="exercise-3", title="A manual SGD step", submission=None, checks=())
    batch = results.gradescope([unopened], worth={"exercise-3": 10}, reasons={"exercise-3": "zip slip"})
    assert batch["tests"] == [{"name": "exercise-3: A manual SGD step", "score": 0.0, "max_score": 10.0,
                               "status": "failed", "output": "zip slip", "visibility": "visible"}]
    assert results.dumps(single).endswith("}\n") and "−1×" in results.dumps(single)
    assert "\\u2212" in results.dumps(single, ascii=True)


def test_feedback_md():
    text = markdown.feedback_md("alice", [RESULT], {"exercise-3": 10}, errors={"exercise-3": "1 of 3 checks\n"
                                                                                  "got no verdict"})
    assert text == textwrap.dedent("""\
        # Feedback for alice

        **Total: 2 / 10**

        ## exercise-3: A manual SGD step — 2 / 6

        File: `exercise_3.py`

        > **Could not be graded normally:** 1 of 3 checks got no verdict

        - ✅ 2/2 — test_a works
        - ❌ 0/2 — test_b works *(hidden)*

            ```text
            test_b: what went wrong −1×
            ```

        - ❌ 0/2 — test_c works

            ```text
            test_c: what went wrong −1×
            ```
        """)


CHECKS = """
import time

import pytest


@pytest.mark.timeout(0.2)
def test_endless():
    time.sleep(30)


def test_broken():
    raise AssertionError("a plain assert in a check")
"""


def test_a_check_past_its_pytest_timeout_is_known_by_its_type(tmp_path, monkeypatch):
    """The plugin's own timer raises CheckTimedOut: the incident is ``timeout`` without reading a message."""
    import pytest_timeout

    from grader.grading.plugin import CheckTimedOut, GraderPlugin

    class Timer:  # the plugin's timer hooks alone (the whole plugin needs a course)
        pytest_timeout_set_timer = GraderPlugin.pytest_timeout_set_timer
        pytest_timeout_cancel_timer = GraderPlugin.pytest_timeout_cancel_timer

        def __init__(self):
            self.raised = {}

        @pytest.hookimpl(wrapper=True)
        def pytest_runtest_makereport(self, item, call):
            report = yield
            if call.excinfo is not None:
                self.raised[item.name] = (call.excinfo.value, GraderPlugin._incident(call.excinfo))
            return report

    (tmp_path / "test_checks.py").write_text(CHECKS)
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")  # pytest-timeout is handed in, as grading does
    timer = Timer()
    code = pytest.main([str(tmp_path), "-q", "-p", "no:cacheprovider", "--timeout-method=signal",
                        "--rootdir", str(tmp_path), "-c", "/dev/null"], plugins=[timer, pytest_timeout])
    assert code == pytest.ExitCode.TESTS_FAILED
    endless, incident = timer.raised["test_endless"]
    assert isinstance(endless, CheckTimedOut) and incident == "timeout"
    assert str(endless) == pytest_timeout.PYTEST_FAILURE_MESSAGE % 0.2  # what pytest-timeout itself says
    assert timer.raised["test_broken"][1] == "grader"
