# mistake: returns the sum of the micro-batch losses instead of their mean
# id: accumulate.loss_summed
# fails: test_accumulate_returns_mean_loss
# feedback: the sum of the micro-batch losses
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets)
        (loss / len(micro_batches)).backward()
        total += loss.item()
    optimizer.step()
    return total
