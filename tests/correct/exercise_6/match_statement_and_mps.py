"""Correct, written differently: also considers Apple's MPS, a match statement, returns loss.tolist()."""
import torch


def pick_device():
    if torch.cuda.is_available():
        return torch.device("cuda")
    if torch.backends.mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(batch, device):
    match batch:
        case torch.Tensor():
            return batch.to(device)
        case dict():
            return {key: to_device(value, device) for key, value in batch.items()}
        case tuple():
            return tuple(to_device(item, device) for item in batch)
        case list():
            return [to_device(item, device) for item in batch]
        case _:
            return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model.to(device)
    optimizer.zero_grad(set_to_none=True)
    inputs, targets = inputs.to(device, non_blocking=True), targets.to(device, non_blocking=True)
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.tolist()
