# mistake: counts the parameters first, which uses up a generator before the update loop
# id: params.generator_used_up
# fails: test_sgd_accepts_a_generator
# feedback: generator
import torch


def sgd_update(params, lr):
    count = sum(1 for _ in params)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad
    return None if count else None


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
