# mistake: caches one optimizer per name at module level, so a second model gets the first model's optimizer
# id: state.kept
# fails: test_make_optimizer_builds_the_named_optimizer
# feedback: returned the very optimizer the first call built
# feedback: module level
import torch

_built = {}


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    if name not in _built:
        cls, lr = {"sgd": (torch.optim.SGD, 0.1), "adam": (torch.optim.Adam, 1e-3)}[name]
        _built[name] = cls(model.parameters(), lr=lr)
    return _built[name]
