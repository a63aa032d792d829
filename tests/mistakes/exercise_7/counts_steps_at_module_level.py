# mistake: counts steps in a global that every call adds to, so the second model's bias correction starts from the first model's count
# id: state.kept
# fails: test_adam_called_again_on_another_model
# feedback: kept and reused
import torch

_calls = 0


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    global _calls
    _calls += 1
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] = _calls
            s["m"].lerp_(p.grad, 1 - beta1)
            s["v"].mul_(beta2).add_((1 - beta2) * p.grad.square())
            m_hat = s["m"] / (1 - beta1 ** _calls)
            v_hat = s["v"] / (1 - beta2 ** _calls)
            p.sub_(lr * m_hat / (v_hat.sqrt() + eps))
