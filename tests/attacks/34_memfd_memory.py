# attack: hold memory the worker's resident size does not show: 900 MB written into memfd_create files (anonymous shared memory, never mapped), past the 600 MB --memory, filled over several checks
# holds: the worker is stopped (memory) before it holds more than --memory (600 MB)
"""Exercise 3: A manual SGD step (attacker: memory in memfds)."""

import os
import time

BREACH = "BRE" "ACH!"
TOTAL_MB, LIMIT_MB = 900, 600


def _attack() -> str | None:
    """The memfds stay open between checks (the worker serves them all): None while still filling."""
    state = os.__dict__.setdefault("_memfds", {"fds": [], "held": 0, "calls": 0, "error": ""})
    state["calls"] += 1
    chunk = b"\x01" * (16 << 20)
    deadline = time.monotonic() + 1.8  # each check's time limit is 3 s
    try:
        while state["held"] < TOTAL_MB and time.monotonic() < deadline:
            fd = os.memfd_create("hoard")
            state["fds"].append(fd)
            for _ in range(3):  # 48 MB a file: under the file-size limit
                os.write(fd, chunk)
                state["held"] += 16
    except OSError as exc:
        state["error"] = f", then {exc.strerror}"
    if state["held"] < TOTAL_MB and not state["error"] and state["calls"] < 4:
        return None
    time.sleep(0.5)  # 25 of the fork server's memory readings
    note = f"{state['held']} MB held in {len(state['fds'])} memfds{state['error']}, after {state['calls']} checks"
    return (f"{BREACH} " if state["held"] > LIMIT_MB else "") + note


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):  # only ever inside the jail
        report = _attack()
        if report is None:
            raise RuntimeError("attack in progress: still filling memfds")
        os._attack_done = True
        raise RuntimeError("attack report: " + report)
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
