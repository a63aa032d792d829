"""Exercise notebooks: built from the stubs, read by the grader, and checked from inside a real kernel."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from course_copy import ROOT, complete_exercises, load, make_course
from grader import jupyter as notebook_check
from grader.authoring import notebooks
from grader.grading import report
from grader.grading.notebook import MARKER, chunks


def solution_functions(stem: str) -> dict[str, str]:
    source = (ROOT / "solutions" / f"{stem}.py").read_text()
    lines = source.splitlines()
    return {n.name: "\n".join(lines[n.lineno - 1:n.end_lineno]) for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef)}


def filled(nb, stem: str):
    """The notebook with every graded cell holding the solution's function instead of the stub."""
    functions = solution_functions(stem)
    for cell in nb.cells:
        if cell.id.startswith("graded-"):
            cell.source = f"{MARKER}\n{functions[cell.id.removeprefix('graded-')]}"
    return nb


@pytest.mark.parametrize("exercise_id", complete_exercises())
def test_every_exercise_gets_a_valid_notebook(exercise_id):
    import nbformat

    course = load(ROOT)
    exercise = course.exercise(exercise_id)
    nb = notebooks.build(course.exercises_dir / exercise.file, exercise)
    nbformat.validate(nb)
    assert nb.nbformat == 4 and nb.metadata.kernelspec.name == "python3"
    assert nb.cells[0].cell_type == "markdown" and nb.cells[0].source.startswith("# Exercise")
    graded = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith(MARKER)]
    assert set(exercise.functions) <= {c.id.removeprefix("graded-") for c in graded}
    for name in exercise.functions:
        assert any(f"def {name}(" in c.source for c in graded), name
        assert any(c.cell_type == "markdown" and f"`{name}(" in c.source for c in nb.cells), name
    assert nb.cells[-1].source.endswith(f'check("{exercise_id}")')
    assert len({c.id for c in nb.cells}) == len(nb.cells)


def test_notebooks_are_deterministic():
    course = load(ROOT)
    exercise = course.exercise("exercise-3")
    stub = course.exercises_dir / exercise.file
    assert notebooks.dumps(notebooks.build(stub, exercise)) == notebooks.dumps(notebooks.build(stub, exercise))


def test_the_grader_reads_the_notebook_as_the_stub(tmp_path, grade):
    course = load(ROOT)
    exercise = course.exercise("exercise-3")
    path = notebooks.write(course.exercises_dir / exercise.file, exercise, tmp_path / "exercise_3.ipynb")
    parts = chunks(path, "exercise_3.ipynb")
    assert [c.source.splitlines()[0] for c in parts] == ["import torch", MARKER, MARKER]
    result = grade("exercise-3", path)
    assert result.score == 0 and all("not implemented yet" in c.feedback for c in result.checks)


# ---------------------------------------------------------------- what the last cell grades

def test_merged_takes_the_latest_run_of_each_graded_cell(tmp_path):
    course = load(ROOT)
    exercise = course.exercise("exercise-3")
    saved = notebooks.write(course.exercises_dir / exercise.file, exercise, tmp_path / "exercise_3.ipynb")
    functions = solution_functions("exercise_3")
    wrong = functions["sgd_update"].replace("p -= lr * p.grad", "p += lr * p.grad")
    history = ["import torch", f"{MARKER}\n{wrong}", "print('experiment')",
               f"{MARKER}\n{functions['sgd_update']}", "%matplotlib inline\nimport math"]
    nb = notebook_check.merged(saved, history)
    sources = [c.source for c in nb.cells if c.cell_type == "code"]
    assert f"{MARKER}\n{functions['sgd_update']}" in sources and f"{MARKER}\n{wrong}" not in sources
    assert any("raise NotImplementedError" in s and "sgd_momentum_update" in s for s in sources)  # never run
    assert nb.cells[0].source.startswith("%matplotlib")  # an import cell run but not saved goes first
    assert notebook_check.merged(saved, ["import torch", "print(1)"]) is None  # nothing graded was run


def test_check_grades_unsaved_edits_like_grade_grades_the_saved_file(tmp_path, monkeypatch, grade):
    """Without a kernel: ``grade()`` with a history equals ``grade --submission`` on the saved notebook."""
    course = load(ROOT)
    exercise = course.exercise("exercise-3")
    stub = notebooks.write(course.exercises_dir / exercise.file, exercise, tmp_path / "stub" / "exercise_3.ipynb")
    functions = solution_functions("exercise_3")
    wrong = functions["sgd_update"].replace("p -= lr * p.grad", "p += lr * p.grad")
    history = ["import torch", f"{MARKER}\n{wrong}", f"{MARKER}\n{functions['sgd_momentum_update']}"]
    got = notebook_check.grade("exercise-3", notebook=stub, history=history)
    saved = filled(notebooks.build(course.exercises_dir / exercise.file, exercise), "exercise_3")
    saved.cells[[c.id for c in saved.cells].index("graded-sgd_update")].source = f"{MARKER}\n{wrong}"
    path = tmp_path / "saved" / "exercise_3.ipynb"
    path.parent.mkdir()
    path.write_text(notebooks.dumps(saved))
    want = grade("exercise-3", path)
    assert [(c.name, c.passed, c.feedback) for c in got.checks] == \
        [(c.name, c.passed, c.feedback) for c in want.checks]
    assert 0 < got.score < got.max_score
    assert "gradient ascent" in got.checks[0].feedback


# ---------------------------------------------------------------- in a real Jupyter kernel

@pytest.fixture
def kernel_env(tmp_path, monkeypatch):
    """The kernel (jupyter_client starts this interpreter for "python3") writes nothing outside
    tmp_path and prints no colour."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
    monkeypatch.setenv("JUPYTER_RUNTIME_DIR", str(tmp_path / "runtime"))
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    monkeypatch.setenv("NO_COLOR", "1")
    return tmp_path


def execute(nb, folder: Path) -> str:
    """Run every cell in a fresh python3 kernel started in ``folder``; the last cell's printed text."""
    from nbclient import NotebookClient

    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return "".join(o.get("text", "") for o in nb.cells[-1].outputs if o.output_type == "stream")


def test_kernel_last_cell_reports_the_stub_as_not_done(kernel_env):
    root = make_course(kernel_env / "course")
    course = load(root)
    exercise = course.exercise("exercise-3")
    path = notebooks.write(course.exercises_dir / exercise.file, exercise, course.exercises_dir / "exercise_3.ipynb")
    import nbformat

    text = execute(nbformat.read(str(path), as_version=4), course.exercises_dir)
    assert "exercise-3: A manual SGD step  (exercise_3.ipynb)" in text
    assert "not implemented yet" in text and "Score: 0/10" in text


def test_kernel_last_cell_passes_a_filled_in_solution(kernel_env, monkeypatch, grade):
    root = make_course(kernel_env / "course")
    course = load(root)
    exercise = course.exercise("exercise-3")
    stub = course.exercises_dir / exercise.file
    # On disk: the stub notebook, as if never saved. In the kernel: a first, wrong try of
    # sgd_update, then the filled-in cells. The check must grade the latest run of each.
    notebooks.write(stub, exercise, course.exercises_dir / "exercise_3.ipynb")
    nb = filled(notebooks.build(stub, exercise), "exercise_3")
    from nbformat import v4

    wrong = solution_functions("exercise_3")["sgd_update"].replace("p -= lr * p.grad", "p += lr * p.grad")
    first_try = v4.new_code_cell(f"{MARKER}\n{wrong}")
    first_try["id"] = "first-try"
    nb.cells.insert(2, first_try)
    text = execute(nb, course.exercises_dir)
    assert "Score: 10/10  (all checks passed)" in text, text
    # The same report as `grade exercise-3 --submission exercise_3.ipynb` on the notebook saved filled in.
    saved = kernel_env / "saved"
    saved.mkdir()
    (saved / "exercise_3.ipynb").write_text(notebooks.dumps(filled(notebooks.build(stub, exercise), "exercise_3")))
    monkeypatch.chdir(saved)
    want = report.render(grade("exercise-3", Path("exercise_3.ipynb")), colour=False)
    assert text.strip() == want.strip()
