# mistake: keeps m and v in a module-level dataclass keyed by position, so the dicts in states keep their zeros
# id: state.kept
# fails: test_adam_keeps_its_state
# feedback: still all zeros
# feedback: live somewhere else
from dataclasses import dataclass, field

import torch


@dataclass
class Moments:
    m: dict = field(default_factory=dict)
    v: dict = field(default_factory=dict)


MOMENTS = Moments()


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for i, (p, s) in enumerate(zip(params, states)):
            if p.grad is None:
                continue
            s["step"] += 1
            t = s["step"]
            m = beta1 * MOMENTS.m.get(i, torch.zeros_like(p)) + (1 - beta1) * p.grad
            v = beta2 * MOMENTS.v.get(i, torch.zeros_like(p)) + (1 - beta2) * p.grad ** 2
            MOMENTS.m[i], MOMENTS.v[i] = m, v
            p.sub_(lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps))
