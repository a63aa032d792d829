# mistake: standardises the batch in place before the forward pass, changing the caller's inputs (and the gradients with them)
# id: batch.changed
# fails: test_parameters_unchanged, test_gradients_match_backward, test_returns_gradients_by_name
# feedback: changed the batch it was given
def compute_gradients(model, loss_fn, inputs, targets):
    inputs.sub_(inputs.mean()).div_(inputs.std())  # zero mean, unit variance first
    model.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.requires_grad}
