# attack: replay the release's reference outcomes instead of writing the Adam step
# holds: no points once an instructor grades (salted inputs); the public points under a student's own `grade`
"""A student's exercise_7.py that writes no update: replay_exercise_3.py's attack on Adam.

``RECORDED`` holds every step of the release's stored outcomes as plain numbers (pasted in by
tests/test_attacks_replay.py): the parameters and gradients a step was handed, and the parameters
and each parameter's state (step count, m, v) it left. A call finds the step it was handed and
copies its result in; on inputs it has no recording of, it does nothing.
"""

import torch

# [(state in, gradients, state out, Adam's states out)]: tensors as (shape, dtype, values) or None,
# each Adam state as (step, m, v)
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


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    params = list(params)
    for state_in, grads, after, kept in RECORDED:
        if len(state_in) == len(params) and all(_same(p, s) and _same(p.grad, g)
                                                 for p, s, g in zip(params, state_in, grads)):
            break
    else:
        return  # not a recorded step
    with torch.no_grad():
        for p, state, a, (step, m, v) in zip(params, states, after, kept):
            p.copy_(_tensor(a))
            state["step"] = step
            for key, value in (("m", m), ("v", v)):
                if value is not None:
                    state[key].copy_(_tensor(value))
