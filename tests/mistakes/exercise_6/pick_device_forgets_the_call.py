# mistake: tests torch.cuda.is_available without calling it, so it always picks cuda
# id: pick_device.ignores_availability
# fails: test_pick_device_chooses_the_gpu_only_when_there_is_one
# feedback: report no GPU
# feedback: with the parentheses
import torch


def pick_device():
    if torch.cuda.is_available:
        return torch.device("cuda")
    return torch.device("cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
