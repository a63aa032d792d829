"""A batch's judge process: grades the students main hands it, one at a time.

A judge is forked from main while main is still pristine (``prepare_to_fork``
has imported everything and made the heap cheap to fork) or spawned as
``python -m grader.batch.judge``. It forks its own fork server first thing, then
connects to main's socket and grades each student's exercises in one pytest
session (``grading.grade_exercises``: the checks and plugin of ``grade
exercise-N``), keeping reference outcomes across students. The batch's salt
comes with each student; a job to a worker carries the seeds derived from it,
never the salt. Results go back as
JSON (``ExerciseResult.to_json``), never pickle.
"""

from __future__ import annotations

import ctypes
import dataclasses
import gc
import json
import os
import shutil
import signal
import socket
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from grader.isolation import fork_server, procs
from grader.isolation.procs import die_with_parent
from grader.isolation.protocol import recv_message, send_message
from grader.course import Course, Exercise
from grader.grading import content

if TYPE_CHECKING:
    from grader.grading.results import ExerciseResult


@dataclass(frozen=True)
class Settings:
    """What every judge must agree on; sent to spawned judges as JSON."""

    course_root: str
    """The course folder (course.toml)."""
    exercises: tuple[str, ...]
    """The exercise ids graded, in course order."""
    timeout: float | None
    """``--timeout``: seconds per check instead of course.toml's."""
    memory: int | None
    """``--memory``: MB per worker instead of course.toml's."""
    device: str
    """``cpu`` or ``cuda`` (already resolved)."""
    hidden: tuple[str, ...] = ()
    """Folders no worker may see besides the course's own hidden parts: SUBMISSIONS, RESULTS."""

    def resolve(self) -> tuple[Course, tuple[Exercise, ...]]:
        """The course and exercises with the command line's limits applied."""
        from grader import course as courses

        course = courses.load(Path(self.course_root))
        if self.memory:
            course = dataclasses.replace(course, memory_mb=int(self.memory))
        chosen = course.select(self.exercises)
        if self.timeout:
            chosen = tuple(dataclasses.replace(e, timeout=float(self.timeout)) for e in chosen)
        return course, chosen


def prepare_to_fork(probe_modules: tuple[str, ...] = ()) -> None:
    """Make this process cheap to fork, many times over: everything imported, then frozen.

    Every worker is a fork of a fork of this process, and with torch loaded a
    fork copies the page tables of ~280 MB of heap. Backing that heap with
    huge pages (``MADV_COLLAPSE``, Linux ≥ 6.1) makes each fork and exit
    several times cheaper; ``gc.freeze`` keeps the collector from touching
    (and so copying) the inherited objects. Both are best effort.
    """
    import pytest  # noqa: F401  (what a judge needs, imported once for all of them)
    import _pytest.python  # noqa: F401
    import pytest_timeout  # noqa: F401

    from grader import grading  # noqa: F401

    fork_server.preload(probe_modules)
    gc.collect()
    gc.freeze()
    _collapse_heap()


def _collapse_heap() -> None:
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        with open("/proc/self/maps") as f:
            regions = f.read().splitlines()
    except (OSError, AttributeError):
        return
    huge = 2 << 20
    for line in regions:
        fields = line.split()
        if not fields[1].startswith("rw") or (len(fields) > 5 and fields[5] != "[heap]"):
            continue  # anonymous, writable memory only
        low, high = (int(x, 16) for x in fields[0].split("-"))
        low, high = (low + huge - 1) & ~(huge - 1), high & ~(huge - 1)
        if high - low >= huge:
            libc.madvise(low, high - low, 14)  # MADV_HUGEPAGE
            libc.madvise(low, high - low, 25)  # MADV_COLLAPSE: fails harmlessly on older kernels


def judge_process(address: str, work: str, settings: Settings, parent: int) -> None:
    """Body of a judge: start its fork server (forked from it), connect to main, grade students until main hangs up."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is main's to handle
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    die_with_parent(parent)
    # Nothing of main's reaches the fork server or its workers: not the store, not other judges' sockets.
    procs.close_all_but((0, 1, 2))
    # This judge's temporary files, and its workers' (they make one folder each): main removes them.
    tempfile.tempdir = neutral = os.path.join(work, f"judge-{os.getpid()}")
    os.mkdir(neutral)
    os.chmod(neutral, 0o1777)
    cwd = os.getcwd()
    sys.path[:] = [p for p in sys.path if p not in ("", ".", cwd)]
    os.chdir(neutral)

    from grader.grading import runner as grading
    from grader.isolation import client

    course, chosen = settings.resolve()
    # This process has run no torch op: the fork server starts pristine.
    forked = client.start_forked(content.load_probes(course, chosen))
    import torch

    # Judges and workers share the cores; OpenMP threads spinning against each other only slow
    # them down (workers compute on one thread too). The matrices here are far too small to gain.
    torch.set_num_threads(1)

    references = grading.default_references(course)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.connect("\0" + address)
    send_message(sock, {"ready": True, "fork_server": forked.pid})
    by_id = {e.id: e for e in chosen}
    unsubmitted: dict[str, object] = {}  # exercise id → the result of handing in nothing
    first = True
    while (message := recv_message(sock)) is not None:
        job = message[0]
        reply = _grade_student(job, course, by_id, settings.device, references, unsubmitted, neutral,
                               settings.hidden)
        send_message(sock, reply)
        if first:  # pytest and the references are loaded now: keep the collector off them
            gc.collect()
            gc.freeze()
            first = False
    shutil.rmtree(neutral, ignore_errors=True)


def _grade_student(job: dict, course, by_id, device, references, unsubmitted, neutral, hidden) -> dict:
    """All of one student's exercises, in one pytest session (an exercise not handed in is the same
    for everyone: graded once per judge)."""
    from grader.grading import runner as grading

    # Paths in feedback are shown relative to the student's own folder: "exercise_3.py, line 4".
    os.chdir(job["base"] or neutral)
    try:
        items = [(by_id[item["id"]], Path(item["path"]) if item["path"] else None) for item in job["exercises"]]
        todo = [(e, p) for e, p in items if p is not None or e.id not in unsubmitted]
        outcomes: Mapping[str, ExerciseResult | Exception]
        try:
            outcomes = grading.grade_exercises(course=course, items=todo, device=device, references=references,
                                               own=tuple(job.get("own") or ()), hidden=hidden,
                                               salt=job.get("salt"))
        except Exception as exc:  # noqa: BLE001 - a grader failure is this submission's error, not the batch's
            outcomes = {e.id: exc for e, _ in todo}
        results = []
        for exercise, path in items:
            outcome = unsubmitted.get(exercise.id) if path is None else None
            outcome = outcome or outcomes[exercise.id]
            if isinstance(outcome, Exception):
                text = " ".join(str(outcome).split())[:600]
                results.append({"id": exercise.id, "seconds": 0.0,
                                "error": f"the grader failed on this exercise ({type(outcome).__name__}: {text})"})
                continue
            if path is None:
                unsubmitted[exercise.id] = outcome
            seconds = sum(c.seconds for c in outcome.checks) if exercise.id in outcomes else 0.0
            results.append({"id": exercise.id, "seconds": seconds, "result": outcome.to_json()})
        return {"student": job["student"], "exercises": results}
    finally:
        os.chdir(neutral)


def main() -> None:
    """``python -m grader.batch.judge ADDRESS WORK SETTINGS``: a judge spawned as a fresh interpreter."""
    address, work, raw = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    raw["exercises"] = tuple(raw["exercises"])
    raw["hidden"] = tuple(raw.get("hidden") or ())
    try:
        judge_process(address, work, Settings(**raw), os.getppid())
    finally:
        os._exit(0)


if __name__ == "__main__":
    main()
