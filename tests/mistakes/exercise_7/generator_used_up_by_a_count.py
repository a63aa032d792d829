# mistake: counts the parameters with sum() over params first, which uses up a generator, so model.parameters() gets no update
# id: params.generator_used_up
# fails: test_adam_called_again_on_another_model
# feedback: a generator can be gone through only once
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    n_params = sum(p.numel() for p in params)
    if n_params == 0:
        return
    with torch.no_grad():
        for p, s in zip(params, states):
            if p.grad is None:
                continue
            s["step"] += 1
            t = s["step"]
            s["m"].mul_(beta1).add_((1 - beta1) * p.grad)
            s["v"].mul_(beta2).add_((1 - beta2) * p.grad * p.grad)
            p.sub_(lr * (s["m"] / (1 - beta1 ** t)) / ((s["v"] / (1 - beta2 ** t)).sqrt() + eps))
