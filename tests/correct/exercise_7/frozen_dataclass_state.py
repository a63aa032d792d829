"""Correct: each step computed by a pure function on a frozen dataclass, the new state written back to the dict."""
from dataclasses import dataclass

import torch


@dataclass(frozen=True)
class AdamState:
    step: int
    m: torch.Tensor
    v: torch.Tensor


def _advance(state: AdamState, grad, betas) -> AdamState:
    beta1, beta2 = betas
    return AdamState(state.step + 1, beta1 * state.m + (1 - beta1) * grad, beta2 * state.v + (1 - beta2) * grad ** 2)


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            new = _advance(AdamState(s["step"], s["m"], s["v"]), p.grad, betas)
            s.update(step=new.step, m=new.m, v=new.v)
            m_hat = new.m / (1 - beta1 ** new.step)
            v_hat = new.v / (1 - beta2 ** new.step)
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
