# mistake: works the trainable names out once, at module level, and pairs them with the gradients of whatever model comes next
# id: state.kept
# fails: test_called_again_on_another_model
# feedback: model from your first call
import torch

_trainable_names = []


def compute_gradients(model, loss_fn, inputs, targets):
    if not _trainable_names:  # the names never change, so look them up only once
        _trainable_names.extend(n for n, p in model.named_parameters() if p.requires_grad)
    trainable = [p for p in model.parameters() if p.requires_grad]
    grads = torch.autograd.grad(loss_fn(model(inputs), targets), trainable)
    return dict(zip(_trainable_names, grads))
