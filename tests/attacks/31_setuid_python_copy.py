# attack: copy python into /tmp, chown it to root and chmod it setuid, then run it hoping for euid 0
# holds: the copy stays its own (chown refused), /tmp is nosuid and no_new_privs is set: the copy runs with the worker's own uid, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: a setuid interpreter)."""

import os
import shutil
import subprocess
import sys

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    copy = "/tmp/python-suid"
    try:
        shutil.copy2(os.path.realpath(sys.executable), copy)
    except OSError as exc:
        return [f"copy: {exc.strerror}"]
    for what, step in (("chown root", lambda: os.chown(copy, 0, 0)), ("chmod 4755", lambda: os.chmod(copy, 0o4755))):
        try:
            step()
            notes.append(f"{what}: ok")
            if what == "chown root":
                notes.append(f"{BREACH} chowned a file to root")
        except OSError as exc:
            notes.append(f"{what}: {exc.strerror}")
    try:
        euid = subprocess.run([copy, "-S", "-c", "import os; print(os.geteuid())"], capture_output=True,
                              text=True, timeout=20).stdout.strip()
        notes.append(f"the copy runs with euid {euid!r}, ours is {os.geteuid()}")
        if euid and euid != str(os.geteuid()):
            notes.append(f"{BREACH} the setuid copy changed identity")
    except (OSError, subprocess.SubprocessError) as exc:
        notes.append(f"running the copy: {exc}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
