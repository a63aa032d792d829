"""One worker of the fork server: fork it, hand it jobs, watch each under its limits.

A session is one submission's worker and its three pipes: jobs in (``grader.isolation.protocol``
messages), results out (its frames, passed on undecoded) and what it prints.
``watch`` waits for a job's result while reading the worker's memory, time and output, and
stops it (its whole process group) at the first limit it passes.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import shutil
import signal
import socket
import tempfile
import time
from typing import TYPE_CHECKING

from grader.isolation import jail, procs, relay
from grader.isolation.protocol import (CRASHED, EXITED, FRAME, FRAME_HEAD, JAIL, MEMORY, OK, OUTPUT, RESULT_LIMIT,
                                       TIMEOUT, Job, WorkerReply, frame_size, framed, send_header)

if TYPE_CHECKING:
    from grader.isolation.cgroups import Group

OUTPUT_KEPT = 8192          # bytes of a worker's printed output passed on to the judge, per job
POLL = 0.02                 # seconds between memory readings
READY = b"+"                # what a worker writes on its setup pipe once jailed, before any student code
F_SETPIPE_SZ = 1031
PIPE_SIZE = 1 << 20         # a job pipe this large takes a submission's code without waiting for the worker
CODE_DEADLINE = 30.0        # seconds a worker may take to read its code (it reads at once: never seen)
SCRATCH_PREFIX = "grader-worker-"  # + the fork server's pid: an unjailed worker's working folder


class Session:
    """One worker and its pipes: jobs in, results and printed output out, and the setup pipe on
    which it says whether its jail is ready."""

    def __init__(self, key: str, pid: int, requests: int, results: int, output: int, setup: int | None,
                 scratch: str | None, group: Group | None = None, isolation: str = ""):
        self.key, self.pid, self.scratch = key, pid, scratch
        self.requests, self.results, self.output, self.setup = requests, results, output, setup
        self.head = bytearray()   # the next result's frame head, as far as it came (never its body)
        self.body_left = -1       # bytes of the current result's body still to pass on; -1: in its head
        self.output_open = True
        self.group = group  # its cgroup (``grader.isolation.cgroups``), if the machine allows one
        self.isolation = isolation  # what it runs under, as each reply says (``WorkerReply.isolation``)

    @classmethod
    def start(cls, job: Job, key: str, *, plan: jail.Plan | None, group: Group | None, isolation: str) -> Session:
        """Fork a worker for ``job`` (as the fork server knows it: its limits, device and hidden paths,
        nothing of the student's) into the jail ``plan`` (None: limits only, in a scratch folder of its
        own), and into the cgroup ``group`` if there is one. The worker keeps its own pipes and nothing
        else of this process's descriptors; it reads the submission's own part from its job pipe
        (``relay_code``)."""
        request_r, request_w = os.pipe()
        result_r, result_w = os.pipe()
        output_r, output_w = os.pipe()
        setup_r, setup_w = os.pipe()
        if plan is not None:  # the worker's working folder is the jail's own /tmp: nothing to clean here
            scratch, folder, server = None, "/tmp", None
        else:  # the worker's working folder; removed with whatever the student's code left in it
            scratch = folder = tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-")
            server = os.getpid()

        def worker() -> None:
            os.setpgid(0, 0)
            if group is not None:
                try:
                    group.enter()  # before any student code: all it starts is counted together
                except OSError:
                    pass  # never seen; the per-process limits still hold
            devnull = os.open(os.devnull, os.O_RDONLY)
            os.dup2(devnull, 0)
            os.dup2(output_w, 1)
            os.dup2(output_w, 2)
            # Nothing else of the grader's: no socket, no namespace, no folder to walk out through.
            procs.close_all_but((0, 1, 2, request_r, result_w, setup_w))
            from grader.isolation.worker import serve_jobs

            serve_jobs(job, request_r, result_w, setup_w, plan=plan, scratch=folder, server=server)

        pid = procs.fork_body(worker, fork=jail.fork_worker if plan is not None else os.fork)
        try:
            os.setpgid(pid, pid)
        except OSError:
            pass  # the worker already did it, or is already gone
        for fd in (request_r, result_w, output_w, setup_w):
            os.close(fd)
        with contextlib.suppress(OSError):  # room for a submission's code at once (never seen to fail)
            fcntl.fcntl(request_w, F_SETPIPE_SZ, PIPE_SIZE)
        os.set_blocking(request_w, False)  # a worker that stops reading must not block the fork server
        return cls(key, pid, request_w, result_r, output_r, setup_r, scratch, group, isolation)

    def relay_code(self, sock: socket.socket, size: int) -> bool:
        """Splice the submission's own part (``size`` bytes waiting in ``sock``) into the worker's job
        pipe, unread. False if the worker could not take it (the rest is read off ``sock`` and dropped)."""
        try:
            relay.move(sock.fileno(), self.requests, size, time.monotonic() + CODE_DEADLINE)
            return True
        except relay.Cut as cut:  # the worker is gone: the rest must still leave the socket
            with contextlib.suppress(relay.Cut, OSError):
                relay.discard(sock.fileno(), cut.left)
            return False

    def send(self, encoded: bytes, fresh: bool = False) -> bool:
        """Hand the worker its next job; False if it cannot take it (the session is over). A
        ``fresh`` worker is not asked whether it still runs: ``watch`` reaps it and says why not."""
        data = framed(encoded)
        try:
            if not fresh and os.waitpid(self.pid, os.WNOHANG)[0]:
                return False  # it ended between jobs (its code may have left a thread behind)
            return os.write(self.requests, data) == len(data)
        except OSError:
            return False

    def end(self) -> None:
        """Kill the worker and whatever it started, and remove its scratch folder; the session is over."""
        procs.kill_group(self.pid)
        try:
            os.waitpid(self.pid, 0)
        except ChildProcessError:
            pass  # already reaped
        procs.kill_group(self.pid)  # anything it forked after the first kill
        for fd in (self.requests, self.results, self.output, self.setup):
            if fd is not None:
                os.close(fd)
        if self.scratch is not None:
            shutil.rmtree(self.scratch, ignore_errors=True)
        if self.group is not None:
            self.group.remove()  # empty now: the worker's PID namespace is gone with it

    def _oom_killed(self) -> bool:
        return self.group is not None and self.group.oom_kills() > 0

    def watch(self, job: Job, started: float, sock: socket.socket) -> tuple[WorkerReply, bool]:
        """Wait for the current job's result under its limits, passing the worker's result and what it
        prints on to the judge (``sock``) as segments while they come. Returns the reply, and whether
        the worker may take another job."""
        deadline = started + job.timeout
        watch = _Watch(sock)
        status, peak, next_poll, problem = OK, 0.0, 0.0, ""
        exit_status, done, garbled = None, False, False
        while not done:
            now = time.monotonic()
            if now >= deadline:
                status = TIMEOUT
                break
            if now >= next_poll:
                finished, raw = os.waitpid(self.pid, os.WNOHANG)
                if finished:  # gone; but a result it sent just before is still a result
                    exit_status = raw
                    if self.setup is not None:
                        status, problem = JAIL, self._setup_word() or "the worker ended before its jail was ready"
                        break
                    while not done and select.select([self.results], [], [], 0)[0]:
                        done, garbled, ended = self._pass_result(watch)
                        if ended or garbled or watch.flood:
                            break
                    break
                rss = procs.rss_mb(self.pid)
                peak = max(peak, rss)
                if rss > job.memory_mb or self._oom_killed():
                    status = MEMORY
                    break
                next_poll = now + POLL
            watched = [self.setup] if self.setup is not None else [self.results]
            if self.output_open:
                watched.append(self.output)
            ready, _, _ = select.select(watched, [], [], min(POLL, deadline - now))
            if self.output in ready:
                self._pass_output(watch)
            if self.setup is not None and self.setup in ready:
                word = self._setup_word()
                if word is not None:
                    status, problem = JAIL, word or "the worker ended before its jail was ready"
                    break
                continue
            if self.results in ready:
                done, garbled, ended = self._pass_result(watch)
                if ended and not done:
                    # The worker closed its result pipe: it is gone, or about to be.
                    exit_status = procs.reap(self.pid, time.monotonic() + 1.0)
                    break
                if garbled:
                    break
            if watch.printed > job.output_limit or watch.flood:
                status = OUTPUT
                break
        if status == OK and (done or garbled):
            # What the worker printed before it sent its result is in the pipe by now.
            while self.output_open and select.select([self.output], [], [], 0)[0]:
                self._pass_output(watch)
        seconds = time.monotonic() - started
        if status == OK and (done or garbled):
            keep = exit_status is None and not garbled and relay.available(self.results) == 0
            return WorkerReply(OK, b"", "", watch.printed, None, None, seconds, round(peak, 1),
                               self.isolation), keep
        # The worker failed: whatever became of it, it takes no more jobs.
        if status != OK:
            procs.kill_group(self.pid)
        if exit_status is None:
            returncode, sig = procs.exit_code_and_signal(procs.reap(self.pid, time.monotonic() + 5))  # killed: soon
        else:
            returncode, sig = procs.exit_code_and_signal(exit_status)
        if status == OK and self._oom_killed():
            status = MEMORY  # the kernel killed it (or one of its processes) at the group's limit
        if status == OK:
            status = CRASHED if sig is not None else EXITED
            if sig == signal.SIGKILL and returncode is None and time.monotonic() >= deadline:
                status = TIMEOUT
        return WorkerReply(status, b"", "", watch.printed, returncode, sig, seconds, round(peak, 1),
                           self.isolation, problem[:2000]), False

    def _setup_word(self) -> str | None:
        """What the worker said on its setup pipe: None while it says nothing yet; "" when it is
        jailed and ready (the pipe is then closed); else why its jail could not be built. Only code
        of the grader's writes there: the worker closes the pipe before it runs any of the student's."""
        setup = self.setup
        if setup is None or not select.select([setup], [], [], 0)[0]:  # callers ask only while it is open
            return None
        first = os.read(setup, 1)
        if first == READY:
            os.close(setup)
            self.setup = None
            return None
        why = os.read(setup, 4096) if first else b""
        return why.decode("utf-8", "replace") if first else ""

    def _pass_output(self, watch: _Watch) -> None:
        """Pass on what the worker printed: its first ``OUTPUT_KEPT`` bytes of this job to the judge,
        the rest counted and dropped."""
        size = relay.available(self.output)
        if size == 0:
            self.output_open = False  # the student's code may close stdout and stderr
            return
        kept = min(size, OUTPUT_KEPT - watch.kept)
        if kept > 0:
            send_header(watch.sock, {"segment": "output"}, kept)
            relay.move(self.output, watch.sock.fileno(), kept)
            watch.kept += kept
        if size > kept:
            relay.discard(self.output, size - kept)
        watch.printed += size

    def _pass_result(self, watch: _Watch) -> tuple[bool, bool, bool]:
        """Take what the result pipe has: the frame head into ``self.head``, the body spliced on to
        the judge as it comes. Returns (a whole result was passed on, the bytes are no frame, the pipe
        has ended)."""
        size = relay.available(self.results)
        if size == 0:
            return False, False, True
        if self.body_left < 0:
            self.head += os.read(self.results, FRAME_HEAD - len(self.head))
            seen = min(len(self.head), len(FRAME))
            if bytes(self.head[:seen]) != FRAME[:seen]:
                _wipe(self.head)
                return False, True, False
            if len(self.head) < FRAME_HEAD:
                return False, False, False
            announced = frame_size(self.head)
            _wipe(self.head)
            if announced is None:
                return False, True, False
            if announced > RESULT_LIMIT:
                watch.flood = True
                return False, False, False
            self.body_left = announced
            if announced == 0:
                self.body_left = -1
                return True, False, False
            size = relay.available(self.results)
            if size == 0:
                return False, False, False
        part = min(size, self.body_left)
        send_header(watch.sock, {"segment": "result"}, part)
        relay.move(self.results, watch.sock.fileno(), part)
        self.body_left -= part
        if self.body_left == 0:
            self.body_left = -1
            return True, False, False
        return False, False, False


class _Watch:
    """What one job's watch has passed on so far."""

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self.printed = 0   # bytes the worker printed during this job
        self.kept = 0      # of which passed on to the judge
        self.flood = False  # a result announced past RESULT_LIMIT


def _wipe(buffer: bytearray) -> None:
    buffer[:] = bytes(len(buffer))
    del buffer[:]
