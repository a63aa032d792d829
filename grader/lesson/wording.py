"""Sentences about gradient descent that several of this lesson's checks use."""

from __future__ import annotations


def describe_scale(k: float | None) -> str | None:
    """A sentence naming the mistake a step ``k`` times the expected one points to."""
    if k is None:
        return None
    if abs(k) < 1e-6:
        return ("The parameters did not change at all: no update reached them.")
    if abs(k + 1) < 1e-3:
        return ("Your update is −1× the expected one: that is gradient ascent, a step uphill that "
                "makes the loss worse. Gradient descent subtracts: p ← p − lr·grad.")
    if k < 0:
        return (f"Your update is {k:.3g}× the expected one: it points uphill (the sign is wrong) "
                "and its size is off too.")
    if abs(k - 1) < 1e-3:
        return None
    return (f"Your update is {k:.3g}× the expected one: it points the right way (downhill) but "
            "its size is wrong. Scale the gradient by the learning rate exactly once.")


def learning_rate_clue(k: float | None, lr: float) -> str | None:
    """Name the learning-rate slip a step ``k`` times too big points to."""
    if k is None or lr in (0, 1):
        return None
    if abs(k - 1 / lr) < 1e-3 * abs(1 / lr):
        return f"That is 1/lr: the step used the raw gradient, without multiplying by the learning rate ({lr})."
    if abs(k - lr) < 1e-3 * abs(lr):
        return f"That is lr× too small: the learning rate ({lr}) was applied twice (lr²·grad)."
    return None
