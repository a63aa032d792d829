"""One worker of the fork server: fork it, hand it jobs, watch each under its limits.

A session is one submission's worker and its three pipes: jobs in (a 4-byte length and JSON),
results out (``grader.isolation.protocol`` frames, passed on undecoded) and what it prints.
``watch`` waits for a job's result while reading the worker's memory, time and output, and
stops it (its whole process group) at the first limit it passes.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import struct
import tempfile
import time

from grader.isolation import jail, procs
from grader.isolation.protocol import (CRASHED, EXITED, FRAME, FRAME_HEAD, MEMORY, OK, OUTPUT, RESULT_LIMIT,
                                       TIMEOUT, WorkerReply, unframe)

OUTPUT_KEPT = 8192          # bytes of a worker's printed output kept for feedback
POLL = 0.02                 # seconds between memory readings
SCRATCH_PREFIX = "grader-worker-"  # + the fork server's pid: an unjailed worker's working folder


class Session:
    """One worker and its pipes: jobs in, results and printed output out."""

    def __init__(self, key: str, pid: int, requests: int, results: int, output: int, scratch: str | None,
                 group=None, isolation: str = ""):
        self.key, self.pid, self.scratch = key, pid, scratch
        self.requests, self.results, self.output = requests, results, output
        self.pending = bytearray()  # result bytes read past the last complete result
        self.output_open = True
        self.group = group  # its cgroup (``grader.isolation.cgroups``), if the machine allows one
        self.isolation = isolation  # what it runs under, as each reply says (``WorkerReply.isolation``)

    @classmethod
    def start(cls, request: dict, key: str, sock: socket.socket | None, *, plan, group,
              isolation: str) -> Session:
        """Fork a worker for ``request``: into the jail ``plan`` (None: limits only, in a scratch
        folder of its own), and into the cgroup ``group`` if there is one. ``sock`` (the fork
        server's) is closed in the worker."""
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        if plan is not None:  # the worker's working folder is the jail's own /tmp: nothing to clean here
            scratch = None
            request = dict(request, scratch="/tmp", zygote=None)
        else:  # the worker's working folder; removed with whatever the student's code left in it
            scratch = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
            request = dict(request, scratch=scratch, zygote=os.getpid())
        pid = jail.fork_worker() if plan is not None else os.fork()
        if pid == 0:  # the worker
            try:
                os.setpgid(0, 0)
                if group is not None:
                    try:
                        group.enter()  # before any student code: all it starts is counted together
                    except OSError:
                        pass  # never seen; the per-process limits still hold
                for fd in (request_w, result_r, output_r):
                    os.close(fd)
                if sock is not None:
                    sock.close()
                devnull = os.open(os.devnull, os.O_RDONLY)
                os.dup2(devnull, 0)
                os.dup2(output_w, 1)
                os.dup2(output_w, 2)
                os.close(output_w)
                from grader.isolation.worker import serve_jobs

                serve_jobs(request, request_r, result_w, plan)
            finally:
                os._exit(70)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # the worker already did it, or is already gone
        for fd in (request_r, result_w, output_w):
            os.close(fd)
        os.set_blocking(request_w, False)  # a worker that stops reading must not block the zygote
        return cls(key, pid, request_w, result_r, output_r, scratch, group, isolation)

    def send(self, encoded: bytes) -> bool:
        """Hand the worker its next job; False if it cannot take it (the session is over)."""
        data = struct.pack("<I", len(encoded)) + encoded
        try:
            if os.waitpid(self.pid, os.WNOHANG)[0]:
                return False  # it ended between jobs (its code may have left a thread behind)
            return os.write(self.requests, data) == len(data)
        except OSError:
            return False

    def end(self) -> None:
        """Kill the worker and whatever it started, and remove its scratch folder."""
        procs.kill_group(self.pid)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # already reaped
        procs.kill_group(self.pid)  # anything it forked after the first kill
        for fd in (self.requests, self.results, self.output):
            os.close(fd)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        if self.group is not None:
            self.group.remove()  # empty now: the worker's PID namespace is gone with it
        return None

    def _oom_killed(self) -> bool:
        return self.group is not None and self.group.oom_kills() > 0

    def watch(self, request: dict, started: float) -> tuple[WorkerReply, bool]:
        """Wait for the current job's result under its limits. Returns the reply, and whether
        the worker may take another job."""
        deadline = started + float(request.get("timeout", 30))
        memory_limit = float(request.get("memory_mb", 2048))
        output_limit = int(request.get("output_limit", 1 << 20))
        result, output, printed = self.pending, bytearray(), 0
        self.pending = bytearray()
        status, peak, next_poll = OK, 0.0, 0.0
        exit_status, payload, garbled = None, None, False
        while payload is None:
            payload, garbled = unframe(result)
            if payload is not None:
                break
            now = time.monotonic()
            if now >= deadline:
                status = TIMEOUT
                break
            if now >= next_poll:
                done, raw = os.waitpid(self.pid, os.WNOHANG)
                if done:  # gone; but a result it sent just before is still a result
                    exit_status = raw
                    while select.select([self.results], [], [], 0)[0] and _read_into(self.results, result, None):
                        pass
                    payload, garbled = unframe(result)
                    break
                rss = procs.rss_mb(self.pid)
                peak = max(peak, rss)
                if rss > memory_limit or self._oom_killed():
                    status = MEMORY
                    break
                next_poll = now + POLL
            watched = [self.results, self.output] if self.output_open else [self.results]
            ready, _, _ = select.select(watched, [], [], min(POLL, deadline - now))
            if self.output in ready:
                got = _read_into(self.output, output)
                printed += got
                self.output_open = got > 0  # the student's code may close stdout and stderr
            if self.results in ready and not _read_into(self.results, result, limit=None):
                # The worker closed its result pipe: it is gone, or about to be.
                exit_status = _reap(self.pid, time.monotonic() + 1.0)
                break
            if printed > output_limit or len(result) > RESULT_LIMIT + FRAME_HEAD:
                status = OUTPUT
                break
        if status == OK and payload is not None:
            # What the worker printed before it sent its result is in the pipe by now.
            while self.output_open and select.select([self.output], [], [], 0)[0]:
                got = _read_into(self.output, output)
                printed += got
                self.output_open = got > 0
            size = len(FRAME) + 8 + len(payload)
            self.pending = result[size:] if not garbled else bytearray()
        seconds = time.monotonic() - started
        if payload is not None and status == OK:
            keep = exit_status is None and not garbled and not self.pending
            return WorkerReply(OK, payload, _text(output), printed, None, None, seconds, round(peak, 1),
                               self.isolation), keep
        # The worker failed: whatever became of it, it takes no more jobs.
        if status != OK:
            procs.kill_group(self.pid)
        if exit_status is None:
            returncode, sig = _decode_status(_reap(self.pid, time.monotonic() + 5))  # killed: soon
        else:
            returncode, sig = _decode_status(exit_status)
        if status == OK and self._oom_killed():
            status = MEMORY  # the kernel killed it (or one of its processes) at the group's limit
        if status == OK:
            status = CRASHED if sig is not None else EXITED
            if sig == signal.SIGKILL and returncode is None and time.monotonic() >= deadline:
                status = TIMEOUT
        return WorkerReply(status, b"", _text(output), printed, returncode, sig, seconds, round(peak, 1),
                           self.isolation), False


def _read_into(fd: int, buffer: bytearray, limit: int | None = OUTPUT_KEPT) -> int:
    """Read what ``fd`` has into ``buffer`` (only its first ``limit`` bytes kept); bytes read."""
    chunk = os.read(fd, 1 << 20)
    if limit is None:
        buffer += chunk
    elif len(buffer) < limit:
        buffer += chunk[: limit - len(buffer)]
    return len(chunk)


def _text(output: bytearray) -> str:
    return output.decode("utf-8", "replace")


def _reap(pid: int, deadline: float) -> int:
    """Wait for ``pid`` until ``deadline``, then kill it; its raw wait status."""
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return status
        if time.monotonic() >= deadline:
            procs.kill_group(pid)
            return os.waitpid(pid, 0)[1]
        time.sleep(0.002)


def _decode_status(status: int) -> tuple[int | None, int | None]:
    if os.WIFSIGNALED(status):
        return None, os.WTERMSIG(status)
    return os.WEXITSTATUS(status), None
