# mistake: does not skip parameters whose .grad is None (frozen ones)
# id: frozen.touched
# fails: test_sgd_skips_parameters_without_grad
# feedback: .grad` is None
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
