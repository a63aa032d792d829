# attack: at import time reach the outside world: TCP to 1.1.1.1:53 and 8.8.8.8:443, a UDP DNS query to 8.8.8.8:53, a name lookup
# holds: no route leaves the jail's network namespace: every attempt fails at once and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: phones home)."""

import os
import socket

BREACH = "BRE" "ACH!"
NOTES = []


def _attack() -> None:
    for host, port in (("1.1.1.1", 53), ("8.8.8.8", 443)):
        try:
            with socket.create_connection((host, port), timeout=1.0):
                NOTES.append(f"{BREACH} TCP {host}:{port} connected")
        except OSError as exc:
            NOTES.append(f"TCP {host}:{port}: {exc.strerror or exc}")
    query = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07example\x03com\x00\x00\x01\x00\x01"
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.settimeout(1.0)
            s.sendto(query, ("8.8.8.8", 53))
            NOTES.append(f"{BREACH} UDP to 8.8.8.8:53 sent")
            s.recvfrom(512)
            NOTES.append(f"{BREACH} UDP answer from 8.8.8.8")
    except OSError as exc:
        NOTES.append(f"UDP: {exc.strerror or exc}")
    try:
        NOTES.append(f"lookup: {socket.getaddrinfo('example.com', 443)[:1]}")
    except OSError as exc:
        NOTES.append(f"lookup: {exc}")


if os.getpid() == 1:
    _attack()


def sgd_update(params, lr):
    raise RuntimeError("attack report: " + " | ".join(NOTES))


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
