"""Exercise 3: A manual SGD step.

backward() only works out gradients, the diagnostic score of every weight; the
weights change when the optimizer takes a step. Here you write that step
yourself, to see there is nothing magic inside `optimizer.step()`.
"""

import torch


def sgd_update(params, lr):
    """Take one step of gradient descent on `params`, in place.

    Every parameter `p` whose `p.grad` is not None moves against its gradient,
    scaled by the learning rate:  p ← p − lr · p.grad

    - Change each parameter in place (the model holds these very tensors), and do
      it where autograd is not recording: inside `with torch.no_grad():`.
    - Skip parameters whose `.grad` is None (frozen ones have no gradient).
    - `params` may be a list or a generator such as `model.parameters()`:
      go through it once.
    - Leave `.grad` alone and return None.
    - Write the step yourself: no torch.optim inside (that is what you are
      replacing), and nothing kept from one call for the next; the next call
      may be on another model.

    The result must match `torch.optim.SGD(params, lr=lr).step()`.
    """
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    """One step of SGD with momentum; `velocities` holds one buffer per parameter.

    Momentum keeps a running direction: each buffer remembers past gradients, so
    steps keep going the way they have been going. For each parameter `p` with a
    gradient, and its buffer `v` (same shape; all zeros before the first step):

        v ← momentum · v + p.grad
        p ← p − lr · v

    Update both in place, without autograd recording, skipping parameters whose
    `.grad` is None (each buffer belongs to the parameter at its position,
    frozen ones included). The buffers carry the velocity from one call to the
    next: they are the only state, so keep none of your own (the next call may
    be on another model, with buffers of its own), and write the step yourself,
    without torch.optim. The parameters must match
    `torch.optim.SGD(params, lr=lr, momentum=momentum)`, and each buffer must
    hold the velocity v above.
    """
    raise NotImplementedError
