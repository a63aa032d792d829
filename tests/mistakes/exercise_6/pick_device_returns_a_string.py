# mistake: pick_device returns the name "cuda" or "cpu" instead of a torch.device
# id: pick_device.returns_a_name
# fails: test_pick_device_returns_a_torch_device
# feedback: should be a torch.device, but it is a str
import torch


def pick_device():
    return "cuda" if torch.cuda.is_available() else "cpu"


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
