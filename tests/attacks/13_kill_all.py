# attack: os.kill(-1, SIGKILL) (and SIGTERM, SIGSTOP): every process it may signal, hoping to take down the batch, its judges and the other students' workers
# holds: only the jail's own processes can be signalled: the batch completes, both honest students score 10/10, the attacker 0
"""Exercise 3: A manual SGD step (attacker: kills everything it can)."""

import os
import signal


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail (the worker is PID 1 of its namespace)
        raise NotImplementedError
    for sig in (signal.SIGSTOP, signal.SIGTERM, signal.SIGKILL):
        try:
            os.kill(-1, sig)
        except OSError:
            pass
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
