# mistake: steps with the right velocity but stores only the latest gradient in the buffer, so momentum remembers one step back
# id: momentum.buffer_gradient
# fails: test_momentum_carries_velocity
# feedback: only the latest gradient
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is None:
                continue
            velocity = momentum * v + p.grad
            p -= lr * velocity
            v.copy_(p.grad)
