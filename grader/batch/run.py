"""Grading a whole class: ``grade batch SUBMISSIONS --out RESULTS``.

Shape of a batch::

    main (imports torch, runs no torch op; the only writer of gradebook.sqlite)
      ├── judge 1 (pytest + checks, as in single grading) ── fork server ── worker per submission
      ├── judge 2 …
      └── judge N

The main process finds each student's files (``grader.batch.intake``), skips what
the store already holds for the same code and the same grader
(``grader.batch.fingerprint``), and hands students to ``-j N`` judge processes
(``grader.batch.pool``, ``grader.batch.judge``), one at a time.
A judge sends each student's results back as JSON (never pickle) on a socket it
opens *after* forking its fork server, so no worker (student code) ever holds a
channel to main; main checks the peer's pid. Main makes the student's rows
(``grader.batch.records``), stores them in one transaction
(``grader.batch.gradebook``) and then writes that student's files
(``grader.batch.exports``). A judge that dies or overruns is replaced and its
student recorded as an error; the batch goes on.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import grader
from grader.batch import exports, gradebook, guards, intake, report_html
from grader.batch.fingerprint import fingerprint
from grader.batch.gradebook import ERROR, Gradebook
from grader.batch.guards import BatchError
from grader.batch.judge import Settings
from grader.batch.meter import Meter
from grader.batch.pool import Pool
from grader.batch.records import Records
from grader.course import Course, Exercise
from grader.errors import GraderProblem, UsageProblem
from grader.isolation import procs


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
    """CPU time of this run: main, judges, fork servers and workers together."""
    summary: str
    """The text for the terminal."""


@dataclass(frozen=True)
class Plan:
    """One batch, as decided before any student is graded."""

    settings: Settings
    """What every judge must agree on (the course, exercises, limits, device)."""
    course: Course
    """The course, with the command line's limits applied."""
    chosen: tuple[Exercise, ...]
    """The exercises graded, in course order."""
    submissions: Path
    """The SUBMISSIONS folder."""
    out: Path
    """The RESULTS folder."""
    scratch: Path
    """RESULTS/.scratch: unpacked zips, judges' and workers' temporary folders; emptied every run."""
    jobs: int
    """Judge processes at most."""
    regrade: bool
    """Grade again what the store holds already."""
    fork_judges: bool
    """Judges are forked from this process (it has imported torch but run no torch op)."""
    progress: Callable | None
    """``run``'s ``progress``: what shows students being graded (the CLI's progress bar), or None."""
    allow_unsandboxed: bool
    """Keep results whose code ran outside the jail."""
    cluster: str | None = None
    """``--cluster``: the Dask scheduler whose workers grade (``grader.batch.cluster``); None: judges here."""
    notice: Callable[[str], None] | None = None
    """Where to say something the run learned and goes on from (a worker refused), or None."""


def run(*, submissions: Path, out: Path, jobs: int | None = None, regrade: bool = False,
        exercises: tuple[str, ...] = (), timeout: float | None = None, memory: int | None = None,
        device: str = "cpu", course_root: Path | None = None, fork_judges: bool = False,
        progress: Callable | None = None, allow_unsandboxed: bool = False, cluster: str | None = None,
        notice: Callable[[str], None] | None = None, salt: str | None = None) -> BatchReport:
    """Grade every student in ``submissions`` into ``out``; see the module docstring.

    ``fork_judges``: this process has imported torch but run no torch op, so
    judges can be forked from it (fast); otherwise each judge is a fresh
    interpreter (a torch import per judge, once). ``allow_unsandboxed``: grade
    even where student code cannot be jailed (``grade doctor`` says why); the
    summary and every result say so. ``progress(students)``: a context whose value is called with
    each student's id as they finish (the CLI's progress bar). ``cluster``: grade on the workers of
    that Dask scheduler instead of judges here; ``notice``: what to tell the user as the run goes.
    ``salt``: a new ``out``'s (default: a new secret, kept in the gradebook); given, judges are spawned.
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
    chosen = course.select(exercises)
    if cluster and jobs:
        raise UsageProblem("sets the judges on this machine; on a cluster, each worker has one judge per "
                           "thread (dask worker --nthreads N)", "--jobs")
    if cluster and device not in ("cpu", "cuda"):
        raise UsageProblem("say cpu or cuda: with --cluster, the workers' devices count, not this machine's",
                           "--device")
    if not allow_unsandboxed and not cluster:  # on a cluster, each worker checks its own jail
        from grader.isolation import doctor

        found = doctor.available()
        if not found.ok:
            raise BatchError(f"student code cannot be jailed on this machine ({found.reason}), so one student "
                             "could read another's files or rewrite the results. Run `grade doctor` for "
                             "details; to grade anyway, pass --allow-unsandboxed.")
    settings = Settings(str(course.root), tuple(e.id for e in chosen), timeout, memory,
                        device if cluster else _resolve_device(device, course), hidden=(str(submissions), str(out)))
    course, chosen = settings.resolve()
    plan = Plan(settings=settings, course=course, chosen=chosen, submissions=submissions, out=out,
                scratch=out / ".scratch", jobs=max(1, jobs or os.cpu_count() or 1), regrade=regrade,
                fork_judges=fork_judges and not salt, progress=progress, allow_unsandboxed=allow_unsandboxed,
                cluster=cluster, notice=notice)

    out.mkdir(parents=True, exist_ok=True)
    lock = guards.lock(out)
    gradebook.sweep_temporaries(out)
    shutil.rmtree(plan.scratch, ignore_errors=True)
    plan.scratch.mkdir()
    store = Gradebook(out / gradebook.STORE_NAME, salt=salt)
    try:
        if salt and store.salt() != salt:
            raise UsageProblem(f"{out} holds grades on inputs salted otherwise, and keeps its salt; grade into "
                               "a new --out, or leave --salt out", "--salt")
        with guards.interrupts_raise():
            return _grade_class(plan, store, started)
    except KeyboardInterrupt:
        done = store.conn.execute("SELECT COUNT(DISTINCT student) FROM submissions").fetchone()[0]
        raise Interrupted(f"interrupted; the gradebook holds {done} students, each one whole. "
                          "Run the same command again to grade the rest.") from None
    finally:
        store.close()
        shutil.rmtree(plan.scratch, ignore_errors=True)
        lock.close()


def _grade_class(plan: Plan, store: Gradebook, started: float) -> BatchReport:
    """Grade what is not current in ``store``, write every student's files and grades.csv; the report."""
    mine = os.times()
    cpu_started = mine.user + mine.system
    out, chosen = plan.out, plan.chosen
    students = intake.open_all(plan.submissions, plan.course.exercises, plan.scratch, skip=(out,))
    if not students:
        raise BatchError(f"{plan.submissions} holds no student entries (folders, .zip, .py or .ipynb files)")
    fingerprints = {e.id: fingerprint(plan.course, e, plan.settings.device) for e in chosen}
    todo = []
    for student in students:  # a name is data: their files go where no name collides (exports.student_folder)
        wanted = [e for e in chosen if plan.regrade or not store.current(
            student.id, e.id, student.content_hash, grader.__version__, fingerprints[e.id])]
        if wanted:
            todo.append((student, wanted))
    graded_now = {s.id for s, _ in todo}
    graded, cpu = 0, 0.0
    notes: list[str] = []
    if todo:
        import torch  # only now: a rerun with nothing to grade does not need it (~1 s)

        records = Records(grader_version=grader.__version__, torch_version=torch.__version__,
                          device=plan.settings.device, fingerprints=fingerprints,
                          jail_required=not plan.allow_unsandboxed)
        # The old grades.csv and report no longer describe the class; new ones come when this run completes.
        (out / gradebook.GRADES_NAME).unlink(missing_ok=True)
        (out / gradebook.REPORT_NAME).unlink(missing_ok=True)

        def keep(student, rows) -> None:  # one student: stored in one transaction, then their files
            store.record(rows)
            exports.student_files(store, out, student.id, chosen)

        unopened = [(s, w) for s, w in todo if s.problem]
        for student, wanted in unopened:  # nothing to run: recorded straight away
            keep(student, records.errors(student, wanted, student.problem or "", False))
        graded += len(unopened)
        runnable = [(s, w) for s, w in todo if not s.problem]
        if runnable:
            count, cpu, notes = _grade_runnable(plan, runnable, records, keep, store.salt)  # asked for late
            graded += count
    for student in students:
        if student.id not in graded_now:  # the ones graded in this run were written as they came
            exports.student_files(store, out, student.id, chosen)

    rows = {s.id: store.student(s.id, [e.id for e in chosen]) for s in students}
    points = [(e.id, float(e.points)) for e in chosen]
    gradebook.write_atomic(out / gradebook.GRADES_NAME, exports.grades_csv(rows, points), durable=True)
    errors = tuple((g.student, g.exercise, g.reason) for sid in sorted(rows) for g in rows[sid]
                   if g.status == ERROR)
    seconds = time.monotonic() - started
    mine = os.times()
    cpu += mine.user + mine.system - cpu_started
    skipped = len(students) - len(todo)
    summary = exports.summary(rows, points, graded=graded, skipped=skipped, errors=errors, seconds=seconds,
                              cpu=cpu, out=out)
    summary += "".join("\n" + line for line in ["", *notes] if notes)
    summary += "\n\n" + _class_report(plan, store, [s.id for s in students])
    return BatchReport(out, len(students), graded, skipped, errors, seconds, cpu, summary)


def _class_report(plan: Plan, store: Gradebook, students: list[str]) -> str:
    """Write RESULTS/report.html; the summary's line about it. Never raises: the grades are stored by now."""
    try:
        return report_html.write(results=plan.out, course=plan.course, store=store, students=students,
                                 exercises=[e.id for e in plan.chosen]).summary()
    except Exception as exc:  # noqa: BLE001 - a bug of ours, a full disk…: said in the summary, never the batch's failure
        return (f"The class report could not be written ({type(exc).__name__}: {exc}); the grades are all "
                f"stored, and `grade report {plan.out}` tries again.")


def _grade_runnable(plan: Plan, runnable, records: Records, keep, salt) -> tuple[int, float, list[str]]:
    """Hand ``runnable`` [(student, exercises)] to the judges (here, or on the cluster), keeping each
    student as their reply comes (or as their judge is lost), on inputs salted with ``salt()``, asked once
    the judges are forked. (Students graded, CPU seconds of the judges here and under them, lines.)"""
    def done(job, reply: dict | None, why: str | None) -> None:
        student, wanted = job
        keep(student, records.lost(student, wanted, why or "no reason given") if reply is None
             else records.from_reply(student, wanted, reply))

    with plan.progress(len(runnable)) if plan.progress else contextlib.nullcontext() as bar:
        meter = Meter(bar)
        if plan.cluster:
            from grader.batch import cluster

            count, seen = cluster.grade(plan, runnable, done, meter.tick, records.fingerprints, salt())
            return count, 0.0, seen.summary()
        pool = Pool(settings=plan.settings, course=plan.course, chosen=plan.chosen,
                    size=min(plan.jobs, len(runnable)), fork_judges=plan.fork_judges, scratch=plan.scratch)
        try:
            count = pool.grade(runnable, done, lambda sid: meter.tick(sid, len(pool.judges), "judges"),
                               salt=salt())
        finally:
            pool.close()
        return count, pool.cpu_seconds, []


def _resolve_device(device: str, course: Course) -> str:
    """``grading.resolve_device``, asked in a throwaway child: CUDA must never start in this
    process (judges fork from it). Torch is imported here first, so the child pays nothing."""
    if device == "cpu":
        return "cpu"
    import torch  # noqa: F401

    def ask() -> bytes:
        from grader.grading import runner as grading

        try:
            return grading.resolve_device(device, course).encode()
        except UsageProblem as exc:
            return ("!" + exc.message).encode()

    answer = procs.fork_and_read(ask)[0].decode()
    if answer.startswith("!") or not answer:
        raise UsageProblem(answer[1:] or "the device could not be checked", "--device")
    return answer
