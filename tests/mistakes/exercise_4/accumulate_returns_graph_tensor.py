# mistake: returns the running sum of the scaled loss tensors, which is a tensor still holding every micro-batch's graph
# id: loss.graph_kept
# fails: test_accumulate_returns_mean_loss, test_accumulate_called_again
# feedback: still holds the computation graph of every micro-batch
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad()
    mean_loss = 0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets) / len(micro_batches)
        loss.backward(retain_graph=True)
        mean_loss = mean_loss + loss
    optimizer.step()
    return mean_loss
