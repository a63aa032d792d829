"""The instructor's commands: ``batch``, ``validate``, ``release``, ``gradescope``, ``new``."""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path

import click

import grader.cli.group as group
from grader.cli.group import DEVICES, cli


@cli.command("batch", short_help="Grade a whole class into a crash-safe gradebook.")
@click.argument("submissions", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Folder for gradebook.sqlite, grades.csv and one folder per student.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), help="Grading processes (default: CPU count).")
@click.option("--regrade", is_flag=True, help="Grade again what the gradebook already holds.")
@click.option("--exercise", "exercises", multiple=True, help="Only this exercise (repeatable; default: all).")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True),
              help="Seconds one check may run (default: course.toml).")
@click.option("--memory", type=click.IntRange(min=1), help="MB a worker may use (default: course.toml).")
@click.option("--device", type=DEVICES, default="cpu", show_default=True,
              help="Where student and reference code run.")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Grade even where student code cannot be jailed (see `grade doctor`): students could then "
                   "read each other's files and the results. Every result records it.")
@click.option("--cluster", metavar="tcp://HOST:PORT",
              help="Grade on the workers of this Dask scheduler (pip install 'optim-grader[cluster]'); "
                   "this machine still reads the submissions and writes every result.")
@click.option("--salt", default=None,
              help="Salt every check's inputs with this, not a new secret (a new RESULTS only: one that holds "
                   "grades keeps its own): to grade on another batch's inputs.")
def batch_command(submissions, out, jobs, regrade, exercises, timeout, memory, device, allow_unsandboxed,
                  cluster, salt):
    """Grade a class: every student entry in SUBMISSIONS (a folder, .zip, .py or .ipynb each).

    A rerun grades only what changed; Ctrl-C keeps every student already
    graded. Exit status 0 when every student has a result (errors included,
    listed in the summary), 130 when interrupted.

    With --cluster, each worker must run the same grader, torch and course as
    this machine (the course at the same path, or where GRADER_COURSE says on
    it); a worker that does not is refused and named. See the README's
    "Grading 20,000 students".
    """
    batch = group.instructor("grader.batch.run", "batch")
    from grader.grading.untrusted import terminal

    # Student folder names and their code's words reach these lines: control characters are shown, never sent.
    report = batch.run(submissions=submissions, out=out, jobs=jobs, regrade=regrade, exercises=exercises,
                       timeout=timeout, memory=memory, device=device, fork_judges=group.PRISTINE,
                       progress=_progress_bar, allow_unsandboxed=allow_unsandboxed, cluster=cluster,
                       notice=lambda line: click.echo(terminal(line), err=True), salt=salt)
    click.echo(terminal(report.summary))


@contextlib.contextmanager
def _progress_bar(students: int):
    """click's progress bar on stderr (none when it is not a terminal); yields what to call as
    each student is graded, with the line to show (who, graders busy, students per second)."""
    if not sys.stderr.isatty():  # piped or logged: the summary says it all (click would print a bare label)
        yield lambda line: None
        return
    with click.progressbar(length=students, label="grading", file=sys.stderr, show_eta=True,
                           show_pos=True, width=24, item_show_func=lambda line: line) as bar:
        yield lambda line: bar.update(1, line)


@cli.command("validate", short_help="Prove the course right (for course CI).")
@click.argument("exercises", nargs=-1)
@click.option("--exercise", "named", multiple=True,
              help="Only this exercise (repeatable; the same as naming it as an argument; default: all).")
@click.option("--junit-xml", type=click.Path(dir_okay=False, writable=True, path_type=Path),
              help="Also write the findings as JUnit XML to this file, for CI systems.")
@click.option("--device", type=DEVICES, default="cpu", show_default=True,
              help="Where solutions, stubs and mistakes are graded.")
@click.option("--salt", default=None,
              help="Grade the mistakes' second pass on inputs salted with this (default: a new salt each run; "
                   "a finding names it, to run that pass again).")
def validate_command(exercises, named, junit_xml, device, salt):
    """Prove the course right: solutions and correct files full marks, stubs zero, mistakes caught, nothing
    leaked (for course CI).

    Validates every exercise, or only the EXERCISES named (or given with
    --exercise). Exit status 0 when everything holds, 1 when something is off.
    """
    from grader import course as courses
    from grader.grading import runner as grading
    validate = group.instructor("grader.authoring.validate", "validate")

    course = courses.load()
    exercises = tuple(dict.fromkeys((*exercises, *named)))
    for exercise in exercises:
        course.exercise(exercise)  # an unknown id is a usage error before any grading starts
    group.warm_start(course)
    found = validate.validate(course=course, exercises=exercises, device=grading.resolve_device(device),
                              progress=lambda line: click.echo(line, err=True), salt=salt)
    if junit_xml:
        junit_xml.write_text(found.junit_xml(), encoding="utf-8")
    colour = group.stdout_colour()
    click.echo(found.render(colour=colour), color=colour)
    sys.exit(0 if found.ok else 1)


@cli.command("release", short_help="Write the student release of the course.")
@click.argument("out", type=click.Path(file_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace OUT if it exists.")
def release_command(out, force):
    """Write the student release to the folder OUT: stubs, notebooks, public checks, reference data."""
    from grader import course as courses
    release = group.instructor("grader.authoring.release", "release")

    course = courses.load()
    release.check_destination(course, out, force)  # before paying for torch
    group.warm_start(course)
    click.echo(release.release(course=course, out=out, force=force).summary())


@cli.command("gradescope", short_help="Build a Gradescope autograder zip.")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--exercise", "exercises", multiple=True,
              help="Grade only this exercise (repeatable; default: all of them).")
@click.option("--allow-unsandboxed", is_flag=True,
              help="Let the autograder grade even where Gradescope's container allows no jail for student "
                   "code (it then could read the solutions); results record it.")
@click.option("--salt", default=None,
              help="What every check's seeds are mixed with (default: a new secret for this build, kept in the "
                   "zip as grading-salt); give an earlier build's to make the same zip again.")
def gradescope_command(out, exercises, allow_unsandboxed, salt):
    """Write a Gradescope autograder zip to OUT (grades with every check, hidden ones included)."""
    from grader import course as courses
    gradescope = group.instructor("grader.authoring.gradescope", "gradescope")

    course = courses.load()
    for exercise in exercises:
        course.exercise(exercise)
    click.echo(gradescope.build(course=course, out=out, exercises=exercises, allow_unsandboxed=allow_unsandboxed,
                                salt=salt))


@cli.command("new", short_help="Start a new exercise: stub, solution, a worked check, course.toml.")
@click.argument("exercise")
@click.option("--title", required=True, help="The exercise's title, as `grade list` shows it.")
@click.option("--functions", required=True, multiple=True,
              help='The functions students write, as their def lines give them, comma-separated (repeatable): '
                   '"step_lr(optimizer, epoch, base_lr), warmup_lr(step, warmup_steps)"; a bare name takes one '
                   'tensor x.')
@click.option("--points", type=int, default=10, show_default=True, help="What the exercise is worth.")
def new_command(exercise, title, functions, points):
    """Start the new exercise EXERCISE (an id such as exercise-7) in this course.

    Writes its stub and a solution to fill in with the signatures given, per
    function a probe whose inputs fit them and a worked check, an example for
    the mistake corpus, and its entry at the end of course.toml; refuses (exit 2)
    when any of it exists. `grade validate EXERCISE` then says what is still
    missing.
    """
    from grader import course as courses
    scaffold = group.instructor("grader.authoring.scaffold", "new")

    made = scaffold.new_exercise(course=courses.load(), exercise_id=exercise, title=title, functions=functions,
                                 points=points)
    click.echo(made.summary())
