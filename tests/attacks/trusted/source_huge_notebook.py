# attack: an exercise_3.ipynb under the notebook's file cap (19 MB) whose graded cell is this file's code,
#   followed by 170,000 one-line cells (the test builds it). Decoding and validating them took the
#   trusted process 20 s and hundreds of MB; a second notebook puts 3 MB of trivial lines in the graded
#   cell itself
# exercise: exercise_3
# gains: before the fix, the trusted process grew by 371 MB for a 22 MB notebook of small cells, and it
#   scored 10/10
import torch


def sgd_update(params, lr):
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-lr)


def sgd_momentum_update(params, velocities, lr, momentum):
    with torch.no_grad():
        for p, v in zip(params, velocities):
            if p.grad is not None:
                v.mul_(momentum).add_(p.grad)
                p.add_(v, alpha=-lr)
