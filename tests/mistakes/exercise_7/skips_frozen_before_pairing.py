# mistake: drops the parameters without a gradient before pairing them with states, so later parameters get another one's m and v
# id: frozen.pairing_shifted
# fails: test_adam_skips_frozen_parameters
# feedback: belongs to the parameter at the same position
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    trainable = [p for p in params if p.grad is not None]
    with torch.no_grad():
        for p, s in zip(trainable, states):
            s["step"] += 1
            t = s["step"]
            s["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            m_hat = s["m"] / (1 - beta1 ** t)
            v_hat = s["v"] / (1 - beta2 ** t)
            p -= lr * m_hat / (v_hat.sqrt() + eps)
