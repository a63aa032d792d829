"""The worker's seccomp filter: the system calls grading never needs fail with EPERM.

Defence in depth under the jail (``grader.isolation.jail``): the namespaces already keep a
worker from using most of these calls for anything, but each is a way into the kernel, and a
kernel bug reached through one would be a way out. With the filter loaded, these calls never
reach the code that could hold the bug: debugging and reading other processes (ptrace,
process_vm_*), bpf, perf_event_open, the keyrings, userfaultfd, io_uring, mounts and namespaces
(``clone`` with a namespace flag too: it is unshare by another door), handles to files by
number, kernel modules and kexec. A denied call fails with EPERM instead of killing the
worker, so student code that tries one sees an ordinary ``PermissionError``. A call made
through another architecture's entry (x86's ``int 0x80``) is not let through either:
libseccomp's filter kills the process that tries one (its default for a foreign architecture).

The filter is built by libseccomp, through its Python binding: libseccomp's own (``seccomp``,
as Debian's python3-seccomp installs it) where there is one, else ``pyseccomp`` (the
``seccomp`` extra: a ctypes binding with the same API). Where neither the binding nor
libseccomp can be had, or ``GRADER_NO_SECCOMP`` is set, workers run without the filter and
``grade doctor`` says so; nothing else changes.
"""

from __future__ import annotations

import errno
import importlib
import os

DENIED = (
    "ptrace", "process_vm_readv", "process_vm_writev", "bpf", "perf_event_open",
    "add_key", "request_key", "keyctl", "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
    "mount", "umount2", "pivot_root", "unshare", "setns", "open_by_handle_at",
    "fsopen", "fsconfig", "fsmount", "fspick", "move_mount", "open_tree", "mount_setattr",  # the new mount API
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
)
# clone's flags that make namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET).
# CLONE_NEWTIME shares its bit with clone's exit signal: only clone3 and unshare take it.
CLONE_NAMESPACES = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
# clone3 passes its flags in memory, which a filter cannot read: it answers "no such call", and the
# C library falls back to clone, whose flags the filter can see (Docker's and systemd's filters do this).
NOT_THERE = ("clone3",)
INSTALL = "pip install 'optim-grader[seccomp]' (and Debian's libseccomp2)"

_binding = None     # the binding's module once imported, or why there is none (a sentence)
problem: str | None = "the seccomp filter was never loaded in this process"
"""Why this process has no filter (None once ``filter_syscalls`` loaded it)."""


def binding():
    """libseccomp's Python binding, or a sentence saying why it cannot be had. Imported once per
    process: the fork server calls this before it forks, so no worker pays the import (which
    looks libseccomp up with ``ldconfig``), and the switch is read before a jail clears the
    environment."""
    global _binding
    if _binding is None:
        _binding = _import()
    return _binding


def _import():
    if os.environ.get("GRADER_NO_SECCOMP"):
        return "the seccomp filter is turned off here (GRADER_NO_SECCOMP is set)"
    reasons = []
    for name in ("seccomp", "pyseccomp"):
        try:
            return importlib.import_module(name)
        except ImportError as exc:
            reasons.append(f"{name}: {exc}")
        except (OSError, RuntimeError) as exc:  # pyseccomp raises when libseccomp is not installed
            reasons.append(f"{name}: {exc}")
    return f"no binding of libseccomp could be imported ({'; '.join(reasons)}); {INSTALL}"


def filter_syscalls() -> str | None:
    """Load the filter into this process and everything it starts; None once it is loaded, else
    why not (grading goes on without it). Sets ``no_new_privs`` on the way, as seccomp requires
    of a process without privileges. Call it last, when the worker needs none of these calls."""
    global problem
    seccomp = binding()
    if isinstance(seccomp, str):
        problem = seccomp
        return problem
    try:
        rules = seccomp.SyscallFilter(seccomp.ALLOW)
        deny = seccomp.ERRNO(errno.EPERM)
        for name in DENIED:
            _add(seccomp, rules, deny, name)
        for flag in CLONE_NAMESPACES:
            rules.add_rule(deny, "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
        for name in NOT_THERE:
            _add(seccomp, rules, seccomp.ERRNO(errno.ENOSYS), name)
        rules.load()
    except (OSError, RuntimeError, ValueError) as exc:
        problem = f"the seccomp filter could not be loaded: {exc}"
        return problem
    problem = None
    return None


def _add(seccomp, rules, action: int, name: str) -> None:
    """One rule; a call this architecture does not have (libseccomp knows it by no number) needs none."""
    if seccomp.resolve_syscall(seccomp.Arch.NATIVE, name) < 0:
        return
    rules.add_rule(action, name)
