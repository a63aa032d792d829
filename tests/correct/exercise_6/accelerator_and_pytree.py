"""Correct, written differently: torch.accelerator, a generic tree walk, p.data moves, float(loss)."""
from collections.abc import Mapping

import torch


def pick_device():
    if torch.accelerator.is_available():
        return torch.accelerator.current_accelerator()
    return torch.device("cpu")


def to_device(batch, device):
    if torch.is_tensor(batch):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, Mapping):
        return type(batch)((k, to_device(v, device)) for k, v in batch.items())
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(x, device) for x in batch)
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    for p in model.parameters():
        p.data = p.data.to(device)
        p.grad = None  # the old gradients are stale, and on the old device
    inputs = to_device(inputs, device)
    targets = to_device(targets, device)
    outputs = model.forward(inputs)
    loss = loss_fn(input=outputs, target=targets)
    loss.backward()
    optimizer.step()
    print(f"loss {loss:.4f}")
    return float(loss.detach())
