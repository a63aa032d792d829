# mistake: sgd_momentum_update hands the arithmetic to torch.optim's functional API (torch.optim.sgd.sgd)
# id: step.torch_optim
# fails: test_steps_are_written_by_hand
# feedback: `sgd_momentum_update` hands the step to torch.optim
# feedback: ran torch.optim's own SGD update
import torch
from torch.optim.sgd import sgd


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-lr)


def sgd_momentum_update(params, velocities, lr, momentum):
    pairs = [(p, v) for p, v in zip(params, velocities) if p.grad is not None]
    with torch.no_grad():
        sgd([p for p, _ in pairs], [p.grad for p, _ in pairs], [v for _, v in pairs],
            weight_decay=0.0, momentum=momentum, lr=lr, dampening=0.0, nesterov=False, maximize=False)
