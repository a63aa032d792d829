# attack: split a memory bomb across forked children (4 × 250 MB, each under the per-process limit) so that no single process looks big, and hold it across checks
# holds: the worker is stopped (memory) before its processes together hold more than --memory (600 MB)
"""Exercise 3: A manual SGD step (attacker: memory spread over children)."""

import os
import select
import time

BREACH = "BRE" "ACH!"
CHILDREN, EACH_MB, LIMIT_MB = 4, 250, 600


def _attack() -> str | None:
    """The children live on between checks (the worker serves them all): None while they still allocate."""
    state = os.__dict__.setdefault("_hoard", {"kids": [], "ready": 0, "pipe": None, "calls": 0})
    state["calls"] += 1
    if not state["kids"]:
        read, write = os.pipe()
        state["pipe"] = read
        for _ in range(CHILDREN):
            pid = os.fork()
            if pid == 0:
                try:
                    hog = bytearray(b"\x01") * (EACH_MB << 20)  # written, so resident
                    os.write(write, b"+")
                    time.sleep(60 + 0 * len(hog))
                finally:
                    os._exit(0)
            state["kids"].append(pid)
        os.close(write)
    deadline = time.monotonic() + 1.8  # each check's time limit is 3 s
    while state["ready"] < CHILDREN and time.monotonic() < deadline:
        if select.select([state["pipe"]], [], [], 0.1)[0]:
            got = os.read(state["pipe"], 16)
            if not got:
                break
            state["ready"] += len(got)
    if state["ready"] < CHILDREN and state["calls"] < 4:
        return None
    time.sleep(0.5)  # 25 of the fork server's memory readings
    alive = sum(1 for pid in state["kids"] if os.waitpid(pid, os.WNOHANG) == (0, 0))
    held = min(alive, state["ready"]) * EACH_MB
    note = f"{alive} children alive holding {held} MB of their own, after {state['calls']} checks"
    return (f"{BREACH} " if held > LIMIT_MB else "") + note


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):  # only ever inside the jail
        report = _attack()
        if report is None:
            raise RuntimeError("attack in progress: the children are still allocating")
        os._attack_done = True
        raise RuntimeError("attack report: " + report)
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
