# mistake: steps with the gradient plus momentum times the new velocity (Nesterov's look-ahead), not with the velocity
# id: momentum.nesterov
# fails: test_momentum_first_step, test_momentum_carries_velocity
# feedback: Nesterov
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.sub_(lr * p.grad)


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is None:
                continue
            v.mul_(momentum).add_(p.grad)
            p.sub_(lr * (p.grad + momentum * v))
