"""Comparing a student's outcome with the reference's, and naming the difference.

Everything compared here came out of ``grader.isolation.wire`` (or a probe's ``describe``),
so tensors are plain ``torch.Tensor`` objects built by the judge. Tolerances
come from ``grader.grading.numerics``.
"""

from __future__ import annotations

import math

from grader.grading.feedback import Feedback
from grader.grading.numerics import tolerance


def expect_type(got: dict, expected: str, what: str, fix: str) -> None:
    """``got`` (a ``describe`` record) must be of type ``expected``, exactly."""
    if got["type"] != expected:
        shown = got.get("repr") or _short(got)
        raise Feedback(f"{what} should be a {expected}, but it is a {got['type']}{shown}.", None, fix)


def _short(info: dict) -> str:
    if "value" in info:
        return f" ({info['value']!r})"
    if "shape" in info:
        return f" (shape {tuple(info['shape'])}, dtype {info['dtype']}, device {info['device']})"
    return ""


def close(got, want, device: str = "cpu", steps: int = 1) -> bool:
    """Do two tensors agree within the tolerance for their dtype and device?"""
    import torch

    if got.shape != want.shape or got.dtype != want.dtype:
        return False
    tol = tolerance(want.dtype, device, steps)
    return bool(torch.allclose(got, want, rtol=tol.rtol, atol=tol.atol, equal_nan=False))


def gap(got, want) -> str:
    """Where two same-shape tensors differ most, in words."""
    import torch

    diff = (got.double() - want.double()).abs()
    if diff.numel() == 0:
        return "they are empty"
    if not torch.isfinite(got).all():
        bad = (~torch.isfinite(got)).sum().item()
        return f"{bad} of {got.numel()} values are NaN or infinite"
    flat = int(diff.argmax())
    index = tuple(int(i) for i in torch.unravel_index(torch.tensor(flat), got.shape)) if got.dim() else ()
    return (f"largest difference {diff.max().item():.3g} at index {list(index)} "
            f"(yours {got.reshape(-1)[flat].item():.6g}, expected {want.reshape(-1)[flat].item():.6g})")


def step_scale(before: dict, got: dict, want: dict) -> float | None:
    """How many times the expected update the student's update is, if it is a multiple at all.

    ``before``, ``got`` and ``want`` map parameter names to tensors. The update is
    ``after - before``; the answer is the least-squares ``k`` with
    ``got - before ≈ k · (want - before)``, or None when no single ``k`` explains it.
    """
    import torch

    names = [n for n in want if want[n] is not None and got.get(n) is not None]
    if not names:
        return None
    d_got = torch.cat([(got[n].double() - before[n].double()).reshape(-1) for n in names])
    d_want = torch.cat([(want[n].double() - before[n].double()).reshape(-1) for n in names])
    norm = d_want.dot(d_want).item()
    if norm == 0 or not torch.isfinite(d_got).all():
        return None
    k = d_got.dot(d_want).item() / norm
    residual = (d_got - k * d_want).norm().item() / math.sqrt(norm)
    return k if residual < 1e-3 * max(1.0, abs(k)) else None


def changed(before: dict, after: dict) -> list[str]:
    """Names of the tensors that differ between two ``{name: tensor}`` maps."""
    import torch

    return [n for n in before if before[n] is not None and after.get(n) is not None
            and not torch.equal(before[n], after[n])]


def expect_recorded(got: dict, want: dict, keys: tuple[str, ...], what: str) -> None:
    """The probe records one entry per step the *grader* ran (a list), or per parameter of the
    grader's model (a mapping): anything else did not come from it (a result written straight to
    the worker's pipe), and must not pass by comparing nothing."""
    for key in keys:
        kind = type(want[key])
        if not isinstance(got.get(key), kind) or (len(got[key]) != len(want[key]) if kind is list
                                                  else set(got[key]) != set(want[key])):
            raise Feedback(f"The result sent back for `{what}` is not the one the grader records (its "
                           f"`{key}` does not match the steps and parameters the grader ran).", None,
                           "Let your function return normally, and write nothing to file descriptors your "
                           "code did not open.")


def mismatched(got: dict, want: dict, device: str = "cpu", steps: int = 1) -> list[str]:
    """Names whose tensors differ (or are missing) between two ``{name: tensor}`` maps."""
    bad = []
    for name, w in want.items():
        g = got.get(name) if isinstance(got, dict) else None
        if w is None and g is None:
            continue
        if w is None or g is None or not close(g, w, device, steps):
            bad.append(name)
    return bad


def evidence(got: dict, want: dict, names: list[str], label: str = "parameter") -> str:
    """One line per differing tensor (at most three), for Feedback."""
    lines = []
    for name in names[:3]:
        g, w = got.get(name), want.get(name)
        if g is None or w is None:
            lines.append(f"{label} {name!r}: yours is {'missing' if g is None else 'set'}, expected "
                         f"{'none' if w is None else 'a tensor'}")
        elif g.shape != w.shape:
            lines.append(f"{label} {name!r}: shape {tuple(g.shape)}, expected {tuple(w.shape)}")
        else:
            lines.append(f"{label} {name!r}: {gap(g, w)}")
    if len(names) > 3:
        lines.append(f"… and {len(names) - 3} more")
    return "\n".join(lines)


def expect_optimizer_state(got: dict, want: dict, device: str, steps: int, fix: str) -> None:
    """The optimizer's state (momentum buffers, Adam's averages) must match the reference's."""
    for name, entries in want.items():
        mine = got.get(name, {})
        for key, value in entries.items():
            if not hasattr(value, "shape"):
                continue
            if key not in mine or mismatched({key: mine[key]}, {key: value}, device, steps):
                raise Feedback(f"The parameters are right, but the optimizer's {key!r} for {name!r} is not "
                               "what those steps leave behind.",
                               evidence({key: mine.get(key)}, {key: value}, [key], name), fix)
