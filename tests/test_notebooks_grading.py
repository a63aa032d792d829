"""Grading a student's notebook: only graded and import cells run."""

from __future__ import annotations

import nbformat
import pytest

from conftest import ROOT

SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
SGD, MOMENTUM = SOLUTION.split("def sgd_momentum_update")
MOMENTUM = "def sgd_momentum_update" + MOMENTUM
SGD = SGD.split("import torch", 1)[1]


def notebook(tmp_path, cells, name="exercise_3.ipynb"):
    nb = nbformat.v4.new_notebook()
    nb.cells = cells
    path = tmp_path / name
    nbformat.write(nb, str(path))
    return path


def code(source, **kw):
    return nbformat.v4.new_code_cell(source, **kw)


def test_graded_and_import_cells_run_and_nothing_else(grade, tmp_path):
    path = notebook(tmp_path, [
        nbformat.v4.new_markdown_cell("# Exercise 3"),
        code("%matplotlib inline\nimport torch\n!pip install nothing"),
        code("# graded\n" + SGD),
        code("raise RuntimeError('an experiment cell must never run')"),
        code(MOMENTUM, metadata={"tags": ["graded"]}),
        code("sgd_update(None, None)  # would crash if run"),
    ])
    result = grade("exercise-3", path)
    assert result.passed, [c.feedback for c in result.checks if not c.passed]


def test_errors_point_at_the_notebook_cell(grade, tmp_path):
    path = notebook(tmp_path, [
        code("import torch"),
        code("# graded\ndef sgd_update(params, lr):\n    for p in params:\n        p.grad.bad\n"),
        code("# graded\n" + MOMENTUM),
    ])
    result = grade("exercise-3", path)
    text = next(c for c in result.checks if c.name == "test_sgd_step_matches_torch").feedback
    assert "exercise_3.ipynb [cell 2]" in text and "line 4" in text


def test_syntax_error_in_a_graded_cell(grade, tmp_path):
    path = notebook(tmp_path, [code("# graded\ndef sgd_update(params, lr:\n    pass\n")])
    result = grade("exercise-3", path)
    assert "[cell 1]" in result.problem and "line 2" in result.problem


def test_malformed_notebook_is_a_clear_error(grade, tmp_path):
    path = tmp_path / "exercise_3.ipynb"
    path.write_text('{"cells": [ this is not json')
    result = grade("exercise-3", path)
    assert "is not a valid Jupyter notebook" in result.problem and result.score == 0


def test_notebook_without_graded_cells_says_how_to_mark_them(grade, tmp_path):
    path = notebook(tmp_path, [code("import torch"), code(SGD)])
    result = grade("exercise-3", path)
    assert "no graded cell" in result.problem and "# graded" in result.problem


def test_folder_prefers_py_then_notebook(course, tmp_path):
    from grader.grading import submission

    exercise = course.exercise("exercise-3")
    notebook(tmp_path, [code("# graded\n" + SGD)])
    assert submission.locate(course, exercise, tmp_path).suffix == ".ipynb"
    (tmp_path / "exercise_3.py").write_text(SOLUTION)
    assert submission.locate(course, exercise, tmp_path).suffix == ".py"


@pytest.mark.parametrize("line, expected", [
    ("%timeit x", ""), ("!ls", ""), ("    %time f()", "    pass"), ("x = 1 % 2", "x = 1 % 2"),
])
def test_magics_are_blanked_keeping_lines(line, expected):
    from grader.grading.notebook import strip_magics

    assert strip_magics(line).rstrip("\n") == expected
