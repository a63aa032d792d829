# mistake: treats every Sequence as a container, strings included, so "label" is rebuilt as str(generator)
# id: to_device.strings_as_containers
# fails: test_to_device_keeps_the_structure
# feedback: took a string apart
# feedback: A string is a sequence too
from collections.abc import Mapping, Sequence

import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, Mapping):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, Sequence):
        return type(batch)(to_device(x, device) for x in batch)
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
