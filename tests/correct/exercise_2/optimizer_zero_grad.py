"""Correct: clears through an optimizer's zero_grad (never stepping) and keeps .grad as zeros-then-filled."""
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    optimizer.zero_grad(set_to_none=False)
    loss_fn(model(inputs), targets).backward()
    return dict((name, p.grad.detach().clone()) for name, p in model.named_parameters() if p.requires_grad)
