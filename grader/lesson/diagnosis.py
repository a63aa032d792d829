"""How exercises 3 and 7 diagnose a step written by hand, beyond its values: shared, so both say it alike.

- ``KnownMistake``: a mistake recognised by its effect (what a ``@simulator`` variant gives), with
  the words for it;
- ``known_error``: the mistake an error of the step shows, where only one mistake raises it;
- ``outcomes``: the student's and the reference's outcomes, an error that only a frozen parameter
  causes explained (established by the same call with nothing frozen, never guessed);
- ``expect_in_a_row``: several calls in one worker, each on a model of its own: a call right on its
  own but wrong after the others shows state kept between calls (established by running it alone);
- ``simulating``: what a known-wrong version gives on a check's inputs;
- ``expect_returns_none``: the step changes the parameters in place and returns nothing.

Every error is read from ``Feedback.raised`` (the worker's report of it, and PyTorch's words there),
and every feedback said again is derived from the one caught, never rebuilt from its words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from grader.grading.compare import expect_recorded, expect_type
from grader.grading.feedback import Feedback


@dataclass(frozen=True)
class KnownMistake:
    """A known mistake of a step, recognised by what its known-wrong version gives on the same inputs."""

    shows: str
    """What the student's values match, ending a sentence: "Your parameters are {shows}"."""
    change: str
    """What to change."""
    mistake: str
    """Its id in the exercise's mistakes.toml."""

    def seen(self, said: str, evidence: str | None = None) -> Feedback:
        """Feedback for values that show this mistake: ``said``, the start of the sentence, then ``shows``."""
        return Feedback(said + self.shows, evidence, self.change, mistake=self.mistake)


@dataclass(frozen=True)
class Pairing:
    """A step that keeps state for each parameter (momentum's buffers, Adam's dicts) pairs the two by
    position: what a shape error shows when a frozen parameter was left out before the pairing."""

    shows: str
    """The finding, after "With no parameter frozen, the same call runs: "."""
    change: str
    """What to change."""


def simulating(lab, probe, **params) -> Callable:
    """What a known-wrong implementation gives on ``probe``'s inputs with ``params``: a check's ``simulated``."""
    return lambda wrong: lab.simulate(probe, wrong, **params)


def expect_returns_none(got: dict, name: str) -> None:
    for returned in got["returned"]:
        expect_type(returned, "NoneType", f"What {name} returns", "Change the parameters in place and return nothing.")


# ---------------------------------------------------------------- errors

# PyTorch's refusal to change a parameter in place while autograd records: the update outside torch.no_grad().
_RECORDED = "a leaf Variable that requires grad is being used in an in-place operation"
# A gradient of None in arithmetic: the step used the .grad of a parameter that has none.
_NONE_GRAD = re.compile(r"unsupported operand type\(s\) for .*NoneType|'NoneType' object has no attribute")
# A tensor met one of another shape: what a parameter paired with another one's state raises.
_SHAPES = ("shape", "size of tensor")


def known_error(problem: Feedback, frozen_is_cause: bool = False) -> Feedback:
    """``problem``, an error the student's step raised, with the known mistake it shows named (its words
    kept): autograd's refusal of an in-place change (the update recorded), or, when the caller established
    that the frozen parameters cause it (the same call with none frozen runs), arithmetic on a ``.grad``
    of None (a frozen parameter stepped). Any other feedback comes back as it was."""
    raised = problem.raised
    if raised is None:
        return problem
    if _RECORDED in raised.message:
        return problem.naming("update.recorded")
    if frozen_is_cause and _NONE_GRAD.search(raised.message):
        return problem.naming("frozen.touched")
    return problem


def explain_frozen(lab, probe, problem: Feedback, params: dict, pairing: Pairing | None) -> Feedback:
    """``problem``, an error with a frozen parameter about, explained when the same call with nothing
    frozen runs: then the frozen parameter is the trigger. A shape error has state paired with the wrong
    parameters as its usual cause (``pairing``: for a step that keeps state); arithmetic on a None
    gradient, a frozen parameter stepped (``known_error``). Any other feedback comes back as it was."""
    runs = params.get("runs")
    frozen = params.get("frozen") or any(run.get("frozen") for run in runs or [])
    raised = problem.raised
    shapes = pairing is not None and raised is not None and any(s in raised.message for s in _SHAPES)
    if not (frozen and raised is not None and (shapes or known_error(problem, frozen_is_cause=True) is not problem)):
        return problem
    unfrozen = dict(params, runs=[dict(run, frozen=[]) for run in runs]) if runs else dict(params, frozen=[])
    try:
        lab.student(probe, **unfrozen)
    except Feedback:
        return problem
    if pairing is None or not shapes:
        return known_error(problem, frozen_is_cause=True)
    return problem.because("With no parameter frozen, the same call runs: " + pairing.shows, pairing.change,
                           mistake="frozen.pairing_shifted")


def outcomes(lab, probe, pairing: Pairing | None = None, **params) -> tuple[dict, dict]:
    """(student, reference) outcomes of ``probe``, an error explained (and named) when a frozen parameter
    causes it (``explain_frozen``)."""
    want = lab.reference(probe, **params)
    try:
        return lab.student(probe, **params), want
    except Feedback as problem:
        raise explain_frozen(lab, probe, problem, params, pairing) from None


# ---------------------------------------------------------------- calls in a row

# check(mine, theirs, run, where, simulated): raises Feedback when one run's record is wrong;
# ``simulated(mistaken(…))`` is the record a known-wrong implementation leaves on that run.
RunCheck = Callable[[dict, dict, dict, str, Callable], None]


def right_alone(lab, probe, run: dict, check: RunCheck) -> bool:
    """Does the student's function get ``run`` right when it is the only call in a fresh worker?"""
    try:
        alone = lab.student(probe, runs=[run])
        check(alone["runs"][0], lab.reference(probe, runs=[run])["runs"][0], run, "",
              lambda wrong: lab.simulate(probe, wrong, runs=[run])["runs"][0])
    except (Feedback, KeyError, IndexError, TypeError):
        return False
    return True


def expect_in_a_row(lab, probe, runs: list[dict], check: RunCheck, *, kept: str, pairing: Pairing | None = None,
                    explain: Callable[[dict, dict, dict, str], None] | None = None) -> None:
    """Run ``runs`` one after the other in one worker; every run must pass ``check``. A run that is right
    on its own (in a fresh worker) but wrong, or failing, after the earlier ones points to state kept
    between calls (``kept``: what to change then): established by running it alone. ``explain(mine, theirs,
    run, where)`` may name a run's mistake better than ``check`` did; ``pairing`` is as for ``outcomes``."""
    name = probe.calls
    want = lab.reference(probe, runs=runs)
    try:
        got = lab.student(probe, runs=runs)
    except Feedback as problem:
        if problem.raised is None:
            raise
        for run in runs:  # which call raises on its own, in a fresh process?
            try:
                lab.student(probe, runs=[run])
            except Feedback as alone:
                raise explain_frozen(lab, probe, alone, {"runs": [run]}, pairing) from None
        raise problem.because("No call raises this on its own, in a fresh process; called after another "
                              "model's steps, one does: something of an earlier call was kept and reused.",
                              kept, mistake="state.kept") from None
    expect_recorded(got, want, ("runs",), name)
    for index, (mine, theirs, run) in enumerate(zip(got["runs"], want["runs"], runs)):
        mine = mine if isinstance(mine, dict) else {}
        where = (f"Call {index + 1} of {len(runs)} (a model of sizes {tuple(run['sizes'])}, "
                 f"{run.get('dtype', 'float32')}, lr={run['lr']}): ")
        try:
            check(mine, theirs, run, "",
                  lambda wrong, index=index: lab.simulate(probe, wrong, runs=runs)["runs"][index])
        except Feedback as problem:
            if index and right_alone(lab, probe, run, check):
                raise problem.instead(
                    f"{where}on its own, in a fresh process, `{name}` gets this call right; called after "
                    "another model's steps, it does not. Something of an earlier call was kept and reused "
                    "here.", kept, mistake="state.kept") from None
            if explain is not None:
                explain(mine, theirs, run, where)
            # Which call, said first; the explanation keeps its key, so a report gives it once, and its mistake.
            raise problem.where(where) from None
