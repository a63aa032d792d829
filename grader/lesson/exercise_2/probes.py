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
    info: dict = {"type": type_name(value)}
    if isinstance(value, dict):
        info["items"] = [{"key": key if isinstance(key, str) else reprlib.repr(key),
                          "key_type": type_name(key), "value": describe(item)}
                         for key, item in dict.items(value)]
    else:
        info["value"] = describe(value)
    return info


def _live(value, model) -> list:
    """Names whose returned tensor is the parameter's own .grad (the same memory), not a copy of it."""
    import torch

    if not isinstance(value, dict):
        return []
    live = []
    for name, p in model.named_parameters():
        got = dict.get(value, name)
        if isinstance(got, torch.Tensor) and p.grad is not None and got.numel() and \
                got.device == p.grad.device and got.data_ptr() == p.grad.data_ptr():
            live.append(name)
    return live


def _freeze(model, frozen) -> None:
    """``frozen`` names parameters by name or by position (0 is the first)."""
    for i, (name, p) in enumerate(model.named_parameters()):
        p.requires_grad_(name not in frozen and i not in frozen)


def _batch_changes(x, y, kept) -> list:
    """What the call did to the batch it was given: ``inputs``/``targets`` values or requires_grad."""
    import torch

    changes = []
    for label, now, (values, flag) in (("inputs", x, kept[0]), ("targets", y, kept[1])):
        if now.requires_grad != flag:
            changes.append(f"{label}.requires_grad")
        if now.shape != values.shape or not torch.equal(now.detach().to("cpu"), values):
            changes.append(f"{label} values")
    return changes


@probe(calls="compute_gradients")
def gradients(compute_gradients, *, device, seed, sizes=(784, 32, 10), batch_size=16, loss="cross_entropy",
              stale=False, frozen=(), calls=1, shape="sequential", dtype="float32", then=()):
    """Call compute_gradients on a seeded model and batch; then again, ``calls`` times in all.

    With ``stale``, the model first holds seeded "gradients from an earlier batch";
    ``frozen`` names parameters (or their positions) set to requires_grad=False.
    ``then`` lists further calls, each a dict of the settings it changes; with
    ``"model": "new"`` that call gets a model of its own (a new seed), else the same one.
    Each call's record says what backward put in ``.grad`` during it (``filled``),
    which returned tensors are the live ``.grad`` ones, and whether the batch changed;
    ``kept`` describes each earlier result again once every call is done.
    """
    settings = dict(sizes=sizes, batch_size=batch_size, loss=loss, stale=stale, frozen=frozen, shape=shape,
                    dtype=dtype)
    plan = [dict(settings)] + [dict(settings) for _ in range(calls - 1)]
    for change in then:
        plan.append({**plan[-1], "model": "same", **change})
    filled: dict = {}
    model, results = None, []
    record: dict = {"calls": []}
    for call, s in enumerate(plan):
        if model is None or s.get("model") == "new":
            model = _model(s["shape"], s["sizes"], seed + 1000 * call, device, s["dtype"])
            _freeze(model, s["frozen"])
            if s["stale"]:
                inputs.stale_grads(model, seed + 500 + call)
            for name, p in model.named_parameters():
                if p.requires_grad:  # counts what backward accumulates into .grad, call by call
                    p.register_post_accumulate_grad_hook(lambda _p, name=name: filled.__setitem__(
                        name, filled.get(name, 0) + 1))
        loss_fn, x, y = _loss_and_batch(s["loss"], seed + 10 * call, s["batch_size"], s["sizes"], device,
                                        s["dtype"])
        kept = ((x.detach().to("cpu").clone(), x.requires_grad), (y.detach().to("cpu").clone(), y.requires_grad))
        before = inputs.named_tensors(model)
        grads_before = inputs.named_tensors(model, "grad")
        filled.clear()
        returned = compute_gradients(model, loss_fn, x, y)
        results.append(returned)
        record["calls"].append({
            "returned": _returned(returned),  # recorded now: a later call may reuse the same .grad tensors
            "before": before,
            "trainable": [n for n, p in model.named_parameters() if p.requires_grad],
            "batch_size": s["batch_size"],
            "new_model": call == 0 or s.get("model") == "new",
            "grads_before": grads_before,
            "filled": sorted(filled),
            "live": _live(returned, model),
            "same_object_as": next((i for i, r in enumerate(results[:-1]) if r is returned
                                    and isinstance(r, (dict, list))), None),
            "batch_changed": _batch_changes(x, y, kept),
            "after": inputs.named_tensors(model),
            "requires_grad": {n: p.requires_grad for n, p in model.named_parameters()},
        })
    record["kept"] = [_returned(r) for r in results[:-1]]  # each earlier result, once every call is done
    record["before"], record["trainable"] = record["calls"][0]["before"], record["calls"][0]["trainable"]
    return record
