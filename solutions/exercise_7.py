"""Exercise 7: Adam by hand (reference solution)."""

import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    """Take one step of Adam on `params`, in place."""
    beta1, beta2 = betas
    with torch.no_grad():
        for p, state in zip(params, states):
            if p.grad is None:
                continue
            state["step"] += 1
            t, m, v = state["step"], state["m"], state["v"]
            m.mul_(beta1).add_(p.grad, alpha=1 - beta1)
            v.mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            m_hat = m / (1 - beta1 ** t)
            v_hat = v / (1 - beta2 ** t)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
