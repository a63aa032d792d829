# mistake: an object at module level keeps the learning rate of the first call and uses it for every later one
# id: state.kept
# fails: test_called_again_on_another_model
# feedback: kept and reused
import torch


class _Settings:
    lr = None


def sgd_update(params, lr):
    if _Settings.lr is None:
        _Settings.lr = lr
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= _Settings.lr * p.grad


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.mul_(momentum).add_(p.grad)
                p -= lr * v
