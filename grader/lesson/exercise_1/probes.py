"""Probes for exercise 1: building the lesson's classifier, and counting trainable parameters."""

from __future__ import annotations

import zlib

from grader.lesson import inputs
from grader.grading.probes import describe, probe, type_name


def _unique_parameters(model):
    """Each parameter once (as ``model.parameters()`` gives them), with the first name it has."""
    return list(model.named_parameters())


def canonical(shape, sizes) -> tuple[tuple, str]:
    """The shape nn.Linear would give this parameter, and how to get there.

    A network written by hand may hold a weight as (in, out) for ``x @ W`` or a
    bias as (1, out); it is still Linear → ReLU → Linear. Returns the shape and
    ``same``, ``T`` (transposed) or ``reshape``.
    """
    shape = tuple(shape)
    n_in, hidden, n_out = sizes
    weights, biases = {(hidden, n_in), (n_out, hidden)}, {(hidden,), (n_out,)}
    if shape in weights or shape in biases:
        return shape, "same"
    if len(shape) == 2 and shape[::-1] in weights:
        return shape[::-1], "T"
    squeezed = tuple(d for d in shape if d != 1)
    if len(shape) == 2 and squeezed in biases:
        return squeezed, "reshape"
    return shape, "same"


def _fill_by_shape(model, seed: int, sizes) -> None:
    """Seeded values for every parameter, chosen by its (canonical) shape alone.

    A network written as a Sequential, or as a class whose layers are declared in
    another order or hold their weights transposed, gets the same numbers in the
    same roles, so outputs compare.
    """
    import torch

    with torch.no_grad():
        for _, p in _unique_parameters(model):
            shape, how = canonical(p.shape, sizes)
            values = torch.empty(shape, dtype=torch.float64)
            inputs.fill([values], seed * 1009 + zlib.crc32(repr(shape).encode()) % 1_000_003)
            p.copy_(values.T if how == "T" else values.reshape(p.shape))


@probe(calls="build_classifier")
def classifier(build_classifier, *, device, seed, sizes=None, call="keywords", forward=True, batch_size=8,
               dtype="float32"):
    """Build a network (default sizes when ``sizes`` is None), record its parameters and its output.

    The parameters are overwritten with seeded values by shape before the
    forward pass, so the output depends on the structure alone. With
    ``forward=False`` nothing is run through the network: a check asks for the
    parameters first, so a network that cannot run still has its shapes named.
    """
    import torch
    from torch import nn

    if sizes is None:
        model = build_classifier()
        sizes = (784, 128, 10)
    elif call == "keywords":
        in_features, hidden, num_classes = sizes
        model = build_classifier(in_features=in_features, hidden=hidden, num_classes=num_classes)
    else:
        model = build_classifier(*sizes)
    if not isinstance(model, nn.Module):
        record = {"module": False, "returned": describe(model)}
        if isinstance(model, type):
            record["class"] = str(getattr(model, "__name__", "?"))[:80]
        return record
    params = _unique_parameters(model)
    record = {
        "module": True,
        "type": type_name(model),
        "parameters": [[name, list(p.shape), bool(p.requires_grad)] for name, p in params],
        "canonical": [list(canonical(p.shape, sizes)[0]) for _, p in params],
        "trainable": sum(p.numel() for _, p in params if p.requires_grad),
    }
    if not forward:
        return record
    model = model.to(device=device, dtype=getattr(torch, dtype))
    _fill_by_shape(model, seed, sizes)
    x, _ = inputs.batch(seed, batch_size, device=device, in_features=sizes[0], num_classes=sizes[2])
    x = x.to(getattr(torch, dtype))
    with torch.no_grad():
        outputs = [model(v.clone()) for v in (x, x, 2 * x, torch.zeros_like(x))]
    record["outputs"] = [describe(out) for out in outputs]  # x, x again, 2x, 0
    return record


# The models count_trainable_parameters is tried on, each built by the grader.
SCENARIOS = ("lesson", "small", "frozen", "batchnorm", "shared")


def _scenario(name: str, seed: int, device: str):
    from torch import nn

    if name == "lesson":
        return inputs.mlp((784, 128, 10), seed, device=device)
    if name == "small":
        return inputs.mlp((20, 12, 5), seed, device=device)
    if name == "frozen":  # a feature layer kept fixed while the rest trains
        model = inputs.mlp((50, 40, 30, 5), seed, device=device)
        model[0].requires_grad_(False)
        return model
    if name == "batchnorm":
        model = nn.Sequential(nn.Linear(20, 16), nn.BatchNorm1d(16), nn.ReLU(), nn.Linear(16, 4))
        inputs.fill(model.parameters(), seed)
        return model.to(device)
    if name == "shared":  # weight tying: the output layer reuses the embedding's weight
        embed, head = nn.Embedding(100, 16), nn.Linear(16, 100)
        head.weight = embed.weight
        model = nn.Sequential(embed, head)
        inputs.fill(model.parameters(), seed)
        return model.to(device)
    raise ValueError(f"no scenario {name!r}")


def _counts(model) -> dict:
    """What the grader counts on ``model``: the right answer and the answers of common slips."""
    from torch import nn

    unique = list(model.parameters())
    every = [p for _, p in model.named_parameters(remove_duplicate=False)]  # shared: once per use
    buffers = sum(b.numel() for b in model.buffers())
    trainable = sum(p.numel() for p in unique if p.requires_grad)
    return {
        "trainable": trainable,
        "all": sum(p.numel() for p in unique),
        "tensors": sum(1 for p in unique if p.requires_grad),
        "all_tensors": len(unique),
        "duplicates": sum(p.numel() for p in every if p.requires_grad),
        "all_duplicates": sum(p.numel() for p in every),
        "buffers": buffers,
        "with_buffers": trainable + buffers,
        "state_dict": sum(t.numel() for t in model.state_dict().values()),
        "linear_only": sum(p.numel() for m in model.modules() if isinstance(m, nn.Linear)
                           for p in m.parameters()),
        "weights_only": sum(p.numel() for name, p in model.named_parameters()
                            if p.requires_grad and name.rsplit(".", 1)[-1] == "weight"),
    }


def _number(value):
    """The returned value as a plain number, whatever its type (None when it is not one)."""
    if type(value) in (int, float):
        return value
    try:
        number = float(value)
    except Exception:  # noqa: BLE001 - anything may come back
        return None
    return int(number) if number.is_integer() else number


@probe(calls="count_trainable_parameters")
def count(count_trainable_parameters, *, device, seed, scenario):
    """Count the parameters of a grader-built model; also record what the grader counts on it."""
    model = _scenario(scenario, seed, device)
    counts = _counts(model)
    returned = count_trainable_parameters(model)
    return {"returned": describe(returned), "number": _number(returned), "counts": counts}
