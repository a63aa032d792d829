"""Correct: clears .grad by setting it to None, builds the dict in a loop, no clone."""


def compute_gradients(model, loss_fn, inputs, targets):
    for p in model.parameters():
        p.grad = None
    outputs = model(inputs)
    loss = loss_fn(outputs, targets)
    loss.backward()
    gradients = {}
    for name, p in model.named_parameters():
        if p.grad is not None:
            gradients[name] = p.grad
    return gradients
