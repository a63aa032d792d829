# mistake: keeps the loss history in a module-level list, so a second call returns the first call's losses too
# id: state.kept
# fails: test_train_epoch_called_again
# feedback: the list outlived the call
HISTORY = []


def train_epoch(model, loss_fn, optimizer, batches):
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        HISTORY.append(loss.item())
    return list(HISTORY)


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
