"""Correct, the way torch.optim.Adam writes it: lerp_, a step size with the first correction folded in, addcdiv_."""
import math

import torch


@torch.no_grad()
def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    for p, state in zip(params, states):
        grad = p.grad
        if grad is None:
            continue
        state["step"] += 1
        step = state["step"]
        state["m"].lerp_(grad, 1 - beta1)
        state["v"].mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
        step_size = lr / (1 - beta1 ** step)
        denom = (state["v"].sqrt() / math.sqrt(1 - beta2 ** step)).add_(eps)
        p.addcdiv_(state["m"], denom, value=-step_size)
