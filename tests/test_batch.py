"""`grade batch`: a small class with good, mistaken and broken submissions, graded as an instructor would.

Most tests share one uninterrupted run (module fixture) of `grade batch` in a
fresh process, as the instructor's command runs; the kill test interrupts a
second run with SIGKILL and finishes it with a third.
"""

from __future__ import annotations

import csv
import dataclasses
import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import nbformat
import pytest
from click.testing import CliRunner

from conftest import CORRECT, MISTAKES, ROOT
from grader.batch import exports, gradebook

GRADE = str(Path(sys.executable).with_name("grade"))
# A time limit far from what the other limits take to reach (kim fills 600 MB and leo 1 MiB of
# output in well under a second), so that a busy machine cannot turn a memory or output verdict
# into a timeout.
LIMITS = ["--timeout", "3", "--memory", "600"]
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
STUB = (ROOT / "exercises" / "exercise_3.py").read_text()
BROKEN = {  # sgd_momentum_update (3 checks, 4 points) goes wrong; sgd_update's checks still earn 6
    "hank": "import ctypes\n    ctypes.string_at(0)",
    "ivan": "while True:\n        pass",
    "judy": "import os\n    os._exit(3)",
    "kim": "hog = []\n    while True:\n        hog.append(b'x' * (128 << 20))",
    "leo": "while True:\n        print('momentum 0.9, still going ' * 2000)",
}



KILLS_ITS_JUDGE = """
def sgd_update(params, lr):
    import os, signal
    with open(f"/proc/{os.getppid()}/stat") as f:  # the fork server's parent: the judge
        judge = int(f.read().rsplit(")", 1)[1].split()[1])
    os.kill(judge, signal.SIGKILL)
"""
STUDENTS = 16


def broken(body: str) -> str:
    return SOLUTION + f"\n\ndef sgd_momentum_update(params, velocities, lr, momentum):\n    {body}\n"


def build_class(root: Path) -> Path:
    """Sixteen students, every kind of entry and every kind of trouble."""
    root.mkdir()
    (root / "alice").mkdir()
    (root / "alice" / "exercise_3.py").write_text(SOLUTION)
    (root / "bob" / "submission_4471").mkdir(parents=True)  # nested, as LMS downloads are
    (root / "bob" / "submission_4471" / "exercise_3.py").write_text(
        (MISTAKES / "exercise_3" / "gradient_ascent.py").read_text())
    with zipfile.ZipFile(root / "carol.zip", "w") as zf:
        zf.writestr("carol/exercise_3.py", (CORRECT / "exercise_3" / "data_attribute.py").read_text())
    (root / "dave.py").write_text((MISTAKES / "exercise_3" / "forgets_no_grad.py").read_text())
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import torch"), nbformat.v4.new_code_cell("# graded\n" + SOLUTION),
                nbformat.v4.new_code_cell("print('trying it out')")]
    nbformat.write(nb, root / "erin.ipynb")
    (root / "frank").mkdir()
    (root / "frank" / "exercise_3.py").write_text(STUB)
    (root / "gina").mkdir()  # handed in nothing
    for name, body in BROKEN.items():
        (root / name).mkdir()
        (root / name / "exercise_3.py").write_text(broken(body))
    (root / "mia").mkdir()
    (root / "mia" / "exercise_3.py").write_text(SOLUTION.replace("):", ")", 1))
    with zipfile.ZipFile(root / "ned.zip", "w") as zf:
        zf.writestr("exercise_3.py", SOLUTION)
        zf.writestr("../../ned_was_here.py", "print('outside')")
    with zipfile.ZipFile(root / "oz.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("exercise_3.py", SOLUTION)
        zf.writestr("weights.bin", b"\0" * (65 << 20))  # a few KB zipped, 65 MB unzipped
    (root / "zed").mkdir()
    (root / "zed" / "exercise_3.py").write_text(KILLS_ITS_JUDGE)
    return root


def batch(class_: Path, out: Path, *extra: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([GRADE, "batch", str(class_), "--out", str(out), "--exercise", "exercise-3",
                           "-j", "2", *LIMITS, *extra], cwd=ROOT, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def class_(tmp_path_factory):
    return build_class(tmp_path_factory.mktemp("batch") / "class")


@pytest.fixture(scope="module")
def graded(class_):
    out = class_.parent / "results"
    done = batch(class_, out)
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.fixture(scope="module")
def momentum_refused(course, tmp_path_factory):
    """What a submission whose momentum function only raises scores, graded alone: the checks
    the broken students' momentum functions cost them (whatever checks the course has today)."""
    from grader.grading import runner

    path = tmp_path_factory.mktemp("refused") / "exercise_3.py"
    path.write_text(broken("raise ValueError('no momentum today')"))
    return runner.grade_exercise(course=course, exercise=course.exercise("exercise-3"), path=path, device="cpu")


def rows(out: Path, sql: str, *args):
    conn = sqlite3.connect(out / gradebook.STORE_NAME)
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


def test_grades_csv_has_a_row_per_student_sorted_with_exercise_total_and_maximum(graded, momentum_refused):
    out, _ = graded
    with open(out / "grades.csv", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == ["student", "exercise-3", "total", "maximum"]
    names = [row[0] for row in table[1:]]
    assert names == sorted(names) == ["alice", "bob", "carol", "dave", "erin", "frank", "gina", "hank", "ivan",
                                      "judy", "kim", "leo", "mia", "ned", "oz", "zed"]
    score = {row[0]: float(row[1]) for row in table[1:]}
    assert all(row[2] == row[1] and row[3] == "10" for row in table[1:])
    assert score["alice"] == score["carol"] == score["erin"] == 10  # folder, zip of a folder, notebook
    assert 0 < score["bob"] < 10 and score["dave"] < 10
    assert score["frank"] == score["gina"] == score["mia"] == score["ned"] == score["oz"] == score["zed"] == 0
    assert 0 < momentum_refused.score < 10
    for name in BROKEN:  # sgd_update's checks pass; the momentum checks got no verdict
        assert score[name] == momentum_refused.score, name


def test_broken_submissions_are_errors_with_a_reason_and_the_batch_goes_on(graded, momentum_refused):
    out, summary = graded
    status = {s: (st, reason) for s, st, reason in
              rows(out, "SELECT student, status, reason FROM submissions WHERE exercise = 'exercise-3'")}
    expected = {"hank": "crashed (SIGSEGV)", "ivan": "still running after 3 s", "judy": "ended (exit code 3)",
                "kim": "more than 600 MB of memory", "leo": "printed more than 1024 KiB",
                "ned": "zip slip", "oz": "zip bomb"}
    for name, words in expected.items():
        assert status[name][0] == "error", name
        assert words in status[name][1], (name, status[name][1])
        assert name in summary and words in summary
    assert status["gina"] == ("missing", "not submitted")
    # Student code that tries to kill its judge cannot even see it (the jail's own PID namespace):
    # its function fails, it scores what its code earns, and nothing is retried.
    assert status["zed"][0] == "graded"
    assert rows(out, "SELECT retry FROM submissions WHERE student = 'zed'") == [(0,)]
    assert status["mia"][0] == "graded"  # a syntax error is the student's to fix: feedback, not an error
    assert {s for s, (st, _) in status.items() if st == "graded"} == {"alice", "bob", "carol", "dave", "erin",
                                                                      "frank", "mia", "zed"}
    incidents = dict(rows(out, "SELECT name, incident FROM checks WHERE student = 'ivan' AND status = 'error'"))
    momentum_checks = {c.name for c in momentum_refused.checks if not c.passed}
    assert set(incidents.values()) == {"timeout"} and set(incidents) == momentum_checks
    assert not list(out.parent.rglob("ned_was_here.py"))
    assert f"{STUDENTS} students: {STUDENTS} graded in this run" in summary
    assert "exercise-3  mean" in summary and "Checks failed most often" in summary
    assert "ran in the jail" in summary and "WARNING" not in summary


def test_gradebook_keeps_each_check_and_what_graded_it(graded, momentum_refused):
    out, _ = graded
    import torch

    import grader

    per_check = rows(out, "SELECT exercise, name, points, max_points, status, feedback FROM checks "
                          "WHERE student = 'bob'")
    assert sorted(r[1] for r in per_check) == sorted(c.name for c in momentum_refused.checks)  # every check
    assert sum(r[3] for r in per_check) == 10
    failed = [r for r in per_check if r[4] == "failed"]
    assert failed and all(r[2] == 0 and r[5] for r in failed)
    (meta,) = rows(out, "SELECT content_hash, grader_version, torch_version, device, graded_at, seconds, file "
                        "FROM submissions WHERE student = 'bob'")
    content_hash, version, torch_version, device, graded_at, seconds, file = meta
    assert re.fullmatch(r"[0-9a-f]{64}", content_hash)
    assert (version, torch_version, device) == (grader.__version__, torch.__version__, "cpu")
    assert graded_at.endswith("+00:00") and seconds > 0
    assert file == "exercise_3.py"  # shown relative to the student's own folder


def test_results_json_is_in_gradescope_shape(graded):
    out, _ = graded
    for name in ("alice", "bob", "gina", "ivan", "ned"):
        data = json.loads((exports.student_folder(out, name) / "results.json").read_text())
        assert set(data) <= {"score", "max_score", "tests", "output", "extra_data"}
        if name not in ("ned", "gina"):  # a refused zip, nothing submitted: no code ran
            assert data["extra_data"] == {"isolation": {"exercise-3": "jail"}}
        assert data["max_score"] == 10
        assert data["score"] == sum(t["score"] for t in data["tests"])
        for test in data["tests"]:
            assert {"name", "score", "max_score", "status", "output"} <= set(test)
            assert test["status"] in ("passed", "failed")
            assert test["name"].startswith("exercise-3: ")
    bob = json.loads((exports.student_folder(out, "bob") / "results.json").read_text())
    assert any(t["status"] == "failed" and "gradient ascent" in t["output"].lower() for t in bob["tests"])
    ned = json.loads((exports.student_folder(out, "ned") / "results.json").read_text())
    assert ned["tests"][0]["max_score"] == 10 and "zip slip" in ned["tests"][0]["output"]
    feedback = (exports.student_folder(out, "bob") / "feedback.md").read_text()
    assert feedback.startswith("# Feedback for bob") and "gradient ascent" in feedback.lower()
    assert "exercise-3: A manual SGD step" in feedback


def test_rerun_skips_what_is_graded_and_regrades_what_changed(graded, tmp_path):
    out, _ = graded
    class_ = tmp_path / "class"
    (class_ / "alice").mkdir(parents=True)
    (class_ / "alice" / "exercise_3.py").write_text(SOLUTION)
    (class_ / "bob").mkdir()
    (class_ / "bob" / "exercise_3.py").write_text(STUB)
    mine = tmp_path / "results"
    first = batch(class_, mine)
    assert "2 graded in this run" in first.stdout
    again = batch(class_, mine)
    assert "0 graded in this run, 2 unchanged" in again.stdout
    assert (mine / "grades.csv").read_text() == "student,exercise-3,total,maximum\nalice,10,10,10\nbob,0,0,10\n"
    (class_ / "bob" / "exercise_3.py").write_text(SOLUTION)
    changed = batch(class_, mine)
    assert "1 graded in this run, 1 unchanged" in changed.stdout
    assert (mine / "grades.csv").read_text().endswith("bob,10,10,10\n")
    forced = batch(class_, mine, "--regrade")
    assert "2 graded in this run" in forced.stdout


def test_kill_9_in_mid_run_keeps_the_store_whole_and_a_rerun_gives_the_same_grades(class_, graded, tmp_path):
    reference, _ = graded
    out = tmp_path / "results"
    proc = subprocess.Popen([GRADE, "batch", str(class_), "--out", str(out), "--exercise", "exercise-3",
                             "-j", "2", *LIMITS], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = out / gradebook.STORE_NAME
    deadline = time.monotonic() + 120
    done = 0
    while done < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
        if store.exists():
            try:
                done = rows(out, "SELECT COUNT(*) FROM submissions")[0][0]
            except sqlite3.OperationalError:
                pass
    assert proc.poll() is None, "the batch finished before it could be killed"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert rows(out, "PRAGMA integrity_check") == [("ok",)]
    kept = {s for s, in rows(out, "SELECT student FROM submissions")}
    assert 3 <= len(kept) < STUDENTS
    assert not (out / "grades.csv").exists()  # absent until a run completes, never half written
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]
    for folder in (out / exports.STUDENTS_NAME).iterdir():
        if (folder / "results.json").exists():
            json.loads((folder / "results.json").read_text())  # whole, or not there at all
    _wait_until_gone(str(out))  # the judges and their fork servers died with the main process

    rerun = batch(class_, out)
    assert rerun.returncode == 0, rerun.stderr
    again = STUDENTS - len(kept)
    assert f"{again} graded in this run, {STUDENTS - again} unchanged" in rerun.stdout
    assert (out / "grades.csv").read_bytes() == (reference / "grades.csv").read_bytes()


def _wait_until_gone(marker: str, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while True:
        left = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    if marker.encode() in f.read():
                        left.append(int(pid))
            except OSError:
                pass
        if not left:
            return
        assert time.monotonic() < deadline, f"processes left behind: {left}"
        time.sleep(0.1)


def test_verdicts_are_those_of_single_grading(class_, graded, course, monkeypatch):
    from grader.grading import runner as grading

    out, _ = graded
    tight = dataclasses.replace(course, memory_mb=600)
    exercise = dataclasses.replace(course.exercise("exercise-3"), timeout=3.0)
    # On the batch's inputs: its salt, from the gradebook (what `grade exercise-3 --salt` takes).
    ((salt,),) = rows(out, "SELECT salt FROM batch")
    for name, path in [("alice", class_ / "alice" / "exercise_3.py"),
                       ("bob", class_ / "bob" / "submission_4471" / "exercise_3.py"),
                       ("dave", class_ / "dave.py"), ("erin", class_ / "erin.ipynb"),
                       ("frank", class_ / "frank" / "exercise_3.py"), ("judy", class_ / "judy" / "exercise_3.py"),
                       ("ivan", class_ / "ivan" / "exercise_3.py"), ("mia", class_ / "mia" / "exercise_3.py")]:
        monkeypatch.chdir(path.parent)  # the batch shows paths relative to the student's folder
        single = grading.grade_exercise(course=tight, exercise=exercise, path=path, device="cpu", salt=salt)
        stored = rows(out, "SELECT name, points, status, feedback FROM checks WHERE student = ? ORDER BY position",
                      name)
        assert [(c.name, c.points, c.passed, c.feedback) for c in single.checks] == \
               [(n, p, s == "passed", f) for n, p, s, f in stored], name


def test_in_process_batch_spawns_fresh_judges(tmp_path, monkeypatch):
    """Inside a process that has computed with torch (this test session), judges start as fresh interpreters."""
    from grader.cli import cli

    class_ = tmp_path / "class"
    (class_ / "alice").mkdir(parents=True)
    (class_ / "alice" / "exercise_3.py").write_text(SOLUTION)
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(cli, ["batch", str(class_), "--out", str(tmp_path / "out"), "-j", "1",
                                      "--exercise", "exercise-3"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "1 students: 1 graded in this run" in result.output
    assert (tmp_path / "out" / "grades.csv").read_text().endswith("alice,10,10,10\n")


def test_bad_arguments_are_usage_errors(tmp_path, monkeypatch):
    from grader.cli import cli

    monkeypatch.chdir(ROOT)
    (tmp_path / "class").mkdir()
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
                                      "--exercise", "exercise-9"])
    assert result.exit_code == 2 and "exercise-9 is not in course.toml" in result.output
    result = CliRunner().invoke(cli, ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "holds no student entries" in result.output


def test_one_batch_at_a_time_per_results_folder(tmp_path, monkeypatch):
    import fcntl

    from grader.cli import cli

    monkeypatch.chdir(ROOT)
    (tmp_path / "class" / "alice").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    with open(tmp_path / "out" / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)  # as a running batch holds it
        result = CliRunner().invoke(cli, ["batch", str(tmp_path / "class"), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "another grade batch is writing to" in result.output


def test_the_summary_and_feedback_name_who_handed_in_nothing(graded):
    out, stdout = graded
    assert "Handed in nothing (1): gina" in stdout
    feedback = (exports.student_folder(out, "gina") / "feedback.md").read_text()
    assert "Not submitted: no exercise_3.py or exercise_3.ipynb was handed in." in feedback
    assert "❌" not in feedback
