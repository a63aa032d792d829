# mistake: adds eps under the square root, √(v̂ + eps), as some write-ups of Adam do
# id: adam.eps_inside_root
# fails: test_adam_with_a_large_eps
# feedback: under the square root
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
            p -= lr * m_hat / torch.sqrt(v_hat + eps)
