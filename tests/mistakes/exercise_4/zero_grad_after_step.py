# mistake: clears the gradients only at the end of each batch, so the first step uses the stale ones
# id: zero_grad.at_the_end
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum
# feedback: stale gradients
# feedback: zero_grad only comes after each step
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()  # ready for the next batch
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
