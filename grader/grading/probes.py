"""Probes: the code that calls one function of a submission and records what it did.

A probe runs twice per check on the same grader-built inputs: in a worker with
the student's function, and in the judge with the reference solution's. It
returns plain data (``grader.isolation.wire`` can send it): return values described by
``describe``, parameters and gradients after the call, optimizer state, and
whatever else the check compares. Probes build every input from a seed with
the course's seeded generator; nothing depends on the student's random state.

Import-time code here must not run torch operations: this package is imported
before the fork server starts.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable

from grader.isolation import calls

class Probe:
    """A probe function plus the name of the submission function it calls."""

    def __init__(self, function: Callable, calls: str):
        self.function, self.calls = function, calls
        # "grader.lesson.exercise_3.probes:sgd_steps": how a worker finds the probe a job names.
        self.key = f"{function.__module__}:{function.__name__}"
        self.exercise = function.__module__.split(".")[-2]  # its folder: named like the exercise's file
        self.__doc__ = function.__doc__

    def __call__(self, fn, **params):
        return self.function(fn, **params)

    def __repr__(self) -> str:
        return f"<probe {self.key} calls {self.calls}>"


def probe(calls: str) -> Callable[[Callable], Probe]:
    """Mark a function as a probe of the submission function ``calls``."""
    return lambda function: Probe(function, calls)


def resolve(key: str) -> Probe:
    """The probe named ``package.exercise_3.probes:sgd_single_step``."""
    found = calls.resolve(key)
    if not isinstance(found, Probe):
        raise LookupError(f"no probe {key!r}")
    return found


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
