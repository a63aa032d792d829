# mistake: accumulates the micro-batch losses without dividing by their number (step k times too big)
# id: accumulate.undivided
# fails: test_accumulate_matches_one_big_batch, test_accumulate_with_optimizer_state
# feedback: × too big
# feedback: divide each micro-batch's loss by the number of micro-batches
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad()
    losses = []
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        losses.append(loss.item())
    optimizer.step()
    return sum(losses) / len(losses)
