# mistake: computes cross-entropy itself instead of using the loss_fn it is given
# id: loss.own
# fails: test_uses_the_loss_fn_given, test_named_layers_and_mse_loss
# feedback: instead of loss_fn
import torch.nn.functional as F


def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    loss = F.cross_entropy(model(inputs), targets)
    loss.backward()
    return {name: p.grad.detach().clone() for name, p in model.named_parameters() if p.requires_grad}
