# mistake: keeps only tensors and containers, silently dropping numbers, strings and None
# id: to_device.drops_values
# fails: test_to_device_keeps_the_structure
# feedback: did not keep every item
import torch


def _keep(x):
    return isinstance(x, (torch.Tensor, list, tuple, dict))


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items() if _keep(v)}
    return type(batch)(to_device(x, device) for x in batch if _keep(x))


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
