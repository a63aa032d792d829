"""Grading a whole class: ``grade batch SUBMISSIONS --out RESULTS``.

Shape of a batch::

    main (imports torch, runs no torch op; the only writer of gradebook.sqlite)
      ├── judge 1 (pytest + checks, as in single grading) ── zygote ── worker per submission
      ├── judge 2 …
      └── judge N

The main process finds each student's files (``grader.batch.intake``), skips what
the store already holds for the same code and the same grader, and hands
students to ``-j N`` judge processes (``grader.batch.judge``), one at a time.
A judge sends each student's results back as JSON (never pickle) on a socket it
opens *after* forking its zygote, so no worker (student code) ever holds a
channel to main; main checks the peer's pid. Main writes each student in one transaction and then that
student's files. A judge that dies or overruns is replaced and its student
recorded as an error; the batch goes on.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
import json
import os
import select
import shutil
import signal
import socket
import struct
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import click

import grader
from grader.batch import judge as batch_judge
from grader.batch import gradebook
from grader.batch import intake
from grader.isolation import server as zygote
from grader.batch.judge import Settings
from grader.grading import content
from grader.course import Course, Exercise
from grader.errors import GraderProblem, UsageProblem
from grader.batch.gradebook import ERROR, Check, Gradebook, Graded

JUDGE_START_LIMIT = 120.0   # seconds a new judge may take to connect (a spawned one imports torch)
CHECK_MARGIN = 30.0         # seconds per check past its own limit before main gives up on a judge
MAX_START_FAILURES = 3      # judges that die before connecting, in a row, before the batch stops
# Grader modules whose code does not change verdicts (they only move results around).
# The instructor's side (reading submissions, writing results, the terminal): no verdict depends on it.
NOT_IN_FINGERPRINT = {"batch/run.py", "batch/gradebook.py", "batch/intake.py", "cli.py", "grading/report.py"}


class BatchError(GraderProblem):
    """The batch cannot start or go on (an unusable SUBMISSIONS folder, judges that cannot start)."""


class Interrupted(GraderProblem):
    """Ctrl-C or SIGTERM: what was graded is saved; running the same command again finishes."""

    exit_code = 130


@dataclass(frozen=True)
class BatchReport:
    """What a batch did, and the summary printed at the end."""

    out: Path
    """The RESULTS folder."""
    students: int
    """Students in the class (entries in SUBMISSIONS)."""
    graded: int
    """Students graded in this run."""
    skipped: int
    """Students whose exercises were all stored already, for the same code and grader."""
    errors: tuple[tuple[str, str, str], ...]
    """(student, exercise, reason) for every exercise stored with status ``error``."""
    seconds: float
    """Wall time of this run."""
    cpu_seconds: float
    """CPU time of this run: main, judges, zygotes and workers together."""
    summary: str
    """The text for the terminal."""


# ================================================================ main process

def run(*, submissions: Path, out: Path, jobs: int | None = None, regrade: bool = False,
        exercises: tuple[str, ...] = (), timeout: float | None = None, memory: int | None = None,
        device: str = "cpu", course_root: Path | None = None, fork_server: bool = False,
        progress: bool = True, allow_unsandboxed: bool = False) -> BatchReport:
    """Grade every student in ``submissions`` into ``out``; see the module docstring.

    ``fork_server``: this process has imported torch but run no torch op, so
    judges can be forked from it (fast); otherwise each judge is a fresh
    interpreter (a torch import per judge, once). ``allow_unsandboxed``: grade
    even where student code cannot be jailed (``grade doctor`` says why); the
    summary and every result say so.
    """
    from grader import course as courses

    started = time.monotonic()
    submissions, out = Path(submissions).resolve(), Path(out).resolve()
    if not submissions.is_dir():
        raise UsageProblem(f"{submissions} is not a folder", "SUBMISSIONS")
    if timeout is not None and timeout <= 0:
        raise UsageProblem("must be a positive number of seconds", "--timeout")
    if memory is not None and memory <= 0:
        raise UsageProblem("must be a positive number of MB", "--memory")
    course = courses.load(course_root)
    chosen = tuple(course.exercise(e) for e in exercises) if exercises else course.exercises
    chosen = tuple(e for e in course.exercises if e in chosen)  # course order, no repeats
    if not allow_unsandboxed:
        from grader.isolation import doctor

        found = doctor.available()
        if not found.ok:
            raise BatchError(f"student code cannot be jailed on this machine ({found.reason}), so one student "
                             "could read another's files or rewrite the results. Run `grade doctor` for "
                             "details; to grade anyway, pass --allow-unsandboxed.")
    settings = Settings(str(course.root), tuple(e.id for e in chosen), timeout, memory,
                        _resolve_device(device, course), hidden=(str(submissions), str(out)))
    course, chosen = settings.resolve()
    jobs = max(1, jobs or os.cpu_count() or 1)

    out.mkdir(parents=True, exist_ok=True)
    lock = _lock(out)
    gradebook.sweep_temporaries(out)
    scratch = out / ".scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    store = Gradebook(out / gradebook.STORE_NAME)
    try:
        with _interrupts_raise():
            return _run(settings, course, chosen, submissions, out, scratch, store, jobs, regrade,
                        fork_server, progress, started, allow_unsandboxed)
    except KeyboardInterrupt:
        done = store.conn.execute("SELECT COUNT(DISTINCT student) FROM submissions").fetchone()[0]
        raise Interrupted(f"interrupted; the gradebook holds {done} students, each one whole. "
                          "Run the same command again to grade the rest.") from None
    finally:
        store.close()
        shutil.rmtree(scratch, ignore_errors=True)
        lock.close()


def _lock(out: Path):
    """One batch at a time per RESULTS folder (the lock goes when the process does, kill -9 included)."""
    import fcntl

    handle = open(out / ".lock", "w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        raise BatchError(f"another grade batch is writing to {out}; wait for it, or use another --out") from None
    return handle


def _run(settings, course, chosen, submissions, out, scratch, store, jobs, regrade, fork_server,
         progress, started, allow_unsandboxed) -> BatchReport:
    mine = os.times()
    cpu_started = mine.user + mine.system
    students = intake.open_all(submissions, course.exercises, scratch, skip=(out,))
    if not students:
        raise BatchError(f"{submissions} holds no student entries (folders, .zip, .py or .ipynb files)")
    fingerprints = {e.id: _fingerprint(course, e, settings.device) for e in chosen}
    ids = [e.id for e in chosen]
    todo = []
    for student in students:
        if student.id in gradebook.RESERVED_NAMES:
            student = dataclasses.replace(student, problem=f"the name {student.id!r} clashes with the "
                                          "batch's own output files; rename the entry")
        wanted = [e for e in chosen if regrade or not store.current(
            student.id, e.id, student.content_hash, grader.__version__, fingerprints[e.id])]
        if wanted:
            todo.append((student, wanted))
    graded_now = {s.id for s, _ in todo}
    graded, cpu = 0, 0.0
    if todo:
        import torch  # only now: a rerun with nothing to grade does not need it (~1 s)

        stamp = dict(grader_version=grader.__version__, torch_version=torch.__version__, device=settings.device)
        # The old grades.csv no longer describes the class; a new one comes when this run completes.
        (out / gradebook.GRADES_NAME).unlink(missing_ok=True)
        unopened = [(s, w) for s, w in todo if s.problem]
        for student, wanted in unopened:  # nothing to run: recorded straight away
            rows = [_error_row(student, e, student.problem, False, fingerprints, stamp) for e in wanted]
            store.record(rows)
            _export_student(store, out, student.id, chosen)
        graded += len(unopened)
        runnable = [(s, w) for s, w in todo if not s.problem]
        if runnable:
            pool = _Pool(settings, course, chosen, min(jobs, len(runnable)), fork_server, scratch,
                         allow_unsandboxed)
            try:
                graded += pool.grade(runnable, store, out, fingerprints, stamp, progress)
            finally:
                pool.close()
                cpu = pool.cpu_seconds
    for student in students:
        if student.id not in graded_now:  # the ones graded in this run were written as they came
            _export_student(store, out, student.id, chosen)

    rows = {s.id: store.student(s.id, ids) for s in students}
    gradebook.write_atomic(out / gradebook.GRADES_NAME,
                           gradebook.grades_csv(rows, [(e.id, float(e.points)) for e in chosen]), durable=True)
    errors = tuple((g.student, g.exercise, g.reason) for sid in sorted(rows) for g in rows[sid]
                   if g.status == ERROR)
    seconds = time.monotonic() - started
    mine = os.times()
    cpu += mine.user + mine.system - cpu_started
    summary = gradebook.summary(rows, [(e.id, float(e.points)) for e in chosen], graded=graded,
                                skipped=len(students) - len(todo), errors=errors, seconds=seconds, cpu=cpu,
                                out=out)
    return BatchReport(out, len(students), graded, len(students) - len(todo), errors, seconds, cpu, summary)


def _export_student(store: Gradebook, out: Path, sid: str, chosen) -> None:
    rows = store.student(sid, [e.id for e in chosen])
    if not rows or sid in gradebook.RESERVED_NAMES:  # a student called "grades.csv" gets no folder
        return
    listing = [(e.id, e.title, float(e.points)) for e in chosen]
    folder = out / sid
    gradebook.write_atomic(folder / "results.json", gradebook.results_json(rows, listing))
    gradebook.write_atomic(folder / "feedback.md", gradebook.feedback_md(sid, rows, listing))


def _error_row(student, exercise: Exercise, reason: str, retry: bool, fingerprints, stamp) -> Graded:
    return Graded(student=student.id, exercise=exercise.id, title=exercise.title, status=ERROR,
                  reason=reason, retry=retry, score=0.0, max_score=float(exercise.points),
                  file=None, problem=None, content_hash=student.content_hash,
                  fingerprint=fingerprints[exercise.id], graded_at=_now(), seconds=0.0, checks=(), **stamp)


def _rows_from_reply(student, wanted, reply: dict, fingerprints, stamp) -> list[Graded]:
    """The judge's JSON for one student, as store rows (every field converted explicitly)."""
    by_id = {e.id: e for e in wanted}
    rows = []
    for item in reply["exercises"]:
        exercise = by_id[str(item["id"])]
        checks = tuple(Check(name=str(c["name"]), title=str(c["title"]), points=float(c["points"]),
                             max_points=float(c["max_points"]), status=str(c["status"]),
                             incident=str(c["incident"]), hidden=bool(c["hidden"]),
                             feedback=str(c["feedback"]), seconds=float(c["seconds"]))
                       for c in item["checks"])
        rows.append(Graded(
            student=student.id, exercise=exercise.id, title=exercise.title, status=str(item["status"]),
            reason=str(item["reason"]), retry=bool(item["retry"]), score=sum(c.points for c in checks),
            max_score=sum(c.max_points for c in checks) if checks else float(exercise.points),
            file=item["file"] and str(item["file"]), problem=item["problem"] and str(item["problem"]),
            content_hash=student.content_hash, fingerprint=fingerprints[exercise.id], graded_at=_now(),
            seconds=float(item["seconds"]), isolation=str(item.get("isolation") or ""), checks=checks, **stamp))
    missing = set(by_id) - {r.exercise for r in rows}
    if missing:
        raise ValueError(f"the judge's reply lacks {sorted(missing)}")
    return rows


def _now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")


def _fingerprint(course: Course, exercise: Exercise, device: str) -> str:
    """What this exercise's verdicts depend on besides the student's code.

    The grader's own code (checks, probes, comparisons, sandbox), the reference
    solution or release data, and the limits and device: change any, and the
    stored results no longer count as current.
    """
    package = Path(grader.__file__).parent
    digest = hashlib.sha256()
    # The engine, less the instructor's side of a batch; the course's shared content and this
    # exercise's folder, not the other exercises'.
    others = [course.content_dir(e) for e in course.exercises if e != exercise]
    files = [p for p in sorted({*package.rglob("*"), *course.content.rglob("*")})
             if p.is_file() and p.suffix in (".py", ".grdr") and "__pycache__" not in p.parts
             and p.relative_to(package if p.is_relative_to(package) else course.content).as_posix()
             not in NOT_IN_FINGERPRINT and not any(p.is_relative_to(o) for o in others)]
    solution = course.solutions_dir / f"{exercise.stem}.py"
    for path in [*files, *([solution] if solution.is_file() else [])]:
        name = str(path.relative_to(course.root) if path.is_relative_to(course.root) else path.name).encode()
        data = path.read_bytes()
        digest.update(len(name).to_bytes(8, "little") + name + len(data).to_bytes(8, "little") + data)
    limits = {"timeout": exercise.timeout, "memory": course.memory_mb, "output": course.output_limit,
              "device": device}
    digest.update(json.dumps(limits, sort_keys=True).encode())
    return digest.hexdigest()


def _resolve_device(device: str, course: Course) -> str:
    """``grading.resolve_device``, asked in a throwaway child: CUDA must never start in this
    process (judges fork from it). Torch is imported here first, so the child pays nothing."""
    if device == "cpu":
        return "cpu"
    import torch  # noqa: F401

    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        try:
            os.close(read)
            from grader.grading import runner as grading

            try:
                answer = grading.resolve_device(device, course)
            except UsageProblem as exc:
                answer = "!" + exc.message
            os.write(write, answer.encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as f:
        answer = f.read().decode()
    os.waitpid(pid, 0)
    if answer.startswith("!") or not answer:
        raise UsageProblem(answer[1:] or "the device could not be checked", "--device")
    return answer


class _interrupts_raise:
    """SIGTERM behaves like Ctrl-C while the batch runs: judges are stopped, the store closed."""

    def __enter__(self):
        def handler(signum, frame):
            raise KeyboardInterrupt

        self._old = signal.signal(signal.SIGTERM, handler)

    def __exit__(self, *exc):
        signal.signal(signal.SIGTERM, self._old)
        return False


# ================================================================ the judges, seen from main

@dataclass
class _Judge:
    pid: int
    popen: subprocess.Popen | None
    born: float
    sock: socket.socket | None = None
    zygote_pid: int | None = None
    job: tuple | None = None
    deadline: float = 0.0
    reaped: int | None = None


class _Pool:
    """N judges, kept at N: started, fed one student at a time, replaced when they die."""

    def __init__(self, settings: Settings, course: Course, chosen, size: int, fork_server: bool, scratch: Path,
                 allow_unsandboxed: bool = False):
        self.settings, self.course, self.chosen = settings, course, chosen
        self.allow_unsandboxed = allow_unsandboxed
        self.size, self.fork_server = size, fork_server
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
        self.cpu_seconds = 0.0  # what the judges, zygotes and workers used, counted as each one ends
        try:
            if fork_server:
                batch_judge.prepare_to_fork(content.probe_modules(course, chosen))
            for _ in range(size):
                self._start()
        except BaseException:  # the judges already started must not outlive a failed start
            self.close()
            raise

    # ------------------------------------------------------------ life and death

    def _start(self) -> None:
        if self.fork_server:
            main = os.getpid()
            pid = os.fork()
            if pid == 0:
                try:
                    batch_judge.judge_process(self.address, self.work, self.settings, main)
                finally:
                    os._exit(70)
            judge = _Judge(pid, None, time.monotonic())
        else:
            env = dict(os.environ, PYTHONSAFEPATH="1")
            popen = subprocess.Popen(
                [sys.executable, "-m", "grader.batch.judge", self.address, self.work,
                 json.dumps(dataclasses.asdict(self.settings))],
                env=env, stdin=subprocess.DEVNULL)
            judge = _Judge(popen.pid, popen, time.monotonic())
        self.judges.append(judge)

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
            message = zygote.recv_message(conn)
        except (OSError, ValueError):
            message = None
        if message is None or not message[0].get("ready"):
            conn.close()
            return
        conn.settimeout(None)
        judge.sock, judge.zygote_pid = conn, message[0].get("zygote")
        self.start_failures = 0

    def _bury(self, judge: _Judge) -> str:
        """Stop ``judge`` for good (and what its zygote left running); why it ended, in words."""
        self.cpu_seconds += _cpu_seconds(judge.pid, children=False) + _cpu_seconds(judge.zygote_pid)
        _kill_tree(judge.pid, judge.zygote_pid)
        if judge.popen is not None:
            code = judge.popen.wait()
            status = f"exit code {code}" if code >= 0 else f"signal {signal.Signals(-code).name}"
        else:
            raw = judge.reaped if judge.reaped is not None else os.waitpid(judge.pid, 0)[1]
            status = (f"signal {signal.Signals(os.WTERMSIG(raw)).name}" if os.WIFSIGNALED(raw)
                      else f"exit code {os.WEXITSTATUS(raw)}")
        if judge.sock is not None:
            judge.sock.close()
        self.judges.remove(judge)
        return status

    def close(self) -> None:
        from grader.isolation import cgroups

        servers = tuple(j.zygote_pid for j in self.judges if j.zygote_pid)
        for judge in list(self.judges):
            self._bury(judge)
        cgroups.sweep(servers)  # killed, the judges' fork servers left their (empty) cgroups behind
        self.listener.close()
        shutil.rmtree(self.work, ignore_errors=True)

    # ------------------------------------------------------------ the work

    def grade(self, todo, store: Gradebook, out: Path, fingerprints, stamp, progress: bool) -> int:
        """Grade ``todo`` [(student, exercises)]; store each student as its result comes. Returns the count."""
        queue = list(todo)
        done = 0
        bar = click.progressbar(length=len(todo), label="grading", file=sys.stderr, show_eta=True,
                                show_pos=True, width=24, item_show_func=lambda sid: sid)
        if not progress:
            bar.is_hidden = True
        with bar:
            while queue or any(j.job for j in self.judges):
                finished = []
                for judge in list(self.judges):
                    if judge.sock is not None and judge.job is None and queue:
                        if not self._send(judge, queue.pop(0)):  # it died since its last reply
                            finished += self._lost(judge, store, out, fingerprints, stamp, self._bury(judge))
                for sid in finished + self._wait(store, out, fingerprints, stamp):
                    done += 1
                    bar.update(1, sid)
        return done

    def _send(self, judge: _Judge, job) -> bool:
        """Hand ``judge`` a student; False if it is gone (the student is its job all the same)."""
        student, wanted = job
        judge.job = job
        limit = sum(_check_count(self.course, e) * (e.timeout * 3 + CHECK_MARGIN) for e in wanted) + CHECK_MARGIN
        judge.deadline = time.monotonic() + limit
        try:
            zygote.send_message(judge.sock, {
                "student": student.id,
                "base": str(student.base) if student.base else None,
                "own": _own_files(student),
                "exercises": [{"id": e.id, "path": (str(p) if (p := student.path_for(e.id)) else None)}
                              for e in wanted],
            })
        except OSError:
            return False
        return True

    def _wait(self, store, out, fingerprints, stamp) -> list[str]:
        """Wait a little for judges to answer, connect or die; handle what happened. Returns students stored."""
        socks = {j.sock: j for j in self.judges if j.sock is not None}
        ready, _, _ = select.select([self.listener, *socks], [], [], 0.5)
        finished = []
        for sock in ready:
            if sock is self.listener:
                self._accept()
                continue
            judge = socks[sock]
            try:
                message = zygote.recv_message(sock)
            except (OSError, ValueError):
                message = None
            if message is None:
                finished += self._lost(judge, store, out, fingerprints, stamp, self._bury(judge))
                continue
            student, wanted = judge.job
            judge.job = None
            try:
                rows = _rows_from_reply(student, wanted, message[0], fingerprints, stamp)
            except (KeyError, TypeError, ValueError) as exc:
                rows = [_error_row(student, e, f"the grader sent back an unreadable result ({exc})", True,
                                   fingerprints, stamp) for e in wanted]
            if not self.allow_unsandboxed:  # a judge whose workers could not be jailed grades nobody
                rows = [_error_row(student, next(e for e in wanted if e.id == r.exercise),
                                   f"this student's code could not be jailed ({r.isolation}); nothing of it was "
                                   "kept. Run `grade doctor`.", True, fingerprints, stamp)
                        if r.isolation not in ("", "jail") else r for r in rows]
            store.record(rows)
            _export_student(store, out, student.id, self.chosen)
            finished.append(student.id)
        now = time.monotonic()
        for judge in list(self.judges):
            if judge.job is not None and now > judge.deadline:
                self._bury(judge)
                finished += self._lost(judge, store, out, fingerprints, stamp,
                                       "it ran past the time this submission could possibly need")
            elif judge.sock is None and (_exited(judge) or now - judge.born > JUDGE_START_LIMIT):
                status = self._bury(judge)
                self.start_failures += 1
                if self.start_failures >= MAX_START_FAILURES:
                    raise BatchError(f"grading processes keep failing to start ({status}); "
                                     "try `grade exercise-3` on one submission to see why")
        while len(self.judges) < self.size:
            self._start()
        return finished

    def _lost(self, judge: _Judge, store, out, fingerprints, stamp, why: str) -> list[str]:
        if judge.job is None:
            return []
        student, wanted = judge.job
        judge.job = None
        reason = (f"the process grading this submission died ({why}); nothing of it was kept. "
                  "Running the batch again grades it again.")
        store.record([_error_row(student, e, reason, True, fingerprints, stamp) for e in wanted])
        _export_student(store, out, student.id, self.chosen)
        return [student.id]


def _own_files(student) -> list[str]:
    """What the student's workers are shown: a single-file entry alone (never the SUBMISSIONS folder
    it sits in), else the folder holding their exercise files."""
    if student.base is None:
        return []
    single = student.base / student.entry  # a .py or .ipynb handed in as the whole entry
    return [str(single)] if single.is_file() else [str(student.base)]


def _check_count(course: Course, exercise: Exercise) -> int:
    """Roughly how many checks an exercise has (for the judge's deadline only)."""
    try:
        return max(1, course.checks_file(exercise).read_text().count("@pytest.mark.points"))
    except OSError:
        return 1


def _exited(judge: _Judge) -> bool:
    if judge.popen is not None:
        return judge.popen.poll() is not None
    if judge.reaped is None:
        pid, raw = os.waitpid(judge.pid, os.WNOHANG)
        if pid:
            judge.reaped = raw  # reaped here: _bury must not wait for it again
    return judge.reaped is not None


def _kill_tree(judge_pid: int, zygote_pid: int | None) -> None:
    """SIGKILL a judge, its zygote and the process group of any worker still running."""
    if zygote_pid:
        for child in _children(zygote_pid):
            try:
                os.killpg(child, signal.SIGKILL)  # a worker leads its own process group
            except (ProcessLookupError, PermissionError):
                pass
    for pid in (zygote_pid, judge_pid):
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass


def _cpu_seconds(pid: int | None, children: bool = True) -> float:
    """CPU time of ``pid`` (and of its children that it has reaped), from /proc; 0 if unknown."""
    if not pid:
        return 0.0
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return sum(int(x) for x in fields[11:15 if children else 13]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []
