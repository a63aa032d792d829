# mistake: applies the MNIST normalisation to each batch in place, changing the caller's data (already normalised) and every step with it
# id: batches.changed
# fails: test_train_epoch_returns_each_loss, test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum, test_train_epoch_called_again
# feedback: changed the batches it was given
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        inputs.sub_(0.1307).div_(0.3081)
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
