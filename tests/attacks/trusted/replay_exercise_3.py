# attack: replay the release's reference outcomes instead of writing the SGD step
# holds: no points once an instructor grades (salted inputs); the public points under a student's own `grade`
"""A student's exercise_3.py that writes no update.

The student pasted their release's stored reference outcomes (grader/lesson/reference.grdr,
compressed, in base64) into ``RECORDED`` (tests/test_attacks_replay.py does it). Each call
looks for the recorded scenario whose parameters and gradients are the ones it
was handed, and copies that scenario's recorded result into the parameters (and
the velocity buffers). On inputs it has no recording of, it does nothing, which is all an empty
function does.
"""

import base64
import zlib

import torch

RECORDED = ""  # the release's reference.grdr, zlib-compressed, base64


def _steps():
    """(state in, gradients, state out, buffers out) of every recorded step of every scenario."""
    from grader.grading import references  # the grader's own loader, importable in the worker

    found = []
    for (probe, _params, _device), outcome in references.decode(zlib.decompress(base64.b64decode(RECORDED))).items():
        if "exercise_3" not in probe:
            continue
        for record in outcome.get("runs", [outcome]):
            before = record["before"]
            for step, (grads, after) in enumerate(zip(record["grads"], record["after"])):
                found.append((before if step == 0 else record["after"][step - 1], grads, after,
                              (record.get("velocities") or [None] * len(record["after"]))[step]))
    return found


def _same(tensor, recorded) -> bool:
    if tensor is None or recorded is None:
        return tensor is None and recorded is None
    tensor = tensor.detach().to("cpu")
    return tensor.dtype == recorded.dtype and tensor.shape == recorded.shape and torch.equal(tensor, recorded)


def _replay(params) -> tuple[dict, dict | None] | None:
    for state_in, grads, after, buffers in _steps():
        names = list(state_in)
        if len(names) == len(params) and all(_same(p, state_in[n]) and _same(p.grad, grads[n])
                                              for n, p in zip(names, params)):
            return {i: after[n] for i, n in enumerate(names)}, buffers and {i: buffers[n] for i, n in enumerate(names)}
    return None  # not a recorded scenario


def sgd_update(params, lr):
    params = list(params)
    found = _replay(params)
    if found is None:
        return
    after, _ = found
    with torch.no_grad():
        for i, p in enumerate(params):
            p.copy_(after[i])


def sgd_momentum_update(params, velocities, lr, momentum):
    params = list(params)
    found = _replay(params)
    if found is None:
        return
    after, buffers = found
    with torch.no_grad():
        for i, (p, v) in enumerate(zip(params, velocities)):
            p.copy_(after[i])
            if buffers and buffers[i] is not None:
                v.copy_(buffers[i])
