# mistake: joins all micro-batches into one big batch for a single forward pass (no memory saved)
# id: accumulate.one_big_batch
# fails: test_accumulate_one_micro_batch_per_forward
# feedback: joined into one big batch
import torch


def train_epoch(model, loss_fn, optimizer, batches):
    raise NotImplementedError


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    inputs = torch.cat([x for x, _ in micro_batches])
    targets = torch.cat([y for _, y in micro_batches])
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()
