# mistake: v = momentum * v + grad rebinds v, so the caller's buffers never change
# id: momentum.not_carried
# fails: test_momentum_carries_velocity
# feedback: velocity buffers are still all zeros
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v = momentum * v + p.grad
                p -= lr * v
