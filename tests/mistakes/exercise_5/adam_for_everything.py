# mistake: ignores the name and always builds Adam
# id: optimizer.wrong_kind
# fails: test_make_optimizer_builds_the_named_optimizer
# feedback: 'sgd' asks for torch.optim.SGD
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    return torch.optim.Adam(model.parameters(), lr=1e-3)
