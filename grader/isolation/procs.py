"""Other processes, as Linux shows them in /proc: alive, how big, how busy, whose children; and
ending them. The fork server watches workers with these; batch grading, its judges."""

from __future__ import annotations

import os
import signal
import time


def alive(pid: int) -> bool:
    """Running (a zombie is not: it only waits to be reaped)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return False


def rss_mb(pid: int) -> float:
    """Resident memory of ``pid`` in MB; 0 if unknown."""
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_seconds(pid: int | None, children: bool = True) -> float:
    """CPU time of ``pid`` (and of its children that it has reaped), from /proc; 0 if unknown."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def children(pid: int) -> list[int]:
    """The pids of ``pid``'s children, whichever of its threads started them; [] if unknown."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return []
    found = []
    for task in tasks:  # a thread may end while we look: skip it
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(x) for x in f.read().split()]
        except (OSError, ValueError):
            continue
    return found


def kill_group(pid: int) -> None:
    """SIGKILL the process group that ``pid`` leads, if it is still there."""
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (``kill -9`` included); if
    ``parent`` (its pid, read before forking) is already gone, exit now. A change of user
    clears the request: make it after one. Elsewhere than Linux, a no-op."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        return
    if parent is not None and os.getppid() != parent:
        os._exit(0)


def close_all_but(keep) -> None:
    """Close every descriptor of this process except those in ``keep``: what a worker inherits from
    the grader (a socket, a namespace, a folder it could walk out of the jail through) goes before
    any student code runs. ``os.closerange`` uses Linux's close_range: fast whatever the limit."""
    low = 0
    for fd in sorted(set(keep)):
        if low < fd:  # never an empty range: Python's fallback for one may close from ``low`` on
            os.closerange(low, fd)
        low = fd + 1
    try:
        high = max(int(name) for name in os.listdir("/proc/self/fd")) + 1  # above any limit lowered since
    except (OSError, ValueError):
        high = 0
    try:
        high = max(high, os.sysconf("SC_OPEN_MAX"))
    except (OSError, ValueError):
        high = max(high, 1 << 16)
    os.closerange(low, high)


def reap(pid: int, deadline: float) -> int:
    """Wait for the child ``pid`` until ``deadline``, then kill its group; its raw wait status."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            kill_group(pid)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.002)


def exit_code_and_signal(status: int) -> tuple[int | None, int | None]:
    """A raw wait status as (exit code, None) or (None, the signal that ended it)."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None
