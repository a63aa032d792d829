"""Inputs built by the grader from a seed: tensors, small networks, batches.

Every value comes from a ``torch.Generator`` seeded by the check, made on the
CPU and then moved to the device, so the judge and the worker build the same
inputs bit for bit and the student's own random state plays no part.
"""

from __future__ import annotations

from grader.lesson import fakedata


def generator(seed: int):
    import torch

    return torch.Generator().manual_seed(seed)


def randn(shape, seed_or_gen, *, dtype="float32", device="cpu", scale=1.0):
    import torch

    gen = generator(seed_or_gen) if isinstance(seed_or_gen, int) else seed_or_gen
    t = torch.randn(tuple(shape), generator=gen, dtype=torch.float64) * scale
    return t.to(dtype=getattr(torch, dtype), device=device)


def mlp(sizes, seed: int, *, device="cpu", dtype="float32"):
    """``Linear → ReLU → … → Linear`` with layer sizes ``sizes`` and seeded weights."""
    import torch
    from torch import nn

    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:])):
        if i:
            layers.append(nn.ReLU())
        layers.append(nn.Linear(n_in, n_out))
    model = nn.Sequential(*layers)
    fill(model.parameters(), seed)
    return model.to(device=device, dtype=getattr(torch, dtype))


def fill(params, seed: int) -> None:
    """Overwrite ``params`` in place with seeded values of PyTorch's default Linear scale."""
    import torch

    gen = generator(seed)
    with torch.no_grad():
        for p in params:
            fan_in = p.shape[-1] if p.dim() > 1 else max(p.numel(), 1)
            bound = fan_in ** -0.5
            values = torch.rand(tuple(p.shape), generator=gen, dtype=torch.float64) * 2 - 1
            p.copy_((values * bound).to(p.dtype))


def batch(seed: int, batch_size: int, *, device="cpu", in_features=784, num_classes=10):
    """One (inputs (B, in_features), targets (B,)) batch: MNIST-shaped FakeData for 784 inputs."""
    import torch

    if in_features == 784 and num_classes == 10:
        return fakedata.mnist(seed * batch_size, batch_size, device)
    gen = generator(seed)
    x = torch.randn(batch_size, in_features, generator=gen)
    y = torch.randint(0, num_classes, (batch_size,), generator=gen)
    return x.to(device), y.to(device)


def batches(seed: int, count: int, batch_size: int, **kw):
    return [batch(seed * 1000 + i, batch_size, **kw) for i in range(count)]


def stale_grads(model, seed: int, scale: float = 1.0) -> None:
    """Leave seeded 'gradients from an earlier batch' on every trainable parameter."""
    for i, p in enumerate(model.parameters()):
        if p.requires_grad:
            p.grad = randn(p.shape, seed * 7919 + i, dtype=str(p.dtype).removeprefix("torch."),
                           device=p.device, scale=scale)


def named_tensors(model, what="param"):
    """``{name: tensor}`` copies of a model's parameters (``param``) or their ``.grad``s (``grad``)."""
    out = {}
    for name, p in model.named_parameters():
        t = p if what == "param" else p.grad
        out[name] = None if t is None else t.detach().to("cpu").clone()
    return out


def optimizer_state(model, optimizer) -> dict:
    """The optimizer's per-parameter state (momentum_buffer, exp_avg, …) as ``{name: {key: value}}``."""
    import torch

    out = {}
    for name, p in model.named_parameters():
        entries = {}
        for key, value in optimizer.state.get(p, {}).items():
            if not isinstance(key, str) or key.startswith("$"):
                continue
            if isinstance(value, torch.Tensor):
                entries[key] = value.detach().to("cpu").clone()
            elif value is None or type(value) in (int, float):
                entries[key] = value
        out[name] = entries
    return out
