"""Reading a student's notebook: only the graded cells and the import cells run.

A code cell is graded when its first line is ``# graded`` or it carries the
cell tag ``graded``. A cell that holds nothing but imports runs too, so a
graded cell can use what the notebook imported. Every other cell (experiments,
plots, training runs) never runs. Shell (``!``) and magic (``%``) lines are
blanked, keeping line numbers.

A notebook in which no cell is marked (the student deleted the markers) is
forgiven: the cells that define one of the exercise's functions (course.toml's
``functions``) are graded in their place, and a note says so
(``graded_cells``). Only when no cell defines any of them is there nothing to
grade.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path

from grader.grading.chunk import MAX_SOURCE, Chunk

MARKER = "# graded"
TAG = "graded"
_SHELL_OR_MAGIC = re.compile(r"^(\s*)[!%]")
_DEF = re.compile(r"^(?:async\s+)?def\s+(\w+)", re.MULTILINE)
MAX_CELLS = 5000  # cells of a notebook the grader reads (the exercise notebooks hold a dozen)


class NotebookError(Exception):
    """The notebook cannot be read or holds nothing to grade."""


class NotebookTooLarge(NotebookError):
    """The notebook holds more than the grader reads."""


def chunks(path: Path, shown: str, functions: tuple[str, ...] = ()) -> tuple[Chunk, ...]:
    """The code to run from the notebook at ``path``, one chunk per cell (``read`` without its note)."""
    return read(path, shown, functions)[0]


def read(path: Path, shown: str, functions: tuple[str, ...] = ()) -> tuple[tuple[Chunk, ...], str | None]:
    """The code to run from the notebook at ``path``, one chunk per cell, and a note for the
    student when no cell is marked and the cells defining ``functions`` were graded instead."""
    import nbformat

    try:
        text = Path(path).read_text(encoding="utf-8")
        cells = json.loads(text).get("cells")
    except Exception:  # noqa: BLE001 - not JSON: nbformat says why, below
        text, cells = None, None
    if isinstance(cells, list) and len(cells) > MAX_CELLS:
        raise NotebookTooLarge(
            f"{shown} has {len(cells)} cells; the grader reads notebooks of up to {MAX_CELLS}. Delete the "
            "cells you no longer need (or copy your graded cells into a fresh exercise notebook) and save.")
    try:
        nb = nbformat.reads(text, as_version=4) if text is not None else nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # noqa: BLE001 - nbformat raises JSON, validation and reader errors alike
        raise NotebookError(
            f"{shown} is not a valid Jupyter notebook ({type(exc).__name__}: {_first_line(exc)}). "
            "Open it in Jupyter and save it again, or hand in a .py file."
        ) from None
    graded, stand_ins = graded_cells(nb.cells, functions)
    if not graded:
        defines = f" (and no cell defines {' or '.join(functions)})" if functions else ""
        raise NotebookError(
            f"{shown} has no graded cell{defines}: put your functions in cells whose first line is "
            f"'{MARKER}' (the exercise notebooks come with them marked)"
        )
    chosen = {id(cell) for cell in graded}
    out = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        source = strip_magics(cell.source)
        if id(cell) in chosen or is_import_cell(source):
            out.append(Chunk(f"{shown} [cell {index}]", source))
    return tuple(out), forgiven_note(functions, stand_ins)


def graded_cells(cells, functions: tuple[str, ...] = ()) -> tuple[list, tuple[str, ...]]:
    """The code cells to grade among ``cells``, and the functions they were chosen for.

    The marked cells when there are any (then no functions: nothing was forgiven); else the
    cells that define one of ``functions`` at their top level, and which of them they define.
    """
    code = [cell for cell in cells if cell.cell_type == "code"]
    marked = [cell for cell in code if is_graded(cell)]
    if marked or not functions:
        return marked, ()
    chosen, defined = [], set()
    for cell in code:
        names = defined_functions(strip_magics(cell.source)) & set(functions)
        if names:
            chosen.append(cell)
            defined |= names
    return chosen, tuple(f for f in functions if f in defined)


def forgiven_note(functions: tuple[str, ...], stand_ins: tuple[str, ...]) -> str | None:
    """What the student is told when the cells defining ``stand_ins`` were graded for want of markers."""
    if not stand_ins:
        return None
    missing = [f for f in functions if f not in stand_ins]
    lacking = f" (no cell defines {', '.join(missing)})" if missing else ""
    return (f"No cell of this notebook is marked '{MARKER}'; graded the cells that define "
            f"{', '.join(stand_ins)} instead{lacking}, with the import cells. Put '{MARKER}' back as "
            "the first line of your solution cells so that exactly those are graded.")


def defined_functions(source: str) -> set[str]:
    """The functions ``source`` defines at its top level; for code Python cannot read, the
    ``def`` lines at its left margin (so that its syntax error gets reported); the same for a cell
    too large to parse here (grading reports its size)."""
    if len(source) > MAX_SOURCE:
        return set(_DEF.findall(source))
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return set(_DEF.findall(source))
    return {node.name for node in tree.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}


def is_graded(cell) -> bool:
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    tags = cell.get("metadata", {}).get("tags", [])
    return first.strip().lower().startswith(MARKER) or TAG in tags


def is_import_cell(source: str) -> bool:
    if len(source) > MAX_SOURCE:
        return False
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return bool(tree.body) and all(isinstance(node, (ast.Import, ast.ImportFrom)) for node in tree.body)


def strip_magics(source: str) -> str:
    """Blank ``!shell`` and ``%magic`` lines (``pass`` where a block needs a statement)."""
    lines = []
    for line in source.splitlines():
        match = _SHELL_OR_MAGIC.match(line)
        lines.append(f"{match.group(1)}pass" if match and match.group(1) else ("" if match else line))
    return "\n".join(lines) + "\n"


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [""])[0][:200]
