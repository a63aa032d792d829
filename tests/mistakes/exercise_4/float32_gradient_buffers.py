# mistake: accumulates into foreach buffers made with torch.zeros(shape): float32 whatever the model's dtype
# id: code.raises
# fails: test_accumulate_called_again
# feedback: its parameter's dtype
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    params = [p for p in model.parameters() if p.requires_grad]
    sums = [torch.zeros(p.shape) for p in params]
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets) / k
        torch._foreach_add_(sums, torch.autograd.grad(loss, params))
        total += loss.item()
    for p, s in zip(params, sums):
        p.grad = s
    optimizer.step()
    return total
