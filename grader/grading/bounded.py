"""Reading what a student handed in without trusting it: parsing under limits, in a child process.

Nothing a student hands in is parsed, compiled or JSON-decoded by a trusted process itself: a file
of a few megabytes can hold a million statements, and Python's parser then needs gigabytes. The
grader's own readers (the syntax check, the notebook reader, the lesson's look at how a step is
taken) run through ``bounded``: it forks, and the child lowers its address space (``RLIMIT_AS``:
what it holds at the fork plus ``memory_mb``) and its CPU time (``RLIMIT_CPU``) before it calls
the reader; it writes the reader's result back as JSON through a pipe and ends with ``os._exit``
(no atexit handler, no flushed buffer of the parent's). The parent reads at most ``MAX_REPLY``
bytes, waits ``wall_s`` at most, and reaps the child.

The child runs only the grader's code, never the student's: what untrusted bytes can make it do
is use memory and time, which the limits cap. A child that runs out of either, crashes or answers
nothing raises ``TooCostly`` in the parent, which tells the student in its own words.
"""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Callable
from typing import Any

from grader.isolation import procs

MEMORY_MB = 1024     # memory a reader may use above what the process held when it forked
CPU_S = 20           # CPU seconds a reader may use
WALL_S = 60.0        # seconds the parent waits for its answer
MAX_REPLY = 8 << 20  # bytes of answer the parent reads


class TooCostly(Exception):
    """The reader ran out of memory or time, or died, before it had an answer."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why
        """``memory``, ``time`` or ``crashed``."""


def bounded(reader: Callable[..., Any], *args: Any, memory_mb: int = MEMORY_MB, cpu_s: int = CPU_S,
            wall_s: float = WALL_S) -> Any:
    """``reader(*args)`` run in a forked child under limits; its result must be plain JSON data.

    A MemoryError or RecursionError (a nesting too deep to read) in the reader comes back as
    ``TooCostly("memory")``; any other exception is the grader's own fault: a RuntimeError.
    """
    if not hasattr(os, "fork"):  # Windows: a student's own machine, grading their own file
        return _in_process(reader, *args)

    def child() -> bytes:  # limits first, then the reader
        _limit(memory_mb, cpu_s)
        try:
            answer = {"ok": reader(*args)}
        except (MemoryError, RecursionError):
            answer = {"why": "memory"}
        except Exception as exc:  # noqa: BLE001 - the grader's own reader failed: said as the grader's
            answer = {"error": f"{type(exc).__name__}: {exc}"[:2000]}
        return json.dumps(answer).encode()

    data, (code, sig) = procs.fork_and_read(child, most=MAX_REPLY, wall_s=wall_s)
    if sig in (signal.SIGXCPU, signal.SIGKILL):
        raise TooCostly("time")
    try:
        answer = json.loads(data) if data and len(data) <= MAX_REPLY else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not ({"ok", "why", "error"} & set(answer)):
        raise TooCostly("memory" if code else "crashed")
    if "error" in answer:
        raise RuntimeError(f"{getattr(reader, '__qualname__', reader)} failed: {answer['error']}")
    if "why" in answer:
        raise TooCostly(str(answer["why"]))
    return answer["ok"]


def _in_process(reader: Callable[..., Any], *args: Any) -> Any:
    """``reader(*args)`` here, where no child can be forked; its errors as ``bounded`` reports them."""
    try:
        return json.loads(json.dumps(reader(*args)))
    except (MemoryError, RecursionError):
        raise TooCostly("memory") from None


def _limit(memory_mb: int, cpu_s: int) -> None:
    """Lower this process's limits: address space (what it maps now, plus ``memory_mb``) and CPU.
    Without /proc (macOS, which does not enforce RLIMIT_AS anyway) only the CPU is limited."""
    import resource  # POSIX only, as fork is

    try:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * resource.getpagesize()
    except (OSError, ValueError, IndexError):
        mapped = None
    if mapped is not None:
        cap = mapped + (memory_mb << 20)
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            cap = min(cap, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    used = resource.getrusage(resource.RUSAGE_SELF)
    spent = int(used.ru_utime + used.ru_stime)  # a forked child starts its count at zero, but be sure
    soft, hard = resource.getrlimit(resource.RLIMIT_CPU)
    want = spent + cpu_s
    resource.setrlimit(resource.RLIMIT_CPU, (want if hard == resource.RLIM_INFINITY else min(want, hard),
                                             want + 1 if hard == resource.RLIM_INFINITY else hard))
