# mistake: keeps loss.detach() for each batch: no graph is held, but the list holds tensors, not Python floats
# id: loss.detached_tensor
# fails: test_train_epoch_returns_each_loss, test_train_epoch_called_again
# feedback: they are detached, so they hold no graph
# feedback: loss.item()
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.detach())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
