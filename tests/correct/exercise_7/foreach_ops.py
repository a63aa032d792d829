"""Correct: torch._foreach_* ops over the parameters that have a gradient, bias correction per parameter."""
import torch


def adam_update(params, states, lr, betas=(0.9, 0.999), eps=1e-8):
    beta1, beta2 = betas
    pairs = [(p, s) for p, s in zip(params, states) if p.grad is not None]
    if not pairs:
        return
    ps, grads = [p for p, _ in pairs], [p.grad for p, _ in pairs]
    ms, vs = [s["m"] for _, s in pairs], [s["v"] for _, s in pairs]
    for _, s in pairs:
        s["step"] += 1
    with torch.no_grad():
        torch._foreach_lerp_(ms, grads, 1 - beta1)
        torch._foreach_mul_(vs, beta2)
        torch._foreach_addcmul_(vs, grads, grads, value=1 - beta2)
        denoms = torch._foreach_sqrt([v / (1 - beta2 ** s["step"]) for v, (_, s) in zip(vs, pairs)])
        torch._foreach_add_(denoms, eps)
        moves = [m * (lr / (1 - beta1 ** s["step"])) for m, (_, s) in zip(ms, pairs)]
        torch._foreach_sub_(ps, torch._foreach_div(moves, denoms))
