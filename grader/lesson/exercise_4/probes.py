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


def _setup(seed, device, optimizer, lr, momentum, warmup, frozen=(), dtype="float32"):
    """The model, its loss function and optimizer; ``warmup`` takes one step first so the optimizer holds state.

    ``frozen`` names parameters (or their positions) set to requires_grad=False; the optimizer
    still holds them, as one built from ``model.parameters()`` does."""
    import torch

    model = inputs.mlp(SIZES, seed, device=device, dtype=dtype)
    for i, (name, p) in enumerate(model.named_parameters()):
        p.requires_grad_(name not in frozen and i not in frozen)
    loss_fn = torch.nn.CrossEntropyLoss()
    opt: torch.optim.Optimizer
    if optimizer == "adam":
        opt = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    if warmup:
        x, y = inputs.batch(seed + 7, 8, device=device)
        loss_fn(model(x.to(getattr(torch, dtype))), y).backward()
        opt.step()
    return model, loss_fn, opt


def _batches(seed, count, size, device, dtype):
    """Seeded MNIST-shaped (inputs, targets) pairs, the inputs in ``dtype``."""
    import torch

    return [(x.to(getattr(torch, dtype)), y) for x, y in inputs.batches(seed, count, size, device=device)]


def _kept(batches) -> list:
    """Copies of a list of (inputs, targets) and their requires_grad, to see later whether a call changed them."""
    return [tuple((t.detach().to("cpu").clone(), t.requires_grad) for t in pair) for pair in batches]


def _changed(batches, kept) -> list:
    """Indices of the batches whose inputs or targets a call changed (values or requires_grad)."""
    import torch

    return [i for i, (pair, was) in enumerate(zip(batches, kept))
            if any(t.requires_grad != flag or t.shape != old.shape or not torch.equal(t.detach().to("cpu"), old)
                   for t, (old, flag) in zip(pair, was))]


def _watch(model, opt) -> dict:
    """Hooks that log every optimizer step (with a copy of the parameters) and every forward's batch size."""
    import torch

    log: dict = {"steps": 0, "after": [], "rows": []}

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


def _later(first: dict, then, run) -> list:
    """Records of the calls after the first: each on a new model and optimizer, with ``then``'s changes."""
    return [run(**{**first, **change}, call=i + 1) for i, change in enumerate(then)]


@probe(calls="train_epoch")
def epoch(train_epoch, *, device, seed, n_batches=3, batch_size=8, optimizer="sgd", lr=0.1,
          momentum=0.0, warmup=False, stale=1.0, frozen=(), dtype="float32", then=()):
    """Call train_epoch on ``n_batches`` seeded batches, the model holding stale gradients.

    ``then`` lists further calls, each a dict of the settings it changes, each on a new model
    and optimizer; their records are in ``again``."""
    returned_lists: list = []

    def run(*, n_batches, batch_size, optimizer, lr, momentum, warmup, stale, frozen, dtype, call):
        model, loss_fn, opt = _setup(seed + 100 * call, device, optimizer, lr, momentum, warmup, frozen, dtype)
        if stale:
            inputs.stale_grads(model, seed + 100 * call + 1, scale=stale)
        batches = _batches(seed + 100 * call, n_batches, batch_size, device, dtype)
        kept = _kept(batches)
        before = inputs.named_tensors(model)
        log = _watch(model, opt)
        returned = train_epoch(model, loss_fn, opt, batches)
        record = _record(model, opt, before, log, returned)
        record.update(n=n_batches, batch_changed=_changed(batches, kept),
                      same_list=any(returned is r for r in returned_lists) and isinstance(returned, list))
        returned_lists.append(returned)
        return record

    first = dict(n_batches=n_batches, batch_size=batch_size, optimizer=optimizer, lr=lr, momentum=momentum,
                 warmup=warmup, stale=stale, frozen=frozen, dtype=dtype)
    record = run(**first, call=0)
    record["again"] = _later(first, then, run)
    return record


@probe(calls="accumulate_and_step")
def accumulate(accumulate_and_step, *, device, seed, k=4, micro_size=4, optimizer="sgd", lr=0.1,
               momentum=0.0, warmup=False, stale=1.0, frozen=(), dtype="float32", then=()):
    """Call accumulate_and_step on ``k`` seeded micro-batches of ``micro_size``, the model holding stale gradients.

    ``then`` lists further calls, as for ``epoch``; their records are in ``again``."""
    import torch

    def run(*, k, micro_size, optimizer, lr, momentum, warmup, stale, frozen, dtype, call):
        model, loss_fn, opt = _setup(seed + 100 * call, device, optimizer, lr, momentum, warmup, frozen, dtype)
        micro_batches = _batches(seed + 100 * call, k, micro_size, device, dtype)
        with torch.no_grad():  # each micro-batch's loss before the step, to name wrong return values
            micro_losses = [float(loss_fn(model(x), y)) for x, y in micro_batches]
        if stale:
            inputs.stale_grads(model, seed + 100 * call + 1, scale=stale)
        kept = _kept(micro_batches)
        before = inputs.named_tensors(model)
        log = _watch(model, opt)
        returned = accumulate_and_step(model, loss_fn, opt, micro_batches)
        return {**_record(model, opt, before, log, returned), "micro_losses": micro_losses, "k": k,
                "batch_changed": _changed(micro_batches, kept)}

    first = dict(k=k, micro_size=micro_size, optimizer=optimizer, lr=lr, momentum=momentum, warmup=warmup,
                 stale=stale, frozen=frozen, dtype=dtype)
    record = run(**first, call=0)
    record["again"] = _later(first, then, run)
    return record
