# attack: at import time read a classmate's exercise_3.py from SUBMISSIONS ({PEER} first, then any other entry) and exec it in place of the stubs
# holds: the worker sees only its own entry: no peer file is readable, the stubs stay, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: copies a classmate)."""

import glob
import os

import torch  # noqa: F401

NOTES = []


def sgd_update(params, lr):
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError


def _copy() -> None:
    candidates = ["{PEER}/exercise_3.py", *sorted(glob.glob("{SUBMISSIONS}/*/exercise_3.py")),
                  *sorted(glob.glob("{SUBMISSIONS}/*/*/exercise_3.py")), *sorted(glob.glob("{SUBMISSIONS}/*.py"))]
    NOTES.append(f"{len(candidates)} candidates")
    for path in candidates:
        try:
            with open(path) as f:
                source = f.read()
        except OSError as exc:
            NOTES.append(f"{path}: {exc.strerror}")
            continue
        if "raise NotImplementedError" in source:
            continue  # a stub (this file's own copy among them)
        exec(compile(source, path, "exec"), globals())
        NOTES.append(f"running {path}")
        return


if os.getpid() == 1:
    _copy()
