# attack: an endless loop in sgd_update, hoping every check waits out its full time limit and the batch crawls
# holds: the first check of sgd_update is stopped at the time limit and later ones do not run it again: the exercise costs about one time limit, not one per check
"""Exercise 3: A manual SGD step (attacker: never returns)."""

import os


def sgd_update(params, lr):
    if os.getpid() != 1:
        raise NotImplementedError
    while True:
        pass


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
