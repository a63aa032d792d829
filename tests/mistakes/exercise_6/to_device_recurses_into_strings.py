# mistake: recurses into anything iterable that is not a tensor, so a string never reaches the bottom
# id: to_device.strings_as_containers
# fails: test_to_device_keeps_the_structure
# feedback: RecursionError
# feedback: A string is a sequence whose items are strings again
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if hasattr(batch, "__iter__"):
        moved = [to_device(x, device) for x in batch]
        return tuple(moved) if isinstance(batch, tuple) else moved
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
