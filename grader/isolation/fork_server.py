"""The fork server: a warm process that forks a worker per submission and watches it.

Shape of a grading run::

    judge (pytest + checks)  --socket-->  fork server  --fork-->  worker (student code)

The fork server has imported torch but never run a torch op (OpenMP thread pools and
CUDA do not survive ``fork``), so each worker starts in milliseconds with torch
ready. A worker runs one submission's jobs (probe calls) one after another,
putting back before each what the last one changed (``grader.isolation.worker``); the
first job that fails in any way ends it, and the next job gets a fresh fork.
The fork server puts each worker in its own process group, watches its output and its
results through pipes, and kills the whole group when a job runs too long, uses
too much memory or prints too much (``grader.isolation.session``). It never holds a
student's code, results or output: it splices them from the judge's socket to the worker's
pipe and back (``grader.isolation.relay``), so no later worker, a fork of it, inherits them.
The judge decodes what a worker sent, with ``grader.isolation.wire``.

What a job and a reply are, and how they are framed, is ``grader.isolation.protocol``.
"""

from __future__ import annotations

import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from typing import TYPE_CHECKING

from grader.isolation import procs, relay
from grader.isolation.procs import die_with_parent
from grader.isolation.protocol import (CRASHED, EXITED, Job, WorkerReply, call_message, header_job, recv_header,
                                       send_message)
from grader.isolation.session import SCRATCH_PREFIX, Session

if TYPE_CHECKING:
    from grader.isolation.cgroups import Cgroups
    from grader.isolation.jail import Plan

IDLE_END = 5.0  # seconds without a job after which a session's worker is ended anyway
REQUEST_LIMIT = 32 << 10    # a later job larger than this (never, in practice) gets a new worker


def serve(sock: socket.socket, confinement: Confinement | None = None) -> None:
    """Answer job requests until the judge hangs up.

    Jobs for the same submission (same code, module, device, user) go to the
    same worker, one after another: a *session*. Forking a process the size of
    torch costs more than most probes, and a worker resets what a call may
    have changed before the next one (see ``grader.isolation.worker``). A worker that
    fails in any way (time, memory, output, exit, crash, garbled result) is
    killed with its process group, and the next job gets a fresh one. A judge
    ends a session with ``{"end": true}`` when it is done with a submission.

    A job's header is read here; its payload (the submission's own part) is spliced on to a fresh
    worker, or dropped unread when the session's worker already has it. ``confinement``: how workers
    are confined, set up already (the spawn path does it before importing torch); None: set up here.
    """
    die_with_parent()  # the socket closing ends it too; this also covers a judge stuck elsewhere
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the judge's to handle
    confinement = confinement or Confinement.set_up()
    session: Session | None = None
    try:
        while True:
            if session is not None and not select.select([sock], [], [], IDLE_END)[0]:
                session.end()
                session = None
                continue
            header = recv_header(sock)
            if header is None:
                return
            if header.get("end"):
                relay.discard(sock.fileno(), header["payload"])
                if session is not None:
                    session.end()
                session = None
                send_message(sock, {"ended": True})
                continue
            session, reply = confinement.supervise(header, session, sock)
            send_message(sock, {"again": True} if reply is None else reply.header())
    finally:
        if session is not None:
            session.end()
        confinement.close()


class Confinement:
    """How this fork server confines its workers: in the jail or not (what every reply says), the jail
    plans it made, and its cgroups. Made once per fork server, while it is still single-threaded."""

    def __init__(self, isolation: str, cgroups: Cgroups | None):
        self.isolation = isolation
        """``jail``, or ``unjailed: <why>``: what every worker runs under (``WorkerReply.isolation``)."""
        self.cgroups = cgroups
        """The fork server's cgroups (``grader.isolation.cgroups``), where the machine allows them."""
        self._plans: dict[tuple[tuple[str, ...], str], Plan] = {}

    @classmethod
    def set_up(cls) -> Confinement:
        """Become a fork server of jailed workers, if this machine allows it (``grader.isolation.jail``);
        else workers run with resource limits only, and every reply says so."""
        from grader.isolation import cgroups, jail

        cgroups.sweep()  # here, while this process still sees the host's pids
        _sweep_scratch()
        confinement = cls("unjailed: the fork server has not set up isolation", None)
        try:
            jail.prepare_server()
            problem = jail.trial(confinement.plan_for(Job(probe="", params={}, module="", chunks=())))
        except jail.JailError as exc:
            problem = str(exc)
        confinement.isolation = "jail" if problem is None else f"unjailed: {problem}"
        confinement.cgroups = cgroups.Cgroups.find(jail.server_id or os.getpid())
        return confinement

    def close(self) -> None:
        if self.cgroups is not None:
            self.cgroups.close()

    def plan_for(self, job: Job) -> Plan:
        """The jail plan for a job's hidden paths and device (made once, then reused)."""
        from grader.isolation import jail

        key = (job.hidden, job.device)
        if key not in self._plans:
            self._plans[key] = jail.make_plan(hidden=job.hidden, device=job.device)
        return self._plans[key]

    def supervise(self, header: dict, session: Session | None,
                  sock: socket.socket) -> tuple[Session | None, WorkerReply | None]:
        """Run the job whose ``header`` was read (its payload still in ``sock``) in ``session``'s worker if
        it is the same submission's, else in a fresh one; watch it and report what became of it. Returns
        the session to use next (None once its worker is gone) and the reply, or None: the judge must
        send the job again, for a fresh worker."""
        job, key, size = header_job(header), str(header.get("session", "")), int(header["payload"])
        encoded = call_message(job)
        if session is not None and (session.key != key or len(encoded) > REQUEST_LIMIT):
            session.end()
            session = None
        started = time.monotonic()
        reused = session is not None
        if session is None:
            session = self._start(job, key)
            # A worker that cannot take its code or job is gone already: watch reads why (its setup pipe).
            session.relay_code(sock, size)
            session.send(encoded, fresh=True)
        else:
            relay.discard(sock.fileno(), size)  # its worker has the code already
            if not session.send(encoded):
                session.end()
                return None, None  # it ended between jobs: a fresh worker, which needs the code again
        reply, keep = session.watch(job, started, sock)
        if not keep:
            session.end()
        if reused and reply.status in (EXITED, CRASHED) and not reply.output_bytes:
            # A reused worker that ended without a word may have ended *after* its last job (code that
            # exits once it has returned): this job is not the one to blame. It runs again, fresh;
            # if it was this job's doing after all, the fresh worker ends the same way.
            return None, None
        return (session if keep else None), reply

    def _start(self, job: Job, key: str) -> Session:
        """A fresh worker for ``job``: jailed if this fork server can, in a cgroup if it has them."""
        from grader.isolation import jail

        _load_probe(job)
        plan = self.plan_for(job) if self.isolation == "jail" else None
        group = None
        if self.cgroups is not None and job.device == "cpu":
            group = self.cgroups.make(job.memory_mb, jail.NPROC)
        return Session.start(job, key, plan=plan, group=group, isolation=self.isolation)


def _sweep_scratch() -> None:
    """Remove the working folders of unjailed workers whose fork server was killed (``kill -9``)."""
    folder = tempfile.gettempdir()
    try:
        names = [n for n in os.listdir(folder) if n.startswith(SCRATCH_PREFIX)]
    except OSError:
        return
    for name in names:
        pid = name[len(SCRATCH_PREFIX):].partition("-")[0]
        if pid.isdigit() and not procs.alive(int(pid)):
            shutil.rmtree(os.path.join(folder, name), ignore_errors=True)


def main() -> None:
    """``python -m grader.isolation.fork_server FD``: serve on an inherited socket (the spawn path)."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    confinement = Confinement.set_up()  # while this process is single-threaded (torch starts a thread)
    import torch  # noqa: F401  (warm: every worker forked from here has it)

    preload()
    serve(sock, confinement)
    os._exit(0)


def preload(modules: tuple[str, ...] = ()) -> None:
    """Import what workers need, the probe modules ``modules`` included, so each fork starts
    with it (imports only: no torch op)."""
    import grader.isolation.worker  # noqa: F401
    from grader.isolation import calls, lazy_dynamo

    calls.load(modules)
    lazy_dynamo.install()  # torch.optim's first step would otherwise import torch._dynamo in every worker


def _load_probe(job: Job) -> None:
    """Import the module of the job's probe here, before the fork: inside the jail the course's
    folder may not be there to import it from. (Importing runs no torch op.)"""
    from grader.isolation import calls

    module = job.probe.partition(":")[0]
    if module in sys.modules:
        return
    try:
        calls.load((module,), root=job.course_root)
    except ImportError:
        pass  # the worker reports it, as it reports any probe it cannot find


if __name__ == "__main__":
    main()
