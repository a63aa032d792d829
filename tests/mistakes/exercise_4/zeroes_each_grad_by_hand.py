# mistake: zeroes every parameter's .grad by hand with p.grad.zero_(), which fails on a frozen parameter (its .grad is None)
# id: code.raises
# fails: test_train_epoch_called_again, test_train_epoch_with_adam
# feedback: AttributeError
# feedback: it is frozen
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        for p in model.parameters():
            p.grad.zero_()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
