"""Correct: torch's pytree tree_map over the parameters, and momentum written with torch.add(..., out=v) in a map."""
import torch
from torch.utils._pytree import tree_map


def sgd_update(params, lr):
    def step(p):
        if p.grad is not None:
            p.sub_(p.grad, alpha=lr)
        return p

    with torch.no_grad():
        tree_map(step, list(params))


def sgd_momentum_update(params, velocities, lr, momentum):
    def step(pair):
        p, v = pair
        if p.grad is not None:
            torch.add(p.grad, v, alpha=momentum, out=v)
            p.sub_(v, alpha=lr)

    with torch.no_grad():
        list(map(step, zip(params, velocities)))
