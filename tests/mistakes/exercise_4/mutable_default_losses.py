# mistake: collects the losses in a mutable default argument, so every call returns the same, ever longer list
# id: state.kept
# fails: test_train_epoch_called_again
# feedback: the very list object
# feedback: default argument
def train_epoch(model, loss_fn, optimizer, batches, losses=[]):
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
