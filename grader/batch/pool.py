"""The judge processes of a batch, seen from main: started, handed one student at a time, watched.

N judges are kept at N. Each is forked from main (``fork_judges``: main has imported
torch but run no torch op) or spawned as ``python -m grader.batch.judge``; it
connects to an abstract socket main listens on, and main checks the peer's pid.
A judge that dies, or overruns the time its student could possibly need, is
killed with its fork server and workers, and replaced; its student is reported
lost. What happens to a reply is the caller's (``Pool.grade``'s ``done``).
"""

from __future__ import annotations

import dataclasses
import json
import os
import select
import shutil
import signal
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from grader.batch import judge as batch_judge
from grader.batch.judge import Settings
from grader.course import Course, Exercise
from grader.errors import GraderProblem
from grader.grading import content
from grader.isolation import procs
from grader.isolation.procs import Child
from grader.isolation.protocol import recv_message, send_message

JUDGE_START_LIMIT = 120.0   # seconds a new judge may take to connect (a spawned one imports torch)
CHECK_MARGIN = 30.0         # seconds per check past its own limit before main gives up on a judge
MAX_START_FAILURES = 3      # judges that die before connecting, in a row, before the batch stops


class JudgesFailing(GraderProblem):
    """Judges keep dying before they connect: the batch cannot go on."""


@dataclass
class _Judge:
    child: Child
    born: float
    sock: socket.socket | None = None
    fork_server_pid: int | None = None
    job: tuple | None = None
    deadline: float = 0.0

    @property
    def pid(self) -> int:
        return self.child.pid


class Pool:
    """N judges, kept at N: started, fed one student at a time, replaced when they die."""

    def __init__(self, *, settings: Settings, course: Course, chosen: tuple[Exercise, ...], size: int,
                 fork_judges: bool, scratch: Path):
        self.settings, self.course, self.chosen = settings, course, chosen
        # How many checks each exercise has, for a judge's deadline (read once, not per student).
        self._checks = {e.id: max(1, content.check_count(course, e)) for e in course.exercises}
        self.size, self.fork_judges = size, fork_judges
        self.judges: list[_Judge] = []
        # Judges connect to an abstract socket (no file to leave behind); main checks who connects.
        self.address = f"grade-batch-{os.getpid()}-{os.urandom(8).hex()}"
        # Judges' and workers' temporary folders (a worker makes one each), in the scratch folder
        # that every run empties. Open to all like /tmp: workers may run as another user.
        self.work = str(scratch / "work")
        os.mkdir(self.work)
        os.chmod(self.work, 0o1777)
        self.listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.listener.bind("\0" + self.address)
        self.listener.listen(64)
        self.start_failures = 0
        self.grading = False  # from the first student on, judges are spawned, never forked (``_start``)
        self.cpu_seconds = 0.0  # what the judges, fork servers and workers used, counted as each one ends
        self.salt: str | None = None  # the batch's, sent with each student (``grade``)
        try:
            if fork_judges:
                batch_judge.prepare_to_fork(content.load_probes(course, chosen))
            for _ in range(size):
                self._start()
        except BaseException:  # the judges already started must not outlive a failed start
            self.close()
            raise

    # ------------------------------------------------------------ life and death

    def _start(self) -> None:
        # Once grading has begun, main holds students' files and results (in memory it freed, too),
        # and a fork hands all of that to the judge, its fork server and every worker: a judge that
        # replaces one is spawned anew instead (a torch import, paid only when a judge was lost).
        if self.fork_judges and not self.grading:
            main = os.getpid()
            child = Child.fork(lambda: batch_judge.judge_process(self.address, self.work, self.settings, main))
        else:
            child = Child.spawn("grader.batch.judge", self.address, self.work,
                                json.dumps(dataclasses.asdict(self.settings)))
        self.judges.append(_Judge(child, time.monotonic()))

    def _accept(self) -> None:
        conn, _ = self.listener.accept()
        pid, _, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                                                         struct.calcsize("3i")))
        judge = next((j for j in self.judges if j.pid == pid and j.sock is None), None)
        if judge is None:  # not one of ours (student code may find the address): refuse
            conn.close()
            return
        conn.settimeout(JUDGE_START_LIMIT)  # a judge says it is ready as soon as it connects
        try:
            message = recv_message(conn)
        except (OSError, ValueError):
            message = None
        if message is None or not message[0].get("ready"):
            conn.close()
            return
        conn.settimeout(None)
        judge.sock, judge.fork_server_pid = conn, message[0].get("fork_server")
        self.start_failures = 0

    def _bury(self, judge: _Judge) -> str:
        """Stop ``judge`` for good (and what its fork server left running); why it ended, in words."""
        self.cpu_seconds += procs.cpu_seconds(judge.pid, children=False) + procs.cpu_seconds(judge.fork_server_pid)
        _kill_tree(judge.pid, judge.fork_server_pid)
        status = judge.child.in_words()
        if judge.sock is not None:
            judge.sock.close()
        self.judges.remove(judge)
        return status

    def close(self) -> None:
        from grader.isolation import cgroups

        servers = tuple(j.fork_server_pid for j in self.judges if j.fork_server_pid)
        for judge in list(self.judges):
            self._bury(judge)
        cgroups.sweep(servers)  # killed, the judges' fork servers left their (empty) cgroups behind
        self.listener.close()
        shutil.rmtree(self.work, ignore_errors=True)

    def ready(self) -> None:
        """Wait until every judge has connected (``JudgesFailing`` if they keep dying first)."""
        while any(j.sock is None for j in self.judges):
            self._wait(lambda job, reply, why: None)

    # ------------------------------------------------------------ the work

    def grade(self, todo, done: Callable, graded: Callable[[str], None] | None = None, *,
              salt: str | None = None) -> int:
        """Grade ``todo`` [(student, exercises)], calling ``done(job, reply, why)`` as each student's
        reply comes (``why`` None), or as its judge is lost (``reply`` None, ``why`` in words), then
        ``graded(student id)`` (the CLI's progress bar). ``salt``: the batch's, handed to the judge
        with each student (``grader.grading.lab.salted``). Returns the count."""
        self.salt = salt
        self.grading = True
        queue = list(todo)
        count = 0
        while queue or any(j.job for j in self.judges):
            finished = []
            for judge in list(self.judges):
                if judge.sock is not None and judge.job is None and queue:
                    if not self._send(judge, queue.pop(0)):  # it died since its last reply
                        finished += self._lost(judge, done, self._bury(judge))
            for sid in finished + self._wait(done):
                count += 1
                if graded is not None:
                    graded(sid)
        return count

    def _send(self, judge: _Judge, job) -> bool:
        """Hand ``judge`` a student; False if it is gone (the student is its job all the same)."""
        student, wanted = job
        judge.job = job
        limit = sum(self._checks[e.id] * (e.timeout * 3 + CHECK_MARGIN) for e in wanted) + CHECK_MARGIN
        judge.deadline = time.monotonic() + limit
        assert judge.sock is not None  # students go only to a judge that has connected
        try:
            send_message(judge.sock, {
                "student": student.id,
                "base": str(student.base) if student.base else None,
                "own": _own_files(student),
                "exercises": [{"id": e.id, "path": (str(p) if (p := student.path_for(e.id)) else None)}
                              for e in wanted],
                "salt": self.salt,
            })
        except OSError:
            return False
        return True

    def _wait(self, done: Callable) -> list[str]:
        """Wait a little for judges to answer, connect or die; handle what happened. Returns students done."""
        socks = {j.sock: j for j in self.judges if j.sock is not None}
        ready, _, _ = select.select([self.listener, *socks], [], [], 0.5)
        finished = []
        for sock in ready:
            if sock is self.listener:
                self._accept()
                continue
            judge = socks[sock]
            try:
                message = recv_message(sock)
            except (OSError, ValueError):
                message = None
            if message is None:
                finished += self._lost(judge, done, self._bury(judge))
                continue
            job, judge.job = judge.job, None
            assert job is not None  # a judge answers only for the student it was handed
            done(job, message[0], None)
            finished.append(job[0].id)
        now = time.monotonic()
        for judge in list(self.judges):
            if judge.job is not None and now > judge.deadline:
                self._bury(judge)
                finished += self._lost(judge, done, "it ran past the time this submission could possibly need")
            elif judge.sock is None and (judge.child.ended() or now - judge.born > JUDGE_START_LIMIT):
                status = self._bury(judge)
                self.start_failures += 1
                if self.start_failures >= MAX_START_FAILURES:
                    raise JudgesFailing(f"grading processes keep failing to start ({status}); "
                                        "try `grade exercise-3` on one submission to see why")
        while len(self.judges) < self.size:
            self._start()
        return finished

    def _lost(self, judge: _Judge, done: Callable, why: str) -> list[str]:
        if judge.job is None:
            return []
        job, judge.job = judge.job, None
        done(job, None, why)
        return [job[0].id]


def _own_files(student) -> list[str]:
    """What the student's workers are shown: a single-file entry alone (never the SUBMISSIONS folder
    it sits in), else the folder holding their exercise files."""
    if student.base is None:
        return []
    single = student.base / student.entry  # a .py or .ipynb handed in as the whole entry
    return [str(single)] if single.is_file() else [str(student.base)]


def _kill_tree(judge_pid: int, fork_server_pid: int | None) -> None:
    """SIGKILL a judge, its fork server and the process group of any worker still running."""
    if fork_server_pid:
        for child in procs.children(fork_server_pid):
            procs.kill_group(child)  # a worker leads its own process group
    for pid in (fork_server_pid, judge_pid):
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
