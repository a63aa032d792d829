"""Grading an exercise notebook from inside itself: what its last cell calls.

``check("exercise-3")`` grades what the notebook holds, the way ``grade`` does:
the ``# graded`` cells and the import cells run in the same isolated worker, and
the same report comes back. "What the notebook holds" is the latest version of
each graded cell run in this kernel (IPython's input history), matched to the
saved notebook's cells by the names they define, so that an edit you ran but
did not save yet counts; a graded cell not run since the kernel started counts
as saved. With no graded cell run at all, the saved notebook is graded as is.

Which notebook: ``notebook=`` (a file, or a folder searched by the rule every way
of grading uses, ``grader.grading.find``, for ``exercise_N.ipynb``), else the one
Jupyter or VS Code says this kernel runs, else ``exercise_N.ipynb`` found by that
rule from the kernel's folder, then from the course's ``exercises/``.

A notebook whose ``# graded`` markers were deleted is forgiven as ``grade``
forgives it (``grader.grading.notebook``): with no marked cell, in the kernel's
history or the saved file, the cells that define the exercise's functions are
graded instead, and the report says so.

This module is imported by the notebook's import cells in the worker too: keep
its top level free of work.
"""

from __future__ import annotations

import ast
import contextlib
import os
import tempfile
from pathlib import Path


def check(exercise_id: str, *, notebook: str | os.PathLike | None = None, device: str | None = None) -> None:
    """Grade this notebook's work on ``exercise_id`` and print the report ``grade`` prints."""
    from grader.errors import GraderProblem

    try:
        result = grade(exercise_id, notebook=notebook, device=device)
    except GraderProblem as exc:
        print(f"grade: {exc.message}")
        return
    from grader.grading import report

    print(report.render(result, colour=report.use_colour(True)))


def grade(exercise_id: str, *, notebook=None, device: str | None = None, history: list[str] | None = None):
    """The ExerciseResult for what this notebook holds (``history``: executed cells, default IPython's)."""
    from grader import course as courses
    from grader.grading import runner as grading
    from grader.isolation import client
    from grader.grading import submission as submissions

    given = Path(notebook).resolve() if notebook else None
    course = courses.load(_root(given))
    exercise = course.exercise(exercise_id)
    saved = _found(given, exercise) if given else find_saved(course, exercise)
    device = grading.resolve_device(device or "auto", course)
    # A notebook over the grader's cap is graded as saved, which says so (grader.grading.submission).
    nb = None if saved is not None and _over_cap(saved) else \
        merged(saved, ipython_history() if history is None else history, exercise.functions)
    if nb is None:
        return grading.grade_exercise(course=course, exercise=exercise, path=saved, device=device)
    import nbformat

    client.current()  # started before the chdir below, so the fork server never lives in the temp folder
    shown = submissions.display_path(saved) if saved else "this notebook"
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as folder:
        path = Path(folder) / (saved.name if saved else f"{exercise.stem}.ipynb")
        nbformat.write(nb, str(path))
        with _cwd(folder):  # tracebacks then name the notebook, not the temporary folder
            result = grading.grade_exercise(course=course, exercise=exercise, path=path, device=device)
    from dataclasses import replace

    return replace(result, submission=shown)


def _over_cap(saved: Path) -> bool:
    """Is the saved notebook larger than the grader reads? Then it is not read here either."""
    from grader.grading.submission import MAX_NOTEBOOK

    try:
        return saved.stat().st_size > MAX_NOTEBOOK
    except OSError:
        return False


def _root(saved: Path | None) -> Path:
    """The course folder: the notebook's own, else the one the kernel runs in."""
    from grader.course import CourseError, find_root

    if saved is not None:
        with contextlib.suppress(CourseError):
            return find_root(saved if saved.is_dir() else saved.parent)
    return find_root()


def _found(where: Path, exercise) -> Path | None:
    """The notebook for ``exercise`` at ``where`` (a file, or a folder searched by the one rule)."""
    from grader.errors import GraderProblem
    from grader.grading import find

    found = find.find(where, exercise.stem, suffixes=(".ipynb",))
    if found.problem:
        raise GraderProblem(f"{found.problem} (in {where}); or name it: check(..., notebook=PATH)")
    return found.path.resolve() if found.path else None


def find_saved(course, exercise) -> Path | None:
    """The notebook file this kernel most likely belongs to, if it can be found."""
    candidates = []
    session = os.environ.get("JPY_SESSION_NAME", "")  # set by Jupyter Server for the kernel's notebook
    if session.endswith(".ipynb"):
        candidates += [Path(session), Path.cwd() / Path(session).name]
    vscode = _user_namespace().get("__vsc_ipynb_file__")
    if vscode:
        candidates.append(Path(vscode))
    for candidate in candidates:
        if candidate.is_file():
            return candidate.resolve()
    for folder in (Path.cwd(), course.exercises_dir):
        found = _found(folder, exercise)
        if found:
            return found
    return None


def merged(saved: Path | None, history: list[str], functions: tuple[str, ...] = ()):
    """The notebook to grade: ``saved`` with its graded cells brought up to date from ``history``.

    None when ``history`` holds no graded cell (grade ``saved`` itself then). With no
    marked cell run, the cells run that define one of ``functions`` stand in for them;
    likewise in ``saved`` (``grader.grading.notebook.graded_cells``).
    """
    import nbformat
    from nbformat import v4

    from grader.grading.notebook import defined_functions, graded_cells, is_graded, is_import_cell, strip_magics

    ran = [source for source in history if source.strip()]
    graded = [source for source in ran if is_graded(v4.new_code_cell(source))]
    if not graded and functions:  # the markers were deleted: the cells defining the functions
        graded = [source for source in ran if defined_functions(strip_magics(source)) & set(functions)]
    if not graded:
        return None
    latest: dict[tuple, str] = {}
    for position, source in enumerate(graded):
        names = defined_names(strip_magics(source))
        if names is None:
            # A cell Python could not read defined nothing in the kernel: it counts only while it is
            # the last graded cell run, so that its syntax error gets reported.
            if position == len(graded) - 1:
                latest[("<unreadable>",)] = source
            continue
        latest.pop(names, None)  # keep the order of the latest runs
        latest[names] = source
    if saved is not None:
        nb = nbformat.read(str(saved), as_version=4)
    else:
        nb = v4.new_notebook()
    chosen, _ = graded_cells(nb.cells, functions)
    for cell in chosen:
        names = defined_names(strip_magics(cell.source))
        if names in latest:
            cell.source = latest.pop(names)
    added = [v4.new_code_cell(source) for source in latest.values()]
    nb.cells += added
    if any(is_graded(cell) for cell in nb.cells if cell.cell_type == "code"):
        # Some cells are marked: a chosen cell that lost its marker (in the kernel or the file)
        # must stay graded beside them. With none marked, grading forgives the whole notebook.
        for cell in [*chosen, *added]:
            if not is_graded(cell):
                cell.setdefault("metadata", {}).setdefault("tags", []).append("graded")
    present = {cell.source for cell in nb.cells if cell.cell_type == "code"}
    imports = []
    for source in ran:
        if source not in present and is_import_cell(strip_magics(source)):
            present.add(source)
            imports.append(v4.new_code_cell(source))
    nb.cells[:0] = imports  # imports first: a signature may use what they import
    for index, cell in enumerate(nb.cells):
        cell["id"] = cell.get("id") or f"cell-{index}"
    return nb


def defined_names(source: str) -> tuple[str, ...] | None:
    """The top-level names a cell defines (functions, classes, assignments); None if it does not parse
    or is larger than the grader reads (grading then says so)."""
    from grader.grading.submission import MAX_SOURCE

    if len(source) > MAX_SOURCE:
        return None
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    names = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return tuple(sorted(set(names)))


def ipython_history() -> list[str]:
    """The cells run in this IPython kernel, oldest first, as typed; empty outside IPython."""
    shell = _shell()
    if shell is None:
        return []
    return list(shell.history_manager.input_hist_raw[1:])


def _shell():
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    return get_ipython()


def _user_namespace() -> dict:
    shell = _shell()
    return getattr(shell, "user_ns", {}) if shell is not None else {}


@contextlib.contextmanager
def _cwd(folder):
    old = os.getcwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(old)
