"""The jail: the least world in which one student's code still runs.

Shape of a jailed worker (Linux namespaces, the way bubblewrap and nsjail build one)::

    judge ── keeper ── fork server ──fork into a new PID namespace──▶ worker: PID 1 there; then
                       (PID 1 of its own PID                 its own mount, network, IPC, UTS
                        namespace; as an ordinary             namespaces and root, limits, and
                        user, in a user namespace)            an unprivileged identity

- **Identity.** As root the worker drops to a uid of its own (``JAIL_UID_BASE`` +
  the fork server's pid: two batch judges never share one); as an ordinary user it
  gets a user namespace that maps only that user. Either way: no capabilities,
  an empty bounding set, ``no_new_privs``.
- **Network.** A fresh network namespace: only its own loopback is up, so
  127.0.0.1, the host's addresses, the judges' abstract sockets and the outside
  world are all out of reach.
- **Files.** The root is a small tmpfs holding read-only binds of the system
  folders and the Python installation (``Plan.binds``), with the course's
  hidden parts masked wherever they fall inside one (``Plan.masks``); a
  read-only *copy* of the student's own files at their usual path; a
  size-capped ``/tmp`` as the working folder; a minimal ``/dev``; a ``/proc``
  that shows only the worker's own processes. Nothing else exists.
- **Nothing outlives it.** The worker is the init of its PID namespace: when it
  ends, the kernel kills every process it started (double forks and ``setsid``
  included), and its mounts and tmpfs vanish with the namespace.
- **Limits.** ``setrlimit``: address space (a hard memory limit, CPU runs only:
  CUDA reserves far more address space than it uses), processes, file size,
  open files, CPU time, no core files; and, where the machine allows, one cgroup
  for the worker and all it starts (``grader.isolation.cgroups``, set up by the fork server).
- **Nothing inherited.** The grader's environment and command line are zeroed in
  the worker's memory, and the worker ends in a user namespace of its own, so
  what the kernel keeps per user (keyrings) starts empty for every student.
- **Fewer ways into the kernel.** Last of all, a seccomp filter
  (``grader.isolation.syscalls``) makes the calls grading never needs fail with
  EPERM, where libseccomp and its binding can be had (``filter_syscalls``; the
  unjailed path calls it too).

Where namespaces are not allowed (a hardened distro, some containers, or
``GRADER_NO_NAMESPACES=1`` to simulate one), ``prepare_server`` raises
``JailError`` and the fork server runs workers with the limits only;
``grader.isolation.doctor`` reports each property, observed from inside a real jail.
"""

# One module, longer than the others on purpose: prepare_server, fork_worker and enter are one
# sequence of namespace, mount and privilege steps whose order *is* the argument that the jail
# holds (enter: unshare; build the new root while we may still mount; loopback up; limits; then
# forget the environment, drop the identity and take a user namespace of its own). Read top to
# bottom it can be checked; split by topic (mounts here, identity there), the order would live
# in no one place. tests/test_structure.py allows it by name.

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
import platform
import resource
import shutil
import signal
import site
import socket
import stat
import struct
import sys
from dataclasses import dataclass

from grader.isolation import procs, syscalls
from grader.isolation.syscalls import filter_syscalls  # also called by the unjailed path (worker._confine)

JAIL_UID_BASE = 2_000_000_000   # above systemd-nspawn's ranges; uid = base + the fork server's pid
SCRATCH_MB = 64                 # the worker's /tmp (its working folder): a tmpfs of this size
DEV_SHM_MB = 16
NPROC = 64                      # processes and threads the student's code may have at once
NOFILE = 256                    # open files
ADDRESS_SLACK_MB = 128          # address space on top of the memory limit (libraries map lazily)
CPU_BUDGET = 20                 # × the time limit: CPU seconds one worker may use in all (a backstop)
OWN_FILES = 500                 # the student's files copied into the jail, at most …
OWN_BYTES = 32 << 20            # … and bytes
SYSTEM = ("/usr", "/lib", "/lib64", "/lib32", "/libx32", "/bin", "/sbin")
ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "passwd", "group", "nsswitch.conf",
       "hosts", "host.conf")
DEVICES = ("null", "zero", "full", "random", "urandom")
ENV_KEPT = ("PATH", "LANG", "LANGUAGE", "TZ", "TERM", "CUDA_VISIBLE_DEVICES", "PYTHONHASHSEED", "PYTHONIOENCODING")
ENV_KEPT_PREFIXES = ("LC_", "OMP_", "MKL_", "OPENBLAS_", "CUBLAS_", "CUDA_")

CLONE_NEWNS, CLONE_NEWUTS, CLONE_NEWIPC = 0x00020000, 0x04000000, 0x08000000
CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 32
MS_NOATIME, MS_NODIRATIME, MS_BIND, MS_REC = 1024, 2048, 4096, 16384
MS_PRIVATE, MS_RELATIME, MS_STRICTATIME = 1 << 18, 1 << 21, 1 << 24
MNT_DETACH = 2
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT = 1, 4, 24, 38, 47
SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41}.get(platform.machine())

# The properties ``grader.isolation.doctor`` reports, in the order.
PROPERTIES = ("identity", "network", "files", "nothing outlives", "limits", "results")


class JailError(Exception):
    """Setting up the jail failed: the grader's fault (or the machine's), never the student's."""


@dataclass(frozen=True)
class Plan:
    """What a jailed worker may see; made once per fork server by trusted code."""

    binds: tuple[str, ...]
    """Folders and files shown read-only at their own paths (system, Python, packages)."""
    masks: tuple[str, ...] = ()
    """Paths that must stay invisible even inside a bind (hidden checks, solutions…)."""
    uid: int | None = None
    """The worker's uid when the fork server is root; None: a user namespace maps the caller."""
    devices: tuple[str, ...] = ()
    """Extra device nodes (a GPU's), bound read-write."""
    proc_sys: bool = False
    """Bind /sys read-only (CUDA reads it)."""


@dataclass(frozen=True)
class Limits:
    """The resource limits of one worker."""

    memory_mb: int
    """Address space past what the worker had when forked, in MB (0: none)."""
    cpu_seconds: int
    """CPU seconds in all."""
    scratch_mb: int = SCRATCH_MB
    """Size of /tmp, and the largest file the worker may write."""
    nproc: int = NPROC
    """Processes and threads at once (0: no limit)."""
    nofile: int = NOFILE
    """Open files."""


# ---------------------------------------------------------------- libc

_libc = None


def _c():
    global _libc
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
        _libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
        _libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
        _libc.unshare.argtypes = [ctypes.c_int]
        _libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
        _libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
        _libc.syscall.restype = ctypes.c_long
    return _libc


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise JailError(f"{what}: {os.strerror(err)} (errno {errno.errorcode.get(err, err)})")


def _mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    def enc(s: str | None) -> bytes | None:
        return None if s is None else s.encode()

    _check(_c().mount(enc(source), enc(target), enc(fstype), flags, enc(data)),
           f"mount {source or ''} on {target}")


def prctl(option: int, arg: int = 0, arg3: int = 0) -> None:
    _check(_c().prctl(option, arg, arg3, 0, 0), f"prctl({option})")


def namespaces_denied() -> str | None:
    """Why namespaces are off by configuration, if they are."""
    if os.environ.get("GRADER_NO_NAMESPACES"):
        return "namespaces are turned off here (GRADER_NO_NAMESPACES is set)"
    if sys.platform != "linux":
        return f"the jail needs Linux namespaces; this is {sys.platform}"
    if SYS_PIVOT_ROOT is None:
        return f"pivot_root's number on {platform.machine()} is not known to the grader"
    return None


# ---------------------------------------------------------------- the plan

def make_plan(hidden: tuple[str, ...] = (), device: str = "cpu") -> Plan:
    """The binds for this Python: system folders, a few ``/etc`` files, the interpreter, its
    site-packages, and the top folder of every package imported from elsewhere (an editable
    install); ``hidden`` paths that fall inside one are masked."""
    binds = [p for p in SYSTEM if os.path.lexists(p)]
    binds += [os.path.join("/etc", name) for name in ETC if os.path.exists(os.path.join("/etc", name))]
    roots = {sys.base_prefix, sys.prefix, sys.exec_prefix}
    roots.update(p for p in [*site.getsitepackages(), site.getusersitepackages()] if os.path.isdir(p))
    for module in list(sys.modules.values()):
        # Packages imported from elsewhere (an editable install): their top folder. Plain
        # top-level modules outside site-packages (a test's conftest) are never shown.
        # Read from the module's dict: getattr on a lazy stand-in (grader.isolation.lazy_dynamo) would import it.
        attrs = getattr(module, "__dict__", None) or {}
        name, file = attrs.get("__name__", ""), attrs.get("__file__")
        if not isinstance(file, str) or not os.path.isabs(file) or not isinstance(name, str):
            continue
        depth = name.count(".") + (os.path.basename(file) == "__init__.py")
        if depth == 0:
            continue
        folder = os.path.dirname(file)
        for _ in range(depth - 1):
            folder = os.path.dirname(folder)
        if os.path.basename(folder) == name.partition(".")[0]:
            roots.add(folder)
    binds += sorted(roots)
    binds = _outermost(b for b in binds if b != "/")
    masks = tuple(sorted(h for h in {os.path.realpath(p) for p in hidden}
                         if any(_inside(h, b) for b in binds) and os.path.lexists(h)))
    # one inside another is hidden with it
    masks = tuple(m for m in masks if not any(_inside(m, o) and m != o for o in masks))
    uid = JAIL_UID_BASE + (server_id or os.getpid()) if os.geteuid() == 0 else None
    devices: tuple[str, ...] = ()
    if device == "cuda":
        devices = tuple(os.path.join("/dev", d) for d in sorted(os.listdir("/dev"))
                        if d.startswith("nvidia") and not os.path.isdir(os.path.join("/dev", d)))
    return Plan(tuple(binds), masks, uid, devices, proc_sys=device == "cuda")


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _outermost(paths) -> list[str]:
    """Paths with those inside another one dropped (real paths: a link is bound where it points)."""
    real = sorted({p if p in SYSTEM else os.path.realpath(p) for p in paths})
    kept: list[str] = []
    for path in real:
        if not any(_inside(path, k) for k in kept):
            kept.append(path)
    return kept


# ---------------------------------------------------------------- entering

def prepare_server() -> None:
    """Make this process (a fork server, still single-threaded) able to fork jailed workers.

    It forks once: the child goes on as the fork server, PID 1 of a PID namespace of its own
    with its own ``/proc``, so that each worker's namespace can be made with ``unshare`` and
    this one restored with ``setns`` (see ``fork_worker``); this process stays behind as a
    keeper that waits for it and ends the same way. As an ordinary user, a user namespace
    mapping only that user gives the server the capabilities for all this, over its own
    namespaces only. Raises ``JailError`` where namespaces are not allowed.
    """
    global _own_pid_ns
    syscalls.binding()  # imported once here, before any fork (unjailed fork servers too), not in each worker
    denied = namespaces_denied()
    if denied:
        raise JailError(denied)
    flags = CLONE_NEWNS | CLONE_NEWPID
    uid, gid = os.geteuid(), os.getegid()
    if uid != 0:
        flags |= CLONE_NEWUSER
    _check(_c().unshare(flags), "unshare (user, mount and PID namespaces)")
    if uid != 0:
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    global server_id
    server_id = os.getpid()  # as the host sees the keeper: no two live fork servers share it
    child = os.fork()
    if child:
        _keep(child)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)  # pids as this namespace sees them
    _own_pid_ns = os.open("/proc/self/ns/pid", os.O_RDONLY | os.O_CLOEXEC)


def _keep(child: int) -> None:
    """The keeper: wait for the fork server, then end the same way (its signals go to it)."""
    def forward(signum, frame):
        os.kill(child, signum)

    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, forward)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        try:
            _, status = os.waitpid(child, 0)
            break
        except InterruptedError:
            continue
        except ChildProcessError:
            os._exit(procs.FAILED)
    code, signum = procs.exit_code_and_signal(status)
    if signum is not None:
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
    os._exit(code if code is not None else procs.FAILED)


_own_pid_ns: int | None = None
server_id: int | None = None


def fork_worker() -> int:
    """``os.fork()``, the child as PID 1 of a new PID namespace (``prepare_server`` first).

    One fork, not two: this process's namespace for new children is switched to a fresh
    one for the fork, then back with ``setns``.
    """
    _check(_c().unshare(CLONE_NEWPID), "unshare (a PID namespace)")
    pid = -1
    try:
        pid = os.fork()
    finally:
        if pid != 0:  # the server (also when the fork failed): its next children go back in its own
            _check(_c().setns(_own_pid_ns, CLONE_NEWPID), "setns (back to the fork server's PID namespace)")
    return pid


def enter(plan: Plan, limits: Limits, own: tuple[str, ...] = (), hidden: tuple[str, ...] = ()) -> None:
    """Put this process (a worker from ``fork_worker``: PID 1 of its own namespace) in the jail."""
    if os.getpid() != 1:
        raise JailError("the worker is not the first process of its own PID namespace")
    syscalls.binding()  # while the grader's environment (GRADER_NO_SECCOMP) is still there to read
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _check(_c().unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS),
           "unshare (mount, network, IPC namespaces)")
    _build_root(plan, limits, own, hidden)
    _loopback_up()
    set_limits(limits)
    _forget_environment()
    _drop(plan.uid, os.geteuid() == 0 and plan.uid is not None)
    _own_user_namespace()
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)  # a change of identity cleared it
    os.chdir("/tmp")
    # The grader's environment may hold secrets (tokens, paths): the worker gets only what code needs.
    kept = {k: v for k, v in os.environ.items() if k in ENV_KEPT or k.startswith(ENV_KEPT_PREFIXES)}
    os.environ.clear()
    os.environ.update(kept, HOME="/tmp", TMPDIR="/tmp", USER="student", LOGNAME="student",
                      PATH=os.pathsep.join(p for p in kept.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                                           if p.startswith(("/usr", "/bin", "/sbin")) or p.startswith(sys.prefix)))
    # Last: the filter denies unshare and mount, which the steps above use. Without it (no
    # libseccomp here) the worker is still jailed; `grade doctor` says so.
    filter_syscalls()


def trial(plan: Plan) -> str | None:
    """Fork one jailed worker that does nothing: None if it got in, else what failed."""
    def get_in() -> bytes:
        try:
            enter(plan, Limits(memory_mb=256, cpu_seconds=10))
        except BaseException as exc:  # noqa: BLE001 - reported to the server
            return str(exc).encode()[:2000]
        return b""

    problem, _ = procs.fork_and_read(get_in, fork=fork_worker)
    return problem.decode(errors="replace") or None


def _write(path: str, text: str) -> None:
    try:
        with open(path, "w") as f:
            f.write(text)
    except OSError as exc:
        raise JailError(f"writing {path}: {exc.strerror}") from None


def _build_root(plan: Plan, limits: Limits, own: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    base = next(p for p in ("/tmp", "/mnt", "/var/tmp", "/dev/shm") if os.path.isdir(p))
    _mount("tmpfs", base, "tmpfs", MS_NOSUID | MS_NODEV, f"size={(OWN_BYTES >> 20) + 4}m,mode=0755")
    os.mkdir(base + "/oldroot")
    _check(_c().syscall(SYS_PIVOT_ROOT, base.encode(), (base + "/oldroot").encode()), "pivot_root")
    os.chdir("/")
    old = "/oldroot"
    # /tmp first: what is bound or copied below may live under it (a course or venv in /tmp).
    os.makedirs("/tmp", exist_ok=True)
    owner = plan.uid if plan.uid is not None else os.geteuid()
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
           f"size={limits.scratch_mb}m,mode=0700,uid={owner},gid={owner}")
    for path in plan.binds:
        source = old + path
        if os.path.islink(source) and path in SYSTEM:
            os.symlink(os.readlink(source), path)  # /bin -> usr/bin on merged-/usr systems
            continue
        if not os.path.exists(source):
            continue
        _bind(source, path, readonly=True)
    for path in plan.masks:
        source = old + path
        if os.path.isdir(source):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
        elif os.path.exists(source):
            _mount(old + "/dev/null", path, None, MS_BIND)
    _dev(old, plan.devices)
    if plan.proc_sys and os.path.isdir(old + "/sys"):
        _bind(old + "/sys", "/sys", readonly=True)
    os.makedirs("/proc", exist_ok=True)
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    _copy_own(old, own, hidden)
    _check(_c().umount2(old.encode(), MNT_DETACH), "detaching the host's root")
    os.rmdir(old)
    _mount(None, "/", None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV)


def _bind(source: str, target: str, readonly: bool) -> None:
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "w").close()
    _mount(source, target, None, MS_BIND | MS_REC)
    if readonly:
        # A remount must keep the flags the kernel locked on the original mount.
        kept = _locked_flags(target)
        _mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | kept)


def _locked_flags(path: str) -> int:
    found = os.statvfs(path).f_flag
    flags = 0
    for st, ms in ((os.ST_NOSUID, MS_NOSUID), (os.ST_NODEV, MS_NODEV), (os.ST_NOEXEC, MS_NOEXEC),
                   (os.ST_NOATIME, MS_NOATIME), (os.ST_NODIRATIME, MS_NODIRATIME),
                   (os.ST_RELATIME, MS_RELATIME)):
        if found & st:
            flags |= ms
    return flags


def _dev(old: str, extra: tuple[str, ...]) -> None:
    os.makedirs("/dev", exist_ok=True)
    _mount("tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in DEVICES:
        if os.path.exists(f"{old}/dev/{name}"):
            _bind(f"{old}/dev/{name}", f"/dev/{name}", readonly=False)
    for path in extra:
        _bind(old + path, path, readonly=False)
    os.mkdir("/dev/shm")
    _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, f"size={DEV_SHM_MB}m,mode=1777")
    for name, target in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                         ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")):
        os.symlink(target, f"/dev/{name}")


def _copy_own(old: str, own: tuple[str, ...], hidden: tuple[str, ...]) -> None:
    """A read-only copy of the student's own files at their usual paths, hidden parts left out.

    A copy, not a bind: the worker's uid may not be allowed to read the originals, a link
    in them must not lead anywhere, and no worker can change what another one sees. Hidden
    paths inside them are left out; so are dot-folders (a virtual environment) and caches.
    """
    hidden_real = tuple(os.path.realpath(h) for h in hidden)
    budget = [OWN_FILES, OWN_BYTES]
    for path in own:  # named by the grader: shown even inside a hidden folder (SUBMISSIONS, a batch's unzip)
        source = old + path
        if not os.path.lexists(source):
            continue
        inner = tuple(h for h in hidden_real if _inside(h, path) and h != path)  # hidden parts *inside* it
        if os.path.isdir(source) and not os.path.islink(source):
            if not os.path.isdir(path):
                os.makedirs(path, exist_ok=True)
            _mount("tmpfs", path, "tmpfs", MS_NOSUID | MS_NODEV, f"size={(OWN_BYTES >> 20) + 1}m,mode=0755")
            _copy_tree(source, path, inner, old, budget, depth=0)
            _mount(None, path, None, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV)
        elif os.path.isfile(source) and not os.path.islink(source):
            folder = os.path.dirname(path)
            os.makedirs(folder, exist_ok=True)
            _copy_file(source, path, budget)


def _copy_tree(source: str, dest: str, hidden: tuple[str, ...], old: str, budget: list[int], depth: int) -> None:
    if depth > 4:
        return
    try:
        names = sorted(os.listdir(source))
    except OSError:
        return
    for name in names:
        if name.startswith(".") or name == "__pycache__" or budget[0] <= 0:
            continue
        src, dst = os.path.join(source, name), os.path.join(dest, name)
        if any(_inside(src[len(old):], h) for h in hidden):
            continue
        try:
            info = os.lstat(src)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode):
            os.mkdir(dst, 0o755)
            _copy_tree(src, dst, hidden, old, budget, depth + 1)
        elif stat.S_ISREG(info.st_mode):
            _copy_file(src, dst, budget)


def _copy_file(source: str, dest: str, budget: list[int]) -> None:
    try:
        size = os.path.getsize(source)
        if size > budget[1] or budget[0] <= 0:
            return
        shutil.copyfile(source, dest, follow_symlinks=False)
        os.chmod(dest, 0o444)
        budget[0] -= 1
        budget[1] -= size
    except OSError:
        pass


def _loopback_up() -> None:
    """The namespace's own loopback, up (some libraries expect one); it reaches nothing else."""
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            req = struct.pack("16sH14x", b"lo", 0)
            flags = struct.unpack("16sH14x", fcntl.ioctl(s, 0x8913, req))[1]  # SIOCGIFFLAGS
            fcntl.ioctl(s, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))  # SIOCSIFFLAGS, IFF_UP
    except OSError as exc:
        raise JailError(f"bringing up the jail's loopback: {exc.strerror}") from None


def set_limits(limits: Limits) -> None:
    """The resource limits; used with or without namespaces."""
    def cap(which, value):
        soft, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))

    if limits.memory_mb:
        with open("/proc/self/statm") as f:
            mapped = int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        cap(resource.RLIMIT_AS, mapped + (limits.memory_mb + ADDRESS_SLACK_MB) * (1 << 20))
    if limits.nproc:
        cap(resource.RLIMIT_NPROC, limits.nproc)
    cap(resource.RLIMIT_NOFILE, max(limits.nofile, _open_fds() + 32))
    cap(resource.RLIMIT_FSIZE, limits.scratch_mb << 20)
    cap(resource.RLIMIT_CORE, 0)
    used = resource.getrusage(resource.RUSAGE_SELF)
    cap(resource.RLIMIT_CPU, int(used.ru_utime + used.ru_stime) + limits.cpu_seconds)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails (EFBIG) instead of killing


def _open_fds() -> int:
    try:
        return len(os.listdir("/proc/self/fd"))
    except OSError:
        return 16


def _drop(uid: int | None, root: bool) -> None:
    """No capabilities, no way back: an unprivileged identity with ``no_new_privs``."""
    for cap in range(64):
        if _c().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
            break  # past the last capability this kernel knows
    _c().prctl(PR_CAP_AMBIENT, 4, 0, 0, 0)  # PR_CAP_AMBIENT_CLEAR_ALL
    if root and uid is not None:
        os.setgroups([])
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)  # all of them non-zero: every capability goes
    else:
        _capset_empty()
    prctl(PR_SET_NO_NEW_PRIVS, 1)


def _forget_environment() -> None:
    """Zero the environment and command line this process inherited in memory (what
    ``/proc/self/environ`` and ``cmdline`` show): the grader's, which may hold secrets and paths."""
    try:
        with open("/proc/self/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        arg_start, arg_end, env_start, env_end = (int(x) for x in fields[45:49])
    except (OSError, ValueError, IndexError):
        return
    for start, end in ((env_start, env_end), (arg_start, arg_end)):
        if 0 < start < end and end - start < (1 << 24):
            ctypes.memset(start, 0, end - start)


def _own_user_namespace() -> None:
    """A user namespace of this worker's own, entered last: what the kernel keeps per user
    (keyrings) starts empty for every worker, and none of it passes to the next student."""
    uid, gid = os.geteuid(), os.getegid()
    if _c().unshare(CLONE_NEWUSER) != 0:
        return  # not allowed here: the worker keeps the namespace it has
    try:
        prctl(PR_SET_DUMPABLE, 1)  # after a change of uid, /proc/self is root's until this
        _write("/proc/self/setgroups", "deny")
        _write("/proc/self/uid_map", f"{uid} {uid} 1")
        _write("/proc/self/gid_map", f"{gid} {gid} 1")
    finally:
        # The new namespace grants every capability in it, and a full bounding set: none are kept.
        for cap in range(64):
            if _c().prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 and ctypes.get_errno() == errno.EINVAL:
                break
        _capset_empty()


def _capset_empty() -> None:
    header = (ctypes.c_uint32 * 2)(0x20080522, 0)  # _LINUX_CAPABILITY_VERSION_3, this process
    data = (ctypes.c_uint32 * 6)()
    _check(_c().capset(header, data), "dropping capabilities")
