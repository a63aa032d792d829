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


def test_notebook_without_markers_grades_the_cells_defining_the_functions(grade, tmp_path):
    """The markers were deleted: the cells defining course.toml's functions are graded, with a note."""
    path = notebook(tmp_path, [
        code("import torch"),
        code(SGD),
        code("raise RuntimeError('an experiment cell must never run')"),
        code(MOMENTUM),
    ])
    result = grade("exercise-3", path)
    assert result.passed, [c.feedback for c in result.checks if not c.passed]
    assert result.problem == ("No cell of this notebook is marked '# graded'; graded the cells that define "
                              "sgd_update, sgd_momentum_update instead, with the import cells. Put '# graded' "
                              "back as the first line of your solution cells so that exactly those are graded.")
    assert not any(result.problem in c.feedback for c in result.checks)  # a note, not a failure


def test_a_note_names_the_functions_no_cell_defines(tmp_path):
    from grader.grading.notebook import read

    path = notebook(tmp_path, [code("import torch"), code(SGD), code("x = 1")])
    chunks, note = read(path, "exercise_3.ipynb", ("sgd_update", "sgd_momentum_update"))
    assert [c.filename for c in chunks] == ["exercise_3.ipynb [cell 1]", "exercise_3.ipynb [cell 2]"]
    assert "define sgd_update instead" in note and "(no cell defines sgd_momentum_update)" in note
    # A marked cell anywhere: only the marked cells, no note.
    path = notebook(tmp_path, [code("import torch"), code(SGD), code("# graded\n" + MOMENTUM)])
    chunks, note = read(path, "exercise_3.ipynb", ("sgd_update", "sgd_momentum_update"))
    assert [c.filename for c in chunks] == ["exercise_3.ipynb [cell 1]", "exercise_3.ipynb [cell 3]"]
    assert note is None
    # An unmarked cell Python cannot read still counts by its def line, so its syntax error is reported.
    path = notebook(tmp_path, [code("def sgd_update(params, lr:\n    pass\n")])
    chunks, note = read(path, "exercise_3.ipynb", ("sgd_update", "sgd_momentum_update"))
    assert len(chunks) == 1 and "sgd_update" in note


def test_notebook_with_nothing_to_grade_says_how_to_mark_cells(grade, tmp_path):
    path = notebook(tmp_path, [code("import torch"), code("def helper():\n    return 1\n")])
    result = grade("exercise-3", path)
    assert "no graded cell" in result.problem and "# graded" in result.problem
    assert "no cell defines sgd_update or sgd_momentum_update" in result.problem
    assert result.score == 0


def test_notebook_check_forgives_missing_markers_in_the_kernel_too(tmp_path, monkeypatch):
    """check(): the saved notebook has no markers, and the kernel ran an unmarked, unsaved edit of
    sgd_update: that edit is what gets graded, the saved momentum cell beside it, with the note."""
    from grader import jupyter

    monkeypatch.chdir(ROOT)
    saved = notebook(tmp_path, [code("import torch"), code(SGD), code(MOMENTUM)])
    wrong = SGD.replace("p -= lr * p.grad", "p += lr * p.grad")
    assert wrong != SGD
    result = jupyter.grade("exercise-3", notebook=saved, history=["import torch", wrong, "print('trying')"])
    assert "is marked '# graded'; graded the cells that define sgd_update, sgd_momentum_update" in result.problem
    failed = {c.name for c in result.checks if not c.passed}
    assert failed and all("momentum" not in name for name in failed), failed  # the kernel's sgd_update


def test_merged_keeps_an_unmarked_kernel_edit_graded_beside_marked_cells(tmp_path):
    """The saved notebook is marked; the kernel's last run of sgd_update lost its marker."""
    from grader import jupyter
    from grader.grading.notebook import graded_cells

    saved = notebook(tmp_path, [code("import torch"), code("# graded\n" + SGD), code("# graded\n" + MOMENTUM)])
    wrong = SGD.replace("p -= lr * p.grad", "p += lr * p.grad")
    nb = jupyter.merged(saved, ["import torch", wrong], ("sgd_update", "sgd_momentum_update"))
    graded, forgiven = graded_cells(nb.cells, ("sgd_update", "sgd_momentum_update"))
    assert [c.source for c in graded] == [wrong, "# graded\n" + MOMENTUM] and forgiven == ()


def test_folder_prefers_py_then_notebook(tmp_path):
    from grader.grading.find import find

    notebook(tmp_path, [code("# graded\n" + SGD)])
    assert find(tmp_path, "exercise_3").path.suffix == ".ipynb"
    (tmp_path / "exercise_3.py").write_text(SOLUTION)
    assert find(tmp_path, "exercise_3").path.suffix == ".py"


@pytest.mark.parametrize("line, expected", [
    ("%timeit x", ""), ("!ls", ""), ("    %time f()", "    pass"), ("x = 1 % 2", "x = 1 % 2"),
])
def test_magics_are_blanked_keeping_lines(line, expected):
    from grader.grading.notebook import strip_magics

    assert strip_magics(line).rstrip("\n") == expected
