# mistake: divides m by √v + eps directly, skipping the bias correction
# id: adam.no_bias_correction
# fails: test_adam_first_step_matches_torch, test_adam_several_steps_match_torch
# feedback: without bias correction
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            s["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            p -= lr * s["m"] / (s["v"].sqrt() + eps)
