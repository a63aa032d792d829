"""What passes between a judge, the fork server and a worker, and how it is framed.

Judge and fork server talk over a socket: each message is a 4-byte length, a JSON header, and
``header["payload"]`` bytes of payload. A job is a JSON header the fork server reads (the probe,
its params, the limits, and a digest naming the submission) and a payload it never reads: the
submission's own part (its code, module, folder and files, ``student_part``), which it splices on
to the worker (``grader.isolation.relay``). For each job the fork server answers with *segments*
(``{"segment": "result" | "output"}``: a run of the worker's result or printed bytes, spliced on
as they come) and then a ``WorkerReply`` whose ``status`` says what became of the job, or
``{"again": true}``: send the job again, to a fresh worker. A worker writes each result to the
fork server as a *frame*: ``FRAME``, an 8-byte length, then the ``grader.isolation.wire`` bytes,
which nobody on the way decodes; the judge does, trusting none of it.

So the fork server never holds a student's code, results or output, and no later worker (each a
fork of it) can find them in the memory it inherits.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import struct
from dataclasses import dataclass

# What a reply's status means; the judge turns each into feedback. LOST (the fork server is gone)
# and JAIL (a worker's jail could not be built, before any student code ran) are the grader's
# failures, and only the judge and the fork server decide them: nothing a worker sends can.
OK, TIMEOUT, MEMORY, OUTPUT, EXITED, CRASHED, LOST, JAIL = (
    "ok", "timeout", "memory", "output", "exited", "crashed", "lost", "jail",
)
GRADER_FAULTS = (LOST, JAIL)

FRAME = b"GRDRFRM1"         # starts each result a worker sends; then its length, 8 bytes
FRAME_HEAD = len(FRAME) + 8
RESULT_LIMIT = 256 << 20    # a result larger than this is a flood, not an answer


@dataclass(frozen=True)
class WorkerReply:
    """What became of one job in a worker."""

    status: str
    """``ok``, or why the worker was stopped or died (see the constants above)."""
    payload: bytes
    """The worker's result bytes (``grader.isolation.wire``), empty unless it got that far."""
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
    isolation: str = ""
    """``jail``, or ``unjailed: <why>`` (``grader.isolation.jail``): what the student's code ran under."""
    problem: str = ""
    """With status ``jail``: what the trusted side saw fail while it built the worker's jail."""


# ---------------------------------------------------------------- results, worker to fork server

def frame(data: bytes) -> bytes:
    """``data`` as a worker sends it: ``FRAME``, its length, itself."""
    return FRAME + struct.pack("<Q", len(data)) + data


def frame_size(head: bytes | bytearray) -> int | None:
    """The length a complete frame head announces; None if ``head`` is not one (garbled)."""
    if len(head) != FRAME_HEAD or bytes(head[:len(FRAME)]) != FRAME:
        return None
    return struct.unpack("<Q", bytes(head[len(FRAME):]))[0]


# ---------------------------------------------------------------- jobs, fork server to worker

def read_job(fd: int, first: bool = False) -> dict | None:
    """The next message on a worker's job pipe (a 4-byte length, then JSON); None when the pipe
    ends. The ``first`` is the submission's own part (``split_job``), and must be there."""
    head = _read_exact(fd, 4)
    body = _read_exact(fd, struct.unpack("<I", head)[0]) if head is not None else None
    found = None if body is None else json.loads(body)
    if first and not isinstance(found, dict):
        raise ValueError("the worker's code never came")
    return found


def _read_exact(fd: int, n: int) -> bytes | None:
    data = b""
    while len(data) < n:
        chunk = os.read(fd, n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


# ---------------------------------------------------------------- a job, judge to fork server

STUDENT_KEYS = ("chunks", "folder", "module", "own")
"""What of a job is the submission's own: relayed to the worker, never read by the fork server."""


def split_job(request: dict) -> tuple[dict, bytes]:
    """(the header the fork server reads, the payload it relays unread) for one job.

    The header names the submission by a digest of everything that makes two jobs the same
    submission's (its own part, the device, the hidden paths), so that jobs for it share a worker.
    """
    own = {k: request.get(k) for k in STUDENT_KEYS}
    body = json.dumps(own).encode()
    session = hashlib.sha256(json.dumps([own, request.get("device"), request.get("hidden")],
                                        sort_keys=True).encode()).hexdigest()
    header = {k: v for k, v in request.items() if k not in STUDENT_KEYS}
    header["session"] = session
    return header, struct.pack("<I", len(body)) + body


# ---------------------------------------------------------------- messages on a socket

def send_message(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    send_header(sock, header, len(payload))
    if payload:
        sock.sendall(payload)


def send_header(sock: socket.socket, header: dict, size: int) -> None:
    """A message's header, announcing ``size`` payload bytes that the caller sends next (the fork
    server splices them: ``grader.isolation.relay``)."""
    data = json.dumps(dict(header, payload=size)).encode()
    sock.sendall(struct.pack("<I", len(data)) + data)


def recv_message(sock: socket.socket) -> tuple[dict, bytes] | None:
    """One message, or None at end of stream, a stream cut short or a message that is not one
    (a peer killed mid-message is the same as one that hung up)."""
    header = recv_header(sock)
    if header is None:
        return None
    payload = _recv_exact(sock, header["payload"]) if header.get("payload") else b""
    return None if payload is None else (header, payload)


def recv_header(sock: socket.socket) -> dict | None:
    """A message's header alone: its ``payload`` bytes are left in the socket for the caller
    (the fork server relays a job's without reading them)."""
    size = _recv_exact(sock, 4)
    raw = _recv_exact(sock, struct.unpack("<I", size)[0]) if size is not None else None
    try:
        header = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(header.get("payload", 0), int) or header.get("payload", 0) < 0:
        return None
    header.setdefault("payload", 0)
    return header


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
