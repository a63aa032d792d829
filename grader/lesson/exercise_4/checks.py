"""Checks for exercise 4: where zero_grad goes.

When parameters come out wrong, the checks run known-wrong versions of the
function (written below, trusted grader code) on the same inputs and name the
mistake whose effect the submission reproduces.
"""

import math

import pytest

from grader.grading.compare import evidence, expect_optimizer_state, expect_type, mismatched, step_scale
from grader.grading.feedback import Feedback
from grader.lesson.exercise_4 import probes

STATE_FIX = "Only the optimizer should change its state: one optimizer.step() per batch."

LOOP = ("Each batch, in this order: optimizer.zero_grad(), loss = loss_fn(model(inputs), targets), "
        "loss.backward(), optimizer.step().")


# ---- train_epoch -------------------------------------------------------------------------------

def _epoch_with(zero: str, to_none: bool = True):
    """A train_epoch whose zero_grad is ``never`` called, called ``once`` before the loop, or called
    ``before_step`` (between backward and step) or ``after_step`` (only at the end of each batch)."""
    def run(model, loss_fn, opt, batches):
        out = []
        if zero == "once":
            opt.zero_grad(set_to_none=to_none)
        for x, y in batches:
            batch_loss = loss_fn(model(x), y)
            batch_loss.backward()
            if zero == "before_step":
                opt.zero_grad(set_to_none=to_none)
            opt.step()
            if zero == "after_step":
                opt.zero_grad(set_to_none=to_none)
            out.append(batch_loss.item())
        return out
    return run


EPOCH_MISTAKES = {
    "never": ("what training gives when zero_grad is never called. Every backward() adds to the gradients "
              "already there, so each step used the diagnostic scores of all the batches so far, plus the "
              "stale ones the model arrived with.",
              "Call optimizer.zero_grad() at the start of every batch, before loss.backward()."),
    "once": ("what training gives when zero_grad is called only once, before the loop. From the second "
             "batch on, the gradients of all the earlier batches were still there and were added into "
             "each step.",
             "Move optimizer.zero_grad() inside the loop, so it runs once for every batch."),
    "after_step": ("what training gives when zero_grad only comes after each step. The first step then "
                   "also used the stale gradients the model arrived with, from before train_epoch was called.",
                   "Call optimizer.zero_grad() at the start of each batch, before loss.backward(); "
                   "you cannot assume the gradients are clean when your function starts."),
    "before_step": ("what training gives when zero_grad sits between backward() and step(): you cleared "
                    "the diagnostic scores before the optimizer could use them, so no step learned "
                    "anything from its batch.",
                    "Call optimizer.zero_grad() before loss.backward() (at the start of the batch), "
                    "never between backward() and step()."),
}


# Zeroed gradients and None gradients differ only when a step follows at once (momentum and Adam
# still move on zeros): that is only the case when zero_grad sits between backward() and step().
EPOCH_SIMULATIONS = (("never", True), ("once", True), ("after_step", True), ("before_step", True),
                     ("before_step", False))


def _same_run(got: dict, other: dict, device: str) -> bool:
    """Did two runs take the same number of steps through the same parameters?"""
    if got["steps"] != other["steps"] or len(got["after"]) != len(other["after"]):
        return False
    return all(not mismatched(g, o, device, steps=i + 1)
               for i, (g, o) in enumerate(zip(got["after"], other["after"])))


def expect_steps_taken(got: dict, expected: int, what: str, per: str) -> None:
    """The optimizer passed in must have taken ``expected`` steps."""
    steps = got["steps"]
    if steps == expected:
        return
    if steps == 0 and mismatched(got["final"], got["before"]):
        raise Feedback(
            f"The parameters changed, but the optimizer passed to {what} never took a step: the update "
            "came from somewhere else (a new optimizer built inside the function, or a hand-written step).",
            None, f"Call optimizer.step() {per}, on the optimizer you are given: it carries the "
                  "learning rate and settings the caller chose, and its state (momentum, Adam's averages).")
    if steps == 0:
        raise Feedback(
            f"The optimizer passed to {what} never took a step, so the parameters learned nothing. "
            "backward() only works out the gradients; optimizer.step() is what changes the weights.",
            None, f"Call optimizer.step() {per}, on the optimizer you are given (don't build a new one: "
                  "it would lose the optimizer's settings and state).")
    raise Feedback(f"The optimizer took {steps} steps; {what} should take {expected}.", None,
                   f"Call optimizer.step() {per}.")


def expect_epoch(judge, got: dict, want: dict, device: str, **params) -> None:
    """train_epoch must step once per batch, through the reference's parameters; name the mistake if not."""
    n = params["n_batches"]
    expect_steps_taken(got, n, "train_epoch", "once per batch, after loss.backward()")
    for i, (mine, right) in enumerate(zip(got["after"], want["after"])):
        bad = mismatched(mine, right, device, steps=i + 1)
        if not bad:
            continue
        shown = f"After step {i + 1}:\n" + evidence(mine, right, bad)
        for zero, to_none in EPOCH_SIMULATIONS:
            what, fix = EPOCH_MISTAKES[zero]
            if _same_run(got, judge.simulate(probes.epoch, _epoch_with(zero, to_none), **params), device):
                raise Feedback(f"Your parameters after each step match {what}", shown, fix)
        where = ("The very first step is already off" if i == 0
                 else f"The first {i} step{'s are' if i > 1 else ' is'} right, but step {i + 1} is off")
        if not mismatched(mine, got["after"][i - 1] if i else got["before"], device):
            where += ": it did not change the parameters at all"
        raise Feedback(f"{where}. Each step should use the gradients of its own batch, and nothing else.",
                       shown, LOOP)
    expect_optimizer_state(got["state"], want["state"], device, n, STATE_FIX)


def expect_losses(got: dict, want: dict, device: str) -> None:
    """A list of Python floats, one per batch: that batch's loss before its step."""
    returned, wanted = got["returned"], [item["value"] for item in want["returned"]["items"]]
    n = len(wanted)
    kind = returned["type"]
    if kind != "list":
        if kind == "float" or returned.get("shape") == []:
            raise Feedback(f"train_epoch returned a single number ({kind}); it should return a list with "
                           f"one loss per batch ({n} here).", None,
                           "Append each batch's loss.item() to a list, and return the list.")
        expect_type(returned, "list", "What train_epoch returns",
                    "Collect each batch's loss (as loss.item()) in a list and return that list.")
    items = returned["items"]
    if len(items) != n:
        raise Feedback(f"train_epoch returned {len(items)} losses for {n} batches.", None,
                       "Append exactly one loss per batch, inside the loop.")
    for i, item in enumerate(items):
        if item["type"] == "torch.Tensor":
            raise Feedback("The losses in your list are tensors, not Python floats. A loss tensor also keeps its whole computation graph alive, "
                           "so a list of them holds on to memory batch after batch.", None,
                           "Append loss.item(), the plain number, instead of the loss tensor.")
        expect_type(item, "float", f"Loss {i + 1} in the list",
                    "Append loss.item(), a Python float, for each batch.")
    values = [item["value"] for item in items]
    # Later losses depend on the earlier steps: judge them only when the training itself was right
    # (a wrong step is the training checks' business); the first one never depends on a step.
    trained_right = got["steps"] == n and all(
        not mismatched(g, w, device, steps=i + 1) for i, (g, w) in enumerate(zip(got["after"], want["after"])))
    judged = n if trained_right else 1
    for i in range(judged):
        if not _near(values[i], wanted[i]):
            clue = ""
            if judged > 1 and all(_near(values[j], sum(wanted[:j + 1]) / (j + 1)) for j in range(n)):
                clue = " Your list holds the running average of the losses so far, not each batch's own loss."
            elif judged > 1 and all(_near(values[j], sum(wanted[:j + 1])) for j in range(n)):
                clue = " Your list holds the running total of the losses so far, not each batch's own loss."
            raise Feedback(f"The loss you returned for batch {i + 1} is {values[i]:.6g}; that batch's loss, "
                           f"before its step, is {wanted[i]:.6g}.{clue}", None,
                           "Append loss.item() for the loss you called backward() on, once per batch.")


def _near(got: float, want: float, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return isinstance(got, float) and math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)


@pytest.mark.points(1)
def test_train_epoch_returns_each_loss(judge, device):
    """train_epoch returns each batch's loss as a Python float"""
    got, want = judge.both(probes.epoch, seed=41, n_batches=4, batch_size=8)
    expect_losses(got, want, device)


@pytest.mark.points(2)
def test_train_epoch_one_clean_step_per_batch(judge, device):
    """train_epoch takes one step per batch, each from that batch's gradients only (SGD)"""
    params = dict(seed=42, n_batches=3, batch_size=8, lr=0.1)
    got, want = judge.both(probes.epoch, **params)
    expect_epoch(judge, got, want, device, **params)


@pytest.mark.points(1)
def test_train_epoch_with_momentum(judge, device):
    """train_epoch with SGD and momentum, an optimizer that already holds state"""
    params = dict(seed=43, n_batches=4, batch_size=8, lr=0.05, momentum=0.9, warmup=True)
    got, want = judge.both(probes.epoch, **params)
    expect_epoch(judge, got, want, device, **params)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_train_epoch_with_adam(judge, device):
    """train_epoch with Adam, batches of 16"""
    params = dict(seed=44, n_batches=3, batch_size=16, optimizer="adam", lr=1e-3, warmup=True)
    got, want = judge.both(probes.epoch, **params)
    expect_epoch(judge, got, want, device, **params)


# ---- accumulate_and_step -----------------------------------------------------------------------

def _accumulate_with(zero: str, divide: bool):
    """An accumulate_and_step whose zero_grad is called at the ``start``, ``inside`` the loop (every
    micro-batch) or ``never``, and which divides each micro-batch's loss by k or not."""
    def run(model, loss_fn, opt, micro_batches):
        count = len(micro_batches)
        if zero == "start":
            opt.zero_grad()
        seen = []
        for x, y in micro_batches:
            if zero == "inside":
                opt.zero_grad()
            part = loss_fn(model(x), y)
            (part / count if divide else part).backward()
            seen.append(part.item())
        opt.step()
        return sum(seen) / count
    return run


ACCUMULATE_ZERO = {
    "inside": ("zero_grad runs before every micro-batch, and each call wipes out the gradients added up so "
               "far: only the last micro-batch counted in the step.",
               "Call optimizer.zero_grad() once, before the loop over the micro-batches, and let "
               "backward() add their gradients up."),
    "never": ("The gradients were not cleared before accumulating began, so the stale gradients the model "
              "arrived with were added into the step.",
              "Call optimizer.zero_grad() once, before the first micro-batch."),
}
UNDIVIDED = ("Each micro-batch's loss went into backward() undivided. The loss is a mean over its "
             "micro-batch, so the {k} gradients added up to {k} times the big batch's, and the step is "
             "{k}× too big.",
             "Divide each micro-batch's loss by the number of micro-batches before backward(): "
             "(loss / len(micro_batches)).backward().")


def expect_accumulated(judge, got: dict, want: dict, device: str, **params) -> None:
    """Exactly one step, the one the whole batch would give; name the mistake if not."""
    k = params["k"]
    if got["steps"] == k and k > 1:
        raise Feedback(f"The optimizer took {k} steps, one after every micro-batch: that is {k} small updates, "
                       "each from a part of the batch, not one update from the whole batch.", None,
                       "Call optimizer.step() once, after the loop, when every micro-batch's gradients "
                       "have been added up.")
    expect_steps_taken(got, 1, "accumulate_and_step", "exactly once, after the loop over the micro-batches")
    bad = mismatched(got["final"], want["final"], device)
    if not bad:
        expect_optimizer_state(got["state"], want["state"], device, 1, STATE_FIX)
        return
    shown = evidence(got["final"], want["final"], bad)
    plain_sgd = params.get("optimizer", "sgd") == "sgd" and not params.get("momentum") \
        and not params.get("warmup")
    scale = step_scale(got["before"], got["final"], want["final"]) if plain_sgd else None
    for zero in ("start", "inside", "never"):
        for divide in (True, False):
            if zero == "start" and divide:
                continue  # that is the right way
            simulated = judge.simulate(probes.accumulate, _accumulate_with(zero, divide), **params)
            if mismatched(got["final"], simulated["final"], device):
                continue
            parts = ([ACCUMULATE_ZERO[zero]] if zero != "start" else []) + ([] if divide else [UNDIVIDED])
            lead = "Your step is exactly the one this mistake gives" if len(parts) == 1 else \
                "Your step is exactly the one these two mistakes give together"
            raise Feedback(f"{lead}. " + " ".join(p[0].format(k=k) for p in parts), shown,
                           " ".join(p[1] for p in parts))
    if scale is not None and abs(scale - 1 / k) < 1e-3:
        raise Feedback(f"Your update is 1/{k} of the expected one: the micro-batch losses were divided by "
                       f"k={k} twice (or the gradients were divided again afterwards).", shown,
                       "Divide by the number of micro-batches once: either each loss before backward(), "
                       "or the summed gradients before the step, not both.")
    if scale is not None and scale > 0:
        raise Feedback(f"Your update is {scale:.3g}× the expected one: it points the right way but its size "
                       f"is off. With {k} micro-batches each loss should count 1/{k}.", shown,
                       "Divide each micro-batch's loss by len(micro_batches) before backward().")
    raise Feedback("The step is not the one a single batch holding all the micro-batches would take.", shown,
                   "Clear the gradients once, then for each micro-batch: forward, loss / k, backward() "
                   "(the gradients add up); then one optimizer.step().")


def expect_mean_loss(got: dict, want: dict, k: int) -> None:
    returned = got["returned"]
    if returned["type"] == "torch.Tensor":
        raise Feedback(f"accumulate_and_step returned a tensor (shape {tuple(returned['shape'])}), not a "
                       "Python float.", None, "Return a plain number: use loss.item() to turn each "
                       "micro-batch's loss into a float before adding them up.")
    if returned["type"] == "list":
        raise Feedback("accumulate_and_step returned a list; it should return one number, the mean of the "
                       "micro-batches' losses.", None, "Add up each micro-batch's loss.item() and divide by "
                       "the number of micro-batches.")
    expect_type(returned, "float", "What accumulate_and_step returns",
                "Return the mean of the micro-batches' losses as a Python float.")
    value, mean, parts = returned["value"], want["returned"]["value"], want["micro_losses"]
    if _near(value, mean, rtol=1e-5):
        return
    clue = ""
    if _near(value, mean * k, rtol=1e-5):
        clue = f" That is {k}× the mean: the sum of the micro-batch losses, not their mean."
    elif _near(value, mean / k, rtol=1e-5):
        clue = f" That is 1/{k} of the mean: the losses were divided by k={k} twice."
    elif _near(value, parts[-1], rtol=1e-5) or _near(value, parts[-1] / k, rtol=1e-5):
        clue = " That is the last micro-batch's loss only."
    raise Feedback(f"accumulate_and_step returned {value:.6g}; the mean of the {k} micro-batches' losses is "
                   f"{mean:.6g}.{clue}", None,
                   "Return the mean: add up each micro-batch's loss.item() and divide by the number of "
                   "micro-batches (if each loss was already divided by k, just add those up).")


@pytest.mark.points(2)
def test_accumulate_matches_one_big_batch(judge, device):
    """accumulate_and_step takes exactly the step one batch of all the micro-batches would take (SGD)"""
    params = dict(seed=51, k=4, micro_size=4, lr=0.1)
    got, want = judge.both(probes.accumulate, **params)
    expect_accumulated(judge, got, want, device, **params)


@pytest.mark.points(1)
def test_accumulate_one_micro_batch_per_forward(judge):
    """accumulate_and_step runs the model on one micro-batch at a time"""
    k, size = 3, 6
    got = judge.student(probes.accumulate, seed=52, k=k, micro_size=size, lr=0.1)
    rows = [r for r in got["rows"] if r >= 0]
    if not rows:
        raise Feedback("The model never ran: no forward pass reached it.", None,
                       "For each micro-batch, compute loss_fn(model(inputs), targets).")
    if max(rows) > size:
        raise Feedback(f"One forward pass saw {max(rows)} rows at once, but each micro-batch has {size}: the "
                       "micro-batches were joined into one big batch. That needs the memory of the whole "
                       "batch, exactly what gradient accumulation is there to avoid.", None,
                       "Loop over micro_batches and run the model on one micro-batch at a time; "
                       "backward() adds each one's gradients to .grad.")
    if sum(rows) < k * size:
        raise Feedback(f"The model saw {sum(rows)} rows in all, but the {k} micro-batches hold {k * size}: "
                       "some micro-batches never went through it.", None,
                       "Run the model on every micro-batch, one at a time.")


@pytest.mark.points(1)
def test_accumulate_returns_mean_loss(judge):
    """accumulate_and_step returns the mean micro-batch loss as a Python float"""
    # lr=0: the step cannot move the parameters, so the losses do not depend on where it happens.
    got, want = judge.both(probes.accumulate, seed=53, k=4, micro_size=5, lr=0.0)
    expect_mean_loss(got, want, k=4)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_accumulate_with_optimizer_state(judge, device):
    """accumulate_and_step with SGD momentum and with Adam, optimizers that already hold state"""
    for params in (dict(seed=54, k=3, micro_size=5, lr=0.05, momentum=0.9, warmup=True),
                   dict(seed=55, k=2, micro_size=8, optimizer="adam", lr=1e-3, warmup=True)):
        got, want = judge.both(probes.accumulate, **params)
        expect_accumulated(judge, got, want, device, **params)


test_accumulate_with_optimizer_state.student_runs = 2
