"""What passes between a judge, the fork server and a worker, and how it is framed.

Judge and fork server talk over a socket: each message is a 4-byte length, a JSON header, and
(for replies) ``header["payload"]`` bytes of payload. A job is a JSON dict naming a probe
(``"module:function"``), its params and the submission's code; a reply is a ``WorkerReply``,
whose ``status`` says what became of the job. A worker writes each result to the fork server
as a *frame*: ``FRAME``, an 8-byte length, then the ``grader.isolation.wire`` bytes, which
nobody on the way decodes; the judge does, trusting none of it.
"""

from __future__ import annotations

import json
import socket
import struct
from dataclasses import dataclass

# What a reply's status means; the judge turns each into feedback.
OK, TIMEOUT, MEMORY, OUTPUT, EXITED, CRASHED, LOST = (
    "ok", "timeout", "memory", "output", "exited", "crashed", "lost",
)

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


# ---------------------------------------------------------------- results, worker to fork server

def frame(data: bytes) -> bytes:
    """``data`` as a worker sends it: ``FRAME``, its length, itself."""
    return FRAME + struct.pack("<Q", len(data)) + data


def unframe(data: bytearray) -> tuple[bytes | None, bool]:
    """(the result at the start of ``data``, or None while it is incomplete; whether ``data`` is
    garbled: then the "result" is those bytes, which the judge will say it could not read)."""
    head = bytes(data[: len(FRAME)])
    if head != FRAME[: len(head)]:
        return bytes(data), True
    if len(data) < FRAME_HEAD:
        return None, False
    size = struct.unpack("<Q", data[len(FRAME):FRAME_HEAD])[0]
    if size > RESULT_LIMIT or len(data) < FRAME_HEAD + size:
        return None, False  # incomplete, or a flood that the fork server's length check stops
    return bytes(data[FRAME_HEAD:FRAME_HEAD + size]), False


# ---------------------------------------------------------------- messages on a socket

def send_message(sock: socket.socket, header: dict, payload: bytes = b"") -> None:
    header = dict(header, payload=len(payload))
    data = json.dumps(header).encode()
    sock.sendall(struct.pack("<I", len(data)) + data + payload)


def recv_message(sock: socket.socket) -> tuple[dict, bytes] | None:
    """One message, or None at end of stream, a stream cut short or a message that is not one
    (a peer killed mid-message is the same as one that hung up)."""
    size = _recv_exact(sock, 4)
    raw = _recv_exact(sock, struct.unpack("<I", size)[0]) if size is not None else None
    try:
        header = json.loads(raw) if raw is not None else None
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(header.get("payload", 0), int):
        return None
    payload = _recv_exact(sock, header["payload"]) if header.get("payload") else b""
    return None if payload is None else (header, payload)


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = sock.recv(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)
