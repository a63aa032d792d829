# mistake: converts every tensor to float32 on the way, so integer class labels become floats
# id: to_device.changes_dtype
# fails: test_to_device_keeps_the_structure
# feedback: changed the dtype
# feedback: int64
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device, dtype=torch.float32)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(x, device) for x in batch)
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
