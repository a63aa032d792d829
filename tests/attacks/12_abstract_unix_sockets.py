# attack: read /proc/net/unix for the batch's abstract sockets ('@grade-batch-…') and connect to each, posing as a judge that sends a forged result
# holds: the worker's network namespace lists none of the host's sockets and reaches none: no connection, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: talks to the batch's sockets)."""

import json
import os
import socket
import struct

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    try:
        with open("/proc/net/unix") as f:
            names = [line.split()[-1] for line in f.read().splitlines()[1:] if line.split()[-1].startswith("@")]
    except OSError as exc:
        return [f"/proc/net/unix: {exc.strerror}"]
    notes.append(f"{len(names)} abstract sockets: {names[:10]}")
    if any(n.startswith("@grade-batch-") for n in names):
        notes.append(f"{BREACH} sees the batch's socket")
    for name in names:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect("\0" + name[1:])
                header = json.dumps({"ready": True, "student": "12_abstract_unix_sockets", "payload": 0}).encode()
                s.sendall(struct.pack("<I", len(header)) + header)
                notes.append(f"{BREACH} connected to {name}")
        except OSError as exc:
            notes.append(f"{name}: {exc.strerror or exc}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
