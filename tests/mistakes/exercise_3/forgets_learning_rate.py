# mistake: steps by the raw gradient, never scaling it by the learning rate
# id: lr.missing
# fails: test_sgd_step_matches_torch
# feedback: without multiplying by the learning rate
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
