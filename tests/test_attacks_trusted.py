"""Attacks on the trusted side that the class batch of tests/test_attacks.py cannot stage.

- A worker's memory holds no other submission: the fork server, which every worker is forked
  from, never holds a student's code, results or output (it splices them on, unread); read its
  memory after a job, and scavenge from a worker that follows a classmate in a one-judge batch.
- No inherited descriptors: `grade exercise-N` started with a directory descriptor open (a shell,
  an IDE or a harness can leave one) must not hand it to the worker, which could walk out of the
  jail through it with openat(fd, "..") and read solutions/.

The same attacks are students of the corpus batch (tests/attacks/42_inherited_descriptors.py,
43_scavenge_peer.py), of the cluster's class (tests/test_cluster.py) and of a Gradescope run
(tests/test_gradescope.py).
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import ROOT

GRADE = str(Path(sys.executable).with_name("grade"))
ATTACKS = ROOT / "tests" / "attacks"
SOLUTION = (ROOT / "solutions" / "exercise_3.py").read_text()
BREACH = "BRE" "ACH!"


@pytest.fixture(scope="module")
def jailed():
    from grader.isolation import doctor

    found = doctor.available()
    if not found.ok:
        pytest.skip(f"the jail cannot be built here ({found.reason}): attack code only ever runs inside it")


def _memory_holds(pid: int, needles: list[bytes]) -> set[bytes]:
    """Which of ``needles`` lie anywhere in the readable memory of process ``pid`` (as root)."""
    found = set()
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
        for line in maps:
            fields = line.split()
            if not fields[1].startswith("r"):
                continue
            low, high = (int(x, 16) for x in fields[0].split("-"))
            if high - low > 1 << 30:
                continue
            try:
                mem.seek(low)
                data = mem.read(high - low)
            except (OSError, OverflowError, ValueError):
                continue
            found.update(n for n in needles if n in data)
    return found


@pytest.mark.skipif(os.geteuid() != 0, reason="reading another process's memory needs root")
def test_the_fork_server_never_holds_a_students_code_results_or_output(jailed, tmp_path):
    """The judge sends a submission with marked code that prints a mark; afterwards neither the fork
    server nor its keeper holds the code, the printed mark or a run of the result's bytes anywhere in
    memory, so no worker forked later inherits them."""
    from grader.isolation import client, procs
    from grader.isolation.protocol import Chunk, Job

    tag = secrets.token_hex(8)
    code_mark, printed_mark = f"code-{tag}", f"printed-{tag}"
    source = SOLUTION + f"\n# {code_mark}\nprint('{printed_mark}')\n"
    fork_server = client.start_spawned()
    try:
        reply = fork_server.run(Job(probe="grader.lesson.exercise_3.probes:sgd_steps", params={"seed": 7, "lr": 0.1},
                                module="exercise_3", chunks=(Chunk("exercise_3.py", source),),
                                folder=str(tmp_path), course_root=str(ROOT), timeout=20))
        assert reply.status == "ok" and printed_mark in reply.output, reply
        assert reply.payload  # the result came through; its bytes are the judge's alone
        servers = [fork_server.pid, *procs.children(fork_server.pid)]
        middle = len(reply.payload) // 2
        marks = [m.encode() for m in (code_mark, printed_mark, tag)] + [reply.payload[middle:middle + 48]]
        held = {pid: _memory_holds(pid, marks) for pid in servers}
        assert not any(held.values()), f"the fork server holds a student's bytes: {held}"
    finally:
        fork_server.close()


def _scratch_root() -> Path:
    """A folder every user may traverse: only the jail keeps an attacker out."""
    base = "/var/tmp" if os.access("/var/tmp", os.W_OK | os.X_OK) else None
    root = Path(tempfile.mkdtemp(prefix="grader-trusted-", dir=base))
    root.chmod(0o755)
    return root


def test_a_worker_following_a_classmate_on_one_judge_finds_nothing_of_theirs(jailed):
    """Two entries carrying marked working code, graded one after the other by one judge: the second
    scans its worker's memory for the first's code and printed output, and would exec the code."""
    root = _scratch_root()
    try:
        submissions, out = root / "class", root / "results"
        submissions.mkdir()
        text = (ATTACKS / "43_scavenge_peer.py").read_text().replace("{TAG}", secrets.token_hex(6))
        for me in ("43_scavenge_peer_a", "43_scavenge_peer_b"):
            (submissions / me).mkdir()
            (submissions / me / "exercise_3.py").write_text(text.replace("{ME}", me))
        done = subprocess.run([GRADE, "batch", str(submissions), "--out", str(out), "--exercise", "exercise-3",
                               "-j", "1", "--timeout", "5"], cwd=ROOT, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        for me in ("43_scavenge_peer_a", "43_scavenge_peer_b"):
            results = next(out.rglob(f"{me}/results.json"))
            data = json.loads(results.read_text())
            words = json.dumps(data)
            assert data["score"] == 0 and BREACH not in words, (me, words[:1500])
            assert "NotImplementedError" in words or "not implemented" in words.lower(), words[:1500]
    finally:
        import shutil

        shutil.rmtree(root, ignore_errors=True)


def test_grade_hands_the_worker_no_descriptor_it_inherited(jailed, tmp_path):
    """`grade exercise-3` started with a directory descriptor on the course open: the worker holds only
    its own pipes, finds no way out of the jail, and reads no solution."""
    entry = tmp_path / "exercise_3.py"
    entry.write_text((ATTACKS / "42_inherited_descriptors.py").read_text())
    folder = os.open(ROOT, os.O_RDONLY | os.O_DIRECTORY)  # inheritable: what a careless parent leaves open
    try:
        done = subprocess.run([GRADE, "exercise-3", "--submission", str(entry), "--json"], cwd=ROOT,
                              capture_output=True, text=True, timeout=300, pass_fds=(folder,))
    finally:
        os.close(folder)
    data = json.loads(done.stdout)
    words = json.dumps(data)
    assert BREACH not in words and "exercise_3.py: '" not in words, words[:2000]
    assert data["score"] == 0
