"""Exercise 2: What backward does.

After the loss says how wrong the model is on a batch, `loss.backward()` works
out a gradient for every weight and bias: a diagnostic score saying how much,
and in which direction, that parameter pushed the loss. It only computes these
scores. No weight changes until an optimizer takes a step.
"""

import torch


def compute_gradients(model, loss_fn, inputs, targets):
    """Return the gradient of the loss on this one batch for every trainable parameter.

    The loss is `loss_fn(model(inputs), targets)`. Return a dict that maps each
    parameter's name, exactly as `model.named_parameters()` spells it (such as
    "0.weight"), to its gradient: a tensor with the parameter's shape and dtype.

    - Only trainable parameters belong in the dict. A frozen parameter
      (`requires_grad=False`) gets no gradient, so leave it out.
    - The model may arrive with gradients from an earlier batch still in `.grad`,
      and backward adds to whatever is already there: make sure the result holds
      this batch's gradients and nothing else.
    - Leave the parameters' values as they are. Updating them is the optimizer's
      job, not this function's. Leave the inputs and targets as they are too.
    - Any model, loss function and dtype may come in, and the function may be
      called many times, on one model or on several. Each call returns a dict
      of its own, and what one call returned must not change when the
      function is called again.
    """
    raise NotImplementedError
