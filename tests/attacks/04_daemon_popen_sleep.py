# attack: at import time start `sleep 300.{TAG}` in a new session (subprocess.Popen(..., start_new_session=True)), hoping it outlives grading
# holds: every such sleep dies with the worker: no process whose command line holds {TAG} is alive after the batch
"""Exercise 3: A manual SGD step (attacker: leaves a sleeping process)."""

import os
import signal
import subprocess

if os.getpid() == 1:
    subprocess.Popen(["sleep", "300.{TAG}"], start_new_session=True, stdin=subprocess.DEVNULL,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     preexec_fn=lambda: signal.signal(signal.SIGHUP, signal.SIG_IGN))


def sgd_update(params, lr):
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
