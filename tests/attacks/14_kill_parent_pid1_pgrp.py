# attack: kill its parent (the fork server), PID 1, the judge found through /proc/<ppid>/stat, and its own process group
# holds: the fork server and judge are not visible from the jail; the worst is its own worker dying: the batch goes on, honest students score 10/10, the attacker 0
"""Exercise 3: A manual SGD step (attacker: kills its parents)."""

import os
import signal


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    targets = [os.getppid(), 1]
    try:
        with open(f"/proc/{os.getppid()}/stat") as f:
            targets.append(int(f.read().rsplit(")", 1)[1].split()[1]))
    except (OSError, ValueError, IndexError):
        pass
    for pid in targets:
        if pid > 1:
            for sig in (signal.SIGTERM, signal.SIGKILL):
                try:
                    os.kill(pid, sig)
                except OSError:
                    pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(1, sig)  # the jail's PID 1 is the worker itself
        except OSError:
            pass
    os.killpg(0, signal.SIGKILL)  # its own process group: the worker dies here
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
