# mistake: walks the layers and keys each weight's gradient by the layer's name, forgetting biases
# id: grads.keys_not_names
# fails: test_returns_gradients_by_name, test_gradients_match_backward
# feedback: not the parameter names
from torch import nn


def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss_fn(model(inputs), targets).backward()
    grads = {}
    for name, module in model.named_modules():
        if isinstance(module, nn.Linear):
            grads[name] = module.weight.grad
    return grads
