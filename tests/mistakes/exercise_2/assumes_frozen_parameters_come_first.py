# mistake: counts the frozen parameters and skips that many from the front, as if only a leading backbone were ever frozen
# id: grads.frozen_included
# fails: test_frozen_parameters_left_out
# feedback: frozen parameters: '2.weight'
from itertools import islice


def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    n_frozen = sum(not p.requires_grad for p in model.parameters())
    return {name: p.grad for name, p in islice(model.named_parameters(), n_frozen, None)}
