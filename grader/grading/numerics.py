"""Fair numerics: the same settings in the judge and the workers, and tolerances per dtype and device."""

from __future__ import annotations

import os
from dataclasses import dataclass


def configure(device: str) -> None:
    """Deterministic, full-precision float32 maths on ``device`` (TF32 off on GPUs)."""
    import torch

    if device.startswith("cuda"):
        # Must be set before cuBLAS starts for deterministic algorithms to be allowed.
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.set_float32_matmul_precision("highest")


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
