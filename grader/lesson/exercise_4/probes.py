"""Probes for exercise 4: a training epoch, and one step from accumulated gradients.

Both probes hand the function a seeded MLP on MNIST-shaped batches, an optimizer
built here, and a model that still holds gradients from "an earlier batch", then
record what happened: the parameters after every optimizer step (a step hook),
how many steps there were, the optimizer's state, and how many rows each forward
pass saw (a forward pre-hook on the first layer).
"""

from __future__ import annotations

from grader.lesson import inputs
from grader.grading.probes import describe, probe

SIZES = (784, 16, 10)  # MNIST-shaped: (B, 784) images in, 10 class scores out
MAX_SNAPSHOTS = 32     # parameter copies kept, however many steps a submission takes


def _setup(seed, device, optimizer, lr, momentum, warmup):
    """The model, its loss function and optimizer; ``warmup`` takes one step first so the optimizer holds state."""
    import torch

    model = inputs.mlp(SIZES, seed, device=device)
    loss_fn = torch.nn.CrossEntropyLoss()
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    if warmup:
        x, y = inputs.batch(seed + 7, 8, device=device)
        loss_fn(model(x), y).backward()
        opt.step()
    return model, loss_fn, opt


def _watch(model, opt) -> dict:
    """Hooks that log every optimizer step (with a copy of the parameters) and every forward's batch size."""
    import torch

    log = {"steps": 0, "after": [], "rows": []}

    def after_step(*_):
        log["steps"] += 1
        if len(log["after"]) < MAX_SNAPSHOTS:
            log["after"].append(inputs.named_tensors(model))

    def before_forward(_module, args):
        x = args[0] if args else None
        if len(log["rows"]) < 1000:
            log["rows"].append(int(x.shape[0]) if isinstance(x, torch.Tensor) and x.dim() else -1)

    opt.register_step_post_hook(after_step)
    model[0].register_forward_pre_hook(before_forward)
    return log


def _plain(value):
    """Floats of a float subclass (numpy.float64 from np.mean) as plain floats, in a list or alone."""
    if type(value) is list:
        return [_plain(item) for item in value]
    return float(value) if isinstance(value, float) else value


def _record(model, opt, before, log, returned) -> dict:
    return {"before": before, "after": log["after"], "steps": log["steps"], "rows": log["rows"],
            "final": inputs.named_tensors(model), "state": inputs.optimizer_state(model, opt),
            "returned": describe(_plain(returned))}


@probe(calls="train_epoch")
def epoch(train_epoch, *, device, seed, n_batches=3, batch_size=8, optimizer="sgd", lr=0.1,
          momentum=0.0, warmup=False, stale=1.0):
    """Call train_epoch on ``n_batches`` seeded batches, the model holding stale gradients."""
    model, loss_fn, opt = _setup(seed, device, optimizer, lr, momentum, warmup)
    if stale:
        inputs.stale_grads(model, seed + 1, scale=stale)
    batches = inputs.batches(seed, n_batches, batch_size, device=device)
    before = inputs.named_tensors(model)
    log = _watch(model, opt)
    returned = train_epoch(model, loss_fn, opt, batches)
    return _record(model, opt, before, log, returned)


@probe(calls="accumulate_and_step")
def accumulate(accumulate_and_step, *, device, seed, k=4, micro_size=4, optimizer="sgd", lr=0.1,
               momentum=0.0, warmup=False, stale=1.0):
    """Call accumulate_and_step on ``k`` seeded micro-batches of ``micro_size``, the model holding stale gradients."""
    import torch

    model, loss_fn, opt = _setup(seed, device, optimizer, lr, momentum, warmup)
    micro_batches = inputs.batches(seed, k, micro_size, device=device)
    with torch.no_grad():  # each micro-batch's loss before the step, to name wrong return values
        micro_losses = [float(loss_fn(model(x), y)) for x, y in micro_batches]
    if stale:
        inputs.stale_grads(model, seed + 1, scale=stale)
    before = inputs.named_tensors(model)
    log = _watch(model, opt)
    returned = accumulate_and_step(model, loss_fn, opt, micro_batches)
    return {**_record(model, opt, before, log, returned), "micro_losses": micro_losses}
