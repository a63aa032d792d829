"""The judge's side of the fork server: start it, send it jobs, restart it if it dies.

``start_forked()`` is the fast path, for a process that has imported torch and
run no torch op yet (the ``grade`` command calls it first thing). Anywhere else,
say inside a test session that has already computed with torch, ``current()``
spawns a fresh fork server with ``python -m grader.isolation.fork_server`` instead: slower to
start, but it never inherits a used OpenMP pool.
"""

from __future__ import annotations

import atexit
import socket

from grader.isolation import fork_server
from grader.isolation.procs import Child
from grader.isolation.protocol import LOST, Job, WorkerReply, recv_message, send_message, split_job

REPLY_MARGIN = 15.0  # seconds past a job's own limit before the fork server counts as lost
OUTPUT_SHOWN = 8192  # bytes of what a worker printed that a reply keeps, for feedback
END_WAIT = 5.0       # seconds a spawned fork server may take to end once its socket is closed


class ForkServer:
    """A connection to one fork server."""

    def __init__(self, sock: socket.socket, child: Child):
        self._sock, self._child = sock, child
        self.pid = child.pid
        """The fork server's pid."""
        self.alive = True
        """False once it failed or was closed: ``current()`` starts another."""

    def run(self, job: Job) -> WorkerReply:
        """Run one job; a reply with status ``lost`` if the fork server itself failed."""
        header, own = split_job(job)
        try:
            self._sock.settimeout(job.timeout + REPLY_MARGIN)
            while True:
                send_message(self._sock, header, own)
                reply = self._reply()
                if reply is not None:
                    return reply
        except (OSError, ValueError, KeyError, TypeError):
            pass
        self.close()
        return WorkerReply(LOST, b"", "", 0, None, None, 0.0, 0.0)

    def _reply(self) -> WorkerReply | None:
        """The fork server's answer to a job: the result and printed segments it passes on, then the
        reply; None when it asks for the job again."""
        result, output = [], bytearray()
        while True:
            message = recv_message(self._sock)
            if message is None:
                raise OSError("the fork server hung up")
            header, payload = message
            if header.get("again"):
                return None
            segment = header.get("segment")
            if segment == "result":
                result.append(payload)
            elif segment == "output":
                output += payload[:max(0, OUTPUT_SHOWN - len(output))]
            else:
                return WorkerReply.from_header(header, b"".join(result), output.decode("utf-8", "replace"))

    def end_session(self) -> None:
        """End the worker that serves the current submission's jobs (and what it left running)."""
        if not self.alive:
            return
        try:
            self._sock.settimeout(REPLY_MARGIN)
            send_message(self._sock, {"end": True})
            message = recv_message(self._sock)
        except (OSError, ValueError):
            message = None
        if message is None:
            self.close()

    def close(self) -> None:
        """Hang up: the fork server ends, and its workers with it; reap it."""
        if not self.alive:
            return
        self.alive = False
        self._sock.close()
        self._child.wait(END_WAIT if self._child.spawned else None)


_current: ForkServer | None = None


def start_forked(probe_modules: tuple[str, ...] = ()) -> ForkServer:
    """Start a fork server forked from this process: call only before any torch op has run here.

    ``probe_modules`` (``grader.grading.content.probe_modules``) are imported first, so
    that every worker starts with them.
    """
    import torch  # noqa: F401

    fork_server.preload(probe_modules)
    parent, child = socket.socketpair()

    def serve() -> None:
        parent.close()
        fork_server.serve(child)

    forked = Child.fork(serve)
    child.close()
    return _set(ForkServer(parent, forked))


def start_spawned() -> ForkServer:
    """Start a fork server as a fresh interpreter (safe at any time, costs a torch import)."""
    parent, child = socket.socketpair()
    spawned = Child.spawn("grader.isolation.fork_server", str(child.fileno()), pass_fds=(child.fileno(),))
    child.close()
    return _set(ForkServer(parent, spawned))


def current() -> ForkServer:
    """The running fork server, started (spawned) if there is none or it died."""
    if _current is None or not _current.alive:
        return start_spawned()
    return _current


def end_session() -> None:
    """End the running fork server's worker for the last submission, if there is one."""
    if _current is not None:
        _current.end_session()


def _set(server: ForkServer) -> ForkServer:
    global _current
    if _current is not None:
        _current.close()
    _current = server
    return server


@atexit.register
def _shutdown() -> None:
    if _current is not None:
        _current.close()
