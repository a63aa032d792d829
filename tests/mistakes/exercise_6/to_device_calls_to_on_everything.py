# mistake: calls .to(device) on every leaf, numbers and strings included
# id: to_device.moves_non_tensors
# fails: test_to_device_keeps_the_structure
# feedback: Only tensors (and models) have .to()
# feedback: AttributeError
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, list):
        return [to_device(x, device) for x in batch]
    if isinstance(batch, tuple):
        return tuple(to_device(x, device) for x in batch)
    return batch.to(device)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
