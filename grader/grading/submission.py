"""Turning a student's file for an exercise into code chunks for a worker.

Which file that is, is decided by ``grader.grading.find`` (one rule for every way of grading).

Nothing here runs student code: a ``.py`` file is read and compiled (compiling
runs nothing) so that a syntax error is reported once, with file and line; a
notebook is read with nbformat (``grader.grading.notebook``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from grader.course import Exercise
from grader.grading.chunk import Chunk
from grader.grading.find import shown_in_zip


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
    if path.suffix == ".ipynb":
        from grader.grading import notebook

        try:
            chunks, note = notebook.read(path, shown, exercise.functions)
        except notebook.NotebookError as exc:
            return Submission(exercise, path, problem=str(exc))
    elif path.suffix == ".py":
        try:
            data = path.read_bytes()
        except OSError as exc:
            return Submission(exercise, path, problem=f"cannot read {shown}: {exc.strerror or exc}")
        problem = text_problem(data, shown, exercise)
        if problem:
            return Submission(exercise, path, problem=problem)
        chunks, note = (Chunk(shown, _text(data)),), None
    else:
        return Submission(exercise, path, problem=f"{shown}: hand in a .py file or a .ipynb notebook")
    for chunk in chunks:
        problem = syntax_problem(chunk)
        if problem:
            return Submission(exercise, path, chunks, problem=problem)
    return Submission(exercise, path, chunks, note=note)


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
    """The syntax error in ``chunk``, in words a student can act on, or None."""
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
        return f"Python cannot read your code: {exc.msg} ({where}){shown}\nFix this line first; no check can run until the file parses."
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


