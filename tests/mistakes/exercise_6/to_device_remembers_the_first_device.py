# mistake: keeps the first call's device in a mutable default argument, so later calls go to the same place
# id: state.kept
# fails: test_to_device_moves_a_tensor
# feedback: keeps the device of an earlier call
import torch
from torch.utils._pytree import tree_map


def pick_device():
    raise NotImplementedError


def to_device(batch, device, _where={}):
    where = _where.setdefault("device", device)
    return tree_map(lambda x: x.to(where) if isinstance(x, torch.Tensor) else x, batch)


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    raise NotImplementedError
