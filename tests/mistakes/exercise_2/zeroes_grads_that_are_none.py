# mistake: clears gradients with p.grad.zero_(), which fails while .grad is still None
# id: zero_grad.grad_none
# fails: test_gradients_match_backward, test_frozen_parameters_left_out
# feedback: AttributeError
# feedback: model.zero_grad()
def compute_gradients(model, loss_fn, inputs, targets):
    for p in model.parameters():
        p.grad.zero_()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return {name: p.grad.clone() for name, p in model.named_parameters() if p.requires_grad}
