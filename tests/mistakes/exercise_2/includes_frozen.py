# mistake: returns every parameter, frozen ones (requires_grad=False, .grad None) included
# id: grads.frozen_included
# fails: test_frozen_parameters_left_out
# feedback: frozen parameters
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    return {name: p.grad for name, p in model.named_parameters()}
