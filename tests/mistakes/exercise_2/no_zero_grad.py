# mistake: never clears .grad, so gradients from earlier batches are added to this batch's
# id: zero_grad.missing
# fails: test_old_gradients_do_not_leak, test_two_batches_in_a_row
# feedback: backward adds to whatever .grad holds
# feedback: zero_grad
def compute_gradients(model, loss_fn, inputs, targets):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.requires_grad}
