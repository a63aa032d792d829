# mistake: keeps the velocities in a module-level dataclass, by position, and never touches the caller's buffers
# id: state.kept
# fails: test_momentum_carries_velocity
# feedback: velocity buffers are still all zeros
from dataclasses import dataclass, field

import torch


@dataclass
class MomentumState:
    buffers: dict = field(default_factory=dict)


STATE = MomentumState()


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.sub_(lr * p.grad)


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for i, p in enumerate(params):
            if p.grad is None:
                continue
            buf = STATE.buffers.get(i)
            buf = p.grad.clone() if buf is None else buf * momentum + p.grad
            STATE.buffers[i] = buf
            p.sub_(lr * buf)
