# attack: allocate 50 GB at once (a bytearray, then a torch tensor, then an anonymous mmap), to take the machine's memory
# holds: the jail's address-space limit refuses each allocation at once: the worker reports memory, the machine and the batch are untouched, the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: memory bomb)."""

import mmap
import os

import torch

SIZE = 50 << 30


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    hogs = []
    for allocate in (lambda: bytearray(SIZE), lambda: torch.ones(SIZE // 4),
                     lambda: mmap.mmap(-1, SIZE, flags=mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS)):
        try:
            hogs.append(allocate())
        except (MemoryError, RuntimeError, OSError):
            continue
    hog = bytearray(SIZE)  # the last try, uncaught: the worker reports what stopped it
    hogs.append(hog)
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
