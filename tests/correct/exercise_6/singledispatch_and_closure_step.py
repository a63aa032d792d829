"""Correct, written differently: functools.singledispatch for to_device, optimizer.step(closure), torch.device(type=...)."""
import functools

import torch


def pick_device():
    return torch.device(type="cuda" if torch.cuda.is_available() else "cpu")


@functools.singledispatch
def to_device(batch, device):
    return batch                                   # numbers, strings, None


@to_device.register
def _(batch: torch.Tensor, device):
    return batch.to(device)


@to_device.register
def _(batch: dict, device):
    return {k: to_device(v, device) for k, v in batch.items()}


@to_device.register(list)
@to_device.register(tuple)
def _(batch, device):
    return type(batch)(to_device(item, device) for item in batch)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model.to(device)
    x, y = to_device((inputs, targets), device)

    def closure():
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        return loss

    return optimizer.step(closure).item()
