# mistake: adds up the loss tensors and returns a tensor, not a Python float
# id: loss.detached_tensor
# fails: test_accumulate_returns_mean_loss
# feedback: returned a tensor
# feedback: .item()
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad()
    k = len(micro_batches)
    total = 0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets) / k
        loss.backward()
        total += loss.detach()
    optimizer.step()
    return total
