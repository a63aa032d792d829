# attack: a student's exercise_3.py built from a student release alone: it pastes the checks' momentum simulator (`_momentum_made_with`, the arithmetic the checks use to recognise a mistake) from the release's grader/lesson/exercise_3/checks.py and calls it with no mistake named (and with "no_momentum" for plain SGD), so that the grader's own code takes both steps
# holds: a release ships no code that computes an answer: the simulators stay with the instructor and only their outcomes on the public scenarios ship, as data; the copier scores 0
"""Exercise 3: A manual SGD step (attacker: copies the release's momentum simulator)."""

import torch

# paste: grader/lesson/exercise_3/checks.py _momentum_made_with


def _simulator():
    found = globals().get("_momentum_made_with")
    if found is None:
        raise NotImplementedError("the release ships no momentum simulator to copy")
    return found


def _names(params):
    return [str(i) for i in range(len(params))]


def sgd_update(params, lr):
    """Plain SGD is the simulator's "no_momentum" mistake."""
    params = list(params)
    names = _names(params)
    run = {"before": {n: p.detach().clone() for n, p in zip(names, params)},
           "grads": [{n: None if p.grad is None else p.grad.detach().clone() for n, p in zip(names, params)}]}
    afters, _ = _simulator()("no_momentum", run, lr, 0.0)
    with torch.no_grad():
        for n, p in zip(names, params):
            p.copy_(afters[0][n])


def sgd_momentum_update(params, velocities, lr, momentum):
    """The simulator starts from zero buffers: feed it the caller's buffer as a first gradient, from
    parameters set back by that step, then this step's gradient."""
    params = list(params)
    names = _names(params)
    before, first, now = {}, {}, {}
    for n, p, v in zip(names, params, velocities):
        g = p.grad
        before[n] = (p + lr * v).detach().clone() if g is not None else p.detach().clone()
        first[n] = None if g is None else v.detach().clone()
        now[n] = None if g is None else g.detach().clone()
    afters, kept = _simulator()("", {"before": before, "grads": [first, now]}, lr, momentum)
    with torch.no_grad():
        for n, p, v in zip(names, params, velocities):
            if p.grad is not None:
                p.copy_(afters[1][n])
                v.copy_(kept[1][n])
