"""Correct: torch._foreach_* ops on lists of the parameters that have a gradient."""
import torch


def sgd_update(params, lr):
    live = [p for p in params if p.grad is not None]
    if live:
        with torch.no_grad():
            torch._foreach_add_(live, [p.grad for p in live], alpha=-lr)


def sgd_momentum_update(params, velocities, lr, momentum):
    pairs = [(p, v) for p, v in zip(params, velocities) if p.grad is not None]
    if not pairs:
        return
    ps, vs = [p for p, _ in pairs], [v for _, v in pairs]
    with torch.no_grad():
        torch._foreach_mul_(vs, momentum)
        torch._foreach_add_(vs, [p.grad for p in ps])
        torch._foreach_add_(ps, vs, alpha=-lr)
