"""Probes for exercise 3: a manual SGD step, with and without momentum.

Every probe also notes what of torch.optim took a step while the student's function ran
(``by_hand``): the exercise is to write that step, not to hand it to an optimizer.
"""

from __future__ import annotations

from grader.lesson import by_hand, inputs
from grader.grading.probes import describe, probe

SIZES = (6, 5, 3)  # a small Linear → ReLU → Linear: 0.weight, 0.bias, 2.weight, 2.bias


def _model(seed, device, dtype, frozen, sizes=SIZES):
    model = inputs.mlp(tuple(sizes), seed, device=device, dtype=dtype)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    return model


def _set_grads(model, seed):
    inputs.stale_grads(model, seed)  # the gradients this step will use


def _params(model, pass_as):
    return model.parameters() if pass_as == "generator" else list(model.parameters())


def _autograd_state(model) -> dict:
    return {name: {"is_leaf": p.is_leaf, "requires_grad": p.requires_grad, "has_grad_fn": p.grad_fn is not None}
            for name, p in model.named_parameters()}


def _sgd_run(sgd_update, device, seed, lr, steps=1, frozen=(), pass_as="list", dtype="float32", sizes=SIZES):
    model = _model(seed, device, dtype, frozen, sizes)
    record = {"before": inputs.named_tensors(model), "after": [], "grads": [], "grads_after": [], "returned": []}
    for step in range(steps):
        _set_grads(model, seed + 100 * step)
        record["grads"].append(inputs.named_tensors(model, "grad"))
        returned = sgd_update(_params(model, pass_as), lr)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["grads_after"].append(inputs.named_tensors(model, "grad"))
    record["autograd"] = _autograd_state(model)
    return record, model


def _momentum_run(sgd_momentum_update, device, seed, lr, momentum, steps=3, frozen=(), pass_as="list",
                  dtype="float32", sizes=SIZES):
    import torch

    model = _model(seed, device, dtype, frozen, sizes)
    velocities = [torch.zeros_like(p) for p in model.parameters()]
    names = [name for name, _ in model.named_parameters()]
    record = {"before": inputs.named_tensors(model), "after": [], "grads": [], "velocities": [], "returned": []}
    for step in range(steps):
        _set_grads(model, seed + 100 * step)
        record["grads"].append(inputs.named_tensors(model, "grad"))
        returned = sgd_momentum_update(_params(model, pass_as), velocities, lr, momentum)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["velocities"].append({n: v.detach().to("cpu").clone() if isinstance(v, torch.Tensor) else None
                                     for n, v in zip(names, velocities)})
    record["autograd"] = _autograd_state(model)
    return record, model


@probe(calls="sgd_update")
def sgd_steps(sgd_update, *, device, seed, lr, steps=1, frozen=(), pass_as="list", dtype="float32"):
    """Call sgd_update ``steps`` times on a seeded model, each time with fresh seeded gradients."""
    with by_hand.watching_torch_optim() as used:
        record, _ = _sgd_run(sgd_update, device, seed, lr, steps, frozen, pass_as, dtype)
    record["torch_optim"] = used
    return record


@probe(calls="sgd_update")
def sgd_in_a_row(sgd_update, *, device, runs):
    """Several runs one after the other in the same worker, each on a model of its own with settings of
    its own (``runs``: a list of sgd_steps' keyword arguments, plus ``sizes``): what one call leaves
    behind must not change the next."""
    return by_hand.in_a_row(lambda **run: _sgd_run(sgd_update, device, **run), runs)


@probe(calls="sgd_momentum_update")
def momentum_steps(sgd_momentum_update, *, device, seed, lr, momentum, steps=3, frozen=(),
                   pass_as="list", dtype="float32"):
    """Call sgd_momentum_update ``steps`` times, carrying the same velocity buffers."""
    with by_hand.watching_torch_optim() as used:
        record, _ = _momentum_run(sgd_momentum_update, device, seed, lr, momentum, steps, frozen, pass_as, dtype)
    record["torch_optim"] = used
    return record


@probe(calls="sgd_momentum_update")
def momentum_in_a_row(sgd_momentum_update, *, device, runs):
    """Several momentum runs one after the other in the same worker, each on a model of its own, with
    buffers and settings of its own (``runs``: momentum_steps' keyword arguments, plus ``sizes``)."""
    return by_hand.in_a_row(lambda **run: _momentum_run(sgd_momentum_update, device, **run), runs)
