# attack: raise the grader's own JailError (and, in a second call, forge a framed error reply of kind "jail") so that the judge reports "the grader failed, not your code" and a batch retries the student
# holds: only the fork server or the judge may say the grader failed: the attacker's checks are its own failures (incident never 'grader' or 'jail', no retry) and it scores 0
"""Exercise 3: A manual SGD step (attacker: claims the grader failed)."""

import os
import struct


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    from grader.isolation.jail import JailError

    raise JailError("the jail could not be built (says the student)")


def sgd_momentum_update(params, velocities, lr, momentum):
    if os.getpid() != 1:
        raise NotImplementedError
    from grader.isolation import wire
    from grader.isolation.protocol import FRAME

    data = wire.encode({"error": {"kind": "jail", "type": "", "message": "forged jail failure",
                                  "traceback": ""}})
    for fd in range(3, 256):
        try:
            os.write(fd, FRAME + struct.pack("<Q", len(data)) + data)
        except OSError:
            pass
    os._exit(0)
