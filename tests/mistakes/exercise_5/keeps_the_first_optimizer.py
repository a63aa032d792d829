# mistake: keeps the first optimizer it is given in a module-level variable and steps that one on every later call
# id: state.kept
# fails: test_train_step_works_with_adam
# feedback: that optimizer never took a step
# feedback: kept something from an earlier call
import torch

_optimizer = None


def train_step(model, loss_fn, optimizer, inputs, targets):
    global _optimizer
    if _optimizer is None:
        _optimizer = optimizer
    _optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    _optimizer.step()
    return loss.item()


def make_optimizer(model, name):
    raise NotImplementedError
