# mistake: calls optimizer.step() inside the loop, once per micro-batch
# id: accumulate.step_per_micro_batch
# fails: test_accumulate_matches_one_big_batch, test_accumulate_with_optimizer_state
# feedback: one after every micro-batch
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    optimizer.zero_grad()
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        loss = loss_fn(model(inputs), targets) / k
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total
