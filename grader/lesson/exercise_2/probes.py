"""Probes for exercise 2: what backward does (compute_gradients)."""

from __future__ import annotations

import reprlib

from grader.lesson import inputs
from grader.grading.probes import describe, probe, type_name


def _model(shape, sizes, seed, device, dtype):
    """A seeded Linear → ReLU → Linear; ``named`` gives it nested layer names instead of 0, 2."""
    import torch
    from collections import OrderedDict
    from torch import nn

    if shape == "sequential":
        return inputs.mlp(sizes, seed, device=device, dtype=dtype)
    n_in, hidden, n_out = sizes
    model = nn.Sequential(OrderedDict(
        features=nn.Sequential(nn.Linear(n_in, hidden), nn.ReLU()),  # features.0.weight, features.0.bias
        classifier=nn.Linear(hidden, n_out),                         # classifier.weight, classifier.bias
    ))
    inputs.fill(model.parameters(), seed)
    return model.to(device=device, dtype=getattr(torch, dtype))


def _loss_and_batch(loss, seed, batch_size, sizes, device, dtype):
    """(loss_fn, inputs, targets): class labels for cross-entropy, real-valued targets for MSE."""
    import torch
    from torch import nn

    x, y = inputs.batch(seed, batch_size, device=device, in_features=sizes[0], num_classes=sizes[-1])
    x = x.to(getattr(torch, dtype))
    if loss == "mse":
        return nn.MSELoss(), x, inputs.randn((batch_size, sizes[-1]), seed + 1, dtype=dtype, device=device)
    return nn.CrossEntropyLoss(), x, y


def _returned(value) -> dict:
    """What compute_gradients returned; for a dict, each key with its type and each value described."""
    info = {"type": type_name(value)}
    if isinstance(value, dict):
        info["items"] = [{"key": key if isinstance(key, str) else reprlib.repr(key),
                          "key_type": type_name(key), "value": describe(item)}
                         for key, item in dict.items(value)]
    else:
        info["value"] = describe(value)
    return info


@probe(calls="compute_gradients")
def gradients(compute_gradients, *, device, seed, sizes=(784, 32, 10), batch_size=16, loss="cross_entropy",
              stale=False, frozen=(), calls=1, shape="sequential", dtype="float32"):
    """Call compute_gradients ``calls`` times on one seeded model, each time with a new seeded batch.

    With ``stale``, the model first holds seeded "gradients from an earlier batch";
    ``frozen`` names parameters set to requires_grad=False.
    """
    model = _model(shape, sizes, seed, device, dtype)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    if stale:
        inputs.stale_grads(model, seed + 500)
    record = {"before": inputs.named_tensors(model), "trainable": [n for n, p in model.named_parameters()
                                                                    if p.requires_grad], "calls": []}
    for call in range(calls):
        loss_fn, x, y = _loss_and_batch(loss, seed + 10 * call, batch_size, sizes, device, dtype)
        grads_before = inputs.named_tensors(model, "grad")
        returned = compute_gradients(model, loss_fn, x, y)
        record["calls"].append({
            "returned": _returned(returned),  # recorded now: a later call may reuse the same .grad tensors
            "grads_before": grads_before,
            "after": inputs.named_tensors(model),
            "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
        })
    return record
