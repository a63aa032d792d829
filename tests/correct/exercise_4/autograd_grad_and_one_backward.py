"""Correct: gradients from torch.autograd.grad written into .grad; accumulation through one summed loss."""
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    params = [p for p in model.parameters() if p.requires_grad]
    out = []
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        grads = torch.autograd.grad(loss, params)
        for p, g in zip(params, grads):
            p.grad = g  # replaces whatever was there, so nothing stale survives
        optimizer.step()
        out.append(loss.detach().item())
    return out


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad(set_to_none=True)
    # One forward per micro-batch; a single backward through their average.
    losses = [loss_fn(model(inputs), targets) for inputs, targets in micro_batches]
    total = torch.stack(losses).mean()
    total.backward()
    optimizer.step()
    return total.item()
