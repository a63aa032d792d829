# mistake: gives SGD Adam's usual learning rate, 0.001: tiny steps
# id: sgd.adam_lr
# fails: test_sgd_optimizer_trains, test_optimizers_train_another_task
# feedback: too slow
# feedback: it would take forever
# feedback: usual learning rate for Adam, not for SGD
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    lr = 1e-3
    optimizers = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    return optimizers[name](model.parameters(), lr=lr)
