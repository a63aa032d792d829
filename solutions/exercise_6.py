"""Exercise 6: Device transfer (reference solution)."""

import torch


def pick_device():
    """Return the device to train on: the GPU when there is one, else the CPU."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    """Return `batch` with every tensor in it moved to `device`."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device)  # a new tensor: the caller's stays where it was
    if isinstance(batch, dict):
        return {key: to_device(value, device) for key, value in batch.items()}
    if isinstance(batch, tuple):
        return tuple(to_device(item, device) for item in batch)
    if isinstance(batch, list):
        return [to_device(item, device) for item in batch]
    return batch  # numbers, strings, None: nothing to move


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    """Take one training step with the model and the data on `device`; return the loss."""
    model.to(device)  # moves the parameters themselves, so the optimizer still holds them
    inputs, targets = inputs.to(device), targets.to(device)
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
