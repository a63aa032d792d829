"""``by_hand`` sees every route by which a function hands its step to torch.optim, and leaves torch as
it found it; the reference momentum of exercise 3 is torch.optim.SGD's, buffers included."""

from __future__ import annotations

import pytest
import torch
import torch.optim.adam as adam_module
import torch.optim.sgd as sgd_module

from conftest import load_solution
from grader.lesson import by_hand, inputs
from grader.lesson.exercise_3 import probes


def _model():
    model = inputs.mlp((3, 2), 1)
    inputs.stale_grads(model, 1)
    return model


def _by_class(model):
    torch.optim.SGD(model.parameters(), lr=0.1).step()


def _functional(model):
    params = list(model.parameters())
    with torch.no_grad():
        adam_module.adam(params, [p.grad for p in params], [torch.zeros_like(p) for p in params],
                              [torch.zeros_like(p) for p in params], [], [torch.tensor(0.0) for _ in params],
                              amsgrad=False, beta1=0.9, beta2=0.999, lr=0.01, weight_decay=0.0, eps=1e-8,
                              maximize=False)


def _foreach(model):
    params = list(model.parameters())
    with torch.no_grad():
        torch._foreach_add_(params, [p.grad for p in params], alpha=-0.1)


@pytest.mark.parametrize("update, noted", [
    (_by_class, ["built torch.optim.SGD", "called torch.optim.SGD.step()", "ran torch.optim's own SGD update"]),
    (_functional, ["ran torch.optim's own Adam update"]),
    (_foreach, []),
])
def test_what_took_the_step_is_noted(update, noted):
    with by_hand.watching_torch_optim() as used:
        update(_model())
    assert used == noted


def test_torch_is_left_as_it_was():
    before = (torch.optim.Optimizer.__init__, sgd_module._single_tensor_sgd, adam_module._single_tensor_adam)
    with pytest.raises(RuntimeError):
        with by_hand.watching_torch_optim():
            raise RuntimeError("the student's code failed")
    assert (torch.optim.Optimizer.__init__, sgd_module._single_tensor_sgd,
            adam_module._single_tensor_adam) == before
    with by_hand.watching_torch_optim() as used:
        pass
    _by_class(_model())
    assert used == []


def test_the_momentum_reference_is_torch_sgd_buffers_included():
    steps, lr, momentum, frozen = 3, 0.05, 0.9, ("0.bias",)
    record = probes.momentum_steps(load_solution("exercise_3").sgd_momentum_update, device="cpu", seed=5,
                                   lr=lr, momentum=momentum, steps=steps, frozen=frozen)
    model = inputs.mlp(probes.SIZES, 5)
    for name, p in model.named_parameters():
        p.requires_grad_(name not in frozen)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    for step in range(steps):
        inputs.stale_grads(model, 5 + 100 * step)
        optimizer.step()
        for name, p in model.named_parameters():
            torch.testing.assert_close(record["after"][step][name], p.detach())
            buffer = optimizer.state.get(p, {}).get("momentum_buffer")
            expected = torch.zeros_like(p) if buffer is None else buffer
            torch.testing.assert_close(record["velocities"][step][name], expected.detach())
    assert record["torch_optim"] == []
