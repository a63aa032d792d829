# mistake: counts each parameter's steps in a module-level dict keyed by id(p), so the step count in its own dict stays 0
# id: state.kept
# fails: test_adam_keeps_its_state
# feedback: the step count in
# feedback: lives somewhere else
import torch

_steps = {}


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            t = _steps[id(p)] = _steps.get(id(p), 0) + 1
            s["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
            s["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
            p.sub_(lr * (s["m"] / (1 - beta1 ** t)) / ((s["v"] / (1 - beta2 ** t)).sqrt() + eps))
