"""Exercise 7's reference is what the checks compare with: it must be torch.optim.Adam, step for step."""

from __future__ import annotations

import pytest
import torch

from conftest import load_solution
from grader.lesson import inputs
from grader.lesson.exercise_7 import probes


@pytest.mark.parametrize("dtype, frozen, settings", [
    ("float32", (), dict(lr=0.01)),
    ("float32", ("0.bias",), dict(lr=0.01, eps=0.01)),
    ("float64", ("0.weight",), dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6)),
])
def test_the_solution_is_torch_adam(dtype, frozen, settings):
    steps = 4
    record = probes.adam_steps(load_solution("exercise_7").adam_update, device="cpu", seed=5, steps=steps,
                               frozen=frozen, dtype=dtype, **settings)
    model = inputs.mlp(probes.SIZES, 5, dtype=dtype)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    optimizer = torch.optim.Adam(model.parameters(), **settings)
    for step in range(steps):
        inputs.stale_grads(model, 5 + 100 * step)
        optimizer.step()
        for name, p in model.named_parameters():
            torch.testing.assert_close(record["after"][step][name], p.detach(), msg=f"step {step + 1}, {name}")
            state = optimizer.state.get(p, {})
            if name in frozen:
                assert not state and record["states"][step][name]["step"] == 0
            else:
                assert record["states"][step][name]["step"] == state["step"].item() == step + 1
                torch.testing.assert_close(record["states"][step][name]["m"], state["exp_avg"])
                torch.testing.assert_close(record["states"][step][name]["v"], state["exp_avg_sq"])
