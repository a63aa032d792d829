# mistake: builds both optimizers from one model.parameters() generator; the second finds it used up
# id: code.raises
# fails: test_make_optimizer_builds_the_named_optimizer, test_adam_optimizer_trains
# feedback: empty parameter list
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    params = model.parameters()
    optimizers = {
        "sgd": torch.optim.SGD(params, lr=0.05, momentum=0.9),
        "adam": torch.optim.Adam(params, lr=0.001),
    }
    return optimizers[name]
