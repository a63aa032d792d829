"""Correct: torch.autograd.grad over the trainable parameters; .grad is never touched."""
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    trainable = [(name, p) for name, p in model.named_parameters() if p.requires_grad]
    loss = loss_fn(model(inputs), targets)
    grads = torch.autograd.grad(loss, [p for _, p in trainable])
    return {name: g for (name, _), g in zip(trainable, grads)}
