"""A memory and process limit on a worker *and everything it starts*, where the machine allows it.

``setrlimit`` (``grader.isolation.jail``) bounds each process alone: a worker could split
its memory over children, or hold it in ``memfd`` files no process shows as
resident. A control group counts it all. Where this process may create
cgroups — root with cgroup v1's ``memory`` and ``pids`` controllers, or a
cgroup v2 tree whose ``cgroup.subtree_control`` already hands those down —
each worker gets its own, under one folder per fork server::

    <our memory cgroup>/grader-<server id>/w<n>     memory.limit_in_bytes | memory.max
    <our pids cgroup>/grader-<server id>/w<n>       pids.max

The worker moves itself in before it runs any student code; the fork server
reads the OOM-kill count while it watches (a kill anywhere in the group ends
the job as ``memory``) and removes the group once the worker is reaped.
Elsewhere ``Cgroups.find()`` returns None and the rlimits stand alone.
"""

from __future__ import annotations

import os
import time

from grader.isolation import procs

ROOT = "/sys/fs/cgroup"
SLACK_MB = 64  # past the memory limit: what the worker's first torch op maps on top of its fork


class Cgroups:
    """The fork server's cgroup folders (one per controller hierarchy it uses)."""

    def __init__(self, memory: str, pids: str | None, v2: bool, name: str):
        self.memory, self.pids, self.v2, self.name = memory, pids, v2, name
        self.count = 0

    @classmethod
    def find(cls, server_id: int) -> Cgroups | None:
        """Folders for this fork server's workers, made now; None where cgroups can't be used."""
        name = f"grader-{server_id}"
        try:
            with open("/proc/self/cgroup") as f:
                lines = [line.rstrip("\n").split(":", 2) for line in f]
        except OSError:
            return None
        v1 = {ctrl: path for _, ctrls, path in lines for ctrl in ctrls.split(",") if ctrls}
        if "memory" in v1 and os.path.isdir(f"{ROOT}/memory"):
            memory = _make(f"{ROOT}/memory{v1['memory']}", name)
            pids = _make(f"{ROOT}/pids{v1['pids']}", name) if "pids" in v1 and os.path.isdir(f"{ROOT}/pids") else None
            return cls(memory, pids, False, name) if memory else None
        unified = next((path for hid, ctrls, path in lines if hid == "0" and not ctrls), None)
        if unified is None or not os.path.exists(f"{ROOT}/cgroup.controllers"):
            return None
        parent = f"{ROOT}{unified}"
        try:
            with open(f"{parent}/cgroup.subtree_control") as f:
                handed_down = f.read().split()
        except OSError:
            return None
        if "memory" not in handed_down:
            return None
        folder = _make(parent, name)
        if folder is None:
            return None
        try:  # this folder holds no process: it may hand the controllers on to each worker's
            _write(f"{folder}/cgroup.subtree_control", " ".join(f"+{c}" for c in ("memory", "pids")
                                                                 if c in handed_down))
        except OSError:
            _remove(folder)
            return None
        return cls(folder, folder if "pids" in handed_down else None, True, name)

    def make(self, memory_mb: int, nproc: int) -> Group | None:
        """A group for the next worker, its limits set; None if it can't be made."""
        self.count += 1
        leaf = f"w{self.count}"
        memory = _make(self.memory, leaf)
        if memory is None:
            return None
        pids = memory if self.v2 else (_make(self.pids, leaf) if self.pids else None)
        group = Group(memory, pids, self.v2)
        try:
            limit = str((memory_mb + SLACK_MB) << 20)
            if self.v2:
                _write(f"{memory}/memory.max", limit)
                _write(f"{memory}/memory.swap.max", "0") if os.path.exists(f"{memory}/memory.swap.max") else None
            else:
                _write(f"{memory}/memory.limit_in_bytes", limit)
            if pids:
                _write(f"{pids}/pids.max", str(nproc))
        except OSError:
            group.remove()
            return None
        return group

    def close(self) -> None:
        for folder in {f for f in (self.memory, self.pids) if f is not None}:
            _remove(folder)


def available() -> bool:
    """Whether this process could give workers cgroups (tried: a folder made and removed)."""
    found = Cgroups.find(os.getpid())
    if found is None:
        return False
    found.close()
    return True


class Group:
    """One worker's cgroup(s)."""

    def __init__(self, memory: str, pids: str | None, v2: bool):
        self.memory, self.pids, self.v2 = memory, pids, v2
        self.kills_at_start = 0

    def enter(self) -> None:
        """Move this process (the new worker, before any student code) into the group."""
        for folder in {f for f in (self.memory, self.pids) if f is not None}:
            _write(f"{folder}/cgroup.procs", "0")

    def oom_kills(self) -> int:
        """How many processes the kernel killed in the group for going over its memory limit."""
        name = "memory.events" if self.v2 else "memory.oom_control"
        try:
            with open(f"{self.memory}/{name}") as f:
                for line in f:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            pass
        return 0

    def remove(self) -> None:
        for folder in {f for f in (self.memory, self.pids) if f is not None}:
            _remove(folder)


def sweep(servers: tuple[int, ...] = (), wait: float = 2.0) -> None:
    """Remove the groups of fork servers that are gone (``kill -9`` gives them no time to clean up),
    first waiting up to ``wait`` seconds for ``servers`` (pids just killed) to be gone.

    Call from the host's PID namespace: a group's name holds its server's pid as seen there."""
    deadline = time.monotonic() + wait
    while any(procs.alive(pid) for pid in servers) and time.monotonic() < deadline:
        time.sleep(0.02)
    _sweep_once()


def _sweep_once() -> None:
    try:
        with open("/proc/self/cgroup") as f:
            lines = [line.rstrip("\n").split(":", 2) for line in f]
    except OSError:
        return
    parents = {f"{ROOT}/{ctrl}{path}" for _, ctrls, path in lines for ctrl in ctrls.split(",")
               if ctrl in ("memory", "pids")}
    parents |= {f"{ROOT}{path}" for hid, ctrls, path in lines if hid == "0" and not ctrls}
    for parent in parents:
        try:
            names = [n for n in os.listdir(parent) if n.startswith("grader-") and n[7:].isdigit()]
        except OSError:
            continue
        for name in names:
            if not procs.alive(int(name[7:])):
                _remove(os.path.join(parent, name))


def _make(parent: str, name: str) -> str | None:
    folder = os.path.join(parent, name)
    try:
        os.mkdir(folder)
    except FileExistsError:
        pass
    except OSError:
        return None
    return folder


def _remove(folder: str) -> None:
    """rmdir a group and its (empty) children; a group with live processes stays."""
    try:
        for child in os.listdir(folder):
            if os.path.isdir(os.path.join(folder, child)):
                _remove(os.path.join(folder, child))
        os.rmdir(folder)
    except OSError:
        pass


def _write(path: str, text: str) -> None:
    with open(path, "w") as f:
        f.write(text)
