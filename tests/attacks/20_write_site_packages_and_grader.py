# attack: at import time write into site-packages (a .pth, a module, torch/__init__.py rewritten in place) and into the grader package (grader/__init__.py, a new module), to change how every later student is graded
# holds: Python, site-packages and the grader are read-only binds: torch's and the grader's files keep their sha256 and no new file appears there
"""Exercise 3: A manual SGD step (attacker: patches the installed packages)."""

import os
import sysconfig

import grader
import torch

BREACH = "BRE" "ACH!"
NOTES = []


def _attack() -> None:
    site = sysconfig.get_paths()["purelib"]
    news = [os.path.join(site, "zz_attack_{TAG}.pth"), os.path.join(site, "attack_{TAG}.py"),
            os.path.join(os.path.dirname(torch.__file__), "attack_{TAG}.py"),
            os.path.join(os.path.dirname(grader.__file__), "attack_{TAG}.py")]
    for path in news:
        try:
            with open(path, "x") as f:
                f.write("import os\n")
            NOTES.append(f"{BREACH} created {path}")
        except OSError as exc:
            NOTES.append(f"{path}: {exc.strerror}")
    for path in (torch.__file__, grader.__file__):
        try:
            with open(path, "r+b") as f:  # the same bytes back: proves write access without changing a byte
                head = f.read(64)
                f.seek(0)
                f.write(head)
            NOTES.append(f"{BREACH} opened {path} for writing")
        except OSError as exc:
            NOTES.append(f"{path}: {exc.strerror}")
        try:
            os.utime(path)
            NOTES.append(f"{BREACH} touched {path}")
        except OSError as exc:
            NOTES.append(f"utime {path}: {exc.strerror}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
