"""Hidden checks: which checks of a course are held back from students, and cutting them out.

A check marked ``@pytest.mark.hidden`` grades submissions but never ships: ``strip_hidden``
removes it from a checks module byte for byte, and ``hidden_check_names`` lists every one, so
that the leak scan (``grader.authoring.leaks``) can look for their names in a release.
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
    tree = ast.parse(source, filename)
    lines = source.splitlines(keepends=True)
    spans, names = [], []

    def visit(body):
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_hidden(node):
                start = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
                while start > 0 and lines[start - 1].lstrip().startswith("#"):
                    start -= 1
                end = node.end_lineno
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
            end = node.end_lineno
            while end < len(lines) and not lines[end].strip():
                end += 1
            spans.append((node.lineno - 1, end))
    for start, end in sorted(spans, reverse=True):
        del lines[start:end]
    text = "".join(lines).rstrip("\n") + "\n"
    # Anything still marked hidden is written in a way this function does not understand: refuse.
    left = [n.name for n in ast.walk(ast.parse(text))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and _is_hidden(n)]
    mentioned = [n for n in names if re.search(rf"\b{re.escape(n)}\b", text)]
    if left or mentioned or re.search(r"\bmark\s*\.\s*hidden\b|\bpytestmark\b", text):
        raise HiddenCheckError(f"{filename}: a hidden check is marked in a way the release cannot cut out "
                           "(mark each hidden check with a @pytest.mark.hidden decorator)")
    return text, tuple(names)


def _is_hidden(node) -> bool:
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        if (isinstance(target, ast.Attribute) and target.attr == "hidden") or \
                (isinstance(target, ast.Name) and target.id == "hidden"):
            return True
    return False


def check_names(source: str) -> list[str]:
    """The checks (``test_*`` functions) a checks module defines."""
    return [n.name for n in ast.walk(ast.parse(source))
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name.startswith("test")]


def hidden_check_names(course: Course) -> list[str]:
    """Every hidden check of the course, by name."""
    names = []
    for path in sorted(course.content.rglob(CHECKS_FILE)):
        names += strip_hidden(path.read_text(encoding="utf-8"), str(path))[1]
    return names
