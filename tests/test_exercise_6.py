"""Exercise 6's stand-ins for a GPU, and every exercise on a real one.

The probes of exercise 6 pretend a GPU is there (or not) and use the meta
device for placement; they also run in the judge, so they must leave torch
exactly as they found it. The CUDA tests grade every solution on the GPU.
"""

from __future__ import annotations

import math

import pytest
import torch

from conftest import ROOT, load_solution
from grader.lesson.exercise_6 import probes

EXERCISES = [f"exercise-{n}" for n in range(1, 7)]
needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(scope="module")
def solution():
    return load_solution("exercise_6")


def _torch_state():
    state = [torch.cuda.is_available, torch.cuda.is_available.__code__, torch.cuda.device_count,
             torch.cuda.device_count.__code__, torch.cuda.current_device, torch.backends.mps.is_available,
             torch.__future__.get_swap_module_params_on_conversion(), torch._C._len_torch_function_stack()]
    if hasattr(torch, "accelerator"):
        state += [torch.accelerator.is_available, torch.accelerator.current_accelerator,
                  torch.accelerator.device_count, torch.accelerator.current_device_index]
    return state


@pytest.mark.parametrize("present", [True, False])
def test_pretend_gpu_answers_every_way_of_asking_and_restores_torch(present):
    from torch.cuda import is_available  # a name bound before the pretence starts

    before = _torch_state()
    truth = torch.cuda.is_available()
    with probes._pretend_gpu(present):
        assert torch.cuda.is_available() is present and is_available() is present
        assert torch.cuda.device_count() == int(present)
        assert torch.backends.mps.is_available() is False
        if hasattr(torch, "accelerator"):
            assert torch.accelerator.is_available() is present
            found = torch.accelerator.current_accelerator(check_available=True)
            assert (found.type if found is not None else None) == ("cuda" if present else None)
    assert _torch_state() == before
    assert torch.cuda.is_available() is truth


def test_pretend_gpu_restores_torch_when_the_call_raises():
    before = _torch_state()
    with pytest.raises(ZeroDivisionError):
        with probes._pretend_gpu(True):
            1 / 0  # noqa: B018 - raising is the point
    assert _torch_state() == before


def test_choose_with_the_solution(solution):
    assert probes.choose(solution.pick_device, device="cpu", gpu=True)["returned"] == \
        {"type": "torch.device", "value": "cuda"}
    assert probes.choose(solution.pick_device, device="cpu", gpu=False)["returned"] == \
        {"type": "torch.device", "value": "cpu"}


def test_meta_stand_in_gives_nan_for_values_and_restores_torch():
    before = _torch_state()
    loss = torch.ones(3, device="meta", requires_grad=True).sum()
    with probes._MetaStandIn():
        assert math.isnan(loss.item()) and math.isnan(float(loss))
        assert math.isnan(loss.detach().cpu().item()) and math.isnan(loss.to("cpu").tolist())
        assert f"{loss:.2f}" == "nan"
        param = torch.nn.Parameter(torch.zeros(2))
        param.data = param.data.to("meta")  # moving a parameter the old way still works
        assert param.device.type == "meta" and isinstance(param, torch.nn.Parameter)
        with pytest.raises(RuntimeError):  # mixing devices still fails, as it does on a GPU
            torch.zeros(2) + torch.zeros(2, device="meta")
    assert _torch_state() == before
    with pytest.raises(RuntimeError):
        loss.item()


def test_meta_stand_in_keeps_the_parameters_the_optimizer_holds():
    model = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    with probes._MetaStandIn():
        model.to("meta")
    assert all(p.device.type == "meta" for p in optimizer.param_groups[0]["params"])
    assert [id(p) for p in model.parameters()] == [id(p) for p in optimizer.param_groups[0]["params"]]


def test_placement_with_the_solution_is_all_on_meta(solution):
    got = probes.placement(solution.train_step_on, device="cpu", seed=1)
    assert got["raised"] is None
    assert got["placement"] == {"forward": [{"inputs": ["meta"], "parameters": ["meta"]}],
                                "loss": [{"outputs": ["meta"], "targets": ["meta"]}]}
    assert got["returned"]["type"] == "float" and math.isnan(got["returned"]["value"])


def test_placement_records_a_model_left_behind():
    def no_model_move(model, loss_fn, optimizer, inputs, targets, device):
        loss = loss_fn(model(inputs.to(device)), targets.to(device))
        loss.backward()
        return loss.item()

    got = probes.placement(no_model_move, device="cpu", seed=1)
    assert got["placement"]["forward"] == [{"inputs": ["meta"], "parameters": ["cpu"]}]
    assert got["raised"].startswith("RuntimeError")


def test_placement_lets_other_errors_through():
    def broken(model, loss_fn, optimizer, inputs, targets, device):
        raise KeyError("not about devices")

    with pytest.raises(KeyError):
        probes.placement(broken, device="cpu", seed=1)
    assert torch._C._len_torch_function_stack() == 0
    assert not torch.__future__.get_swap_module_params_on_conversion()


# ---------------------------------------------------------------- on a real GPU

@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("exercise", EXERCISES)
def test_solution_scores_full_marks_on_cuda(grade, exercise):
    path = ROOT / "solutions" / f"{exercise.replace('-', '_')}.py"
    if not path.is_file():
        pytest.skip(f"{exercise} has no solution yet")
    result = grade(exercise, path, device="cuda")
    assert {c.name: c.feedback for c in result.checks if not c.passed} == {}
    assert result.score == result.max_score > 0


@pytest.mark.cuda
@needs_cuda
def test_pick_device_chooses_cuda_on_a_gpu_machine(solution):
    assert probes.choose(solution.pick_device, device="cuda")["returned"]["value"].startswith("cuda")


@pytest.mark.cuda
@needs_cuda
def test_train_step_on_runs_on_the_gpu(solution):
    got = probes.training(solution.train_step_on, device="cuda", seed=1, steps=2)
    assert got["raised"] is None and got["device"] == "cuda"
    assert all(run["parameters"] == ["cuda"] and run["inputs"] == ["cuda"]
               for seen in got["placement"] for run in seen["forward"])


@pytest.mark.cuda
@needs_cuda
def test_a_model_left_on_the_cpu_is_named_on_cuda(grade):
    result = grade("exercise-6", ROOT / "tests" / "mistakes" / "exercise_6" / "train_forgets_the_model.py",
                   device="cuda")
    check = {c.name: c for c in result.checks}["test_train_step_on_matches_a_training_step"]
    assert not check.passed and "the model was never moved" in check.feedback


def test_pick_device_in_a_row_asks_torch_each_time(solution):
    import functools

    got = probes.choose(solution.pick_device, device="cpu", gpu=[True, False, True])
    assert [a["value"] for a in got["in_a_row"]] == ["cuda", "cpu", "cuda"]
    cached = functools.cache(lambda: solution.pick_device())
    got = probes.choose(cached, device="cpu", gpu=[True, False])
    assert [a["value"] for a in got["in_a_row"]] == ["cuda", "cuda"]


def test_to_device_probe_sees_a_batch_changed_in_place(solution):
    def in_place(batch, device):
        for key in batch:
            batch[key] = solution.to_device(batch[key], device)
        return batch

    good = probes.move(solution.to_device, device="cpu", seed=3, kind="nested", target="meta")
    bad = probes.move(in_place, device="cpu", seed=3, kind="nested", target="meta")
    assert good["given_after"]["items"][0][1]["device"] == "cpu"
    assert bad["given_after"]["items"][0][1]["device"] == "meta"
