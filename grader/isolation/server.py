"""The fork server: a warm process that forks a worker per submission and watches it.

Shape of a grading run::

    judge (pytest + checks)  --socket-->  zygote  --fork-->  worker (student code)

The zygote has imported torch but never run a torch op (OpenMP thread pools and
CUDA do not survive ``fork``), so each worker starts in milliseconds with torch
ready. A worker runs one submission's jobs (probe calls) one after another,
putting back before each what the last one changed (``grader.isolation.worker``); the
first job that fails in any way ends it, and the next job gets a fresh fork.
The zygote puts each worker in its own process group, watches its output and its
results through pipes, and kills the whole group when a job runs too long, uses
too much memory or prints too much (``grader.isolation.session``). It never holds a
student's code, results or output: it splices them from the judge's socket to the worker's
pipe and back (``grader.isolation.relay``), so no later worker, a fork of it, inherits them.
The judge decodes what a worker sent, with ``grader.isolation.wire``.

What a job and a reply are, and how they are framed, is ``grader.isolation.protocol``.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time

from grader.isolation import procs
from grader.isolation.procs import die_with_parent
from grader.isolation import relay
from grader.isolation.protocol import CRASHED, EXITED, WorkerReply, recv_header, send_message
from grader.isolation.session import SCRATCH_PREFIX, Session

IDLE_END = 5.0  # seconds without a job after which a session's worker is ended anyway
REQUEST_LIMIT = 32 << 10    # a later job larger than this (never, in practice) gets a new worker


def serve(sock: socket.socket) -> None:
    """Answer job requests until the judge hangs up.

    Jobs for the same submission (same code, module, device, user) go to the
    same worker, one after another: a *session*. Forking a process the size of
    torch costs more than most probes, and a worker resets what a call may
    have changed before the next one (see ``grader.isolation.worker``). A worker that
    fails in any way (time, memory, output, exit, crash, garbled result) is
    killed with its process group, and the next job gets a fresh one. A judge
    ends a session with ``{"end": true}`` when it is done with a submission.

    A job's header is read here; its payload (the submission's own part) is spliced on to a fresh
    worker, or dropped unread when the session's worker already has it.
    """
    die_with_parent()  # the socket closing ends it too; this also covers a judge stuck elsewhere
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the judge's to handle
    setup_isolation()
    session: Session | None = None
    try:
        while True:
            if session is not None and not select.select([sock], [], [], IDLE_END)[0]:
                session = session.end()
                continue
            request = recv_header(sock)
            if request is None:
                return
            if request.get("end"):
                relay.discard(sock.fileno(), request["payload"])
                session = session.end() if session else None
                send_message(sock, {"ended": True})
                continue
            session, reply = supervise(request, session, sock)
            if reply is None:
                send_message(sock, {"again": True})
            else:
                send_message(sock, {k: v for k, v in reply.__dict__.items() if k != "payload"})
    finally:
        if session is not None:
            session.end()
        if cgroups is not None:
            cgroups.close()


# ---------------------------------------------------------------- isolation

UNSET = "unjailed: the fork server has not set up isolation"
isolation = UNSET
_plans: dict = {}


def setup_isolation() -> None:
    """Become a fork server of jailed workers, if this machine allows it (``grader.isolation.jail``); else
    workers run with resource limits only, and every reply says so. Call while single-threaded."""
    global isolation
    from grader.isolation import jail

    if isolation != UNSET:
        return
    from grader.isolation import cgroups as control_groups

    control_groups.sweep()  # here, while this process still sees the host's pids
    _sweep_scratch()
    try:
        jail.prepare_server()
        problem = jail.trial(plan_for({}))
    except jail.JailError as exc:
        problem = str(exc)
    isolation = "jail" if problem is None else f"unjailed: {problem}"
    global cgroups
    cgroups = control_groups.Cgroups.find(jail.server_id or os.getpid())


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


cgroups = None  # the fork server's cgroups (``grader.isolation.cgroups``), where the machine allows them


def plan_for(request: dict):
    """The jail plan for a request's hidden paths and device (made once, then reused)."""
    from grader.isolation import jail

    key = (tuple(request.get("hidden") or ()), request.get("device", "cpu"))
    if key not in _plans:
        _plans[key] = jail.make_plan(hidden=key[0], device=key[1])
    return _plans[key]


def supervise(request: dict, session: Session | None,
              sock: socket.socket) -> tuple[Session | None, WorkerReply | None]:
    """Run ``request`` (a job's header; its payload still in ``sock``) in ``session``'s worker if it is
    the same submission's, else in a fresh one; watch it and report what became of it. Returns the
    session to use next (None once its worker is gone) and the reply, or None: the judge must send
    the job again, for a fresh worker."""
    key = str(request.get("session", ""))
    small = {"probe": request["probe"], "params": request["params"]}
    encoded = json.dumps(small).encode()
    if session is not None and (session.key != key or len(encoded) > REQUEST_LIMIT):
        session = session.end()
    started = time.monotonic()
    reused = session is not None
    if session is None:
        session = _start(request, key)
        # A worker that cannot take its code or job is gone already: watch reads why (its setup pipe).
        session.relay_code(sock, request["payload"])
        session.send(encoded, fresh=True)
    else:
        relay.discard(sock.fileno(), request["payload"])  # its worker has the code already
        if not session.send(encoded):
            session.end()
            return None, None  # it ended between jobs: a fresh worker, which needs the code again
    reply, keep = session.watch(request, started, sock)
    if not keep:
        session = session.end()
    if reused and reply.status in (EXITED, CRASHED) and not reply.output_bytes:
        # A reused worker that ended without a word may have ended *after* its last job (code that
        # exits once it has returned): this job is not the one to blame. It runs again, fresh;
        # if it was this job's doing after all, the fresh worker ends the same way.
        return None, None
    return session, reply


def _start(request: dict, key: str) -> Session:
    """A fresh worker for ``request``: jailed if this fork server can, in a cgroup if it has them."""
    from grader.isolation import jail

    _load_probe(request)
    plan = plan_for(request) if isolation == "jail" else None
    group = None
    if cgroups is not None and request.get("device", "cpu") == "cpu":
        group = cgroups.make(int(request.get("memory_mb", 2048)), jail.NPROC)
    setup = {k: request[k] for k in SETUP_KEYS if k in request}
    return Session.start(setup, key, plan=plan, group=group, isolation=isolation)


SETUP_KEYS = ("device", "timeout", "memory_mb", "hidden", "course_root")
"""What a worker gets from its job's header (the rest of its job comes through its pipe)."""


def main() -> None:
    """``python -m grader.isolation.server FD``: serve on an inherited socket (the spawn path)."""
    sock = socket.socket(fileno=int(sys.argv[1]))
    setup_isolation()  # while this process is single-threaded (torch starts a thread)
    import torch  # noqa: F401  (warm: every worker forked from here has it)

    preload()
    serve(sock)
    os._exit(0)


def preload(modules: tuple[str, ...] = ()) -> None:
    """Import what workers need, the probe modules ``modules`` included, so each fork starts
    with it (imports only: no torch op)."""
    import grader.isolation.worker  # noqa: F401
    from grader.isolation import calls, lazy_dynamo

    calls.load(modules)
    lazy_dynamo.install()  # torch.optim's first step would otherwise import torch._dynamo in every worker


def _load_probe(request: dict) -> None:
    """Import the module of the job's probe here, before the fork: inside the jail the course's
    folder may not be there to import it from. (Importing runs no torch op.)"""
    from grader.isolation import calls

    module = str(request.get("probe", "")).partition(":")[0]
    if module in sys.modules:
        return
    try:
        calls.load((module,), root=request.get("course_root"))
    except ImportError:
        pass  # the worker reports it, as it reports any probe it cannot find


if __name__ == "__main__":
    main()
