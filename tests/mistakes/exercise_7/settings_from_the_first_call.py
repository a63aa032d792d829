# mistake: a functools.cache'd helper builds the betas and eps once, from the first call's arguments, and reuses them afterwards
# id: state.kept
# fails: test_adam_called_again_on_another_model
# feedback: kept and reused
import functools

import torch

_first = {}


@functools.cache
def _settings():
    return _first["betas"], _first["eps"]


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    _first.setdefault("betas", betas)
    _first.setdefault("eps", eps)
    (beta1, beta2), eps = _settings()
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            t = s["step"]
            s["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            p.addcdiv_(s["m"], (s["v"] / (1 - beta2 ** t)).sqrt().add_(eps), value=-lr / (1 - beta1 ** t))
