"""The fork server: a warm process that forks one worker per job and watches it.

Shape of a grading run::

    judge (pytest + checks)  --socket-->  zygote  --fork-->  worker (student code)

The zygote has imported torch but never run a torch op (OpenMP thread pools and
CUDA do not survive ``fork``), so each worker starts in milliseconds with torch
ready. The zygote puts each worker in its own process group, reads its output
and its result through pipes, and kills the whole group when it runs too long,
uses too much memory or prints too much. It never decodes what a worker sends:
it passes the bytes on to the judge, which decodes them with ``grader.wire``.

Messages on the socket are a 4-byte length, a JSON header, and (for replies)
``header["payload"]`` bytes of payload.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import struct
import sys
import tempfile
import time
from dataclasses import dataclass

# What a reply's status means; the judge turns each into feedback.
OK, TIMEOUT, MEMORY, OUTPUT, EXITED, CRASHED, LOST = (
    "ok", "timeout", "memory", "output", "exited", "crashed", "lost",
)

OUTPUT_KEPT = 8192          # bytes of a worker's printed output kept for feedback
RESULT_LIMIT = 256 << 20    # a result larger than this is a flood, not an answer
POLL = 0.02                 # seconds between memory readings


@dataclass(frozen=True)
class WorkerReply:
    """What became of one job in a worker."""

    status: str
    """``ok``, or why the worker was stopped or died (see the constants above)."""
    payload: bytes
    """The worker's result bytes (``grader.wire``), empty unless it got that far."""
    output: str
    """The start of what the worker printed (stdout and stderr), for feedback."""
    output_bytes: int
    """How many bytes the worker printed in all."""
    returncode: int | None
    """The worker's exit code, or None if a signal ended it."""
    signal: int | None
    """The signal that ended the worker, if one did."""
    seconds: float
    """Wall time from fork to end."""
    peak_mb: float
    """The largest resident memory seen, in MB."""


# ---------------------------------------------------------------- framing

def send_message(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    header = dict(header, payload=len(payload))
    data = json.dumps(header).encode()
    sock.sendall(struct.pack("<I", len(data)) + data + payload)


def recv_message(sock: socket.socket) -> tuple[dict, bytes] | None:
    """One message, or None at end of stream."""
    size = _recv_exact(sock, 4)
    if size is None:
        return None
    header = json.loads(_recv_exact(sock, struct.unpack("<I", size)[0]) or b"null")
    payload = _recv_exact(sock, header.get("payload", 0)) if header.get("payload") else b""
    return header, payload or b""


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- server side

def serve(sock: socket.socket) -> None:
    """Answer job requests until the judge hangs up."""
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the judge's to handle
    while True:
        message = recv_message(sock)
        if message is None:
            return
        request, _ = message
        reply = supervise(request, sock)
        send_message(sock, {k: v for k, v in reply.__dict__.items() if k != "payload"}, reply.payload)


def supervise(request: dict, sock: socket.socket | None = None) -> WorkerReply:
    """Fork a worker for ``request``, watch it, and report what became of it."""
    result_r, result_w = os.pipe()
    output_r, output_w = os.pipe()
    # The worker's working folder; removed with whatever the student's code left in it.
    scratch = tempfile.mkdtemp(prefix="grader-worker-")
    request = dict(request, scratch=scratch)
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:  # the worker
        try:
            os.setpgid(0, 0)
            os.close(result_r)
            os.close(output_r)
            if sock is not None:
                sock.close()
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            os.close(output_w)
            from grader.worker import run_job

            run_job(request, result_w)
        finally:
            os._exit(70)
    try:
        os.setpgid(pid, pid)
    except OSError:
        pass  # the worker already did it, or is already gone
    os.close(result_w)
    os.close(output_w)
    try:
        return _watch(pid, result_r, output_r, request, started)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _watch(pid, result_r, output_r, request, started) -> WorkerReply:
    deadline = started + float(request.get("timeout", 30))
    memory_limit = float(request.get("memory_mb", 2048))
    output_limit = int(request.get("output_limit", 1 << 20))
    result, output, printed = bytearray(), bytearray(), 0
    open_fds = {result_r, output_r}
    status, peak = OK, 0.0
    next_poll = 0.0
    exit_status = None
    while open_fds:
        now = time.monotonic()
        if result_r not in open_fds and exit_status is None:
            # The worker is done with its result; a grandchild it left behind may
            # still hold the output pipe open, so stop waiting once it has exited.
            done, raw = os.waitpid(pid, os.WNOHANG)
            if done:
                exit_status = raw
                break
        if now >= deadline:
            status = TIMEOUT
            break
        if now >= next_poll:
            rss = _rss_mb(pid)
            peak = max(peak, rss)
            if rss > memory_limit:
                status = MEMORY
                break
            next_poll = now + POLL
        ready, _, _ = select.select(list(open_fds), [], [], min(POLL, deadline - now))
        for fd in ready:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                open_fds.discard(fd)
            elif fd == result_r:
                result += chunk
            else:
                printed += len(chunk)
                if len(output) < OUTPUT_KEPT:
                    output += chunk[: OUTPUT_KEPT - len(output)]
        if printed > output_limit:
            status = OUTPUT
            break
        if len(result) > RESULT_LIMIT:
            status = OUTPUT
            break
    if status != OK:
        _kill_group(pid)
    if exit_status is None:
        returncode, sig = _reap(pid, deadline if status == OK else time.monotonic() + 5)
    else:
        returncode, sig = _decode_status(exit_status)
    _kill_group(pid)  # whatever the student's code left running in the group
    for fd in (result_r, output_r):
        os.close(fd)
    if status == OK and (sig is not None or returncode != 0 or not result):
        status = CRASHED if sig is not None else EXITED
        if sig == signal.SIGKILL and returncode is None and time.monotonic() >= deadline:
            status = TIMEOUT
    return WorkerReply(
        status=status,
        payload=bytes(result) if status == OK else b"",
        output=output.decode("utf-8", "replace"),
        output_bytes=printed,
        returncode=returncode,
        signal=sig,
        seconds=time.monotonic() - started,
        peak_mb=round(peak, 1),
    )


def _reap(pid: int, deadline: float) -> tuple[int | None, int | None]:
    """Wait for ``pid`` until ``deadline``, then kill it; (exit code, signal)."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return _decode_status(status)
        if time.monotonic() >= deadline:
            _kill_group(pid)
            _, status = os.waitpid(pid, 0)
            return None, signal.SIGKILL
        time.sleep(0.002)


def _decode_status(status: int) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None


def _kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, IndexError, ValueError):
        return 0.0


def _die_with_parent() -> None:
    """Ask Linux to end the zygote if the judge dies (kill -9 included)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass  # not Linux: the zygote still ends when the socket closes


def main() -> None:
    """``python -m grader.zygote FD``: serve on an inherited socket (the spawn path)."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    import torch  # noqa: F401  (warm: every worker forked from here has it)

    _preload()
    serve(sock)
    os._exit(0)


def _preload(exercises: tuple[str, ...] | None = None) -> None:
    """Import what workers need for ``exercises`` (stems; default all), so each fork starts
    with it (imports only: no torch op)."""
    import grader.worker  # noqa: F401
    from grader import lazy_dynamo, probes

    probes.load_all(warm=exercises)
    lazy_dynamo.install()  # torch.optim's first step would otherwise import torch._dynamo in every worker


if __name__ == "__main__":
    main()
