"""Exercise 5: The complete training step.

A training step puts the whole lesson together: the loss function measures how
wrong the model is, backward() works out each parameter's gradient (its
diagnostic score), and the optimizer uses those gradients to move the weights.
Then you choose an optimizer, and a learning rate that suits it.
"""

import torch


def train_step(model, loss_fn, optimizer, inputs, targets):
    """One training step on one batch; return the batch's loss as a Python float.

    In this order:
      1. clear the old gradients (the model may arrive still holding some);
      2. run the model on `inputs` (the forward pass);
      3. compute the loss with `loss_fn(outputs, targets)`;
      4. call backward() on the loss to get the gradients;
      5. let `optimizer` take its step.

    - Use the `optimizer` and the `loss_fn` you are given: it may be SGD, Adam
      or any other optimizer, and any loss function.
    - Return the loss you called backward() on, the one measured before the
      step, as a plain Python float (not a tensor).
    - Each call uses the model, loss_fn and optimizer it is given: the next
      call may bring another model with its own optimizer.
    """
    raise NotImplementedError


def make_optimizer(model, name):
    """Build an optimizer for all of `model`'s parameters: `name` is "sgd" or "adam".

    - "sgd" gives a `torch.optim.SGD`, "adam" a `torch.optim.Adam`.
    - Each must hold every parameter of the model, and nothing else.
    - Give each a learning rate that trains well. The grader trains a small
      MNIST-shaped classifier with your optimizer for 100 steps, and the loss
      must fall to below half of where it started without ever blowing up.
      Remember that Adam's learning rate is tuned differently from SGD's.

    Return the optimizer itself (an object you can call .step() on), a new one
    on every call: called again with another model, it must hold that model's
    parameters.
    """
    raise NotImplementedError
