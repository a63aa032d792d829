# attack: read the course's hidden checks (grader/lesson/exercise_3/checks.py beside the probes, found through grader.__file__) and their compiled copies, import them, and leak their source through the feedback
# holds: each checks.py and its __pycache__ are masked in the jail: nothing of the checks' source reaches the attacker's feedback, and it scores 0
"""Exercise 3: A manual SGD step (attacker: reads the hidden checks)."""

import glob
import importlib
import os

import grader

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    folder = os.path.join(os.path.dirname(grader.__file__), "lesson", "exercise_3")
    cache = os.path.join(folder, "__pycache__")
    try:
        compiled = [n for n in os.listdir(cache) if n.startswith("checks")]
        notes.append((f"{BREACH} " if compiled else "") + f"{cache} lists {compiled}")
    except OSError as exc:
        notes.append(f"{cache}: {exc.strerror}")
    for path in [os.path.join(folder, "checks.py"), "{COURSE}/grader/lesson/exercise_3/checks.py",
                 *glob.glob(os.path.join(cache, "checks*"))]:
        try:
            with open(path, "rb") as f:
                data = f.read()
            notes.append((f"{BREACH} read {path}: " + data[:2500].decode(errors="replace")) if data
                         else f"{path}: empty")
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    try:
        module = importlib.import_module("grader.lesson.exercise_3.checks")
        found = sorted(n for n in vars(module) if n.startswith("test"))
        notes.append((f"{BREACH} " if found else "") + f"imported the checks: {found}")
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
