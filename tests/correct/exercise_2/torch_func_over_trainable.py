"""Correct: torch.func.grad of a functional call over a pytree of the trainable parameters; .grad never touched."""
from torch.func import functional_call, grad


def compute_gradients(model, loss_fn, inputs, targets):
    trainable = {n: p.detach() for n, p in model.named_parameters() if p.requires_grad}
    frozen = {n: p for n, p in model.named_parameters() if not p.requires_grad}

    def loss_of(trainable):
        outputs = functional_call(model, {**frozen, **trainable}, (inputs,))
        return loss_fn(outputs, targets)

    return grad(loss_of)(trainable)
