# mistake: switches requires_grad on for the caller's inputs to get an input saliency map along the way
# id: batch.changed
# fails: test_parameters_unchanged
# feedback: inputs.requires_grad
# feedback: changed the batch it was given
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    inputs.requires_grad_(True)
    names = [n for n, p in model.named_parameters() if p.requires_grad]
    params = [p for p in model.parameters() if p.requires_grad]
    loss = loss_fn(model(inputs), targets)
    saliency, *grads = torch.autograd.grad(loss, [inputs, *params])
    return dict(zip(names, grads))
