"""Correct: an index loop that zeroes before and after each step; accumulation with loss * (1/k)."""


def train_epoch(model, loss_fn, optimizer, batches):
    losses = [0.0] * len(batches)
    optimizer.zero_grad(set_to_none=False)
    for i in range(len(batches)):
        inputs, targets = batches[i]
        optimizer.zero_grad(set_to_none=False)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses[i] = loss.item()
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    scale = 1.0 / len(micro_batches)
    optimizer.zero_grad()
    mean_loss = 0.0
    for batch in micro_batches:
        inputs, targets = batch
        loss = loss_fn(model(inputs), targets) * scale
        loss.backward()
        mean_loss += loss.item()
    optimizer.step()
    optimizer.zero_grad()
    return mean_loss
