"""Checks for exercise 5: the complete training step, and choosing an optimizer.

train_step is compared with the reference, call by call, on the same inputs;
when the parameters come out wrong, what known-wrong versions of it give on the
same inputs (``lab.simulate``) names the mistake. Those versions (``_step_with``)
are one argument away from the answer, so they are a ``@simulator``: a release cuts
them out and ships only what they give on the public scenarios, as data.
make_optimizer is judged by what it builds, and by training a fixed task with it.
"""

import math

import pytest

from grader.grading.compare import changed, evidence, expect_optimizer_state, expect_type, mismatched, step_scale
from grader.grading.feedback import Feedback
from grader.grading.simulations import mistaken, simulator
from grader.lesson.exercise_5 import probes
from grader.lesson.exercise_5.probes import EXPLODED, PROGRESS

STATE_FIX = "Leave the optimizer's state to the optimizer: one optimizer.step() per call."

STEP = ("Follow the lesson's training step in its order: clear the old gradients with the optimizer you "
        "were given, run the model on the inputs, measure the loss with loss_fn, call backward() on it to get "
        "the gradients, let the optimizer take one step, and return that loss as a number.")


# ---- train_step --------------------------------------------------------------------------------

STEP_MISTAKES = {  # a known-wrong train_step: (what training gives, the fix, the mistake's id)
    "never": ("what training gives when zero_grad is never called. backward() adds its gradients to "
              "whatever .grad already holds, so every step also used the gradients the model arrived "
              "with, and those of every earlier batch.",
              "Start train_step with optimizer.zero_grad(), before the forward pass and loss.backward().",
              "zero_grad.missing"),
    "last": ("what training gives when zero_grad comes only at the end, after the step. The model arrived "
             "holding gradients from an earlier batch, so your first step used those as well as this "
             "batch's own.",
             "Clear the gradients at the start of train_step, before loss.backward(): you cannot count on "
             "them being clean when your function is called.",
             "zero_grad.at_the_end"),
    "own_loss": ("what cross-entropy gives, not the loss_fn you were given (mean squared error here). "
                 "The gradients, and so the step, come from whichever loss you call backward() on.",
                 "Compute the loss with loss_fn(outputs, targets), whatever loss_fn is.",
                 "loss.own_loss_fn"),
}


@simulator(calls="train_step", variants=[(m,) for m in STEP_MISTAKES])
def _step_with(mistake: str):
    """A train_step that calls zero_grad ``never``, ``last`` (after the step) or ``between`` backward and
    step, or that uses cross-entropy (``own_loss``) instead of the loss_fn it was given."""
    import torch

    def run(model, loss_fn, opt, x, y):
        if mistake not in ("never", "last", "between"):
            opt.zero_grad()
        scores = model(x)
        batch_loss = torch.nn.functional.cross_entropy(scores, y) if mistake == "own_loss" else loss_fn(scores, y)
        batch_loss.backward()
        if mistake == "between":
            opt.zero_grad()
        opt.step()
        if mistake == "last":
            opt.zero_grad()
        return batch_loss.item()
    return run


def _same_run(got: dict, other: dict, device: str) -> bool:
    """Did two runs go through the same parameters after every call?"""
    return len(got["after"]) == len(other["after"]) and all(
        not mismatched(g, o, device, steps=i + 1) for i, (g, o) in enumerate(zip(got["after"], other["after"])))


def expect_training(lab, got: dict, want: dict, device: str, **params) -> None:
    """One optimizer step per call, through the reference's parameters; name the mistake if not."""
    calls = len(want["after"])
    kind = params.get("optimizer", "sgd")
    for i in range(calls):
        when = f" (call {i + 1} of {calls})" if calls > 1 else ""
        before = got["before"] if i == 0 else got["after"][i - 1]
        moved = bool(changed(before, got["after"][i]))
        taken = got["steps_taken"][i]
        if taken == 0 and not moved:
            raise Feedback(
                f"train_step never called optimizer.step(){when}, so the parameters did not change: the model "
                "learned nothing from the batch. backward() only works out the gradients; optimizer.step() "
                "is what updates the weights.", None, "After loss.backward(), call optimizer.step().",
                mistake="step.missing")
        if taken == 0:
            raise Feedback(
                f"The optimizer passed to train_step never took a step{when}, yet the parameters changed: they "
                "were updated some other way (an optimizer made inside train_step, or by hand). That ignores "
                f"the optimizer you were given ({kind} here), with its own learning rate and state.", None,
                "Call optimizer.step() on the optimizer passed in; don't build one of your own.",
                mistake="optimizer.ignored")
        if taken > 1:
            raise Feedback(f"The optimizer took {taken} steps in one call of train_step{when}. One training "
                           "step is one optimizer.step().", None, "Call optimizer.step() once, after loss.backward().",
                           mistake="step.repeated")
        bad = mismatched(got["after"][i], want["after"][i], device, steps=i + 1)
        if not bad:
            continue
        shown = evidence(got["after"][i], want["after"][i], bad)
        if not moved:
            grads = got["grads_after"][i].values()
            if all(g is None or not g.any() for g in grads):
                raise Feedback(
                    f"optimizer.step() ran{when}, but the parameters did not change: the gradients were "
                    "cleared between backward() and step(), so the optimizer had no diagnostic scores to use.",
                    shown, "Call optimizer.zero_grad() first, before the forward pass; never between "
                           "loss.backward() and optimizer.step().", mistake="zero_grad.misplaced")
            raise Feedback(
                f"optimizer.step() ran{when}, but the parameters did not change: it ran before backward(), "
                "when the old gradients had been cleared and the new ones did not exist yet. The gradients "
                "backward() worked out afterwards were never used.", shown,
                "Call loss.backward() first, then optimizer.step().", mistake="step.before_backward")
        for mistake, (what, fix, named) in STEP_MISTAKES.items():
            if mistake == "own_loss" and params.get("loss", "cross_entropy") == "cross_entropy":
                continue
            if _same_run(got, lab.simulate(probes.training_steps, mistaken("_step_with", mistake), **params),
                         device):
                raise Feedback(f"Your parameters after each call match {what}", shown, fix, mistake=named)
        where = ("the very first call is already off" if i == 0
                 else f"the first {i} call{'s are' if i > 1 else ' is'} right, but call {i + 1} is off")
        k = step_scale(before, got["after"][i], want["after"][i]) if i == 0 else None
        scale, mistake_id = "", None
        if k is not None and abs(k - 1) > 0.05:
            scale = f" Your update is {k:.3g}× the expected one."
            if kind == "sgd":
                scale += (" Plain SGD's step is the learning rate times the gradient, so the gradients it used "
                          f"were {k:.3g}× this batch's own.")
                mistake_id = "gradients.scaled"
        raise Feedback(f"After train_step, the parameters are not where one {kind} step on the batch puts them: "
                       f"{where}.{scale}", shown, STEP, mistake=mistake_id)
    expect_optimizer_state(got["state"], want["state"], device, calls, STATE_FIX)
    if "then" in want:
        expect_another_model(got["then"], want["then"], device, calls)


def expect_another_model(got: dict, want: dict, device: str, calls: int) -> None:
    """A call with a second model and its own optimizer steps that one, and leaves the first model alone."""
    other = f"a second model with its own {want['kind']} optimizer"
    if got["first_moved"]:
        raise Feedback(f"After {calls} call{'s' * (calls > 1)} with one model, train_step was called with {other}, "
                       f"and the first model's parameters moved again ({_listing(got['first_moved'])}). The "
                       "earlier model or optimizer was kept between calls (at module level, or as a default "
                       "argument) and stepped instead of, or as well as, the one passed in.", None,
                       "Use only the model, loss_fn and optimizer of the current call; keep nothing between calls.",
                       mistake="state.kept")
    if got["steps_taken"] == 0:
        raise Feedback(f"The first calls stepped their optimizer, but when train_step was called with {other}, "
                       "that optimizer never took a step. train_step kept something from an earlier call "
                       "(the first optimizer, say, in a module-level variable) and used it instead of the one "
                       "it was given.", None,
                       "Use only the model, loss_fn and optimizer of the current call; keep nothing between calls.",
                       mistake="state.kept")
    bad = mismatched(got["after"], want["after"], device)
    if bad:
        raise Feedback(f"The first calls were right, but with {other} the parameters did not end up where one "
                       "step of that optimizer puts them: something from the earlier calls carried over.",
                       evidence(got["after"], want["after"], bad), STEP)
    expect_optimizer_state(got["state"], want["state"], device, 1, STATE_FIX)


def _near(got: float, want: float, rtol: float = 1e-4, atol: float = 1e-5) -> bool:
    return math.isfinite(got) and abs(got - want) <= atol + rtol * abs(want)


def expect_losses_returned(got: dict) -> None:
    """Each call returns its batch's loss before the update, as a Python float."""
    calls = len(got["returned"])
    for i, (returned, before, after) in enumerate(zip(got["returned"], got["loss_before"], got["loss_after"])):
        on = f"On call {i + 1} of {calls}, " if calls > 1 else ""
        if returned["type"] == "torch.Tensor":
            held = returned.get("tensor")
            holding = f" holding {held.item():.4g}" if held is not None and held.numel() == 1 else ""
            if returned.get("has_grad_fn"):
                why = ("A loss tensor that is still part of the graph also keeps the whole computation of the "
                       "step alive, so a training loop that collects them holds on to memory step after step.")
            else:
                why = ("It is detached from the graph, so it holds no memory of the step, but it is still a "
                       "tensor: adding such losses up, printing or comparing them goes through PyTorch "
                       "rather than plain Python numbers.")
            raise Feedback(f"{on}train_step returned a tensor{holding} (shape {list(returned['shape'])}), not a "
                           f"Python float. {why}", None,
                           "Hand back the plain number that loss.item() takes out of the tensor.",
                           mistake="loss.graph_kept" if returned.get("has_grad_fn") else "loss.detached_tensor")
        if returned["type"] == "NoneType":
            raise Feedback(f"{on}train_step returned None: it has no `return` of the loss.", None,
                           "End train_step by returning the loss, as a plain number.", mistake="return.missing")
        expect_type(returned, "float", f"{on}what train_step returns" if on else "What train_step returns",
                    "Hand back the loss as a Python float: loss.item() gives it.")
        value = returned["value"]
        if _near(value, before):
            continue
        clue, mistake_id = "", None
        if _near(value, after):
            clue = (" That is the loss after the update: it was measured again once the optimizer had "
                    "stepped. The loss to return is the one you called backward() on.")
            mistake_id = "loss.after_step"
        raise Feedback(f"{on}train_step returned {value:.6g}, but the loss on this batch before the update "
                       f"was {before:.6g}.{clue}", None,
                       "Hand back, as a number (loss.item()), the loss you computed before optimizer.step(): "
                       "the one you called backward() on.", mistake=mistake_id)


@pytest.mark.points(2)
def test_train_step_one_clean_sgd_step(lab, device):
    """train_step takes one SGD step from the batch's own gradients, even when the model arrives holding old ones"""
    params = dict(seed=61, optimizer="sgd", lr=0.1, steps=2)
    got, want = lab.both(probes.training_steps, **params)
    expect_training(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_train_step_returns_loss_before_update(lab):
    """train_step returns the batch's loss before the update, as a Python float"""
    # A large learning rate, so that the loss before and after the step are far apart.
    got = lab.student(probes.training_steps, seed=62, optimizer="sgd", lr=0.5, steps=2)
    expect_losses_returned(got)


@pytest.mark.points(1)
def test_train_step_works_with_adam(lab, device):
    """train_step works with the optimizer it is given: three calls with Adam, then one with another model and SGD"""
    params = dict(seed=63, optimizer="adam", lr=0.01, steps=3, then="momentum")
    got, want = lab.both(probes.training_steps, **params)
    expect_training(lab, got, want, device, **params)


@pytest.mark.points(1)
def test_train_step_rmsprop_and_mse(lab, device):
    """train_step uses the loss_fn it is given: RMSprop and a mean-squared-error loss_fn"""
    params = dict(seed=64, optimizer="rmsprop", lr=0.01, steps=3, loss="mse")
    got, want = lab.both(probes.training_steps, **params)
    expect_training(lab, got, want, device, **params)
    expect_losses_returned(got)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_train_step_momentum_mse_then_adam(lab, device):
    """train_step with momentum SGD and MSE, from other seeds, then a second model with Adam"""
    params = dict(seed=65, optimizer="momentum", lr=0.02, steps=2, loss="mse", stale=2.0, then="adam")
    got, want = lab.both(probes.training_steps, **params)
    expect_training(lab, got, want, device, **params)
    expect_losses_returned(got)


# ---- make_optimizer ----------------------------------------------------------------------------
# What counts as training well, and how the fixed task was calibrated: grader/probes/exercise_5.py.

KINDS = {"sgd": ("torch.optim.SGD", "is_sgd"), "adam": ("torch.optim.Adam", "is_adam")}


def _listing(names, limit=4) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    return shown + (f" … ({len(names)} in all)" if len(names) > limit else "")


def expect_an_optimizer(got: dict, name: str) -> None:
    """make_optimizer must return an optimizer object (not a class, not None)."""
    call, wanted = f"make_optimizer(model, {name!r})", KINDS[name][0]
    if got.get("class_is_optimizer"):
        raise Feedback(f"{call} returned the class {got['class_name']} itself, not an optimizer made from it. "
                       "The class is only the recipe: the optimizer is what you get by calling it with the "
                       "parameters to train.", None,
                       "Call the class with the model's parameters and the learning rate you chose, and "
                       "return the optimizer it gives you.", mistake="optimizer.class_returned")
    if got["is_optimizer"]:
        return
    if got["type"] == "NoneType":
        raise Feedback(f"{call} returned None: the function has no `return` of the optimizer.", None,
                       f"Return the {wanted} you build, so the training loop can call its step().",
                       mistake="return.missing")
    raise Feedback(f"{call} should return an optimizer ({wanted}), but it returned a {got['type']}.", None,
                   f"Build a {wanted} over the model's parameters and return the optimizer itself.")


def expect_named_optimizer(got: dict, name: str) -> None:
    """The right class for the name, holding every parameter of the model exactly once."""
    expect_an_optimizer(got, name)
    call, (wanted, flag) = f"make_optimizer(model, {name!r})", KINDS[name]
    if not got[flag]:
        raise Feedback(f"{call} returned a {got['type']}, but {name!r} asks for {wanted}.", None,
                       f"Look at `name`: for {name!r}, build a {wanted}.", mistake="optimizer.wrong_kind")
    holds = got["holds"]
    everything, held = holds["all"], holds["held"]
    missing = [n for n in everything if n not in held]
    if missing:
        raise Feedback(f"The optimizer from {call} holds {len(everything) - len(missing)} of the model's "
                       f"{len(everything)} parameters; {_listing(missing)} are not in it. optimizer.step() only "
                       "updates the parameters it holds, so those would never learn.", None,
                       "Give the optimizer all of them: model.parameters().", mistake="optimizer.params_missing")
    twice = sorted({n for n in held if held.count(n) > 1})
    if twice:
        raise Feedback(f"The optimizer from {call} holds {_listing(twice)} more than once, so each step would "
                       "update them twice.", None, "Pass model.parameters() once.", mistake="optimizer.params_twice")
    if holds["foreign"]:
        raise Feedback(f"The optimizer from {call} holds {holds['foreign']} tensor(s) that are not the model's "
                       "parameters (copies, perhaps): stepping those does not change the model.", None,
                       "Build the optimizer from model.parameters(), the model's own tensors.",
                       mistake="optimizer.foreign_tensors")


def expect_new_each_call(again: dict, name: str) -> None:
    """Called again with a second model, make_optimizer builds a new optimizer over that model."""
    expect_an_optimizer(again, name)
    call = f"make_optimizer(second_model, {name!r})"
    if again["same_as_first"]:
        raise Feedback(f"Called a second time, with another model, {call} returned the very optimizer the first "
                       "call built. That optimizer holds the first model's parameters, so stepping it never "
                       "changes the second model: the optimizer was kept at module level (a variable or a "
                       "cache) and handed out again.", None,
                       "Build a new optimizer on every call, from the parameters of the model you are given.",
                       mistake="state.kept")
    holds = again["holds"]
    if holds["foreign"] or len(holds["held"]) < len(holds["all"]):
        raise Feedback(f"Called a second time, with another model, {call} built an optimizer that does not hold "
                       f"that model's parameters ({len(holds['held'])} of its {len(holds['all'])} are in it, and "
                       f"{holds['foreign']} other tensors). Something from the first call carried over.", None,
                       "Build each optimizer from the parameters of the model you are given in that call.",
                       mistake="state.kept")


def _lr_text(groups: list) -> str:
    rates = sorted({g["lr"] for g in groups if g["lr"] is not None})
    if not rates:
        return "no learning rate"
    text = "lr=" + " and ".join(f"{r:g}" for r in rates)
    moms = sorted({g["momentum"] for g in groups if g.get("momentum")})
    return text + (", momentum=" + " and ".join(f"{m:g}" for m in moms) if moms else "")


def expect_trains(got: dict, name: str) -> None:
    """Training the fixed task with the optimizer must bring the loss down, without blowing up."""
    expect_an_optimizer(got, name)
    run, groups = got["training"], got["holds"]["groups"]
    start, losses, final = run["start"], run["losses"], run["final"]
    adam = got["is_adam"]
    rates = [g["lr"] for g in groups if g["lr"] is not None]
    lr = max(rates) if rates else None
    which = f"your optimizer ({got['type']}, {_lr_text(groups)})"
    broken = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
    peak = max(range(len(losses)), key=lambda i: losses[i] if math.isfinite(losses[i]) else -1) if losses else None
    if broken is not None or not math.isfinite(final) or (peak is not None and losses[peak] > EXPLODED * start):
        if broken is not None:
            happened = f"at step {broken + 1} the loss became {losses[broken]} (no longer a number you can train on)"
        elif peak is not None and losses[peak] > EXPLODED * start:
            happened = (f"by step {peak + 1} the loss had shot up from {start:.3g} to {losses[peak]:.3g}, "
                        f"{losses[peak] / start:.0f}× where it started")
        else:
            happened = f"the loss ended at {final}"
        what = (f"Training with {which} blew up: {happened}. Steps that big are giant leaps that overshoot the "
                "bottom of the valley and bounce back and forth.")
        if adam:
            what += (" Don't copy SGD's learning rate into Adam: Adam sizes each weight's step itself, so its "
                     "learning rate is tuned on a completely different scale, and a rate that suits SGD "
                     "makes Adam's loss explode.")
            fix = "Give Adam a much smaller learning rate; around 0.001 is the usual place to start."
            mistake_id = "adam.sgd_lr"
        elif got["is_sgd"]:
            fix, mistake_id = "Give SGD a smaller learning rate; 0.01 to 0.1 is a usual range.", "lr.too_large"
        else:
            fix, mistake_id = "Give your optimizer a smaller learning rate.", "lr.too_large"
        raise Feedback(what, None, fix, mistake=mistake_id)
    if final > PROGRESS * start:
        slow = (f"Training with {which} is too slow: after {len(losses)} steps the loss has only gone from "
                f"{start:.3g} to {final:.3g}, {final / start:.0%} of where it started (a good optimizer gets it "
                f"below {PROGRESS:.0%}).")
        missing = [n for n in got["holds"]["all"] if n not in got["holds"]["held"]]
        if missing:
            raise Feedback(f"{slow} The optimizer holds only some of the model's parameters: {_listing(missing)} "
                           "are not in it, so they never learn.", None,
                           "Give the optimizer all of the model's parameters: model.parameters().",
                           mistake="optimizer.params_missing")
        what = slow + " A tiny learning rate takes tiny steps: it would take forever to reach the bottom."
        mistake_id = "lr.too_small"
        if got["is_sgd"] and lr is not None and lr <= 0.002:
            mistake_id = "sgd.adam_lr"
            what += (f" {lr:g} is a usual learning rate for Adam, not for SGD: SGD's step is the learning rate "
                     "times the gradient, so it needs a much larger rate.")
        fix = ("Give Adam a larger learning rate; around 0.001 is the usual place to start." if adam
               else "Give SGD a larger learning rate; 0.01 to 0.1 is a usual range." if got["is_sgd"]
               else "Give your optimizer a larger learning rate.")
        raise Feedback(what, None, fix, mistake=mistake_id)


@pytest.mark.points(1)
def test_make_optimizer_builds_the_named_optimizer(lab):
    """make_optimizer returns a new torch.optim.SGD for "sgd" and torch.optim.Adam for "adam", over every parameter"""
    made = lab.student(probes.optimizers_made, names=["sgd", "adam"], train_it=False, again=True)
    for name in ("sgd", "adam"):
        expect_named_optimizer(made[name], name)
    for name in ("sgd", "adam"):
        expect_new_each_call(made["again"][name], name)


@pytest.mark.points(1)
def test_sgd_optimizer_trains(lab):
    """make_optimizer(model, "sgd") trains a small MNIST-shaped classifier well"""
    expect_trains(lab.student(probes.optimizers_made, names=["sgd"])["sgd"], "sgd")


@pytest.mark.points(1)
def test_adam_optimizer_trains(lab):
    """make_optimizer(model, "adam") trains a small MNIST-shaped classifier well"""
    expect_trains(lab.student(probes.optimizers_made, names=["adam"])["adam"], "adam")


@pytest.mark.points(1)
@pytest.mark.hidden
def test_optimizers_train_another_task(lab):
    """Both of make_optimizer's optimizers train a second task, with other data and other starting weights"""
    made = lab.student(probes.optimizers_made, names=["sgd", "adam"], task="digits-b")
    for name in ("sgd", "adam"):
        expect_trains(made[name], name)
