"""Exercise 6: Device transfer.

A GPU can train much faster than the CPU, but only on tensors that live in
its own memory. PyTorch never moves anything on its own: you pick a device,
then put the model and every batch of data there yourself. The model and the
data it meets in the forward pass must be on the same device.
"""

import torch


def pick_device():
    """Return the device to train on: the GPU when there is one, else the CPU.

    Ask `torch.cuda.is_available()` (call it: the function itself is always
    truthy), and return a `torch.device` object such as `torch.device("cuda")`
    or `torch.device("cpu")`, not a string. Ask again on every call rather than
    keeping an earlier answer: the grader changes what torch reports between calls.
    """
    raise NotImplementedError


def to_device(batch, device):
    """Return `batch` with every tensor in it moved to `device`.

    `batch` is a tensor, or lists, tuples and dicts of tensors nested in each
    other, possibly with other values among them (numbers, strings, None).

    - The result has the same shape as `batch`: a tuple stays a tuple, a list
      a list, a dict keeps its keys, and non-tensor values come back as they are.
    - `t.to(device)` returns a new tensor and leaves `t` where it was (unlike
      `model.to(device)`, which moves the model itself): keep what it returns.
    - Leave `batch` itself as it was: put the moved tensors in new lists,
      tuples and dicts, so the caller's batch still holds the tensors it had.
    - Each call stands alone: use that call's `device`, keep nothing between calls.
    """
    raise NotImplementedError


def train_step_on(model, loss_fn, optimizer, inputs, targets, device):
    """Take one training step with the model and the data on `device`; return the loss.

    The model, `inputs` and `targets` may all start on the CPU. Put them on
    `device` (the one you are given), then do the usual step: zero the
    gradients, forward pass, loss, backward, `optimizer.step()`.

    Return the loss from before the update as a Python float (`loss.item()`
    brings the number back from the device).
    """
    raise NotImplementedError
