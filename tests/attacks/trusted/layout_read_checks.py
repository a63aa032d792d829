# attack: read every checks.py (and its compiled copy) the jail shows, wherever the grader is installed: beside grader.__file__, on every sys.path entry (site-packages, a --target folder, another checkout), through importlib's specs and by importing the checks, and leak them through the feedback
# holds: the checks are masked where the lesson content is actually imported from, whatever the layout: nothing of them reaches the feedback, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: reads the checks wherever the grader is installed)."""

import glob
import importlib
import importlib.util
import os
import re
import sys

import grader

BREACH = "BRE" "ACH!"
HIDDEN = re.compile(rb"@pytest\.mark\.hidden\s*\n(?:\s*@[^\n]*\n)*\s*def (test\w+)")


def _places() -> set[str]:
    """Every checks module or compiled copy that a path on sys.path, the grader package or an
    importlib spec leads to."""
    roots = {os.path.dirname(grader.__file__), *[p for p in sys.path if p and os.path.isdir(p)]}
    found = set()
    for root in roots:
        for depth in range(4):
            stars = "/*" * depth
            found.update(glob.glob(f"{root}{stars}/checks.py"))
            found.update(glob.glob(f"{root}{stars}/__pycache__/checks.*pyc"))
    package = os.path.basename(os.path.dirname(grader.__file__))
    for name in [n for n in list(sys.modules) if n.endswith(".probes")] + \
            [f"{package}.lesson.exercise_{i}.probes" for i in range(1, 10)]:
        try:
            spec = importlib.util.find_spec(name.rsplit(".", 1)[0] + ".checks")
        except Exception:  # noqa: BLE001
            continue
        if spec is not None:
            found.update(p for p in (spec.origin, spec.cached) if p)
    return found


def _read(path: str) -> str | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    if not data:
        return None
    names = sorted(set(m.decode() for m in HIDDEN.findall(data)))
    return f"{BREACH} read {path} ({len(data)} bytes; hidden checks: {', '.join(names) or '-'})"


def _attack() -> list[str]:
    notes = [f"grader at {grader.__file__}"]
    places = sorted(_places())
    reads = [r for r in map(_read, places) if r]
    notes += reads
    try:
        module = importlib.import_module("grader.lesson.exercise_3.checks")
        tests = sorted(n for n in vars(module) if n.startswith("test"))
        if tests:
            notes.append(f"{BREACH} imported {module.__file__}: {len(tests)} checks")
    except Exception as exc:  # noqa: BLE001
        notes.append(f"import: {type(exc).__name__}")
    notes.append(f"looked at {len(places)} checks files, read {len(reads)}")
    return notes


def sgd_update(params, lr):
    if not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
