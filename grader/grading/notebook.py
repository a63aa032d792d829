"""Reading a student's notebook: only the graded cells and the import cells run.

A code cell is graded when its first line is ``# graded`` or it carries the
cell tag ``graded``. A cell that holds nothing but imports runs too, so a
graded cell can use what the notebook imported. Every other cell (experiments,
plots, training runs) never runs. Shell (``!``) and magic (``%``) lines are
blanked, keeping line numbers.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from grader.grading.chunk import Chunk

MARKER = "# graded"
TAG = "graded"
_SHELL_OR_MAGIC = re.compile(r"^(\s*)[!%]")


class NotebookError(Exception):
    """The notebook cannot be read or holds nothing to grade."""


def chunks(path: Path, shown: str) -> tuple[Chunk, ...]:
    """The code to run from the notebook at ``path``, one chunk per cell."""
    import nbformat

    try:
        nb = nbformat.read(str(path), as_version=4)
        nbformat.validate(nb)
    except Exception as exc:  # nbformat raises JSON, validation and reader errors alike
        raise NotebookError(
            f"{shown} is not a valid Jupyter notebook ({type(exc).__name__}: {_first_line(exc)}). "
            "Open it in Jupyter and save it again, or hand in a .py file."
        ) from None
    out = []
    for index, cell in enumerate(nb.cells, start=1):
        if cell.cell_type != "code":
            continue
        source = strip_magics(cell.source)
        if is_graded(cell) or is_import_cell(source):
            out.append(Chunk(f"{shown} [cell {index}]", source))
    if not any(is_graded(cell) for cell in nb.cells if cell.cell_type == "code"):
        raise NotebookError(
            f"{shown} has no graded cell: put your functions in cells whose first line is "
            f"'{MARKER}' (the exercise notebooks come with them marked)"
        )
    return tuple(out)


def is_graded(cell) -> bool:
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ""
    tags = cell.get("metadata", {}).get("tags", [])
    return first.strip().lower().startswith(MARKER) or TAG in tags


def is_import_cell(source: str) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
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
