"""Correct: a pure update rule copied into each parameter, and momentum kept as v = m·v + lr·g, p -= v."""
import torch


def _descent(lr):
    return lambda p, g: p - lr * g


def sgd_update(params, lr):
    rule = _descent(lr)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.copy_(rule(p, p.grad))


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.mul_(momentum).add_(p.grad, alpha=lr)
                p.sub_(v)
