# attack: import grader.isolation.wire and grader.isolation.protocol's FRAME, forge a framed "ok" reply (empty step lists, the probe's own gradients read from its frame) and write it to every file descriptor, then exit before the real (failing) result goes out
# holds: a forged reply earns nothing: the attacker, whose functions compute nothing, scores 0
"""Exercise 3: A manual SGD step (attacker: forges the worker's reply)."""

import os
import struct
import sys


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    from grader.isolation import wire
    from grader.isolation.protocol import FRAME

    caller = sys._getframe(1).f_locals  # the probe that called us: its record of this run so far
    record = caller.get("record") if isinstance(caller.get("record"), dict) else {}
    grads = record.get("grads") or [{}]
    forged = {"ok": {"before": {}, "after": [], "grads": grads, "grads_after": grads, "returned": [],
                     "velocities": [], "autograd": {}}}
    data = wire.encode(forged)
    frame = FRAME + struct.pack("<Q", len(data)) + data
    for fd in range(3, 256):
        try:
            os.write(fd, frame)
        except OSError:
            pass
    os._exit(0)


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
