"""Probes for exercise 3: a manual SGD step, with and without momentum."""

from __future__ import annotations

from grader.lesson import inputs
from grader.grading.probes import describe, probe

SIZES = (6, 5, 3)  # a small Linear → ReLU → Linear: 0.weight, 0.bias, 2.weight, 2.bias


def _model(seed, device, dtype, frozen):
    model = inputs.mlp(SIZES, seed, device=device, dtype=dtype)
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


@probe(calls="sgd_update")
def sgd_steps(sgd_update, *, device, seed, lr, steps=1, frozen=(), pass_as="list", dtype="float32"):
    """Call sgd_update ``steps`` times on a seeded model, each time with fresh seeded gradients."""
    model = _model(seed, device, dtype, frozen)
    before = inputs.named_tensors(model)
    record = {"before": before, "after": [], "grads": [], "grads_after": [], "returned": []}
    for step in range(steps):
        _set_grads(model, seed + 100 * step)
        record["grads"].append(inputs.named_tensors(model, "grad"))
        returned = sgd_update(_params(model, pass_as), lr)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["grads_after"].append(inputs.named_tensors(model, "grad"))
    record["autograd"] = _autograd_state(model)
    return record


@probe(calls="sgd_momentum_update")
def momentum_steps(sgd_momentum_update, *, device, seed, lr, momentum, steps=3, frozen=(),
                   pass_as="list", dtype="float32"):
    """Call sgd_momentum_update ``steps`` times, carrying the same velocity buffers."""
    import torch

    model = _model(seed, device, dtype, frozen)
    velocities = [torch.zeros_like(p) for p in model.parameters()]
    names = [name for name, _ in model.named_parameters()]
    record = {"before": inputs.named_tensors(model), "after": [], "velocities": [], "returned": []}
    for step in range(steps):
        _set_grads(model, seed + 100 * step)
        returned = sgd_momentum_update(_params(model, pass_as), velocities, lr, momentum)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["velocities"].append({n: v.detach().to("cpu").clone() if isinstance(v, torch.Tensor) else None
                                     for n, v in zip(names, velocities)})
    record["autograd"] = _autograd_state(model)
    return record
