# attack: at import time rewrite its own exercise_3.py (and add a helper beside it) in the copy of its submission the worker sees, hoping later checks or the original change
# holds: the copy is read-only (EROFS/EACCES), the original file under SUBMISSIONS keeps its sha256, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: edits its own submission)."""

import os

BREACH = "BRE" "ACH!"
NOTES = []
OWN = "{SUBMISSIONS}/09_write_own_submission_copy"


def _attack() -> None:
    path = os.path.join(OWN, "exercise_3.py")
    steps = {
        "append": lambda: open(path, "a").write("\n# changed\n"),
        "chmod": lambda: os.chmod(path, 0o666),
        "utime": lambda: os.utime(path, (0, 0)),
        "replace": lambda: (open(path + ".new", "w").write("x = 1\n"), os.replace(path + ".new", path)),
        "new file": lambda: open(os.path.join(OWN, "helper.py"), "w").write("x = 1\n"),
        "remove": lambda: os.remove(path),
    }
    for what, step in steps.items():
        try:
            step()
            NOTES.append(f"{BREACH} {what} worked on {path}")
        except OSError as exc:
            NOTES.append(f"{what}: {exc.strerror}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
