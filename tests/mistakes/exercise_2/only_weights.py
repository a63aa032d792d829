# mistake: returns the weights' gradients only, thinking biases do not count
# id: grads.biases_missing
# fails: test_returns_gradients_by_name, test_gradients_match_backward
# feedback: biases are trainable parameters too
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    return {name: p.grad for name, p in model.named_parameters() if "weight" in name}
