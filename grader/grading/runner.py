"""Grading one submission of one exercise: run its checks under pytest, collect the results."""

from __future__ import annotations

import contextlib
import io
import os
import sys
from pathlib import Path

from grader.errors import GraderProblem, UsageProblem

from grader.isolation import client
from grader.grading import content, submission as submissions
from grader.course import Course, Exercise
from grader.grading.lab import Context, SolutionReferences
from grader.grading.plugin import GraderPlugin
from grader.grading.results import ExerciseResult

class GraderError(GraderProblem):
    """The checks themselves could not run (a broken grader install, not a student's mistake)."""


def resolve_device(device: str, course: Course | None = None) -> str:
    """``auto`` → ``cuda`` when a GPU is usable, else ``cpu``.

    A release grades against reference data recorded on the CPU, so there
    ``auto`` means ``cpu``.
    """
    if device == "auto" and course is not None and not course.solutions_dir.is_dir():
        return "cpu"
    if device == "auto":
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageProblem("no CUDA GPU is available here; use --device cpu or auto", "--device")
    return device


def default_references(course: Course):
    """Reference outcomes from the course's solutions, or from release data when there are none."""
    if course.solutions_dir.is_dir():
        return SolutionReferences(course.solutions_dir)
    from grader.grading.references import StoredReferences

    return StoredReferences.for_course(course)


def hidden_paths(course: Course) -> tuple[str, ...]:
    """What no worker may see, even inside a folder it is shown: the solutions, the checks, the
    course's own tests and mistake corpus, and stored reference outcomes."""
    # The checks, their compiled copies and reference data wherever the content is imported from
    # too (a wheel in site-packages, another checkout): see content.hidden_files.
    return tuple(str(p) for p in (course.solutions_dir, course.root / "tests", *content.hidden_files(course)))


def grade_exercise(*, course: Course, exercise: Exercise, path: Path | None, device: str = "cpu",
                   public_only: bool = False, references=None, own: tuple[str, ...] | None = None,
                   hidden: tuple[str, ...] = (), on_check=None, problem: str | None = None,
                   salt: str | None = None) -> ExerciseResult:
    """Grade the file at ``path`` (None: nothing submitted) against ``exercise``'s checks.

    ``own``: the student's files their code may see (default: the file's folder); ``hidden``:
    paths it must not see besides the course's own hidden parts; ``on_check(context, check)``:
    called as each check is decided; ``problem``: why no file could be chosen (an ambiguous
    hand-in, ``grader.grading.find``): every check fails with it, nothing runs. A check that reached
    no verdict on the student's code (its worker timed out, ran out of memory, crashed or exited, or
    the check itself broke) has status ``error`` and its ``incident``: batch grading calls such a
    submission an error. ``salt``: the instructor's secret every check's seeds are mixed with
    (``grader.grading.lab.salted``; the references then come from the solutions)."""
    outcome = grade_exercises(course=course, items=[(exercise, path)], device=device,
                              public_only=public_only, references=references, own=own,
                              hidden=hidden, on_check=on_check,
                              problems={exercise.id: problem} if problem else None, salt=salt)[exercise.id]
    if isinstance(outcome, GraderError):
        raise outcome
    return outcome


def grade_exercises(*, course: Course, items: list[tuple[Exercise, Path | None]], device: str = "cpu",
                    public_only: bool = False, references=None, own: tuple[str, ...] | None = None,
                    hidden: tuple[str, ...] = (), on_check=None, problems: dict[str, str] | None = None,
                    salt: str | None = None) -> dict[str, ExerciseResult | GraderError]:
    """``grade_exercise`` for several exercises of one submission, in one pytest session.

    The same check modules, plugin and contexts as grading each alone, so the
    same verdicts; pytest's start-up (~50 ms) is paid once. An exercise whose
    checks cannot run gets a ``GraderError`` in place of its result; if the
    session as a whole fails, each exercise is graded alone to say which.
    """
    from grader.isolation import maths

    if salt and not course.solutions_dir.is_dir():
        raise UsageProblem(f"salted inputs need the reference solutions, and {course.root} has none "
                           "(a release's stored outcomes are for the checks' own seeds only)", "--salt")
    maths.configure(device)  # the reference runs here: same maths settings as the workers
    references = references or default_references(course)
    hidden = (*hidden_paths(course), *hidden)
    outcomes: dict[str, ExerciseResult | GraderError] = {}
    contexts, subs = {}, {}
    content.importable(course)
    hints = content.hints(course)
    for exercise, path in items:
        check_file = course.checks_file(exercise)
        if not check_file.is_file():
            outcomes[exercise.id] = GraderError(f"no checks for {exercise.id}: {check_file} is missing")
            continue
        subs[exercise.id] = submissions.load(exercise, path, (problems or {}).get(exercise.id))
        contexts[str(check_file)] = Context(hints=hints, course=course, exercise=exercise, submission=subs[exercise.id],
                                                  device=device, references=references, fork_server=client.current,
                                                  own=own, hidden=hidden, salt=salt)
    if not contexts:
        return outcomes
    plugin = GraderPlugin(contexts, public_only=public_only, on_check=on_check)
    args = [
        *contexts, "-p", "no:cacheprovider", "--noconftest",
        "--rootdir", str(course.content), "-c", os.devnull,
        # pytest collects every folder from the confcutdir down to a check module: without this
        # it starts at /, listing each parent folder (slow where one holds thousands of entries).
        "--confcutdir", str(course.content), "--import-mode=importlib",
        "-q", "--no-header", "-o", "console_output_style=classic", "-p", "no:warnings",
        "--timeout-method=signal",
        # These two run gc.collect() at the end of a session: ~0.1 s each with torch loaded.
        "-p", "no:unraisableexception", "-p", "no:threadexception",
        # Our feedback never uses pytest's own traceback text; "native" skips its source analysis.
        # No check reads logs (caplog), and the logging plugin re-wires handlers around every phase.
        "--tb=native", "-p", "no:logging",
    ]
    log = io.StringIO()
    # pytest writes its own report to stdout; ours is built from the plugin's results instead.
    with _no_plugin_autoload(), contextlib.redirect_stdout(log):
        import pytest
        import pytest_timeout

        # As an object, not "-p pytest_timeout": that scans every installed distribution each run.
        # No compiled checks left beside the probes, which a worker's jail shows.
        dont_write, sys.dont_write_bytecode = sys.dont_write_bytecode, True
        content.forget_other_checks(contexts)
        try:
            code = pytest.main(args, plugins=[plugin, pytest_timeout])
        finally:
            sys.dont_write_bytecode = dont_write
            # The submission's worker lives across its checks (grader.isolation.fork_server); it ends with them.
            client.end_session()
    if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED, pytest.ExitCode.NO_TESTS_COLLECTED):
        if len(contexts) > 1:  # which exercise broke the session? each alone says
            for exercise, path in items:
                if exercise.id not in outcomes:
                    outcomes.update(grade_exercises(course=course, items=[(exercise, path)], device=device,
                                                    public_only=public_only, references=references,
                                                    own=own, hidden=hidden, problems=problems, salt=salt))
            return outcomes
        exercise = next(iter(contexts.values())).exercise
        outcomes[exercise.id] = GraderError(f"the checks for {exercise.id} could not run "
                                            f"(pytest exit {int(code)}):\n" + log.getvalue()[-4000:])
        return outcomes
    for name, context in contexts.items():
        exercise, sub = context.exercise, subs[context.exercise.id]
        if not plugin.by_module[name] and not public_only:
            outcomes[exercise.id] = GraderError(f"the checks for {exercise.id} could not run (none collected):\n"
                                                + log.getvalue()[-4000:])
            continue
        outcomes[exercise.id] = ExerciseResult(
            exercise=exercise.id,
            title=exercise.title,
            submission=submissions.display_path(sub.path) if sub.path else None,
            checks=tuple(plugin.by_module[name]),
            problem=sub.problem or sub.note,  # a note (notebook graded without markers) shows there too
            isolation=context.state.get("isolation", ""),
        )
    return outcomes


@contextlib.contextmanager
def _no_plugin_autoload():
    """Only the plugins we name: a stray installed plugin must not change verdicts or speed."""
    old = os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD")
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    try:
        yield
    finally:
        if old is None:
            del os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"]
        else:
            os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = old
