# mistake: caches pick_device's answer with functools.cache, so it never asks torch again
# id: state.kept
# fails: test_pick_device_chooses_the_gpu_only_when_there_is_one
# feedback: keeps an earlier answer
import functools

import torch


@functools.cache
def pick_device():
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def to_device(batch, device):
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
