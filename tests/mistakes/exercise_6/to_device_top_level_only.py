# mistake: moves the tensors at the top of the batch but never looks inside nested containers
# id: to_device.top_level_only
# fails: test_to_device_keeps_the_structure
# feedback: Only the top level
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        return batch.to(device)
    if isinstance(batch, dict):
        return {k: v.to(device) if torch.is_tensor(v) else v for k, v in batch.items()}
    return type(batch)(x.to(device) if torch.is_tensor(x) else x for x in batch)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
