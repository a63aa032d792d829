# mistake: m = beta1 * m + … rebinds a local name, so the dicts keep their zeros and every call starts afresh
# id: adam.moments_not_kept
# fails: test_adam_several_steps_match_torch, test_adam_keeps_its_state
# feedback: never reached the dicts
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            t, m, v = s["step"], s["m"], s["v"]
            m = beta1 * m + (1 - beta1) * p.grad
            v = beta2 * v + (1 - beta2) * p.grad * p.grad
            p -= lr * (m / (1 - beta1 ** t)) / ((v / (1 - beta2 ** t)).sqrt() + eps)
