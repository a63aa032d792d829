"""The maths settings every process that computes an outcome uses: worker and judge alike."""

from __future__ import annotations

import os


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
