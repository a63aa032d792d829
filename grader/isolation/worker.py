"""What runs inside a worker: load the submission, run its probes, send plain data back.

This module runs in the forked worker only. The student's code runs here, so
nothing here is trusted by the judge: the result goes back as ``grader.isolation.wire``
bytes, and the judge checks them.
"""

from __future__ import annotations

import contextlib
import dataclasses
import linecache
import os
import shutil
import sys
import traceback
import types
from typing import Any

from grader.isolation import calls, jail, maths, wire
from grader.isolation.procs import die_with_parent
from grader.isolation.protocol import Chunk, ErrorKind, Job, frame, read_message, with_call, with_own_part

TRACEBACK_FRAMES = 8


def serve_jobs(job: Job, request_fd: int, result_fd: int, setup_fd: int, *, plan: jail.Plan | None,
               scratch: str, server: int | None) -> None:
    """Read the submission's own part from ``request_fd`` (its code, module, folder and files, as the
    judge sent them: the fork server only spliced them on) into ``job`` (as the fork server knows it),
    enter the jail (``plan``; None: limits only, and ``server`` is the fork server's pid, to die with)
    with the job's limits, say so on ``setup_fd`` and close it; then, in the working folder
    ``scratch``, run each job the fork server sends on ``request_fd`` (a message ``{"probe", "params"}``),
    writing each outcome to ``result_fd``; exit when the fork server closes the pipe. Never returns.

    Until ``setup_fd`` is closed only the grader's code has run here, so what it says there is the
    trusted side's word: a jail that could not be built is the grader's failure, reported by the
    fork server. Nothing the student's code sends later can claim that."""
    try:
        own = read_message(request_fd)
        if own is None:
            raise ValueError("the worker's code never came")
        job = with_own_part(job, own)
        filenames = {chunk.filename for chunk in job.chunks}
        _confine(job, plan, server)
        _isolate(job.folder, scratch)
        fresh = _Fresh(job, scratch, jailed=plan is not None)
    except BaseException as exc:  # noqa: BLE001 - the grader's failure, never the student's
        with contextlib.suppress(OSError):
            os.write(setup_fd, b"!" + f"{type(exc).__name__}: {exc}".encode(errors="replace")[:2000])
        os._exit(0)
    os.write(setup_fd, b"+")
    os.close(setup_fd)
    call = read_message(request_fd)
    while call is not None:
        try:
            outcome = {"ok": _run(with_call(job, call))}
        except BaseException as exc:  # noqa: BLE001 - SystemExit and KeyboardInterrupt are the student's too
            outcome = {"error": describe_error(exc, filenames)}
        _send(result_fd, outcome)
        try:
            fresh.reset()
        except BaseException:  # noqa: BLE001 - never seen; then the next job gets a fresh worker
            os._exit(0)
        call = read_message(request_fd)
    os._exit(0)


def _send(result_fd: int, outcome: dict) -> None:
    """One result: the fork server's frame marker, its length, then ``grader.isolation.wire`` bytes."""
    try:
        data = wire.encode(outcome)
    except Exception as exc:  # noqa: BLE001 - a value the probe could not send
        data = wire.encode({"error": {"kind": ErrorKind.UNSENDABLE.value, "type": type(exc).__name__,
                                      "message": str(exc), "traceback": ""}})
    # What this job printed goes out before its result, so the fork server counts it as this job's.
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:  # noqa: BLE001 - the student's code may have replaced or closed it
            pass
    view = memoryview(frame(data))
    while view:
        view = view[os.write(result_fd, view):]


class _Fresh:
    """Puts back, after each job, what the student's code may have changed, so the next job
    sees what it would in a newly forked worker: the module is executed anew, modules the
    submission imported from its folder are imported anew, and torch's and Python's global
    settings, random states, the environment, ``sys.path`` and the working folder are as they
    were when the worker started."""

    def __init__(self, job: Job, scratch: str, jailed: bool = False):
        import random

        import torch

        # One thread: the judge (and, in a batch, other judges and workers) share the
        # cores, and OpenMP threads spinning against each other can be 10x slower.
        torch.set_num_threads(1)
        maths.configure(job.device)
        self.folder = os.path.realpath(job.folder) + os.sep if job.folder else None
        self.scratch, self.device = scratch, job.device
        self.jailed = jailed
        self.seed = torch.initial_seed()
        self.random = random.getstate()
        self.environ = dict(os.environ)
        self.path = list(sys.path)
        self.modules = set(sys.modules)
        self.dtype = torch.get_default_dtype()

    def reset(self) -> None:
        import random

        import torch

        for name in [n for n in sys.modules if n not in self.modules and self._students(n)]:
            del sys.modules[name]
        sys.path[:] = self.path
        if os.environ != self.environ:
            os.environ.clear()
            os.environ.update(self.environ)
        os.makedirs(self.scratch, exist_ok=True)  # the student's code may have removed it
        _empty(self.scratch)
        os.chdir(self.scratch)
        if self.jailed:
            _empty("/dev/shm")  # the jail's own: nothing passes from job to job
        random.setstate(self.random)
        torch.manual_seed(self.seed)
        torch.set_default_dtype(self.dtype)
        torch.set_grad_enabled(True)
        torch.autograd.set_detect_anomaly(False)
        torch.set_default_device(None)
        torch.set_num_threads(1)
        maths.configure(self.device)

    def _students(self, name: str) -> bool:
        """A module the submission imported from its own folder (a helper of the student's), not a
        part of a package already loaded (torch's lazily imported submodules stay) nor an
        installed package (a virtual environment may live in that folder)."""
        module = sys.modules.get(name)
        if module is None:
            return True
        file = getattr(module, "__file__", None)
        if self.folder is None or not isinstance(file, str) or name.partition(".")[0] in self.modules:
            return False
        real = os.path.realpath(file)
        return real.startswith(self.folder) and "site-packages" not in real and "dist-packages" not in real


def _empty(folder: str) -> None:
    """Remove what ``folder`` holds, best effort; mount points under it (the jail's copy of the
    student's own files may sit under /tmp) stay."""
    for entry in os.listdir(folder):
        target = os.path.join(folder, entry)
        if os.path.ismount(target) or _holds_mount(target):
            continue
        if os.path.isdir(target) and not os.path.islink(target):
            shutil.rmtree(target, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                os.unlink(target)


def _holds_mount(path: str) -> bool:
    """Whether a mount point (the jail's copy of the student's files) lies under ``path``."""
    prefix = path.rstrip("/") + "/"
    try:
        with open("/proc/self/mounts") as f:
            return any(line.split()[1].startswith(prefix) for line in f)
    except (OSError, IndexError):
        return False


def _confine(job: Job, plan: jail.Plan | None, server: int | None) -> None:
    """The jail (``grader.isolation.jail``) with this submission's own files and limits; where the
    machine allows no jail, the same limits and ``no_new_privs`` at least, and death with the fork
    server ``server``."""
    limits = jail.Limits(
        # CUDA reserves far more address space than it ever uses: no address-space limit there.
        memory_mb=job.memory_mb if job.device == "cpu" else 0,
        cpu_seconds=int(job.timeout * jail.CPU_BUDGET) + 60)
    if plan is not None:
        jail.enter(plan, limits, own=job.own, hidden=job.hidden)
        return
    die_with_parent(server)
    try:
        # No process limit here: outside its own user namespace it would count all of the user's
        # processes, and a desktop has more than a worker may start.
        jail.set_limits(dataclasses.replace(limits, nproc=0))
        jail.prctl(jail.PR_SET_NO_NEW_PRIVS, 1)
    except (OSError, ValueError, jail.JailError):
        pass  # not Linux: the fork server's own time, memory and output limits still hold
    jail.filter_syscalls()  # last: the seccomp filter, where libseccomp can be had (never raises)


def _isolate(folder: str | None, scratch: str) -> None:
    """No cwd or script folder on sys.path; the submission's folder last, never first; the
    scratch folder (which the fork server removes afterwards) as the working directory."""
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    if folder:
        sys.path.append(folder)
    os.chdir(scratch)


def _run(job: Job) -> Any:
    probe = calls.resolve(job.probe)
    module = load_module(job.module, job.chunks)
    function = getattr(module, probe.calls, None)
    if function is None:
        raise MissingFunction(probe.calls)
    if not callable(function):
        raise MissingFunction(probe.calls, type(function).__name__)
    return probe(function, device=job.device, **job.params)


class MissingFunction(Exception):
    """The submission does not define the function a check needs."""

    def __init__(self, name: str, found: str | None = None):
        super().__init__(name)
        self.name, self.found = name, found


def load_module(name: str, chunks: tuple[Chunk, ...]) -> types.ModuleType:
    """Execute the submission's code chunks, in order, as one module."""
    module = types.ModuleType(name)
    module.__file__ = chunks[0].filename if chunks else name
    sys.modules[name] = module
    for chunk in chunks:
        source, filename = chunk.source, chunk.filename
        # So that tracebacks can show the student's lines, notebooks included.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec", dont_inherit=True)
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            exc.grader_stage = ErrorKind.IMPORT  # type: ignore[attr-defined]
            raise
    return module


def _out_of_memory(message: str) -> bool:
    return "can't allocate memory" in message or "not enough memory" in message


def describe_error(exc: BaseException, filenames: set[str]) -> dict[str, Any]:
    """Plain data about an exception, its traceback trimmed to the student's frames."""
    if isinstance(exc, MissingFunction):
        return {"kind": ErrorKind.MISSING.value, "type": "", "message": exc.name, "found": exc.found or "",
                "traceback": ""}
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename in filenames][-TRACEBACK_FRAMES:]
    if isinstance(exc, SyntaxError) and exc.filename in filenames:
        kind = ErrorKind.SYNTAX
    elif isinstance(exc, SystemExit):
        kind = ErrorKind.EXIT
    elif getattr(exc, "grader_stage", None) == ErrorKind.IMPORT:
        kind = ErrorKind.IMPORT
    elif isinstance(exc, NotImplementedError) and own:
        kind = ErrorKind.NOT_IMPLEMENTED
    elif isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and _out_of_memory(str(exc))):
        kind = ErrorKind.MEMORY  # the jail's hard memory limit (address space) refused an allocation
    else:
        kind = ErrorKind.EXCEPTION
    lines = traceback.format_list(own)
    message = str(exc) if not isinstance(exc, SystemExit) else repr(exc.code)
    if kind == ErrorKind.SYNTAX:
        lines = traceback.format_exception_only(type(exc), exc)[:-1]
    described: dict[str, Any] = {
        "kind": kind.value,
        "type": type(exc).__name__,
        "message": message[:4000],
        "traceback": "".join(lines)[:8000],
        "in_student_code": bool(own),
    }
    if isinstance(exc, ModuleNotFoundError) and exc.name and frames and frames[-1].filename in filenames:
        # The student's own import of a module that is not there (Python leaves importlib's frames
        # out): not one that a module they import fails on inside.
        described["module"] = str(exc.name)[:200]
    return described
