# mistake: appends the loss tensor itself instead of loss.item()
# id: loss.graph_kept
# fails: test_train_epoch_returns_each_loss
# feedback: loss.item()
# feedback: tensors
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss)
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
