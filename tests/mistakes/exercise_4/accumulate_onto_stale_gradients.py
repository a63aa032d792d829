# mistake: never clears the gradients the model arrived with before accumulating
# id: zero_grad.missing
# fails: test_accumulate_matches_one_big_batch, test_accumulate_with_optimizer_state
# feedback: stale gradients
# feedback: zero_grad() once, before the first micro-batch
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets) / k
        loss.backward()
        total += loss.item()
    optimizer.step()
    optimizer.zero_grad()
    return total
