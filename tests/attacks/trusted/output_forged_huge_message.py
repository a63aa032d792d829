# attack: skip the worker's own truncation (describe_error) by forging its reply: a framed error whose message is 30 MB of text, written to every file descriptor, then exit before the real result goes out
# holds: the judge caps what it decoded (wire.py and the one place a check's texts become a result): nothing stored or shown is over the cap; 0 points
"""Exercise 3: A manual SGD step (attacker: forges a reply with a 30 MB message)."""

import os
import struct


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    from grader.isolation import wire
    from grader.isolation.protocol import FRAME

    error = {"kind": "exception", "type": "ValueError", "message": "BIG " * (30 << 18),
             "traceback": "  File \"exercise_3.py\", line 1\n" * (1 << 18), "in_student_code": True}
    data = wire.encode({"error": error})
    frame = FRAME + struct.pack("<Q", len(data)) + data
    for fd in range(3, 256):
        try:
            os.write(fd, frame)
        except OSError:
            pass
    os._exit(0)


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
