# mistake: drops the frozen parameters with filter() before zipping with the buffers, so a later parameter gets another one's buffer
# id: frozen.pairing_shifted
# fails: test_called_again_on_another_model
# feedback: belongs to the parameter at the same position
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in filter(lambda p: p.grad is not None, params):
            p.sub_(lr * p.grad)


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(filter(lambda p: p.grad is not None, params), velocities):
            v.mul_(momentum).add_(p.grad)
            p.sub_(lr * v)
