"""What passes between a judge, the fork server and a worker, and how it is framed.

A ``Job`` is one call of a probe on one submission's code; the judge builds it once, and every
other part reads its fields (its defaults are written here, and only here). Judge and fork server
talk over a socket: each message is a 4-byte length, a JSON header, and ``header["payload"]``
bytes of payload (``send_message``, ``recv_message``; a worker's job pipe carries the same
messages without payload: ``read_message``). A job goes as a header the fork server reads (the
probe, its params, the limits, and a digest naming the submission) and a payload it never reads:
the submission's own part (its code, module, folder and files, ``OWN_PART``), which it splices on
to the worker (``grader.isolation.relay``): ``split_job``. For each job the fork server answers
with *segments* (``{"segment": "result" | "output"}``: a run of the worker's result or printed
bytes, spliced on as they come) and then a ``WorkerReply`` whose ``status`` says what became of
the job, or ``{"again": true}``: send the job again, to a fresh worker. A worker writes each result
to the fork server as a *frame*: ``FRAME``, an 8-byte length, then the ``grader.isolation.wire``
bytes, which nobody on the way decodes; the judge does, trusting none of it. An error in the
student's code comes back with an ``ErrorKind``.

So the fork server never holds a student's code, results or output, and no later worker (each a
fork of it) can find them in the memory it inherits.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import os
import socket
import struct
from dataclasses import dataclass
from collections.abc import Callable
from typing import Any

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


class ErrorKind(enum.StrEnum):
    """What went wrong in the student's code, as a worker describes it (``grader.isolation.worker.describe_error``)."""

    SYNTAX = "syntax"
    """Python cannot parse the submission."""
    EXIT = "exit"
    """The code called ``exit()``/``sys.exit`` (``SystemExit``)."""
    IMPORT = "import"
    """The module raised while it was being executed, before any function could be called."""
    NOT_IMPLEMENTED = "not_implemented"
    """The function still raises ``NotImplementedError`` (the stub)."""
    MEMORY = "memory"
    """The jail's memory limit refused an allocation."""
    EXCEPTION = "exception"
    """The function raised anything else."""
    MISSING = "missing"
    """The submission defines no function of that name (or something that is not a function)."""
    UNSENDABLE = "unsendable"
    """The probe's outcome could not be encoded to send back."""

    @classmethod
    def claimed(cls, word: object) -> ErrorKind:
        """The kind a worker's reply claims; a word that is none of them is the student's own exception
        (a worker that says "jail" included: only the trusted side decides that)."""
        try:
            return cls(word) if isinstance(word, str) else cls.EXCEPTION
        except ValueError:
            return cls.EXCEPTION


@dataclass(frozen=True)
class Chunk:
    """A run of the submission's code; a job's chunks run in order as one module."""

    filename: str
    """The name its tracebacks show (``exercise_3.py``, ``exercise_3.ipynb [cell 4]``)."""
    source: str
    """The code."""


@dataclass(frozen=True)
class Job:
    """One call of a probe on one submission's code, in a jailed worker under limits."""

    probe: str
    """What to call, as ``module:function`` (``grader.isolation.calls``)."""
    params: dict[str, Any]
    """The probe's keyword arguments: plain JSON data (seeds already salted, rates…)."""
    module: str
    """The name the submission's code runs as (``exercise_3``)."""
    chunks: tuple[Chunk, ...]
    """The submission's code."""
    folder: str | None = None
    """The submission's folder, put last on the worker's ``sys.path``; None: a file alone."""
    own: tuple[str, ...] = ()
    """The student's own files and folders, copied read-only into the worker's jail."""
    hidden: tuple[str, ...] = ()
    """Paths no worker may see, even inside a folder it is shown (solutions, checks…)."""
    course_root: str | None = None
    """The course folder, whose content the probe's module is imported from."""
    device: str = "cpu"
    """``cpu`` or ``cuda``: where the probe runs."""
    timeout: float = 30.0
    """Seconds the call may take before its worker is killed."""
    memory_mb: int = 2048
    """Memory the worker (and all it starts) may use, in MB."""
    output_limit: int = 1 << 20
    """Bytes the worker may print before it is killed."""


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

    def header(self) -> dict[str, Any]:
        """The reply as the fork server sends it: every field but the bytes it splices on."""
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in ("payload", "output")}

    @classmethod
    def from_header(cls, header: dict[str, Any], payload: bytes, output: str) -> WorkerReply:
        """The reply a judge puts together from the fork server's header and the segments before it."""
        known = {f.name for f in dataclasses.fields(cls)} - {"payload", "output"}
        fields = {k: v for k, v in header.items() if k in known}
        return cls(payload=payload if fields["status"] == OK else b"", output=output, **fields)


# ---------------------------------------------------------------- results, worker to fork server

def frame(data: bytes) -> bytes:
    """``data`` as a worker sends it: ``FRAME``, its length, itself."""
    return FRAME + struct.pack("<Q", len(data)) + data


def frame_size(head: bytes | bytearray) -> int | None:
    """The length a complete frame head announces; None if ``head`` is not one (garbled)."""
    if len(head) != FRAME_HEAD or bytes(head[:len(FRAME)]) != FRAME:
        return None
    return struct.unpack("<Q", bytes(head[len(FRAME):]))[0]


# ---------------------------------------------------------------- a job, judge to fork server to worker

OWN_PART = ("chunks", "folder", "module", "own")
"""What of a job is the submission's own: relayed to the worker, never read by the fork server."""
HEADER = tuple(f.name for f in dataclasses.fields(Job) if f.name not in OWN_PART)
"""What of a job the fork server reads."""


def split_job(job: Job) -> tuple[dict[str, Any], bytes]:
    """(the header the fork server reads, the payload it relays unread: a message) for one job.

    The header names the submission by a digest of everything that makes two jobs the same
    submission's (its own part, the device, the hidden paths), so that jobs for it share a worker.
    """
    own = json.dumps({name: getattr(job, name) for name in OWN_PART}, default=dataclasses.asdict).encode()
    header = {name: getattr(job, name) for name in HEADER}
    header["session"] = hashlib.sha256(own + json.dumps([job.device, list(job.hidden)]).encode()).hexdigest()
    return header, framed(own)


def header_job(header: dict[str, Any]) -> Job:
    """The job as the fork server knows it, from its header: the submission's own part left empty."""
    values = {name: header[name] for name in HEADER if name in header}
    values["hidden"] = tuple(values.get("hidden") or ())
    return Job(module="", chunks=(), **values)


CALL = ("probe", "params")
"""What of a job a worker is sent before each call (it has the rest already: ``call_message``)."""


def call_message(job: Job) -> bytes:
    """The JSON of the message that hands a worker its next call of the submission (``CALL``)."""
    return json.dumps({name: getattr(job, name) for name in CALL}).encode()


def with_call(job: Job, message: dict[str, Any]) -> Job:
    """``job`` with the call a worker was sent (``call_message``)."""
    return dataclasses.replace(job, **{name: message[name] for name in CALL})


def with_own_part(job: Job, own: dict[str, Any]) -> Job:
    """``job`` with the submission's own part, as the worker reads it from its job pipe."""
    return dataclasses.replace(job, chunks=tuple(Chunk(**chunk) for chunk in own["chunks"]),
                               folder=own["folder"], module=own["module"], own=tuple(own["own"] or ()))


# ---------------------------------------------------------------- messages: a length, then JSON

def pack(message: dict[str, Any]) -> bytes:
    """``message`` framed: a 4-byte length, then its JSON."""
    return framed(json.dumps(message).encode())


def framed(data: bytes) -> bytes:
    """``data`` (a message's JSON) framed: its 4-byte length, then itself."""
    return struct.pack("<I", len(data)) + data


def read_message(fd: int) -> dict[str, Any] | None:
    """The next message on a pipe (a worker's job pipe); None when the pipe ends. Raises ValueError
    for one that is not a JSON object (never sent: the fork server and the judge write there)."""
    found = _unpack(lambda n: os.read(fd, n))
    if found is not None and not isinstance(found, dict):
        raise ValueError("a message that is not a JSON object")
    return found


def _unpack(read: Callable[[int], bytes]) -> Any:
    """The JSON of the next framed message ``read`` gives; None at its end or one cut short."""
    size = _read_exact(read, 4)
    body = _read_exact(read, struct.unpack("<I", size)[0]) if size is not None else None
    return None if body is None else json.loads(body)


def _read_exact(read: Callable[[int], bytes], n: int) -> bytes | None:
    chunks, got = [], 0
    while got < n:
        chunk = read(min(n - got, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


# ---------------------------------------------------------------- messages on a socket

def send_message(sock: socket.socket, header: dict[str, Any], payload: bytes = b"") -> None:
    send_header(sock, header, len(payload))
    if payload:
        sock.sendall(payload)


def send_header(sock: socket.socket, header: dict[str, Any], size: int) -> None:
    """A message's header, announcing ``size`` payload bytes that the caller sends next (the fork
    server splices them: ``grader.isolation.relay``)."""
    sock.sendall(pack(dict(header, payload=size)))


def recv_message(sock: socket.socket) -> tuple[dict[str, Any], bytes] | None:
    """One message, or None at end of stream, a stream cut short or a message that is not one
    (a peer killed mid-message is the same as one that hung up)."""
    header = recv_header(sock)
    if header is None:
        return None
    payload = _read_exact(sock.recv, header["payload"]) if header["payload"] else b""
    return None if payload is None else (header, payload)


def recv_header(sock: socket.socket) -> dict[str, Any] | None:
    """A message's header alone: its ``payload`` bytes are left in the socket for the caller
    (the fork server relays a job's without reading them)."""
    try:
        header = _unpack(sock.recv)
    except ValueError:
        return None
    if not isinstance(header, dict) or not isinstance(header.get("payload", 0), int) or header.get("payload", 0) < 0:
        return None
    header.setdefault("payload", 0)
    return header
