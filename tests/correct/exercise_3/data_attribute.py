"""Correct, written with .data and in-place methods instead of torch.no_grad()."""


def sgd_update(params, lr):
    for p in params:
        if p.grad is None:
            continue
        p.data.add_(p.grad, alpha=-lr)


def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        if p.grad is None:
            continue
        v.copy_(momentum * v + p.grad)
        p.data.sub_(lr * v)
