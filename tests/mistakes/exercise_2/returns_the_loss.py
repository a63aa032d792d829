# mistake: calls backward and returns the loss, as if backward had put the gradients in it
# id: grads.loss_returned
# fails: test_returns_gradients_by_name, test_gradients_match_backward
# feedback: looks like the loss itself
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return loss
