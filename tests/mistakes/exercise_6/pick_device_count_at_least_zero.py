# mistake: compares torch.cuda.device_count() with >= 0, which is always true, so it picks cuda with no GPU
# id: pick_device.ignores_availability
# fails: test_pick_device_chooses_the_gpu_only_when_there_is_one
# feedback: report no GPU
# feedback: pick_device chose cuda
import torch


def pick_device():
    return torch.device("cuda") if torch.cuda.device_count() >= 0 else torch.device("cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
