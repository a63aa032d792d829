# mistake: clears the gradients after backward() but before step(), so every step has nothing to use
# id: zero_grad.misplaced
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum
# feedback: before the optimizer could use them
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
