# mistake: unpacks betas the wrong way round, so m decays with 0.999 and v with 0.9
# id: adam.betas_swapped
# fails: test_adam_several_steps_match_torch
# feedback: betas swapped
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta2, beta1 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            t = s["step"]
            s["m"] = beta1 * s["m"] + (1 - beta1) * p.grad
            s["v"] = beta2 * s["v"] + (1 - beta2) * p.grad ** 2
            m_hat = s["m"] / (1 - beta1 ** t)
            v_hat = s["v"] / (1 - beta2 ** t)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
