"""Building an exercise's Jupyter notebook from its stub, for the student release.

The notebook says what the stub says, laid out for Jupyter: the task in
markdown, the stub's imports in a cell of their own, one ``# graded`` cell per
function (the form ``grader.grading.notebook`` reads), a scratch cell after each, and a
last cell that grades the notebook from inside it (``grader.jupyter``).
Everything is derived from the stub's text, cell ids included, so the same stub
always gives the same bytes.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

from grader.grading.notebook import MARKER

KERNELSPEC = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}


class StubError(ValueError):
    """The stub cannot be turned into a notebook."""


def build(stub: Path, exercise):
    """The notebook (an nbformat v4 ``NotebookNode``) for ``exercise``, made from the stub file ``stub``."""
    import nbformat
    from nbformat import v4

    source = Path(stub).read_text(encoding="utf-8")
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise StubError(f"{stub} does not parse: {exc}") from None
    lines = source.splitlines()
    cells = []

    def add(kind, cell_id, text):
        make = v4.new_markdown_cell if kind == "markdown" else v4.new_code_cell
        cell = make(text.strip("\n"))
        cell["id"] = cell_id
        cells.append(cell)

    add("markdown", "intro", _introduction(exercise, ast.get_docstring(tree) or ""))
    imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
    if imports:
        add("code", "imports", "\n".join(_segment(lines, n) for n in imports))
    setup = [n for n in tree.body if not isinstance(n, (ast.Import, ast.ImportFrom, ast.FunctionDef,
                                                        ast.AsyncFunctionDef, ast.ClassDef))
             and not _is_docstring(n, tree)]
    if setup:
        add("markdown", "setup-intro", "The exercise file also defines these; keep this cell as it is.")
        add("code", "setup", f"{MARKER}\n" + "\n".join(_segment(lines, n) for n in setup))
    defined = [n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    missing = [name for name in exercise.functions if name not in {n.name for n in defined}]
    if missing:
        raise StubError(f"{stub} does not define {', '.join(missing)}, which course.toml lists")
    for node in defined:
        doc = ast.get_docstring(node) or ""
        add("markdown", f"task-{node.name}", f"## `{_signature(node)}`\n\n{doc}")
        add("code", f"graded-{node.name}", f"{MARKER}\n{_short_docstring(lines, node)}")
        add("code", f"try-{node.name}",
            f"# Try {node.name} here: this cell is yours for experiments and is never graded.\n")
    add("markdown", "check-intro", _CHECK_TEXT.format(id=exercise.id, stem=exercise.stem))
    add("code", "check", f'from grader.jupyter import check\n\ncheck("{exercise.id}")')
    nb = v4.new_notebook(cells=cells, metadata={
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
    })
    nbformat.validate(nb)
    return nb


def dumps(nb) -> str:
    """The notebook's file text: nbformat's own JSON (sorted keys), ending in a newline."""
    import nbformat

    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"


def write(stub: Path, exercise, out: Path) -> Path:
    """Write ``exercise``'s notebook, built from ``stub``, to the file ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(dumps(build(stub, exercise)), encoding="utf-8")
    return out


_HOW = """\
**How this notebook works.** Write your code in the cells whose first line is
`# graded`; keep that line, since it is how the grader finds your work. Only
those cells and cells that hold nothing but imports are graded; any other cell
is yours to experiment in. The last cell runs the exercise's checks on your
graded cells, the same checks as `grade {id}` in a terminal."""

_CHECK_TEXT = """\
## Check your work

Run the cell below after running your graded cells. It grades the latest
version of each graded cell that you ran in this notebook (or, if you have run
none since starting the kernel, the graded cells of the saved
`{stem}.ipynb`). Your code runs in a separate process, exactly as with
`grade {id} --submission {stem}.ipynb`, and you get the same verdicts."""


def _introduction(exercise, module_doc: str) -> str:
    lines = inspect.cleandoc(module_doc).splitlines() if module_doc else []
    # The stub's first docstring line is its title ("Exercise 3: A manual SGD step."): the heading says it.
    body = "\n".join(lines[1:]).strip() if lines else ""
    parts = [f"# {exercise.id.replace('-', ' ').capitalize()}: {exercise.title}"]
    if body:
        parts.append(body)
    parts.append(_HOW.format(id=exercise.id))
    return "\n\n".join(parts)


def _segment(lines: list[str], node) -> str:
    start = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return "\n".join(lines[start - 1:node.end_lineno])


def _is_docstring(node, tree) -> bool:
    return (node is tree.body[0] and isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str))


def _signature(node) -> str:
    if isinstance(node, ast.ClassDef):
        return f"class {node.name}"
    returns = f" -> {ast.unparse(node.returns)}" if node.returns else ""
    return f"{node.name}({ast.unparse(node.args)}){returns}"


def _short_docstring(lines: list[str], node) -> str:
    """The stub's code for ``node``, its docstring cut to the first line (the markdown above has it all)."""
    text = _segment(lines, node)
    doc = node.body[0] if node.body else None
    if not (isinstance(doc, ast.Expr) and isinstance(doc.value, ast.Constant) and isinstance(doc.value.value, str)):
        return text
    first = (inspect.cleandoc(doc.value.value).splitlines() or [""])[0]
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])
    own = text.splitlines()
    before = own[: doc.lineno - start]
    after = own[(doc.end_lineno or doc.lineno) - start + 1:]
    indent = own[doc.lineno - start][: len(own[doc.lineno - start]) - len(own[doc.lineno - start].lstrip())]
    return "\n".join([*before, f'{indent}"""{first}"""', *after])
