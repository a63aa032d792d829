# mistake: calls zero_grad once before the loop instead of once per batch
# id: zero_grad.once
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum
# feedback: called only once, before the loop
def train_epoch(model, loss_fn, optimizer, batches):
    optimizer.zero_grad()
    losses = []
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
