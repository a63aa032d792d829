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


@probe(calls="build_classifier")
def built_in_a_row(build_classifier, *, device, seed, calls=((None, "keywords"), ((20, 12, 5), "keywords"))):
    """Call build_classifier several times in one run, each with its own sizes (None: the defaults).

    Records each network's parameters, whether it is the very object an earlier
    call returned, whether it shares a parameter with an earlier network, and
    the shape of its scores on a batch: a network kept at module level between
    calls shows here, and in no single call.
    """
    import torch
    from torch import nn

    built: list[nn.Module | None] = []
    records = []
    for sizes, call in calls:
        if sizes is None:
            model, sizes = build_classifier(), (784, 128, 10)
        elif call == "keywords":
            model = build_classifier(in_features=sizes[0], hidden=sizes[1], num_classes=sizes[2])
        else:
            model = build_classifier(*sizes)
        if not isinstance(model, nn.Module):
            record: dict = {"module": False, "returned": describe(model), "sizes": list(sizes)}
            if isinstance(model, type):
                record["class"] = str(getattr(model, "__name__", "?"))[:80]
            records.append(record)
            built.append(None)
            continue
        params = _unique_parameters(model)
        mine = {id(p) for _, p in params}
        record = {
            "module": True, "sizes": list(sizes), "type": type_name(model),
            "parameters": [[name, list(p.shape), bool(p.requires_grad)] for name, p in params],
            "canonical": [list(canonical(p.shape, sizes)[0]) for _, p in params],
            "trainable": sum(p.numel() for _, p in params if p.requires_grad),
            "same_object": next((i for i, b in enumerate(built) if b is model), None),
            "shares_with": next((i for i, b in enumerate(built)
                                 if b is not None and b is not model and mine & {id(p) for p in b.parameters()}),
                                None),
        }
        x, _ = inputs.batch(seed, 4, device="cpu", in_features=sizes[0], num_classes=sizes[2])
        try:
            with torch.no_grad():
                out = model(x)
            record["output"] = describe(out)
            record["output"].pop("tensor", None)  # the shape is what this probe is after
        except Exception as exc:  # noqa: BLE001 - the shapes are named even when forward fails
            record["output"] = {"type": "error", "error": f"{type(exc).__name__}: {str(exc)[:200]}"}
        records.append(record)
        built.append(model)
    return {"networks": records}


# The models count_trainable_parameters is tried on, each built by the grader.
SCENARIOS = ("lesson", "small", "frozen", "frozen_middle", "frozen_last", "batchnorm", "shared", "shared_deep")


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
    if name == "frozen_middle":  # the middle layer's bias is frozen; layers after it still train
        model = inputs.mlp((30, 20, 10, 4), seed, device=device)
        model[2].bias.requires_grad_(False)
        return model
    if name == "frozen_last":  # a fixed output layer after trainable ones
        model = inputs.mlp((12, 24, 16, 3), seed, device=device)
        model[4].requires_grad_(False)
        return model
    if name == "shared_deep":  # a tied weight used at both ends, a frozen layer in between
        embed, mid, head = nn.Embedding(50, 8), nn.Linear(8, 8), nn.Linear(8, 50)
        head.weight = embed.weight
        mid.requires_grad_(False)
        model = nn.Sequential(embed, mid, nn.ReLU(), head)
        inputs.fill(model.parameters(), seed)
        return model.to(device)
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
def count(count_trainable_parameters, *, device, seed, scenario, then=()):
    """Count the parameters of a grader-built model.

    ``then`` names more scenarios counted afterwards in the same run (seeds
    following ``seed``): a count kept at module level between calls shows there.
    The grader counts nothing here: what the common slips count on the same
    models comes from the checks' known-wrong counts (``lab.simulate``).
    """
    model = _scenario(scenario, seed, device)
    returned = count_trainable_parameters(model)
    record = {"returned": describe(returned), "number": _number(returned), "then": []}
    for i, other in enumerate(then):
        model = _scenario(other, seed + 1 + i, device)
        returned = count_trainable_parameters(model)
        record["then"].append({"scenario": other, "returned": describe(returned), "number": _number(returned)})
    return record
