"""Correct: gradients from torch.autograd.grad written into .grad, param-group dicts, a lookup table."""
import torch

SETTINGS = {
    "sgd": (torch.optim.SGD, {"lr": 0.01}),
    "adam": (torch.optim.Adam, {"lr": 1e-4, "weight_decay": 1e-5}),
}


def train_step(model, loss_fn, optimizer, inputs, targets):
    params = [p for p in model.parameters() if p.requires_grad]
    for p in params:
        p.grad = None
    loss = loss_fn(model(inputs), targets)
    grads = torch.autograd.grad(loss, params)
    for p, g in zip(params, grads):
        p.grad = g
    optimizer.step()
    return loss.detach().item()


def make_optimizer(model, name):
    cls, kwargs = SETTINGS[name]
    return cls([{"params": list(model.parameters())}], **kwargs)
