# mistake: returns the optimizer class itself instead of an optimizer built from it
# id: optimizer.class_returned
# fails: test_make_optimizer_builds_the_named_optimizer, test_sgd_optimizer_trains, test_adam_optimizer_trains
# feedback: returned the class
# feedback: Call the class
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    choices = {"sgd": torch.optim.SGD, "adam": torch.optim.Adam}
    return choices[name]
