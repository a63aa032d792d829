"""Student code runs in a worker: crashes, hangs, exits, floods and forgeries stop there."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import textwrap
import time

import pytest

from conftest import ROOT

SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()


@pytest.fixture(scope="module")
def strict(course):
    """exercise-3 with tight limits, so hangs and floods are cut short quickly (the time limit far
    from what a flood takes to reach the memory or output limit, even on a busy machine)."""
    from grader.grading import runner as grading

    exercises = tuple(dataclasses.replace(e, timeout=3.0) for e in course.exercises)
    tight = dataclasses.replace(course, exercises=exercises, memory_mb=600, output_limit=64 * 1024)

    def run(path, **kw):
        return grading.grade_exercise(course=tight, exercise=tight.exercise("exercise-3"), path=path, **kw)

    return run


UPDATE = "    with torch.no_grad():\n        for p in params:"  # where sgd_update's step begins


def sgd_update_that(does: str, imports: str = "") -> str:
    """The reference exercise 3, with ``does`` (indented lines) run in sgd_update before its step."""
    return imports + SOLUTION.replace(UPDATE, does + UPDATE, 1)


def submit(tmp_path, body: str, name: str = "exercise_3.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(body))
    return path


def passed_but_by_hand(result) -> bool:
    """Every check passed but the by-hand one, which rightly cannot tell how a step is taken when the
    code also calls modules it does not read (subprocess, shutil): what these tests are not about."""
    return all(c.passed for c in result.checks if c.name != "test_steps_are_written_by_hand")


def feedback_of(result, check="test_sgd_step_matches_torch") -> str:
    return next(c for c in result.checks if c.name == check).feedback


def test_endless_loop_is_stopped_and_named(strict, tmp_path):
    path = submit(tmp_path, sgd_update_that("    while True:\n        pass\n"))
    start = time.monotonic()
    result = strict(path)
    assert "still running after 3 s" in feedback_of(result)
    # momentum checks still pass: one hanging function does not sink the rest
    assert next(c for c in result.checks if c.name == "test_momentum_first_step").passed
    assert time.monotonic() - start < 60


@pytest.mark.parametrize("call, expected", [
    ("os._exit(0)", "ended (exit code 0) before your function returned"),
    ("sys.exit(3)", "called exit() (code 3)"),
    ("ctypes.string_at(0)", "crashed (SIGSEGV)"),
])
def test_exits_and_crashes_fail_that_check_only(strict, tmp_path, call, expected):
    path = submit(tmp_path, sgd_update_that(f"    {call}\n", imports="import os, sys, ctypes, signal\n"))
    result = strict(path)
    assert expected in feedback_of(result)
    assert next(c for c in result.checks if c.name == "test_momentum_carries_velocity").passed


def test_memory_blow_up_is_stopped(strict, tmp_path):
    path = submit(tmp_path, sgd_update_that("    hog = [torch.ones(50_000_000) for _ in range(40)]\n"))
    assert "more than 600 MB" in feedback_of(strict(path))


def test_output_flood_is_stopped(strict, tmp_path):
    path = submit(tmp_path, sgd_update_that("    while True:\n        print('x' * 1000)\n"))
    assert "printed more than 64 KiB" in feedback_of(strict(path))


def test_leftover_child_process_is_killed_and_not_waited_for(strict, tmp_path):
    tag = f"{time.time_ns() % 10**9}"  # the child's pid means nothing outside the jail: find it by its command
    path = submit(tmp_path, sgd_update_that(
        f"    subprocess.Popen(['sleep', '300.{tag}'])\n", imports="import subprocess\n"))
    start = time.monotonic()
    result = strict(path)
    assert time.monotonic() - start < 30
    assert passed_but_by_hand(result), [c.feedback for c in result.checks if not c.passed]
    assert not _processes_running(f"300.{tag}")


def _processes_running(marker: str) -> list[int]:
    """Live processes whose command line holds ``marker``."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as f:
                    if marker.encode() in f.read() and _running(int(entry)):
                        found.append(int(entry))
            except OSError:
                pass
    return found


def _running(pid: int) -> bool:
    """Alive and not a zombie (a killed orphan waits for init to reap it)."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_forged_bytes_on_every_descriptor_are_refused(strict, tmp_path):
    path = submit(tmp_path, sgd_update_that(
        "    for fd in range(3, 64):\n        try:\n            os.write(fd, b'GRDR1\\n' + b'\\xff' * 64)\n"
        "        except OSError:\n            pass\n", imports="import os\n"))
    result = strict(path)
    assert not next(c for c in result.checks if c.name == "test_sgd_step_matches_torch").passed
    assert "could not be read" in feedback_of(result)


def test_student_torch_py_and_conftest_change_nothing(strict, tmp_path):
    (tmp_path / "torch.py").write_text("raise SystemExit('shadowed torch')\n")
    (tmp_path / "conftest.py").write_text("import os\nos._exit(9)\n")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --collect-only\n")
    result = strict(submit(tmp_path, SOLUTION))
    assert result.passed and result.score == result.max_score


def test_students_own_module_beside_the_submission_can_be_imported(strict, tmp_path):
    (tmp_path / "my_helpers.py").write_text("def step(p, lr):\n    p -= lr * p.grad\n")
    body = SOLUTION.replace("p -= lr * p.grad", "my_helpers.step(p, lr)", 1)
    result = strict(submit(tmp_path, "import my_helpers\n" + body))
    assert next(c for c in result.checks if c.name == "test_sgd_step_matches_torch").passed


def test_exception_traceback_shows_only_student_frames(strict, tmp_path):
    path = submit(tmp_path, """\
        import torch

        def helper(p):
            return p.grad.missing_attribute

        def sgd_update(params, lr):
            for p in params:
                helper(p)

        def sgd_momentum_update(params, velocities, lr, momentum):
            raise NotImplementedError
        """)
    text = feedback_of(strict(path))
    assert "raised AttributeError" in text
    assert 'exercise_3.py", line 4, in helper' in text
    assert 'line 8, in sgd_update' in text
    assert "grader" not in text.split("Traceback", 1)[1].split("What to change")[0]


def test_syntax_error_names_file_and_line_once(strict, tmp_path):
    result = strict(submit(tmp_path, "def sgd_update(params, lr)\n    pass\n"))
    assert result.problem and "line 1" in result.problem and "exercise_3.py" in result.problem
    assert all(not c.passed for c in result.checks)


def test_missing_function_is_named(strict, tmp_path):
    result = strict(submit(tmp_path, SOLUTION.split("def sgd_momentum_update")[0]))
    text = feedback_of(result, "test_momentum_first_step")
    assert "has no function named `sgd_momentum_update`" in text


def test_error_at_import_time_is_explained(strict, tmp_path):
    result = strict(submit(tmp_path, "import no_such_module_here\n" + SOLUTION))
    text = feedback_of(result)
    assert "`no_such_module_here`" in text and "not available to the grader" in text and "line 1" in text
    result = strict(submit(tmp_path, "ratio = 1 / 0\n" + SOLUTION))
    text = feedback_of(result)
    assert "ZeroDivisionError while it was being loaded" in text and "line 1" in text
    assert "keep it to imports and definitions" in text


def test_not_submitted(strict):
    result = strict(None)
    assert result.problem.startswith("not submitted") and result.score == 0 and result.checks


def test_dead_fork_server_is_replaced(strict, tmp_path):
    from grader.isolation import client

    current = client.current()
    os.kill(current.pid, 9)
    time.sleep(0.1)
    first = strict(submit(tmp_path, SOLUTION))  # the first job finds it dead and says so
    second = strict(submit(tmp_path, SOLUTION))
    assert second.passed
    assert first.passed or any("worker server stopped" in c.feedback for c in first.checks)


def test_worker_never_unpickles(tmp_path):
    """The judge-side decoder is grader.isolation.wire: pickle is nowhere on the path from a worker."""
    on_the_path = [*sorted((ROOT / "grader" / "isolation").glob("*.py")), ROOT / "grader" / "grading" / "lab.py"]
    for path in on_the_path:
        text = path.read_text()
        assert "pickle" not in text.replace("unpickle", "").replace("without pickle", "").replace("no pickle", ""), path
    subprocess.run(["true"], check=True)


def test_worker_cannot_see_the_graders_files(strict, tmp_path):
    secret = tmp_path / "secret"
    secret.mkdir(mode=0o755)
    (secret / "solution.py").write_text("the answer")
    submission = tmp_path / "submission"
    submission.mkdir(mode=0o755)
    path = submit(submission, sgd_update_that(f"    print(open({str(secret / 'solution.py')!r}).read())\n"))
    text = feedback_of(strict(path))
    assert "FileNotFoundError" in text and "the answer" not in text


# A submission's checks share one worker (forking torch costs more than most probes); each job
# must still see what a freshly forked worker would. This one leaves a mess after every job and
# fails any job that finds one.
LEAVES_A_MESS = '''
import os, random, sys, torch
import helper

_first = True


def sgd_update(params, lr):
    global _first
    if _first:
        _first = False
        left = [what for what, found in [
            ("a file in the working folder", os.path.exists("left-behind")),
            ("an environment variable", "LEFT_BEHIND" in os.environ),
            ("an entry on sys.path", "left-behind" in sys.path),
            ("a global of the student's own module", helper.count != 0),
            ("grad mode off", not torch.is_grad_enabled()),
        ] if found]
        if left:
            raise RuntimeError("left over from an earlier job: " + ", ".join(left))
        with open("/proc/self/stat") as stat:  # the worker's start time tells workers apart
            started = stat.read().rsplit(")", 1)[1].split()[19]
        print("JOB", started, repr(torch.rand(1).item()), repr(random.random()))  # each job's random states
        open("left-behind", "w").close()
        os.environ["LEFT_BEHIND"] = "1"
        sys.path.append("left-behind")
        helper.count += 1
        torch.manual_seed(1234)
        random.seed(1234)
    with torch.no_grad():
        for p in params:
            if p.grad is not None:
                p -= lr * p.grad
'''


def test_jobs_sharing_a_worker_start_from_a_clean_slate(tmp_path):
    from grader.isolation import client

    (tmp_path / "helper.py").write_text("count = 0\n")
    source = SOLUTION.replace("def sgd_update(params, lr):", "def _reference_sgd_update(params, lr):")
    path = submit(tmp_path, LEAVES_A_MESS + source)
    box = client.start_spawned()
    request = _request(path, tmp_path, timeout=30)
    jobs = []
    for seed in range(5):  # each job's printed line: the worker's start time, then its draws
        reply = box.run(dataclasses.replace(request, params={"seed": seed, "lr": 0.1}))
        assert reply.status == "ok" and "left over" not in reply.output, reply.output
        jobs.append(next(line.split()[1:] for line in reply.output.splitlines() if line.startswith("JOB ")))
    box.close()
    assert len({worker for worker, _, _ in jobs}) < len(jobs), "the jobs did not share a worker"
    assert len({torch_draw for _, torch_draw, _ in jobs}) == 1  # as a fresh fork of the fork server has it
    for worker in {worker for worker, _, _ in jobs}:  # Python reseeds `random` in each forked child
        assert len({py_draw for w, _, py_draw in jobs if w == worker}) == 1


def _request(path, folder, timeout: float = 300):
    from grader.isolation.protocol import Chunk, Job

    return Job(probe="grader.lesson.exercise_3.probes:sgd_steps", params={"seed": 1, "lr": 0.1}, module="exercise_3",
               chunks=(Chunk(str(path), path.read_text()),), folder=str(folder), own=(str(folder),), timeout=timeout)


def test_a_worker_dies_with_its_fork_server(tmp_path):
    import threading

    from grader.isolation import client

    tag = f"{time.time_ns() % 10**9}"
    path = submit(tmp_path, sgd_update_that(
        f"    subprocess.Popen(['sleep', '301.{tag}'])\n    time.sleep(300)\n", imports="import subprocess, time\n"))
    box = client.start_spawned()
    replies = []
    job = threading.Thread(target=lambda: replies.append(box.run(_request(path, tmp_path))), daemon=True)
    job.start()
    deadline = time.monotonic() + 60
    while not _processes_running(f"301.{tag}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _processes_running(f"301.{tag}")
    os.kill(box.pid, 9)
    job.join(30)
    assert replies and replies[0].status == "lost"
    deadline = time.monotonic() + 10
    while _processes_running(f"301.{tag}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _processes_running(f"301.{tag}")


def test_a_check_that_removes_its_working_folder_does_not_sink_the_next(strict, tmp_path):
    path = submit(tmp_path, sgd_update_that("    shutil.rmtree(os.getcwd(), ignore_errors=True)\n",
                                            imports="import os, shutil\n"))
    result = strict(path)
    # The working folder is the jail's own /tmp: its contents go, the folder stays, every check passes.
    assert passed_but_by_hand(result), [c.feedback for c in result.checks if not c.passed]


def test_code_that_exits_after_returning_is_not_blamed_on_the_next_check(strict, tmp_path):
    # sgd_update returns its step, then a timer ends the worker between two checks.
    path = submit(tmp_path, sgd_update_that("    threading.Timer(0.01, lambda: os._exit(0)).start()\n",
                                            imports="import os, threading\n"))
    result = strict(path)
    assert all(c.passed for c in result.checks if c.name.startswith("test_sgd")), \
        [c.feedback for c in result.checks if not c.passed]
