# mistake: calls zero_grad for every micro-batch, wiping the accumulated gradients
# id: accumulate.zero_grad_each_micro_batch
# fails: test_accumulate_matches_one_big_batch, test_accumulate_with_optimizer_state
# feedback: only the last micro-batch counted
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        optimizer.zero_grad()
        loss = loss_fn(model(inputs), targets) / k
        loss.backward()
        total += loss.item()
    optimizer.step()
    return total
