# mistake: gets an error on frozen parameters and "fixes" it by making every parameter trainable
# id: frozen.unfrozen
# fails: test_frozen_parameters_left_out
# feedback: requires_grad=True; it had False before
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    names, params = zip(*model.named_parameters())
    for p in params:
        p.requires_grad_(True)
    loss = loss_fn(model(inputs), targets)
    return dict(zip(names, torch.autograd.grad(loss, params)))
