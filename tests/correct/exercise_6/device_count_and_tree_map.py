"""Correct, written differently: device_count, torch's own tree_map, model.zero_grad, loss.cpu().item()."""
import torch
from torch.utils._pytree import tree_map


def pick_device():
    return torch.device("cuda:0") if torch.cuda.device_count() > 0 else torch.device("cpu")


def to_device(batch, device):
    return tree_map(lambda x: x.to(device) if isinstance(x, torch.Tensor) else x, batch)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    model = model.to(device)
    model.train()
    model.zero_grad(set_to_none=False)
    predictions = model(inputs.to(device))
    loss = loss_fn(predictions, targets.to(device))
    loss.backward()
    optimizer.step()
    return loss.detach().cpu().item()
