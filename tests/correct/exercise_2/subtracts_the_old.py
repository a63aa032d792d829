"""Correct, the long way round: lets backward accumulate, then takes away what was there before."""
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    old = {name: (p.grad.clone() if p.grad is not None else torch.zeros_like(p))
           for name, p in model.named_parameters() if p.requires_grad}
    loss_fn(model(inputs), targets).backward()
    return {name: p.grad - old[name] for name, p in model.named_parameters() if p.requires_grad}
