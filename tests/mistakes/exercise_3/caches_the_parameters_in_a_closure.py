# mistake: a closure caches the list of parameters on the first call (to "save" the generator), so later calls on another model update the first model again
# id: state.kept
# fails: test_called_again_on_another_model
# feedback: kept and reused
# feedback: another model
import torch


def _make_update():
    cached = []

    def update(params, lr):
        if not cached:
            cached.extend(params)
        with torch.no_grad():
            for p in cached:
                if p.grad is not None:
                    p.sub_(lr * p.grad)

    return update


sgd_update = _make_update()


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.mul_(momentum).add_(p.grad)
                p.sub_(lr * v)
