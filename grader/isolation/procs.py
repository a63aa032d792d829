"""Processes: starting a child of ours (``Child``, ``fork_and_read``) and reaping it, its end in words;
others as Linux shows them in /proc (alive, how big, how busy, whose children); and ending them.
The one toolkit for processes: the fork server watches workers with it; batch grading, its judges;
the judge, its fork server and the children that read a submission under limits."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterable

FAILED = 70  # what a forked child of ours exits with when its body raised (sysexits' EX_SOFTWARE)


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


def close_all_but(keep: Iterable[int]) -> None:
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
    """Wait for the child ``pid`` until ``deadline``, then kill it (and its group, if it leads one);
    its raw wait status."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            kill_group(pid)
            try:
                os.kill(pid, signal.SIGKILL)  # a child that leads no group of its own
            except ProcessLookupError:
                pass
            return os.waitpid(pid, 0)[1]
        time.sleep(0.002)


def exit_code_and_signal(status: int) -> tuple[int | None, int | None]:
    """A raw wait status as (exit code, None) or (None, the signal that ended it)."""
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None


def in_words(code: int | None, sig: int | None) -> str:
    """How a process ended, for people: ``exit code 1``, ``signal SIGKILL``."""
    if sig is None:
        return f"exit code {code}" if code is not None else "ended (how is not known)"
    try:
        return f"signal {signal.Signals(sig).name}"
    except ValueError:
        return f"signal {sig}"


def fork_body(body: Callable[[], object], fork: Callable[[], int] = os.fork) -> int:
    """Fork (with ``fork``: ``os.fork`` or ``jail.fork_worker``); the child runs ``body()`` and ends with
    ``os._exit`` (no atexit handler, no flushed buffer of ours): 0 when it returns, ``FAILED`` when it
    raises. Returns the child's pid (in the parent)."""
    pid = fork()
    if pid == 0:
        status = FAILED
        try:
            body()
            status = 0
        except BaseException:  # noqa: BLE001 - a child of ours ends here, whatever happened
            pass
        finally:
            os._exit(status)
    return pid


class Child:
    """A child process of ours, forked (``Child.fork``) or a fresh interpreter (``Child.spawn``),
    reaped once: whether it has ended, and how."""

    def __init__(self, pid: int, popen: subprocess.Popen[bytes] | None = None):
        self.pid = pid
        """Its pid."""
        self.ended_as: tuple[int | None, int | None] | None = None
        """(exit code, signal) once it has been reaped (``exit_code_and_signal``)."""
        self._popen = popen

    @classmethod
    def fork(cls, body: Callable[[], object]) -> Child:
        """``body()`` in a forked child (``fork_body``)."""
        return cls(fork_body(body))

    @classmethod
    def spawn(cls, module: str, *args: str, pass_fds: tuple[int, ...] = ()) -> Child:
        """``python -m module args…`` in a fresh interpreter: stdin closed, and no working folder on
        its ``sys.path`` (a student's ``torch.py`` there must not shadow torch)."""
        popen = subprocess.Popen([sys.executable, "-m", module, *args], pass_fds=pass_fds,
                                 env=dict(os.environ, PYTHONSAFEPATH="1"), stdin=subprocess.DEVNULL)
        return cls(popen.pid, popen)

    @property
    def spawned(self) -> bool:
        """Whether it is a fresh interpreter (``spawn``), not a fork of this process."""
        return self._popen is not None

    def ended(self) -> bool:
        """Whether it has ended (reaped now if so); never waits."""
        if self.ended_as is None:
            if self._popen is not None:
                code = self._popen.poll()
                if code is not None:
                    self.ended_as = _from_returncode(code)
            else:
                try:
                    done, raw = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:  # reaped elsewhere: ended, how is not known
                    done, raw = self.pid, -1
                if done:
                    self.ended_as = exit_code_and_signal(raw) if raw >= 0 else (None, None)
        return self.ended_as is not None

    def wait(self, timeout: float | None = None) -> tuple[int | None, int | None]:
        """Wait for it to end (``timeout`` seconds at most, then SIGKILL); its (exit code, signal)."""
        if self.ended_as is None:
            if self._popen is not None:
                try:
                    code = self._popen.wait(timeout)
                except subprocess.TimeoutExpired:
                    self._popen.kill()
                    code = self._popen.wait()
                self.ended_as = _from_returncode(code)
            else:
                try:
                    raw = (os.waitpid(self.pid, 0)[1] if timeout is None
                           else reap(self.pid, time.monotonic() + timeout))
                    self.ended_as = exit_code_and_signal(raw)
                except ChildProcessError:
                    self.ended_as = (None, None)
        return self.ended_as

    def in_words(self) -> str:
        """How it ended, once it has: ``exit code 1``, ``signal SIGKILL``."""
        return in_words(*self.wait())


def _from_returncode(code: int) -> tuple[int | None, int | None]:
    return (None, -code) if code < 0 else (code, None)


def fork_and_read(body: Callable[[], bytes], *, fork: Callable[[], int] = os.fork, most: int | None = None,
                  wall_s: float | None = None) -> tuple[bytes, tuple[int | None, int | None]]:
    """Run ``body()`` in a child made by ``fork`` and read back the bytes it returns, through a pipe.

    Returns (those bytes, the child's (exit code, signal)). The child ends with ``os._exit``: 0 once its
    answer is written, ``FAILED`` (nothing written, or part of it) when ``body`` raised. The parent reads
    at most ``most`` + 1 bytes and waits ``wall_s`` seconds at most (None: no limit on either); a child
    that is still there then is killed, and every child is reaped.
    """
    read, write = os.pipe()
    try:
        pid = fork()
    except BaseException:
        os.close(read)
        os.close(write)
        raise
    if pid == 0:
        status = FAILED
        try:
            os.close(read)
            view = memoryview(body())
            while view:
                view = view[os.write(write, view):]
            status = 0
        except BaseException:  # noqa: BLE001 - a child of ours ends here, whatever happened
            pass
        finally:
            os._exit(status)
    os.close(write)
    try:
        data, whole = _read_answer(read, most, None if wall_s is None else time.monotonic() + wall_s)
    finally:
        os.close(read)
    # A child whose answer ended has closed its pipe by exiting: let it finish; any other is killed now.
    raw = reap(pid, time.monotonic() + (ANSWERED_GRACE if whole else 0.0))
    return data, exit_code_and_signal(raw)


ANSWERED_GRACE = 10.0  # seconds a child that has answered may take to end before it is killed


def _read_answer(fd: int, most: int | None, deadline: float | None) -> tuple[bytes, bool]:
    """What ``fd`` gives until it ends (True), or until past ``most`` bytes or ``deadline`` (False)."""
    chunks: list[bytes] = []
    size = 0
    while most is None or size <= most:
        if deadline is not None:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                return b"".join(chunks), False
        chunk = os.read(fd, 1 << 16)
        if not chunk:
            return b"".join(chunks), True
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks), False
