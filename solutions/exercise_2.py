"""Exercise 2: What backward does (reference solution)."""


def compute_gradients(model, loss_fn, inputs, targets):
    """Return the gradient of the loss on this one batch for every trainable parameter."""
    model.zero_grad()  # backward adds to .grad: clear what earlier batches left there
    loss = loss_fn(model(inputs), targets)
    loss.backward()  # fills p.grad for every parameter that requires grad; changes no weight
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.requires_grad}
