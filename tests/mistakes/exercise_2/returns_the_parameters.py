# mistake: returns the parameters themselves instead of their gradients
# id: grads.parameters_returned
# fails: test_returns_gradients_by_name, test_gradients_match_backward
# feedback: the parameter itself, not its gradient
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    return {name: param for name, param in model.named_parameters() if param.requires_grad}
