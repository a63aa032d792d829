"""What runs inside a worker: load the submission, run one probe, send plain data back.

This module runs in the forked worker only. The student's code runs here, so
nothing here is trusted by the judge: the result goes back as ``grader.wire``
bytes, and the judge checks them.
"""

from __future__ import annotations

import linecache
import os
import sys
import traceback
import types

from grader import numerics, probes, wire

TRACEBACK_FRAMES = 8


def run_job(request: dict, result_fd: int) -> None:
    """Run ``request`` and write the outcome to ``result_fd``; never returns."""
    filenames = {chunk["filename"] for chunk in request["chunks"]}
    try:
        _drop_privileges(request.get("user"), request["scratch"])
        _isolate(request.get("folder"), request["scratch"])
        outcome = {"ok": _run(request)}
    except BaseException as exc:  # SystemExit and KeyboardInterrupt are the student's too
        outcome = {"error": describe_error(exc, filenames, request)}
    try:
        data = wire.encode(outcome)
    except Exception as exc:  # noqa: BLE001 - a value the probe could not send
        data = wire.encode({"error": {"kind": "unsendable", "type": type(exc).__name__,
                                      "message": str(exc), "traceback": ""}})
    view = memoryview(data)
    while view:
        view = view[os.write(result_fd, view):]
    os.close(result_fd)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def _drop_privileges(user: str | None, scratch: str) -> None:
    """Run the student's code as ``user`` (``GRADER_WORKER_USER``), so it cannot read the
    grader's own files (solutions, hidden checks) where the grader runs as root."""
    if not user:
        return
    import pwd

    entry = pwd.getpwnam(user)
    os.chown(scratch, entry.pw_uid, entry.pw_gid)
    if os.getuid() != entry.pw_uid:
        os.setgroups([])
        os.setgid(entry.pw_gid)
        os.setuid(entry.pw_uid)
    os.environ["HOME"] = scratch


def _isolate(folder: str | None, scratch: str) -> None:
    """No cwd or script folder on sys.path; the submission's folder last, never first; the
    scratch folder (which the zygote removes afterwards) as the working directory."""
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    if folder:
        sys.path.append(folder)
    os.chdir(scratch)


def _run(request: dict):
    import torch

    # One thread: the judge (and, in a batch, other judges and workers) share the
    # cores, and OpenMP threads spinning against each other can be 10x slower.
    torch.set_num_threads(1)
    numerics.configure(request["device"])
    probe = probes.resolve(request["probe"])
    module = load_module(request["module"], request["chunks"])
    function = getattr(module, probe.calls, None)
    if function is None:
        raise MissingFunction(probe.calls)
    if not callable(function):
        raise MissingFunction(probe.calls, type(function).__name__)
    return probe(function, device=request["device"], **request["params"])


class MissingFunction(Exception):
    """The submission does not define the function a check needs."""

    def __init__(self, name: str, found: str | None = None):
        super().__init__(name)
        self.name, self.found = name, found


def load_module(name: str, chunks: list[dict]) -> types.ModuleType:
    """Execute the submission's code chunks, in order, as one module."""
    module = types.ModuleType(name)
    module.__file__ = chunks[0]["filename"] if chunks else name
    sys.modules[name] = module
    for chunk in chunks:
        source, filename = chunk["source"], chunk["filename"]
        # So that tracebacks can show the student's lines, notebooks included.
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        code = compile(source, filename, "exec", dont_inherit=True)
        try:
            exec(code, module.__dict__)
        except BaseException as exc:
            exc.grader_stage = "import"
            raise
    return module


def describe_error(exc: BaseException, filenames: set[str], request: dict) -> dict:
    """Plain data about an exception, its traceback trimmed to the student's frames."""
    if isinstance(exc, MissingFunction):
        return {"kind": "missing", "type": "", "message": exc.name, "found": exc.found or "", "traceback": ""}
    frames = traceback.extract_tb(exc.__traceback__)
    own = [f for f in frames if f.filename in filenames][-TRACEBACK_FRAMES:]
    if isinstance(exc, SyntaxError) and exc.filename in filenames:
        kind = "syntax"
    elif isinstance(exc, SystemExit):
        kind = "exit"
    elif getattr(exc, "grader_stage", None) == "import":
        kind = "import"
    elif isinstance(exc, NotImplementedError) and own:
        kind = "not_implemented"
    else:
        kind = "exception"
    lines = traceback.format_list(own)
    message = str(exc) if not isinstance(exc, SystemExit) else repr(exc.code)
    if kind == "syntax":
        lines = traceback.format_exception_only(type(exc), exc)[:-1]
    return {
        "kind": kind,
        "type": type(exc).__name__,
        "message": message[:4000],
        "traceback": "".join(lines)[:8000],
        "in_student_code": bool(own),
    }
