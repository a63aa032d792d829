# mistake: clears .grad in place with zero_grad(set_to_none=False) and returns the live .grad tensors, so the next call rewrites the last result
# id: grads.live_returned
# fails: test_called_again_on_another_model, test_two_batches_in_a_row
# feedback: changed when compute_gradients was called again
# feedback: not copies of them
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad(set_to_none=False)  # keep the .grad tensors, just empty them
    prediction = model(inputs)
    loss_fn(prediction, targets).backward()
    return {name: param.grad for name, param in model.named_parameters() if param.requires_grad}
