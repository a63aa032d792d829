# attack: reaches torch's fused SGD kernel (what torch.optim.SGD(fused=True) runs) through getattr with a
#   name built at run time, so no line of the file names it and torch.optim never runs
# exercise: exercise_3
# gains: test_steps_are_written_by_hand
import torch

_kernel = getattr(torch, "_fu" + "sed_" + "sgd_")


def sgd_update(params, lr):
    live = [p for p in params if p.grad is not None]
    if live:
        with torch.no_grad():
            _kernel(live, [p.grad for p in live], [], weight_decay=0.0, momentum=0.0, lr=lr, dampening=0.0,
                    nesterov=False, maximize=False, is_first_step=False)


def sgd_momentum_update(params, velocities, lr, momentum):
    pairs = [(p, v) for p, v in zip(params, velocities) if p.grad is not None]
    if pairs:
        with torch.no_grad():  # the buffers start at zero: momentum·0 + g is the buffer torch would start
            _kernel([p for p, _ in pairs], [p.grad for p, _ in pairs], [v for _, v in pairs], weight_decay=0.0,
                    momentum=momentum, lr=lr, dampening=0.0, nesterov=False, maximize=False, is_first_step=False)
