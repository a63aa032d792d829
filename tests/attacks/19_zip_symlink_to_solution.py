# attack: hand in a zip (built by the test) whose members include symlinks to {COURSE}/solutions/exercise_3.py and {COURSE}/solutions, imported at load time in place of the stubs
# holds: links in a zip are never created or followed: the stubs stay, the attacker scores 0, and nothing outside RESULTS is written
"""Exercise 3: A manual SGD step (attacker: a zip with links to the solution)."""

import torch  # noqa: F401


def sgd_update(params, lr):
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError


try:
    from solution_link import sgd_momentum_update, sgd_update  # noqa: F811 - the symlink member
except ImportError:
    try:
        from solutions_dir.exercise_3 import sgd_momentum_update, sgd_update  # noqa: F811
    except ImportError:
        pass
