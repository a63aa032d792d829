"""What keeps a batch whole whatever happens to it: one writer per RESULTS folder, and SIGTERM
treated as Ctrl-C (what was graded is kept, the judges are stopped, the store is closed)."""

from __future__ import annotations

import signal
from pathlib import Path

from grader.errors import GraderProblem


class BatchError(GraderProblem):
    """The batch cannot start or go on (an unusable SUBMISSIONS folder, judges that cannot start)."""


def lock(out: Path):
    """One batch at a time per RESULTS folder (the lock goes when the process does, kill -9 included)."""
    import fcntl

    handle = open(out / ".lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise BatchError(f"another grade batch is writing to {out}; wait for it, or use another --out") from None
    return handle


class interrupts_raise:
    """SIGTERM behaves like Ctrl-C while the batch runs: judges are stopped, the store closed."""

    def __enter__(self):
        def handler(signum, frame):
            raise KeyboardInterrupt

        self._old = signal.signal(signal.SIGTERM, handler)

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self._old)
        return False


