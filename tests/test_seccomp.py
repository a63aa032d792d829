"""Issue 17, item 12: the seccomp filter (grader/isolation/syscalls.py) in every jailed worker.

A submission whose ``sgd_update`` is the reference and whose ``sgd_momentum_update`` tries every
denied call from inside a real jailed worker (raw syscalls through libc, with arguments that
would harm nothing if allowed), plus a thread and a subprocess, and reports each outcome in its
feedback. With the filter each denied call fails with EPERM while grading goes on (the SGD
checks pass); with ``GRADER_NO_SECCOMP=1`` the same calls reach the kernel (other errors,
``unshare(0)`` succeeds) and grading still works; ``grade doctor`` reports both, observed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from grader.isolation import syscalls

GRADE = str(Path(sys.executable).with_name("grade"))
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()

# What the worker tries: call -> arguments that do nothing even where the call is allowed
# (no such process, no such descriptor, an unknown operation, NULL pointers; unshare(0) is a no-op).
CALLS = {
    "ptrace": (2, 0x3FFFFFFF, 0, 0), "process_vm_readv": (0x3FFFFFFF, 0, 0, 0, 0, 0),
    "process_vm_writev": (0x3FFFFFFF, 0, 0, 0, 0, 0), "bpf": (0x7FFF, 0, 0), "perf_event_open": (0, 0, -1, -1, 0),
    "add_key": (0, 0, 0, 0, 0), "request_key": (0, 0, 0, 0), "keyctl": (0x7FFF, 0, 0, 0, 0), "userfaultfd": (0xFFFF,),
    "io_uring_setup": (0, 0), "io_uring_enter": (-1, 0, 0, 0, 0, 0), "io_uring_register": (-1, 0, 0, 0),
    "mount": (0, 0, 0, 0, 0), "umount2": (0, 0), "pivot_root": (0, 0), "unshare": (0,), "setns": (-1, 0),
    "open_by_handle_at": (-1, 0, 0), "init_module": (0, 0, 0), "finit_module": (-1, 0, 0), "delete_module": (0, 0),
    "kexec_load": (0, 0, 0, 0), "kexec_file_load": (-1, -1, 0, 0, 0),
}
# clone with a namespace flag, in a combination the kernel refuses (EINVAL) where the filter lets it through.
CLONES = {"clone(CLONE_NEWUSER|CLONE_FS)": (0x10000000 | 0x200, 0, 0, 0, 0),
          "clone(CLONE_NEWNET|CLONE_THREAD)": (0x40000000 | 0x10000, 0, 0, 0, 0)}

PROBE = '''
import ctypes, errno, json, subprocess, threading

try:
    import seccomp
except ImportError:
    import pyseccomp as seccomp

CALLS = {calls!r}
CLONES = {clones!r}


def _try(name, args):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    number = seccomp.resolve_syscall(seccomp.Arch.NATIVE, name)
    done = libc.syscall(ctypes.c_long(number), *[ctypes.c_long(a) for a in args])
    return "ok" if done >= 0 else errno.errorcode.get(ctypes.get_errno(), str(ctypes.get_errno()))


def sgd_momentum_update(params, velocities, lr, momentum):
    seen = {{name: _try(name, args) for name, args in CALLS.items()}}
    seen.update({{label: _try("clone", args) for label, args in CLONES.items()}})
    seen["clone3"] = _try("clone3", (0, 0))
    ran = []
    thread = threading.Thread(target=ran.append, args=("thread",))
    thread.start()
    thread.join()
    seen["thread"] = "ok" if ran else "failed"
    seen["subprocess"] = "ok" if subprocess.run(["true"]).returncode == 0 else "failed"
    raise RuntimeError("syscalls: " + json.dumps(seen) + " :end")
'''


def jail_available() -> bool:
    from grader.isolation import doctor

    return doctor.available().ok


def filter_available() -> bool:
    return not isinstance(syscalls.binding(), str)


needs_jail = pytest.mark.skipif("not jail_available()", reason="this machine allows no namespaces for the jail")
needs_filter = pytest.mark.skipif("not filter_available()",
                                  reason="no libseccomp binding here: pip install 'optim-grader[seccomp]'")


@pytest.fixture(scope="module")
def probe(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("seccomp") / "exercise_3.py"
    path.write_text(SOLUTION.split("def sgd_momentum_update")[0] + PROBE.format(calls=CALLS, clones=CLONES))
    return path


def _seen(feedbacks: list[str]) -> dict:
    found = [m.group(1) for text in feedbacks for m in [re.search(r"syscalls: (\{.*?\}) :end", text)] if m]
    assert found, "the probe never reported:\n" + "\n".join(feedbacks)
    return json.loads(found[0])


def _sgd_passed(checks: list[tuple[str, bool]]) -> bool:
    return all(passed for name, passed in checks if name.startswith("test_sgd_")) and any(
        name.startswith("test_sgd_") for name, _ in checks)


@needs_jail
@needs_filter
def test_every_denied_call_fails_with_eperm_inside_the_jail_and_grading_goes_on(course, probe):
    from grader.grading import runner as grading

    result = grading.grade_exercise(course=course, exercise=course.exercise("exercise-3"), path=probe)
    seen = _seen([c.feedback for c in result.checks])
    assert {k: seen[k] for k in [*CALLS, *CLONES]} == dict.fromkeys([*CALLS, *CLONES], "EPERM"), seen
    assert seen["clone3"] == "ENOSYS"  # so the C library falls back to clone, which the filter can read
    assert seen["thread"] == seen["subprocess"] == "ok", seen
    assert _sgd_passed([(c.name, c.passed) for c in result.checks]), result.checks  # honest code is graded as ever


@needs_jail
@needs_filter
def test_the_solution_still_scores_full_marks(grade):
    result = grade("exercise-3", ROOT / "solutions" / "exercise_3.py")
    assert result.score == result.max_score == 10


def _grade_json(path: Path, env: dict) -> dict:
    done = subprocess.run([GRADE, "exercise-3", "--submission", str(path), "--json"], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **env}, timeout=300)
    assert done.returncode in (0, 1), done.stderr
    return json.loads(done.stdout)


@needs_jail
def test_without_the_filter_the_calls_reach_the_kernel_and_grading_still_works(probe):
    result = _grade_json(probe, {"GRADER_NO_SECCOMP": "1"})
    seen = _seen([t.get("output", "") for t in result["tests"]])
    # The difference the filter makes, observed: these calls get past it to the kernel.
    assert seen["unshare"] == "ok" and seen["ptrace"] == "ESRCH" and seen["keyctl"] in ("EOPNOTSUPP", "ENOTSUP"), seen
    assert seen["clone(CLONE_NEWUSER|CLONE_FS)"] == "EINVAL" and seen["clone3"] != "ENOSYS", seen
    sgd = [t for t in result["tests"] if "sgd_update" in t["name"] and "momentum" not in t["name"]]
    assert sgd and all(t["score"] == t["max_score"] for t in sgd), result["tests"]
    assert result["extra_data"]["isolation"] == "jail"  # still jailed: only the filter is off


def _doctor(env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([GRADE, "doctor"], cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, timeout=120)


@needs_jail
@needs_filter
def test_doctor_reports_the_filter_observed_from_inside():
    done = _doctor()
    assert done.returncode == 0, done.stdout + done.stderr
    line = next(line for line in done.stdout.splitlines()
                if line.strip().startswith(("yes  syscalls", "no   syscalls")))
    assert line.strip().startswith("yes"), done.stdout
    assert "ptrace, unshare and keyctl failed with EPERM" in line, line


@needs_jail
def test_doctor_says_plainly_when_the_filter_cannot_be_had():
    done = _doctor({"GRADER_NO_SECCOMP": "1"})
    assert done.returncode == 0, done.stdout + done.stderr  # the jail holds: grading is not refused for this
    line = next(line for line in done.stdout.splitlines() if "syscalls" in line)
    assert line.strip().startswith("no") and "GRADER_NO_SECCOMP" in line, done.stdout


def test_without_a_binding_the_reason_says_what_to_install(monkeypatch):
    """No binding importable (neither libseccomp's own nor pyseccomp): the reason names the fix."""
    monkeypatch.setattr(syscalls, "_binding", None)
    monkeypatch.setattr(syscalls, "problem", syscalls.problem)
    monkeypatch.setitem(sys.modules, "seccomp", None)  # None in sys.modules: the import fails
    monkeypatch.setitem(sys.modules, "pyseccomp", None)
    reason = syscalls.binding()
    assert isinstance(reason, str) and "optim-grader[seccomp]" in reason and "libseccomp2" in reason
    assert syscalls.filter_syscalls() == reason  # nothing loaded, nothing raised
    if jail_available():  # and a real jail, entered without it, says so (the doctor forks from here)
        from grader.isolation import doctor

        found = {p.name: p for p in doctor.report()}
        assert all(p.holds for p in found.values() if p.required), found
        assert not found["syscalls"].holds and "optim-grader[seccomp]" in found["syscalls"].why, found["syscalls"]


@needs_filter
@pytest.mark.skipif("__import__('platform').machine() != 'x86_64'", reason="x86's 32-bit entry (int 0x80)")
def test_a_call_through_the_32_bit_entry_is_not_let_through():
    """The filter is for this architecture's calls; x86's int 0x80 enters with other numbers (i386's),
    which it would not recognise: libseccomp kills the process that tries one (SIGSYS) instead."""
    import ctypes
    import mmap
    import signal

    code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"  # mov eax, 20 (i386's getpid); int 0x80; ret

    def ends(filtered: bool) -> str:
        pid = os.fork()
        if pid == 0:  # a throwaway child of this process: the filter stays with it
            if filtered:
                syscalls.filter_syscalls()
            page = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            page.write(code)
            call = ctypes.CFUNCTYPE(ctypes.c_long)(ctypes.addressof(ctypes.c_char.from_buffer(page)))
            os._exit(0 if call() == os.getpid() else 3)
        _, status = os.waitpid(pid, 0)
        return signal.Signals(os.WTERMSIG(status)).name if os.WIFSIGNALED(status) else f"exit {os.WEXITSTATUS(status)}"

    unfiltered = ends(filtered=False)
    if unfiltered != "exit 0":  # a kernel without 32-bit emulation: nothing to let through
        pytest.skip(f"no 32-bit entry on this kernel (a call through it ends in {unfiltered})")
    assert ends(filtered=True) == "SIGSYS"
