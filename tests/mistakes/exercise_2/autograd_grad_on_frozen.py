# mistake: asks torch.autograd.grad for every parameter, frozen ones included
# id: grads.frozen_included
# fails: test_frozen_parameters_left_out
# feedback: requires_grad=False
# feedback: RuntimeError
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    names, params = zip(*model.named_parameters())
    loss = loss_fn(model(inputs), targets)
    grads = torch.autograd.grad(loss, params)
    return dict(zip(names, grads))
