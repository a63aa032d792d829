# mistake: keys the gradients by position (0, 1, 2, ...) instead of by parameter name
# id: grads.keys_not_names
# fails: test_returns_gradients_by_name, test_gradients_match_backward
# feedback: not parameter names
# feedback: named_parameters()
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    return {i: p.grad for i, p in enumerate(model.parameters()) if p.requires_grad}
