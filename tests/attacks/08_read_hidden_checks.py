# attack: list and read the grader's hidden checks (grader/checks, found through grader.__file__), import them, and leak their source through the feedback
# holds: grader/checks is masked in the jail: nothing of the checks' source reaches the attacker's feedback, and it scores 0
"""Exercise 3: A manual SGD step (attacker: reads the hidden checks)."""

import glob
import importlib
import os

import grader

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    checks = os.path.join(os.path.dirname(grader.__file__), "checks")
    for folder in (checks, os.path.join(checks, "__pycache__"), "{COURSE}/grader/checks"):
        try:
            notes.append(f"{BREACH} {folder} lists {sorted(os.listdir(folder))}")
        except OSError as exc:
            notes.append(f"{folder}: {exc.strerror}")
    for path in [os.path.join(checks, "test_exercise_3.py"), *glob.glob(os.path.join(checks, "__pycache__", "*"))]:
        try:
            with open(path, "rb") as f:
                notes.append(f"{BREACH} read {path}: " + f.read()[:2500].decode(errors="replace"))
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    try:
        module = importlib.import_module("grader.checks.test_exercise_3")
        notes.append(f"{BREACH} imported the checks: {sorted(vars(module))}")
    except Exception as exc:  # noqa: BLE001
        notes.append(f"import: {type(exc).__name__}: {exc}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
