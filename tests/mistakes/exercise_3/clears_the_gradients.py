# mistake: zeroes .grad inside the update (that is zero_grad's job, not the step's)
# id: step.clears_grads
# fails: test_sgd_leaves_autograd_and_grads_alone
# feedback: zero_grad's job
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad
                p.grad.zero_()


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
