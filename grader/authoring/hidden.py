"""Hidden checks: which checks of a course are held back from students, and cutting them out.

A check marked ``@pytest.mark.hidden`` grades submissions but never ships: ``strip_hidden``
removes it from a checks module byte for byte, and ``hidden_check_names`` lists every one, so
that the leak scan (``grader.authoring.leaks``) can look for their names in a release.

A known-wrong implementation marked ``@simulator(…)`` (``grader.grading.simulations``) never ships
either: it is one argument away from the answer. ``strip_simulators`` cuts those out the same way;
the release stores what they give on the public scenarios instead.
"""

from __future__ import annotations

import ast
import re

from grader.course import CHECKS_FILE, Course
from grader.errors import GraderProblem


class HiddenCheckError(GraderProblem):
    """A hidden check is marked in a way that cannot be cut out of its module."""


def strip_hidden(source: str, filename: str = "<checks>") -> tuple[str, tuple[str, ...]]:
    """``source`` without the checks marked ``@pytest.mark.hidden``; (new source, removed names).

    Each hidden function goes with its decorators, the comment lines right above
    it and the blank lines after it; every other byte stays as it was.
    """
    text, names = _cut(source, filename, _is_hidden)
    # Anything still marked hidden is written in a way this function does not understand: refuse.
    left = [n.name for n in ast.walk(ast.parse(text))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_hidden(n)]
    mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)]
    if left or mentioned or re.search(r"\bmark\s*\.\s*hidden\b|\bpytestmark\b", text):
        raise HiddenCheckError(f"{filename}: a hidden check is marked in a way the release cannot cut out "
                           "(mark each hidden check with a @pytest.mark.hidden decorator)")
    return text, names


def strip_simulators(source: str, filename: str = "<checks>") -> tuple[str, tuple[str, ...]]:
    """``source`` without the known-wrong implementations marked ``@simulator(…)``; (new source, their
    names). Checks name them in strings (``mistaken("name")``), never in code that ships."""
    text, names = _cut(source, filename, _is_simulator)
    tree = ast.parse(text)
    left = [n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and _is_simulator(n)]
    used = sorted({n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id in names}
                  | {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr in names})
    if left or used:
        raise HiddenCheckError(f"{filename}: a known-wrong implementation is used in a way the release cannot cut "
                               f"out ({', '.join(left + used)}): mark it with a @simulator decorator at module "
                               "level and name it in checks only as mistaken(\"name\")")
    return text, names


def _cut(source: str, filename: str, marked) -> tuple[str, tuple[str, ...]]:
    """``source`` without the functions and classes that ``marked(node)`` picks, with their decorators,
    the comment lines right above and the blank lines after, and the module-level statements that
    name them; (new source, their names)."""
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    spans, names = [], []

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and marked(node):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
                while start > 0 and lines[start - 1].lstrip().startswith("#"):
                    start -= 1
                end = node.end_lineno or node.lineno  # always set on a parsed tree
                while end < len(lines) and not lines[end].strip():
                    end += 1
                spans.append((start, end))
                # The check's own name (and a hidden class's test methods): its helpers inside may
                # share names with public code, and go with it anyway.
                names.append(node.name)
                if isinstance(node, ast.ClassDef):
                    names.extend(n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))
                                 and n.name.startswith("test"))
            elif isinstance(node, ast.ClassDef):
                visit(node.body)

    visit(tree.body)
    # Module-level statements about a hidden check (``test_x.student_runs = 2``) go with it.
    for node in tree.body:
        if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr)) and any(
                isinstance(n, ast.Name) and n.id in names for n in ast.walk(node)):
            end = node.end_lineno or node.lineno  # always set on a parsed tree
            while end < len(lines) and not lines[end].strip():
                end += 1
            spans.append((node.lineno - 1, end))
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    return "".join(lines).rstrip("\n") + "\n", tuple(names)


def _is_hidden(node) -> bool:
    return _decorated(node, "hidden")


def _is_simulator(node) -> bool:
    return _decorated(node, "simulator")


def _decorated(node, name: str) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(target, ast.Attribute) and target.attr == name) or \
                (isinstance(target, ast.Name) and target.id == name):
            return True
    return False


def check_names(source: str) -> list[str]:
    """The checks (``test_*`` functions) a checks module defines."""
    return [n.name for n in ast.walk(ast.parse(source))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]


def hidden_check_names(course: Course) -> list[str]:
    """Every hidden check of the course, by name."""
    names: list[str] = []
    for path in sorted(course.content.rglob(CHECKS_FILE)):
        names += strip_hidden(path.read_text(encoding="utf-8"), str(path))[1]
    return names
