# mistake: breaks out of the loop at the first parameter without a gradient, so the ones after it never move
# id: frozen.stops_at_first
# fails: test_sgd_skips_parameters_without_grad
# feedback: stopped at the first frozen parameter
import torch


@torch.no_grad()
def sgd_update(params, lr):
    for p in params:
        if p.grad is None:
            break
        p.sub_(lr * p.grad)


@torch.no_grad()
def sgd_momentum_update(params, velocities, lr, momentum):
    for p, v in zip(params, velocities):
        if p.grad is None:
            continue
        v.mul_(momentum).add_(p.grad)
        p.sub_(lr * v)
