"""`grade batch --cluster`: a class graded on a real Dask cluster on 127.0.0.1.

The module starts a real ``dask scheduler`` and two ``dask worker`` processes
(free ports, own folders, torn down at the end) and grades one small class
through them with the real ``grade`` command, comparing every file it writes
with a local ``grade batch`` of the same class. A worker is killed with SIGKILL
in mid-student, the instructor's process is killed in mid-run, and a worker with
another course joins: the grades stay the same.
"""

from __future__ import annotations

import dataclasses
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORRECT, MISTAKES, ROOT
from course_copy import make_course
from grader.batch import gradebook
from grader.isolation.procs import children

pytest.importorskip("distributed")

BIN = Path(sys.executable).parent
EXERCISES = ["--exercise", "exercise-1", "--exercise", "exercise-3"]
LIMITS = ["--timeout", "20", "--memory", "600"]
# One salt for every batch here: the cluster's files must be the local batch's byte for byte, and a
# failed check's evidence shows values of the (salted) inputs.
SALT = ["--salt", "cluster-tests"]
START_LIMIT = 120  # seconds a Dask process may take to come up on a busy machine


def build_class(root: Path) -> Path:
    """Twelve students: solutions, mistakes, a stub, a notebook-free single file, nothing, a zip, and two
    attackers of the trusted side (a worker's inherited memory and descriptors)."""
    import zipfile

    root.mkdir()
    solution = {n: (ROOT / "solutions" / f"exercise_{n}.py").read_text() for n in (1, 3)}
    entries = {
        "amy": {"exercise_1.py": solution[1], "exercise_3.py": solution[3]},
        "ben": {"exercise_3.py": (MISTAKES / "exercise_3" / "gradient_ascent.py").read_text()},
        "cat": {"exercise_1.py": (ROOT / "exercises" / "exercise_1.py").read_text()},
        "dan": {"work/week2/exercise_3.py": (CORRECT / "exercise_3" / "data_attribute.py").read_text(),
                "work/week2/notes.txt": "my notes"},
        "eve": {"exercise_3.py": (MISTAKES / "exercise_3" / "forgets_no_grad.py").read_text(),
                "exercise_1.py": solution[1]},
        "fay": {},
        "gus": {"exercise_1.py": solution[1]},
        "hal": {"exercise_3.py": solution[3]},
        # Attackers (tests/attacks): scan the worker's memory for a classmate's (the solution's) code, and
        # look for descriptors it inherited. On a cluster too they find nothing and score 0.
        "kim": {"exercise_3.py": (ROOT / "tests" / "attacks" / "38_scavenge_inherited_memory.py").read_text()},
        "liz": {"exercise_3.py": (ROOT / "tests" / "attacks" / "42_inherited_descriptors.py").read_text()},
    }
    for sid, files in entries.items():
        (root / sid).mkdir()
        for name, text in files.items():
            (root / sid / name).parent.mkdir(parents=True, exist_ok=True)
            (root / sid / name).write_text(text)
    (root / "ivy.py").write_text(solution[1])  # one file for every exercise
    with zipfile.ZipFile(root / "jon.zip", "w") as zf:
        zf.writestr("jon/exercise_3.py", solution[3])
    return root


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and its workers, as processes of this test module."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.address = f"tcp://127.0.0.1:{free_port()}"
        self.workers: dict[str, subprocess.Popen] = {}
        self.count = 0
        port = self.address.rsplit(":", 1)[1]
        self.scheduler = self._start("scheduler", [BIN / "dask", "scheduler", "--host", "127.0.0.1", "--port",
                                                   port, "--no-dashboard"], "Scheduler at:")

    def _start(self, name: str, argv, ready: str, env=None) -> subprocess.Popen:
        proc = self._launch(name, argv, env)
        self._wait(name, proc, ready)
        return proc

    def _launch(self, name: str, argv, env=None) -> subprocess.Popen:
        with open(self.folder / f"{name}.log", "w") as stderr:
            return subprocess.Popen([str(a) for a in argv], stdout=subprocess.DEVNULL, stderr=stderr,
                                    env=dict(os.environ, **(env or {})), cwd=self.folder)

    def _wait(self, name: str, proc: subprocess.Popen, ready: str) -> None:
        log = self.folder / f"{name}.log"
        deadline = time.monotonic() + START_LIMIT
        while ready not in log.read_text():
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.1)

    def add_workers(self, n: int, env=None) -> list[str]:
        """Start ``n`` workers at once; their addresses, once each has joined the scheduler."""
        started = {}
        for _ in range(n):
            self.count += 1
            name = f"worker-{self.count}"
            started[name] = self.workers[name] = self._launch(name, [
                BIN / "dask", "worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                "--name", name, "--local-directory", self.folder / name], env)
        for name, proc in started.items():
            self._wait(name, proc, "Registered to:")
        return [re.search(r"Start worker at:\s+(\S+)", (self.folder / f"{name}.log").read_text()).group(1)
                for name in started]

    def keep(self, n: int) -> None:
        """Exactly ``n`` live workers of ours (killed ones replaced, the last ones started stopped)."""
        for name, proc in list(self.workers.items()):
            if proc.poll() is not None:
                del self.workers[name]
        while len(self.workers) > n:
            _, proc = self.workers.popitem()
            proc.kill()
            proc.wait()
        if len(self.workers) < n:
            self.add_workers(n - len(self.workers))

    def close(self) -> None:
        for proc in [*self.workers.values(), self.scheduler]:
            proc.kill()
            proc.wait()


@pytest.fixture(scope="module")
def class_(tmp_path_factory):
    return build_class(tmp_path_factory.mktemp("cluster") / "class")


@pytest.fixture(scope="module")
def local(class_, tmp_path_factory):
    """The same class graded by a local batch: what the cluster must reproduce."""
    out = tmp_path_factory.mktemp("local") / "results"
    done = batch(class_, out, "-j", "2", importtime=True)
    assert done.returncode == 0, done.stderr[-3000:]
    # Dask is the cluster's alone: a local batch (main and its forked judges) never imports it.
    imported = {line.rsplit("|", 1)[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "json" in imported and not imported & {"dask", "distributed"}
    return out


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    cluster = Cluster(tmp_path_factory.mktemp("dask"))
    try:
        yield cluster
    finally:
        cluster.close()


def batch(class_: Path, out: Path, *extra, popen: bool = False, env=None, importtime: bool = False):
    argv = [*([sys.executable, "-X", "importtime"] if importtime else []), str(BIN / "grade"),
            "batch", str(class_), "--out", str(out), *EXERCISES, *LIMITS, *SALT, *extra]
    if popen:
        return subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=600,
                          env=dict(os.environ, **(env or {})))


def assert_same_results(out: Path, local: Path) -> None:
    """grades.csv byte for byte, and every student's results.json and feedback.md."""
    assert (out / "grades.csv").read_bytes() == (local / "grades.csv").read_bytes()
    ours = sorted(p.relative_to(out) for p in out.rglob("*") if p.is_file() and p.parent != out)
    theirs = sorted(p.relative_to(local) for p in local.rglob("*") if p.is_file() and p.parent != local)
    assert ours == theirs
    for path in ours:
        assert (out / path).read_bytes() == (local / path).read_bytes(), path


def stored(out: Path, sql: str):
    with sqlite3.connect(out / gradebook.STORE_NAME) as conn:
        return conn.execute(sql).fetchall()


def test_a_class_graded_on_two_workers_gets_the_local_batchs_files(cluster, class_, local, tmp_path):
    cluster.keep(2)
    out = tmp_path / "results"
    done = batch(class_, out, "--cluster", cluster.address)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_results(out, local)
    assert f"Cluster {cluster.address}: 2 workers" in done.stdout
    assert "12 students: 12 graded in this run" in done.stdout
    # The isolation of a local batch holds on the workers: every submission ran in the jail.
    assert {r[0] for r in stored(out, "SELECT isolation FROM submissions WHERE status = 'graded'")} == {"jail"}
    # The attackers found no classmate's code in their workers' memory and no descriptor to walk out by.
    for attacker in ("kim", "liz"):
        assert {r[0] for r in stored(out, f"SELECT score FROM submissions WHERE student = '{attacker}'")} == {0}
        feedback = " ".join(r[0] for r in stored(out, f"SELECT feedback FROM checks WHERE student = '{attacker}'"))
        assert "BRE" "ACH!" not in feedback, (attacker, feedback[:1000])


@pytest.fixture(scope="module")
def faulty_run(cluster, class_, tmp_path_factory):
    """One batch through two good workers and a stale one (another course): a good worker is killed
    with SIGKILL while it grades a student. What came of it, for the two tests below."""
    cluster.keep(2)
    folder = tmp_path_factory.mktemp("faulty")
    other = make_course(folder / "other-course", exercises=("exercise-1", "exercise-3"))
    for data in (ROOT / "grader" / "lesson").glob("*.grdr"):  # the same reference data: only one check differs
        shutil.copyfile(data, other / "grader" / "lesson" / data.name)
    checks = other / "grader" / "lesson" / "exercise_3" / "checks.py"
    checks.write_text(checks.read_text() + "\n# changed since the instructor's copy\n")
    (stale,) = cluster.add_workers(1, env={"GRADER_COURSE": str(other)})
    stale_proc = cluster.workers[f"worker-{cluster.count}"]
    good = {name: proc for name, proc in cluster.workers.items() if proc is not stale_proc}
    out = folder / "results"
    proc = batch(class_, out, "--cluster", cluster.address, popen=True)
    victim, judged_there = None, False
    deadline = time.monotonic() + 300
    while proc.poll() is None and time.monotonic() < deadline:
        judged_there |= bool(children(stale_proc.pid))  # a refused worker never starts a judge
        if victim is None:
            for name, worker in good.items():
                # dask worker → judge → fork server → its namespace init → a student's worker (idle: 2 below)
                if any(len(descendants(judge)) >= 3 for judge in children(worker.pid)):
                    victim = name
                    worker.send_signal(signal.SIGKILL)
                    break
        time.sleep(0.02)
    stdout, stderr = proc.communicate(timeout=600)
    stale_proc.kill()
    stale_proc.wait()
    return dataclasses.make_dataclass("FaultyRun", ["out", "returncode", "stdout", "stderr", "victim", "stale",
                                                    "judged_there"])(out, proc.returncode, stdout, stderr, victim,
                                                                     stale, judged_there)


def test_a_worker_killed_in_mid_student_costs_a_retry_and_nothing_else(faulty_run, local):
    assert faulty_run.victim is not None, "no worker was seen grading a student"
    assert faulty_run.returncode == 0, faulty_run.stderr[-3000:]
    assert_same_results(faulty_run.out, local)
    # One row per student and exercise: the student whose worker died was recorded once.
    assert stored(faulty_run.out, "SELECT COUNT(*), COUNT(DISTINCT student || exercise) FROM submissions") == [(24, 24)]
    assert "error" not in {r[0] for r in stored(faulty_run.out, "SELECT status FROM submissions")}


def test_a_worker_with_another_course_is_refused_by_name(faulty_run, local):
    assert faulty_run.returncode == 0, faulty_run.stderr[-3000:]
    assert not faulty_run.judged_there
    stale = faulty_run.stale
    assert f"worker {stale} refused: its grader or course differs for exercise-3 (checks" in faulty_run.stderr
    assert f"refused {stale}:" in faulty_run.stdout
    assert_same_results(faulty_run.out, local)  # nobody was graded by the other course


def test_the_instructor_killed_in_mid_run_resumes_without_regrading(cluster, class_, local, tmp_path):
    cluster.keep(2)
    out = tmp_path / "results"
    proc = batch(class_, out, "--cluster", cluster.address, popen=True)
    kept = []
    deadline = time.monotonic() + 300
    while len(kept) < 3 and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            kept = stored(out, "SELECT student, exercise, graded_at FROM submissions")
        except sqlite3.Error:
            pass
    assert proc.poll() is None, "the batch finished before it could be killed"
    proc.kill()
    proc.communicate()
    kept = stored(out, "SELECT student, exercise, graded_at FROM submissions")  # what the store holds now
    done = batch(class_, out, "--cluster", cluster.address)
    assert done.returncode == 0, done.stderr[-3000:]
    assert_same_results(out, local)
    students = {s for s, _, _ in kept}
    assert "unchanged since the last one" in done.stdout
    assert re.search(rf"{12 - len(students)} graded in this run, {len(students)} unchanged", done.stdout)
    now = stored(out, "SELECT student, exercise, graded_at FROM submissions")
    assert set(kept) <= set(now) and len(now) == 24


def test_an_unreachable_scheduler_is_one_line_naming_it(class_, tmp_path):
    address = f"tcp://127.0.0.1:{free_port()}"
    done = batch(class_, tmp_path / "results", "--cluster", address,
                 env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach the Dask scheduler at {address}" in lines[0], done.stderr


def descendants(pid: int) -> list[int]:
    found = children(pid)
    return found + [d for c in found for d in descendants(c)]


# ---------------------------------------------------------------- the parts, without a cluster

def test_a_student_travels_as_the_files_their_jail_would_show(tmp_path):
    from grader import course as courses
    from grader.batch import cluster, warm_judges
    from grader.batch.intake import open_entry

    course = courses.load(ROOT)
    chosen = course.select(["exercise-1", "exercise-3"])
    entry = tmp_path / "kim"
    (entry / "deep" / "week2").mkdir(parents=True)
    (entry / "deep" / "week2" / "exercise_3.py").write_text("def sgd_update(params, lr): pass\n")
    (entry / "deep" / "week2" / "helpers.py").write_text("X = 1\n")
    (entry / "deep" / "week2" / ".secret").write_text("hidden files stay home")
    (entry / "deep" / "week2" / "__pycache__").mkdir()
    (entry / "deep" / "week2" / "link.py").symlink_to("/etc/passwd")
    student = open_entry(entry, chosen, tmp_path / "scratch")
    payload = cluster.pack(student, chosen)
    assert payload["single"] is False
    assert sorted(payload["files"]) == ["exercise_3.py", "helpers.py"]
    assert payload["exercises"] == [{"id": "exercise-1", "path": None}, {"id": "exercise-3", "path": "exercise_3.py"}]
    unpacked = warm_judges.write_student(payload, tmp_path / "there")
    assert unpacked.path_for("exercise-3") == tmp_path / "there" / "exercise_3.py"
    assert unpacked.entry == ""  # a folder: the worker is shown all of it

    (tmp_path / "lee.py").write_text("def sgd_update(params, lr): pass\n")
    single = cluster.pack(open_entry(tmp_path / "lee.py", chosen, tmp_path / "scratch2"), chosen)
    assert single["single"] is True and list(single["files"]) == ["lee.py"]
    assert {e["path"] for e in single["exercises"]} == {"lee.py"}
    assert warm_judges.write_student(single, tmp_path / "there2").entry == "lee.py"

    with pytest.raises(ValueError, match="leaves the student's folder"):
        warm_judges.write_student(dict(payload, files={"../escape.py": b""}), tmp_path / "there3")


def test_a_refusal_says_what_differs():
    from grader.batch.on_worker import differences

    mine = {"protocol": 1, "grader": "0.1.0", "torch": "2.14.1", "fingerprints": {"exercise-1": "a", "exercise-3": "b"}}
    assert differences(mine, mine) == []
    theirs = dict(mine, torch="2.15.0", fingerprints={"exercise-1": "a", "exercise-3": "c"})
    assert differences(mine, theirs) == [
        "torch 2.14.1, not 2.15.0",
        "its grader or course differs for exercise-3 (checks, probes, reference solution, limits or grader code)"]


def test_the_progress_line_names_the_graders_busy_and_the_pace():
    from grader.batch.meter import Meter

    shown = []
    meter = Meter(shown.append)
    meter.tick("amy", 2, "workers")
    meter.tick("ben", 2, "workers")
    assert shown[0].startswith("amy · 2 workers, ") and shown[1].endswith(" students/s")
    assert float(shown[1].split(", ")[1].split()[0]) > 0
    Meter(None).tick("amy", 2, "judges")  # no bar (not a terminal): nothing to show, nothing fails


def test_options_that_mean_nothing_on_a_cluster_are_usage_errors(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from grader.cli import cli

    monkeypatch.chdir(ROOT)
    (tmp_path / "class").mkdir()
    base = ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--cluster", "tcp://127.0.0.1:1"]
    result = CliRunner().invoke(cli, [*base, "-j", "4"])
    assert result.exit_code == 2 and "dask worker --nthreads" in result.output
    result = CliRunner().invoke(cli, [*base, "--device", "auto"])
    assert result.exit_code == 2 and "the workers' devices count" in result.output
