# mistake: the step goes uphill (adds the gradient instead of subtracting it)
# id: sgd.ascent
# fails: test_sgd_step_matches_torch
# feedback: gradient ascent
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p += lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
