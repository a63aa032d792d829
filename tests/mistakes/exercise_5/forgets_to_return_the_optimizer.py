# mistake: builds the optimizer but never returns it
# id: return.missing
# fails: test_make_optimizer_builds_the_named_optimizer, test_sgd_optimizer_trains, test_adam_optimizer_trains
# feedback: returned None
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    if name == "sgd":
        optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    else:
        optimizer = torch.optim.Adam(model.parameters(), lr=0.001)
