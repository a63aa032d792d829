# mistake: leaves out the learning rate, so SGD gets PyTorch's default of 0.001
# id: sgd.adam_lr
# fails: test_sgd_optimizer_trains
# feedback: too slow
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    if name == "sgd":
        return torch.optim.SGD(model.parameters())
    return torch.optim.Adam(model.parameters())
