"""Moving a student's bytes from one descriptor to another without the fork server holding them.

Every worker is a fork of the fork server, so whatever the fork server ever held in its memory
(freed or not) a later student's worker inherits and could find by scanning its own pages. A
student's code goes from the judge to a worker, and its results and printed output from the
worker to the judge, *through* the fork server; so it moves them with ``splice(2)``: the kernel
carries the bytes from the socket to the worker's pipe, or from the worker's pipes to the socket,
and they never enter the fork server's address space. What the fork server reads itself are only
lengths and frame heads, which it wipes.

Where ``splice`` is not there (not Linux) or refuses a pair of descriptors, the bytes go through
one small buffer that is wiped after each use.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import time

CHUNK = 1 << 20
_bounce = bytearray(1 << 16)   # the fallback's only buffer, wiped after each use
_devnull: int | None = None
_drain: tuple[int, int] | None = None   # a pipe to pass a socket's unwanted bytes through to /dev/null


def available(fd: int) -> int:
    """How many bytes ``fd`` (a pipe or a socket) holds, unread."""
    return struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]


class Cut(Exception):
    """A move that stopped short: ``left`` bytes were not moved (``dst`` had no reader or stayed
    full past the deadline, or ``src`` ended)."""

    def __init__(self, left: int, why: str):
        super().__init__(f"{left} bytes not moved: {why}")
        self.left = left


def move(src: int, dst: int, count: int, deadline: float | None = None) -> None:
    """Move exactly ``count`` bytes from ``src`` to ``dst``, or raise ``Cut``."""
    left = count
    while left:
        try:
            moved = _splice(src, dst, min(left, CHUNK))
        except BlockingIOError:
            wait = None if deadline is None else deadline - time.monotonic()
            if wait is not None and wait <= 0:
                raise Cut(left, "the reader took nothing before the deadline") from None
            select.select([], [dst], [], wait)
            continue
        except OSError as exc:
            raise Cut(left, exc.strerror or str(exc)) from None
        if moved == 0:
            raise Cut(left, "the source ended")
        left -= moved


def discard(src: int, count: int) -> None:
    """Read ``count`` bytes from ``src`` (a socket or a pipe) into nowhere."""
    global _devnull, _drain
    if _devnull is None:
        _devnull = os.open(os.devnull, os.O_WRONLY | os.O_CLOEXEC)
    left = count
    while left:
        try:
            moved = os.splice(src, _devnull, min(left, CHUNK))  # a pipe: straight to /dev/null
        except (AttributeError, OSError):
            if _drain is None:  # a socket: through a pipe of our own
                _drain = os.pipe()
            moved = _splice(src, _drain[1], min(left, 1 << 16))
            if moved:
                move(_drain[0], _devnull, moved)
        if moved == 0:
            raise Cut(left, "the source ended")
        left -= moved


def _splice(src: int, dst: int, count: int) -> int:
    try:
        return os.splice(src, dst, count)
    except AttributeError:
        pass  # no splice(2) here
    except OSError as exc:
        if exc.errno not in (22, 95):  # EINVAL, EOPNOTSUPP: this pair cannot be spliced
            raise
    view = memoryview(_bounce)[:min(count, len(_bounce))]
    try:
        got = os.readv(src, [view])
        sent = 0
        while sent < got:
            try:
                sent += os.write(dst, view[sent:got])
            except BlockingIOError:
                select.select([], [dst], [])
        return got
    finally:
        view[:] = bytes(len(view))
        view.release()
