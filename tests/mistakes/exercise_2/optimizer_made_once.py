# mistake: builds one optimizer on the first call just to clear gradients, and keeps it: it clears only the first model's
# id: state.kept
# fails: test_called_again_on_another_model, test_two_batches_in_a_row
# feedback: plus the ones that were already in .grad
# feedback: on this new model
import torch

_clearer = None


def compute_gradients(model, loss_fn, inputs, targets):
    global _clearer
    if _clearer is None:
        _clearer = torch.optim.SGD(model.parameters(), lr=0.0)  # never steps; only clears
    _clearer.zero_grad()
    loss_fn(model(inputs), targets).backward()
    return {n: p.grad.detach().clone() for n, p in model.named_parameters() if p.requires_grad}
