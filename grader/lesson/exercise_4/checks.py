"""Checks for exercise 4: where zero_grad goes.

When parameters come out wrong, the checks ask what known-wrong versions of the
function give on the same inputs (``lab.simulate``) and name the mistake whose
effect the submission reproduces. Those versions (``_epoch_with``, ``_accumulate_with``)
are one argument away from the answer, so they are ``@simulator``s: a release cuts them
out and ships only what they give on the public scenarios, as data.
"""

import math

import pytest

from grader.grading.compare import evidence, expect_optimizer_state, expect_type, mismatched, step_scale
from grader.grading.feedback import Feedback
from grader.grading.simulations import mistaken, simulator
from grader.lesson.exercise_4 import probes

STATE_FIX = "Only the optimizer should change its state: one optimizer.step() per batch."

LOOP = ("Give each batch a clean start: clear the gradients, run the forward pass and the loss, call "
        "backward() to get this batch's gradients, then let the optimizer step with them. backward() adds "
        "to .grad, so the clearing must come before it, in every batch.")
KEEP_BATCHES = ("Work on the inputs and targets as they come; if you need them changed (normalised, "
                "reshaped), make new tensors for yourself instead of changing the caller's in place.")
ORDINAL = ("first", "second", "third", "fourth")


def expect_batches_kept(rec: dict, what: str, label: str = "batch") -> None:
    """The function must leave the batches it was given as they were."""
    changed = rec["batch_changed"]
    if changed:
        shown = ", ".join(str(i + 1) for i in changed[:6]) + (" …" if len(changed) > 6 else "")
        raise Feedback(f"{what} changed the {label}es it was given ({label} {shown}): their inputs or targets "
                       "are not what they were before the call. The batches belong to the caller, and "
                       "the steps were taken on data other than theirs.", None, KEEP_BATCHES,
                       mistake="batches.changed")


# ---- train_epoch -------------------------------------------------------------------------------

EPOCH_SIMULATIONS = (("never", True), ("once", True), ("after_step", True), ("before_step", True),
                     ("before_step", False))


@simulator(calls="train_epoch", variants=EPOCH_SIMULATIONS)
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


EPOCH_MISTAKES = {  # how zero_grad was placed: (what training gives, the fix, the mistake's id)
    "never": ("what training gives when zero_grad is never called. Every backward() adds to the gradients "
              "already there, so each step used the diagnostic scores of all the batches so far, plus the "
              "stale ones the model arrived with.",
              "Clear the gradients (optimizer.zero_grad()) at the start of every batch, before backward().",
              "zero_grad.missing"),
    "once": ("what training gives when zero_grad is called only once, before the loop. From the second "
             "batch on, the gradients of all the earlier batches were still there and were added into "
             "each step.",
             "Clear the gradients inside the loop, so that it happens once for every batch.",
             "zero_grad.once"),
    "after_step": ("what training gives when zero_grad only comes after each step. The first step then "
                   "also used the stale gradients the model arrived with, from before train_epoch was called.",
                   "Clear the gradients at the start of each batch, before backward(); you cannot assume "
                   "the gradients are clean when your function starts.",
                   "zero_grad.at_the_end"),
    "before_step": ("what training gives when zero_grad sits between backward() and step(): you cleared "
                    "the diagnostic scores before the optimizer could use them, so no step learned "
                    "anything from its batch.",
                    "Clear the gradients before backward() (at the start of the batch), never between "
                    "backward() and step().",
                    "zero_grad.misplaced"),
}


# Zeroed gradients and None gradients differ only when a step follows at once (momentum and Adam
# still move on zeros): that is only the case when zero_grad sits between backward() and step().
def _same_run(got: dict, other: dict, device: str) -> bool:
    """Did two runs take the same number of steps through the same parameters?"""
    if got["steps"] != other["steps"] or len(got["after"]) != len(other["after"]):
        return False
    return all(not mismatched(g, o, device, steps=i + 1)
               for i, (g, o) in enumerate(zip(got["after"], other["after"])))


def _call(record: dict, call: int) -> dict:
    """One call's record: the first call's is the record itself, later ones are in ``again``."""
    return record if call == 0 else record["again"][call - 1]


def _on_call(what: str, call: int) -> str:
    return f"{what} ({ORDINAL[call]} call, on a new model)" if call else what


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
                  "learning rate and settings the caller chose, and its state (momentum, Adam's averages).",
            mistake="optimizer.ignored")
    if steps == 0:
        raise Feedback(
            f"The optimizer passed to {what} never took a step, so the parameters learned nothing. "
            "backward() only works out the gradients; optimizer.step() is what changes the weights.",
            None, f"Call optimizer.step() {per}, on the optimizer you are given (don't build a new one: "
                  "it would lose the optimizer's settings and state).", mistake="step.missing")
    raise Feedback(f"The optimizer took {steps} steps; {what} should take {expected}.", None,
                   f"Call optimizer.step() {per}.", mistake="step.repeated" if steps > expected else None)


def expect_epoch(lab, got: dict, want: dict, device: str, call: int = 0, **params) -> None:
    """train_epoch must step once per batch, through the reference's parameters; name the mistake if not."""
    mine_rec, right_rec = _call(got, call), _call(want, call)
    what = _on_call("train_epoch", call)
    expect_batches_kept(mine_rec, what)
    n = right_rec["n"]
    expect_steps_taken(mine_rec, n, what, "once per batch, after backward()")
    for i, (mine, right) in enumerate(zip(mine_rec["after"], right_rec["after"])):
        bad = mismatched(mine, right, device, steps=i + 1)
        if not bad:
            continue
        shown = f"After step {i + 1}:\n" + evidence(mine, right, bad)
        for zero, to_none in EPOCH_SIMULATIONS:
            lead, fix, mistake = EPOCH_MISTAKES[zero]
            simulated = _call(lab.simulate(probes.epoch, mistaken("_epoch_with", zero, to_none), **params), call)
            if _same_run(mine_rec, simulated, device):
                raise Feedback(f"Your parameters after each step{_on_call('', call)} match {lead}", shown, fix,
                               mistake=mistake)
        where = ("The very first step is already off" if i == 0
                 else f"The first {i} step{'s are' if i > 1 else ' is'} right, but step {i + 1} is off")
        if not mismatched(mine, mine_rec["after"][i - 1] if i else mine_rec["before"], device):
            where += ": it did not change the parameters at all"
        raise Feedback(f"{where}{_on_call('', call)}. Each step should use the gradients of its own batch, and "
                       "nothing else.", shown, LOOP)
    expect_optimizer_state(mine_rec["state"], right_rec["state"], device, n, STATE_FIX)


def expect_losses(got: dict, want: dict, device: str, call: int = 0) -> None:
    """A list of Python floats, one per batch: that batch's loss before its step."""
    mine_rec, right_rec = _call(got, call), _call(want, call)
    what = _on_call("train_epoch", call)
    returned, wanted = mine_rec["returned"], [item["value"] for item in right_rec["returned"]["items"]]
    n = len(wanted)
    kind = returned["type"]
    if kind != "list":
        if kind == "float" or returned.get("shape") == []:
            raise Feedback(f"{what} returned a single number ({kind}); it should return a list with "
                           f"one loss per batch ({n} here).", None,
                           "Keep one loss per batch, as a Python float, in a list, and return that list.")
        expect_type(returned, "list", f"What {what} returns",
                    "Keep one loss per batch, as a Python float, in a list, and return that list.")
    if call and mine_rec["same_list"]:
        raise Feedback(f"{what} returned the very list object an earlier call returned, so the losses of "
                       "both calls end up in one list, and the earlier result changed too. A list kept at "
                       "module level (or as a default argument) lives on from call to call.", None,
                       "Start a new list in every call, inside the function.", mistake="state.kept")
    items = returned["items"]
    if len(items) != n:
        clue = ""
        earlier = [_call(got, c)["returned"].get("items", []) for c in range(call)]
        before = [item.get("value") for rec in earlier for item in rec]
        mine = [item.get("value") for item in items]
        if call and before and len(mine) > n and mine[:len(before)] == before:
            clue = (f" The first {len(before)} are the losses your earlier call returned: the list outlived "
                    "the call (kept at module level, or as a default argument).")
        raise Feedback(f"{what} returned {len(items)} losses for {n} batches.{clue}", None,
                       "Keep exactly one loss per batch of this call, in a list made by this call.",
                       mistake="state.kept" if clue else None)
    for i, item in enumerate(items):
        if item["type"] == "torch.Tensor":
            if item.get("has_grad_fn"):
                raise Feedback("The losses in your list are tensors, not Python floats. Each one still holds "
                               "its batch's whole computation graph, so a list of them holds on to memory "
                               "batch after batch.", None,
                               "Keep each loss's plain number, loss.item(), not the loss tensor.",
                               mistake="loss.graph_kept")
            raise Feedback("The losses in your list are tensors, not Python floats. They are detached, so "
                           "they hold no graph, but a tensor is still not a plain number: printing, "
                           "comparing and saving the list all need floats.", None,
                           "Keep each loss's plain number, loss.item(), not a tensor.",
                           mistake="loss.detached_tensor")
        expect_type(item, "float", f"Loss {i + 1} in the list",
                    "Keep each batch's loss as a Python float (.item() gives it).")
    expect_batches_kept(mine_rec, what)  # a changed batch changes its loss too: say so first
    values = [item["value"] for item in items]
    # Later losses depend on the earlier steps: judge them only when the training itself was right
    # (a wrong step is the training checks' business); the first one never depends on a step.
    trained_right = mine_rec["steps"] == n and all(
        not mismatched(g, w, device, steps=i + 1)
        for i, (g, w) in enumerate(zip(mine_rec["after"], right_rec["after"])))
    judged = n if trained_right else 1
    for i in range(judged):
        if not _near(values[i], wanted[i]):
            clue, mistake = "", None
            if judged > 1 and all(_near(values[j], sum(wanted[:j + 1]) / (j + 1)) for j in range(n)):
                clue = " Your list holds the running average of the losses so far, not each batch's own loss."
                mistake = "losses.running_average"
            elif judged > 1 and all(_near(values[j], sum(wanted[:j + 1])) for j in range(n)):
                clue = " Your list holds the running total of the losses so far, not each batch's own loss."
                mistake = "losses.running_total"
            raise Feedback(f"The loss you returned for batch {i + 1} is {values[i]:.6g}; that batch's loss, "
                           f"before its step, is {wanted[i]:.6g}.{clue}", None,
                           "Keep, once per batch, the value of the very loss you called backward() on.",
                           mistake=mistake)


def _near(got: float, want: float, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return isinstance(got, float) and math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)


@pytest.mark.points(1)
def test_train_epoch_returns_each_loss(lab, device):
    """train_epoch returns each batch's loss as a Python float"""
    got, want = lab.both(probes.epoch, seed=41, n_batches=4, batch_size=8)
    expect_losses(got, want, device)


@pytest.mark.points(1)
def test_train_epoch_one_clean_step_per_batch(lab, device):
    """train_epoch takes one step per batch, each from that batch's gradients only (SGD)"""
    params: dict = dict(seed=42, n_batches=3, batch_size=8, lr=0.1)
    got, want = lab.both(probes.epoch, **params)
    expect_epoch(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_train_epoch_with_momentum(lab, device):
    """train_epoch with SGD and momentum, an optimizer that already holds state"""
    params: dict = dict(seed=43, n_batches=4, batch_size=8, lr=0.05, momentum=0.9, warmup=True)
    got, want = lab.both(probes.epoch, **params)
    expect_epoch(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_train_epoch_called_again(lab, device):
    """Called again on another model (float64, a frozen parameter) with its own optimizer, train_epoch trains it"""
    params = dict(seed=45, n_batches=2, batch_size=8, lr=0.1,
                  then=[{"n_batches": 3, "frozen": ["0.bias"], "dtype": "float64", "momentum": 0.9}])
    got, want = lab.both(probes.epoch, **params)
    for call in (0, 1):
        expect_epoch(lab, got, want, device, call=call, **params)
        expect_losses(got, want, device, call=call)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_train_epoch_with_adam(lab, device):
    """train_epoch with Adam, batches of 16, then again with the last layer frozen"""
    params = dict(seed=44, n_batches=3, batch_size=16, optimizer="adam", lr=1e-3, warmup=True,
                  then=[{"n_batches": 2, "frozen": ["2.weight", "2.bias"]}])
    got, want = lab.both(probes.epoch, **params)
    for call in (0, 1):
        expect_epoch(lab, got, want, device, call=call, **params)
        expect_losses(got, want, device, call=call)


# ---- accumulate_and_step -----------------------------------------------------------------------

# Where zero_grad goes (at the ``start``, ``inside`` the loop, ``never``) and whether each loss is divided by k:
# every way but the right one (at the start, divided).
ACCUMULATE_SIMULATIONS = tuple((zero, divide) for zero in ("start", "inside", "never") for divide in (True, False)
                               if (zero, divide) != ("start", True))


@simulator(calls="accumulate_and_step", variants=ACCUMULATE_SIMULATIONS)
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


ACCUMULATE_ZERO = {  # where zero_grad was: (what it did, the fix, the mistake's id)
    "inside": ("zero_grad runs before every micro-batch, and each call wipes out the gradients added up so "
               "far: only the last micro-batch counted in the step.",
               "Clear the gradients once, before the loop over the micro-batches, and let backward() add "
               "their gradients up.", "accumulate.zero_grad_each_micro_batch"),
    "never": ("The gradients were not cleared before accumulating began, so the stale gradients the model "
              "arrived with were added into the step.",
              "Call optimizer.zero_grad() once, before the first micro-batch, so the stale gradients are "
              "gone before backward() adds anything.", "zero_grad.missing"),
}
UNDIVIDED = ("Each micro-batch's loss went into backward() undivided. The loss is a mean over its "
             "micro-batch, so the {k} gradients added up to {k} times the big batch's, and the step is "
             "{k}× too big.",
             "Divide each micro-batch's loss by the number of micro-batches before backward(): the big "
             "batch's loss is the mean of the micro-batches' means, so each one counts 1/k.",
             "accumulate.undivided")


def expect_accumulated(lab, got: dict, want: dict, device: str, call: int = 0, **params) -> None:
    """Exactly one step, the one the whole batch would give; name the mistake if not."""
    mine, right = _call(got, call), _call(want, call)
    what = _on_call("accumulate_and_step", call)
    expect_batches_kept(mine, what, "micro-batch")
    k = right["k"]
    if mine["steps"] == k and k > 1:
        raise Feedback(f"The optimizer took {k} steps, one after every micro-batch: that is {k} small updates, "
                       "each from a part of the batch, not one update from the whole batch.", None,
                       "Take one optimizer step, after the loop, when every micro-batch's gradients "
                       "have been added up.", mistake="accumulate.step_per_micro_batch")
    expect_steps_taken(mine, 1, what, "exactly once, after the loop over the micro-batches")
    bad = mismatched(mine["final"], right["final"], device)
    if not bad:
        expect_optimizer_state(mine["state"], right["state"], device, 1, STATE_FIX)
        return
    shown = evidence(mine["final"], right["final"], bad)
    settings = {**params, **(params.get("then", [{}])[call - 1] if call else {})}
    plain_sgd = settings.get("optimizer", "sgd") == "sgd" and not settings.get("momentum") \
        and not settings.get("warmup")
    scale = step_scale(mine["before"], mine["final"], right["final"]) if plain_sgd else None
    for zero, divide in ACCUMULATE_SIMULATIONS:
        simulated = _call(lab.simulate(probes.accumulate, mistaken("_accumulate_with", zero, divide), **params),
                          call)
        if not mismatched(mine["final"], simulated["final"], device):
            parts = ([ACCUMULATE_ZERO[zero]] if zero != "start" else []) + ([] if divide else [UNDIVIDED])
            lead = "Your step is exactly the one this mistake gives" if len(parts) == 1 else \
                "Your step is exactly the one these two mistakes give together"
            # Two mistakes at once: the id is the first one's (the zero_grad one), as the feedback leads with it.
            raise Feedback(f"{lead}. " + " ".join(p[0].format(k=k) for p in parts), shown,
                           " ".join(p[1] for p in parts), mistake=parts[0][2])
    for earlier in range(call):
        k_then = _call(want, earlier)["k"]
        if scale is not None and k_then != k and abs(scale - k / k_then) < 1e-3:
            raise Feedback(f"Your update is {scale:.3g}× the expected one: each loss counted 1/{k_then}, "
                           f"the share of the {ORDINAL[earlier]} call's {k_then} micro-batches, though this "
                           f"call has {k}. Something worked out in an earlier call was kept and used again.",
                           shown, "Work the share out from the micro-batches of each call; keep nothing "
                           "between calls at module level or in a closure.", mistake="state.kept")
    if scale is not None and abs(scale - 1 / k) < 1e-3:
        raise Feedback(f"Your update is 1/{k} of the expected one: the micro-batch losses were divided by "
                       f"k={k} twice (or the gradients were divided again afterwards).", shown,
                       "Divide by the number of micro-batches once: either each loss before backward(), "
                       "or the summed gradients before the step, not both.", mistake="accumulate.divided_twice")
    if scale is not None and scale > 0:
        raise Feedback(f"Your update is {scale:.3g}× the expected one: it points the right way but its size "
                       f"is off. With {k} micro-batches each loss should count 1/{k}.", shown,
                       "Make each micro-batch's loss count 1/k of the whole, with k the number of "
                       "micro-batches, before backward() adds its gradients in.")
    raise Feedback("The step is not the one a single batch holding all the micro-batches would take.", shown,
                   "Clear the gradients once; let backward() add up the gradients of every micro-batch, each "
                   "loss counting 1/k; then take a single optimizer step.")


def expect_mean_loss(got: dict, want: dict, call: int = 0) -> None:
    mine, right = _call(got, call), _call(want, call)
    what = _on_call("accumulate_and_step", call)
    k = right["k"]
    returned = mine["returned"]
    if returned["type"] == "torch.Tensor":
        graph = (" It still holds the computation graph of every micro-batch, which keeps their memory "
                 "alive." if returned.get("has_grad_fn") else "")
        raise Feedback(f"{what} returned a tensor (shape {tuple(returned['shape'])}), not a "
                       f"Python float.{graph}", None, "Return a plain number: .item() turns each "
                       "micro-batch's loss into a float before you add them up.",
                       mistake="loss.graph_kept" if returned.get("has_grad_fn") else "loss.detached_tensor")
    if returned["type"] == "list":
        raise Feedback(f"{what} returned a list; it should return one number, the mean of the "
                       "micro-batches' losses.", None, "Add up the micro-batches' losses as Python floats "
                       "and divide by the number of micro-batches.")
    expect_type(returned, "float", f"What {what} returns",
                "Return the mean of the micro-batches' losses as a Python float.")
    value, mean, parts = returned["value"], right["returned"]["value"], right["micro_losses"]
    if _near(value, mean, rtol=1e-5):
        return
    clue, mistake = "", None
    if _near(value, mean * k, rtol=1e-5):
        clue = f" That is {k}× the mean: the sum of the micro-batch losses, not their mean."
        mistake = "accumulate.loss_summed"
    elif _near(value, mean / k, rtol=1e-5):
        clue = f" That is 1/{k} of the mean: the losses were divided by k={k} twice."
        mistake = "accumulate.divided_twice"
    elif _near(value, parts[-1], rtol=1e-5) or _near(value, parts[-1] / k, rtol=1e-5):
        clue = " That is the last micro-batch's loss only."
    raise Feedback(f"{what} returned {value:.6g}; the mean of the {k} micro-batches' losses is "
                   f"{mean:.6g}.{clue}", None,
                   "Return the mean: add up the micro-batches' losses as Python floats and divide by the "
                   "number of micro-batches (if each loss was already divided by k, just add those up).",
                   mistake=mistake)


@pytest.mark.points(1)
def test_accumulate_matches_one_big_batch(lab, device):
    """accumulate_and_step takes exactly the step one batch of all the micro-batches would take (SGD)"""
    params: dict = dict(seed=51, k=4, micro_size=4, lr=0.1)
    got, want = lab.both(probes.accumulate, **params)
    expect_accumulated(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_accumulate_one_micro_batch_per_forward(lab):
    """accumulate_and_step runs the model on one micro-batch at a time"""
    k, size = 3, 6
    got = lab.student(probes.accumulate, seed=52, k=k, micro_size=size, lr=0.1)
    rows = [r for r in got["rows"] if r >= 0]
    if not rows:
        raise Feedback("The model never ran: no forward pass reached it.", None,
                       "Run the model and the loss on each micro-batch.")
    if max(rows) > size:
        raise Feedback(f"One forward pass saw {max(rows)} rows at once, but each micro-batch has {size}: the "
                       "micro-batches were joined into one big batch. That needs the memory of the whole "
                       "batch, exactly what gradient accumulation is there to avoid.", None,
                       "Go through the micro-batches one by one and run the model on one micro-batch at a "
                       "time; backward() adds each one's gradients to .grad.", mistake="accumulate.one_big_batch")
    if sum(rows) < k * size:
        raise Feedback(f"The model saw {sum(rows)} rows in all, but the {k} micro-batches hold {k * size}: "
                       "some micro-batches never went through it.", None,
                       "Run the model on every micro-batch, one at a time.")


@pytest.mark.points(1)
def test_accumulate_returns_mean_loss(lab):
    """accumulate_and_step returns the mean micro-batch loss as a Python float"""
    # lr=0: the step cannot move the parameters, so the losses do not depend on where it happens.
    got, want = lab.both(probes.accumulate, seed=53, k=4, micro_size=5, lr=0.0)
    expect_mean_loss(got, want)


@pytest.mark.points(1)
def test_accumulate_called_again(lab, device):
    """Called again with fewer micro-batches on another model (float64, a frozen parameter), the step is right"""
    params = dict(seed=56, k=4, micro_size=3, lr=0.1,
                  then=[{"k": 3, "micro_size": 5, "frozen": ["2.weight"], "dtype": "float64"}])
    got, want = lab.both(probes.accumulate, **params)
    for call in (0, 1):
        expect_accumulated(lab, got, want, device, call=call, **params)
        expect_mean_loss(got, want, call=call)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_accumulate_with_optimizer_state(lab, device):
    """accumulate_and_step with SGD momentum and with Adam, optimizers that already hold state"""
    settings: tuple[dict, ...] = (dict(seed=54, k=3, micro_size=5, lr=0.05, momentum=0.9, warmup=True,
                                       then=[{"k": 5, "micro_size": 2, "frozen": [0]}]),
                                  dict(seed=55, k=2, micro_size=8, optimizer="adam", lr=1e-3, warmup=True))
    for params in settings:
        got, want = lab.both(probes.accumulate, **params)
        for call in range(1 + len(params.get("then", []))):
            expect_accumulated(lab, got, want, device, call=call, **params)


test_accumulate_with_optimizer_state.student_runs = 2
