# mistake: p = p - … builds a new tensor; the model's parameters never change
# id: update.rebinds
# fails: test_adam_first_step_matches_torch
# feedback: did not change at all
# feedback: in place
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            t = s["step"]
            s["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            m_hat = s["m"] / (1 - beta1 ** t)
            v_hat = s["v"] / (1 - beta2 ** t)
            p = p - lr * m_hat / (v_hat.sqrt() + eps)
