# mistake: a closure works out each micro-batch's share (1/k) on the first call and keeps it for every later call
# id: state.kept
# fails: test_accumulate_called_again
# feedback: the share of the first call's 4 micro-batches
def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def _make_accumulate():
    share = None

    def accumulate(model, loss_fn, optimizer, micro_batches):
        nonlocal share
        if share is None:
            share = 1.0 / len(micro_batches)
        optimizer.zero_grad()
        total = 0.0
        for inputs, targets in micro_batches:
            part = loss_fn(model(inputs), targets) * share
            part.backward()
            total += part.item()
        optimizer.step()
        return total

    return accumulate


accumulate_and_step = _make_accumulate()
