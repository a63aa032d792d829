# attack: list /proc/self/fd for descriptors the worker inherited from the grader (a directory, the fork server's namespaces, files, sockets) and walk out of the jail through any directory one with openat(fd, "..") to read solutions/exercise_3.py
# holds: a worker holds only its own descriptors (stdin, stdout, stderr, its job and result pipes): nothing to walk out through, nothing read, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: uses inherited descriptors)."""

import os
import stat

BREACH = "BRE" "ACH!"


def _inherited() -> list[str]:
    found = []
    for name in sorted(os.listdir("/proc/self/fd"), key=int):
        fd = int(name)
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
            info = os.fstat(fd)
        except OSError:
            continue  # the listing's own descriptor, closed by now
        if fd <= 2 or (stat.S_ISFIFO(info.st_mode) and target.startswith("pipe:")):
            continue  # stdin, stdout, stderr and pipes: what a worker needs
        found.append(f"{fd}->{target}")
        if stat.S_ISDIR(info.st_mode):
            at = fd
            for _ in range(12):
                for path in ("solutions/exercise_3.py", "main/solutions/exercise_3.py"):
                    try:
                        with open(os.open(path, os.O_RDONLY, dir_fd=at), errors="replace") as f:
                            found.append(f"read {path}: {f.read(80)!r}")
                    except OSError:
                        pass
                try:
                    at = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=at)
                except OSError:
                    break
    pipes = [n for n in os.listdir("/proc/self/fd") if int(n) > 2 and _is_pipe(int(n))]
    if len(pipes) > 2:  # a worker's own: its job pipe and its result pipe
        found.append(f"{len(pipes)} pipes besides stdin, stdout and stderr")
    return found


def _is_pipe(fd: int) -> bool:
    try:
        return os.readlink(f"/proc/self/fd/{fd}").startswith("pipe:")
    except OSError:
        return False


def sgd_update(params, lr):
    if os.getpid() != 1:  # only ever inside the jail
        raise NotImplementedError
    found = _inherited()
    if found:
        raise RuntimeError(f"{BREACH} inherited descriptors: " + "; ".join(found))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
