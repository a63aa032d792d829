# mistake: asks whether PyTorch was built with CUDA, not whether a GPU is there
# id: pick_device.ignores_availability
# fails: test_pick_device_chooses_the_gpu_only_when_there_is_one
# feedback: is_built
import torch


def pick_device():
    return torch.device("cuda" if torch.backends.cuda.is_built() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
