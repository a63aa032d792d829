# mistake: rebuilds every tuple as a list, so (images, labels) pairs change kind
# id: to_device.changes_containers
# fails: test_to_device_keeps_the_structure
# feedback: was a tuple and came back as a list
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return [to_device(x, device) for x in batch]
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
