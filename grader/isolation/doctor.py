"""``grade doctor``: what isolation this machine gives student code, found by trying it.

A throwaway child enters a real jail (``grader.isolation.jail``) and attacks it from the
inside: it reads its identity and capabilities, connects to a port and an
abstract socket the parent opened, looks for a file the parent hid, counts the
processes it can see, reads its limits and makes system calls the seccomp filter
denies. The parent, not the child, judges each answer: the report says yes only
for what was observed to hold.
"""

from __future__ import annotations

import ctypes
import dataclasses
import errno
import json
import os
import platform
import resource
import socket
import tempfile
from dataclasses import dataclass

from grader.isolation import jail, procs, syscalls

# Denied calls the worker makes, with arguments that do nothing where they are allowed (no such
# process, a no-op, an unknown operation): EPERM is the filter's answer, anything else the kernel's.
PROBED = {"ptrace": (2, 0x3FFFFFFF, 0, 0), "unshare": (0,), "keyctl": (0x7FFF, 0, 0, 0, 0)}
NUMBERS = {"x86_64": {"ptrace": 101, "unshare": 272, "keyctl": 250},
           "aarch64": {"ptrace": 117, "unshare": 97, "keyctl": 219},
           "riscv64": {"ptrace": 117, "unshare": 97, "keyctl": 219}}


@dataclass(frozen=True)
class Availability:
    """Whether the jail can be built here, and why not."""

    ok: bool
    """Whether a worker could enter the jail here."""
    reason: str = ""
    """What failed, when it could not."""


@dataclass(frozen=True)
class Property:
    """One isolation property and whether this machine gives it."""

    name: str
    """One of ``jail.PROPERTIES``."""
    holds: bool
    """Observed to hold, from inside a real worker jail."""
    why: str
    """What was observed, or why it cannot hold here."""
    required: bool = True
    """Whether the jail needs it to isolate student code; the seccomp filter (a defence in
    depth) is reported but not required: grading goes on without it."""


_available: Availability | None = None


def available() -> Availability:
    """Whether a jail can be built on this machine: a throwaway fork tries, once per process."""
    global _available
    if _available is None:
        observed = _observe()
        _available = (Availability(True) if observed.get("entered") else
                      Availability(False, observed.get("error") or "the jail could not be entered"))
    return _available


def report() -> list[Property]:
    """Each property of ``jail.PROPERTIES``, as observed on this machine."""
    observed = _observe()
    entered = bool(observed.get("entered"))
    reason = observed.get("error") or "the jail could not be entered"
    if not entered:
        limits = observed.get("limits") or {}
        limited = all(limits.get(k) for k in ("as", "fsize", "nofile", "cpu"))
        return [
            Property("identity", False, f"no jail ({reason}): student code runs as you (uid {os.geteuid()})"),
            Property("network", False, "student code can reach the network"),
            Property("files", False, "student code can read whatever you can"),
            Property("nothing outlives", False, "a process that leaves its group can outlive its worker"),
            Property("limits", limited, "memory (per process), file size, open files and CPU time are limited "
                     "(setrlimit); the number of processes is not" if limited else f"setrlimit failed: {limits}"),
            Property("results", False, "student code could reach the results folder"),
            _syscalls(observed),
        ]
    o = observed
    identity = (o["uid"] != 0 and o["cap_eff"] == 0 and o["cap_bnd"] == 0 and o["no_new_privs"]
                and o["uid"] != os.geteuid())
    if os.geteuid() != 0:  # a user namespace maps the caller: the same uid, no capabilities
        identity = o["cap_eff"] == 0 and o["cap_bnd"] == 0 and o["no_new_privs"] and o["pid"] == 1
    network = not o["tcp"] and not o["abstract"]
    files = not o["canary"] and o["procs"] <= 2
    outlives = o["pid"] == 1
    limits = all(o["limits"].get(k) for k in ("as", "nproc", "fsize", "nofile", "cpu"))
    who = (f"uid {o['uid']}, its own" if os.geteuid() == 0 else "your uid in a user namespace of its own")
    return [
        Property("identity", identity, f"{who}; capabilities {o['cap_eff']:#x}, bounding set {o['cap_bnd']:#x}, "
                 f"no_new_privs {o['no_new_privs']}"),
        Property("network", network, "a fresh network namespace: "
                 + ("127.0.0.1 and the grader's sockets are out of reach" if network else
                    f"reached 127.0.0.1: {o['tcp']}, an abstract socket: {o['abstract']}")),
        Property("files", files, "its own root: system and Python read-only, a private /tmp"
                 if files else f"saw a hidden file: {o['canary']}, "
                 f"{o['procs']} processes"),
        Property("nothing outlives", outlives, "PID 1 of its own PID namespace: its processes die with it"
                 if outlives else f"pid {o['pid']}: not the init of its own PID namespace"),
        Property("limits", limits, "address space, processes, file size, open files, CPU time (setrlimit); "
                 f"/tmp is {jail.SCRATCH_MB} MB; "
                 + ("the memory and processes of all its processes together (a cgroup)" if _cgroups()
                    else "no cgroup here: memory is limited per process only")),
        Property("results", network and files, "results are written by the grader, outside the jail, "
                 "after the worker is gone" if network and files else "the worker could reach the grader's files"),
        _syscalls(o),
    ]


def _syscalls(o: dict) -> Property:
    """The seccomp filter, judged by what the denied calls the worker made returned."""
    seen = o.get("syscalls") or {}
    holds = bool(seen) and all(v == "EPERM" for v in seen.values())
    tried = ", ".join(f"{name} {seen[name]}" for name in seen) or "not tried (unknown architecture)"
    if holds:
        names = list(seen)
        listed = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
        why = f"a seccomp filter: {listed} failed with EPERM from inside, as the other calls grading never needs do"
    else:
        why = (f"no seccomp filter: {o.get('filter') or 'it did not deny what it should'}; from inside, {tried}. "
               "Grading works without it (it is a defence in depth)")
    return Property("syscalls", holds, why, required=False)


def _cgroups() -> bool:
    from grader.isolation import cgroups

    return cgroups.available()


def render(properties: list[Property]) -> str:
    lines = ["Isolation of student code on this machine:"]
    width = max(len(p.name) for p in properties)
    for p in properties:
        lines.append(f"  {'yes' if p.holds else 'no ':3}  {p.name.ljust(width)}  {p.why}")
    if all(p.holds for p in properties if p.required):
        lines.append("Every worker runs in the jail.")
    else:
        lines.append("Student code is not fully isolated here: `grade exercise-N` warns, and `grade batch` "
                     "and the Gradescope autograder refuse to run without --allow-unsandboxed.")
    return "\n".join(lines)


def _observe() -> dict:
    """Fork, enter the jail, look around; the child's findings as plain JSON."""
    hidden_dir = tempfile.mkdtemp(prefix="grader-doctor-")
    canary = os.path.join(hidden_dir, "canary")
    with open(canary, "w") as f:
        f.write("secret")
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    abstract = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    name = f"grader-doctor-{os.getpid()}-{os.urandom(4).hex()}"
    abstract.bind("\0" + name)
    abstract.listen(1)
    try:
        raw, _ = procs.fork_and_read(lambda: json.dumps(_inside(hidden_dir, canary, port, name)).encode())
    finally:
        listener.close()
        abstract.close()
        os.unlink(canary)
        os.rmdir(hidden_dir)
    try:
        return json.loads(raw)
    except ValueError:
        return {"entered": False, "error": "the jail's test process died before it could answer"}


def _inside(hidden_dir: str, canary: str, port: int, name: str) -> dict:
    """Runs in the throwaway child: become a fork server, fork a jailed worker, and let it try
    what a student might (the worker's findings come back through this process)."""
    limits = jail.Limits(memory_mb=1024, cpu_seconds=60)
    def look() -> bytes:  # in the jailed worker
        try:
            jail.enter(plan, limits, own=(), hidden=(hidden_dir,))
            found = _look_around(canary, port, name)
        except (jail.JailError, OSError) as exc:
            found = _unjailed(str(exc), limits)
        return json.dumps(found).encode()

    try:
        jail.prepare_server()
        plan = jail.make_plan(hidden=(hidden_dir,))
        raw, _ = procs.fork_and_read(look, fork=jail.fork_worker)
    except (jail.JailError, OSError) as exc:
        return _unjailed(str(exc), limits)
    try:
        return json.loads(raw)
    except ValueError:
        return {"entered": False, "error": "the jailed test process died before it could answer"}


def _unjailed(error: str, limits: jail.Limits) -> dict:
    try:
        jail.set_limits(dataclasses.replace(limits, nproc=0))  # as an unjailed worker has them
        jail.prctl(jail.PR_SET_NO_NEW_PRIVS, 1)
    except (OSError, ValueError, jail.JailError):
        pass
    jail.filter_syscalls()  # as an unjailed worker loads it
    return {"entered": False, "error": error, "limits": _limits(), "syscalls": _denied(),
            "filter": syscalls.problem}


def _look_around(canary: str, port: int, name: str) -> dict:
    status = {}
    with open("/proc/self/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            status[key] = value.strip()
    return {
        "entered": True,
        "uid": os.geteuid(),
        "pid": os.getpid(),
        "cap_eff": int(status.get("CapEff", "0"), 16),
        "cap_bnd": int(status.get("CapBnd", "0"), 16),
        "no_new_privs": status.get("NoNewPrivs") == "1",
        "tcp": _connects(socket.AF_INET, ("127.0.0.1", port)),
        "abstract": _connects(socket.AF_UNIX, "\0" + name),
        "canary": os.path.exists(canary),
        "procs": sum(1 for d in os.listdir("/proc") if d.isdigit()),
        "limits": _limits(),
        "syscalls": _denied(),
        "filter": syscalls.problem,
    }


def _denied() -> dict:
    """{call: "EPERM", another errno's name, or "ok"} for each call of ``PROBED``."""
    numbers = NUMBERS.get(platform.machine(), {})
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    seen = {}
    for name, args in PROBED.items():
        if name in numbers:
            done = libc.syscall(ctypes.c_long(numbers[name]), *map(ctypes.c_long, args))
            err = ctypes.get_errno()
            seen[name] = "ok" if done >= 0 else errno.errorcode.get(err, str(err))
    return seen


def _connects(family, address) -> bool:
    try:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(2)
            s.connect(address)
        return True
    except OSError:
        return False


def _limits() -> dict:
    def set_(which):
        return resource.getrlimit(which)[1] != resource.RLIM_INFINITY

    return {"as": set_(resource.RLIMIT_AS), "nproc": set_(resource.RLIMIT_NPROC),
            "fsize": set_(resource.RLIMIT_FSIZE), "nofile": set_(resource.RLIMIT_NOFILE),
            "cpu": set_(resource.RLIMIT_CPU)}
