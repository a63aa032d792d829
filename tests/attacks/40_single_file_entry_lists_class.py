# attack: hand in a single .py file (its folder is SUBMISSIONS itself, where the judge works) and, at import time, list that folder and exec the first classmate's solution found there
# holds: a single-file entry is shown alone: the worker sees no other entry, the stubs stay, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: a single-file entry)."""

import glob
import os

import torch  # noqa: F401

NOTES = []


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError


def _copy() -> None:
    here = os.path.dirname(os.path.abspath(__file__)) if os.path.isabs(__file__) else os.getcwd()
    for folder in (here, "{SUBMISSIONS}"):
        try:
            NOTES.append(f"{folder} lists {sorted(os.listdir(folder))[:12]}")
        except OSError as exc:
            NOTES.append(f"{folder}: {exc.strerror}")
    for path in sorted(glob.glob("{SUBMISSIONS}/**/*.py", recursive=True)):
        try:
            with open(path) as f:
                source = f.read()
        except OSError:
            continue
        if "raise NotImplementedError" not in source:
            exec(compile(source, path, "exec"), globals())
            NOTES.append(f"running {path}")
            return


if os.getpid() == 1:
    _copy()
