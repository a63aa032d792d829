"""Checks for exercise 3: a manual SGD step."""

import pytest

from grader.grading.compare import (evidence, expect_recorded, expect_type, mismatched,
                            step_scale)
from grader.grading.feedback import Feedback
from grader.lesson.wording import describe_scale, learning_rate_clue
from grader.lesson.exercise_3 import probes

IN_PLACE = ("`p = p - lr * p.grad` makes a new tensor and points the name p at it; the model's "
            "parameter itself never changes. Update in place, inside `with torch.no_grad():` — "
            "for example `p -= lr * p.grad` or `p.sub_(lr * p.grad)`.")


def expect_steps(got: dict, want: dict, device: str, lr: float, what: str = "sgd_update") -> None:
    """Parameters after every step must match the reference; name the mistake if they don't."""
    expect_recorded(got, want, ("after",), what)
    before = want["before"]
    for step, (g_after, w_after) in enumerate(zip(got["after"], want["after"])):
        bad = mismatched(g_after, w_after, device)
        if not bad:
            before = w_after
            continue
        k = step_scale(before, g_after, w_after)
        when = f" (step {step + 1})" if len(want["after"]) > 1 else ""
        sentences = [describe_scale(k), learning_rate_clue(k, lr)]
        if k is not None and abs(k) < 1e-6:
            fix = IN_PLACE
        elif k is not None and k < 0:
            fix = "Subtract the scaled gradient (p -= lr * p.grad): a step against the gradient goes downhill."
        elif k is not None:
            fix = "Multiply the gradient by lr once: p -= lr * p.grad."
        else:
            fix = "Compute p ← p − lr · p.grad for every parameter that has a gradient, and nothing else."
        detail = " ".join(s for s in sentences if s)
        raise Feedback(f"After {what}{when}, the parameters are not where one SGD step (lr={lr}) puts them. "
                       + detail, evidence(g_after, w_after, bad), fix)


def expect_returns_none(got: dict, name: str) -> None:
    for returned in got["returned"]:
        expect_type(returned, "NoneType", f"What {name} returns", "Change the parameters in place and return nothing.")


@pytest.mark.points(2)
def test_sgd_step_matches_torch(judge, device):
    """sgd_update takes the same step as torch.optim.SGD"""
    got, want = judge.both(probes.sgd_steps, seed=3, lr=0.1)
    expect_steps(got, want, device, lr=0.1)
    expect_returns_none(got, "sgd_update")


@pytest.mark.points(1)
def test_sgd_leaves_autograd_and_grads_alone(judge):
    """sgd_update records no autograd history and leaves .grad unchanged"""
    got, want = judge.both(probes.sgd_steps, seed=4, lr=0.05)
    expect_recorded(got, want, ("after", "autograd", "grads_after"), "sgd_update")
    for name, state in got["autograd"].items():
        if state["has_grad_fn"] or not state["is_leaf"]:
            raise Feedback(
                f"After sgd_update, parameter {name!r} has autograd history (a grad_fn): the update "
                "was recorded as part of the model's computation.", None,
                "Do the update inside `with torch.no_grad():` so that autograd does not record it.")
        if not state["requires_grad"]:
            raise Feedback(f"After sgd_update, parameter {name!r} no longer requires grad, so the model "
                           "cannot learn any more.", None,
                           "Don't detach or freeze parameters; change their values in place under torch.no_grad().")
    bad = mismatched(got["grads_after"][0], want["grads_after"][0])
    if bad:
        raise Feedback("sgd_update changed the gradients. The optimizer's step only reads `.grad`; "
                       "clearing gradients is zero_grad's job, at the start of the next training step.",
                       evidence(got["grads_after"][0], want["grads_after"][0], bad, "gradient of"),
                       "Read p.grad, don't modify it.")


@pytest.mark.points(1)
def test_sgd_skips_parameters_without_grad(judge, device):
    """sgd_update skips frozen parameters, whose .grad is None"""
    got, want = judge.both(probes.sgd_steps, seed=5, lr=0.1, frozen=["0.weight", "0.bias"])
    expect_recorded(got, want, ("after",), "sgd_update")
    moved = [n for n in ("0.weight", "0.bias") if mismatched({n: got["after"][0][n]}, {n: want["before"][n]})]
    if moved:
        raise Feedback(f"Frozen parameters moved: {', '.join(moved)}. A frozen parameter has no gradient "
                       "and must not change.", None, "Skip parameters whose `.grad` is None.")
    expect_steps(got, want, device, lr=0.1)


@pytest.mark.points(1)
def test_sgd_accepts_a_generator(judge, device):
    """sgd_update works when params is model.parameters(), a generator"""
    got, want = judge.both(probes.sgd_steps, seed=6, lr=0.1, pass_as="generator")
    expect_recorded(got, want, ("after",), "sgd_update")
    if not mismatched(got["after"][0], want["before"]) and mismatched(want["after"][0], want["before"]):
        raise Feedback("Given `model.parameters()` (a generator), sgd_update changed nothing. A generator "
                       "can be gone through only once: a first loop (or len/list) used it up.", None,
                       "Loop over params exactly once: `for p in params:`.")
    expect_steps(got, want, device, lr=0.1)


@pytest.mark.points(1)
def test_momentum_first_step(judge, device):
    """sgd_momentum_update's first step matches torch.optim.SGD with momentum"""
    got, want = judge.both(probes.momentum_steps, seed=7, lr=0.1, momentum=0.9, steps=1)
    expect_steps(got, want, device, lr=0.1, what="sgd_momentum_update")
    expect_returns_none(got, "sgd_momentum_update")


@pytest.mark.points(2)
def test_momentum_carries_velocity(judge, device):
    """Over three steps, sgd_momentum_update matches torch.optim.SGD with momentum"""
    got, want = judge.both(probes.momentum_steps, seed=8, lr=0.05, momentum=0.9, steps=3)
    first = mismatched(got["after"][0], want["after"][0], device)
    later = mismatched(got["after"][-1], want["after"][-1], device, steps=3)
    if not first and later:
        unchanged = not mismatched(got["velocities"][0], {n: v * 0 for n, v in want["velocities"][0].items()})
        if unchanged:
            raise Feedback(
                "The first step is right but later ones are not, and your velocity buffers are still all "
                "zeros after a step: the momentum never carries over to the next call.", None,
                "Update each buffer in place (`v.mul_(momentum).add_(p.grad)`), so the caller's "
                "`velocities` hold the running direction for the next step.")
        raise Feedback(
            "The first step is right but later steps drift: the velocity does not carry past gradients "
            "the way momentum should.",
            evidence(got["after"][-1], want["after"][-1], later),
            "Each step: v ← momentum · v + p.grad, then p ← p − lr · v, with v kept between calls.")
    expect_steps(got, want, device, lr=0.05, what="sgd_momentum_update")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_sgd_float64_two_steps(judge, device):
    """sgd_update in float64, two steps with a small learning rate"""
    got, want = judge.both(probes.sgd_steps, seed=9, lr=0.003, steps=2, dtype="float64")
    expect_steps(got, want, device, lr=0.003)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_momentum_generator_with_frozen(judge, device):
    """sgd_momentum_update with a generator of parameters, one of them frozen"""
    got, want = judge.both(probes.momentum_steps, seed=10, lr=0.1, momentum=0.5, steps=3,
                           frozen=["2.bias"], pass_as="generator")
    expect_steps(got, want, device, lr=0.1, what="sgd_momentum_update")
