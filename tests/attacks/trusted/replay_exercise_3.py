# attack: replay the release's reference outcomes instead of writing the SGD step
# holds: no points once an instructor grades (salted inputs); the public points under a student's own `grade`
"""A student's exercise_3.py that writes no update.

The student read their release's stored reference outcomes (grader/lesson/reference.grdr, through
the grader's own loader, on their own machine) and pasted every recorded step into ``RECORDED`` as
plain numbers (tests/test_attacks_replay.py does it): the parameters and gradients a step was
handed, and the parameters and velocity buffers it left. Each call looks for the recorded step
whose inputs are the ones it was handed and copies that step's result in. Nothing here but torch
and literals, so nothing hides how it steps. On inputs it has no recording of, it does nothing,
which is all an empty function does.
"""

import torch

# [(state in, gradients, state out, buffers out or None)], each a list of (shape, dtype, values) or None
RECORDED = []

_DTYPES = {"float32": torch.float32, "float64": torch.float64}


def _tensor(recorded):
    if recorded is None:
        return None
    shape, dtype, values = recorded
    return torch.tensor(values, dtype=_DTYPES[dtype]).reshape(shape)


def _same(tensor, recorded) -> bool:
    if tensor is None or recorded is None:
        return tensor is None and recorded is None
    want = _tensor(recorded)
    tensor = tensor.detach().to("cpu")
    return tensor.dtype == want.dtype and tensor.shape == want.shape and torch.equal(tensor, want)


def _replay(params):
    for state_in, grads, after, buffers in RECORDED:
        if len(state_in) == len(params) and all(_same(p, s) and _same(p.grad, g)
                                                 for p, s, g in zip(params, state_in, grads)):
            return [_tensor(a) for a in after], buffers and [_tensor(b) for b in buffers]
    return None  # not a recorded step


def sgd_update(params, lr):
    params = list(params)
    found = _replay(params)
    if found is None:
        return
    after, _ = found
    with torch.no_grad():
        for p, a in zip(params, after):
            p.copy_(a)


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
