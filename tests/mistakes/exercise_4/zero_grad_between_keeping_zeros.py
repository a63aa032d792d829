# mistake: zero_grad(set_to_none=False) between backward() and step(): the steps see all-zero gradients
# id: zero_grad.misplaced
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum, test_train_epoch_with_adam
# feedback: before the optimizer could use them
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        predictions = model(inputs)
        loss = loss_fn(predictions, targets)
        loss.backward()
        optimizer.zero_grad(set_to_none=False)
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
