"""What an exercise still lacks, in the words ``grade validate`` reports it to its author.

``grade new`` leaves ``TODO`` wherever the author has to write something and a
solution that raises NotImplementedError; an exercise may also list a function
that no probe calls, or checks that do not add up to its points. Each function
here returns (subject, message) pairs, the message empty where nothing is missing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.course import CHECKS_FILE, PROBES_FILE, Course, Exercise

TODO = "TODO"  # what ``grade new`` leaves where the author has to write something


def todos(course: Course, exercise: Exercise) -> list[tuple[str, str]]:
    """The ``TODO``s left in the task (the stub's docstrings), the solution, the probes and checks."""
    stub = course.exercises_dir / exercise.file
    folder = course.content_dir(exercise)
    out = []
    for path in (stub, course.solution_file(exercise), folder / PROBES_FILE, folder / CHECKS_FILE):
        try:
            text = path.read_text(encoding="utf-8")
        except (FileNotFoundError, UnicodeDecodeError):
            continue  # the contract and the checks say what is missing
        lines = [n for n, line in enumerate(text.splitlines(), 1) if TODO in line]
        if path == stub:
            lines = [n for n in lines if n in _docstring_lines(text)]  # a stub may leave TODOs to students
        if lines:
            line = text.splitlines()[lines[0] - 1]
            first = line[line.index(TODO):].strip().strip('"').strip()
            where = f"line{'s' * (len(lines) > 1)} {', '.join(map(str, lines[:6]))}{' …' * (len(lines) > 6)}"
            out.append((shown(course, path), f"still says {TODO} ({where}), first: {first}"))
    return out


def unprobed(course: Course, exercise: Exercise) -> list[tuple[str, str]]:
    """Each function course.toml lists, and whether some probe calls it (so some check can grade it)."""
    import importlib

    from grader.grading import content
    from grader.grading.probes import Probe

    path = course.content_dir(exercise) / PROBES_FILE
    if not path.is_file():
        return [(shown(course, path), "does not exist: the checks need probes that call the student's functions")]
    try:
        content.importable(course)  # from this course's folder, wherever the grader is installed from
        module = importlib.import_module(course.probes_module(exercise))
    except Exception as exc:  # noqa: BLE001 - the author's code: say what broke, no traceback of ours
        return [(shown(course, path), f"cannot be imported: {type(exc).__name__}: {exc}")]
    called = {v.calls for v in vars(module).values() if isinstance(v, Probe)}
    return [(name, "" if name in called else
             f"no probe calls `{name}` yet, so no check grades it: add a probe (@probe(calls=\"{name}\")) "
             f"to {shown(course, path)} and a check that uses it")
            for name in exercise.functions]


def stubbed(path: Path) -> list[str]:
    """The functions of the file at ``path`` whose own body still raises NotImplementedError."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, UnicodeDecodeError, FileNotFoundError):
        return []
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _raises_not_implemented(node)]


def points_differ(exercise: Exercise, worth: float) -> str:
    """What to do when the checks are worth ``worth`` points and course.toml says otherwise."""
    more = exercise.points - worth
    advice = (f"add checks worth {more:g} more point{'s' * (more != 1)}" if more > 0 else
              f"take {-more:g} point{'s' * (-more != 1)} off the checks")
    return (f"the checks are worth {worth:g} point{'s' * (worth != 1)}; course.toml says {exercise.points:g}: "
            f"{advice}, or change `points` of {exercise.id} in course.toml")


def shown(course: Course, path: Path) -> str:
    return path.relative_to(course.root).as_posix() if path.is_relative_to(course.root) else str(path)


def _raises_not_implemented(function) -> bool:
    for node in function.body:
        if isinstance(node, ast.Raise) and node.exc is not None:
            exc = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(exc, ast.Name) and exc.id == "NotImplementedError":
                return True
    return False


def _docstring_lines(text: str) -> set[int]:
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return set()
    lines: set[int] = set()
    for node in (tree, *ast.walk(tree)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            lines.update(range(body[0].lineno, (body[0].end_lineno or body[0].lineno) + 1))
    return lines
