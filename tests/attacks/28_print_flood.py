# attack: print without end (stdout, stderr and fd 1/2 directly), to fill the grader's memory, its logs and the feedback
# holds: the output limit stops the worker: the feedback keeps only the start, the batch goes on, the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: floods the output)."""

import os
import sys


def sgd_update(params, lr):
    if os.getpid() != 1:
        raise NotImplementedError
    line = "flood " * 700 + "\n"
    while True:
        print(line, end="")
        sys.stderr.write(line)
        os.write(1, line.encode())
        os.write(2, line.encode())


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
