# attack: take and keep locks the next student might need: flock on /tmp and /dev/shm files and on shared read-only files (torch/__init__.py, grader/__init__.py, /etc/passwd, python itself), SysV semaphores, shared memory and message queues, then hand them to a `sleep 300.{TAG}` in a new session
# holds: everything dies or stays with the worker: no {TAG} process survives, the later students (the honest ones included) are graded as alone
"""Exercise 3: A manual SGD step (attacker: holds locks)."""

import ctypes
import fcntl
import os
import subprocess
import sys

import grader
import torch

IPC_CREAT, IPC_PRIVATE = 0o1000, 0


def _attack() -> list[str]:
    notes, held = [], []
    for path in ("/tmp/grader.lock", "/dev/shm/grader.lock", torch.__file__, grader.__file__, "/etc/passwd",
                 os.path.realpath(sys.executable)):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CREAT if path.endswith(".lock") else os.O_RDONLY, 0o666)
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            held.append(fd)
            notes.append(f"flock {path}")
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    libc = ctypes.CDLL(None, use_errno=True)
    for key in (IPC_PRIVATE, 0x47524452, 0x5A595F47):
        sem = libc.semget(key, 8, IPC_CREAT | 0o666)
        shm = libc.shmget(key, 1 << 20, IPC_CREAT | 0o666)
        msg = libc.msgget(key, IPC_CREAT | 0o666)
        notes.append(f"sysv key {key:#x}: sem {sem} shm {shm} msg {msg}")
    for fd in held:
        os.set_inheritable(fd, True)
    subprocess.Popen(["sleep", "300.{TAG}"], pass_fds=held, start_new_session=True, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL)
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
