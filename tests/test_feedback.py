"""Feedback keeps the error it reports, and a feedback derived from another keeps what it should.

A check reads ``Feedback.raised`` (the worker's report, as a ``StudentError``) and derives a feedback
from the one it caught (``naming``, ``where``, ``because``, ``instead``), never the words another part
wrote: tests/test_structure.py holds the lesson to that.
"""

from __future__ import annotations

import pytest

from grader.grading import feedback
from grader.grading.feedback import Feedback, NotImplementedYet
from grader.grading.reported_error import ERROR_LIMITS, StudentError
from grader.isolation.protocol import ErrorKind

RAISED = {"kind": ErrorKind.EXCEPTION.value, "type": "RuntimeError",
          "message": "a leaf Variable that requires grad is being used in an in-place operation.",
          "traceback": '  File "exercise_3.py", line 4\n', "in_student_code": True}


def error(**fields) -> Feedback:
    return feedback.student_error(dict(RAISED, **fields), "sgd_update", "exercise_3.py", memory_mb=600)


@pytest.mark.parametrize("fields, raised", [
    ({}, True),
    ({"kind": "unsendable"}, True),
    ({"kind": "exception", "module": "numpyy"}, False),
    ({"kind": "import"}, False),
    ({"kind": "syntax"}, False),
    ({"kind": "missing", "found": "int"}, False),
    ({"kind": "not_implemented"}, False),
    ({"kind": "memory"}, False),
    ({"kind": "exit", "message": "3"}, False),
])
def test_raised_is_the_error_of_a_function_that_raised(fields, raised):
    """``raised`` is there exactly when the feedback says the function raised: what a check diagnoses."""
    problem = error(**fields)
    assert (problem.raised is not None) == raised == problem.what.startswith("`sgd_update` raised")
    assert problem.error is not None and problem.error.kind == ErrorKind(fields.get("kind") or "exception")
    if raised:
        assert problem.raised is problem.error and problem.raised.message == RAISED["message"]


def test_the_error_is_bounded_where_it_is_trusted():
    forged = StudentError.reported({"kind": ["memory"], "type": "E" * 5000, "message": 7,
                                    "traceback": None, "in_student_code": "yes"})
    assert forged.kind == ErrorKind.EXCEPTION and forged.message == "7" and forged.traceback == ""
    assert len(forged.type or "") < ERROR_LIMITS["type"] + 100 and forged.in_student_code is False
    assert StudentError.reported({}).type is None and StudentError.reported({}).raised


def test_printed_output_is_evidence_unless_the_code_never_ran_as_the_students():
    printed = "Your code printed:\n    hello"
    assert printed in feedback.student_error(RAISED, "f", "x.py", output="hello\n").evidence
    assert feedback.student_error(RAISED, "f", "x.py", output=" \n").evidence.startswith("Traceback")
    stub = feedback.student_error({"kind": "not_implemented"}, "f", "x.py", output="hello")
    assert isinstance(stub, NotImplementedYet) and stub.evidence is None and stub.mistake == "code.unfinished"
    assert feedback.student_error({"kind": "missing"}, "f", "x.py", output="hello").evidence is None


def test_naming_keeps_the_words_and_the_explanation():
    problem = error()
    named = problem.naming("update.recorded")
    assert (named.text, named.cause, named.mistake, named.error) == (problem.text, problem.cause,
                                                                    "update.recorded", problem.error)
    refixed = problem.naming("zero_grad.grad_none", fix="Set .grad to None.")
    assert refixed.what == problem.what and refixed.fix == "Set .grad to None." and refixed.cause != problem.cause


def test_where_says_where_first_and_keeps_the_rest():
    problem = NotImplementedYet("not implemented yet", "e", "write it", cause="stub", mistake="x.y")
    placed = problem.where("Call 2 of 2: ")
    assert type(placed) is NotImplementedYet and placed.what == "Call 2 of 2: not implemented yet"
    assert (placed.evidence, placed.fix, placed.cause, placed.mistake) == ("e", "write it", "stub", "x.y")
    plain = Feedback("After f, off by 2×.", "e1", "Fix it.")
    assert plain.where("Call 2 of 2 (lr=0.1): ").cause == plain.cause


def test_because_and_instead_explain_the_same_evidence_anew():
    problem = error()
    found = problem.because("It ran alone.", "Keep nothing.", mistake="state.kept")
    assert found.what == problem.what + "\nIt ran alone." and found.evidence == problem.evidence
    assert (found.fix, found.mistake, found.error) == ("Keep nothing.", "state.kept", problem.error)
    told = problem.instead("Call 2: kept.", "Keep nothing.", mistake="state.kept")
    assert (told.what, told.evidence, told.raised) == ("Call 2: kept.", problem.evidence, problem.error)
    assert Feedback("x").raised is None and Feedback("x").where("a: ").error is None
