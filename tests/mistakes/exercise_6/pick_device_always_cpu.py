# mistake: plays it safe and always trains on the CPU
# id: pick_device.ignores_availability
# fails: test_pick_device_chooses_the_gpu_only_when_there_is_one
# feedback: report a GPU
# feedback: leave the GPU idle
import torch


def pick_device():
    return torch.device("cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
