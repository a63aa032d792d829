# mistake: thinks backward() updates the weights, so never calls optimizer.step()
# id: step.missing
# fails: test_train_epoch_one_clean_step_per_batch, test_train_epoch_with_momentum
# feedback: never took a step
# feedback: optimizer.step() is what changes the weights
def train_epoch(model, loss_fn, optimizer, batches):
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    raise NotImplementedError
