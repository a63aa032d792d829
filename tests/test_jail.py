"""The jail (grader/jail.py) and `grade doctor`, as root, as an ordinary user, and where namespaces are denied."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

GRADE = str(Path(sys.executable).with_name("grade"))
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
STUB = (ROOT / "exercises" / "exercise_3.py").read_text()


def jail_available() -> bool:
    from grader.isolation import doctor

    return doctor.available().ok


needs_jail = pytest.mark.skipif("not jail_available()", reason="this machine allows no namespaces for the jail")


def grade(*args, env=None, cwd=ROOT, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([GRADE, *args], cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, **kw)


@needs_jail
def test_doctor_says_every_property_holds_here():
    done = grade("doctor")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _verdicts(done.stdout) == dict.fromkeys(PROPERTIES, "yes"), done.stdout


PROPERTIES = ("identity", "network", "files", "nothing outlives", "limits", "results")


def _verdicts(report: str) -> dict[str, str]:
    """{property: yes/no} from `grade doctor`'s lines ``  yes  identity   why…``."""
    found = {}
    for line in report.splitlines():
        verdict, _, rest = line.strip().partition("  ")
        name = next((n for n in PROPERTIES if rest.strip().startswith(n)), None)
        if verdict in ("yes", "no") and name:
            found[name] = verdict
    return found


def test_doctor_tells_the_truth_where_namespaces_are_denied():
    done = grade("doctor", env={"GRADER_NO_NAMESPACES": "1"})
    assert done.returncode == 1
    verdict = _verdicts(done.stdout)
    assert verdict["identity"] == verdict["network"] == verdict["files"] == "no"
    assert verdict["nothing outlives"] == verdict["results"] == "no"
    assert verdict["limits"] == "yes"
    assert "GRADER_NO_NAMESPACES" in done.stdout and "--allow-unsandboxed" in done.stdout


def test_grading_without_namespaces_still_works_with_a_warning(tmp_path):
    path = tmp_path / "exercise_3.py"
    path.write_text(SOLUTION)
    done = grade("exercise-3", "--submission", str(path), "--json", env={"GRADER_NO_NAMESPACES": "1"})
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)  # the warning goes to stderr: --json stays one object
    assert result["score"] == 10 and result["extra_data"]["isolation"].startswith("unjailed")
    assert done.stderr.count("\n") == 1 and "without the grader's jail" in done.stderr and "grade doctor" in done.stderr


@needs_jail
def test_an_endless_loop_costs_one_time_limit_not_one_per_check(course, tmp_path):
    import dataclasses

    from grader.grading import runner as grading

    exercises = tuple(dataclasses.replace(e, timeout=2.0) for e in course.exercises)
    tight = dataclasses.replace(course, exercises=exercises)
    path = tmp_path / "exercise_3.py"
    path.write_text(SOLUTION.replace("def sgd_update(params, lr):", "def sgd_update(params, lr):\n    while True:\n"
                                     "        pass\n", 1))
    result = grading.grade_exercise(course=tight, exercise=tight.exercise("exercise-3"), path=path)
    calls_sgd = [c for c in result.checks if not c.passed]
    assert len(calls_sgd) >= 4
    assert "still running after 2 s" in calls_sgd[0].feedback
    assert all("ran past its time limit of 2 s in an earlier check" in c.feedback for c in calls_sgd[1:])
    # Decided at once, never run again: all the later checks together take less than the one limit
    # each of them used to wait out (the first check's time also holds the fork server's start).
    assert sum(c.seconds for c in calls_sgd[1:]) < 2.0
    assert any(c.passed for c in result.checks)  # sgd_momentum_update is still graded


@needs_jail
def test_an_allocation_past_the_memory_limit_is_refused_at_once(course, tmp_path):
    """A hard limit: the outcome does not depend on how busy the machine is (no race with a sampler)."""
    import dataclasses

    from grader.grading import runner as grading

    tight = dataclasses.replace(course, memory_mb=600)
    path = tmp_path / "exercise_3.py"
    path.write_text(SOLUTION.replace("def sgd_update(params, lr):", "def sgd_update(params, lr):\n"
                                     "    hog = torch.empty(20_000_000_000, dtype=torch.uint8)\n", 1))
    result = grading.grade_exercise(course=tight, exercise=tight.exercise("exercise-3"), path=path)
    text = next(c for c in result.checks if c.name == "test_sgd_step_matches_torch").feedback
    assert "used more than 600 MB of memory" in text and "allocation was refused" in text


def test_a_jail_failure_is_the_graders_fault_not_the_students():
    from grader.grading import feedback
    from grader.isolation.protocol import JAIL, WorkerReply

    reply = WorkerReply(JAIL, b"", "", 0, None, None, 0.1, 0.0, "jail", "mount on /proc: Operation not permitted")
    problem = feedback.worker_problem(reply, "sgd_update", 3.0, 600, 1 << 20)
    assert "not your code's fault" in problem.text and "grade doctor" in problem.text
    assert "mount on /proc" in problem.text and "traceback" not in problem.text.lower()
    assert problem.incident == JAIL and problem.mistake is None


def test_a_worker_cannot_say_its_jail_failed():
    """Only the fork server decides JAIL (from the worker's setup pipe, closed before any student code
    runs); an error of kind "jail" that a worker sends is the student's own."""
    from grader.grading import feedback

    problem = feedback.student_error({"kind": "jail", "message": "mount on /proc: Operation not permitted"},
                                     "sgd_update", "exercise_3.py")
    assert "not your code's fault" not in problem.text and problem.incident is None


def test_a_worker_that_fails_before_its_jail_is_ready_is_reported_by_the_fork_server(tmp_path):
    """A real fork server and a worker whose setup fails (its job has no code to read): status JAIL,
    with what failed, decided by the trusted side."""
    from grader.isolation import client
    from grader.isolation.protocol import JAIL, Job

    broken = Job(probe="grader.lesson.exercise_3.probes:sgd_steps", params={"seed": 1}, module="exercise_3",
                 folder=str(tmp_path), course_root=str(ROOT), timeout=20,
                 chunks=None)  # type: ignore[arg-type]  # no code: the worker's setup fails
    reply = client.current().run(broken)
    assert reply.status == JAIL and "TypeError" in reply.problem, reply


@needs_jail
def test_nothing_is_left_in_the_temp_folder(tmp_path):
    before = set(Path(tempfile.gettempdir()).glob("grader-worker-*"))
    path = tmp_path / "exercise_3.py"
    path.write_text(SOLUTION.replace("def sgd_update(params, lr):", "def sgd_update(params, lr):\n"
                                     "    open('left.txt', 'w').write('x')\n", 1))
    assert grade("exercise-3", "--submission", str(path)).returncode == 0
    assert set(Path(tempfile.gettempdir()).glob("grader-worker-*")) == before


# ---------------------------------------------------------------- as an ordinary user

def _as_nobody(command: list[str], readable: list[Path]) -> list[str] | None:
    """``command`` run as nobody, in a private mount namespace where the folders on the way to
    ``readable`` are passed through (this root's home, or a clone in a ``mktemp -d`` folder, is
    closed to others); None if that can't be arranged here."""
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("setpriv") or not os.path.isdir("/mnt"):
        return None
    closed = {parent for path in readable for parent in [path, *path.parents]
              if parent != Path("/") and not parent.stat().st_mode & stat.S_IXOTH}
    if any(a != b and a.is_relative_to(b) for a in closed for b in closed):
        return None  # closed folders inside closed folders: more than this helper untangles
    # Staging mount points on a tmpfs of this namespace's own: nothing is left on the host.
    script = ["set -e", "mount -t tmpfs tmpfs /mnt"]
    for n, folder in enumerate(sorted(closed)):
        # An open stand-in for the closed folder, holding what is needed of it (all of it, if it
        # is itself one of the readable paths).
        keep = sorted(folder.iterdir()) if folder in readable else sorted(
            {folder / p.relative_to(folder).parts[0] for p in readable if p.is_relative_to(folder) and p != folder})
        make = {path: "mkdir -p" if path.is_dir() else "touch" for path in keep}  # a file binds onto a file
        for i, path in enumerate(keep):
            script.append(f"{make[path]} /mnt/{n}-{i} && mount --rbind {shlex.quote(str(path))} /mnt/{n}-{i}")
        script.append(f"mount -t tmpfs -o mode=755 tmpfs {shlex.quote(str(folder))}")
        for i, path in enumerate(keep):
            quoted = shlex.quote(str(path))
            script.append(f"{make[path]} {quoted} && mount --rbind /mnt/{n}-{i} {quoted}")
    script.append('exec setpriv --reuid=65534 --regid=65534 --clear-groups -- "$@"')
    return ["unshare", "--mount", "--propagation", "private", "sh", "-c", "\n".join(script), "sh", *command]


@needs_jail
def test_an_ordinary_user_gets_the_same_jail(tmp_path):
    folder = Path(tempfile.mkdtemp(prefix="grader-nobody-"))
    try:
        folder.chmod(0o755)
        (folder / "exercise_3.py").write_text(SOLUTION)
        (folder / "exercise_3.py").chmod(0o644)
        readable = [Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), ROOT, folder]
        doctor = _as_nobody([GRADE, "doctor"], readable)
        if doctor is None:
            pytest.skip("cannot run the grader as nobody here (needs root, unshare and setpriv)")
        done = subprocess.run(doctor, cwd=ROOT, capture_output=True, text=True)
        if "user namespace" not in done.stdout and done.returncode != 0:
            pytest.skip(f"unprivileged user namespaces are not allowed here: {done.stdout}")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "your uid in a user namespace of its own" in done.stdout
        graded = subprocess.run(_as_nobody([GRADE, "exercise-3", "--submission", str(folder / "exercise_3.py"),
                                            "--json"], readable), cwd=ROOT, capture_output=True, text=True)
        assert graded.returncode == 0, graded.stderr
        result = json.loads(graded.stdout)
        assert result["score"] == 10 and result["extra_data"]["isolation"] == "jail"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_jails_limits_are_explained_in_the_lessons_words():
    from grader.grading import feedback

    fork = feedback.student_error({"kind": "exception", "type": "BlockingIOError",
                                   "message": "[Errno 11] Resource temporarily unavailable"}, "sgd_update", "x.py")
    assert "more processes" in fork.text
    disk = feedback.student_error({"kind": "exception", "type": "OSError",
                                   "message": "[Errno 28] No space left on device"}, "sgd_update", "x.py")
    assert "working folder holds (64 MB)" in disk.text


@needs_jail
def test_the_same_verdicts_with_the_jail_as_without(course, monkeypatch):
    """Exercise 3's whole mistake corpus and its solution: every check's verdict and feedback alike."""
    from conftest import MISTAKES

    from grader.grading import runner as grading
    from grader.isolation import client

    paths = [ROOT / "solutions" / "exercise_3.py", *sorted((MISTAKES / "exercise_3").glob("*.py"))]
    exercise = course.exercise("exercise-3")

    def verdicts():
        client.start_spawned()  # a fresh fork server, reading the environment as set now
        try:
            return [[(c.name, c.passed, c.feedback) for c in grading.grade_exercise(
                course=course, exercise=exercise, path=p).checks] for p in paths]
        finally:
            client._shutdown()

    jailed = verdicts()
    monkeypatch.setenv("GRADER_NO_NAMESPACES", "1")
    unjailed = verdicts()
    assert jailed == unjailed
    assert sum(all(passed for _, passed, _ in v) for v in jailed) == 1  # the solution only


def test_a_mask_inside_another_is_left_to_it():
    """The hidden list names a checks module's __pycache__ folder and, under PYTHONPYCACHEPREFIX or
    a second content folder, paths that may lie inside another hidden one: only the outer one is
    masked (a mount inside the empty, closed tmpfs that masks a folder could not be made)."""
    from grader.isolation import jail

    folder = Path(tempfile.mkdtemp(prefix="grader-masks-", dir=sys.prefix))  # inside a folder the jail binds
    try:
        (folder / "__pycache__").mkdir()
        (folder / "__pycache__" / "checks.cpython-311.pyc").write_bytes(b"compiled")
        (folder / "checks.py").write_text("hidden")
        hidden = (str(folder / "__pycache__"), str(folder / "__pycache__" / "checks.cpython-311.pyc"),
                  str(folder / "checks.py"))
        assert jail.make_plan(hidden=hidden).masks == (str(folder / "__pycache__"), str(folder / "checks.py"))
    finally:
        shutil.rmtree(folder)
