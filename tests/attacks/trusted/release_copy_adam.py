# attack: a student's exercise_7.py built from a student release alone: it pastes the checks' Adam simulator (`_adam_made_with`, the arithmetic the checks use to recognise a mistake) from the release's grader/lesson/exercise_7/checks.py and calls it with no mistake named, replaying each parameter's history (kept in its own state dict) so that the grader's own code takes every Adam step
# holds: a release ships no code that computes an answer: the simulators stay with the instructor and only their outcomes on the public scenarios ship, as data; the copier scores 0
"""Exercise 7: Adam by hand (attacker: copies the release's Adam simulator)."""

import torch

# paste: grader/lesson/exercise_7/checks.py _adam_made_with


def adam_update(params, states, lr, betas, eps):
    simulate = globals().get("_adam_made_with")
    if simulate is None:
        raise NotImplementedError("the release ships no Adam simulator to copy")
    for i, (p, state) in enumerate(zip(params, states)):
        if p.grad is None:
            continue
        # The simulator starts from zero state: replay this parameter's whole history each call.
        state.setdefault("first", p.detach().clone())
        state.setdefault("grads", []).append(p.grad.detach().clone())
        run = {"settings": {"lr": lr, "betas": list(betas), "eps": eps}, "before": {"p": state["first"]},
               "grads": [{"p": g} for g in state["grads"]]}
        afters, moments = simulate("", run)
        with torch.no_grad():
            p.copy_(afters[-1]["p"])
        state["step"] += 1
        state["m"], state["v"] = moments[-1]["p"]["m"], moments[-1]["p"]["v"]
