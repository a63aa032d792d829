# mistake: sgd_update builds a torch.optim.SGD inside and calls its step(), instead of writing the step
# id: step.torch_optim
# fails: test_steps_are_written_by_hand
# feedback: hands the step to torch.optim
# feedback: built torch.optim.SGD
import torch


def sgd_update(params, lr):
    trainable = [p for p in params if p.grad is not None]
    if trainable:
        torch.optim.SGD(trainable, lr=lr).step()


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.mul_(momentum).add_(p.grad)
                p.sub_(v, alpha=lr)
