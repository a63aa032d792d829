# attack: fill /tmp, the working folder, $HOME and /dev/shm with files until the writes fail, to run the machine's disk (or memory) out
# holds: each write stops at the jail's caps with ENOSPC or EFBIG (64 MB /tmp, 16 MB /dev/shm, never more), and the batch and the honest students are untouched
"""Exercise 3: A manual SGD step (attacker: fills the disk)."""

import os

BREACH = "BRE" "ACH!"
CHUNK = b"\xa5" * (1 << 20)
CAP = 256  # MB: far past what the jail allows


def _fill(folder: str) -> tuple[int, str]:
    written, n = 0, 0
    try:
        while written < CAP:
            with open(os.path.join(folder, f"fill-{n}"), "wb") as f:
                for _ in range(100):
                    f.write(CHUNK)
                    f.flush()
                    written += 1
            n += 1
    except OSError as exc:
        return written, exc.strerror or str(exc)
    return written, "no error"


def _attack() -> list[str]:
    notes = []
    for folder, limit in ((os.getcwd(), 64), ("/tmp", 64), (os.path.expanduser("~"), 64), ("/dev/shm", 16)):
        written, error = _fill(folder)
        breach = f"{BREACH} " if written > limit + 1 else ""
        notes.append(f"{breach}{folder}: {written} MB, then {error}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
