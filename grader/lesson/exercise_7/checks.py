"""Checks for exercise 7: Adam by hand.

When the parameters come out wrong, the checks ask what each known mistake would
have given on the same inputs (``lab.simulate``) and name the one whose effect the
submission reproduces (its id in mistakes.toml). The known-wrong adam_update
(``_adam_with``) is one argument away from the answer, so it is a ``@simulator``: a
release cuts it out and ships only what it gives on the public scenarios, as data.
"""

import pytest

from grader.grading.compare import changed, evidence, expect_recorded, mismatched
from grader.grading.feedback import Feedback
from grader.grading.numerics import tolerance
from grader.grading.simulations import mistaken, simulator
from grader.lesson.by_hand import expect_by_hand, expect_grads_untouched
from grader.lesson.diagnosis import (KnownMistake, Pairing, expect_in_a_row, expect_returns_none, known_error,
                                     outcomes, right_alone, simulating)
from grader.lesson.exercise_7 import probes

IN_PLACE = ("`p = p - …` makes a new tensor and points the name p at it; the model's parameter itself never "
            "changes. Change p in place inside `with torch.no_grad():`, with `-=` or a method such as `sub_`.")


PAIRED = Pairing("a parameter was paired with another one's m and v once the frozen one was left out. Each "
                 "dict in `states` belongs to the parameter at the same position, frozen ones included.",
                 "Pair each parameter with its dict first, then skip the pair when the parameter's .grad is None.")

MISTAKES = {  # each: what the student's parameters match, what to change, the mistake's id
    "step_from_zero": KnownMistake(
        "what Adam gives when the bias correction uses a step count of 0 on the first step: 1 − β⁰ = 0, "
        "and dividing by zero turns every value into NaN.",
        "Count the step before you use it, so that t is 1 on the first step, 2 on the second, and so on.",
        mistake="adam.step_from_zero"),
    "raw_gradient_in_v": KnownMistake(
        "what Adam gives when v averages the gradients themselves instead of their squares: v goes negative "
        "wherever the gradient is negative, and a negative number has no square root (NaN).",
        "v is the running average of the squared gradient, g², which is never negative.",
        mistake="adam.v_unsquared"),
    "no_bias_correction": KnownMistake(
        "what Adam gives without bias correction. m and v start at zero, so in the first steps they are "
        "much smaller than the gradients they average, and the step comes out the wrong size.",
        "Before the update, divide m by (1 − β₁ᵗ) and v by (1 − β₂ᵗ), with t the step number.",
        mistake="adam.no_bias_correction"),
    "eps_inside_sqrt": KnownMistake(
        "what Adam gives with eps added under the square root, √(v̂ + eps), instead of after it.",
        "Take the square root of v̂ first, then add eps to it.",
        mistake="adam.eps_inside_root"),
    "betas_swapped": KnownMistake(
        "what Adam gives with the two betas swapped: m averaged with β₂ and v with β₁. In the parameters, "
        "the first step hides it (bias correction cancels the betas there); later steps do not.",
        "betas is (β₁, β₂): β₁ (0.9 by default) goes with m, the average of the gradients, and β₂ (0.999) "
        "with v, the average of the squared gradients.",
        mistake="adam.betas_swapped"),
    "step_stuck": KnownMistake(
        "what Adam gives when the step count never gets past 1: the first step is right, but every later "
        "step uses the bias correction of the first.",
        "Store the new step count in the parameter's dict, so that the next call carries on from it.",
        mistake="adam.step_not_kept"),
    "moments_not_kept": KnownMistake(
        "what Adam gives when m and v start from zero at every call: the first step is right, but the new "
        "averages never reached the dicts in `states`, so the next call could not build on them.",
        "Update the dict's m and v in place, or put the new tensors back into the dict.",
        mistake="adam.moments_not_kept"),
    "raw_gradient_in_update": KnownMistake(
        "what Adam gives when the update divides the raw gradient, not m̂, by √v̂ + eps. The first step "
        "hides it (there m̂ equals the gradient); later steps do not.",
        "Use m̂, the bias-corrected average of the gradients, on top of the fraction.",
        mistake="adam.m_hat_unused"),
}


@simulator(calls="adam_update", variants=[(m,) for m in MISTAKES])
def _adam_with(mistake: str):
    """adam_update made with ``mistake`` (a key of MISTAKES): its effect, to recognise it by."""
    import torch

    def adam_update(params, states, lr, betas, eps):
        beta1, beta2 = tuple(betas)[::-1] if mistake == "betas_swapped" else tuple(betas)
        with torch.no_grad():
            for p, state in zip(params, states):
                if p.grad is None:
                    continue  # a frozen parameter
                g, taken = p.grad, state["step"]
                t = {"step_from_zero": taken, "step_stuck": 1}.get(mistake, taken + 1)
                m_now = beta1 * state["m"] + (1 - beta1) * g
                v_now = beta2 * state["v"] + (1 - beta2) * (g if mistake == "raw_gradient_in_v" else g.square())
                if mistake != "moments_not_kept":
                    state["m"], state["v"] = m_now, v_now
                if mistake != "no_bias_correction":
                    m_now, v_now = m_now / (1 - beta1 ** t), v_now / (1 - beta2 ** t)
                top = g if mistake == "raw_gradient_in_update" else m_now
                bottom = (v_now + eps).sqrt() if mistake == "eps_inside_sqrt" else v_now.sqrt() + eps
                p.sub_(lr * top / bottom)
                state["step"] = taken + 1
    return adam_update


def _same(got: dict, other: dict, device: str, steps: int) -> bool:
    """Do two ``{name: tensor}`` maps agree, NaNs in the same places counting as equal?"""
    import torch

    for name, w in other.items():
        g = got.get(name)
        if (g is None) != (w is None):
            return False
        if w is None or g is None:  # both, by now
            continue
        tol = tolerance(w.dtype, device, steps)
        if g.shape != w.shape or g.dtype != w.dtype or not torch.allclose(g, w, rtol=tol.rtol, atol=tol.atol,
                                                                          equal_nan=True):
            return False
    return True


def _nonfinite(after: dict) -> list[str]:
    import torch

    return [name for name, t in after.items() if t is not None and not torch.isfinite(t).all()]


def _student_steps(lab, probe=probes.adam_steps, **params) -> tuple[dict, dict]:
    """(student, reference) outcomes; an error that only a frozen parameter causes is named."""
    return outcomes(lab, probe, PAIRED, **params)


def expect_frozen_alone(got: dict, want: dict, frozen, where: str = "") -> None:
    """Frozen parameters, and their dicts, stay as they were."""
    expect_recorded(got, want, ("after", "states"), "adam_update")
    moved = [n for n in frozen if mismatched({n: got["after"][-1].get(n)}, {n: want["before"][n]})]
    if moved:
        raise Feedback(f"{where}Frozen parameters moved: {', '.join(moved)}. A frozen parameter has no gradient "
                       "and must not change.", None, "Skip parameters whose `.grad` is None.",
                       mistake="frozen.touched")
    last = got["states"][-1] if isinstance(got["states"][-1], dict) else {}
    touched = [n for n in frozen if (last.get(n) or {}).get("step") != 0]
    if touched:
        raise Feedback(f"{where}The dict of the frozen parameter {touched[0]!r} was changed (its step count is "
                       f"{(last.get(touched[0]) or {}).get('step')!r}, not 0).", None,
                       "Leave the dicts of parameters without a gradient alone.", mistake="frozen.touched")


def expect_run(got: dict, want: dict, run: dict, device: str, simulated, where: str = "") -> None:
    """One run of ``adam_steps`` or ``adam_in_a_row``: frozen parameters, the steps, the dicts."""
    expect_frozen_alone(got, want, run.get("frozen", []), where)
    expect_steps(got, want, device, simulated, where)
    expect_states(got, want, device, simulated, where)


def _in_a_row_check(device: str):
    """``expect_run`` as ``expect_in_a_row`` calls a check."""
    return lambda mine, theirs, run, where, simulated: expect_run(mine, theirs, run, device, simulated, where)


def why_not_generator(lab, got: dict, want: dict, run: dict, device: str, where: str = "") -> None:
    """When adam_update changed nothing given a generator: say it is the generator if the same call
    with a list works (established, not guessed)."""
    if run.get("pass_as") != "generator" or changed(want["before"], got["after"][0]) \
            or not changed(want["before"], want["after"][0]):
        return
    as_list = dict(run, pass_as="list")
    if right_alone(lab, probes.adam_in_a_row, as_list, _in_a_row_check(device)):
        raise Feedback(f"{where}Given a list, adam_update takes the right steps; given `model.parameters()` "
                       "(a generator) with the same values, it changed nothing. A generator can be gone "
                       "through only once: something went through it before the update loop did (a first "
                       "loop, len, list or sum) and used it up.", None,
                       "Go through params a single time, each parameter together with its dict.",
                       mistake="params.generator_used_up")


def expect_steps(got: dict, want: dict, device: str, simulated, where: str = "") -> None:
    """Parameters after every step must match the reference; name the mistake if they don't
    (``simulated(mistaken(…))``: the record a known-wrong adam_update leaves on the same inputs)."""
    expect_recorded(got, want, ("after",), "adam_update")
    for step, (g_after, w_after) in enumerate(zip(got["after"], want["after"])):
        bad = mismatched(g_after, w_after, device, steps=step + 1)
        if not bad:
            continue
        when = f" after step {step + 1}" if len(want["after"]) > 1 else ""
        before = want["before"] if step == 0 else want["after"][step - 1]
        shown = evidence(g_after, w_after, bad)
        if not changed(before, g_after) and changed(before, w_after):
            raise Feedback(f"{where}The parameters did not change at all{when}: no update reached them.", shown,
                           IN_PLACE, mistake="update.rebinds")
        for mistake, known in MISTAKES.items():
            if _same(g_after, simulated(mistaken("_adam_with", mistake))["after"][step], device, step + 1):
                raise known.seen(f"{where}Your parameters{when} are ", shown)
        if _nonfinite(g_after):
            raise Feedback(f"{where}Some parameters{when} hold NaN or infinite values: "
                           f"{', '.join(_nonfinite(g_after))}.", shown,
                           "Look for a division by zero or the square root of a negative number.")
        raise Feedback(f"{where}The parameters{when} are not where the same Adam step takes them, and no "
                       "mistake the grader knows gives these values.", shown,
                       "Go through the docstring's steps in order, for every parameter that has a gradient.")


def _name_state_mistake(mine: dict, want: dict, step: int, device: str, simulated, where: str = "") -> None:
    """Raise Feedback naming the mistake whose m and v the student's dicts hold after ``step``, if any."""
    for mistake, known in MISTAKES.items():
        made = {name: state for name, state in simulated(mistaken("_adam_with", mistake))["states"][step].items()
                if want["states"][step][name]["step"]}  # frozen parameters' dicts: their own check
        if all(_same({k: (mine.get(name) or {}).get(k) for k in ("m", "v")}, {k: state[k] for k in ("m", "v")},
                     device, step + 1) for name, state in made.items()):
            raise known.seen(f"{where}After step {step + 1}, the m and v in your dicts are ")


def expect_states(got: dict, want: dict, device: str, simulated, where: str = "") -> None:
    """Each parameter's dict must hold the step count, m and v that many Adam steps leave behind."""
    expect_recorded(got, want, ("states",), "adam_update")
    for step, (mine, theirs) in enumerate(zip(got["states"], want["states"])):
        mine = mine if isinstance(mine, dict) else {}
        for name, expected in theirs.items():
            state = mine.get(name) or {}
            if state.get("step") != expected["step"]:
                elsewhere = (" Your parameters are right, so the count lives somewhere else (a variable outside "
                             "the function), out of the caller's sight; the dict is where the next call, or "
                             "another model's, looks for it."
                             if state.get("step") == 0 and _params_right(got, want, device) else "")
                said = (f"{where}After step {step + 1}, the step count in {name!r}'s dict is "
                        f"{state.get('step')!r}; it should be {expected['step']}.{elsewhere}")
                fix = "Add one to the parameter's step count at every step it takes, and keep it in its dict."
                if elsewhere:
                    raise Feedback(said, None, fix, mistake="state.kept")
                raise Feedback(said, None, fix)
            for key, average in (("m", "gradients"), ("v", "squared gradients")):
                bad = mismatched({key: state.get(key)}, {key: expected[key]}, device, steps=step + 1)
                if bad and state.get(key) is not None and not state[key].any() and expected[key].any():
                    if _params_right(got, want, device):
                        raise Feedback(
                            f"{where}Your parameters are right, but after step {step + 1}, {name!r}'s {key} in its "
                            "dict is still all zeros: the running averages live somewhere else (a variable "
                            "outside the function, an attribute on the parameter), out of the caller's sight. "
                            "The caller keeps `states` to carry them from one step to the next; another model "
                            "comes with dicts of its own.", None,
                            "Keep m and v in the parameter's own dict, and nowhere else.", mistake="state.kept")
                    raise Feedback(f"{where}After step {step + 1}, {name!r}'s {key} in its dict is still all zeros: "
                                   "the new averages never reached the dicts in `states`, so the next call cannot "
                                   "build on them.", None, MISTAKES["moments_not_kept"].change,
                                   mistake="adam.moments_not_kept")
                if bad:
                    _name_state_mistake(mine, want, step, device, simulated, where)
                    raise Feedback(f"{where}After step {step + 1}, {name!r}'s {key} (the running average of its "
                                   f"{average}) is not what that many Adam steps leave behind, and no mistake "
                                   "the grader knows gives these values.",
                                   evidence({key: state.get(key)}, {key: expected[key]}, bad, name),
                                   f"Keep the new {key} in the parameter's dict, updated the way the docstring says.")


def _params_right(got: dict, want: dict, device: str) -> bool:
    """Are the parameters after the last step where the reference's are?"""
    after = got.get("after")
    return isinstance(after, list) and len(after) == len(want["after"]) and isinstance(after[-1], dict) \
        and not mismatched(after[-1], want["after"][-1], device, steps=len(want["after"]))


@pytest.mark.points(1)
def test_adam_first_step_matches_torch(lab, device):
    """adam_update's first step matches torch.optim.Adam"""
    params = dict(seed=11, lr=0.01)
    got, want = _student_steps(lab, **params)
    expect_steps(got, want, device, simulating(lab, probes.adam_steps, **params))
    expect_returns_none(got, "adam_update")


@pytest.mark.points(1)
def test_adam_several_steps_match_torch(lab, device):
    """Over four steps, adam_update matches torch.optim.Adam"""
    params = dict(seed=12, lr=0.01, steps=4)
    got, want = _student_steps(lab, **params)
    expect_steps(got, want, device, simulating(lab, probes.adam_steps, **params))


@pytest.mark.points(1)
def test_adam_keeps_its_state(lab, device):
    """adam_update keeps each parameter's step count, m and v in its dict"""
    params = dict(seed=13, lr=0.01, steps=3)
    got, want = _student_steps(lab, **params)
    expect_states(got, want, device, simulating(lab, probes.adam_steps, **params))


@pytest.mark.points(1)
def test_adam_with_a_large_eps(lab, device):
    """adam_update with eps = 0.01, where it matters where eps goes"""
    params = dict(seed=14, lr=0.01, eps=0.01, steps=2)
    got, want = _student_steps(lab, **params)
    expect_steps(got, want, device, simulating(lab, probes.adam_steps, **params))


@pytest.mark.points(1)
def test_adam_leaves_autograd_and_grads_alone(lab):
    """adam_update records no autograd history and leaves .grad unchanged"""
    try:
        got, want = _student_steps(lab, seed=15, lr=0.01)
    except Feedback as problem:  # autograd refusing the update names the mistake
        raise known_error(problem) from None
    expect_recorded(got, want, ("after", "autograd", "grads_after"), "adam_update")
    for name, state in got["autograd"].items():
        said = (f"After adam_update, parameter {name!r} has autograd history or no longer requires "
                "grad: the update was recorded as part of the model's computation.")
        fix = "Do the update inside `with torch.no_grad():`, changing the parameters in place."
        if state["has_grad_fn"] or not state["is_leaf"]:
            raise Feedback(said, None, fix, mistake="update.recorded")
        if not state["requires_grad"]:
            raise Feedback(said, None, fix)
    expect_grads_untouched(got, want, "adam_update")


@pytest.mark.points(1)
def test_adam_skips_frozen_parameters(lab, device):
    """adam_update skips a frozen parameter (its .grad is None) in the middle of the list"""
    frozen = ["0.bias"]
    params = dict(seed=16, lr=0.01, steps=2, frozen=frozen)
    got, want = _student_steps(lab, **params)
    expect_frozen_alone(got, want, frozen)
    expect_steps(got, want, device, simulating(lab, probes.adam_steps, **params))


@pytest.mark.points(1)
def test_adam_update_is_written_by_hand(lab):
    """adam_update takes its step itself, without torch.optim"""
    expect_by_hand(lab, lab.student(probes.adam_steps, seed=11, lr=0.01, steps=2), "adam_update")


STATE_KEPT = ("Keep nothing from one call for the next outside what the caller hands in: the parameters and "
              "their dicts in `states`. A variable at module level, a cache or a default argument that "
              "remembers is shared by every model the function is ever called on.")
RUNS = [dict(seed=31, lr=0.01, steps=2, sizes=[6, 5, 3]),
        dict(seed=32, lr=0.03, betas=[0.8, 0.99], eps=1e-6, steps=2, sizes=[4, 7, 2], frozen=["0.weight"],
             pass_as="generator", dtype="float64")]


@pytest.mark.points(1)
def test_adam_called_again_on_another_model(lab, device):
    """Called again on another model (other sizes, settings and dtype, params as a generator, the first one frozen), adam_update still matches torch"""  # noqa: E501 - a check's title is one line
    def generator(mine, theirs, run, where):
        if "after" in mine and mine["after"]:
            why_not_generator(lab, mine, theirs, run, device, where)

    expect_in_a_row(lab, probes.adam_in_a_row, RUNS, _in_a_row_check(device), kept=STATE_KEPT, pairing=PAIRED,
                    explain=generator)


@pytest.mark.points(1)
@pytest.mark.hidden
def test_adam_generator_with_a_frozen_parameter(lab, device):
    """adam_update with params = model.parameters(), a generator, and a frozen first parameter"""
    run = dict(seed=17, lr=0.01, steps=2, frozen=["0.weight"], pass_as="generator", sizes=[6, 5, 3])
    params = {k: v for k, v in run.items() if k != "sizes"}
    got, want = _student_steps(lab, **params)
    expect_recorded(got, want, ("after",), "adam_update")
    why_not_generator(lab, got, want, run, device)
    expect_run(got, want, run, device, simulating(lab, probes.adam_steps, **params))


@pytest.mark.points(1)
@pytest.mark.hidden
def test_adam_float64_other_settings(lab, device):
    """adam_update in float64, three steps with other betas, eps and learning rate"""
    params = dict(seed=18, lr=0.05, betas=(0.8, 0.99), eps=1e-6, steps=3, dtype="float64")
    got, want = _student_steps(lab, **params)
    expect_steps(got, want, device, simulating(lab, probes.adam_steps, **params))
