# attack: leave files in /dev/shm (a plain file, a POSIX semaphore name, a multiprocessing shared-memory block) and in /tmp for the next student, and look for what a predecessor left there
# holds: /dev/shm and /tmp are the worker's own and vanish with it: no attacker finds a predecessor's files, and the next students are graded as alone
"""Exercise 3: A manual SGD step (attacker: leaves files for the next student)."""

import glob
import os
from multiprocessing import shared_memory

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    found = glob.glob("/dev/shm/*left-by*") + glob.glob("/tmp/*left-by*")
    if found:
        notes.append(f"{BREACH} found a predecessor's files: {found}")
    for path in ("/dev/shm/left-by-29", "/dev/shm/sem.left-by-29", "/tmp/left-by-29"):
        try:
            with open(path, "w") as f:
                f.write("import os\nos._exit(0)\n")
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    try:
        block = shared_memory.SharedMemory(name="left-by-29-block", create=True, size=1 << 20)
        block.buf[:5] = b"hello"
        notes.append(f"shared memory {block.name}")
    except OSError as exc:
        notes.append(f"shared memory: {exc.strerror}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
