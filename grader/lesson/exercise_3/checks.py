"""Checks for exercise 3: a manual SGD step, with and without momentum.

When the parameters or the velocity buffers come out wrong, the checks ask what each known
mistake would have given on the same inputs (``lab.simulate``) and name the one the submission
reproduces (its id in mistakes.toml); when none fits, they say what was observed. The known-wrong
step (``_momentum_with``) is one argument away from the answer, so it is a ``@simulator``: a
release cuts it out and ships only what it gives on the public scenarios, as data.
"""

import pytest

from grader.grading.compare import changed, close, evidence, expect_recorded, mismatched, step_scale
from grader.grading.feedback import Feedback
from grader.grading.simulations import mistaken, simulator
from grader.lesson.by_hand import expect_by_hand, expect_grads_untouched
from grader.lesson.diagnosis import (KnownMistake, Pairing, expect_in_a_row, expect_returns_none, known_error,
                                     outcomes, simulating)
from grader.lesson.wording import describe_scale, learning_rate_clue
from grader.lesson.exercise_3 import probes

IN_PLACE = ("`p = p - lr * p.grad` makes a new tensor and points the name p at it; the model's "
            "parameter itself never changes. Change the parameter's own values, in place (an augmented "
            "assignment, or a tensor method whose name ends in `_`), inside `with torch.no_grad():`.")
STATE_KEPT = ("Keep nothing from one call for the next outside what the caller hands in: the parameters "
              "and, for momentum, the velocity buffers. A variable at module level, a cache or a default "
              "argument that remembers is shared by every model the function is ever called on.")
PAIRED = Pairing("a parameter met another one's velocity buffer once the frozen one was left out. Each buffer "
                 "belongs to the parameter at the same position, frozen ones included.",
                 "Pair each parameter with its buffer first (the buffer at the same position, frozen parameters "
                 "included), then skip the pairs whose parameter has no gradient.")


# ---------------------------------------------------------------- plain SGD

def expect_steps(got: dict, want: dict, device: str, lr: float, what: str = "sgd_update",
                 where: str = "") -> None:
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
        detail = " ".join(s for s in sentences if s)
        said = (f"{where}After {what}{when}, the parameters are not where one SGD step (lr={lr}) puts "
                "them. " + detail)
        shown = evidence(g_after, w_after, bad)
        if k is not None and abs(k) < 1e-6:
            raise Feedback(said, shown, IN_PLACE, mistake="update.rebinds")
        if k is not None and k < 0:
            raise Feedback(said, shown, "Move against the gradient: it points uphill, so gradient descent takes "
                           "the scaled gradient away from the parameter.", mistake="sgd.ascent")
        if k is not None:
            once = "Scale each gradient by the learning rate exactly once before you take it away from its parameter."
            if _lr_slip(k, lr) == "missing":
                raise Feedback(said, shown, once, mistake="lr.missing")
            if _lr_slip(k, lr) == "twice":
                raise Feedback(said, shown, once, mistake="lr.twice")
            raise Feedback(said, shown, once)
        raise Feedback(said, shown, "Move every parameter that has a gradient against it, by the learning rate "
                       "times the gradient, and leave the others as they are.")


def _lr_slip(k: float, lr: float) -> str | None:
    """"missing" for a step 1/lr times the expected one (the raw gradient), "twice" for lr times (lr²·grad):
    what ``learning_rate_clue`` says in words."""
    if lr in (0, 1):
        return None
    if abs(k - 1 / lr) < 1e-3 * abs(1 / lr):
        return "missing"
    if abs(k - lr) < 1e-3 * abs(lr):
        return "twice"
    return None


def expect_frozen_still(got: dict, want: dict, frozen, what: str, where: str = "") -> None:
    expect_recorded(got, want, ("after",), what)
    moved = [n for n in frozen if mismatched({n: got["after"][-1].get(n)}, {n: want["before"][n]})]
    if moved:
        raise Feedback(f"{where}Frozen parameters moved: {', '.join(moved)}. A frozen parameter has no "
                       f"gradient (its .grad is None), so {what} has nothing to move it by: it must stay "
                       "as it is.", None, "Skip parameters whose `.grad` is None.", mistake="frozen.touched")


# ---------------------------------------------------------------- momentum

MOMENTUM_MISTAKES = {  # each: what the student's parameters match, what to change, the mistake's id
    "no_momentum": KnownMistake(
        "what plain SGD gives: every step moves by the learning rate times this step's gradient alone, as "
        "if the velocity started from zero at every call. Momentum's running direction never carried the "
        "earlier gradients into the next step.",
        "Make the new velocity from the buffer's previous value, scaled by momentum, plus the new gradient; "
        "keep it in the caller's buffer itself, and move the parameter with it.",
        mistake="momentum.not_carried"),
    "gradient_in_buffer": KnownMistake(
        "what momentum gives when the buffer keeps only the latest gradient instead of the velocity: each "
        "step remembers one gradient back, not the whole history of past gradients decaying by momentum.",
        "Store the new velocity itself in the buffer, so that the next step builds on all the earlier gradients.",
        mistake="momentum.buffer_gradient"),
    "dampened": KnownMistake(
        "what momentum gives when the gradient is weighted by (1 − momentum) before it joins the velocity "
        "(an average, like Adam's m). torch's SGD adds the whole gradient to the decayed velocity, so your "
        "steps come out smaller.",
        "Add the gradient to momentum times the old velocity as it is, without weighting it.",
        mistake="momentum.dampened"),
    "lr_in_velocity": KnownMistake(
        "what momentum gives when the learning rate goes into the velocity and then scales the step again: "
        "the learning rate was applied twice.",
        "Scale by the learning rate once: either inside the velocity, or when the parameter moves, not both.",
        mistake="lr.twice"),
    "step_before_velocity": KnownMistake(
        "what momentum gives when the parameter moves with the velocity from before this step's gradient "
        "was added: the first step does not move at all, and every later step lags one gradient behind.",
        "Bring the velocity up to date with this step's gradient first, then move the parameter with it.",
        mistake="momentum.stale_velocity"),
    "ascent": KnownMistake(
        "what momentum gives when the parameter moves with the velocity instead of against it: that is "
        "gradient ascent, uphill, and the loss gets worse.",
        "Gradient descent moves against the gradients: take the learning rate times the velocity away "
        "from the parameter.", mistake="sgd.ascent"),
    "nesterov": KnownMistake(
        "what Nesterov momentum gives (the step looks ahead: the gradient plus momentum times the new "
        "velocity). torch.optim.SGD with momentum, as in this exercise, steps with the velocity itself.",
        "Move the parameter by the learning rate times the velocity alone.", mistake="momentum.nesterov"),
}


@simulator(calls="sgd_momentum_update", variants=[(m,) for m in MOMENTUM_MISTAKES])
def _momentum_with(mistake: str):
    """sgd_momentum_update made with ``mistake`` (a key of MOMENTUM_MISTAKES): its effect, to recognise it by."""
    import torch

    def sgd_momentum_update(params, velocities, lr, momentum):
        with torch.no_grad():
            for p, buffer in zip(params, velocities):
                if p.grad is None:
                    continue  # a frozen parameter
                g, old = p.grad, buffer.clone()
                weight = {"dampened": 1 - momentum, "lr_in_velocity": lr}.get(mistake, 1.0)
                new = momentum * old + weight * g
                if mistake != "no_momentum":
                    buffer.copy_(g if mistake == "gradient_in_buffer" else new)
                step = {"no_momentum": g, "step_before_velocity": old, "nesterov": g + momentum * new}.get(mistake, new)
                p.add_(step, alpha=lr if mistake == "ascent" else -lr)
    return sgd_momentum_update


def expect_momentum(got: dict, want: dict, device: str, lr: float, momentum: float, simulated,
                    where: str = "") -> None:
    """Parameters after every momentum step must match the reference; name the mistake if they don't
    (``simulated(mistaken(…))``: the record a known-wrong step leaves on the same inputs)."""
    expect_recorded(got, want, ("after",), "sgd_momentum_update")
    for step, (g_after, w_after) in enumerate(zip(got["after"], want["after"])):
        bad = mismatched(g_after, w_after, device, steps=step + 1)
        if not bad:
            continue
        when = f" after step {step + 1}" if len(want["after"]) > 1 else ""
        before = want["before"] if step == 0 else want["after"][step - 1]
        shown = evidence(g_after, w_after, bad)
        for mistake, known in MOMENTUM_MISTAKES.items():
            made = simulated(mistaken("_momentum_with", mistake))["after"][step]
            if not mismatched(g_after, made, device, step + 1):
                if mistake == "no_momentum" and _all_zero(got, step):
                    raise Feedback(
                        f"{where}The first step is right but later ones are not, and your velocity buffers are "
                        "still all zeros after a step: the momentum never carries over to the next call, so "
                        "every step is a plain SGD step, by the learning rate times that step's gradient alone.",
                        shown,
                        "Change each buffer's own values (in place) to the new velocity, so that the caller's "
                        "`velocities` carry the running direction into the next step.",
                        mistake="momentum.not_carried")
                raise known.seen(f"{where}Your parameters{when} are ", shown)
        if not changed(before, g_after) and changed(before, w_after):
            raise Feedback(f"{where}The parameters did not change at all{when}: no update reached them.", shown,
                           IN_PLACE.replace("lr * p.grad", "lr * v"), mistake="update.rebinds")
        raise Feedback(f"{where}The parameters{when} are not where SGD with momentum (lr={lr}, "
                       f"momentum={momentum}) takes them, and no mistake the grader knows gives these values.",
                       shown, "Go through the docstring's two lines in order, for every parameter that has a "
                       "gradient, with the velocity kept in its buffer between calls.")


def _all_zero(got: dict, step: int) -> bool:
    buffers = (got.get("velocities") or [{}] * (step + 1))[step]
    return isinstance(buffers, dict) and all(v is not None and not v.any() for v in buffers.values())


def expect_velocities(got: dict, want: dict, device: str, lr: float, momentum: float, simulated,
                      where: str = "") -> None:
    """The caller's buffers must hold the velocity after every step: torch's (momentum · v + p.grad), or
    that times ±lr (the other way of writing momentum, v ← momentum · v − lr · p.grad, p ← p + v)."""
    expect_recorded(got, want, ("velocities",), "sgd_momentum_update")
    for step, (mine, theirs) in enumerate(zip(got["velocities"], want["velocities"])):
        if not isinstance(mine, dict):
            mine = {}
        bad = [n for n, w in theirs.items() if not _a_velocity(mine.get(n), w, lr, device, step + 1)]
        if not bad:
            continue
        shown = evidence(mine, theirs, bad, "buffer of")
        if all(mine.get(n) is not None and not mine[n].any() for n in bad):
            raise Feedback(
                f"{where}Your parameters are right, but your velocity buffers are still all zeros after step "
                f"{step + 1}: the running direction lives somewhere else (a variable outside the function, an "
                "attribute on the parameter), out of the caller's sight. The caller keeps `velocities` to carry "
                "it from one step to the next; a new model gets new buffers, and must start afresh.", shown,
                "Keep the velocity in the buffer the caller passed, changing its values in place, and nowhere else.",
                mistake="state.kept")
        grads = want["grads"][step]
        if all(mine.get(n) is not None and grads.get(n) is not None and close(mine[n], grads[n], device)
               for n in bad):
            raise Feedback(f"{where}After step {step + 1}, your velocity buffers hold that step's gradient, "
                           "not the running direction: the earlier gradients, decayed by momentum, are missing.",
                           shown, "Store the new velocity itself (momentum times the old one, plus the "
                           "gradient) in the buffer.", mistake="momentum.buffer_gradient")
        for mistake in ("dampened",):
            made = simulated(mistaken("_momentum_with", mistake))["velocities"][step]
            if all(mine.get(n) is not None and close(mine[n], made[n], device, step + 1) for n in bad):
                raise MOMENTUM_MISTAKES[mistake].seen(f"{where}After step {step + 1}, your velocity buffers hold ",
                                                      shown)
        raise Feedback(f"{where}After step {step + 1}, your velocity buffers hold values that are neither the "
                       "velocity torch.optim.SGD keeps (momentum times the old velocity, plus the gradient) nor "
                       "that velocity times the learning rate.", shown,
                       "Keep in each buffer the velocity the docstring describes, updated in place at every step.")


def _a_velocity(mine, theirs, lr: float, device: str, steps: int) -> bool:
    if mine is None:
        return False
    return any(close(mine, scale * theirs, device, steps) for scale in (1.0, -lr, lr))


# ---------------------------------------------------------------- the checks

@pytest.mark.points(1)
def test_sgd_step_matches_torch(lab, device):
    """sgd_update takes the same step as torch.optim.SGD"""
    got, want = lab.both(probes.sgd_steps, seed=3, lr=0.1)
    expect_steps(got, want, device, lr=0.1)
    expect_returns_none(got, "sgd_update")


@pytest.mark.points(1)
def test_sgd_leaves_autograd_and_grads_alone(lab):
    """sgd_update records no autograd history and leaves .grad unchanged"""
    try:
        got, want = lab.both(probes.sgd_steps, seed=4, lr=0.05)
    except Feedback as problem:  # autograd refusing the update names the mistake
        raise known_error(problem) from None
    expect_recorded(got, want, ("after", "autograd", "grads_after"), "sgd_update")
    for name, state in got["autograd"].items():
        if state["has_grad_fn"] or not state["is_leaf"]:
            raise Feedback(
                f"After sgd_update, parameter {name!r} has autograd history (a grad_fn): the update "
                "was recorded as part of the model's computation.", None,
                "Do the update inside `with torch.no_grad():` so that autograd does not record it.",
                mistake="update.recorded")
        if not state["requires_grad"]:
            raise Feedback(f"After sgd_update, parameter {name!r} no longer requires grad, so the model "
                           "cannot learn any more.", None,
                           "Don't detach or freeze parameters; change their values in place under torch.no_grad().")
    expect_grads_untouched(got, want, "sgd_update")


@pytest.mark.points(1)
def test_sgd_skips_parameters_without_grad(lab, device):
    """sgd_update skips frozen parameters, whose .grad is None"""
    frozen = ["0.bias", "2.bias"]
    got, want = outcomes(lab, probes.sgd_steps, seed=5, lr=0.1, frozen=frozen)
    expect_frozen_still(got, want, frozen, "sgd_update")
    names = list(want["before"])
    first = names.index(frozen[0])  # what stopping at the first frozen parameter would leave
    stopped = {n: want["after"][0][n] if i < first else want["before"][n] for i, n in enumerate(names)}
    if mismatched(got["after"][0], want["after"][0], device) and not mismatched(got["after"][0], stopped, device):
        raise Feedback(f"Only the parameters before the first frozen one ({frozen[0]!r}) moved: your loop "
                       "stopped at the first frozen parameter instead of passing over it, so every parameter "
                       "after it kept its old values.", evidence(got["after"][0], want["after"][0],
                                                                 mismatched(got["after"][0], want["after"][0], device)),
                       "When a parameter has no gradient, skip that one parameter and carry on with the next.",
                       mistake="frozen.stops_at_first")
    expect_steps(got, want, device, lr=0.1)


@pytest.mark.points(1)
def test_sgd_accepts_a_generator(lab, device):
    """sgd_update works when params is model.parameters(), a generator"""
    params = dict(seed=6, lr=0.1)
    got, want = lab.both(probes.sgd_steps, pass_as="generator", **params)
    expect_recorded(got, want, ("after",), "sgd_update")
    if not changed(want["before"], got["after"][0]) and changed(want["before"], want["after"][0]):
        try:
            as_list = lab.student(probes.sgd_steps, **params)  # the same inputs, handed over as a list
        except Feedback:
            as_list = {}
        if isinstance(as_list.get("after"), list) and as_list["after"] \
                and not mismatched(as_list["after"][0], want["after"][0], device):
            raise Feedback(
                "Given a list, sgd_update takes the right step; given `model.parameters()` (a generator) with "
                "the same values, it changed nothing. A generator can be gone through only once: something "
                "went through it before the update loop did (a first loop, len, list or sum) and used it up.",
                None, "Go through params a single time, updating each parameter in that same pass.",
                mistake="params.generator_used_up")
    expect_steps(got, want, device, lr=0.1)


@pytest.mark.points(1)
def test_momentum_first_step(lab, device):
    """sgd_momentum_update's first step matches torch.optim.SGD with momentum"""
    params = dict(seed=7, lr=0.1, momentum=0.9, steps=1)
    got, want = lab.both(probes.momentum_steps, **params)
    expect_momentum(got, want, device, 0.1, 0.9, simulating(lab, probes.momentum_steps, **params))
    expect_returns_none(got, "sgd_momentum_update")


@pytest.mark.points(1)
def test_momentum_carries_velocity(lab, device):
    """Over three steps, sgd_momentum_update matches torch.optim.SGD with momentum, buffers included"""
    params = dict(seed=8, lr=0.05, momentum=0.9, steps=3)
    got, want = lab.both(probes.momentum_steps, **params)
    simulated = simulating(lab, probes.momentum_steps, **params)
    expect_momentum(got, want, device, 0.05, 0.9, simulated)
    expect_velocities(got, want, device, 0.05, 0.9, simulated)


@pytest.mark.points(1)
def test_steps_are_written_by_hand(lab):
    """sgd_update and sgd_momentum_update take their steps themselves, without torch.optim"""
    got = lab.student(probes.sgd_steps, seed=3, lr=0.1)
    expect_by_hand(lab, got, "sgd_update")
    got = lab.student(probes.momentum_steps, seed=7, lr=0.1, momentum=0.9, steps=2)
    expect_by_hand(lab, got, "sgd_momentum_update")


SGD_RUNS = [dict(seed=21, lr=0.1, sizes=[6, 5, 3]),
            dict(seed=22, lr=0.02, steps=2, sizes=[4, 7, 2], frozen=["2.weight"], dtype="float64")]
MOMENTUM_RUNS = [dict(seed=23, lr=0.1, momentum=0.9, steps=2, sizes=[6, 5, 3]),
                 dict(seed=24, lr=0.03, momentum=0.5, steps=2, sizes=[4, 7, 2], frozen=["0.bias"],
                      dtype="float64")]


@pytest.mark.points(1)
def test_called_again_on_another_model(lab, device):
    """Called again on another model (other sizes and settings, float64, a frozen parameter in the middle), both functions still match torch"""  # noqa: E501 - a check's title is one line
    def sgd_check(mine, theirs, run, where, simulated):
        expect_recorded(mine, theirs, ("after",), "sgd_update")
        expect_frozen_still(mine, theirs, run.get("frozen", []), "sgd_update", where)
        expect_steps(mine, theirs, device, run["lr"], where=where)

    def momentum_check(mine, theirs, run, where, simulated):
        expect_recorded(mine, theirs, ("after", "velocities"), "sgd_momentum_update")
        expect_frozen_still(mine, theirs, run.get("frozen", []), "sgd_momentum_update", where)
        expect_momentum(mine, theirs, device, run["lr"], run["momentum"], simulated, where)
        expect_velocities(mine, theirs, device, run["lr"], run["momentum"], simulated, where)

    expect_in_a_row(lab, probes.sgd_in_a_row, SGD_RUNS, sgd_check, kept=STATE_KEPT)
    expect_in_a_row(lab, probes.momentum_in_a_row, MOMENTUM_RUNS, momentum_check, kept=STATE_KEPT, pairing=PAIRED)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_sgd_float64_two_steps(lab, device):
    """sgd_update in float64, two steps with a small learning rate"""
    got, want = lab.both(probes.sgd_steps, seed=9, lr=0.003, steps=2, dtype="float64")
    expect_steps(got, want, device, lr=0.003)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_momentum_generator_with_frozen(lab, device):
    """sgd_momentum_update with a generator of parameters, the first one frozen"""
    params = dict(seed=10, lr=0.1, momentum=0.5, steps=3, frozen=["0.weight"], pass_as="generator")
    got, want = outcomes(lab, probes.momentum_steps, PAIRED, **params)
    expect_frozen_still(got, want, params["frozen"], "sgd_momentum_update")
    simulated = simulating(lab, probes.momentum_steps, **params)
    expect_momentum(got, want, device, 0.1, 0.5, simulated)
    expect_velocities(got, want, device, 0.1, 0.5, simulated)
