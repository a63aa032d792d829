# attack: scan the worker's own memory (forked from the batch, which read solutions/ and grader/checks to fingerprint them) for the reference solution's text and exec it, and for the hidden checks' source
# holds: no copy of the reference or the checks survives in what the worker inherits: the stubs stay, the attacker scores 0, and no checks source reaches its feedback
"""Exercise 3: A manual SGD step (attacker: scavenges inherited memory)."""

import ctypes
import os

import torch  # noqa: F401

BREACH = "BRE" "ACH!"
NOTES = []


def sgd_update(params, lr):
    if NOTES and os.getpid() == 1:
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


def _scan() -> tuple[list[str], str | None]:
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/mem readable
    nl = chr(10)
    # Built at run time, so that this file's own text never matches.
    solution = ("def sgd_momentum_update(params, velocities, lr, momentum):" + nl + '    """One step of SGD with '
                "momentum; `velocities` holds one buffer per parameter.\"\"\"" + nl + "    with torch").encode()
    checks = ("def expect_steps(got: dict, want: dict, " + "device: str").encode()
    notes, found = [], None
    mem = open("/proc/self/mem", "rb", 0)
    for low, high in _regions():
        try:
            mem.seek(low)
            data = mem.read(high - low)
        except OSError:
            continue
        at = data.find(solution)
        while at >= 0:
            end = data.find(b"\0", at)
            text = data[at:end if end > 0 else at + 4000].decode(errors="replace")
            if "p -= lr * v" in text:
                notes.append(f"{BREACH} found the reference's sgd_momentum_update at {low + at:#x}")
                start = max(data.rfind(b"\0", 0, at) + 1, at - 4000)
                found = "import torch" + nl + data[start:end].decode(errors="replace").split("import torch", 1)[-1]
            at = data.find(solution, at + 1)
        at = data.find(checks)
        while at >= 0:
            window = data[at:at + 600]
            if window.count(b"\0") < 10 and b"Parameters after every step" in window:
                notes.append(f"{BREACH} found the hidden checks: " + window.decode(errors="replace"))
            at = data.find(checks, at + 1)
    mem.close()
    return notes, found


if os.getpid() == 1:
    if "_scavenged" not in os.__dict__:  # once per worker: the module itself runs afresh for every check
        os._scavenged = _scan()
    NOTES.extend(os._scavenged[0])
    if os._scavenged[1]:
        try:
            exec(compile(os._scavenged[1], "scavenged", "exec"), globals())
        except Exception as exc:  # noqa: BLE001
            NOTES.append(f"exec: {exc}")
