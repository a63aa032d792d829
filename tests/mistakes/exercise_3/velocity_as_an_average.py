# mistake: keeps the velocity as a running average, weighting the new gradient by (1 - momentum) as Adam's m does
# id: momentum.dampened
# fails: test_momentum_first_step, test_momentum_carries_velocity
# feedback: weighted by (1 − momentum)
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.sub_(lr * p.grad)


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.lerp_(p.grad, 1 - momentum)
                p.sub_(lr * v)
