"""Exercise 4's checks rest on two facts tested here, in-process: the reference accumulation really is
the one big-batch step, and every known-wrong version the checks simulate really differs from it."""

from __future__ import annotations

import importlib

import pytest

from conftest import load_solution
from grader.lesson import inputs
from grader.grading.compare import mismatched
from grader.lesson.exercise_4 import probes

SCENARIOS = [dict(seed=51, k=4, micro_size=4, lr=0.1),
             dict(seed=54, k=3, micro_size=5, lr=0.05, momentum=0.9, warmup=True),
             dict(seed=55, k=2, micro_size=8, optimizer="adam", lr=1e-3, warmup=True)]
EPOCHS = [dict(seed=42, n_batches=3, batch_size=8, lr=0.1),
          dict(seed=43, n_batches=4, batch_size=8, lr=0.05, momentum=0.9, warmup=True),
          dict(seed=44, n_batches=3, batch_size=16, optimizer="adam", lr=1e-3, warmup=True)]


@pytest.fixture(scope="module")
def checks(request):
    """The checks module, for its known-wrong implementations (its markers are the grader plugin's)."""
    for line in ("points(n): the points a check is worth", "hidden: a check students do not get"):
        request.config.addinivalue_line("markers", line)
    return importlib.import_module("grader.lesson.exercise_4.checks")


@pytest.fixture(scope="module")
def solution():
    return load_solution("exercise_4")


def _one_big_batch(model, loss_fn, opt, micro_batches):
    """The step accumulation must reproduce: one forward over everything, concatenated."""
    import torch

    x = torch.cat([x for x, _ in micro_batches])  # (k·B, 784)
    y = torch.cat([y for _, y in micro_batches])
    opt.zero_grad()
    loss_fn(model(x), y).backward()
    opt.step()
    return 0.0


@pytest.mark.parametrize("params", SCENARIOS, ids=lambda p: p.get("optimizer", "sgd") + str(p.get("momentum", "")))
def test_reference_accumulation_is_the_big_batch_step(solution, params):
    accumulated = probes.accumulate(solution.accumulate_and_step, device="cpu", **params)
    big = probes.accumulate(_one_big_batch, device="cpu", **params)
    assert accumulated["steps"] == big["steps"] == 1
    assert not mismatched(accumulated["final"], big["final"])
    assert mismatched(accumulated["final"], accumulated["before"])  # it moved
    assert max(accumulated["rows"]) == params["micro_size"]
    mean = sum(accumulated["micro_losses"]) / params["k"]
    assert accumulated["returned"]["value"] == pytest.approx(mean, rel=1e-6)


@pytest.mark.parametrize("params", SCENARIOS, ids=lambda p: p.get("optimizer", "sgd") + str(p.get("momentum", "")))
def test_every_simulated_accumulation_mistake_differs(checks, solution, params):
    right = probes.accumulate(solution.accumulate_and_step, device="cpu", **params)
    for zero in ("start", "inside", "never"):
        for divide in (True, False):
            wrong = probes.accumulate(checks._accumulate_with(zero, divide), device="cpu", **params)
            differs = bool(mismatched(wrong["final"], right["final"]))
            # Adam without state would hide the missing division; with warm-up state it shows.
            assert differs == ((zero, divide) != ("start", True)), (zero, divide)


@pytest.mark.parametrize("params", EPOCHS, ids=lambda p: p.get("optimizer", "sgd") + str(p.get("momentum", "")))
def test_every_simulated_epoch_mistake_differs(checks, solution, params):
    right = probes.epoch(solution.train_epoch, device="cpu", **params)
    assert right["steps"] == params["n_batches"]
    runs = {}
    for zero, to_none in checks.EPOCH_SIMULATIONS:
        wrong = probes.epoch(checks._epoch_with(zero, to_none), device="cpu", **params)
        assert not checks._same_run(wrong, right, "cpu"), zero
        runs[(zero, to_none)] = wrong
    # The names are told apart: no two different mistakes leave the same trajectory.
    names = list(runs)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            if a[0] != b[0]:
                assert not checks._same_run(runs[a], runs[b], "cpu"), (a, b)


def test_stale_gradients_are_large_enough_to_show():
    model = inputs.mlp(probes.SIZES, 1)
    inputs.stale_grads(model, 2)
    assert all(p.grad.abs().mean() > 0.5 for p in model.parameters())


def test_a_later_call_gets_its_own_model_with_frozen_parameters_and_dtype(solution):
    import torch

    seen = []

    def record(model, loss_fn, opt, batches):
        seen.append(([p.requires_grad for p in model.parameters()], model[0].weight.dtype, batches[0][0].dtype,
                     len(batches)))
        return solution.train_epoch(model, loss_fn, opt, batches)

    out = probes.epoch(record, device="cpu", seed=45, n_batches=2, batch_size=8, lr=0.1,
                       then=[{"n_batches": 3, "frozen": ["0.bias"], "dtype": "float64", "momentum": 0.9}])
    assert seen[0] == ([True] * 4, torch.float32, torch.float32, 2)
    assert seen[1] == ([True, False, True, True], torch.float64, torch.float64, 3)  # a model of its own
    again = out["again"][0]
    assert out["n"] == 2 and again["n"] == again["steps"] == 3
    assert not mismatched({"0.bias": again["final"]["0.bias"]}, {"0.bias": again["before"]["0.bias"]})
    assert out["batch_changed"] == again["batch_changed"] == [] and not again["same_list"]


def test_a_changed_batch_is_seen(solution):
    def normalises(model, loss_fn, opt, batches):
        for x, _ in batches[1:]:
            x.mul_(2)
        return solution.train_epoch(model, loss_fn, opt, batches)

    assert probes.epoch(normalises, device="cpu", seed=42, n_batches=3)["batch_changed"] == [1, 2]


def test_simulated_epoch_mistakes_differ_on_the_second_call_too(checks, solution):
    params = dict(seed=45, n_batches=2, batch_size=8, lr=0.1,
                  then=[{"n_batches": 3, "frozen": ["0.bias"], "dtype": "float64", "momentum": 0.9}])
    right = probes.epoch(solution.train_epoch, device="cpu", **params)["again"][0]
    for zero, to_none in checks.EPOCH_SIMULATIONS:
        wrong = probes.epoch(checks._epoch_with(zero, to_none), device="cpu", **params)["again"][0]
        assert not checks._same_run(wrong, right, "cpu"), zero
