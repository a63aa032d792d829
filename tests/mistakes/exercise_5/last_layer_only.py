# mistake: gives the optimizer only the last layer's parameters (weight and bias)
# id: optimizer.params_missing
# fails: test_make_optimizer_builds_the_named_optimizer, test_adam_optimizer_trains
# feedback: are not in it
# feedback: model.parameters()
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    last_layer = list(model.parameters())[-2:]
    if name == "sgd":
        return torch.optim.SGD(last_layer, lr=0.1)
    return torch.optim.Adam(last_layer, lr=1e-3)
