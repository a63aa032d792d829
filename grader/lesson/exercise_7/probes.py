"""Probes for exercise 7: Adam by hand.

A probe builds its inputs from a seed, calls one student function and records what
happened as plain data (tensors, numbers, strings, lists, dicts). Each check runs it
twice on the same inputs: in a jailed worker with the student's function, and here
with the solution's. Import torch inside a probe: this module is imported before the
workers start.
"""

from __future__ import annotations

from grader.grading.probes import describe, probe
from grader.lesson import by_hand, inputs

SIZES = (6, 5, 3)  # a small Linear → ReLU → Linear: 0.weight, 0.bias, 2.weight, 2.bias


def _adam_run(adam_update, device, seed, lr=0.01, betas=(0.9, 0.999), eps=1e-8, steps=1, frozen=(),
              pass_as="list", dtype="float32", sizes=SIZES):
    import torch

    model = inputs.mlp(tuple(sizes), seed, device=device, dtype=dtype)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    names = [name for name, _ in model.named_parameters()]
    states = [{"step": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)} for p in model.parameters()]
    record = {"settings": {"lr": lr, "betas": list(betas), "eps": eps}, "before": inputs.named_tensors(model),
              "grads": [], "after": [], "grads_after": [], "states": [], "returned": []}
    for step in range(steps):
        inputs.stale_grads(model, seed + 100 * step)  # the gradients this step uses
        record["grads"].append(inputs.named_tensors(model, "grad"))
        params = model.parameters() if pass_as == "generator" else list(model.parameters())
        returned = adam_update(params, states, lr, tuple(betas), eps)
        record["returned"].append(describe(returned))
        record["after"].append(inputs.named_tensors(model))
        record["grads_after"].append(inputs.named_tensors(model, "grad"))
        record["states"].append({name: _state(s) for name, s in zip(names, states)})
    record["autograd"] = {name: {"is_leaf": p.is_leaf, "requires_grad": p.requires_grad,
                                 "has_grad_fn": p.grad_fn is not None} for name, p in model.named_parameters()}
    return record, model


@probe(calls="adam_update")
def adam_steps(adam_update, *, device, seed, lr=0.01, betas=(0.9, 0.999), eps=1e-8, steps=1, frozen=(),
               pass_as="list", dtype="float32"):
    """Call adam_update ``steps`` times on a seeded model, each time with fresh seeded gradients,
    passing the same list of state dicts (one per parameter) every time; note what of torch.optim
    took a step meanwhile (``by_hand``: the exercise is to write that step)."""
    with by_hand.watching_torch_optim() as used:
        record, _ = _adam_run(adam_update, device, seed, lr, betas, eps, steps, frozen, pass_as, dtype)
    record["torch_optim"] = used
    return record


@probe(calls="adam_update")
def adam_in_a_row(adam_update, *, device, runs):
    """Several runs one after the other in the same worker, each on a model of its own with states and
    settings of its own (``runs``: adam_steps' keyword arguments, plus ``sizes``): what one call leaves
    behind must not change the next."""
    return by_hand.in_a_row(lambda **run: _adam_run(adam_update, device, **run), runs)


def _state(state) -> dict:
    """One parameter's dict as plain data: its step count as a number, m and v as CPU copies."""
    import torch

    if not isinstance(state, dict):
        return {}
    out = {}
    step = state.get("step")
    if isinstance(step, torch.Tensor) and step.numel() == 1:
        step = step.item()
    out["step"] = step if type(step) in (int, float) else None
    for key in ("m", "v"):
        value = state.get(key)
        out[key] = value.detach().to("cpu").clone() if isinstance(value, torch.Tensor) else None
    return out
