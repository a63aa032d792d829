# mistake: returns the running average of the losses (as a progress printout would show) instead of each loss
# id: losses.running_average
# fails: test_train_epoch_returns_each_loss
# feedback: running average
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    running_loss = 0.0
    for i, (inputs, targets) in enumerate(batches):
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        running_loss += loss.item()
        losses.append(running_loss / (i + 1))
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
