"""The leak scan: what in a release students must not have, by one rule for ``grade release`` and
``grade validate`` alike.

Three things never ship: the solutions folder, a hidden check's name (its code is cut out by
``grader.authoring.hidden``), and a line of solution code that the stubs lack. ``found_in`` looks
for all three in every file of a folder, notebook cells line by line. A check's text must not hand
over the solution either: ``in_check_texts`` looks for lines of solution code inside the strings of
every checks module (its feedback, hidden checks included: their feedback reaches students once
grades are published). ``in_release`` is both, on a folder holding what a release ships:
``grade release`` refuses to write a folder where it finds anything, and ``grade validate`` stages
the same folder and reports the same findings, in the same words, so an author learns of a leak
while writing the exercise, not at release time.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.authoring.hidden import hidden_check_names
from grader.course import CHECKS_FILE, Course

ENGINE = Path(grader.__file__).resolve().parent  # the grader package: its lines are public

SOLUTION_LINE = ("students would read the answer: say what to do without the solution's code (or put the "
                 "line in the stub, if students may have it)")
CHECK_TEXT = ("students would read the answer (a hidden check's feedback too, once grades are published): say "
              "what to change and why, in the lesson's words, without the solution's code")
HIDDEN_NAME = "students would learn that the hidden check exists: keep its name out of what ships"


@dataclass(frozen=True)
class Leak:
    """One thing a release would give students that they must not have."""

    where: str
    """``path:line`` (or a bare path), the path relative to the release, which mirrors the course; the
    line numbered as in the course's own file where it has one (a checks module before its hidden
    checks are cut out)."""
    what: str
    """What it gives away, and what to do instead."""

    @property
    def path(self) -> str:
        """The file, without its line."""
        return self.where.split(":", 1)[0]

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def in_release(bundle: Path, course: Course) -> list[Leak]:
    """Everything students must not have in ``bundle`` (a folder holding what ``grade release`` ships),
    and every line of solution code that the text of the course's checks holds, hidden ones too."""
    return found_in(bundle, course) + [Leak(where, f"a check's text holds solution code `{line}`: {CHECK_TEXT}")
                                       for _, where, line in in_check_texts(course)]


def leaks(bundle: Path, course: Course) -> list[str]:
    """``found_in`` as lines of text."""
    return [str(leak) for leak in found_in(bundle, course)]


def found_in(bundle: Path, course: Course) -> list[Leak]:
    """What in the folder ``bundle`` students must not have: solution lines, hidden checks, solutions/.

    A solution line counts when it is not in any stub, says something (more
    than keywords and brackets) and is not also a line of the grader's own
    public infrastructure (probes, inputs: code students have by design).
    """
    secret = secret_lines(course)
    hidden = hidden_check_names(course)
    found = []
    for path in sorted(p for p in Path(bundle).rglob("*") if p.is_file()):
        relative = path.relative_to(bundle)
        if "solutions" in relative.parts:
            found.append(Leak(str(relative), "a solutions folder"))
        data = path.read_bytes()
        for name in hidden:
            if re.search(rb"\b" + re.escape(name.encode()) + rb"\b", data):
                found.append(Leak(str(relative), f"names the hidden check {name}: {HIDDEN_NAME}"))
        for number, line in _lines(path, data):
            if line.strip() in secret:
                where = f"{relative}:{_source_line(course.root / relative, line, number)}"
                found.append(Leak(where, f"solution code `{line.strip()}`: {SOLUTION_LINE}"))
    return found


def _source_line(source: Path, line: str, number: int | str) -> int | str:
    """Where ``line`` is in the course's own ``source`` (a checks module has hidden checks there, cut out of
    the release's copy); ``number``, its line in the release, when the course has no such file or line."""
    try:
        lines = [each.strip() for each in source.read_text(encoding="utf-8").splitlines()]
    except (OSError, UnicodeDecodeError):
        return number
    return lines.index(line.strip()) + 1 if isinstance(number, int) and line.strip() in lines else number


def in_check_texts(course: Course, exercises=None, secret: set[str] | None = None) -> list[tuple[str, str, str]]:
    """(exercise id, ``path:line``, solution line) for every line of solution code that a string of the
    checks module of ``exercises`` (default: all) holds, its spaces aside; the path relative to the course.

    A line that only calls one method without arguments (``optimizer.step()``, ``return loss.item()``)
    does not count: a hint may name the steps the lesson teaches; it must not write them.
    """
    secret = secret_lines(course) if secret is None else secret
    wanted = {" ".join(line.split()): line for line in secret if not _names_a_method(line)}
    found = []
    for exercise in course.exercises if exercises is None else exercises:
        path = course.checks_file(exercise)
        if not path.is_file():
            continue
        source = path.read_text(encoding="utf-8")
        lines = source.splitlines()
        shown = path.relative_to(course.root).as_posix() if path.is_relative_to(course.root) else str(path)
        for node in ast.walk(ast.parse(source, str(path))):
            if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
                continue
            text = " ".join(node.value.split())
            for code in sorted(c for c in wanted if c in text and _holds(text, c)):
                # The source line the code is written on (a string may span several), else where it starts.
                number = next((n for n in range(node.lineno, (node.end_lineno or node.lineno) + 1)
                               if _holds(" ".join(lines[n - 1].split()), code)), node.lineno)
                found.append((exercise.id, f"{shown}:{number}", wanted[code]))
    return sorted(set(found), key=lambda f: (f[0], int(f[1].rsplit(":", 1)[1]), f[2]))


def _names_a_method(line: str) -> bool:
    return re.fullmatch(r"(return\s+)?[A-Za-z_][\w.]*\(\)", line.strip()) is not None


def _holds(text: str, code: str) -> bool:
    """Whether ``code`` is in ``text`` as a whole: not the middle of a longer name or number."""
    return re.search(r"(?<![\w.])" + re.escape(code) + r"(?![\w(])", text) is not None


def secret_lines(course: Course) -> set[str]:
    stub_lines: set[str] = set()
    solution_lines: set[str] = set()
    for exercise in course.exercises:
        for folder, into in ((course.exercises_dir, stub_lines), (course.solutions_dir, solution_lines)):
            path = folder / exercise.file
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                # Students read the whole stub, docstrings included; of a solution, its code counts.
                into.update(_code_lines(text) if into is solution_lines else
                            {line.strip() for line in text.splitlines()})
    public: set[str] = set()
    for path in sorted({*ENGINE.rglob("*.py"), *course.content.rglob("*.py")}):
        if path.name != CHECKS_FILE:
            public.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in solution_lines - stub_lines - public if _says_something(line)}


def _code_lines(source: str) -> set[str]:
    """The stripped lines of code in ``source``: no comments, no docstrings."""
    docstring_lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstring_lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return {line.strip() for number, line in enumerate(source.splitlines(), start=1)
            if number not in docstring_lines and line.strip() and not line.strip().startswith("#")}


def _says_something(line: str) -> bool:
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return True
    return any((t.type == tokenize.NAME and not keyword.iskeyword(t.string))
               or t.type in (tokenize.NUMBER, tokenize.STRING) for t in tokens)


def _lines(path: Path, data: bytes):
    """(line number, line) of a file as a reader sees it: notebook cells line by line, too."""
    text = data.decode("utf-8", "replace")
    yield from enumerate(text.splitlines(), start=1)
    if path.suffix == ".ipynb":
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            return
        for index, cell in enumerate(cells, start=1):
            source = cell.get("source", "")
            source = "".join(source) if isinstance(source, list) else source
            for number, line in enumerate(source.splitlines(), start=1):
                yield f"cell {index} line {number}", line
