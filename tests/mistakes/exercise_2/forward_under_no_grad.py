# mistake: runs the forward pass under torch.no_grad(), so backward has no graph to go through
# id: backward.no_graph
# fails: test_gradients_match_backward
# feedback: without gradient tracking
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    model.zero_grad()
    with torch.no_grad():
        outputs = model(inputs)
    loss = loss_fn(outputs, targets)
    loss.backward()
    return {name: p.grad for name, p in model.named_parameters() if p.requires_grad}
