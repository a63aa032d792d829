"""Correct: model.zero_grad(), float(loss), and accumulation that scales the summed gradients afterwards."""
import statistics

import torch


def train_epoch(model, loss_fn, optimizer, batches):
    history = []
    for x, y in batches:
        model.zero_grad()
        predictions = model(x)
        loss = loss_fn(predictions, y)
        loss.backward()
        optimizer.step()
        history.append(float(loss))
    return history


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    model.zero_grad(set_to_none=False)
    losses = []
    for x, y in micro_batches:
        loss = loss_fn(model(x), y)
        loss.backward()  # undivided: the sum of the micro-batch gradients
        losses.append(loss.item())
    with torch.no_grad():
        for p in model.parameters():
            if p.grad is not None:
                p.grad /= len(micro_batches)  # now the mean, as one big batch would give
    optimizer.step()
    return statistics.mean(losses)
