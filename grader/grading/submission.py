"""Turning a student's file for an exercise into code chunks for a worker.

Which file that is, is decided by ``grader.grading.find`` (one rule for every way of grading).

Nothing here runs student code, and nothing here parses it in the trusted process either: a file's
size is checked before it is read (``MAX_SOURCE`` for a ``.py`` file and for a notebook's graded
cells, ``MAX_NOTEBOOK`` for a notebook file, its outputs and images included), and the syntax check
(compiling runs nothing, but a few megabytes of code can take gigabytes to compile) and the notebook
reader (``grader.grading.notebook``) run in a child under limits (``grader.grading.bounded``). A
syntax error is still reported once, with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.course import Exercise
from grader.grading.bounded import TooCostly, bounded
from grader.grading.chunk import MAX_SOURCE, Chunk
from grader.grading.find import shown_in_zip

MAX_NOTEBOOK = 20 << 20  # bytes of a notebook file, outputs and images included
TOO_LARGE = "submission.too_large"  # the generic mistake id (grader.grading.mistakes) of both


@dataclass(frozen=True)
class Submission:
    """A student's code for one exercise, or the reason there is none to run."""

    exercise: Exercise
    """The exercise it answers."""
    path: Path | None
    """The file, if one was found."""
    chunks: tuple[Chunk, ...] = ()
    """The code to run, in order."""
    problem: str | None = None
    """Why it cannot run (not submitted, a syntax error, a broken notebook); None if it can."""
    not_submitted: bool = field(default=False)
    """True when no file for the exercise exists at all."""
    note: str | None = None
    """Something the student should know although the code runs (a notebook graded without its
    ``# graded`` markers); shown where a problem would be."""
    mistake: str | None = None
    """The generic mistake id the problem shows when the judge cannot tell it from the rest
    (``submission.too_large``); None: the judge's own choice."""

    @property
    def folder(self) -> str | None:
        return str(self.path.parent) if self.path else None


def load(exercise: Exercise, path: Path | None, problem: str | None = None) -> Submission:
    """Read ``path`` into chunks; problems become ``Submission.problem``, never exceptions.

    ``problem``: why no file could be chosen (``grader.grading.find.Found.problem``): nothing runs.
    """
    if problem:
        return Submission(exercise, path, problem=problem)
    if path is None:
        return Submission(exercise, None, not_submitted=True,
                          problem=f"not submitted: no {exercise.stem}.py or {exercise.stem}.ipynb was handed in")
    shown = display_path(path)
    if path.suffix not in (".py", ".ipynb"):
        return Submission(exercise, path, problem=f"{shown}: hand in a .py file or a .ipynb notebook")
    try:
        size = path.stat().st_size
    except OSError as exc:
        return Submission(exercise, path, problem=f"cannot read {shown}: {exc.strerror or exc}")
    cap = MAX_SOURCE if path.suffix == ".py" else MAX_NOTEBOOK
    if size > cap:
        return Submission(exercise, path, problem=too_large(shown, size, cap), mistake=TOO_LARGE)
    if path.suffix == ".ipynb":
        import nbformat  # noqa: F401 - imported here once, not in every child that reads a notebook

        try:
            answer = bounded(_notebook_in_child, str(path), shown, exercise.functions)
        except TooCostly as exc:
            return Submission(exercise, path, problem=too_costly(shown, exc.why), mistake=TOO_LARGE)
        chunks = tuple(Chunk(filename, source) for filename, source in answer["chunks"])
        return Submission(exercise, path, chunks, problem=answer["problem"], note=answer["note"],
                          mistake=answer["mistake"])
    try:
        with open(path, "rb") as f:
            data = f.read(cap + 1)  # no more than the cap, even if the file grew since
    except OSError as exc:
        return Submission(exercise, path, problem=f"cannot read {shown}: {exc.strerror or exc}")
    if len(data) > cap:
        return Submission(exercise, path, problem=too_large(shown, len(data), cap), mistake=TOO_LARGE)
    problem = text_problem(data, shown, exercise)
    if problem:
        return Submission(exercise, path, problem=problem)
    chunks = (Chunk(shown, _text(data)),)
    try:
        problem = bounded(syntax_problem, chunks[0])
    except TooCostly as exc:
        return Submission(exercise, path, problem=too_costly(shown, exc.why), mistake=TOO_LARGE)
    return Submission(exercise, path, chunks, problem=problem)


def read_capped(path: Path) -> bytes:
    """A submission file's bytes, at most its cap plus one: all a grader that sends files elsewhere
    (a cluster's worker) needs, since ``load`` there refuses what is over the cap and says so."""
    with open(path, "rb") as f:
        return f.read((MAX_NOTEBOOK if Path(path).suffix == ".ipynb" else MAX_SOURCE) + 1)


def _notebook_in_child(path: str, shown: str, functions: tuple[str, ...]) -> dict:
    """A notebook's graded and import cells as chunks, or why they cannot run: what ``load`` runs
    under limits (JSON decoding, schema validation and the syntax check)."""
    from grader.grading import notebook

    try:
        chunks, note = notebook.read(Path(path), shown, functions)
    except notebook.NotebookError as exc:
        too_many = isinstance(exc, notebook.NotebookTooLarge)
        return {"chunks": [], "note": None, "problem": str(exc), "mistake": TOO_LARGE if too_many else None}
    size = sum(len(chunk.source.encode("utf-8", "surrogatepass")) for chunk in chunks)
    if size > MAX_SOURCE:
        return {"chunks": [], "note": None, "mistake": TOO_LARGE,
                "problem": too_large(f"The graded and import cells of {shown}", size, MAX_SOURCE, cells=True)}
    listed = [[chunk.filename, chunk.source] for chunk in chunks]
    problem = next(filter(None, map(syntax_problem, chunks)), None)
    return {"chunks": listed, "note": None if problem else note, "problem": problem, "mistake": None}


def too_large(shown: str, size: int, cap: int, cells: bool = False) -> str:
    """What a student is told about a file (or a notebook's graded cells) over the grader's cap (one
    byte over: a file ``read_capped`` cut short on its way, said as "more than")."""
    over = "more than " if size == cap + 1 else ""
    if cells:
        return (f"{shown} hold {over}{_size(size)} of code; the grader reads up to {_size(cap)} of them. "
                "Keep only your functions (and the imports they need) in the graded cells, and move the "
                "rest (pasted data, long generated code) to cells that are not graded.")
    if shown.endswith(".ipynb"):
        return (f"{shown} is {over}{_size(size)}; the grader reads notebooks up to {_size(cap)}. Outputs and "
                "images count: clear them (Jupyter: Edit → Clear Outputs of All Cells) and save, or hand in "
                "the .py file instead.")
    return (f"{shown} is {over}{_size(size)}; the grader reads files up to {_size(cap)}. An exercise's code "
            "is a few kilobytes: remove what the exercise does not need (pasted data, long generated "
            "code, outputs), or hand in the file you wrote.")


def too_costly(shown: str, why: str) -> str:
    """What a student is told when reading their file ran past the grader's limits (``bounded``)."""
    what = {"time": "took too long", "memory": "needed too much memory"}.get(why, "failed")
    return (f"Reading {shown} {what}: the grader reads code within limits, and this file's code is "
            "too large or too deeply nested for them. Hand in the exercise's functions as you wrote "
            "them, without generated code or data pasted in.")


def _size(size: int) -> str:
    if size < (1 << 20):
        return f"{-(-size // 1024)} KB"
    return f"{size / (1 << 20):.1f}".removesuffix(".0") + " MB"


def text_problem(data: bytes, shown: str, exercise: Exercise) -> str | None:
    """Why the bytes of a ``.py`` file hold no code to run, in words a student can act on: not text
    (an image, a zip, a compiled file renamed), or nothing in it at all; None when they are code."""
    why = "it holds null bytes" if b"\0" in data else None
    try:
        source = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        why = why or f"byte {data[exc.start]:#04x} at position {exc.start} is not UTF-8 text"
    if why:
        return (f"{shown} is not a Python text file ({why}): it cannot be read as code.\n"
                "Hand in the .py file you wrote, saved as plain text (UTF-8) from your editor.")
    if not source.strip():
        return (f"{shown} is empty: it has no code, so it defines none of the functions the checks call "
                f"({_listed(exercise.functions)}).\n"
                "Write your code in it and save it (an editor may not have saved it yet), or hand in the "
                "file you wrote.")
    return None


def _text(data: bytes) -> str:
    """UTF-8 bytes as ``read_text`` gives them: every line ending a newline."""
    return data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n")


def _listed(functions: tuple[str, ...]) -> str:
    return ", ".join(f"`{name}`" for name in functions)


def syntax_problem(chunk: Chunk) -> str | None:
    """The syntax error in ``chunk``, in words a student can act on, or None (``load`` runs it under
    limits, through ``bounded``: never call it on a student's code in a trusted process)."""
    try:
        compile(chunk.source, chunk.filename, "exec", dont_inherit=True)
    except SyntaxError as exc:
        where = f"{chunk.filename}, line {exc.lineno}"
        text = (exc.text or "").rstrip("\n")
        pointer = ""
        if text and exc.offset:
            indent = len(text) - len(text.lstrip())
            pointer = "\n    " + " " * (exc.offset - 1 - indent) + "^"
        shown = f"\n    {text.strip()}{pointer}" if text.strip() else ""
        return (f"Python cannot read your code: {exc.msg} ({where}){shown}\n"
                "Fix this line first; no check can run until the file parses.")
    except ValueError as exc:  # e.g. null bytes
        return f"Python cannot read {chunk.filename}: {exc}"
    return None


def display_path(path: Path) -> str:
    """``path`` relative to the cwd when it is below it, else absolute; inside a zip being graded
    (``grader.grading.find.unpacked``), its path in the zip: ``work.zip/Work/exercise_3.py``."""
    in_zip = shown_in_zip(path)
    if in_zip:
        return in_zip
    path = Path(path).resolve()
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


