"""A package's source read as a tree: its modules and what each imports (parsed, never run).

Used by the structural tests (``test_structure``) and by the release test, which checks that
what a student release ships imports only what it ships.
"""

from __future__ import annotations

import ast
from pathlib import Path


def modules(package: Path) -> dict[str, Path]:
    """Every module under the package folder ``package``, by dotted name (``grader.isolation.jail``)."""
    root = package.parent
    found = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        parts = path.relative_to(root).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def owner(name: str, known) -> str | None:
    """The module of ``known`` that importing ``name`` runs: ``name`` itself, or the nearest parent
    that is one (``grader.isolation.protocol.FRAME`` -> ``grader.isolation.protocol``)."""
    while name:
        if name in known:
            return name
        name = name.rpartition(".")[0]
    return None


def imports(path: Path, module: str) -> set[tuple[str, int]]:
    """(imported name, line) for every import in the file ``path`` of ``module``, at any depth
    (function-level ones included) but not under ``if TYPE_CHECKING:`` (those never run):
    absolute dotted names, relative imports resolved, ``from a import b`` read both as ``a`` and
    as ``a.b`` (a module, or a name in ``a``: ``owner`` tells which)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in _import_nodes(tree):
        if isinstance(node, ast.Import):
            found |= {(alias.name, node.lineno) for alias in node.names}
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join(anchor + ([base] if base else []))
        found.add((base, node.lineno))
        found |= {(f"{base}.{alias.name}", node.lineno) for alias in node.names if alias.name != "*"}
    return found


def _import_nodes(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _import_nodes(ast.Module(body=[child], type_ignores=[]))
        else:
            yield from _import_nodes(node)


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
