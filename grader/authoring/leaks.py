"""The leak scan: what in a release folder students must not have.

Three things never ship: the solutions folder, a hidden check's name (its code is cut out by
``grader.authoring.hidden``), and a line of solution code that the stubs lack. ``leaks`` looks
for all three in every file of a folder, notebook cells line by line; ``grade release`` runs it
on what it is about to write and refuses to write a folder that leaks.

A check's text must not hand over the solution either: ``in_check_texts`` looks for lines of
solution code inside the strings of every checks module (its feedback, hidden checks included:
their feedback reaches students once grades are published); ``grade release`` refuses and
``grade validate`` reports what it finds.
"""

from __future__ import annotations

import ast
import io
import json
import keyword
import re
import tokenize
from pathlib import Path

import grader
from grader.authoring.hidden import hidden_check_names
from grader.course import CHECKS_FILE, Course

ENGINE = Path(grader.__file__).resolve().parent  # the grader package: its lines are public


def leaks(bundle: Path, course: Course) -> list[str]:
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
            found.append(f"{relative}: a solutions folder")
        data = path.read_bytes()
        for name in hidden:
            if re.search(rb"\b" + re.escape(name.encode()) + rb"\b", data):
                found.append(f"{relative}: names the hidden check {name}")
        for number, line in _lines(path, data):
            if line.strip() in secret:
                found.append(f"{relative}:{number}: solution code `{line.strip()}`")
    return found


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


def told_in_checks(course: Course, exercise) -> list[tuple[str, str]]:
    """(``path:line``, what is wrong) for each line of solution code the text of ``exercise``'s checks
    holds, for ``grade validate``; nothing when a solution or the checks do not parse (said elsewhere)."""
    try:
        found = in_check_texts(course, [exercise])
    except SyntaxError:
        return []
    return [(where, f"a check's text holds a line of the solution, `{line}`: students would read the answer "
                    "(hidden checks' feedback too, once grades are published); say what to change and why, "
                    "in the lesson's words, without the solution's code") for _, where, line in found]


def _names_a_method(line: str) -> bool:
    return re.fullmatch(r"(return\s+)?[A-Za-z_][\w.]*\(\)", line.strip()) is not None


def _holds(text: str, code: str) -> bool:
    """Whether ``code`` is in ``text`` as a whole: not the middle of a longer name or number."""
    return re.search(r"(?<![\w.])" + re.escape(code) + r"(?![\w(])", text) is not None


def secret_lines(course: Course) -> set[str]:
    stub_lines, solution_lines = set(), set()
    for exercise in course.exercises:
        for folder, into in ((course.exercises_dir, stub_lines), (course.solutions_dir, solution_lines)):
            path = folder / exercise.file
            if path.is_file():
                text = path.read_text(encoding="utf-8")
                # Students read the whole stub, docstrings included; of a solution, its code counts.
                into.update(_code_lines(text) if into is solution_lines else
                            {line.strip() for line in text.splitlines()})
    public = set()
    for path in sorted({*ENGINE.rglob("*.py"), *course.content.rglob("*.py")}):
        if path.name != CHECKS_FILE:
            public.update(line.strip() for line in path.read_text(encoding="utf-8").splitlines())
    return {line for line in solution_lines - stub_lines - public if _says_something(line)}


def _code_lines(source: str) -> set[str]:
    """The stripped lines of code in ``source``: no comments, no docstrings."""
    docstring_lines = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstring_lines.update(range(body[0].lineno, body[0].end_lineno + 1))
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
