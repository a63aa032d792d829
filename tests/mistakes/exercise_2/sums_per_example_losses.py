# mistake: adds up the loss of each example in a loop: a summed loss, not loss_fn's mean over the batch
# id: loss.summed
# fails: test_gradients_match_backward, test_old_gradients_do_not_leak, test_returns_gradients_by_name
# feedback: summed over the batch
def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss = 0
    for x, y in zip(inputs, targets):
        loss = loss + loss_fn(model(x.unsqueeze(0)), y.unsqueeze(0))
    loss.backward()
    return {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
