# attack: at import time write into {CANARY} (a world-writable folder of the test's), into a peer's folder ({PEER}) and into SUBMISSIONS itself (a new student entry)
# holds: none of these paths exist in the jail: CANARY stays empty and SUBMISSIONS holds exactly the files it held, each with its sha256
"""Exercise 3: A manual SGD step (attacker: writes outside its folder)."""

import os

BREACH = "BRE" "ACH!"
NOTES = []
PLANT = "def sgd_update(params, lr):\n    raise NotImplementedError\n"


def _attack() -> None:
    targets = ["{CANARY}/from_attacker.txt", "{CANARY}/sub/from_attacker.txt", "{PEER}/planted.py",
               "{SUBMISSIONS}/planted_entry.py", "{SUBMISSIONS}/honest_b/helper.py"]
    for path in targets:
        try:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w") as f:
                f.write(PLANT)
            NOTES.append(f"{BREACH} wrote {path}")
        except OSError as exc:
            NOTES.append(f"{path}: {exc.strerror}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
