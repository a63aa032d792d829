# mistake: replaces the dict's values in place and forgets to return anything
# id: to_device.returns_none
# fails: test_to_device_moves_a_tensor, test_to_device_keeps_the_structure
# feedback: returned None
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, dict):
        for key, value in batch.items():
            if isinstance(value, torch.Tensor):
                batch[key] = value.to(device)
            else:
                to_device(value, device)
    elif isinstance(batch, list):
        for i, item in enumerate(batch):
            if isinstance(item, torch.Tensor):
                batch[i] = item.to(device)
            else:
                to_device(item, device)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
