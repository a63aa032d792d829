"""Correct and polite: puts back whatever .grad held before, so the caller's state is untouched."""
from collections import OrderedDict


def compute_gradients(model, loss_fn, inputs, targets):
    saved = {name: p.grad for name, p in model.named_parameters()}
    model.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    result = OrderedDict()
    for name, p in model.named_parameters():
        if p.requires_grad:
            result[name] = p.grad.clone()
        p.grad = saved[name]
    return result
