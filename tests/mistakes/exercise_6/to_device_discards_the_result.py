# mistake: calls t.to(device) as if it moved t in place (as model.to does) and returns the old tensor
# id: device.result_dropped
# fails: test_to_device_moves_a_tensor, test_to_device_keeps_the_structure
# feedback: Tensor.to returns a new tensor
# feedback: No tensor in the batch reached meta
import torch


def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    if isinstance(batch, torch.Tensor):
        batch.to(device)
    elif isinstance(batch, dict):
        for value in batch.values():
            to_device(value, device)
    elif isinstance(batch, (list, tuple)):
        for item in batch:
            to_device(item, device)
    return batch


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
