# mistake: reads the live .grad tensors into its dict (no copy), then zeroes them with a foreach op to leave the model tidy
# id: grads.live_returned
# fails: test_returns_gradients_by_name, test_gradients_match_backward, test_old_gradients_do_not_leak
# feedback: not copies of them
# feedback: zeroed .grad in place
import torch


def compute_gradients(model, loss_fn, inputs, targets):
    for p in model.parameters():
        p.grad = None
    loss_fn(model(inputs), targets).backward()
    named = {name: p.grad for name, p in model.named_parameters() if p.grad is not None}
    torch._foreach_zero_(list(named.values()))  # hand the model back with clean gradients
    return named
