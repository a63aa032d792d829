"""Correct: each batch through optimizer.step(closure); accumulation by torch.autograd.grad into
foreach buffers made with zeros_like (so dtype and device follow the model), frozen parameters skipped."""
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        def closure():
            optimizer.zero_grad()
            loss = loss_fn(model(inputs), targets)
            loss.backward()
            return loss

        losses.append(optimizer.step(closure).item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    params = [p for p in model.parameters() if p.requires_grad]
    sums = [torch.zeros_like(p) for p in params]
    parts = []
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets)
        torch._foreach_add_(sums, torch.autograd.grad(loss, params))
        parts.append(loss.item())
    torch._foreach_div_(sums, len(micro_batches))
    for p, s in zip(params, sums):
        p.grad = s  # replaces whatever the model arrived with
    optimizer.step()
    return sum(parts) / len(parts)
