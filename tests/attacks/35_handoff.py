# attack: three consecutive entries (this file, handed in by three students) that each look for what an earlier one left (in /tmp, /dev/shm, os.environ, a SysV shm segment, an abstract socket, the uid's user and session keyrings) and then leave the same for the next
# holds: with two judges, one of the three follows another on the same judge: still none finds a predecessor's handoff in any channel
"""Exercise 3: A manual SGD step (attacker: passes notes to the next student)."""

import ctypes
import os
import socket

ME = "{ME}"  # which of the three students this copy is
NAME = b"handoff-{TAG}"
SHM_KEY = 0x48000000 + int("{TAG}") % 0xFFFFFF
KEY_SPEC_SESSION_KEYRING, KEY_SPEC_USER_KEYRING = -3, -4
SYS_ADD_KEY, SYS_KEYCTL, KEYCTL_SEARCH = 248, 250, 10


def _keyctl_search(libc, ring: int) -> int:
    return libc.syscall(SYS_KEYCTL, ctypes.c_long(KEYCTL_SEARCH), ctypes.c_long(ring), b"user", NAME,
                        ctypes.c_long(0))


def _attack() -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    found = []
    if any(NAME.decode() in n for n in os.listdir("/tmp")):
        found.append("tmp")
    if os.path.isdir("/dev/shm") and any(NAME.decode() in n for n in os.listdir("/dev/shm")):
        found.append("dev_shm")
    if os.environ.get("HANDOFF_{TAG}", ME) != ME:
        found.append("environ")
    if libc.shmget(SHM_KEY, 0, 0) >= 0:
        found.append("sysv_shm")
    try:
        with open("/proc/net/unix") as f:
            if ("@" + NAME.decode()) in f.read():
                found.append("abstract_socket")
    except OSError:
        pass
    for channel, ring in (("user_keyring", KEY_SPEC_USER_KEYRING), ("session_keyring", KEY_SPEC_SESSION_KEYRING)):
        if _keyctl_search(libc, ring) > 0:
            found.append(channel)
    notes = [f"HANDOFF-FOUND[{','.join(found)}]", f"uid {os.getuid()}"]
    # Leave ours for the next student.
    for folder in ("/tmp", "/dev/shm"):
        try:
            with open(os.path.join(folder, f"{NAME.decode()}-{ME}"), "w") as f:
                f.write(ME)
        except OSError as exc:
            notes.append(f"{folder}: {exc.strerror}")
    os.environ["HANDOFF_{TAG}"] = ME
    notes.append(f"shm {libc.shmget(SHM_KEY, 4096, 0o1000 | 0o666)}")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.bind(b"\0" + NAME)
        sock.listen(1)
        os._handoff_socket = sock
    except OSError as exc:
        notes.append(f"socket: {exc.strerror}")
    for ring in (KEY_SPEC_USER_KEYRING, KEY_SPEC_SESSION_KEYRING):
        key = libc.syscall(SYS_ADD_KEY, b"user", NAME, ME.encode(), ctypes.c_size_t(len(ME)), ctypes.c_long(ring))
        notes.append(f"key in {ring}: {key if key > 0 else os.strerror(ctypes.get_errno())}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
