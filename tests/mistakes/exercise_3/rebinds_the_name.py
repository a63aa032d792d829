# mistake: p = p - lr * p.grad builds a new tensor; the model's parameters never change
# id: update.rebinds
# fails: test_sgd_step_matches_torch
# feedback: did not change
# feedback: in place
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p = p - lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
