# mistake: calls zero_grad after backward, wiping the gradients it is about to return
# id: zero_grad.after_backward
# fails: test_gradients_match_backward, test_returns_gradients_by_name
# feedback: zero_grad() runs after backward()
def compute_gradients(model, loss_fn, inputs, targets):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    model.zero_grad()
    return {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
