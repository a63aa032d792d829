"""Probes: the code that calls one function of a submission and records what it did.

A probe runs twice per check on the same grader-built inputs: in a worker with
the student's function, and in the judge with the reference solution's. It
returns plain data (``grader.wire`` can send it): return values described by
``describe``, parameters and gradients after the call, optimizer state, and
whatever else the check compares. Probes build every input from a seed with
``grader.inputs``; nothing depends on the student's random state.

Import-time code here must not run torch operations: this package is imported
before the fork server starts.
"""

from __future__ import annotations

import importlib
import reprlib
from typing import Callable

MODULES = ("exercise_1", "exercise_2", "exercise_3", "exercise_4", "exercise_5", "exercise_6")


class Probe:
    """A probe function plus the name of the submission function it calls."""

    def __init__(self, function: Callable, calls: str):
        self.function, self.calls = function, calls
        short = function.__module__.rsplit(".", 1)[-1]
        self.key = f"{short}:{function.__name__}"
        self.__doc__ = function.__doc__

    def __call__(self, fn, **params):
        return self.function(fn, **params)

    def __repr__(self) -> str:
        return f"<probe {self.key} calls {self.calls}>"


def probe(calls: str) -> Callable[[Callable], Probe]:
    """Mark a function as a probe of the submission function ``calls``."""
    return lambda function: Probe(function, calls)


def resolve(key: str) -> Probe:
    """The probe named ``exercise_3:sgd_single_step``."""
    module_name, _, name = key.partition(":")
    if module_name not in MODULES:
        raise LookupError(f"no probe module {module_name!r}")
    found = getattr(importlib.import_module(f"grader.probes.{module_name}"), name, None)
    if not isinstance(found, Probe):
        raise LookupError(f"no probe {key!r}")
    return found


def load_all(warm: tuple[str, ...] | None = None) -> None:
    """Import every probe module, and what the probes of the exercises ``warm`` (default:
    all) list in ``WARM_IMPORTS``: modules torch loads lazily on a probe's first use."""
    for name in MODULES:
        try:
            module = importlib.import_module(f"grader.probes.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"grader.probes.{name}":
                raise
            continue
        if warm is None or name in warm:
            for extra in getattr(module, "WARM_IMPORTS", ()):
                importlib.import_module(extra)


def type_name(value) -> str:
    """``torch.Tensor``, ``float``, ``torch.device``, ``mymodule.Forged``."""
    t = type(value)
    module = t.__module__
    if module == "builtins":
        return t.__qualname__
    if module.startswith("torch"):
        module = {"torch._tensor": "torch", "torch.nn.parameter": "torch.nn"}.get(module, module)
    return f"{module}.{t.__qualname__}"


def describe(value, depth: int = 0) -> dict:
    """What a returned value is, as plain data: its type, and its contents where they are data."""
    import torch

    info: dict = {"type": type_name(value)}
    if depth > 6:
        info["repr"] = "…"
        return info
    if isinstance(value, torch.Tensor):
        info.update(device=str(value.device), dtype=str(value.dtype).removeprefix("torch."),
                    shape=list(value.shape), requires_grad=bool(value.requires_grad),
                    has_grad_fn=value.grad_fn is not None)
        if value.device.type != "meta":
            info["tensor"] = torch.Tensor.as_subclass(value, torch.Tensor).detach().to("cpu").clone()
    elif value is None or type(value) in (bool, int, float, str):
        info["value"] = value
    elif isinstance(value, torch.device):
        info["value"] = str(value)
    elif type(value) in (list, tuple):
        info["items"] = [describe(item, depth + 1) for item in value]
    elif type(value) is dict:
        info["items"] = [[_key(k), describe(v, depth + 1)] for k, v in value.items()]
    else:
        info["repr"] = reprlib.repr(value)
    return info


def _key(key) -> str:
    return key if isinstance(key, str) else repr(key)
