# attack: an exercise_3.py of 3 MB: correct functions, then trivial lines (the test repeats the last line
#   until the file is 3 MB). Parsing and compiling it needs ~700 MB, in whichever process does it
# exercise: exercise_3
# gains: before the fix, the trusted `grade` process grew by 709 MB (a few such files and a batch machine
#   runs out of memory), and the file still scored 10/10
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


x = 1
