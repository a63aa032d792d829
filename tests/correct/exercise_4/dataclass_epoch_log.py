"""Correct: a dataclass log made fresh in every call; gradients cleared through the model's
parameter groups with set_to_none=False; micro-batch shares from a weights list."""
from dataclasses import dataclass, field


@dataclass
class EpochLog:
    losses: list = field(default_factory=list)

    def add(self, loss):
        self.losses.append(float(loss.detach()))


def _clear(optimizer):
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                p.grad.detach_()
                p.grad.zero_()


def train_epoch(model, loss_fn, optimizer, batches):
    log = EpochLog()
    for inputs, targets in batches:
        _clear(optimizer)
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        log.add(loss)
    return log.losses


def accumulate_and_step(model, loss_fn, optimizer, micro_batches):
    _clear(optimizer)
    weights = [1 / len(micro_batches)] * len(micro_batches)
    log = EpochLog()
    for w, (inputs, targets) in zip(weights, micro_batches):
        loss = loss_fn(model(inputs), targets)
        (w * loss).backward()
        log.add(loss)
    optimizer.step()
    return sum(log.losses) / len(log.losses)
