"""Correct: @torch.no_grad(), a filtered list, and momentum kept as v = m·v − lr·g, p += v."""
import torch


@torch.no_grad()
def sgd_update(params, lr):
    with_grad = [p for p in params if p.grad is not None]
    for p in with_grad:
        p.sub_(lr * p.grad)


@torch.no_grad()
def sgd_momentum_update(params, velocities, lr, momentum):
    for i, p in enumerate(params):
        if p.grad is None:
            continue
        velocities[i].mul_(momentum).sub_(lr * p.grad)
        p.add_(velocities[i])
