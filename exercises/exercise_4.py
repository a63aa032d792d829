"""Exercise 4: Where zero_grad goes.

Every backward() adds its gradients to whatever `.grad` already holds; it never
replaces them. That is why a training loop clears the gradients once per step,
and also why you can build one big update out of several small batches.
"""

import torch


def train_epoch(model, loss_fn, optimizer, batches):
    """Train `model` on each (inputs, targets) pair in `batches`, one optimizer step per batch.

    For every batch: clear the old gradients, run the model, compute the loss,
    call backward() to get the gradients, and let the optimizer take its step.

    - The model may arrive still holding gradients from some earlier batch:
      none of them may leak into any step you take.
    - Use the `optimizer` you are given (it may keep state, like momentum).
      Some parameters may be frozen (`requires_grad=False`), and the model
      may be float64.
    - Leave the batches as they are: change the model, never the data.
    - Return a list with each batch's loss as a plain Python float (one per
      batch, in order), measured before that batch's step. The function may
      be called again, on another model: each call returns a new list
      holding only its own batches' losses.
    """
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    """Gradient accumulation: one optimizer step built from several small batches.

    `micro_batches` is a list of (inputs, targets) pairs, all the same size.
    Together they form one big batch, but it may not fit in memory at once, so
    run the model on one micro-batch at a time and let backward() add up the
    gradients. Then take exactly one optimizer step.

    - That step must be the very one the optimizer would take on a single batch
      holding all the micro-batches. The loss function averages over a batch,
      so think about how much each micro-batch's loss should count.
    - Gradients the model arrives with must not be part of the step.
    - Leave the micro-batches as they are. As in `train_epoch`, some
      parameters may be frozen, and each call (the number of micro-batches
      may change from call to call) stands on its own.
    - Return the mean of the micro-batches' losses, as a Python float.
    """
    raise NotImplementedError
