"""Exercise 4: Where zero_grad goes (reference solution)."""


def train_epoch(model, loss_fn, optimizer, batches):
    """Train `model` on each (inputs, targets) pair in `batches`, one optimizer step per batch."""
    losses = []
    for inputs, targets in batches:
        optimizer.zero_grad()  # this batch's gradients only
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    """Gradient accumulation: one optimizer step built from several small batches."""
    optimizer.zero_grad()  # once, before accumulating
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        # Each loss is a mean over its micro-batch; /k makes the summed gradients the big batch's mean.
        loss = loss_fn(model(inputs), targets) / k
        loss.backward()  # adds to .grad
        total += loss.item()
    optimizer.step()
    return total
