"""Exercise 3: A manual SGD step (reference solution)."""

import torch


def sgd_update(params, lr):
    """Take one step of gradient descent on `params`, in place."""
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    """One step of SGD with momentum; `velocities` holds one buffer per parameter."""
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is None:
                continue
            v.mul_(momentum).add_(p.grad)
            p -= lr * v
