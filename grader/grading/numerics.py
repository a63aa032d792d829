"""Fair numerics: tolerances per dtype and device (the maths settings themselves: ``grader.isolation.maths``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tolerance:
    """How far two tensors may differ and still count as equal."""

    rtol: float
    atol: float


# Single-step results. Students sum and order operations differently from the
# reference (a loop or foreach, loss/k per micro-batch or one big batch), which
# moves float32 results by a few ulps; a wrong formula moves them by far more.
_BASE = {
    "float64": Tolerance(1e-7, 1e-9),
    "float32": Tolerance(1e-4, 1e-5),
    "float16": Tolerance(1e-2, 1e-3),
    "bfloat16": Tolerance(2e-2, 1e-2),
}


def tolerance(dtype, device: str = "cpu", steps: int = 1) -> Tolerance:
    """The tolerance for comparing ``dtype`` tensors computed on ``device`` over ``steps`` steps."""
    name = str(dtype).removeprefix("torch.")
    base = _BASE.get(name, Tolerance(0.0, 0.0))  # integers and bools: exact
    scale = (4.0 if device.startswith("cuda") else 1.0) * max(1, steps) ** 0.5 * (1 if steps <= 1 else 3)
    return Tolerance(base.rtol * scale, base.atol * scale)
