"""Correct: model.zero_grad(), float(loss), SGD with momentum, Adam at 3e-3."""
import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    model.zero_grad()
    predictions = model(inputs)
    loss = loss_fn(predictions, targets)
    loss.backward()
    optimizer.step()
    return float(loss)


def make_optimizer(model, name):
    if name == "adam":
        return torch.optim.Adam(model.parameters(), lr=3e-3)
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
