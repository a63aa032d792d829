# mistake: writes the moved tensors back into the caller's lists and dicts (tuples rebuilt), changing the batch it was given
# id: to_device.changes_the_batch
# fails: test_to_device_keeps_the_structure
# feedback: changed the batch it was given
# feedback: Build new lists, tuples and dicts
import torch


def pick_device():
    raise NotImplementedError


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        for key in batch:
            batch[key] = to_device(batch[key], device)
        return batch
    if isinstance(batch, list):
        batch[:] = [to_device(item, device) for item in batch]
        return batch
    if isinstance(batch, tuple):
        return tuple(to_device(item, device) for item in batch)
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
