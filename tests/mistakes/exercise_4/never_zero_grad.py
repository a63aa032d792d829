# mistake: never calls zero_grad, so gradients pile up from batch to batch (and the stale ones stay)
# id: zero_grad.missing
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum, test_train_epoch_with_adam
# feedback: zero_grad is never called
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        outputs = model(inputs)
        loss = loss_fn(outputs, targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
