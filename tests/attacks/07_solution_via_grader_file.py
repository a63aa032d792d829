# attack: at import time find the course folder through grader.__file__ (and {COURSE}) and exec solutions/exercise_3.py or a correct variant from tests/correct
# holds: solutions/ and tests/ do not exist in the jail: the stubs stay and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: runs the reference solution)."""

import glob
import os

import grader
import torch  # noqa: F401

NOTES = []


def sgd_update(params, lr):
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError


def _steal() -> None:
    root = os.path.dirname(os.path.dirname(os.path.abspath(grader.__file__)))
    candidates = [os.path.join(root, "solutions", "exercise_3.py"), "{COURSE}/solutions/exercise_3.py",
                  *sorted(glob.glob(os.path.join(root, "tests", "correct", "exercise_3", "*.py"))),
                  *sorted(glob.glob("{COURSE}/build/lib/solutions/*.py"))]
    for path in candidates:
        try:
            with open(path) as f:
                source = f.read()
        except OSError as exc:
            NOTES.append(f"{path}: {exc.strerror}")
            continue
        exec(compile(source, path, "exec"), globals())
        NOTES.append(f"running {path}")
        return


if os.getpid() == 1:
    _steal()
