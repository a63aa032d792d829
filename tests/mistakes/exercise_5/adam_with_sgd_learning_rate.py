# mistake: gives Adam the learning rate that suits SGD
# id: adam.sgd_lr
# fails: test_adam_optimizer_trains, test_optimizers_train_another_task
# feedback: Don't copy SGD's learning rate into Adam
# feedback: blew up
import torch

LEARNING_RATE = 0.1


def train_step(model, loss_fn, optimizer, inputs, targets):
    raise NotImplementedError


def make_optimizer(model, name):
    if name == "sgd":
        return torch.optim.SGD(model.parameters(), lr=LEARNING_RATE)
    return torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
